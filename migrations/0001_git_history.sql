-- Git history index: one row per repository, commit, author and per-file change.
-- Paths are interned so the hot co-change queries join integers, not strings.

CREATE TABLE repositories (
    id              INTEGER PRIMARY KEY,
    root            TEXT NOT NULL UNIQUE,      -- absolute work-tree path
    head_oid        TEXT,                      -- last fully indexed HEAD
    pending_oid     TEXT,                      -- target of a run in flight (for cleanup)
    state           TEXT NOT NULL DEFAULT 'new',  -- new | indexing | ready | empty | error
    message         TEXT,
    indexed_at      REAL,
    last_duration_s REAL,
    generation      INTEGER NOT NULL DEFAULT 0    -- bumped on every change, for reader caches
);

CREATE TABLE authors (
    id    INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,                -- lower-cased, mailmap-resolved
    name  TEXT NOT NULL
);

CREATE TABLE commits (
    id          INTEGER PRIMARY KEY,
    repo_id     INTEGER NOT NULL REFERENCES repositories(id),
    oid         TEXT NOT NULL,
    author_id   INTEGER NOT NULL REFERENCES authors(id),
    author_time INTEGER NOT NULL,
    commit_time INTEGER NOT NULL,
    subject     TEXT NOT NULL,
    parents     TEXT NOT NULL,                 -- space-separated parent oids
    is_merge    INTEGER NOT NULL,
    n_files     INTEGER NOT NULL,
    UNIQUE (repo_id, oid)
);
CREATE INDEX commits_repo_time ON commits(repo_id, author_time);

CREATE TABLE paths (
    id   INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE
);

CREATE TABLE file_changes (
    commit_id   INTEGER NOT NULL REFERENCES commits(id),
    path_id     INTEGER NOT NULL REFERENCES paths(id),
    status      TEXT NOT NULL,                 -- A | M | D | R
    added       INTEGER,                       -- NULL for binary files
    deleted     INTEGER,
    old_path_id INTEGER REFERENCES paths(id),
    PRIMARY KEY (commit_id, path_id)
) WITHOUT ROWID;
CREATE INDEX file_changes_path ON file_changes(path_id, commit_id);
CREATE INDEX file_changes_old_path ON file_changes(old_path_id) WHERE old_path_id IS NOT NULL;
