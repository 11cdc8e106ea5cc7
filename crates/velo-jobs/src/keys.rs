//! The Redis key layout. Everything of ours lives under `velo:`; apalis keeps its queue under
//! [`QUEUE`] (`velo-jobs:*`). No `:` in the queue name: apalis-redis's wake-up channel
//! (`tasks:{queue}:active:available`) is split on it.

pub const QUEUE: &str = "velo-jobs";

/// The job record (JSON), expiring `result_ttl_secs` after its last update.
pub fn job(id: &str) -> String {
    format!("velo:job:{id}")
}

/// Sorted set of job ids by queue time (ms): what `GET /jobs` lists.
pub const RECENT: &str = "velo:jobs:recent";

/// Pub/sub channel: a job id is published here when its job ends.
pub const DONE_CHANNEL: &str = "velo:jobs:done";

/// Cache entry: the id of the job computing or holding the result of a request.
pub fn cache(digest: &str) -> String {
    format!("velo:cache:{digest}")
}

/// The channel apalis-redis workers listen on for new jobs. apalis-redis 1.0's push gives every
/// task a start time of "now", which files it as *scheduled* and skips this announcement, so idle
/// workers would only find it at their next heartbeat (seconds). velo-web announces it itself.
pub fn queue_wakeup_channel() -> String {
    format!("tasks:{QUEUE}:active:available")
}

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
