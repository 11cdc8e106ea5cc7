//! `/api/alarms`: GET a page (filters `state`, `rule`, `run`; `limit`, `cursor`), GET the counts,
//! GET one with its history, POST `{id}/ack` and `{id}/resolve` with `{"comment": text}`
//! (authenticated).

use super::events::{self, AlarmWatch};
use crate::dq::{auth, blocking, DqState};
use crate::jobs::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use std::collections::HashMap;
use velo_dqstore::{AlarmQuery, AlarmState, MAX_ALARM_PAGE};

const DEFAULT_LIMIT: u32 = 50;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/alarms")
            .route("", web::get().to(list))
            .route("/events", web::get().to(events::stream))
            .route("/counts", web::get().to(counts))
            .route("/{id}", web::get().to(one))
            .service(
                web::resource("/{id}/ack")
                    .route(web::post().to(ack))
                    .default_service(web::to(crate::jobs::error::method_not_allowed)),
            )
            .service(
                web::resource("/{id}/resolve")
                    .route(web::post().to(resolve))
                    .default_service(web::to(crate::jobs::error::method_not_allowed)),
            )
            .default_service(web::to(crate::jobs::error::not_found)),
    );
}

/// The list's query: every parameter checked, with a message naming it.
pub(crate) fn alarm_query(q: &HashMap<String, String>) -> Result<AlarmQuery, ApiError> {
    let get = |k: &str| q.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let state = get("state")
        .map(|s| {
            AlarmState::parse(s).ok_or_else(|| {
                ApiError::bad_request(format!("state {s:?}: one of open, acknowledged, resolved"))
            })
        })
        .transpose()?;
    let int = |k: &str| -> Result<Option<i64>, ApiError> {
        get(k)
            .map(|s| {
                s.parse::<i64>()
                    .ok()
                    .filter(|v| *v >= 0 && *v <= i64::from(u32::MAX))
                    .ok_or_else(|| ApiError::bad_request(format!("{k} {s:?} is not a number")))
            })
            .transpose()
    };
    let limit = int("limit")?.map_or(DEFAULT_LIMIT, |v| v as u32);
    if limit == 0 || limit > MAX_ALARM_PAGE {
        return Err(ApiError::bad_request(format!(
            "limit: 1 to {MAX_ALARM_PAGE}"
        )));
    }
    let rule = get("rule").map(str::to_owned);
    if rule.as_ref().is_some_and(|r| r.len() > 64) {
        return Err(ApiError::bad_request("rule: at most 64 characters"));
    }
    Ok(AlarmQuery {
        state,
        rule,
        run: int("run")?.map(|v| v as u32),
        limit,
        cursor: int("cursor")?,
    })
}

async fn list(req: HttpRequest, state: web::Data<DqState>) -> Result<HttpResponse, ApiError> {
    let q = alarm_query(&crate::dq::api::query(&req)?)?;
    let (page, counts) = blocking(&state, move |_, store| {
        Ok((store.alarms(&q)?, store.alarm_counts()?))
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "alarms": page.alarms,
        "next": page.next,
        "counts": counts,
    })))
}

/// `{"open", "acknowledged", "last_event"}`: what the navigation badge polls (two index
/// lookups).
async fn counts(state: web::Data<DqState>) -> Result<HttpResponse, ApiError> {
    let c = blocking(&state, |_, store| store.alarm_counts()).await?;
    Ok(HttpResponse::Ok().json(c))
}

fn alarm_id(path: &str) -> Result<i64, ApiError> {
    path.parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| ApiError::bad_request(format!("alarm id {path:?} is not a number")))
}

async fn one(path: web::Path<String>, state: web::Data<DqState>) -> Result<HttpResponse, ApiError> {
    let id = alarm_id(&path)?;
    let found = blocking(&state, move |_, store| {
        Ok(match store.alarm(id)? {
            Some(a) => Some((a, store.alarm_events(id)?)),
            None => None,
        })
    })
    .await?;
    match found {
        Some((alarm, events)) => {
            Ok(HttpResponse::Ok().json(serde_json::json!({ "alarm": alarm, "events": events })))
        }
        None => Err(ApiError::not_found(format!("No alarm {id}"))),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    #[serde(default)]
    comment: String,
}

async fn ack(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<DqState>,
    watch: web::Data<AlarmWatch>,
) -> Result<HttpResponse, ApiError> {
    change(req, path, payload, state, watch, AlarmState::Acknowledged).await
}

async fn resolve(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<DqState>,
    watch: web::Data<AlarmWatch>,
) -> Result<HttpResponse, ApiError> {
    change(req, path, payload, state, watch, AlarmState::Resolved).await
}

/// Acknowledge or resolve: the sign-off's checks (same-site JSON, an authenticated user).
async fn change(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<DqState>,
    watch: web::Data<AlarmWatch>,
    to: AlarmState,
) -> Result<HttpResponse, ApiError> {
    auth::same_site_json(&req)?;
    let id = alarm_id(&path)?;
    let user = state.auth.user(&req, "Changing an alarm").await?;
    let body = crate::jobs::read_body(payload).await?;
    let body: Body = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!("The body must be {{\"comment\": text}}: {e}"))
    })?;
    let now = velo_jobs::record::now_ms() as i64;
    let name = user.name.clone();
    let changed = blocking(&state, move |_, store| match to {
        AlarmState::Acknowledged => store.acknowledge_alarm(id, &name, &body.comment, now),
        _ => store.resolve_alarm(id, &name, &body.comment, now),
    })
    .await
    .map_err(|e| {
        // A change the alarm's state does not allow is a conflict, not a bad request.
        if e.status == StatusCode::BAD_REQUEST && e.message.contains("cannot be") {
            ApiError::new(StatusCode::CONFLICT, e.message)
        } else {
            e
        }
    })?;
    match changed {
        Some(alarm) => {
            tracing::info!(id, user = %user.name, via = user.via, state = to.as_str(), "alarm changed");
            watch.poke();
            Ok(HttpResponse::Ok().json(serde_json::json!({ "alarm": alarm })))
        }
        None => Err(ApiError::not_found(format!("No alarm {id}"))),
    }
}
