-- Semantic layer: chunks of code, commits and conversation, with a keyword index (FTS5).
-- Vectors live in the vector store (embedded Qdrant Edge or a Qdrant server), keyed by chunk id.

CREATE TABLE semantic_collections (
    name      TEXT PRIMARY KEY,          -- code | git | conversation
    embedder  TEXT,                      -- id of the embedder the stored vectors come from
    dimension INTEGER
);

CREATE TABLE semantic_chunks (
    id           INTEGER PRIMARY KEY,
    collection   TEXT NOT NULL,
    key          TEXT NOT NULL UNIQUE,   -- e.g. code:path#start, git:oid, conversation:session:id
    path         TEXT,
    symbol       TEXT,
    kind         TEXT,
    language     TEXT,
    start_line   INTEGER,
    end_line     INTEGER,
    commit_oid   TEXT,
    session_id   TEXT,
    content_hash TEXT NOT NULL,
    text         TEXT NOT NULL,
    search_text  TEXT NOT NULL,          -- text plus split identifiers, for the keyword index
    embedded     INTEGER NOT NULL DEFAULT 0,
    updated_at   REAL NOT NULL
);
CREATE INDEX semantic_chunks_path ON semantic_chunks(collection, path);
CREATE INDEX semantic_chunks_pending ON semantic_chunks(embedded, collection);

CREATE VIRTUAL TABLE semantic_fts USING fts5(
    search_text, content='semantic_chunks', content_rowid='id', tokenize='porter unicode61'
);

CREATE TRIGGER semantic_chunks_ai AFTER INSERT ON semantic_chunks BEGIN
    INSERT INTO semantic_fts(rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER semantic_chunks_ad AFTER DELETE ON semantic_chunks BEGIN
    INSERT INTO semantic_fts(semantic_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER semantic_chunks_au AFTER UPDATE OF search_text ON semantic_chunks BEGIN
    INSERT INTO semantic_fts(semantic_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO semantic_fts(rowid, search_text) VALUES (new.id, new.search_text);
END;
