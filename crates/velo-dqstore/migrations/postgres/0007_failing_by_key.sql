-- The index of failing nodes (WARNING or ERROR) is found by evaluation and key, and holds what
-- tells which leaves fail and ranks them, for index-only scans: the overview picks each run's
-- worst leaves from it and reads those few whole by primary key; since when a leaf has failed
-- probes it by (evaluation, key). Partial, so a clean run adds nothing to it.
DROP INDEX nodes_failing;
CREATE INDEX nodes_failing ON nodes (evaluation_id, key) INCLUDE (level, parent, score, seq)
    WHERE level <> 'OK';
