-- Per-repository co-change calibration: the parameterisation that ranked the
-- repository's own recent held-out commits best, and the history size it was chosen
-- on (recomputed when the history has grown by 10 %).

CREATE TABLE cochange_calibration (
    repo_id       INTEGER PRIMARY KEY REFERENCES repositories(id),
    commits       INTEGER NOT NULL,   -- non-merge commits the choice was made on
    params        TEXT NOT NULL,      -- JSON of CochangeParams fields
    score         REAL NOT NULL,      -- MAP@10 of the chosen parameters
    default_score REAL NOT NULL,      -- MAP@10 of the defaults, for comparison
    queries       INTEGER NOT NULL,
    computed_at   REAL NOT NULL
);
