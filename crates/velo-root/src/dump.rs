//! The `veloview dump` document: every stored and derived value of a histogram, in the schema of
//! the shared corpus's `expected/*.json`, so that any independent reader can be compared with us.

use crate::hist::{Axis, Histogram};
use serde_json::{json, Map, Value};

/// JSON has no NaN or infinity; the corpus writes them as strings.
pub fn number(v: f64) -> Value {
    if v.is_nan() {
        json!("nan")
    } else if v.is_infinite() {
        json!(if v > 0.0 { "inf" } else { "-inf" })
    } else {
        json!(v)
    }
}

fn numbers(vs: impl IntoIterator<Item = f64>) -> Value {
    Value::Array(vs.into_iter().map(number).collect())
}

fn axis(a: &Axis) -> Value {
    let labels = if a.labels.iter().all(String::is_empty) {
        Vec::new()
    } else {
        a.labels.clone()
    };
    json!({
        "title": a.title,
        "nbins": a.nbins,
        "min": number(a.min),
        "max": number(a.max),
        "edges": numbers(a.edges()),
        "variable": a.is_variable(),
        "labels": labels,
    })
}

pub fn histogram(path: &str, h: &Histogram) -> Value {
    let s = &h.stats;
    let mut stats = Map::new();
    let mut put = |k: &str, v: f64| {
        stats.insert(k.to_string(), number(v));
    };
    put("fEntries", s.entries);
    put("fTsumw", s.tsumw);
    put("fTsumw2", s.tsumw2);
    put("fTsumwx", s.tsumwx);
    put("fTsumwx2", s.tsumwx2);
    if h.y.is_some() || h.profile.is_some() {
        put("fTsumwy", s.tsumwy);
        put("fTsumwy2", s.tsumwy2);
    }
    if h.y.is_some() {
        put("fTsumwxy", s.tsumwxy);
    }
    if h.y.is_some() && h.profile.is_some() {
        put("fTsumwz", s.tsumwz);
        put("fTsumwz2", s.tsumwz2);
    }
    put("mean_x", h.mean(1));
    put("rms_x", h.rms(1));

    let cells = 0..h.ncells();
    let mut doc = json!({
        "path": path,
        "class": h.class,
        "name": h.name,
        "title": h.title,
        "dims": h.dims(),
        "x": axis(&h.x),
        "stats": stats,
        "array": numbers(h.array.iter().copied()),
        "values": numbers(cells.clone().map(|b| h.bin_content(b))),
        "errors": numbers(cells.map(|b| h.bin_error(b))),
        "sumw2": numbers(h.sumw2.iter().copied()),
    });
    let obj = doc.as_object_mut().expect("built as an object");
    if let Some(y) = &h.y {
        obj.insert("y".into(), axis(y));
    }
    if let Some(p) = &h.profile {
        obj.insert("bin_entries".into(), numbers(p.bin_entries.iter().copied()));
        obj.insert("bin_sumw2".into(), numbers(p.bin_sumw2.iter().copied()));
        obj.insert("error_mode".into(), json!(p.error_mode as i32));
    }
    doc
}
