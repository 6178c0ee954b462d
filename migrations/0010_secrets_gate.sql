-- The secrets gate: the version of the rules the stored data was last purged under. A
-- store written under older rules (or before the gate) is purged at the next start
-- (core/secrets_purge.py: classifying secrets needs file names, contents and patterns,
-- which SQL alone cannot do).

CREATE TABLE gate_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
