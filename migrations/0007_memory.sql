-- Conversation memory: messages per chat session, rolling summaries, and user-owned facts.

CREATE TABLE memory_entries (
    id         INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    role       TEXT NOT NULL,                  -- user | assistant | system | tool
    content    TEXT NOT NULL,
    ts         REAL NOT NULL,                  -- unix time
    salience   REAL NOT NULL DEFAULT 0,        -- 0..1
    tokens     INTEGER NOT NULL DEFAULT 0,
    embedded   INTEGER NOT NULL DEFAULT 0      -- 1 once added to the semantic conversation index
);
CREATE INDEX memory_entries_session ON memory_entries(session_id, id);

-- keyword recall when no semantic index is available (rowid = memory_entries.id)
CREATE VIRTUAL TABLE memory_entries_fts USING fts5(content, tokenize = 'porter unicode61');

CREATE TABLE memory_summaries (
    id         INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    window     INTEGER NOT NULL,               -- 10 or 100 messages
    first_id   INTEGER NOT NULL,
    last_id    INTEGER NOT NULL,
    text       TEXT NOT NULL,
    method     TEXT NOT NULL,                  -- extractive | llm
    created_at REAL NOT NULL
);
CREATE INDEX memory_summaries_session ON memory_summaries(session_id, window, last_id);

CREATE TABLE memory_facts (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    confidence REAL NOT NULL,                  -- 0..1
    source     TEXT NOT NULL,                  -- remember | preference | llm
    session_id TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
