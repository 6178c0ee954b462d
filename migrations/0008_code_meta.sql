-- Code intelligence: stamps about the stored index (e.g. the version of the names it
-- holds: a code index written by an older version is rebuilt in full by the next run).

CREATE TABLE code_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
