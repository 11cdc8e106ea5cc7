-- Shifters' sign-offs: a run marked OK, BAD or unchecked with a comment, by whom and when.
-- Append-only: every write is a row, so the table is the history; a run's newest row is its
-- current sign-off. `via` says how the author was authenticated ('proxy' header or API 'token').

CREATE TABLE signoffs (
    id           INTEGER PRIMARY KEY,
    run          INTEGER NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('OK', 'BAD', 'unchecked')),
    comment      TEXT    NOT NULL,
    author       TEXT    NOT NULL,
    via          TEXT    NOT NULL CHECK (via IN ('proxy', 'token')),
    signed_at_ms INTEGER NOT NULL
);
CREATE INDEX signoffs_by_run ON signoffs (run, id);
