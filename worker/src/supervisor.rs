//! A worker process: an apalis worker on the shared Redis queue, re-made whenever it loses Redis
//! (restart, network) so the process carries on instead of exiting, and stopped gracefully on
//! request: running jobs finish, fetched-but-unstarted ones go back to the queue.

use crate::dq::Dq;
use crate::fetch;
use crate::runner::Runner;
use apalis::prelude::*;
use apalis_core::backend::Vacuum;
use apalis_redis::RedisStorage;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use velo_alarms::notify::Channels;
use velo_alarms::Duty;
use velo_config::Settings;
use velo_jobs::{keys, QueueMessage};
use veloview::dq::scan::{Evaluator, OpenError};

pub struct Worker {
    settings: Settings,
    id: String,
    dq: Arc<Dq>,
    duty: Arc<Duty>,
}

impl Worker {
    pub fn build(settings: Settings) -> anyhow::Result<Worker> {
        redis::Client::open(settings.redis_url.as_str())?;
        anyhow::ensure!(
            settings.worker_concurrency > 0,
            "worker_concurrency must be > 0"
        );
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "worker".into());
        let id = format!("{host}-{}", std::process::id());
        let evaluator = open_evaluator(&settings)?;
        let timeout = Duration::from_secs(settings.job_timeout_secs.max(1));
        let scan_every = Duration::from_secs(settings.dq_scan_secs);
        let evaluator = Arc::new(evaluator);
        let dead_after = Duration::from_secs(
            settings.worker_heartbeat_secs.max(1) * settings.worker_missed_heartbeats.max(1) as u64,
        );
        let duty = Arc::new(Duty {
            evaluator: evaluator.clone(),
            channels: Arc::new(Channels::from_settings(&settings)?),
            every: Duration::from_secs(settings.alarm_check_secs),
            digest_every: Duration::from_secs(settings.alarm_digest_secs),
            worker_dead_after: dead_after,
            counts_itself: true,
        });
        let dq = Arc::new(Dq {
            evaluator,
            scan_every,
            eval_timeout: timeout,
            worker_dead_after: dead_after,
            pending_ttl: (scan_every * 10).max(timeout * settings.job_max_attempts.max(1)),
            result_ttl_secs: settings.result_ttl_secs.max(1),
            debug_delay: if settings.debug_tasks {
                Duration::from_millis(settings.debug_dq_delay_ms)
            } else {
                Duration::ZERO
            },
        });
        Ok(Worker {
            settings,
            id,
            dq,
            duty,
        })
    }

    /// The name this worker writes into the jobs it runs.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Run jobs until `stop` resolves, then finish the running ones and return.
    pub async fn run_until(
        self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (tx, rx) = watch::channel(false);
        tokio::spawn(async move {
            stop.await;
            let _ = tx.send(true);
        });
        let mut backoff = Duration::from_millis(100);
        for generation in 1.. {
            // A fresh name per connection: apalis refuses to register a name it saw alive lately,
            // and the old name's jobs are handed out again once its heartbeat has lapsed.
            let name = if generation == 1 {
                self.id.clone()
            } else {
                format!("{}.{generation}", self.id)
            };
            match self.run_connected(&name, rx.clone()).await {
                Ok(()) => tracing::info!(worker = %name, "worker stopped"),
                Err(e) => tracing::warn!(worker = %name, error = %e, "lost the job queue"),
            }
            if *rx.borrow() {
                return Ok(());
            }
            let mut rx = rx.clone();
            // Reconnect back-off while Redis is away, cut short by a stop request.
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = rx.wait_for(|s| *s) => return Ok(()),
            }
            backoff = (backoff * 2).min(Duration::from_secs(2));
        }
        Ok(())
    }

    async fn run_connected(
        &self,
        name: &str,
        mut stop: watch::Receiver<bool>,
    ) -> anyhow::Result<()> {
        let s = &self.settings;
        let client = redis::Client::open(s.redis_url.as_str())?;
        let connect = async {
            let conn = velo_jobs::connection_manager(&client).await?;
            // The connection that blocks waiting for a job token: its replies may take RECHECK.
            let wake = client
                .get_multiplexed_async_connection_with_config(
                    &redis::AsyncConnectionConfig::new()
                        .set_response_timeout(Some(fetch::RECHECK + Duration::from_secs(2))),
                )
                .await?;
            Ok::<_, redis::RedisError>((conn, wake))
        };
        // Connecting to a Redis that is away takes a while (a host that does not answer: the
        // connection's time-out, for each try): a stop asked meanwhile is not kept waiting for
        // that, there is no job running to finish.
        let mut early_stop = stop.clone();
        let (conn, wake) = tokio::select! {
            connected = connect => connected?,
            _ = early_stop.wait_for(|s| *s) => return Ok(()),
        };
        let config = velo_jobs::queue::config()
            // One job per fetch: a worker never holds jobs another idle worker could run.
            .batch_size(1)
            // The runner acknowledges a task in the round trip that stores its job's outcome
            // (velo_jobs::queue::ack); the lease is the in-flight set fetch_next already puts the
            // task in. Each saves a Lua script and a round trip per job; nobody reads the events.
            .persist_results(false)
            .lock_tasks(false)
            .heartbeat_interval(Duration::from_secs(s.worker_heartbeat_secs.max(1)))
            .missed_heartbeats(s.worker_missed_heartbeats.max(1));
        let storage = RedisStorage::<QueueMessage>::new(conn.clone()).with_config(config);
        let sweeper = tokio::spawn(sweep(storage.clone()));
        let backend = fetch::Gate::new(storage, wake);
        let beat = Duration::from_secs(s.worker_heartbeat_secs.max(1));
        let heart = tokio::spawn(heartbeat(conn.clone(), name.to_string(), beat));
        let scan = tokio::spawn(self.dq.clone().scan_loop(conn.clone(), name.to_string()));
        let duty = tokio::spawn(self.duty.clone().run(conn.clone(), name.to_string()));
        let mut runner = Runner::new(s, conn.clone());
        runner.dq = Some(self.dq.clone());
        let runner = Arc::new(runner);
        tracing::info!(worker = %name, concurrency = s.worker_concurrency, "taking jobs");
        let worker = WorkerBuilder::new(name)
            .backend(backend)
            .concurrency(s.worker_concurrency)
            .data(runner)
            .build(handle);
        let outcome = worker
            .run_until(async move {
                let _ = stop.wait_for(|s| *s).await;
                Ok::<(), std::io::Error>(())
            })
            .await;
        sweeper.abort();
        heart.abort();
        scan.abort();
        duty.abort();
        // Leave the live-worker count at once rather than when the heartbeat lapses.
        let mut conn = conn;
        let _: redis::RedisResult<()> =
            redis::AsyncCommands::zrem(&mut conn, keys::WORKERS, name).await;
        outcome?;
        Ok(())
    }
}

/// How long a worker waits before trying to open the results store again.
const STORE_RETRY: Duration = Duration::from_secs(2);

/// The data-quality evaluator. A configuration that does not load stops the worker at start
/// with the reason, rather than failing every evaluation. A store that cannot be opened yet (a
/// PostgreSQL not up when the host boots) is waited for: a worker that exited instead would be
/// restarted by systemd a few times in a second, then given up for good.
fn open_evaluator(settings: &Settings) -> anyhow::Result<Evaluator> {
    let mut said = false;
    loop {
        // On a thread of its own: the PostgreSQL client blocks on a runtime of its own, which
        // may not be started from inside the worker's (this is called from async main).
        let opened = std::thread::scope(|s| {
            s.spawn(|| Evaluator::open(settings))
                .join()
                .unwrap_or_else(|_| Err(OpenError::Config("opening the store panicked".into())))
        });
        match opened {
            Ok(ev) => return Ok(ev),
            Err(OpenError::Store(e)) => {
                if !said {
                    tracing::warn!(error = %e, "waiting for the results store");
                    said = true;
                }
                // Nothing runs yet: SIGTERM's default action stops the process meanwhile.
                std::thread::sleep(STORE_RETRY);
            }
            Err(e) => anyhow::bail!("data quality: {e}"),
        }
    }
}

/// Our own live-worker registry (`keys::WORKERS`), what `/healthz` and `/metrics` count: apalis'
/// worker set records heartbeats too, but in its own format and only while apalis' internals
/// keep it so; a score we write and read ourselves is easy to trust.
async fn heartbeat(mut conn: redis::aio::ConnectionManager, name: String, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let now = velo_jobs::record::now_ms();
        let r: redis::RedisResult<()> =
            redis::AsyncCommands::zadd(&mut conn, keys::WORKERS, &name, now).await;
        if let Err(e) = r {
            tracing::debug!(error = %e, "heartbeat failed");
        }
    }
}

/// apalis keeps every task's data, metadata and id in Redis for ever; our records expire on
/// their own. Once a minute, drop apalis' copies of tasks that ended a minute ago or more.
async fn sweep(mut storage: RedisStorage<QueueMessage>) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        let done = storage.get_config().done_jobs_set();
        let swept = storage.vacuum_before(Duration::from_secs(60)).await;
        let trimmed: redis::RedisResult<()> = redis::cmd("DEL")
            .arg(done)
            .query_async(storage.get_connection())
            .await;
        match (swept, trimmed) {
            (Ok(n), Ok(())) => tracing::debug!(tasks = n, "swept finished tasks"),
            (Err(e), _) => tracing::debug!(error = %e, "sweep failed"),
            (_, Err(e)) => tracing::debug!(error = %e, "sweep failed"),
        }
    }
}

async fn handle(
    msg: QueueMessage,
    runner: Data<Arc<Runner>>,
    worker: WorkerContext,
    task_id: TaskId,
) -> Result<(), BoxDynError> {
    runner.run(msg, worker.name(), &task_id.to_string()).await?;
    Ok(())
}
