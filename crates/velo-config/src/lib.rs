//! Settings shared by `velo-web`, `velo-worker` and the `veloview` command: `config/velo.toml`
//! (or the file named by `VELO_CONFIG`) overlaid by environment variables, so that a process
//! manager (honcho, systemd) can configure each process without editing files.

use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Settings {
    pub app_name: String,
    pub app_description: String,
    pub redis_url: String,
    pub host: String,
    pub port: u16,
    pub run_data_dir: PathBuf,
    pub run_list_file: PathBuf,
    pub pages_file: PathBuf,
    pub references_file: PathBuf,
    /// The data-quality configuration (checks and combiner tree).
    pub dq_config_file: PathBuf,
    /// Start/end time, fill and magnet polarity of each run, exported from the run database
    /// (CSV, see docs/RUN_MODEL.md).
    pub run_info_file: PathBuf,
    /// The data-quality results store: `sqlite://PATH` or `postgres://USER@HOST/DATABASE`.
    pub dq_database_url: String,
    pub jsroot_dir: PathBuf,
    /// Networks (CIDR, comma-separated) whose clients may read `/metrics` and the job list.
    pub internal_networks: String,
    pub result_ttl_secs: u64,
    pub worker_concurrency: usize,
    /// A job running longer than this is stopped and reported `failed`.
    pub job_timeout_secs: u64,
    /// Workers prove they are alive this often; a worker silent for
    /// `worker_heartbeat_secs * worker_missed_heartbeats` is dead and its jobs go back to the queue.
    pub worker_heartbeat_secs: u64,
    pub worker_missed_heartbeats: usize,
    /// A job whose worker died this many times is reported `failed` instead of run again.
    pub job_max_attempts: u32,
    /// Reuse the result of an identical request while the run file is unchanged.
    pub job_cache: bool,
    /// How long `POST /jobs` waits for its job to end before answering with it queued, in
    /// milliseconds (a request's `?wait=` overrides it); 0: answer at once.
    pub job_submit_wait_ms: u64,
    /// Test-only tasks (`debug.sleep`): never enable in production.
    pub debug_tasks: bool,
    /// Seconds between data-quality scans; 0 turns the automatic scan off.
    pub dq_scan_secs: u64,
    /// Test-only delay inside each evaluation (with `debug_tasks` only).
    pub debug_dq_delay_ms: u64,
    /// The request header in which the authenticating reverse proxy names the user.
    pub auth_user_header: String,
    /// Addresses of the reverse proxies whose `auth_user_header` is believed (comma or space
    /// separated IP addresses); empty: none, the header is ignored.
    pub auth_proxy_addresses: String,
    /// API tokens for scripts, stored hashed (`NAME SHA256_HEX` lines); may be absent.
    pub api_tokens_file: PathBuf,
    pub log_level: String,
    /// Empty to log to stdout only.
    pub log_file: String,
    pub file_log_level: String,
    pub log_json: bool,
    /// The alarm rules (docs/DATA_QUALITY.md, "Alarms"); empty or missing: no alarms.
    pub alarms_config_file: PathBuf,
    /// How often the alarm duty (operational rules, sending notifications) runs, in seconds.
    pub alarm_check_secs: u64,
    /// At most one notification per rule per this many seconds: a burst becomes one digest.
    pub alarm_digest_secs: u64,
    /// Where notifications are POSTed as JSON; empty: no webhook.
    pub alarm_webhook_url: String,
    /// The HMAC-SHA256 key of the webhook's `X-Velo-Signature` (set it in the environment,
    /// VELO_ALARM_WEBHOOK_SECRET, not in a committed file).
    pub alarm_webhook_secret: String,
    /// Attempts per notification and channel, with exponential back-off from
    /// `alarm_retry_base_ms` between them.
    pub alarm_attempts: u32,
    pub alarm_retry_base_ms: u64,
    /// SMTP server for e-mail notifications (plain SMTP, e.g. the site's relay); empty: no
    /// e-mail.
    pub alarm_smtp_host: String,
    pub alarm_smtp_port: u16,
    pub alarm_email_from: String,
    /// Recipients, comma-separated.
    pub alarm_email_to: String,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct Error(#[from] config::ConfigError);

/// Built-in defaults, so a missing file still gives a working set-up on the demo data.
const DEFAULTS: &str = include_str!("../../../config/velo.toml");

/// The names process managers use, mapped to our keys. They win over `VELO_*` and the file.
const PLAIN_ENV: &[(&str, &str)] = &[
    ("REDIS_URL", "redis_url"),
    ("PORT", "port"),
    ("VELO_RUN_DATA_DIR", "run_data_dir"),
    ("VELO_RUN_LIST_FILE", "run_list_file"),
];

impl Settings {
    /// Defaults, then the config file, then `VELO_*` variables, then `REDIS_URL`/`PORT`.
    pub fn load() -> Result<Settings, Error> {
        Self::load_from(|k| std::env::var(k).ok())
    }

    /// As [`Settings::load`], with the environment given as a lookup (for tests).
    pub fn load_from(env: impl Fn(&str) -> Option<String>) -> Result<Settings, Error> {
        let file = env("VELO_CONFIG").unwrap_or_else(|| "config/velo.toml".into());
        let mut b = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml))
            .add_source(config::File::with_name(&file).required(env("VELO_CONFIG").is_some()));
        for key in KEYS {
            if let Some(v) = env(&format!("VELO_{}", key.to_ascii_uppercase())) {
                b = b.set_override(*key, v)?;
            }
        }
        for (var, key) in PLAIN_ENV {
            if let Some(v) = env(var) {
                b = b.set_override(*key, v)?;
            }
        }
        Ok(b.build()?.try_deserialize()?)
    }
}

const KEYS: &[&str] = &[
    "app_name",
    "app_description",
    "redis_url",
    "host",
    "port",
    "run_data_dir",
    "run_list_file",
    "pages_file",
    "references_file",
    "dq_config_file",
    "run_info_file",
    "dq_database_url",
    "jsroot_dir",
    "internal_networks",
    "result_ttl_secs",
    "worker_concurrency",
    "job_timeout_secs",
    "worker_heartbeat_secs",
    "worker_missed_heartbeats",
    "job_max_attempts",
    "job_cache",
    "job_submit_wait_ms",
    "debug_tasks",
    "dq_scan_secs",
    "debug_dq_delay_ms",
    "auth_user_header",
    "auth_proxy_addresses",
    "api_tokens_file",
    "log_level",
    "log_file",
    "file_log_level",
    "log_json",
    "alarms_config_file",
    "alarm_check_secs",
    "alarm_digest_secs",
    "alarm_webhook_url",
    "alarm_webhook_secret",
    "alarm_attempts",
    "alarm_retry_base_ms",
    "alarm_smtp_host",
    "alarm_smtp_port",
    "alarm_email_from",
    "alarm_email_to",
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> Settings {
        let m: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::load_from(|k| m.get(k).cloned()).unwrap()
    }

    #[test]
    fn defaults_come_from_the_bundled_file() {
        // Tests run in the crate directory, where there is no config/velo.toml.
        let s = load(&[]);
        assert_eq!(s.port, 5000);
        assert_eq!(s.run_data_dir, PathBuf::from("demo-data"));
        assert_eq!(s.dq_database_url, "sqlite://var/dq.sqlite3");
        assert_eq!(s.run_info_file, PathBuf::from("demo-data/RunInfo.csv"));
    }

    #[test]
    fn process_manager_variables_override() {
        let s = load(&[
            ("REDIS_URL", "redis://127.0.0.1:7777"),
            ("PORT", "8123"),
            ("VELO_RUN_DATA_DIR", "/data/runs"),
            ("VELO_RUN_LIST_FILE", "/data/runs/RunList.txt"),
            ("VELO_WORKER_CONCURRENCY", "9"),
            ("VELO_DQ_DATABASE_URL", "postgres://velo@db/dq"),
        ]);
        assert_eq!(s.redis_url, "redis://127.0.0.1:7777");
        assert_eq!(s.port, 8123);
        assert_eq!(s.run_data_dir, PathBuf::from("/data/runs"));
        assert_eq!(s.run_list_file, PathBuf::from("/data/runs/RunList.txt"));
        assert_eq!(s.worker_concurrency, 9);
        assert_eq!(s.dq_database_url, "postgres://velo@db/dq");
    }

    #[test]
    fn a_named_config_file_must_exist() {
        let r = Settings::load_from(|k| (k == "VELO_CONFIG").then(|| "/nonexistent/x.toml".into()));
        assert!(r.is_err());
    }
}
