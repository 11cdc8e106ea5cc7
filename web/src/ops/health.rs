//! `GET /healthz`: 200 when Redis answers, the run data is readable and JSROOT is installed,
//! else 503 naming what is not; the number of live workers either way (a load balancer should
//! not drop a web instance because workers are down, but the operator should see it).
//!
//! The checks run side by side, each given at most [`CHECK_TIMEOUT`], so that a probe has its
//! answer within 2 s even when Redis or the run data's file system hangs. Messages name files
//! by their name only: the endpoint is public, the log has the full paths.

use super::{workers_alive, OpsState};
use crate::jobs::JobsState;
use crate::pages::PagesState;
use actix_web::{web, HttpResponse};
use serde_json::json;
use std::time::Duration;
use veloview::runview::RunData;

/// Each check's limit; together under the 2 s docs/DEPLOYMENT.md promises.
pub const CHECK_TIMEOUT: Duration = Duration::from_millis(1500);

pub async fn healthz(
    jobs: web::Data<JobsState>,
    ops: web::Data<OpsState>,
    pages: web::Data<PagesState>,
) -> HttpResponse {
    let redis = within(async {
        let mut conn = jobs
            .store()
            .connect()
            .await
            .map_err(|e| format!("cannot connect: {e}"))?;
        let _: () = redis::cmd("PING")
            .query_async(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        workers_alive(&mut conn, &ops)
            .await
            .map_err(|e| e.to_string())
    });
    let data = jobs.run_data().clone();
    // A hung file system keeps the blocking thread, not the answer.
    let run_data = within(async move {
        web::block(move || check_run_data(&data))
            .await
            .unwrap_or_else(|e| Err(e.to_string()))
    });
    let (redis, run_data) = futures_util::join!(redis, run_data);
    let jsroot = match pages.missing_assets() {
        [] => Ok(()),
        missing => Err(format!(
            "{} not installed (run `npm ci && npm run prepare` in web, then restart velo-web)",
            missing.join(", ")
        )),
    };

    let mut problems = Vec::new();
    for (name, r) in [
        ("redis", redis.as_ref().map(|_| ())),
        ("run_data", run_data.as_ref().map(|_| ())),
        ("jsroot", jsroot.as_ref().map(|_| ())),
    ] {
        if let Err(e) = r {
            problems.push(format!("{name}: {e}"));
        }
    }
    let state = |r: Result<(), &String>| match r {
        Ok(()) => "ok".to_string(),
        Err(e) => e.clone(),
    };
    let mut body = json!({
        "status": if problems.is_empty() { "ok" } else { "unavailable" },
        "redis": state(redis.as_ref().map(|_| ())),
        "run_data": state(run_data.as_ref().map(|_| ())),
        "jsroot": state(jsroot.as_ref().map(|_| ())),
        "workers": redis.as_ref().ok(),
    });
    if problems.is_empty() {
        return HttpResponse::Ok().json(body);
    }
    let message = problems.join("; ");
    tracing::warn!(problems = %message, "health check failed");
    body["message"] = message.into();
    HttpResponse::ServiceUnavailable().json(body)
}

async fn within<T>(
    check: impl std::future::Future<Output = Result<T, String>>,
) -> Result<T, String> {
    tokio::time::timeout(CHECK_TIMEOUT, check)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {CHECK_TIMEOUT:?}")))
}

/// The run data directory can be listed and the run list read.
fn check_run_data(data: &RunData) -> Result<(), String> {
    let public = |e: String| {
        tracing::warn!(dir = %data.data_dir.display(), error = %e, "run data check failed");
        veloview::runview::redact::without_paths(&e)
    };
    std::fs::read_dir(&data.data_dir).map_err(|e| {
        public(format!(
            "run data directory {}: {e}",
            data.data_dir.display()
        ))
    })?;
    data.runs().map(|_| ()).map_err(public)
}
