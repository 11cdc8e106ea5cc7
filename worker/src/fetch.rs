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
//! a job blocks on that list (BLPOP, on a connection of its own): Redis hands each token to one
//! waiting worker, which then fetches. An idle worker costs one BLPOP per [`RECHECK`], after which
//! it fetches anyway: that picks up jobs whose token was lost (a worker killed between popping a
//! token and fetching, Redis restarted).

use apalis_core::backend::{Backend, BackendConfig, WireFormatBackend};
use apalis_core::worker::context::WorkerContext;
use apalis_redis::{Config, RedisStorage, RedisTask};
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use redis::aio::MultiplexedConnection;
use std::collections::VecDeque;
use std::task::{Context, Poll};
use std::time::Duration;
use velo_jobs::keys;

/// How long an idle worker waits for a token before fetching anyway.
pub const RECHECK: Duration = Duration::from_secs(2);

type Fetched = Result<Vec<RedisTask>, apalis_redis::Error>;

enum State {
    /// Waiting for a token (or for [`RECHECK`] to pass).
    Waiting(BoxFuture<'static, ()>),
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

    fn wait(&self) -> State {
        let mut wake = self.wake.clone();
        State::Waiting(
            async move {
                // A token, a timeout or an error all end in a fetch: the fetch tells.
                let _: redis::RedisResult<Option<(String, String)>> = redis::cmd("BLPOP")
                    .arg(keys::WAKE)
                    .arg(RECHECK.as_secs_f64())
                    .query_async(&mut wake)
                    .await;
            }
            .boxed(),
        )
    }

    /// apalis-redis' own fetch script, on the storage's connection and configuration.
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
                State::Waiting(mut until) => match until.poll_unpin(cx) {
                    Poll::Pending => {
                        self.state = Some(State::Waiting(until));
                        return Poll::Pending;
                    }
                    Poll::Ready(()) => self.fetch(worker),
                },
                State::Fetching(mut fetch) => match fetch.poll_unpin(cx) {
                    Poll::Pending => {
                        self.state = Some(State::Fetching(fetch));
                        return Poll::Pending;
                    }
                    Poll::Ready(Ok(tasks)) if tasks.is_empty() => self.wait(),
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
                            self.wait()
                        } else {
                            State::Buffered(tasks)
                        });
                        return Poll::Ready(Some(Ok(task)));
                    }
                    None => self.wait(),
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
