//! Every page but the run view: VELO view (overview, trends, detailed trends), sensor view,
//! TELL1 view, special analyses, and the site's 404 page.

use super::overview::overview;
use super::PagesState;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use veloview::runview::sensors;

/// VELO view trends tabs: URL key, tab label, page heading, and the variables the tab
/// preselects (those of the original's tabs that config/dq.toml trends).
const TRENDS: &[(&str, &str, &str, &[&str])] = &[
    (
        "nzs",
        "NZS",
        "Non zero-suppressed",
        &["score", "pedestals.score", "noise.score"],
    ),
    (
        "clusters",
        "Clusters",
        "Clusters",
        &[
            "clusters.score",
            "clusters.clusters_per_event.mean",
            "clusters.cluster_size.mean",
            "occupancy.sensor_occupancy.mean_r",
            "occupancy.sensor_occupancy.mean_phi",
        ],
    ),
    // The run files have no track or vertex histograms, so nothing of theirs is judged or
    // trended (config/dq.toml): the tabs say so rather than show other variables.
    ("tracks", "Tracks", "Tracks", &[]),
    ("vertices", "Vertices", "Vertices", &[]),
];

/// Special analyses pages: URL key and title; the first is the section's default.
const SPECIAL_ANALYSES: &[(&str, &str)] = &[
    ("iv_scans", "IV scans"),
    ("it_scans", "IT scans"),
    ("hv_scans", "HV scans"),
    ("cce_scans", "CCE scans"),
    ("ip_resolution", "IP resolution"),
    ("pv_resolution", "PV resolution"),
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(overview))
        .route("/velo_view", web::get().to(overview))
        .route("/velo_view/overview", web::get().to(overview))
        .route("/velo_view/trends", web::get().to(trends))
        .route("/velo_view/trends/{tab}", web::get().to(trends))
        .route("/velo_view/detailed_trends", web::get().to(detailed_trends))
        .route("/sensor_view", web::get().to(sensor_view))
        .route("/sensor_view/{sensor}", web::get().to(sensor_view))
        .route("/tell1_view", web::get().to(tell1_view))
        .route("/tell1_view/{sensor}", web::get().to(tell1_view))
        .route("/special_analyses", web::get().to(special_analyses))
        .route("/special_analyses/{name}", web::get().to(special_analyses));
}

async fn trends(state: web::Data<PagesState>, req: HttpRequest) -> HttpResponse {
    let key = req.match_info().get("tab").unwrap_or(TRENDS[0].0);
    let Some((key, _, heading, group)) = TRENDS.iter().find(|(k, ..)| *k == key) else {
        return not_found(state, req).await;
    };
    let mut ctx = state.context(&format!("velo_view/trends/{key}"));
    let tabs: Vec<(&str, &str)> = TRENDS.iter().map(|t| (t.0, t.1)).collect();
    ctx.insert("tabs", &tabs);
    ctx.insert("tab", key);
    ctx.insert("heading", heading);
    ctx.insert("group", &serde_json::to_string(group).unwrap_or_default());
    ctx.insert("has_group", &!group.is_empty());
    state.render(&req, StatusCode::OK, "velo_view/trends.html", ctx)
}

async fn detailed_trends(state: web::Data<PagesState>, req: HttpRequest) -> HttpResponse {
    let ctx = state.context("velo_view/detailed_trends");
    state.render(&req, StatusCode::OK, "velo_view/detailed_trends.html", ctx)
}

async fn sensor_view(state: web::Data<PagesState>, req: HttpRequest) -> HttpResponse {
    sensor_page(state, req, View::Sensor).await
}

async fn tell1_view(state: web::Data<PagesState>, req: HttpRequest) -> HttpResponse {
    sensor_page(state, req, View::Tell1).await
}

/// The sensor view and the TELL1 view show the same data: in the Vetra output a TELL1 board's
/// number is the number of the sensor it reads out (`TELL1_005` holds sensor 5's histograms),
/// so `/tell1_view/5` is sensor 5 seen as its board.
#[derive(Clone, Copy, PartialEq)]
enum View {
    Sensor,
    Tell1,
}

impl View {
    fn base(self) -> &'static str {
        match self {
            View::Sensor => "sensor_view",
            View::Tell1 => "tell1_view",
        }
    }
}

async fn sensor_page(state: web::Data<PagesState>, req: HttpRequest, view: View) -> HttpResponse {
    let base = view.base();
    let template = format!("{base}.html");
    let Some(text) = req.match_info().get("sensor") else {
        // The selectors' form without script: `?r-sensor=N` or `?phi-sensor=N`.
        let q =
            web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
                .map(|q| q.into_inner())
                .unwrap_or_default();
        let chosen = ["r-sensor", "phi-sensor"]
            .iter()
            .filter_map(|k| q.get(*k))
            .find_map(|v| {
                v.trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|s| sensors::is_valid(*s))
            });
        if let Some(s) = chosen {
            return HttpResponse::Found()
                .insert_header((header::LOCATION, format!("/{base}/{s}")))
                .finish();
        }
        let mut ctx = state.context(base);
        ctx.insert("view_base", &format!("/{base}"));
        return state.render(&req, StatusCode::OK, &template, ctx);
    };
    let Some(sensor) = text.parse::<u32>().ok().filter(|s| sensors::is_valid(*s)) else {
        return not_found(state, req).await;
    };
    let mut ctx = state.context(base);
    ctx.insert("view_base", &format!("/{base}"));
    ctx.insert("sensor", &sensor);
    ctx.insert(
        "kind",
        sensors::sensor_type(sensor).map_or("", |t| t.label()),
    );
    ctx.insert("partner", &sensors::corresponding(sensor));
    state.render(&req, StatusCode::OK, &template, ctx)
}

async fn special_analyses(state: web::Data<PagesState>, req: HttpRequest) -> HttpResponse {
    let key = req
        .match_info()
        .get("name")
        .unwrap_or(SPECIAL_ANALYSES[0].0);
    let Some((key, title)) = SPECIAL_ANALYSES.iter().find(|(k, _)| *k == key) else {
        return not_found(state, req).await;
    };
    let mut ctx = state.context(&format!("special_analyses/{key}"));
    ctx.insert("analyses", SPECIAL_ANALYSES);
    ctx.insert("title", title);
    state.render(&req, StatusCode::OK, "special_analyses/page.html", ctx)
}

/// Unknown paths: a path with a trailing slash goes to the same path without one (as the
/// original's routes accepted both); anything else is the 404 page in the site layout.
pub async fn not_found(state: web::Data<PagesState>, req: HttpRequest) -> HttpResponse {
    let path = req.path();
    let trimmed = path.trim_end_matches('/');
    // Only to a path of this site: "//host" or "/\\host" would leave it.
    let local = trimmed.len() > 1 && !trimmed[1..].starts_with(['/', '\\']);
    if path.ends_with('/') && local {
        let mut to = trimmed.to_owned();
        if !req.query_string().is_empty() {
            to.push('?');
            to.push_str(req.query_string());
        }
        return HttpResponse::Found()
            .insert_header((header::LOCATION, to))
            .finish();
    }
    let ctx = state.context("");
    state.render(&req, StatusCode::NOT_FOUND, "404.html", ctx)
}
