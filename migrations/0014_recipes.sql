-- Change recipes mined from git history, their versions (evolution history) and executions.

CREATE TABLE recipes (
    repo_root  TEXT NOT NULL,
    id         TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,     -- current version (recipe_versions)
    title      TEXT NOT NULL,
    support    INTEGER NOT NULL,               -- commits that made this change
    last_used  INTEGER NOT NULL,               -- unix time of the latest such commit
    body       TEXT NOT NULL,                  -- JSON: creates, edits, examples
    retired    INTEGER NOT NULL DEFAULT 0,     -- 1 once its executions proved it ineffective
    PRIMARY KEY (repo_root, id)
);

CREATE TABLE recipe_mining (
    repo_root  TEXT PRIMARY KEY,
    head_oid   TEXT,                           -- HEAD the stored recipes were mined at
    mined_at   REAL NOT NULL,
    commits    INTEGER NOT NULL
);

CREATE TABLE recipe_versions (
    repo_root  TEXT NOT NULL,
    id         TEXT NOT NULL,
    version    INTEGER NOT NULL,
    body       TEXT NOT NULL,
    source     TEXT NOT NULL,                  -- mined | model | user
    note       TEXT,
    created_at REAL NOT NULL,
    PRIMARY KEY (repo_root, id, version)
);

CREATE TABLE recipe_executions (
    id          INTEGER PRIMARY KEY,
    repo_root   TEXT NOT NULL,
    recipe_id   TEXT NOT NULL,
    version     INTEGER NOT NULL,
    name        TEXT NOT NULL,
    created_at  REAL NOT NULL,
    applied     INTEGER NOT NULL DEFAULT 0,    -- 1 when the editor applied the edit
    files       TEXT NOT NULL,                 -- JSON {path: sha1 of the scaffolded text}
    head_oid    TEXT,                          -- HEAD when it was applied
    checked_at  REAL,
    commits_since INTEGER,                     -- commits after head_oid at the last check
    present     REAL,                          -- share of created files still there
    edited      REAL                           -- share of present files changed since
);
CREATE INDEX recipe_executions_recipe ON recipe_executions(repo_root, recipe_id);
