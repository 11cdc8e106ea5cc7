//! The data-quality JSON API: runs (the overview's rows), one run's tree with its sign-offs and
//! evaluation history, the trended variables, sign-off, the change marker the pages poll, and
//! the run search of the run selector; reads over run ranges (trends, heat map, sensor strip)
//! are in [`super::ranges`]. Errors are the jobs
//! API's: JSON `{"message"}` with 400, 401, 403, 404, 415 or 503.

use super::listing::{self, ListQuery, Verdict};
use super::{blocking, tree, DqState};
use crate::jobs::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use velo_dqstore::{NewSignoff, SignoffStatus, StoreError, MAX_PAGE};

/// The run selector's suggestions: at most this many per request.
const MAX_SUGGESTIONS: usize = 100;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api")
            .route("/runs", web::get().to(search_runs))
            .service(
                web::scope("/dq")
                    .route("/runs", web::get().to(runs))
                    .route("/runs/{run}", web::get().to(run))
                    .route("/runs/{run}/problems", web::get().to(problems))
                    .service(
                        web::resource("/runs/{run}/signoff")
                            .route(web::post().to(sign_off))
                            .default_service(web::to(crate::jobs::error::method_not_allowed)),
                    )
                    .route("/variables", web::get().to(variables))
                    .route("/changes", web::get().to(changes))
                    .configure(super::ranges::configure)
                    .default_service(web::to(crate::jobs::error::not_found)),
            )
            .default_service(web::to(crate::jobs::error::not_found)),
    );
}

/// The query string as text values: every parameter is checked here, with a message naming it.
pub(crate) fn query(req: &HttpRequest) -> Result<HashMap<String, String>, ApiError> {
    web::Query::<HashMap<String, String>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .map_err(|e| ApiError::bad_request(format!("Invalid query: {e}")))
}

pub(super) fn number(q: &HashMap<String, String>, name: &str) -> Result<Option<u32>, ApiError> {
    match q.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<u32>()
            .map(Some)
            .map_err(|_| ApiError::bad_request(format!("{name} must be a run number, not {s:?}"))),
    }
}

/// The overview's filter from a query string (the API's and the page's).
pub(crate) fn list_query(q: &HashMap<String, String>) -> Result<ListQuery, ApiError> {
    let level = match q.get("level").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => None,
        Some(l) => Some(Verdict::parse(&l.to_ascii_uppercase()).ok_or_else(|| {
            ApiError::bad_request(format!(
                "level must be one of {}, not {l:?}",
                Verdict::NAMES.join(", ")
            ))
        })?),
    };
    let limit = number(q, "limit")?.unwrap_or(listing::DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::bad_request(format!(
            "limit must be 1 to {MAX_PAGE}"
        )));
    }
    Ok(ListQuery {
        first: number(q, "first")?,
        last: number(q, "last")?,
        level,
        limit,
        cursor: number(q, "cursor")?,
    })
}

async fn runs(req: HttpRequest, state: web::Data<DqState>) -> Result<HttpResponse, ApiError> {
    let q = list_query(&query(&req)?)?;
    let listing = blocking(&state, move |s, store| {
        listing::list(store, &s.run_list(), &q)
    })
    .await?;
    Ok(HttpResponse::Ok().json(listing))
}

fn run_number(path: &str) -> Result<u32, ApiError> {
    path.parse()
        .map_err(|_| ApiError::not_found(format!("No run {path:?}: run numbers are digits")))
}

/// One run's data quality, as `GET /api/dq/runs/{run}` gives it.
#[derive(Serialize)]
struct RunDq<'a> {
    run: u32,
    /// "evaluated", "failed" or "unevaluated".
    status: &'static str,
    reference_run: Option<u32>,
    score: Option<f64>,
    level: Option<String>,
    message: Option<String>,
    evaluated_at_ms: Option<i64>,
    config_digest: Option<String>,
    run_info: Option<velo_dqstore::RunInfo>,
    /// The top node's key, title and counts, and the tree below it.
    #[serde(flatten)]
    top: Option<Value>,
    signoff: Option<velo_dqstore::Signoff>,
    signoffs: Vec<velo_dqstore::Signoff>,
    evaluations: Vec<velo_dqstore::EvaluationSummary>,
    /// The failing leaves, worst first: the page's "where to look".
    problems: Vec<tree::Problem<'a>>,
}

/// The run's tree, sign-offs and history; `None` if the run is neither listed nor stored.
pub(crate) fn run_dq(
    s: &DqState,
    store: &velo_dqstore::Store,
    run: u32,
) -> Result<Option<Value>, StoreError> {
    let current = store.current(run)?;
    let evaluations = store.history(run)?;
    let signoffs = store.signoffs(run)?;
    if current.is_none() && signoffs.is_empty() && !s.run_list().contains(run) {
        return Ok(None);
    }
    let top = current.as_ref().and_then(|e| tree::nest(e, &s.plots));
    let top = top.map(|t| {
        let mut v = serde_json::to_value(&t).unwrap_or(Value::Null);
        // The run's own fields say these: keep the tree's, drop the duplicates.
        if let Value::Object(m) = &mut v {
            m.remove("score");
            m.remove("level");
        }
        v
    });
    let summary = current.as_ref().map(|e| &e.summary);
    let dq = RunDq {
        run,
        status: summary.map_or("unevaluated", |s| s.status.as_str()),
        reference_run: summary.and_then(|s| s.reference_run),
        score: summary.and_then(|s| s.score),
        level: summary.and_then(|s| s.level.clone()),
        message: summary.and_then(|s| s.message.clone()),
        evaluated_at_ms: summary.map(|s| s.evaluated_at_ms),
        config_digest: summary.map(|s| s.config_digest.clone()),
        run_info: store.run_info(run)?,
        top,
        signoff: signoffs.first().cloned(),
        signoffs,
        evaluations,
        problems: match &current {
            Some(e) => tree::problems(store, e, &s.plots)?,
            None => Vec::new(),
        },
    };
    serde_json::to_value(dq)
        .map(Some)
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

async fn run(path: web::Path<String>, state: web::Data<DqState>) -> Result<HttpResponse, ApiError> {
    let run = run_number(&path)?;
    let dq = blocking(&state, move |s, store| run_dq(s, store, run)).await?;
    found(run, dq)
}

/// A run's answer, or the 404 of a run neither listed nor stored.
fn found(run: u32, body: Option<Value>) -> Result<HttpResponse, ApiError> {
    match body {
        Some(v) => Ok(HttpResponse::Ok().json(v)),
        None => Err(ApiError::not_found(format!(
            "No run {run}: it is not in the run list and has no data-quality results"
        ))),
    }
}

/// `GET /api/dq/runs/{run}/problems`: the current evaluation's failing leaves, worst first,
/// each with its histogram and run-view plot: what the run view marks on its plots, without
/// the whole tree (over a thousand leaves).
async fn problems(
    path: web::Path<String>,
    state: web::Data<DqState>,
) -> Result<HttpResponse, ApiError> {
    let run = run_number(&path)?;
    let body = blocking(&state, move |s, store| {
        let current = store.current(run)?;
        if current.is_none() && !s.run_list().contains(run) {
            return Ok(None);
        }
        let summary = current.as_ref().map(|e| &e.summary);
        let problems = match &current {
            Some(e) => tree::problems(store, e, &s.plots)?,
            None => Vec::new(),
        };
        Ok(Some(serde_json::json!({
            "run": run,
            "status": summary.map_or("unevaluated", |s| s.status.as_str()),
            "level": summary.and_then(|s| s.level.clone()),
            "reference_run": summary.and_then(|s| s.reference_run),
            "problems": problems,
        })))
    })
    .await?;
    found(run, body)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignoffBody {
    status: SignoffStatus,
    #[serde(default)]
    comment: String,
}

async fn sign_off(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<DqState>,
) -> Result<HttpResponse, ApiError> {
    super::auth::same_site_json(&req)?;
    let run = run_number(&path)?;
    let user = state.auth.user(&req, "Signing off").await?;
    let body = crate::jobs::read_body(payload).await?;
    let body: Value = serde_json::from_slice(&body).map_err(|_| {
        ApiError::bad_request("The request body is not JSON: send {\"status\": ...}")
    })?;
    if !body.is_object() {
        return Err(ApiError::bad_request(
            "The request body must be a JSON object with a status",
        ));
    }
    let body: SignoffBody = serde_json::from_value(body).map_err(|e| {
        ApiError::bad_request(format!(
            "The body must be {{\"status\": \"OK\"|\"BAD\"|\"unchecked\", \"comment\": text}}: {e}"
        ))
    })?;
    let new = NewSignoff {
        run,
        status: body.status,
        comment: body.comment,
        author: user.name,
        via: user.via.into(),
        signed_at_ms: now_ms(),
    };
    let stored = blocking(&state, move |s, store| {
        if store.current(run)?.is_none() && !s.run_list().contains(run) {
            return Ok(None);
        }
        store.sign_off(&new).map(Some)
    })
    .await?;
    match stored {
        Some(signoff) => {
            tracing::info!(run, author = %signoff.author, via = %signoff.via,
                status = signoff.status.as_str(), "run signed off");
            Ok(HttpResponse::Created().json(serde_json::json!({ "signoff": signoff })))
        }
        None => Err(ApiError::not_found(format!(
            "No run {run}: only listed or evaluated runs can be signed off"
        ))),
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

async fn variables(state: web::Data<DqState>) -> Result<HttpResponse, ApiError> {
    let vars = blocking(&state, |_, store| store.variables()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "variables": vars })))
}

async fn changes(state: web::Data<DqState>) -> Result<HttpResponse, ApiError> {
    let c = blocking(&state, |_, store| store.changes()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(c))
}

/// `GET /api/runs?q=&limit=`: listed runs whose number starts with `q`, newest first.
async fn search_runs(
    req: HttpRequest,
    state: web::Data<DqState>,
) -> Result<HttpResponse, ApiError> {
    let q = query(&req)?;
    let prefix = q.get("q").map(|s| s.trim().to_owned()).unwrap_or_default();
    if !prefix.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::bad_request(
            "q must be the digits a run number starts with",
        ));
    }
    let limit = number(&q, "limit")?.unwrap_or(20) as usize;
    if limit == 0 || limit > MAX_SUGGESTIONS {
        return Err(ApiError::bad_request(format!(
            "limit must be 1 to {MAX_SUGGESTIONS}"
        )));
    }
    let state = state.clone();
    let runs = web::block(move || {
        let list = state.run_list();
        let mut buf = String::new();
        list.runs()
            .iter()
            .copied()
            .filter(|r| {
                use std::fmt::Write;
                buf.clear();
                let _ = write!(buf, "{r}");
                buf.starts_with(&prefix)
            })
            .take(limit)
            .collect::<Vec<u32>>()
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "runs": runs })))
}
