//! Plot results: the JSON the pages consume, as the original's response_formatters gave it.
//! New keys may be added for the pages; the existing ones are a contract with every client.

use crate::hist::{Axis, Histogram};
use serde_json::{json, Value};

/// `{"success": true, "data": {"name", "title", "object_class", "data": {...}}}`.
pub fn plot_result(h: &Histogram) -> Value {
    let data = if h.y.is_some() { th2(h) } else { th1(h) };
    json!({
        "success": true,
        "data": {
            "name": h.name,
            "title": h.title,
            "object_class": h.class,
            "data": data,
        }
    })
}

/// `{"success": false, "message": ...}`.
pub fn failure(message: impl Into<String>) -> Value {
    json!({ "success": false, "message": message.into() })
}

fn binning(a: &Axis) -> Vec<[f64; 2]> {
    let edges = a.edges();
    edges.windows(2).map(|w| [w[0], w[1]]).collect()
}

fn axis_titles(h: &Histogram) -> [&str; 2] {
    [h.x.title.as_str(), h.y_title.as_str()]
}

fn th1(h: &Histogram) -> Value {
    let n = h.x.nbins;
    json!({
        "entries": h.stats.entries,
        "mean": h.mean(1),
        "rms": h.rms(1),
        "underflow": h.bin_content(0),
        "overflow": h.bin_content(n + 1),
        "binning": binning(&h.x),
        "values": (1..=n).map(|b| h.bin_content(b)).collect::<Vec<_>>(),
        "uncertainties": (1..=n).map(|b| {
            let (lo, up) = h.bin_error_low_up(b);
            [lo, up]
        }).collect::<Vec<_>>(),
        "axis_titles": axis_titles(h),
    })
}

fn th2(h: &Histogram) -> Value {
    let y = h.y.as_ref().expect("th2 is only called for 2D histograms");
    let values: Vec<Vec<f64>> = (1..=h.x.nbins)
        .map(|ix| {
            (1..=y.nbins)
                .map(|iy| h.bin_content(h.bin(ix, iy)))
                .collect()
        })
        .collect();
    json!({
        "entries": h.stats.entries,
        "mean": h.mean(1),
        "rms": h.rms(1),
        "xbinning": binning(&h.x),
        "ybinning": binning(y),
        "values": values,
        "axis_titles": axis_titles(h),
    })
}
