-- Chat: operations and their events, artifacts, LLM call records (budget) and the response cache.

CREATE TABLE operations (
    id          TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL,
    kind        TEXT NOT NULL DEFAULT 'chat',
    state       TEXT NOT NULL,                 -- pending | started | completed | failed | cancelled
    message     TEXT NOT NULL,
    error       TEXT,
    created_at  REAL NOT NULL,                 -- unix time
    updated_at  REAL NOT NULL
);
CREATE INDEX operations_session ON operations(session_id, created_at);
CREATE INDEX operations_created ON operations(created_at);

CREATE TABLE operation_events (
    operation_id TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    ts           REAL NOT NULL,
    type         TEXT NOT NULL,                -- state | context | llm_call | tool_call | tool_result | artifact | text | error
    data         TEXT NOT NULL,                -- JSON
    PRIMARY KEY (operation_id, seq)
);

CREATE TABLE artifacts (
    id           TEXT PRIMARY KEY,
    operation_id TEXT NOT NULL,
    path         TEXT NOT NULL,                -- workspace-relative
    kind         TEXT NOT NULL,                -- full | diff
    content      TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    language     TEXT NOT NULL,
    created_at   REAL NOT NULL,
    applied_at   REAL
);
CREATE INDEX artifacts_operation ON artifacts(operation_id);

CREATE TABLE llm_calls (
    id                INTEGER PRIMARY KEY,
    operation_id      TEXT,
    ts                REAL NOT NULL,
    model             TEXT NOT NULL,
    prompt_tokens     INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    reasoning_tokens  INTEGER NOT NULL,
    cost_usd          REAL NOT NULL,
    latency_ms        REAL NOT NULL,
    cache_hit         INTEGER NOT NULL,
    error             TEXT
);
CREATE INDEX llm_calls_ts ON llm_calls(ts);

CREATE TABLE llm_cache (
    key        TEXT PRIMARY KEY,               -- SHA-256 of messages + tools + model + effort
    response   TEXT NOT NULL,                  -- JSON of the completed response
    size       INTEGER NOT NULL,               -- bytes of response
    created_at REAL NOT NULL,
    used_at    REAL NOT NULL,
    hits       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX llm_cache_used ON llm_cache(used_at);
