//! Putting a job on the queue: the one way velo-web (a request) and velo-worker (the
//! data-quality scan) submit work, so both leave the same traces.
//!
//! apalis-redis owns the queue: its layout, its fetch script (the workers'), in-flight sets,
//! heartbeats and the re-enqueueing of dead workers' tasks. What differs from its `TaskSink` is
//! how a task gets in: apalis pushes with a Lua script (≈ 90 µs of Redis per call, and one round
//! trip of its own), then velo-web needed another for the worker's token. Here the record, the
//! task and the token go in one pipeline of plain commands that leave the queue as apalis-redis
//! 1.0's `batch_push.lua` leaves it for one task due now: its data, its metadata, its id at the
//! end of the active list (apalis' own push files it in the scheduled set, due now, for the next
//! fetch to move there). Test `a_task_is_queued_as_apalis_queues_it` compares the two on a real
//! Redis. One round trip per submission instead of three.

use crate::{keys, metrics, JobRecord, QueueMessage};
use apalis_redis::Config;
use redis::aio::ConnectionManager;

/// apalis-redis' configuration of our queue, as velo-web and the workers share it. Nobody listens
/// to apalis' own "task available" announcements: workers wait for a token ([`keys::WAKE`]).
pub fn config() -> Config {
    Config::default().queue(keys::QUEUE).emit_events(false)
}

/// apalis' attempt limit for a task that does not set one (`push_tasks`). Our own limit is the
/// runner's (`job_max_attempts`), counted in the job's record; apalis' only rides along.
const APALIS_MAX_ATTEMPTS: u32 = 25;

/// Record the job as queued (readable for `ttl_secs`), list it among the recent jobs, count it,
/// hand it to the workers and give one of them a token, in one round trip. Redis runs a
/// pipeline's commands in order, so the token is never seen before the task it stands for.
pub async fn enqueue(
    conn: &mut ConnectionManager,
    rec: &JobRecord,
    ttl_secs: u64,
) -> Result<(), QueueError> {
    let oldest_kept = rec.queued_at.saturating_sub(ttl_secs * 1000);
    let message = QueueMessage {
        job_id: rec.id.clone(),
        task_name: rec.task_name.clone(),
        args: rec.args.clone(),
        queued_at: Some(rec.queued_at),
    };
    let mut pipe = redis::pipe();
    pipe.set_ex(keys::job(&rec.id), rec.to_json(), ttl_secs)
        .ignore()
        .zadd(keys::RECENT, &rec.id, rec.queued_at)
        .ignore()
        .zrembyscore(keys::RECENT, 0, oldest_kept)
        .ignore()
        .hincr(metrics::COUNTERS, metrics::submitted(&rec.task_name), 1)
        .ignore();
    push(&mut pipe, &rec.id, &message)?;
    // One token per job, for one worker (see keys::WAKE).
    let _: () = pipe
        .lpush(keys::WAKE, 1)
        .ignore()
        .ltrim(keys::WAKE, 0, keys::WAKE_MAX - 1)
        .ignore()
        .query_async(conn)
        .await?;
    Ok(())
}

/// Add to `pipe` what apalis-redis' `batch_push.lua` does for one task due now, with no
/// idempotency key and no metadata: the task's data (apalis' JSON codec: the message as JSON),
/// its metadata hash, its place at the end of the active list, and apalis' signal. The task id
/// is the job id (a fresh ULID, apalis' own id type), so `HSETNX` always sets.
fn push(
    pipe: &mut redis::Pipeline,
    task_id: &str,
    message: &QueueMessage,
) -> Result<(), QueueError> {
    let config = config();
    let data = serde_json::to_vec(message).map_err(|e| QueueError(e.to_string()))?;
    pipe.hset_nx(config.job_data_hash(), task_id, data)
        .ignore()
        .hset_multiple(
            format!("{}:{task_id}", config.job_meta_hash()),
            &[
                ("attempts", "0".to_string()),
                ("max_attempts", APALIS_MAX_ATTEMPTS.to_string()),
                ("status", "Pending".to_string()),
                ("idempotency_key", String::new()),
            ],
        )
        .ignore()
        .rpush(config.active_jobs_list(), task_id)
        .ignore()
        .del(config.signal_list())
        .ignore()
        .lpush(config.signal_list(), 1)
        .ignore();
    Ok(())
}

/// Add to `pipe` what apalis-redis' acknowledgement would do for a task that ended, and what our
/// sweep would later do to its copies: forget it. The worker runs apalis with `persist_results`
/// off and acknowledges here instead, in the same round trip that stores the job's outcome (one
/// Lua script and one round trip less per job). apalis keeps a task in `inflight:{worker}` until
/// then, so a worker that dies first still has its task handed out again.
pub fn ack(pipe: &mut redis::Pipeline, worker: &str, task_id: &str) {
    let config = config();
    pipe.srem(format!("{}:{worker}", config.inflight_jobs_set()), task_id)
        .ignore()
        .hdel(config.job_data_hash(), task_id)
        .ignore()
        .del(format!("{}:{task_id}", config.job_meta_hash()))
        .ignore();
}

#[derive(Debug, thiserror::Error)]
#[error("job queue: {0}")]
pub struct QueueError(String);

impl From<redis::RedisError> for QueueError {
    fn from(e: redis::RedisError) -> Self {
        QueueError(e.to_string())
    }
}
