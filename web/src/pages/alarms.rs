//! The alarms page (`/velo_view/alarms`): the filter form, filled from the query string so a
//! filtered view can be linked; the list itself is loaded and kept live by `alarms.js`.

use super::PagesState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use std::collections::HashMap;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/velo_view/alarms", web::get().to(page));
}

async fn page(state: web::Data<PagesState>, req: HttpRequest) -> HttpResponse {
    let params: HashMap<String, String> = web::Query::from_query(req.query_string())
        .map(|q: web::Query<HashMap<String, String>>| q.into_inner())
        .unwrap_or_default();
    let mut ctx = state.context("alarms");
    for key in ["state", "rule", "run"] {
        ctx.insert(key, params.get(key).map_or("", |v| v.as_str()));
    }
    ctx.insert("states", &["open", "acknowledged", "resolved"]);
    state.render(&req, StatusCode::OK, "alarms.html", ctx)
}
