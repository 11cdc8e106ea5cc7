//! The alarm duty. Per-run alarms are recorded by the evaluation itself (see
//! `veloview::dq::scan::Evaluator::evaluate`); the rest is done by one process at a time under a
//! Redis lock: judging the operational rules (live workers, a failing scan, evaluations stalled)
//! and sending the notifications that are due, as digests. Every worker and velo-web run it:
//! while workers live one of them holds the lock; when none is left, the lock lapses and
//! velo-web takes over, so that "no live worker" is reported (and notified) at all.

pub mod notify;

use notify::Channels;
use redis::aio::ConnectionManager;
use redis::AsyncCommands;
use std::sync::Arc;
use std::time::Duration;
use velo_jobs::keys;
use veloview::alarms::record::{record_queue_away, record_system};
use veloview::alarms::SystemFacts;
use veloview::dq::scan::Evaluator;

/// Who does the alarm duty now (a worker name, with expiry).
pub const DUTY_LOCK: &str = "velo:alarms:duty";
/// Digests left unsent by a process that stopped are sent again up to this old.
const RESEND_WITHIN_MS: i64 = 24 * 3600 * 1000;
/// Since when (ms) every data-quality scan has failed; absent after a successful one.
pub const SCAN_FAILING_SINCE: &str = "velo:dq:scan_failing_since";

pub struct Duty {
    pub evaluator: Arc<Evaluator>,
    pub channels: Arc<Channels>,
    /// Between rounds; 0 turns the duty off.
    pub every: Duration,
    /// At most one message per rule per this.
    pub digest_every: Duration,
    /// A worker with no heartbeat for this long is not alive.
    pub worker_dead_after: Duration,
    /// Run by a worker: it is alive, whatever its heartbeat says yet.
    pub counts_itself: bool,
}

impl Duty {
    /// Do the duty every `every` while holding the lock, as long as the connection lives.
    pub async fn run(self: Arc<Self>, mut conn: ConnectionManager, worker: String) {
        if self.every.is_zero() || self.evaluator.alarms.is_none() {
            return;
        }
        // The first round after one period: heartbeats (ours included) are in by then.
        let started = velo_jobs::record::now_ms() as i64;
        let mut tick =
            tokio::time::interval_at(tokio::time::Instant::now() + self.every, self.every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut away_since = None;
        loop {
            tick.tick().await;
            match self.hold(&mut conn, &worker).await {
                Ok(true) => {
                    away_since = None;
                    if let Err(e) = self.round(&mut conn, started).await {
                        tracing::warn!(error = %e, "alarm duty failed");
                    }
                }
                Ok(false) => away_since = None,
                Err(e) if redis_away(&e) => {
                    let since = *away_since.get_or_insert_with(tokio::time::Instant::now);
                    self.queue_still_away(since.elapsed()).await;
                }
                Err(e) => tracing::debug!(error = %e, "alarm duty lock"),
            }
        }
    }

    /// Redis (the queue, the duty's lock, the heartbeats) has not answered for `away`. Once
    /// that is as long as a worker's heartbeats may lapse, velo-web records that no worker can
    /// take a job and sends what is due: without Redis nobody holds the lock, and the workers'
    /// own duty cannot tell. Workers leave it to velo-web (their heartbeats are in Redis too).
    pub async fn queue_still_away(&self, away: Duration) {
        if self.counts_itself || away < self.worker_dead_after || self.every.is_zero() {
            return;
        }
        let ev = self.evaluator.clone();
        let channels = self.channels.clone();
        let now = velo_jobs::record::now_ms() as i64;
        let (digest_ms, settle_ms) = self.delivery_windows();
        let done = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let Some(rules) = &ev.alarms else {
                return Ok(());
            };
            let changes = record_queue_away(&ev.store, rules, away.as_secs(), now)
                .map_err(anyhow::Error::msg)?;
            if !changes.opened.is_empty() {
                tracing::warn!(
                    ?changes,
                    "the job queue (Redis) does not answer: alarm opened"
                );
            }
            deliver_due(&ev.store, &channels, now, digest_ms, settle_ms)
        })
        .await
        .map_err(anyhow::Error::from)
        .and_then(|r| r);
        if let Err(e) = done {
            tracing::warn!(error = %e, "alarm duty failed");
        }
    }

    /// At most one message per rule per `digest_ms`; a digest may still be on its way from a
    /// live round for `settle_ms` after it was taken (every attempt timing out, and the duty
    /// handed over from a process that stalled).
    fn delivery_windows(&self) -> (i64, i64) {
        let digest_ms = self.digest_every.as_millis() as i64;
        let settle_ms = (self.channels.longest_delivery() + self.every * 3).as_millis() as i64;
        (digest_ms, settle_ms)
    }

    /// Take the duty lock, or keep it if it is ours. It outlives a few rounds, so a process that
    /// dies hands the duty over after that long.
    async fn hold(&self, conn: &mut ConnectionManager, worker: &str) -> redis::RedisResult<bool> {
        let hold_ms = (self.every * 3).as_millis().max(1) as u64;
        let got: i32 = redis::Script::new(
            "local v = redis.call('GET', KEYS[1]) \
             if v == false or v == ARGV[1] then \
               redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end return 0",
        )
        .key(DUTY_LOCK)
        .arg(worker)
        .arg(hold_ms)
        .invoke_async(conn)
        .await?;
        Ok(got == 1)
    }

    /// Judge the operational rules, then send what is due.
    async fn round(&self, conn: &mut ConnectionManager, started: i64) -> anyhow::Result<()> {
        let now = velo_jobs::record::now_ms() as i64;
        let alive_since = now - self.worker_dead_after.as_millis() as i64;
        let live: u32 = conn.zcount(keys::WORKERS, alive_since, "+inf").await?;
        let live = if self.counts_itself {
            live.max(1)
        } else {
            live
        };
        let failing_since: Option<i64> = conn.get(SCAN_FAILING_SINCE).await?;
        let ev = self.evaluator.clone();
        let channels = self.channels.clone();
        let (digest_ms, settle_ms) = self.delivery_windows();
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let Some(rules) = &ev.alarms else {
                return Ok(());
            };
            let store = &ev.store;
            let states = store.states()?;
            let waiting = match ev.data.runs() {
                Ok((list, _)) => list
                    .runs()
                    .iter()
                    .filter(|r| !states.contains_key(r))
                    .count(),
                Err(_) => 0,
            };
            let secs = |since: i64| ((now - since).max(0) / 1000) as u64;
            let facts = SystemFacts {
                live_workers: live,
                scan_failing_secs: failing_since.map(secs),
                waiting_runs: waiting,
                // Idle since the newest evaluation, or since this worker started: a fresh
                // installation has not stalled yet.
                idle_secs: Some(secs(store.last_evaluated_ms()?.unwrap_or(0).max(started))),
            };
            let changes = record_system(store, rules, &facts, now).map_err(anyhow::Error::msg)?;
            if !changes.opened.is_empty() || !changes.resolved.is_empty() {
                tracing::info!(?facts, ?changes, "operational alarms");
            }
            deliver_due(store, &channels, now, digest_ms, settle_ms)
        })
        .await?
    }
}

/// Whether a Redis error means Redis is away (down, restarting, unreachable), not that a
/// command went wrong.
fn redis_away(e: &redis::RedisError) -> bool {
    e.is_io_error() || e.is_connection_refusal() || e.is_connection_dropped() || e.is_timeout()
}

/// Send the digests that are due (see [`Duty::delivery_windows`]).
fn deliver_due(
    store: &velo_dqstore::Store,
    channels: &Channels,
    now: i64,
    digest_ms: i64,
    settle_ms: i64,
) -> anyhow::Result<()> {
    if channels.any() {
        // What a process took and died before sending (on some channel) goes out now, so
        // every digest is sent at least once; not when it is over a day old.
        let names = channels.names();
        let since = now - RESEND_WITHIN_MS;
        for (d, sent) in store.undelivered_digests(since, now - settle_ms, &names)? {
            tracing::info!(rule = %d.rule, digest = d.id, "sending a digest a stopped process left unsent");
            channels.deliver_except(store, &d, &sent)?;
        }
        for d in store.take_digests(digest_ms, now)? {
            channels.deliver(store, &d)?;
        }
    }
    Ok(())
}
