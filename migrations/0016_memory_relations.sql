-- Memory relationships: which chat messages, facts, files and reasoning patterns relate, and
-- the later check of whether an applied artifact was kept (a reasoning pattern's outcome).

CREATE TABLE memory_relations (
    id           INTEGER PRIMARY KEY,
    entry_id     INTEGER NOT NULL,             -- memory_entries.id of the message
    session_id   TEXT NOT NULL,
    operation_id TEXT,                         -- the chat operation the message belongs to
    kind         TEXT NOT NULL,                -- file | fact | profile | pattern
    target       TEXT NOT NULL,                -- workspace-relative path, fact key, profile key, pattern id
    relation     TEXT NOT NULL,                -- about | mentioned | read | proposed | applied | taught | suggested | learned
    created_at   REAL NOT NULL,
    UNIQUE (entry_id, kind, target, relation)
);
CREATE INDEX memory_relations_target ON memory_relations(kind, target);
CREATE INDEX memory_relations_operation ON memory_relations(operation_id);

CREATE TABLE artifact_keep_checks (
    artifact_id  TEXT PRIMARY KEY,
    operation_id TEXT NOT NULL,
    path         TEXT NOT NULL,                -- workspace-relative
    lines        TEXT NOT NULL,                -- JSON {"lines": distinctive lines it brought, "mtime": the file's at apply}
    applied_at   REAL NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending',  -- pending | kept | reverted | expired
    kept_share   REAL,                         -- share of those lines still in the file when settled
    checked_at   REAL
);
CREATE INDEX artifact_keep_checks_state ON artifact_keep_checks(state);
