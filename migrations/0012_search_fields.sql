-- Search: the keyword index gets fields, so BM25 can weigh a match in a symbol's name or
-- path above one deep in a body (FTS5 bm25() column weights). The chunks of code are
-- re-shaped by the next index run (their keys change: windows within the embedding
-- model's limit), which also fills the new columns.

ALTER TABLE semantic_chunks ADD COLUMN name_text TEXT NOT NULL DEFAULT '';
ALTER TABLE semantic_chunks ADD COLUMN path_text TEXT NOT NULL DEFAULT '';
ALTER TABLE semantic_chunks ADD COLUMN head_text TEXT NOT NULL DEFAULT '';

DROP TRIGGER semantic_chunks_ai;
DROP TRIGGER semantic_chunks_ad;
DROP TRIGGER semantic_chunks_au;
DROP TABLE semantic_fts;

CREATE VIRTUAL TABLE semantic_fts USING fts5(
    name_text, path_text, head_text, search_text,
    content='semantic_chunks', content_rowid='id', tokenize='porter unicode61'
);

CREATE TRIGGER semantic_chunks_ai AFTER INSERT ON semantic_chunks BEGIN
    INSERT INTO semantic_fts(rowid, name_text, path_text, head_text, search_text)
    VALUES (new.id, new.name_text, new.path_text, new.head_text, new.search_text);
END;
CREATE TRIGGER semantic_chunks_ad AFTER DELETE ON semantic_chunks BEGIN
    INSERT INTO semantic_fts(semantic_fts, rowid, name_text, path_text, head_text, search_text)
    VALUES ('delete', old.id, old.name_text, old.path_text, old.head_text, old.search_text);
END;
CREATE TRIGGER semantic_chunks_au AFTER UPDATE OF name_text, path_text, head_text, search_text
ON semantic_chunks BEGIN
    INSERT INTO semantic_fts(semantic_fts, rowid, name_text, path_text, head_text, search_text)
    VALUES ('delete', old.id, old.name_text, old.path_text, old.head_text, old.search_text);
    INSERT INTO semantic_fts(rowid, name_text, path_text, head_text, search_text)
    VALUES (new.id, new.name_text, new.path_text, new.head_text, new.search_text);
END;

INSERT INTO semantic_fts(semantic_fts) VALUES ('rebuild');
