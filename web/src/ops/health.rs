//! `GET /healthz`: 200 when Redis answers and the run data is readable, else 503 naming what is
//! not; the number of live workers either way (a load balancer should not drop a web instance
//! because workers are down, but the operator should see it).

use super::{workers_alive, OpsState, REDIS_TIMEOUT};
use crate::jobs::JobsState;
use actix_web::{web, HttpResponse};
use serde_json::json;
use veloview::runview::RunData;

pub async fn healthz(jobs: web::Data<JobsState>, ops: web::Data<OpsState>) -> HttpResponse {
    let redis = tokio::time::timeout(REDIS_TIMEOUT, async {
        let mut conn = jobs.store().conn().await.map_err(|e| e.message)?;
        let _: () = redis::cmd("PING")
            .query_async(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        workers_alive(&mut conn, &ops)
            .await
            .map_err(|e| e.to_string())
    })
    .await
    .unwrap_or_else(|_| Err(format!("no answer within {REDIS_TIMEOUT:?}")));
    let data = jobs.run_data().clone();
    let run_data = web::block(move || check_run_data(&data))
        .await
        .unwrap_or_else(|e| Err(e.to_string()));

    let mut problems = Vec::new();
    if let Err(e) = &redis {
        problems.push(format!("redis: {e}"));
    }
    if let Err(e) = &run_data {
        problems.push(format!("run_data: {e}"));
    }
    let state = |r: Result<(), &String>| match r {
        Ok(()) => "ok".to_string(),
        Err(e) => e.clone(),
    };
    let mut body = json!({
        "status": if problems.is_empty() { "ok" } else { "unavailable" },
        "redis": state(redis.as_ref().map(|_| ())),
        "run_data": state(run_data.as_ref().map(|_| ())),
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

/// The run data directory can be listed and the run list read.
fn check_run_data(data: &RunData) -> Result<(), String> {
    std::fs::read_dir(&data.data_dir)
        .map_err(|e| format!("run data directory {}: {e}", data.data_dir.display()))?;
    data.runs().map(|_| ())
}
