//! How a worker takes jobs from apalis-redis' queue: only when told there is one, one worker per
//! job.
//!
//! apalis-redis' own stream fetches (a Lua script) whenever it is polled: after every task it
//! yields, after every task that ends, on every pub/sub announcement (which every worker hears,
//! so all but one fetch nothing) and on our safety-net timer. That was four to five scripts per
//! job with two workers, and ten scripts a second per idle worker.
//!
//! Here apalis-redis keeps the queue (its push, fetch script, in-flight sets, heartbeats and
//! re-enqueueing of dead workers' tasks); only the decision *when* to fetch is ours. For every job
//! it queues, velo-web pushes a token onto a Redis list ([`keys::WAKE`]). A worker with room for
//! a job blocks on that list (BLPOP, on a connection of its own, with apalis' fetch script
//! pipelined behind it): Redis hands each token to one waiting worker and runs its fetch. An idle
//! worker costs one BLPOP per [`RECHECK`], after which it fetches anyway: that picks up jobs whose
//! token was lost (a worker killed between popping a token and fetching, Redis restarted).

use apalis_core::backend::{Backend, BackendConfig, WireFormatBackend};
use apalis_core::worker::context::WorkerContext;
use apalis_redis::{Config, RedisStorage, RedisTask};
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use redis::aio::MultiplexedConnection;
use std::collections::VecDeque;
use std::sync::LazyLock;
use std::task::{Context, Poll};
use std::time::Duration;
use velo_jobs::keys;

/// How long an idle worker waits for a token before fetching anyway.
pub const RECHECK: Duration = Duration::from_secs(2);

type Fetched = Result<Vec<RedisTask>, apalis_redis::Error>;

enum State {
    /// Fetching, after a token (or [`RECHECK`]) when waiting first.
    Fetching(BoxFuture<'static, Fetched>),
    Buffered(VecDeque<RedisTask>),
    /// The fetch failed (Redis lost): the stream ends and the supervisor reconnects.
    Dead,
}

/// apalis-redis' storage in everything but the moment it fetches.
pub struct Gate<Args> {
    storage: RedisStorage<Args>,
    /// Blocking pops only: a blocked connection serves nothing else.
    wake: MultiplexedConnection,
    state: Option<State>,
}

impl<Args> Gate<Args> {
    pub fn new(storage: RedisStorage<Args>, wake: MultiplexedConnection) -> Self {
        Gate {
            storage,
            wake,
            state: None,
        }
    }

    /// Wait for a token (or [`RECHECK`]), then fetch, in one round trip: the BLPOP and apalis'
    /// fetch script are pipelined on the wake connection, and Redis runs the script as soon as
    /// the BLPOP returns. A worker wakes once per job instead of twice (token, then fetch).
    ///
    /// Should the worker stop meanwhile, dropping the connection frees the blocked client, and
    /// the script queued behind it never runs.
    fn wait(&mut self, worker: &WorkerContext) -> State {
        let mut wake = self.wake.clone();
        let mut conn = self.storage.get_connection().clone();
        let config = self.storage.get_config().clone();
        let worker = worker.clone();
        State::Fetching(
            async move {
                let mut pipe = redis::pipe();
                pipe.cmd("BLPOP")
                    .arg(keys::WAKE)
                    .arg(RECHECK.as_secs_f64())
                    .ignore();
                pipe.add_command(fetch_command(&config, &worker));
                match pipe.query_async::<(Vec<redis::Value>,)>(&mut wake).await {
                    Ok((fetched,)) => Ok(decode(fetched)?),
                    // The script is not loaded (Redis restarted), or the connection is lost:
                    // apalis' own call loads the script, or says Redis is gone.
                    Err(_) => apalis_redis::queries::fetch_next(&mut conn, &worker, &config).await,
                }
            }
            .boxed(),
        )
    }

    /// apalis-redis' own fetch, on the storage's connection and configuration: the first, which
    /// also loads the script into Redis.
    fn fetch(&mut self, worker: &WorkerContext) -> State {
        let config = self.storage.get_config().clone();
        let mut conn = self.storage.get_connection().clone();
        let worker = worker.clone();
        State::Fetching(
            async move { apalis_redis::queries::fetch_next(&mut conn, &worker, &config).await }
                .boxed(),
        )
    }
}

/// apalis-redis 1.0's `fetch_next.lua`, byte for byte (test
/// `the_fetch_script_is_apalis_own`): the same SHA-1, so Redis holds one copy for both.
static FETCH_SCRIPT: LazyLock<redis::Script> =
    LazyLock::new(|| redis::Script::new(include_str!("lua/fetch_next.lua")));

/// The `EVALSHA` that `apalis_redis::queries::fetch_next` sends, with the same keys and arguments.
/// Its clock is read when the command is made, up to [`RECHECK`] before it runs behind a
/// `BLPOP`: a task filed by apalis' own push (as scheduled, due at its push time; ours go
/// straight to the active list) may wait one more round.
pub fn fetch_command(config: &Config, worker: &WorkerContext) -> redis::Cmd {
    let mut cmd = redis::cmd("EVALSHA");
    cmd.arg(FETCH_SCRIPT.get_hash())
        .arg(7)
        .arg(config.workers_set())
        .arg(config.active_jobs_list())
        .arg(config.inflight_set_for(worker))
        .arg(config.job_data_hash())
        .arg(config.signal_list())
        .arg(config.job_meta_hash())
        .arg(config.scheduled_jobs_set())
        .arg(now_secs())
        .arg(config.batch_size)
        .arg(worker.name());
    cmd
}

/// The script's answer as apalis' `fetch_next` turns it into tasks.
fn decode(fetched: Vec<redis::Value>) -> Result<Vec<RedisTask>, redis::RedisError> {
    Ok(apalis_redis::queries::deserialize_with_meta(fetched)?
        .into_iter()
        .map(apalis_redis::queries::CompactTask::into_full_compact)
        .collect())
}

/// apalis-redis' clock for scheduling: seconds since the epoch.
fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

impl<Args> Backend for Gate<Args> {
    type Task = RedisTask;
    type Error = apalis_redis::Error;

    fn poll_ready(
        &mut self,
        cx: &mut Context<'_>,
        worker: &WorkerContext,
    ) -> Poll<Result<(), Self::Error>> {
        // Registration, heartbeats and re-enqueueing stay apalis-redis' own.
        self.storage.poll_ready(cx, worker)
    }

    fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
        worker: &WorkerContext,
    ) -> Poll<Option<Result<RedisTask, Self::Error>>> {
        loop {
            // The first fetch is immediate: jobs may have queued while no worker ran.
            let state = self.state.take().unwrap_or_else(|| self.fetch(worker));
            let next = match state {
                State::Fetching(mut fetch) => match fetch.poll_unpin(cx) {
                    Poll::Pending => {
                        self.state = Some(State::Fetching(fetch));
                        return Poll::Pending;
                    }
                    Poll::Ready(Ok(tasks)) if tasks.is_empty() => self.wait(worker),
                    Poll::Ready(Ok(tasks)) => State::Buffered(tasks.into()),
                    Poll::Ready(Err(e)) => {
                        self.state = Some(State::Dead);
                        return Poll::Ready(Some(Err(e)));
                    }
                },
                State::Buffered(mut tasks) => match tasks.pop_front() {
                    Some(task) => {
                        // Once the batch is out, wait for the next token: every job queued
                        // has one, so there is no need to look again on the off chance.
                        self.state = Some(if tasks.is_empty() {
                            self.wait(worker)
                        } else {
                            State::Buffered(tasks)
                        });
                        return Poll::Ready(Some(Ok(task)));
                    }
                    None => self.wait(worker),
                },
                State::Dead => {
                    self.state = Some(State::Dead);
                    return Poll::Ready(None);
                }
            };
            self.state = Some(next);
        }
    }

    fn poll_close(
        &mut self,
        cx: &mut Context<'_>,
        worker: &WorkerContext,
    ) -> Poll<Result<(), Self::Error>> {
        self.storage.poll_close(cx, worker)
    }
}

impl<Args> BackendConfig for Gate<Args> {
    type Id = <RedisStorage<Args> as BackendConfig>::Id;
    type Args = Args;
    type Kind = <RedisStorage<Args> as BackendConfig>::Kind;
    type Config = Config;
    type Layer = <RedisStorage<Args> as BackendConfig>::Layer;

    fn config(&self) -> &Self::Config {
        self.storage.config()
    }

    fn middleware(&mut self, worker: &mut WorkerContext) -> Self::Layer {
        self.storage.middleware(worker)
    }
}

impl<Args> WireFormatBackend for Gate<Args> {
    type Compact = <RedisStorage<Args> as WireFormatBackend>::Compact;
    type Codec = <RedisStorage<Args> as WireFormatBackend>::Codec;

    fn codec(&self) -> &Self::Codec {
        self.storage.codec()
    }
}
