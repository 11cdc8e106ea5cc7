//! Putting a job on the queue: the one way velo-web (a request) and velo-worker (the
//! data-quality scan) submit work, so both leave the same traces.

use crate::{keys, metrics, JobRecord, QueueMessage};
use apalis_core::backend::TaskSink;
use apalis_redis::{Config, RedisStorage};
use redis::aio::ConnectionManager;
use redis::AsyncCommands;

/// Record the job as queued (readable for `ttl_secs`), list it among the recent jobs, count it,
/// then hand it to the workers and wake an idle one.
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
    // apalis-redis does not announce pushes itself (see keys::queue_wakeup_channel).
    let _: () = conn.publish(keys::queue_wakeup_channel(), &rec.id).await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
#[error("job queue: {0}")]
pub struct QueueError(String);

impl From<redis::RedisError> for QueueError {
    fn from(e: redis::RedisError) -> Self {
        QueueError(e.to_string())
    }
}
