-- Reasoning patterns learned from chat operations (and seeded from recipes), their uses,
-- the traces of finished operations, and the user's profile learned from chats.

CREATE TABLE reasoning_patterns (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    trigger     TEXT NOT NULL,                 -- the request that started it
    keywords    TEXT NOT NULL,                 -- JSON list
    file_kinds  TEXT NOT NULL,                 -- JSON list of extensions
    embedding   TEXT,                          -- JSON list of floats, when an embedder ran
    steps       TEXT NOT NULL,                 -- JSON list of {tool, args} / {text}
    plan        TEXT NOT NULL,                 -- JSON list of plan lines
    source      TEXT NOT NULL,                 -- chat | recipe
    source_ref  TEXT UNIQUE,                   -- operation id or recipe:<repo>:<id>
    uses        INTEGER NOT NULL DEFAULT 0,
    successes   INTEGER NOT NULL DEFAULT 0,
    failures    INTEGER NOT NULL DEFAULT 0,
    created_at  REAL NOT NULL,
    last_used   REAL
);

CREATE TABLE pattern_usage (
    id           INTEGER PRIMARY KEY,
    pattern_id   INTEGER NOT NULL,
    operation_id TEXT NOT NULL,
    similarity   REAL NOT NULL,
    created_at   REAL NOT NULL,
    outcome      TEXT                          -- NULL until known: success | failure
);
CREATE INDEX pattern_usage_operation ON pattern_usage(operation_id);

CREATE TABLE reasoning_traces (
    operation_id TEXT PRIMARY KEY,
    message      TEXT NOT NULL,
    file_kinds   TEXT NOT NULL,
    steps        TEXT NOT NULL,
    plan         TEXT NOT NULL,
    created_at   REAL NOT NULL,
    outcome      TEXT                          -- success | failure once known
);

CREATE TABLE user_profile (
    key         TEXT PRIMARY KEY,              -- "<category>:<normalized value>"
    category    TEXT NOT NULL,                 -- preference | stack | style
    value       TEXT NOT NULL,
    confidence  REAL NOT NULL,                 -- 0..1; 1 for what the user set
    evidence    INTEGER NOT NULL DEFAULT 1,    -- messages that said so
    source      TEXT NOT NULL,                 -- learned | user
    updated_at  REAL NOT NULL
);
