//! The Redis key layout. Everything of ours lives under `velo:`; apalis keeps its queue under
//! [`QUEUE`] (`velo-jobs:*`). No `:` in the queue name: apalis-redis's wake-up channel
//! (`tasks:{queue}:active:available`) is split on it.

pub const QUEUE: &str = "velo-jobs";

/// The job record, expiring `result_ttl_secs` after its last update: JSON or, a large final
/// record, only its compressed tail (see [`crate::compressed`], [`crate::record::Ended`]).
pub fn job(id: &str) -> String {
    format!("velo:job:{id}")
}

/// How many times workers started the job, counted by the worker's start script (see
/// `velo-worker`'s `lua/start_job.lua`); expires with the record.
pub fn job_attempts(id: &str) -> String {
    format!("velo:job:{id}:attempts")
}

/// Sorted set of job ids by queue time (ms): what `GET /jobs` lists.
pub const RECENT: &str = "velo:jobs:recent";

/// Pub/sub channel: a job id is published here when its job ends.
pub const DONE_CHANNEL: &str = "velo:jobs:done";

/// Cache entry: the id of the job computing or holding the result of a request.
pub fn cache(digest: &str) -> String {
    format!("velo:cache:{digest}")
}

/// List of job tokens: one pushed per job queued, popped (BLPOP) by one worker with room for a
/// job, which then fetches from apalis' queue. Tells exactly one worker of each job, where a
/// pub/sub announcement would wake them all.
pub const WAKE: &str = "velo:jobs:wake";

/// Tokens kept at most: with no worker running, a backlog of this many jobs is enough to keep
/// every worker that starts busy until it fetches on its own.
pub const WAKE_MAX: isize = 10_000;

/// Sorted set of live workers: member the worker's name, score the time (ms) of its last
/// heartbeat. A worker is alive while its score is recent; a stopping worker removes itself.
pub const WORKERS: &str = "velo:workers";

/// Held by the worker that scans for runs to evaluate; expires by itself, so only one worker
/// scans per interval and a dead one never blocks the others for long.
pub const DQ_SCAN_LOCK: &str = "velo:dq:scan";

/// Held while a worker evaluates the run, so two workers never evaluate one run at once.
pub fn dq_eval_lock(run: u32) -> String {
    format!("velo:dq:lock:{run}")
}

/// Set while an evaluation of the run is queued or running, so the scan queues it once.
pub fn dq_pending(run: u32) -> String {
    format!("velo:dq:pending:{run}")
}
