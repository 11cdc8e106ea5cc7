//! Data quality in the worker: the periodic scan that queues runs needing an evaluation (one
//! worker at a time, under a Redis lock with expiry), and running `dq.evaluate_run` jobs under a
//! per-run lock, so two workers never evaluate the same run at once.

use redis::aio::ConnectionManager;
use redis::AsyncCommands;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use velo_jobs::{keys, new_job_id, JobRecord};
use veloview::dq::scan::{Evaluator, Stored};

/// How often a job waiting for another worker's evaluation of its run looks again.
const LOCK_POLL: Duration = Duration::from_millis(50);

/// What a worker needs for data quality.
pub struct Dq {
    pub evaluator: Arc<Evaluator>,
    /// Between scans; 0 turns the automatic scan off.
    pub scan_every: Duration,
    /// The longest an evaluation may run: the per-run lock expires after it at the latest.
    pub eval_timeout: Duration,
    /// A worker whose heartbeat is older than this is dead: a lock it holds is taken over (its
    /// job is handed out again after the same time, and must not wait for the lock to expire).
    pub worker_dead_after: Duration,
    /// How long a queued evaluation stays marked pending. A job lost for good (Redis flushed)
    /// is queued again by a scan after this.
    pub pending_ttl: Duration,
    pub result_ttl_secs: u64,
    /// Test-only: hold each evaluation this long before storing it, so tests can kill a worker
    /// in the middle of one. Only honoured with `debug_tasks`.
    pub debug_delay: Duration,
}

impl Dq {
    /// Scan every `scan_every` while the connection lives. The scan itself is file and database
    /// work on a blocking thread; queueing is a few Redis commands per due run.
    pub async fn scan_loop(self: Arc<Self>, mut conn: ConnectionManager, worker: String) {
        if self.scan_every.is_zero() {
            return;
        }
        let mut tick = tokio::time::interval(self.scan_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let outcome = self.scan_once(&mut conn, &worker).await;
            // For the alarm duty's scan_failing rule: since when every scan has failed.
            let mark: redis::RedisResult<()> = match &outcome {
                Ok(Some(_)) => conn.del(velo_alarms::SCAN_FAILING_SINCE).await,
                Ok(None) => Ok(()),
                Err(_) => {
                    redis::cmd("SET")
                        .arg(velo_alarms::SCAN_FAILING_SINCE)
                        .arg(velo_jobs::record::now_ms())
                        .arg("NX")
                        .query_async(&mut conn)
                        .await
                }
            };
            if let Err(e) = mark {
                tracing::debug!(error = %e, "scan status not recorded");
            }
            match outcome {
                Ok(Some(n)) if n > 0 => tracing::info!(queued = n, "data-quality scan"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "data-quality scan failed"),
            }
        }
    }

    /// One scan if this worker gets the scan lock: the number of runs queued, or `None` when
    /// another worker holds the lock.
    pub async fn scan_once(
        &self,
        conn: &mut ConnectionManager,
        worker: &str,
    ) -> anyhow::Result<Option<usize>> {
        // The lock lapses a little before the next tick, so the scan moves to whichever worker
        // comes first; a worker that dies holding it delays one scan at most.
        let hold = self.scan_every.saturating_sub(Duration::from_millis(200));
        let got: bool = redis::cmd("SET")
            .arg(keys::DQ_SCAN_LOCK)
            .arg(worker)
            .arg("NX")
            .arg("PX")
            .arg(hold.as_millis().max(1) as u64)
            .query_async::<Option<String>>(conn)
            .await?
            .is_some();
        if !got {
            return Ok(None);
        }
        let ev = self.evaluator.clone();
        let (due, skipped) = tokio::task::spawn_blocking(move || {
            let skipped = ev.sync_run_info();
            ev.plan(false).map(|due| (due, skipped))
        })
        .await?
        .map_err(anyhow::Error::msg)?;
        match skipped {
            Ok(lines) => {
                for l in lines.iter().take(5) {
                    tracing::warn!("run info: {l}");
                }
            }
            Err(e) => tracing::warn!(error = %e, "run info not loaded"),
        }
        let mut queued = 0;
        for d in due {
            let fresh: bool = redis::cmd("SET")
                .arg(keys::dq_pending(d.run))
                .arg(1)
                .arg("NX")
                .arg("PX")
                .arg(self.pending_ttl.as_millis().max(1) as u64)
                .query_async::<Option<String>>(conn)
                .await?
                .is_some();
            if !fresh {
                continue;
            }
            let rec = JobRecord::queued(
                new_job_id(),
                velo_jobs::task::DQ_EVALUATE_RUN,
                json!({"run": d.run}),
            );
            velo_jobs::queue::enqueue(conn, &rec, self.result_ttl_secs).await?;
            tracing::debug!(run = d.run, reason = ?d.reason, id = %rec.id, "evaluation queued");
            queued += 1;
        }
        Ok(Some(queued))
    }

    /// Run a `dq.evaluate_run` job: wait for the run's lock, evaluate and store on a blocking
    /// thread, release. The result is the job's `{"success", "data"}` value.
    pub async fn evaluate(
        &self,
        conn: &mut ConnectionManager,
        run: u32,
        force: bool,
        worker: &str,
    ) -> anyhow::Result<Value> {
        let lock = keys::dq_eval_lock(run);
        let hold_ms = self.eval_timeout.as_millis().max(1) as u64;
        let give_up = Instant::now() + self.eval_timeout;
        loop {
            let got: Option<String> = redis::cmd("SET")
                .arg(&lock)
                .arg(worker)
                .arg("NX")
                .arg("PX")
                .arg(hold_ms)
                .query_async(conn)
                .await?;
            if got.is_some() || self.take_over_from_dead(conn, &lock, worker).await? {
                break;
            }
            anyhow::ensure!(
                Instant::now() < give_up,
                "run {run} is being evaluated by another worker for longer than {} s",
                self.eval_timeout.as_secs()
            );
            tokio::time::sleep(LOCK_POLL).await;
        }
        let ev = self.evaluator.clone();
        let delay = self.debug_delay;
        let outcome = tokio::task::spawn_blocking(move || {
            if !delay.is_zero() {
                std::thread::sleep(delay);
            }
            ev.evaluate(run, force)
        })
        .await;
        // Release only our own lock (it may have expired and been taken by another worker).
        let _: redis::RedisResult<i32> = redis::Script::new(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
        )
        .key(&lock)
        .arg(worker)
        .invoke_async(conn)
        .await;
        let _: redis::RedisResult<()> = conn.del(keys::dq_pending(run)).await;
        Ok(match outcome? {
            Ok(stored) => {
                if let Some(e) = &stored.alarm_error {
                    tracing::warn!(run, error = %e, "alarms not recorded");
                }
                json!({"success": true, "data": stored_json(&stored)})
            }
            Err(message) => json!({"success": false, "message": message}),
        })
    }
}

impl Dq {
    /// Take `lock` over if the worker holding it is dead (no heartbeat for `worker_dead_after`):
    /// a killed worker's run is then evaluated as soon as its job is handed out again.
    async fn take_over_from_dead(
        &self,
        conn: &mut ConnectionManager,
        lock: &str,
        worker: &str,
    ) -> redis::RedisResult<bool> {
        let Some(holder): Option<String> = conn.get(lock).await? else {
            return Ok(false);
        };
        let beat: Option<f64> = conn.zscore(keys::WORKERS, &holder).await?;
        let now = velo_jobs::record::now_ms() as f64;
        let dead_ms = self.worker_dead_after.as_millis() as f64;
        if beat.is_some_and(|b| now - b <= dead_ms) {
            return Ok(false);
        }
        // Only if the dead worker still holds it: another waiter may have taken it first.
        let taken: i32 = redis::Script::new(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then \
               redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end return 0",
        )
        .key(lock)
        .arg(&holder)
        .arg(worker)
        .arg(self.eval_timeout.as_millis().max(1) as u64)
        .invoke_async(conn)
        .await?;
        if taken == 1 {
            tracing::info!(lock, dead = %holder, "took over a dead worker's evaluation lock");
        }
        Ok(taken == 1)
    }
}

fn stored_json(s: &Stored) -> Value {
    serde_json::to_value(s).unwrap_or(Value::Null)
}
