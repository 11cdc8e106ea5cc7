-- The data-quality results: one row per evaluation of a run (history), every node of its tree,
-- its trended values, which evaluation is each run's current one, and the runs' info.
-- Integers are 64-bit throughout; times are milliseconds since 1970-01-01 UTC.

CREATE TABLE evaluations (
    id              INTEGER PRIMARY KEY,
    run             INTEGER NOT NULL,
    file_path       TEXT    NOT NULL,
    file_size       INTEGER NOT NULL,
    file_mtime_ns   INTEGER NOT NULL,
    config_digest   TEXT    NOT NULL,
    reference_run   INTEGER,
    evaluated_at_ms INTEGER NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('evaluated', 'failed')),
    -- Set when evaluated; NULL when failed.
    score           REAL,
    level           TEXT CHECK (level IN ('OK', 'WARNING', 'ERROR')),
    -- Why the evaluation failed; NULL when evaluated.
    message         TEXT
);
CREATE INDEX evaluations_by_run ON evaluations (run, id);

-- Node `seq` is its position in the tree as recorded (parents before children).
CREATE TABLE nodes (
    evaluation_id INTEGER NOT NULL REFERENCES evaluations (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    key           TEXT    NOT NULL,
    parent        TEXT,
    title         TEXT    NOT NULL,
    sensor        INTEGER,
    check_name    TEXT,
    path          TEXT,
    score         REAL    NOT NULL,
    level         TEXT    NOT NULL,
    warnings      INTEGER NOT NULL,
    errors        INTEGER NOT NULL,
    weight        REAL    NOT NULL,
    details       TEXT    NOT NULL,
    PRIMARY KEY (evaluation_id, seq)
) WITHOUT ROWID;
-- The overview's per-subsystem columns: the top-level branches of each listed evaluation.
CREATE INDEX nodes_top_level ON nodes (evaluation_id, seq) WHERE parent = '';

CREATE TABLE trends (
    evaluation_id INTEGER NOT NULL REFERENCES evaluations (id) ON DELETE CASCADE,
    var           TEXT    NOT NULL,
    value         REAL    NOT NULL,
    PRIMARY KEY (evaluation_id, var)
) WITHOUT ROWID;

-- Each run's current (newest recorded) evaluation. `verdict` is its level, or 'FAILED', kept
-- here so that the overview's level filter walks one index.
CREATE TABLE current_evaluations (
    run           INTEGER PRIMARY KEY,
    evaluation_id INTEGER NOT NULL REFERENCES evaluations (id),
    verdict       TEXT    NOT NULL
);
CREATE INDEX current_by_verdict ON current_evaluations (verdict, run);

-- The trended values of current evaluations only, keyed for "one variable over a run range":
-- copied from `trends` when an evaluation becomes current.
CREATE TABLE current_trends (
    var   TEXT    NOT NULL,
    run   INTEGER NOT NULL,
    value REAL    NOT NULL,
    PRIMARY KEY (var, run)
) WITHOUT ROWID;
CREATE INDEX current_trends_by_run ON current_trends (run);

CREATE TABLE run_info (
    run             INTEGER PRIMARY KEY,
    start_ms        INTEGER,
    end_ms          INTEGER,
    fill            INTEGER,
    magnet_polarity TEXT CHECK (magnet_polarity IN ('up', 'down'))
);
