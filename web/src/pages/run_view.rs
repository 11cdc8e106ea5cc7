//! The run view: `/run_view[/{run}[/{page}[/{sensor}]]]`, with `?run=&page=&sensor=` (the
//! selector forms) redirecting to the canonical URL, and invalid runs and sensors reset to the
//! defaults with a flash message, as the original did.

use super::{flash, PagesState};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::Serialize;
use std::collections::HashMap;
use veloview::runview::sensors::{self, SensorType};
use veloview::runview::{Page, Plot, RunList};

/// The run view's page that shows the run's data quality (when it has no plots of its own).
const DQ_PAGE: &str = "dqs";

/// How many runs either side of the displayed one the run selector offers.
const NEARBY_DISTANCE: usize = 3;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/run_view", web::get().to(run_view))
        .route("/run_view/{run}", web::get().to(run_view))
        .route("/run_view/{run}/{page}", web::get().to(run_view))
        .route("/run_view/{run}/{page}/{sensor}", web::get().to(run_view));
}

/// What was asked for, from the query (selector forms) or else the path.
struct Requested {
    run: Option<String>,
    page: String,
    sensor: Option<String>,
    /// Came through the query string: always answered by a redirect to the canonical URL.
    from_query: bool,
}

impl Requested {
    fn from_request(req: &HttpRequest) -> Requested {
        let path = req.match_info();
        let query: HashMap<String, String> =
            web::Query::from_query(req.query_string()).map_or_else(|_| HashMap::new(), |q| q.0);
        let from_query = ["run", "page", "sensor", "nearby-runs"]
            .iter()
            .any(|k| query.contains_key(*k));
        // The run selector's text field wins; without it, the nearby-runs list's choice.
        let run = match query.get("run") {
            Some(r) if r.is_empty() => query.get("nearby-runs").or(Some(r)).cloned(),
            Some(r) => Some(r.clone()),
            None => query
                .get("nearby-runs")
                .cloned()
                .or_else(|| path.get("run").map(str::to_owned)),
        };
        Requested {
            run,
            page: query
                .get("page")
                .cloned()
                .or_else(|| path.get("page").map(str::to_owned))
                .unwrap_or_default(),
            sensor: query
                .get("sensor")
                .cloned()
                .or_else(|| path.get("sensor").map(str::to_owned)),
            from_query,
        }
    }
}

async fn run_view(state: web::Data<PagesState>, req: HttpRequest) -> HttpResponse {
    let runs = state.run_list();
    let Some(default_run) = runs.default_run() else {
        return message(
            &state,
            &req,
            StatusCode::OK,
            None,
            "No runs yet",
            "No processed runs are listed yet: the run view shows runs once they appear in the run list.",
        );
    };
    let asked = Requested::from_request(&req);
    let mut flashes = Vec::new();
    let run = match &asked.run {
        None => default_run,
        Some(s) => match s.trim().parse::<u32>() {
            Ok(r) if runs.contains(r) => r,
            _ => {
                flashes.push(format!(
                    "Invalid run number \"{}\", reset to \"{default_run}\"",
                    shorten(s)
                ));
                default_run
            }
        },
    };
    let sensor = match &asked.sensor {
        None => 0,
        Some(s) => match s.trim().parse::<u32>() {
            Ok(n) if sensors::is_valid(n) => n,
            _ => {
                flashes.push(format!(
                    "Invalid sensor number \"{}\", reset to \"0\"",
                    shorten(s)
                ));
                0
            }
        },
    };
    let page = if asked.page.is_empty() {
        state.pages.default_page().key.clone()
    } else {
        asked.page.clone()
    };
    if asked.from_query || !flashes.is_empty() {
        let to = format!(
            "/run_view/{run}/{}/{sensor}",
            utf8_percent_encode(&page, NON_ALPHANUMERIC)
        );
        let mut res = HttpResponse::Found();
        res.insert_header((header::LOCATION, to));
        if !flashes.is_empty() {
            flash::set(&mut res, &flashes);
        }
        return res.finish();
    }
    match state.pages.get(&page) {
        Some(p) if p.key == DQ_PAGE && p.plots.is_empty() => {
            let mut ctx = layout_context(&state, &runs, run, &p.key);
            ctx.insert("title", &p.title);
            ctx.insert("sensor", &sensor);
            state.render(&req, StatusCode::OK, "run_view/dqs.html", ctx)
        }
        Some(p) => render_page(&state, &req, &runs, run, p, sensor),
        None => message(
            &state,
            &req,
            StatusCode::NOT_FOUND,
            Some((&runs, run)),
            "404 Page not found",
            "There is no run view page here. Choose one of the pages on the left.",
        ),
    }
}

/// A value from the URL as it appears in a message: bounded, so that the flash cookie stays small.
fn shorten(s: &str) -> String {
    const MAX: usize = 40;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// Lower-case with every non-alphanumeric character replaced by `_`: ROOT key names become valid
/// element ids and URL hashes (the original's `sanitise`).
pub fn sanitise(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// Each plot's tab anchor (element id and URL hash `#/anchor`): its sanitised name, with the
/// plot's index appended where names sanitise alike, so that ids stay unique.
pub fn plot_anchors(page: &Page) -> Vec<String> {
    let mut anchors = std::collections::HashSet::new();
    page.plots
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut anchor = sanitise(&p.name);
            if !anchors.insert(anchor.clone()) {
                anchor = format!("{anchor}_{i}");
                anchors.insert(anchor.clone());
            }
            anchor
        })
        .collect()
}

/// A plot as the page template shows it.
#[derive(Serialize)]
struct PlotView<'a> {
    title: &'a str,
    tab: &'a str,
    name: &'a str,
    anchor: String,
    sensor_dependent: bool,
    /// The histogram's path in the run file for this sensor: what data-quality leaves name, so
    /// the page can mark the plots a check found wrong (`data-path`).
    path: String,
    /// The plot's drawing options as JSON, for the page script (`data-options`).
    options: String,
}

impl<'a> PlotView<'a> {
    fn new(p: &'a Plot, anchor: String, sensor: u32) -> PlotView<'a> {
        let sensor = if p.sensor_dependent { sensor } else { 0 };
        PlotView {
            title: &p.title,
            tab: &p.short,
            name: &p.name,
            anchor,
            sensor_dependent: p.sensor_dependent,
            path: veloview::runview::plot::format_name(&p.name, sensor),
            options: serde_json::Value::Object(p.options.clone()).to_string(),
        }
    }
}

/// The sidebar and run selector's context, shared by pages and the run view's 404.
fn layout_context(state: &PagesState, runs: &RunList, run: u32, page: &str) -> tera::Context {
    let mut ctx = state.context(&format!("run_view/{page}"));
    let nearby = runs.nearby(run, NEARBY_DISTANCE);
    let (newer, older) = nearby.map(|n| (n.newer, n.older)).unwrap_or_default();
    let pages: Vec<(&str, &str)> = state
        .pages
        .pages()
        .iter()
        .map(|p| (p.key.as_str(), p.title.as_str()))
        .collect();
    ctx.insert("run", &run);
    ctx.insert("newer_runs", &newer);
    ctx.insert("older_runs", &older);
    ctx.insert("pages", &pages);
    ctx.insert("page", page);
    ctx
}

fn render_page(
    state: &PagesState,
    req: &HttpRequest,
    runs: &RunList,
    run: u32,
    page: &Page,
    sensor: u32,
) -> HttpResponse {
    let mut ctx = layout_context(state, runs, run, &page.key);
    let plots: Vec<PlotView> = page
        .plots
        .iter()
        .zip(plot_anchors(page))
        .map(|(p, anchor)| PlotView::new(p, anchor, sensor))
        .collect();
    ctx.insert("title", &page.title);
    ctx.insert("plots", &plots);
    ctx.insert("sensor", &sensor);
    ctx.insert(
        "sensor_dependent",
        &page.plots.iter().any(|p| p.sensor_dependent),
    );
    let corresponding =
        sensors::corresponding(sensor).and_then(|s| Some((s, sensors::sensor_type(s)?.label())));
    ctx.insert("corresponding", &corresponding);
    let all: Vec<(u32, String)> = sensors::all()
        .filter_map(|s| {
            Some((
                s,
                format!("{} sensor", kind_label(sensors::sensor_type(s)?)),
            ))
        })
        .collect();
    ctx.insert("sensors", &all);
    ctx.insert("velo_layout", &velo_layout());
    state.render(req, StatusCode::OK, "run_view/page.html", ctx)
}

/// "R", "Φ", "Pile-up": the sensor datalist's and layout's labels.
fn kind_label(kind: SensorType) -> &'static str {
    match kind {
        SensorType::PileUp => "Pile-up",
        k => k.label(),
    }
}

/// The VELO layout dialog's columns, as the original drew it: each half of the detector as an R
/// and a Φ column, then the pile-up sensors.
fn velo_layout() -> Vec<(&'static str, Vec<u32>)> {
    vec![
        ("R", (0..21).collect()),
        ("Φ", (64..85).collect()),
        ("R", (21..42).collect()),
        ("Φ", (85..106).collect()),
        ("Pile-up", (128..132).collect()),
    ]
}

/// A page in the run view layout that says something instead of showing plots.
fn message(
    state: &PagesState,
    req: &HttpRequest,
    status: StatusCode,
    runs: Option<(&RunList, u32)>,
    heading: &str,
    text: &str,
) -> HttpResponse {
    let mut ctx = match runs {
        Some((runs, run)) => layout_context(state, runs, run, ""),
        None => state.context("run_view"),
    };
    ctx.insert("heading", heading);
    ctx.insert("text", text);
    state.render(req, status, "run_view/message.html", ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitise_matches_the_original() {
        let s = "|P~2;-u)o.N4j]bwD^ql=vKK#'N9|Y]]hEAj:8;=9|Jj2[8=/'Y!";
        let safe = "_P_2__u_o_N4j_bwD_ql_vKK__N9_Y__hEAj_8__9_Jj2_8___Y_".to_lowercase();
        assert_eq!(sanitise(s), safe);
    }

    #[test]
    fn shorten_bounds_long_values() {
        assert_eq!(shorten("abc"), "abc");
        assert_eq!(shorten(&"x".repeat(100)).chars().count(), 41);
    }
}
