-- The index of failing nodes (WARNING or ERROR) becomes narrow: what tells which leaves of an
-- evaluation fail and ranks them (key, parent, level, score, seq), by evaluation and key.
-- The overview picks each run's worst leaves from it and reads those few whole by primary key;
-- since when a leaf has failed probes it by (evaluation, key). Migration 0006's index held
-- every column, details too, so a page of 50 runs of 64 failing leaves each read 3,650 wide
-- entries to name 150 of them (5 ms). Partial, so a clean run adds nothing to it.
DROP INDEX nodes_failing;
CREATE INDEX nodes_failing ON nodes (evaluation_id, key, level, parent, score, seq)
    WHERE level <> 'OK';
