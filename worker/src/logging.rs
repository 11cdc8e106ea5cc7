//! Logs to stdout, filtered by `RUST_LOG` (default `info`). The file log of the deployment issue
//! plugs in here as a second layer.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).init();
}
