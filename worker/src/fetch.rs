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
use apalis_redis::{Config, RedisTask};
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use redis::aio::{ConnectionManager, MultiplexedConnection};
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

/// A backend that is apalis-redis' `B` in everything but the moment it fetches.
pub struct Gate<B> {
    backend: B,
    conn: ConnectionManager,
    /// Blocking pops only: a blocked connection serves nothing else.
    wake: MultiplexedConnection,
    config: Config,
    state: Option<State>,
}

impl<B> Gate<B> {
    pub fn new(
        backend: B,
        conn: ConnectionManager,
        wake: MultiplexedConnection,
        config: Config,
    ) -> Self {
        Gate {
            backend,
            conn,
            wake,
            config,
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

    fn fetch(&self, worker: &WorkerContext) -> State {
        let (mut conn, config, worker) = (self.conn.clone(), self.config.clone(), worker.clone());
        State::Fetching(
            async move { apalis_redis::queries::fetch_next(&mut conn, &worker, &config).await }
                .boxed(),
        )
    }
}

impl<B> Backend for Gate<B>
where
    B: Backend<Task = RedisTask, Error = apalis_redis::Error>,
{
    type Task = RedisTask;
    type Error = apalis_redis::Error;

    fn poll_ready(
        &mut self,
        cx: &mut Context<'_>,
        worker: &WorkerContext,
    ) -> Poll<Result<(), Self::Error>> {
        // Registration, heartbeats and re-enqueueing stay apalis-redis' own.
        self.backend.poll_ready(cx, worker)
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
        self.backend.poll_close(cx, worker)
    }
}

impl<B: BackendConfig> BackendConfig for Gate<B> {
    type Id = B::Id;
    type Args = B::Args;
    type Kind = B::Kind;
    type Config = B::Config;
    type Layer = B::Layer;

    fn config(&self) -> &Self::Config {
        self.backend.config()
    }

    fn middleware(&mut self, worker: &mut WorkerContext) -> Self::Layer {
        self.backend.middleware(worker)
    }
}

impl<B: WireFormatBackend> WireFormatBackend for Gate<B> {
    type Compact = B::Compact;
    type Codec = B::Codec;

    fn codec(&self) -> &Self::Codec {
        self.backend.codec()
    }
}
