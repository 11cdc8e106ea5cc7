//! Putting a job on the queue: the one way velo-web (a request) and velo-worker (the
//! data-quality scan) submit work, so both leave the same traces.

use crate::{keys, metrics, JobRecord, QueueMessage};
use apalis_core::backend::TaskSink;
use apalis_redis::{Config, RedisStorage};
use redis::aio::ConnectionManager;

/// Record the job as queued (readable for `ttl_secs`), list it among the recent jobs, count it,
/// then hand it to the workers and give one of them a token.
pub async fn enqueue(
    conn: &mut ConnectionManager,
    rec: &JobRecord,
    ttl_secs: u64,
) -> Result<(), QueueError> {
    let oldest_kept = rec.queued_at.saturating_sub(ttl_secs * 1000);
    let _: () = redis::pipe()
        .set_ex(keys::job(&rec.id), rec.to_json(), ttl_secs)
        .ignore()
        .zadd(keys::RECENT, &rec.id, rec.queued_at)
        .ignore()
        .zrembyscore(keys::RECENT, 0, oldest_kept)
        .ignore()
        .hincr(metrics::COUNTERS, metrics::submitted(&rec.task_name), 1)
        .ignore()
        .query_async(conn)
        .await?;
    let mut queue: RedisStorage<QueueMessage> =
        RedisStorage::new(conn.clone()).with_config(Config::default().queue(keys::QUEUE));
    queue
        .push(QueueMessage {
            job_id: rec.id.clone(),
            task_name: rec.task_name.clone(),
            args: rec.args.clone(),
        })
        .await
        .map_err(|e| QueueError(e.to_string()))?;
    // One token per job, for one worker (see keys::WAKE), once the push has been answered: sent
    // behind it without waiting, the token overtook a push that had to load its script first
    // (the first job after Redis started), and that job waited for an idle worker's recheck.
    let _: () = redis::pipe()
        .lpush(keys::WAKE, 1)
        .ignore()
        .ltrim(keys::WAKE, 0, keys::WAKE_MAX - 1)
        .ignore()
        .query_async(conn)
        .await?;
    Ok(())
}

/// Add to `pipe` what apalis-redis' acknowledgement would do for a task that ended, and what our
/// sweep would later do to its copies: forget it. The worker runs apalis with `persist_results`
/// off and acknowledges here instead, in the same round trip that stores the job's outcome (one
/// Lua script and one round trip less per job). apalis keeps a task in `inflight:{worker}` until
/// then, so a worker that dies first still has its task handed out again.
pub fn ack(pipe: &mut redis::Pipeline, worker: &str, task_id: &str) {
    let config = Config::default().queue(keys::QUEUE);
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
