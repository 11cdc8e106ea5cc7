//! The data-quality API over ranges of runs: one variable's trend (with each run's level, its
//! reference run and magnet polarity), a per-sensor quantity as a run × sensor matrix (the
//! detailed trends' heat map, in one request), and one sensor's levels per check over recent
//! runs (the sensor and TELL1 pages' strip). A range is `first`/`last` and/or `newest` (the
//! newest N runs of it); more than [`MAX_RANGE`] runs is a 400 saying so.

use super::api::{number, query};
use super::plots::PlotPlace;
use super::{blocking, DqState};
use crate::jobs::error::ApiError;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use velo_dqstore::{node_of, RunRange, SeriesPoint, MAX_RANGE};
use veloview::runview::sensors;

/// Runs the sensor strip shows unless asked otherwise.
const STRIP_RUNS: u32 = 30;

/// The routes, inside the `/api/dq` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/trend", web::get().to(trend))
        .route("/heatmap", web::get().to(heatmap))
        .route("/sensors/{sensor}", web::get().to(sensor));
}

fn run_range(
    q: &HashMap<String, String>,
    default_newest: Option<u32>,
) -> Result<RunRange, ApiError> {
    let newest = number(q, "newest")?.or(default_newest);
    if let Some(n) = newest {
        if n == 0 || n > MAX_RANGE {
            return Err(ApiError::bad_request(format!(
                "newest must be 1 to {MAX_RANGE}, not {n}"
            )));
        }
    }
    let (first, last) = (number(q, "first")?, number(q, "last")?);
    if let (Some(f), Some(l)) = (first, last) {
        if f > l {
            return Err(ApiError::bad_request(format!(
                "first ({f}) must not be after last ({l})"
            )));
        }
    }
    Ok(RunRange {
        first,
        last,
        newest,
    })
}

/// A required text parameter.
fn required(q: &HashMap<String, String>, name: &str, what: &str) -> Result<String, ApiError> {
    q.get(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::bad_request(format!("{name} is required: {what}")))
}

async fn trend(req: HttpRequest, state: web::Data<DqState>) -> Result<HttpResponse, ApiError> {
    let q = query(&req)?;
    let var = required(&q, "var", "a name from /api/dq/variables")?;
    let range = run_range(&q, None)?;
    let csv = match q.get("format").map(String::as_str) {
        None | Some("json") => false,
        Some("csv") => true,
        Some(f) => {
            return Err(ApiError::bad_request(format!(
                "format must be json or csv, not {f:?}"
            )))
        }
    };
    let points = {
        let var = var.clone();
        blocking(&state, move |_, store| store.series(&var, &range)).await?
    };
    if csv {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"{}.csv\"", file_stem(&var)),
            ))
            .body(trend_csv(&points)));
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "var": var,
        "node": node_of(&var),
        "points": points,
    })))
}

fn trend_csv(points: &[SeriesPoint]) -> String {
    fn opt<T: ToString>(v: &Option<T>) -> String {
        v.as_ref().map(ToString::to_string).unwrap_or_default()
    }
    let mut out = String::from("run,value,time,level,reference_run,magnet_polarity\n");
    for p in points {
        // Level and polarity are fixed words from the store's checked columns: no quoting needed.
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            p.run,
            p.value,
            opt(&p.time),
            opt(&p.level),
            opt(&p.reference_run),
            opt(&p.magnet_polarity)
        ));
    }
    out
}

/// A variable name as a download's file name: letters, digits, `.`, `-`, `_` only.
fn file_stem(var: &str) -> String {
    var.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A per-sensor leaf's node key for `sensor`, as veloview names it (`<leaf>.TELL1_005`).
fn sensor_key(leaf: &str, sensor: u32) -> String {
    format!("{leaf}.TELL1_{sensor:03}")
}

/// `<leaf>.TELL1_NNN.<quantity>` split into (`<leaf>.<quantity>`, sensor); `None` for a
/// variable that is not per sensor.
pub(crate) fn per_sensor(var: &str) -> Option<(String, u32)> {
    let (head, quantity) = var.rsplit_once('.')?;
    let (leaf, tell1) = head.rsplit_once('.')?;
    let digits = tell1.strip_prefix("TELL1_")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((format!("{leaf}.{quantity}"), digits.parse().ok()?))
}

/// The run × sensor matrix of `GET /api/dq/heatmap`.
#[derive(Serialize)]
struct Heatmap {
    var: String,
    /// Oldest first: the rows.
    runs: Vec<u32>,
    /// Ascending: the columns (those with a value in at least one run).
    sensors: Vec<u32>,
    /// `values[i][j]`: run `runs[i]`, sensor `sensors[j]`; `null` where there is none.
    values: Vec<Vec<Option<f64>>>,
    /// Where the run view shows each sensor's histogram (page and tab): a cell links to
    /// `/run_view/{run}/{page}/{sensor}#/{tab}`, as the DQ page's leaf links.
    plots: BTreeMap<u32, PlotPlace>,
}

async fn heatmap(req: HttpRequest, state: web::Data<DqState>) -> Result<HttpResponse, ApiError> {
    let q = query(&req)?;
    let var = required(
        &q,
        "var",
        "a per-sensor quantity, <leaf>.<quantity> (e.g. noise.noise_level.mean_content)",
    )?;
    let (leaf, quantity) = var.rsplit_once('.').ok_or_else(|| {
        ApiError::bad_request(format!(
            "var must be <leaf>.<quantity> (e.g. noise.noise_level.mean_content), not {var:?}"
        ))
    })?;
    let (leaf, quantity) = (leaf.to_owned(), quantity.to_owned());
    let range = run_range(&q, None)?;
    let name = var.clone();
    let map = blocking(&state, move |s, store| {
        let vars: Vec<String> = sensors::all()
            .map(|s| format!("{}.{quantity}", sensor_key(&leaf, s)))
            .collect();
        let runs = store.run_window(&range)?;
        let (Some(&lo), Some(&hi)) = (runs.first(), runs.last()) else {
            return Ok(None);
        };
        let cells = store.values(&vars, lo, hi)?;
        if cells.is_empty() && !store.variables()?.iter().any(|v| vars.contains(v)) {
            return Ok(None);
        }
        let mut sensor_list: Vec<u32> = cells
            .iter()
            .filter_map(|c| per_sensor(&c.var).map(|(_, s)| s))
            .collect();
        sensor_list.sort_unstable();
        sensor_list.dedup();
        let row: HashMap<u32, usize> = runs.iter().enumerate().map(|(i, &r)| (r, i)).collect();
        let col: HashMap<u32, usize> = sensor_list
            .iter()
            .enumerate()
            .map(|(j, &s)| (s, j))
            .collect();
        let mut values = vec![vec![None; sensor_list.len()]; runs.len()];
        for c in &cells {
            let Some((_, sensor)) = per_sensor(&c.var) else {
                continue;
            };
            if let (Some(&i), Some(&j)) = (row.get(&c.run), col.get(&sensor)) {
                values[i][j] = Some(c.value);
            }
        }
        // The histogram each sensor's leaf judged, from the newest run with a value (one tree).
        let mut plots = BTreeMap::new();
        if let Some(newest) = cells.iter().map(|c| c.run).max() {
            for n in store.current(newest)?.map(|e| e.nodes).unwrap_or_default() {
                let (Some(sensor), Some(path)) = (n.sensor, n.path.as_deref()) else {
                    continue;
                };
                if n.key == sensor_key(&leaf, sensor) && col.contains_key(&sensor) {
                    if let Some(place) = s.plots.place(path, Some(sensor)) {
                        plots.insert(sensor, place);
                    }
                }
            }
        }
        Ok(Some(Heatmap {
            var: name,
            runs,
            sensors: sensor_list,
            values,
            plots,
        }))
    })
    .await?;
    match map {
        Some(m) => Ok(HttpResponse::Ok().json(m)),
        None => Err(ApiError::not_found(format!(
            "No per-sensor quantity {var:?} in the runs asked for: see /api/dq/variables \
             (<leaf>.TELL1_NNN.<quantity> there is <leaf>.<quantity> here)"
        ))),
    }
}

/// One check of a sensor, a column of its strip.
#[derive(Serialize)]
struct Check {
    /// The per-sensor leaf's key without the sensor (`noise.noise_level`).
    key: String,
    title: String,
}

#[derive(Serialize)]
struct Cell {
    level: String,
    score: f64,
}

#[derive(Serialize)]
struct StripRun {
    run: u32,
    /// By check key; a check missing here did not judge this sensor in this run.
    cells: BTreeMap<String, Cell>,
}

/// `GET /api/dq/sensors/{sensor}`: the sensor, its checks, and its levels over the runs.
#[derive(Serialize)]
struct SensorStrip {
    sensor: u32,
    /// The TELL1 board reading it out: in the Vetra output the board's number is the sensor's
    /// (`TELL1_005` holds sensor 5).
    tell1: u32,
    /// "R", "Φ" or "pile-up".
    kind: &'static str,
    /// The sensor on the same module (R ↔ Φ), if any.
    partner: Option<u32>,
    checks: Vec<Check>,
    /// Oldest first.
    runs: Vec<StripRun>,
    /// This sensor's trended quantities (names for /api/dq/trend), sorted.
    variables: Vec<String>,
}

async fn sensor(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<DqState>,
) -> Result<HttpResponse, ApiError> {
    let sensor = path
        .parse::<u32>()
        .ok()
        .filter(|s| sensors::is_valid(*s))
        .ok_or_else(|| ApiError::not_found(sensors::invalid_message(format!("{path:?}"))))?;
    let q = query(&req)?;
    let range = run_range(&q, Some(STRIP_RUNS))?;
    let strip = blocking(&state, move |_, store| {
        let runs = store.run_window(&range)?;
        let nodes = store.sensor_nodes(sensor, &runs)?;
        let suffix = format!(".TELL1_{sensor:03}");
        let mut checks: Vec<Check> = Vec::new();
        let mut cells: HashMap<u32, BTreeMap<String, Cell>> = HashMap::new();
        for (run, n) in nodes {
            // Only the sensor's leaves: a branch could carry a sensor too.
            let Some(check) = n.key.strip_suffix(&suffix) else {
                continue;
            };
            if !checks.iter().any(|c| c.key == check) {
                let title = n
                    .title
                    .strip_suffix(&format!(", sensor {sensor}"))
                    .unwrap_or(&n.title);
                checks.push(Check {
                    key: check.to_owned(),
                    title: title.to_owned(),
                });
            }
            cells.entry(run).or_default().insert(
                check.to_owned(),
                Cell {
                    level: n.level,
                    score: n.score,
                },
            );
        }
        let infix = format!("{suffix}.");
        let variables = store
            .variables()?
            .into_iter()
            .filter(|v| v.contains(&infix) && !v.ends_with(".score"))
            .collect();
        Ok(SensorStrip {
            sensor,
            tell1: sensor,
            kind: sensors::sensor_type(sensor).map_or("", |t| t.label()),
            partner: sensors::corresponding(sensor),
            checks,
            runs: runs
                .into_iter()
                .map(|run| StripRun {
                    run,
                    cells: cells.remove(&run).unwrap_or_default(),
                })
                .collect(),
            variables,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(strip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_sensor_variables_are_recognised() {
        assert_eq!(
            per_sensor("noise.noise_level.TELL1_005.mean_content"),
            Some(("noise.noise_level.mean_content".into(), 5))
        );
        assert_eq!(per_sensor("noise.noise_level.score"), None);
        assert_eq!(per_sensor("noise.TELL1_.mean"), None);
        assert_eq!(per_sensor("score"), None);
    }
}
