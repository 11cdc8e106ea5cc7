//! `GET /metrics`: the shared counters of `velo_jobs::metrics`, the queue depth and the live
//! workers in Prometheus' text exposition format (version 0.0.4).

use super::{workers_alive, OpsState, REDIS_TIMEOUT};
use crate::jobs::JobsState;
use actix_web::{web, HttpResponse};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use velo_jobs::metrics as m;

struct Figures {
    counters: HashMap<String, u64>,
    latency: HashMap<String, u64>,
    queued: u64,
    workers: u64,
}

pub async fn metrics(jobs: web::Data<JobsState>, ops: web::Data<OpsState>) -> HttpResponse {
    let figures = tokio::time::timeout(REDIS_TIMEOUT, read(&jobs, &ops))
        .await
        .unwrap_or_else(|_| Err("Redis did not answer".into()));
    match figures {
        Ok(f) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body(render(&f)),
        Err(e) => HttpResponse::ServiceUnavailable()
            .content_type("text/plain; charset=utf-8")
            .body(format!("metrics unavailable: {e}\n")),
    }
}

async fn read(jobs: &JobsState, ops: &OpsState) -> Result<Figures, String> {
    let mut conn = jobs.store().conn().await.map_err(|e| e.message)?;
    let queue = velo_jobs::queue::config();
    // apalis files a pushed task as scheduled (start time "now") until a worker moves it to
    // its active list: both are waiting.
    let (counters, latency, active, scheduled): (
        HashMap<String, u64>,
        HashMap<String, u64>,
        u64,
        u64,
    ) = redis::pipe()
        .hgetall(m::COUNTERS)
        .hgetall(m::LATENCY)
        .llen(queue.active_jobs_list())
        .zcard(queue.scheduled_jobs_set())
        .query_async(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    let workers = workers_alive(&mut conn, ops)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Figures {
        counters,
        latency,
        queued: active + scheduled,
        workers,
    })
}

fn render(f: &Figures) -> String {
    let mut out = String::new();
    for (kind, name, help) in [
        (
            "submitted",
            "velo_jobs_submitted_total",
            "Jobs queued, by task.",
        ),
        (
            "finished",
            "velo_jobs_finished_total",
            "Jobs that ended with a result, by task.",
        ),
        (
            "failed",
            "velo_jobs_failed_total",
            "Jobs that ended failed, by task.",
        ),
        (
            "cache_hit",
            "velo_jobs_cache_hits_total",
            "Requests answered by an existing job's result, by task.",
        ),
    ] {
        header(&mut out, name, help, "counter");
        let mut rows: Vec<(&str, u64)> = f
            .counters
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix(kind)?.strip_prefix('|')?, *v)))
            .collect();
        rows.sort();
        for (task, v) in rows {
            let _ = writeln!(out, "{name}{{task=\"{}\"}} {v}", escape(task));
        }
    }
    header(
        &mut out,
        "velo_queue_depth",
        "Jobs waiting for a worker.",
        "gauge",
    );
    let _ = writeln!(out, "velo_queue_depth {}", f.queued);
    header(
        &mut out,
        "velo_workers_alive",
        "Workers with a recent heartbeat.",
        "gauge",
    );
    let _ = writeln!(out, "velo_workers_alive {}", f.workers);
    render_latency(&mut out, &f.latency);
    out
}

fn render_latency(out: &mut String, fields: &HashMap<String, u64>) {
    let name = "velo_job_latency_seconds";
    header(
        out,
        name,
        "Time from submission to result, by task.",
        "histogram",
    );
    // task -> field (bucket bound, "sum_ms", "count") -> value
    let mut by_task: BTreeMap<&str, HashMap<&str, u64>> = BTreeMap::new();
    for (k, v) in fields {
        if let Some((task, field)) = k.rsplit_once('|') {
            by_task.entry(task).or_default().insert(field, *v);
        }
    }
    for (task, f) in by_task {
        let task_label = escape(task);
        let mut cumulative = 0;
        let bounds = m::BUCKETS_SECS.iter().map(|b| b.to_string());
        for le in bounds.chain(["+Inf".to_string()]) {
            cumulative += f.get(le.as_str()).copied().unwrap_or(0);
            let _ = writeln!(
                out,
                "{name}_bucket{{task=\"{task_label}\",le=\"{le}\"}} {cumulative}"
            );
        }
        let sum = f.get("sum_ms").copied().unwrap_or(0) as f64 / 1000.0;
        let _ = writeln!(out, "{name}_sum{{task=\"{task_label}\"}} {sum}");
        let count = f.get("count").copied().unwrap_or(0);
        let _ = writeln!(out, "{name}_count{{task=\"{task_label}\"}} {count}");
    }
}

fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// Label values are task names from our own registry, escaped all the same.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
