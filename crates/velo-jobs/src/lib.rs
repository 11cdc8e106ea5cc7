//! What velo-web and velo-worker agree on: the tasks a job can run (the original's job resolvers),
//! the job record both read and write, and where everything lives in Redis.

pub mod cache;
pub mod compressed;
pub mod keys;
pub mod metrics;
pub mod queue;
pub mod record;
pub mod task;

pub use record::{is_job_id, new_job_id, JobRecord, Status};
pub use task::{ArgsError, QueueMessage, Task};

/// How long velo-web and the workers wait for Redis to answer a command before giving up on it.
/// redis-rs' default, 500 ms, is shorter than Redis can stall on a loaded two-core host (a
/// browser starting beside the stack was enough): the request then failed with "the job queue
/// is unavailable" while Redis was only slow. A Redis that is down fails at once, on the
/// connection, whatever this says.
pub const REDIS_RESPONSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// How often a connection manager tries again to connect before the command waiting on it fails.
/// redis-rs' default, six times with doubling delays, kept every request waiting 6 to 12 s for a
/// 503 while Redis was down or restarting. The callers try again themselves: each request
/// reconnects anew (a Redis back up is found by the next one), the worker's supervisor with its
/// own back-off.
pub const REDIS_CONNECT_RETRIES: usize = 1;

/// A connection manager to `client` with [`REDIS_RESPONSE_TIMEOUT`] and
/// [`REDIS_CONNECT_RETRIES`].
pub async fn connection_manager(
    client: &redis::Client,
) -> redis::RedisResult<redis::aio::ConnectionManager> {
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_response_timeout(Some(REDIS_RESPONSE_TIMEOUT))
        .set_number_of_retries(REDIS_CONNECT_RETRIES);
    client.get_connection_manager_with_config(config).await
}
