-- Code intelligence: files parsed with tree-sitter, their code elements, call sites
-- (resolved to callees where possible) and a concept index (FTS5).

CREATE TABLE code_files (
    id         INTEGER PRIMARY KEY,
    path       TEXT NOT NULL UNIQUE,        -- workspace-relative, posix
    language   TEXT,
    module     TEXT,
    size       INTEGER NOT NULL,
    mtime_ns   INTEGER NOT NULL,
    status     TEXT NOT NULL,               -- indexed | too_large | binary | unreadable
    errors     INTEGER NOT NULL DEFAULT 0,  -- 1 when the file has syntax errors
    indexed_at REAL NOT NULL
);

CREATE TABLE code_symbols (
    id             INTEGER PRIMARY KEY,
    file_id        INTEGER NOT NULL,
    qualified_name TEXT NOT NULL,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    parent         TEXT,
    start_line     INTEGER NOT NULL,
    start_col      INTEGER NOT NULL,
    end_line       INTEGER NOT NULL,
    end_col        INTEGER NOT NULL,
    sel_line       INTEGER NOT NULL,
    sel_col        INTEGER NOT NULL,
    sel_end_line   INTEGER NOT NULL,
    sel_end_col    INTEGER NOT NULL,
    signature      TEXT NOT NULL DEFAULT '',
    docstring      TEXT,
    bases          TEXT NOT NULL DEFAULT '',  -- space separated
    fields         TEXT NOT NULL DEFAULT ''   -- space separated
);
CREATE INDEX code_symbols_file ON code_symbols(file_id);
CREATE INDEX code_symbols_qualified ON code_symbols(qualified_name);
CREATE INDEX code_symbols_name ON code_symbols(name);

CREATE TABLE code_imports (
    file_id INTEGER NOT NULL,
    local   TEXT,
    module  TEXT NOT NULL,
    name    TEXT,
    line    INTEGER NOT NULL
);
CREATE INDEX code_imports_file ON code_imports(file_id);

-- one row per resolved call site and candidate callee (calls to nothing in the workspace,
-- e.g. builtins, are not kept)
CREATE TABLE code_calls (
    file_id    INTEGER NOT NULL,
    caller     TEXT NOT NULL,               -- qualified name
    name       TEXT NOT NULL,
    receiver   TEXT,
    line       INTEGER NOT NULL,
    col        INTEGER NOT NULL,
    callee     TEXT NOT NULL,               -- qualified name
    confidence TEXT NOT NULL                -- resolved | name
);
CREATE INDEX code_calls_file ON code_calls(file_id);
CREATE INDEX code_calls_caller ON code_calls(caller);
CREATE INDEX code_calls_callee ON code_calls(callee);

CREATE VIRTUAL TABLE code_concepts USING fts5(
    name_terms, path_terms, doc_terms
);
