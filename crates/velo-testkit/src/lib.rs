//! The harness of the tests and load benchmark: a private `redis-server` and PostgreSQL cluster,
//! a run data directory built from the test corpus, worker processes, nginx in front, and waiting
//! on conditions.

pub mod http;
pub mod nginx;
pub mod postgres_server;
pub mod process;
pub mod redis_server;
pub mod run_data;

pub use nginx::NginxFront;
pub use postgres_server::PostgresServer;
pub use process::ServiceProcess;
pub use redis_server::RedisServer;
pub use run_data::{RunDataDir, RUN};

use std::time::{Duration, Instant};

/// Poll `cond` until it gives a value or `timeout` passes (then panic with `what`).
pub fn wait_until<T>(what: &str, timeout: Duration, mut cond: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + timeout;
    loop {
        if let Some(v) = cond() {
            return v;
        }
        assert!(
            Instant::now() < end,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A TCP port free at the time of asking.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
