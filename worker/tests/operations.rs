//! What operators rely on: `/healthz`, `/metrics` and the file log, against a real Redis, velo-web
//! and velo-worker processes.

mod common;

use common::{System, PLOT, TH1_TEMPLATE};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;
use velo_testkit::{wait_until, ServiceProcess, RUN};

fn health(sys: &System) -> (u16, Value) {
    let r = sys.http.get("/healthz");
    (r.status, r.json())
}

#[test]
fn health_names_what_is_down_and_counts_live_workers() {
    let mut sys = System::start("health", 2, &[]);
    let (status, body) = wait_until("2 live workers", Duration::from_secs(30), || {
        let h = health(&sys);
        (h.1["workers"] == 2).then_some(h)
    });
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (&body["status"], &body["redis"], &body["run_data"]),
        (&json!("ok"), &json!("ok"), &json!("ok"))
    );
    assert!(body.get("message").is_none(), "{body}");

    // A killed worker stops counting once its heartbeats lapse (1 s x 2 missed in the tests).
    sys.workers[0].signal(9);
    let body = wait_until("1 live worker", Duration::from_secs(10), || {
        let h = health(&sys);
        (h.1["workers"] == 1).then_some(h.1)
    });
    assert_eq!(body["status"], "ok", "{body}");
    // A worker asked to stop leaves the count at once.
    sys.workers[1].signal(15);
    wait_until("0 live workers", Duration::from_secs(10), || {
        (health(&sys).1["workers"] == 0).then_some(())
    });

    // Run list unreadable: 503 naming it.
    let list = sys.data.run_list();
    let moved = list.with_extension("moved");
    std::fs::rename(&list, &moved).unwrap();
    let (status, body) = health(&sys);
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["redis"], "ok", "{body}");
    let msg = body["message"].as_str().unwrap();
    assert!(
        msg.contains("run_data") && msg.contains("RunList"),
        "{body}"
    );
    std::fs::rename(&moved, &list).unwrap();
    assert_eq!(health(&sys).0, 200);

    // Redis down: 503 naming it, answered promptly.
    sys.redis.stop();
    let (status, body) = health(&sys);
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["run_data"], "ok", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("redis"),
        "{body}"
    );
    assert!(body["workers"].is_null(), "{body}");
    assert_eq!(sys.http.get("/metrics").status, 503);
    // While velo-web tries to reconnect: the reason, not a time-out.
    let (status, body) = health(&sys);
    assert_eq!(status, 503, "{body}");
    assert!(
        body["redis"].as_str().unwrap().contains("refused"),
        "{body}"
    );
}

/// Parse Prometheus text: every sample's family has `# HELP` and `# TYPE` lines first; returns
/// the samples by `name{labels}`.
fn parse_prometheus(text: &str) -> HashMap<String, f64> {
    let mut typed = HashMap::new();
    let mut samples = HashMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("# TYPE name kind");
            assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
            typed.insert(name.to_string(), kind.to_string());
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        assert!(
            !line.starts_with('#') && !line.is_empty(),
            "stray line {line:?}"
        );
        let (series, value) = line.rsplit_once(' ').expect("name value");
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("value in {line:?}"));
        let name = series.split('{').next().unwrap();
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "{line}"
        );
        if let Some(labels) = series.strip_prefix(name) {
            if !labels.is_empty() {
                assert!(labels.starts_with('{') && labels.ends_with('}'), "{line}");
                for pair in labels[1..labels.len() - 1].split(',') {
                    let (k, v) = pair.split_once('=').expect("label=value");
                    assert!(
                        !k.is_empty() && v.starts_with('"') && v.ends_with('"'),
                        "{line}"
                    );
                }
            }
        }
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| typed.get(*f).is_some_and(|k| k == "histogram"))
            })
            .unwrap_or(name);
        assert!(typed.contains_key(family), "no # TYPE before {line}");
        samples.insert(series.to_string(), value);
    }
    samples
}

fn metrics(sys: &System) -> HashMap<String, f64> {
    let r = sys.http.get("/metrics");
    assert_eq!(r.status, 200, "{}", r.body);
    parse_prometheus(&r.body)
}

#[test]
fn metrics_count_jobs_cache_hits_failures_and_latency() {
    let mut sys = System::start("metrics", 1, &[("VELO_JOB_TIMEOUT_SECS", "1")]);
    wait_until("a live worker", Duration::from_secs(30), || {
        (metrics(&sys).get("velo_workers_alive") == Some(&1.0)).then_some(())
    });
    let m = metrics(&sys);
    assert_eq!(m["velo_queue_depth"], 0.0);
    assert!(!m.keys().any(|k| k.starts_with("velo_jobs_submitted_total")));

    let args = json!({"name": TH1_TEMPLATE, "run": RUN, "sensor": 1});
    assert_eq!(sys.run(PLOT, args.clone())["status"], "finished");
    assert_eq!(sys.run(PLOT, args)["status"], "finished"); // from the cache
    assert_eq!(
        sys.run("debug.sleep", json!({"ms": 3000}))["status"],
        "failed"
    );

    let m = metrics(&sys);
    let plot = |name: &str| m[&format!("{name}{{task=\"{PLOT}\"}}")];
    assert_eq!(plot("velo_jobs_submitted_total"), 1.0);
    assert_eq!(plot("velo_jobs_finished_total"), 1.0);
    assert_eq!(plot("velo_jobs_cache_hits_total"), 1.0);
    assert_eq!(plot("velo_job_latency_seconds_count"), 1.0);
    assert!(plot("velo_job_latency_seconds_sum") > 0.0);
    assert_eq!(
        m[&format!("velo_job_latency_seconds_bucket{{task=\"{PLOT}\",le=\"+Inf\"}}")],
        1.0
    );
    assert_eq!(m["velo_jobs_failed_total{task=\"debug.sleep\"}"], 1.0);
    assert!(!m.contains_key("velo_jobs_finished_total{task=\"debug.sleep\"}"));
    // The timed-out job took at least the 1 s timeout: not in the buckets below 1 s.
    let sleep_bucket = |le: &str| {
        m[&format!("velo_job_latency_seconds_bucket{{task=\"debug.sleep\",le=\"{le}\"}}")]
    };
    assert_eq!(sleep_bucket("0.5"), 0.0);
    assert_eq!(sleep_bucket("+Inf"), 1.0);

    // Queue depth: jobs submitted with no worker to take them.
    sys.workers.clear(); // killed

    for _ in 0..3 {
        sys.http.submit("debug.sleep", json!({"ms": 1}));
    }
    assert_eq!(metrics(&sys)["velo_queue_depth"], 3.0);
}

fn worker_log(tag: &str, json_lines: bool) -> String {
    let dir = std::env::temp_dir().join(format!("velo-log-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let file = dir.join("nested/velo_monitor.log");
    // Nothing listens on this port: the worker logs (info) that it starts and (warn) that it
    // cannot reach the queue.
    let env: Vec<(String, String)> = [
        (
            "REDIS_URL",
            format!("redis://127.0.0.1:{}", velo_testkit::free_port()),
        ),
        ("VELO_LOG_FILE", file.display().to_string()),
        ("VELO_LOG_LEVEL", "info".into()),
        ("VELO_FILE_LOG_LEVEL", "warn".into()),
        ("VELO_LOG_JSON", json_lines.to_string()),
        (
            "VELO_DQ_CONFIG_FILE",
            velo_testkit::run_data::dq_config_file()
                .display()
                .to_string(),
        ),
        (
            "VELO_DQ_DATABASE_URL",
            format!("sqlite://{}", dir.join("dq.sqlite3").display()),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let bin = Path::new(env!("CARGO_BIN_EXE_velo-worker"));
    let _worker = ServiceProcess::spawn(bin, &env);
    let text = wait_until("a warning in the log file", Duration::from_secs(30), || {
        let t = std::fs::read_to_string(&file).ok()?;
        t.contains("lost the job queue").then_some(t)
    });
    let _ = std::fs::remove_dir_all(&dir);
    text
}

#[test]
fn the_file_log_keeps_warnings_and_above() {
    let text = worker_log("text", false);
    assert!(text.contains("WARN"), "{text}");
    assert!(
        !text.contains("velo-worker starting"),
        "info in the file log: {text}"
    );
    assert!(
        !text.contains('\u{1b}'),
        "colour codes in the file log: {text:?}"
    );
}

#[test]
fn the_file_log_can_be_json_lines() {
    let text = worker_log("json", true);
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(v["level"], "WARN", "{line}");
    }
    assert!(text.lines().any(|l| l.contains("lost the job queue")));
}

#[test]
fn health_says_when_jsroot_is_not_installed() {
    let sys = System::start(
        "health-jsroot",
        0,
        &[("VELO_JSROOT_DIR", "/nonexistent/jsroot")],
    );
    let (status, body) = health(&sys);
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        (&body["redis"], &body["run_data"]),
        (&json!("ok"), &json!("ok"))
    );
    let jsroot = body["jsroot"].as_str().unwrap();
    assert!(
        jsroot.contains("jsroot-velo.min.js") && jsroot.contains("npm ci"),
        "{body}"
    );
    assert!(!body.to_string().contains("/nonexistent"), "{body}");
    // With it installed, as every other test has it: ok.
    let ok = System::start("health-jsroot-ok", 0, &[]);
    assert_eq!(health(&ok).1["jsroot"], "ok");
}

#[test]
fn health_answers_when_the_run_data_hangs() {
    // A FIFO without a writer: opening it to read the run list blocks for ever, as a hung
    // network file system would.
    let dir = std::env::temp_dir().join(format!(
        "velo-health-fifo-{}-{}",
        std::process::id(),
        velo_testkit::free_port()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("RunList.txt");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let list = fifo.display().to_string();
    let sys = System::start("health-hang", 0, &[("VELO_RUN_LIST_FILE", list.as_str())]);
    // Without a limit on the check this request would not be answered at all.
    let (status, body) = health(&sys);
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["redis"], "ok", "{body}");
    assert!(
        body["run_data"]
            .as_str()
            .unwrap()
            .contains("no answer within"),
        "{body}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
