//! velo-worker: takes jobs off the Redis queue velo-web fills, runs them (veloview decodes on a
//! blocking thread), writes the results back for any velo-web to read. Any number of workers
//! share one Redis; each runs `worker_concurrency` jobs at once.

pub mod dq;
pub mod fetch;
pub mod runner;
pub mod signals;
mod supervisor;

pub use supervisor::Worker;
