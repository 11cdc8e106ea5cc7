//! The VELO view overview (`/velo_view/overview`, also `/velo_view` and `/`): one row per run,
//! newest first, paginated and filtered as `GET /api/dq/runs` is; the page script polls
//! `/api/dq/changes` and swaps in fresh rows when something new is stored.

use super::PagesState;
use crate::dq::listing::{self, Listing, Row};
use crate::dq::{api, blocking, DqState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use std::collections::HashMap;
use velo_dqstore::{BranchScore, Changes};

#[derive(Serialize)]
struct RowView<'a> {
    row: &'a Row,
    start: Option<String>,
    /// One cell per column of `columns`: that branch's score and level, if the run has it.
    cells: Vec<Option<&'a BranchScore>>,
    signed_at: Option<String>,
}

/// A UTC time, "YYYY-MM-DD HH:MM:SS", from milliseconds since 1970 (days → civil date after
/// H. Hinnant's algorithm; no calendar crate for one format).
pub fn utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The branch columns: every top-level branch of the listed runs, in first-seen order.
fn columns(listing: &Listing) -> Vec<(&str, &str)> {
    let mut seen = Vec::<(&str, &str)>::new();
    for r in &listing.runs {
        for b in &r.branches {
            if !seen.iter().any(|(k, _)| *k == b.key) {
                seen.push((&b.key, &b.title));
            }
        }
    }
    seen
}

pub async fn overview(
    state: web::Data<PagesState>,
    dq: web::Data<DqState>,
    req: HttpRequest,
) -> HttpResponse {
    let mut ctx = state.context("velo_view/overview");
    let params: HashMap<String, String> = web::Query::from_query(req.query_string())
        .map(|q: web::Query<HashMap<String, String>>| q.into_inner())
        .unwrap_or_default();
    for key in ["first", "last", "level"] {
        ctx.insert(key, params.get(key).map_or("", |v| v.as_str()));
    }
    ctx.insert("levels", listing::Verdict::NAMES);
    let q = match api::list_query(&params) {
        Ok(q) => q,
        Err(e) => {
            ctx.insert("error", &e.message);
            return state.render(
                &req,
                StatusCode::BAD_REQUEST,
                "velo_view/overview.html",
                ctx,
            );
        }
    };
    let found = blocking(&dq, move |s, store| {
        Ok((listing::list(store, &s.run_list(), &q)?, store.changes()?))
    })
    .await;
    let (listing, changes) = match found {
        Ok(x) => x,
        Err(e) => {
            ctx.insert("error", &e.message);
            return state.render(&req, e.status, "velo_view/overview.html", ctx);
        }
    };
    let cols = columns(&listing);
    let rows: Vec<RowView> = listing
        .runs
        .iter()
        .map(|row| RowView {
            row,
            start: row.start_ms.map(utc),
            cells: cols
                .iter()
                .map(|(k, _)| row.branches.iter().find(|b| b.key == *k))
                .collect(),
            signed_at: row.signoff.as_ref().map(|s| utc(s.signed_at_ms)),
        })
        .collect();
    ctx.insert("columns", &cols);
    ctx.insert("rows", &rows);
    ctx.insert("changes", &changes_marker(&changes));
    if let Some(next) = listing.next {
        let mut p = params.clone();
        p.insert("cursor".into(), next.to_string());
        ctx.insert("next_url", &format!("?{}", encode(&p)));
    }
    if params.contains_key("cursor") {
        let mut p = params.clone();
        p.remove("cursor");
        ctx.insert("first_url", &format!("?{}", encode(&p)));
    }
    state.render(&req, StatusCode::OK, "velo_view/overview.html", ctx)
}

/// What the page script compares `/api/dq/changes` with.
fn changes_marker(c: &Changes) -> String {
    serde_json::to_string(c).unwrap_or_default()
}

fn encode(p: &HashMap<String, String>) -> String {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    let mut keys: Vec<&String> = p.keys().collect();
    keys.sort();
    keys.iter()
        .filter(|k| !p[**k].is_empty())
        .map(|k| {
            format!(
                "{}={}",
                utf8_percent_encode(k, NON_ALPHANUMERIC),
                utf8_percent_encode(&p[*k], NON_ALPHANUMERIC)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formats_known_instants() {
        assert_eq!(utc(0), "1970-01-01 00:00:00");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00:00");
        assert_eq!(utc(1_700_000_000_123), "2023-11-14 22:13:20");
    }
}
