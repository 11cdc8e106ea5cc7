//! velo-web's share of the alarm duty (`velo_alarms::Duty`): it competes for the same Redis lock
//! as the workers. While a worker lives, the worker usually holds it; when the last one dies, the
//! lock lapses and velo-web takes over, so that "no live worker" is recorded and notified by a
//! process that is still there.

use std::sync::Arc;
use std::time::Duration;
use velo_alarms::notify::Channels;
use velo_alarms::Duty;
use velo_config::Settings;
use veloview::dq::scan::{Evaluator, OpenError};

/// How long to wait before trying Redis, or the results store, again.
const RECONNECT: Duration = Duration::from_secs(2);

/// Start the duty in the background (nothing when `alarm_check_secs` is 0 or there are no
/// rules). A configuration that does not load is logged and leaves the duty to the workers,
/// which refuse to start with it: velo-web keeps serving its pages.
pub fn start(settings: &Settings) {
    if settings.alarm_check_secs == 0 {
        return;
    }
    let s = settings.clone();
    tokio::spawn(async move {
        let Some(evaluator) = open(&s).await else {
            return;
        };
        let channels = match Channels::from_settings(&s) {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "alarm duty off in velo-web");
                return;
            }
        };
        let duty = Arc::new(Duty {
            evaluator: Arc::new(evaluator),
            channels: Arc::new(channels),
            every: Duration::from_secs(s.alarm_check_secs),
            digest_every: Duration::from_secs(s.alarm_digest_secs),
            worker_dead_after: Duration::from_secs(
                s.worker_heartbeat_secs.max(1) * s.worker_missed_heartbeats.max(1) as u64,
            ),
            counts_itself: false,
        });
        let name = format!("velo-web-{}", std::process::id());
        let away_since = tokio::time::Instant::now();
        loop {
            let conn = match redis::Client::open(s.redis_url.as_str()) {
                Ok(c) => velo_jobs::connection_manager(&c).await,
                Err(e) => Err(e),
            };
            match conn {
                // Runs for good: the connection manager reconnects by itself.
                Ok(conn) => return duty.run(conn, name).await,
                Err(e) => tracing::debug!(error = %e, "alarm duty waits for Redis"),
            }
            // Redis away since velo-web started: the shift hears of it all the same.
            duty.queue_still_away(away_since.elapsed()).await;
            tokio::time::sleep(RECONNECT).await;
        }
    });
}

/// The duty's evaluator, once the results store can be opened: velo-web may well start before
/// its PostgreSQL. `None` when there is no duty to do (no rules), or its configuration does not
/// load (the workers refuse to start with it and say why).
async fn open(s: &Settings) -> Option<Evaluator> {
    let mut said = false;
    loop {
        let tried = {
            let s = s.clone();
            tokio::task::spawn_blocking(move || Evaluator::open(&s))
                .await
                .unwrap_or_else(|e| Err(OpenError::Config(format!("opening panicked: {e}"))))
        };
        match tried {
            Ok(ev) => return ev.alarms.is_some().then_some(ev),
            Err(OpenError::Store(e)) => {
                if !said {
                    tracing::warn!(error = %e, "alarm duty in velo-web waits for the results store");
                    said = true;
                }
            }
            Err(OpenError::Config(e)) => {
                tracing::warn!(error = %e, "alarm duty off in velo-web");
                return None;
            }
        }
        tokio::time::sleep(RECONNECT).await;
    }
}
