//! What operators and their tools poll: `/healthz` (is this instance able to serve?) and
//! `/metrics` (Prometheus text). Both read the figures every web instance and worker share in
//! Redis, so any instance answers for the whole system.

mod health;
mod metrics;

use actix_web::web;
use std::time::Duration;
use velo_config::Settings;

/// Neither endpoint waits longer than this on Redis: a monitoring probe needs an answer.
const REDIS_TIMEOUT: Duration = Duration::from_secs(2);

pub struct OpsState {
    /// A worker whose last heartbeat is older than this is not counted alive; the same window
    /// after which apalis hands its jobs to others.
    worker_window_ms: u64,
}

impl OpsState {
    pub fn new(settings: &Settings) -> OpsState {
        OpsState {
            worker_window_ms: settings.worker_heartbeat_secs.max(1)
                * settings.worker_missed_heartbeats.max(1) as u64
                * 1000,
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/metrics", web::get().to(metrics::metrics));
}

/// Live workers: those with a heartbeat within the window.
async fn workers_alive(
    conn: &mut redis::aio::ConnectionManager,
    state: &OpsState,
) -> redis::RedisResult<u64> {
    let since = velo_jobs::record::now_ms().saturating_sub(state.worker_window_ms);
    redis::AsyncCommands::zcount(conn, velo_jobs::keys::WORKERS, since, "+inf").await
}
