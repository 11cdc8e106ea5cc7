-- Alarms (config/alarms.toml): one row per rule, run and subject (a node key, a trended
-- variable, or a part of the system for operational rules, whose run is 0). Re-evaluations
-- update a row, never add one; `state` goes open -> acknowledged -> resolved, and back to open
-- when a resolved alarm fires again.
CREATE TABLE alarms (
    id            INTEGER PRIMARY KEY,
    rule          TEXT    NOT NULL,
    run           INTEGER NOT NULL,
    subject       TEXT    NOT NULL,
    value         REAL,
    level         TEXT    NOT NULL CHECK (level IN ('WARNING', 'ERROR')),
    message       TEXT    NOT NULL,
    first_seen_ms INTEGER NOT NULL,
    last_seen_ms  INTEGER NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
    state_ms      INTEGER NOT NULL,
    -- Who acknowledged or resolved it by hand, and why; NULL when the rules did.
    by_user       TEXT,
    comment       TEXT,
    UNIQUE (rule, run, subject)
);
CREATE INDEX alarms_by_state ON alarms (state, id);
CREATE INDEX alarms_by_run ON alarms (run, rule);

-- Every change of every alarm, append-only: the history. Opening events are also the
-- notification outbox: `digest_id` stays NULL until a digest (one message per rule per
-- interval) takes them.
CREATE TABLE alarm_events (
    id        INTEGER PRIMARY KEY,
    alarm_id  INTEGER NOT NULL REFERENCES alarms (id),
    event     TEXT    NOT NULL CHECK (event IN ('opened', 'reopened', 'acknowledged', 'resolved')),
    at_ms     INTEGER NOT NULL,
    by_user   TEXT,
    comment   TEXT,
    digest_id INTEGER
);
CREATE INDEX alarm_events_by_alarm ON alarm_events (alarm_id, id);
CREATE INDEX alarm_events_unsent ON alarm_events (id)
    WHERE digest_id IS NULL AND event IN ('opened', 'reopened');

-- Notifications: one digest per rule per interval, sent to each channel (a delivery each).
CREATE TABLE alarm_digests (
    id         INTEGER PRIMARY KEY,
    rule       TEXT    NOT NULL,
    created_ms INTEGER NOT NULL,
    alarms     INTEGER NOT NULL
);
CREATE INDEX alarm_digests_by_rule ON alarm_digests (rule, created_ms);

CREATE TABLE alarm_deliveries (
    id          INTEGER PRIMARY KEY,
    digest_id   INTEGER NOT NULL REFERENCES alarm_digests (id),
    channel     TEXT    NOT NULL CHECK (channel IN ('webhook', 'email')),
    status      TEXT    NOT NULL CHECK (status IN ('delivered', 'failed')),
    attempts    INTEGER NOT NULL,
    -- The last attempt's error, for failed deliveries.
    error       TEXT,
    finished_ms INTEGER NOT NULL
);
CREATE INDEX alarm_deliveries_by_digest ON alarm_deliveries (digest_id);
