-- Build runs, the errors they reported, resolutions, and fix commits mined from git.

CREATE TABLE build_runs (
    id           INTEGER PRIMARY KEY,
    command      TEXT NOT NULL,
    exit_code    INTEGER,                       -- NULL when the process never ran / was killed
    duration_s   REAL NOT NULL,
    started_at   REAL NOT NULL,
    head_oid     TEXT,
    dirty        INTEGER NOT NULL,
    dirty_files  TEXT NOT NULL DEFAULT '[]',    -- JSON list, repository-relative
    status       TEXT NOT NULL,                 -- passed | failed | timeout | cancelled | error
    message      TEXT,
    output_bytes INTEGER NOT NULL DEFAULT 0,
    truncated    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE build_errors (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES build_runs(id),
    fingerprint TEXT NOT NULL,
    tool        TEXT NOT NULL,
    code        TEXT,
    message     TEXT NOT NULL,
    path        TEXT,
    line        INTEGER,
    col         INTEGER,
    severity    TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    symbol      TEXT
);
CREATE INDEX build_errors_run ON build_errors(run_id);
CREATE INDEX build_errors_fingerprint ON build_errors(fingerprint);

CREATE TABLE build_fingerprints (
    fingerprint TEXT PRIMARY KEY,
    tool        TEXT NOT NULL,
    code        TEXT,
    skeleton    TEXT NOT NULL,
    sample      TEXT NOT NULL,
    occurrences INTEGER NOT NULL DEFAULT 0,
    first_seen  REAL NOT NULL,
    last_seen   REAL NOT NULL
);

CREATE TABLE build_resolutions (
    id              INTEGER PRIMARY KEY,
    fingerprint     TEXT NOT NULL,
    message         TEXT NOT NULL,
    path            TEXT,
    first_run_id    INTEGER NOT NULL,
    resolved_run_id INTEGER NOT NULL,
    resolved_at     REAL NOT NULL,
    head_before     TEXT,
    head_after      TEXT,
    files           TEXT NOT NULL DEFAULT '[]',  -- JSON list of changed files
    commit_oid      TEXT,                        -- set once the change is committed
    diff            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX build_resolutions_fingerprint ON build_resolutions(fingerprint);

CREATE TABLE fix_commits (
    repo_root TEXT NOT NULL,
    oid       TEXT NOT NULL,
    author    TEXT NOT NULL,
    email     TEXT NOT NULL,
    time      INTEGER NOT NULL,
    subject   TEXT NOT NULL,
    body      TEXT NOT NULL,
    files     TEXT NOT NULL,                    -- JSON list
    diff      TEXT NOT NULL,                    -- capped unified diff (hunks)
    fix_like  INTEGER NOT NULL,
    PRIMARY KEY (repo_root, oid)
);

CREATE TABLE fix_mining_state (
    repo_root TEXT PRIMARY KEY,
    head_oid  TEXT,
    mined_at  REAL NOT NULL
);
