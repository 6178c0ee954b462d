-- Code intelligence: what call resolution needs of a definition's types (a class's
-- attribute types, a function's return type), space separated (see model.Symbol.types).

ALTER TABLE code_symbols ADD COLUMN types TEXT NOT NULL DEFAULT '';
