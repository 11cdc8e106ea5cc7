//! Logging of the services: lines on stdout at `log_level` (`RUST_LOG`, when set, wins), and a
//! file log at `file_log_level` appended to `log_file` (the original kept WARNING and above in
//! log/velo_monitor.log), so an operator finds the problems without the process manager's
//! journal. `log_json` makes both JSON lines, one object per event, for log shippers.

use std::fs::{File, OpenOptions};
use std::path::Path;
use std::sync::Mutex;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};
use velo_config::Settings;

type Boxed = Box<dyn Layer<tracing_subscriber::Registry> + Send + Sync>;

/// Install the subscriber. A file log that cannot be opened is an error: a service started
/// without the log the operator configured should not look healthy.
pub fn init(settings: &Settings) -> anyhow::Result<()> {
    let stdout_filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.log_level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let mut layers: Vec<Boxed> = vec![with_format(fmt::layer(), settings.log_json, stdout_filter)];
    if !settings.log_file.is_empty() {
        let file = open_log(Path::new(&settings.log_file))?;
        let filter = EnvFilter::try_new(&settings.file_log_level)
            .map_err(|e| anyhow::anyhow!("file_log_level `{}`: {e}", settings.file_log_level))?;
        let layer = fmt::layer().with_ansi(false).with_writer(Mutex::new(file));
        layers.push(with_format(layer, settings.log_json, filter));
    }
    tracing_subscriber::registry().with(layers).try_init()?;
    Ok(())
}

fn with_format<W>(
    layer: fmt::Layer<
        tracing_subscriber::Registry,
        fmt::format::DefaultFields,
        fmt::format::Format,
        W,
    >,
    json: bool,
    filter: EnvFilter,
) -> Boxed
where
    W: for<'w> fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    if json {
        layer.json().with_filter(filter).boxed()
    } else {
        layer.with_filter(filter).boxed()
    }
}

fn open_log(path: &Path) -> anyhow::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("log directory {}: {e}", dir.display()))?;
    }
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| anyhow::anyhow!("log file {}: {e}", path.display()))
}
