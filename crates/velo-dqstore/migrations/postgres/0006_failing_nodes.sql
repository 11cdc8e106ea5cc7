-- The overview says where to look in each run of its page: the failing nodes (WARNING or ERROR)
-- of fifty evaluations, read through this index instead of every node of each tree. A clean
-- run's tree has none of them. Not covering, unlike SQLite's: a B-tree entry holds at most
-- about 2.7 kB, and a failing leaf's details (its bad channels) can be longer.
CREATE INDEX nodes_failing ON nodes (evaluation_id, seq) WHERE level <> 'OK';
