//! Plot results: the JSON the pages consume, as the original's response_formatters gave it.
//!
//! The keys of the original are a contract with every client and never change:
//! - TH1*, TProfile: `entries, mean, rms, underflow, overflow, binning [[lo, hi]], values,
//!   uncertainties [[low, up]], axis_titles [x, y]`;
//! - TH2*, TProfile2D: `entries, mean, rms, xbinning, ybinning, values[x][y], axis_titles`
//!   (the original refused TProfile2D; its bin means are a 2D plot like any other).
//!
//! Added for the pages, as new keys only: bin labels (`labels`, or `xlabels`/`ylabels`; empty
//! when the axis has none) and, when the plot came from a run (see [`Source`]), `run`,
//! `reference` and `file` beside `name` in `data`.
//!
//! JSON has no NaN or infinity: a non-finite number (a corrupt or degenerate histogram) is
//! written as `null`, which serde_json does for both the text and the [`Value`] form, and which
//! the pages' JavaScript reads as "no value".
//!
//! The result is serialized straight from the histogram, without building a [`Value`] tree
//! first: [`plot_result_json`] is the fast path (see docs/PERFORMANCE.md, "Plot formatting").

use crate::hist::{Axis, Histogram};
use serde::ser::{Error as _, Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{json, Value};

/// Where a plot was read from, reported with it so a page can say which run it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source<'a> {
    /// The run whose file was read: the reference run for a reference plot.
    pub run: u32,
    pub reference: bool,
    /// The run file's name (not its directory, which is the server's business).
    pub file: &'a str,
}

/// `{"success": true, "data": {...}}` for a histogram, ready to serialize.
#[derive(Debug, Clone, Copy)]
pub struct PlotResult<'a> {
    pub hist: &'a Histogram,
    pub source: Option<Source<'a>>,
}

/// `{"success": true, "data": {"name", "title", "object_class", "data": {...}}}`.
pub fn plot_result(h: &Histogram) -> Value {
    to_value(&PlotResult {
        hist: h,
        source: None,
    })
}

/// As [`plot_result`], as JSON text.
pub fn plot_result_json(result: &PlotResult) -> String {
    // Sized for the common case (about 20 bytes a number, a few numbers a bin) so the buffer
    // rarely grows: growing copies the whole text each time.
    let per_cell = if result.hist.y.is_some() { 20 } else { 90 };
    let mut buf = Vec::with_capacity(256 + per_cell * result.hist.ncells());
    // Serializing fails only when the work is cancelled (see `velo_root::cancel`), and then
    // nobody reads the result.
    match serde_json::to_writer(&mut buf, result) {
        Ok(()) => String::from_utf8(buf).expect("serde_json writes UTF-8"),
        Err(e) => failure_json(&format!("Plot not formatted: {e}")),
    }
}

/// The [`Value`] form of a result, for callers that edit or embed it.
pub fn to_value(result: &PlotResult) -> Value {
    serde_json::to_value(result).expect("a plot result always serializes")
}

/// `{"success": false, "message": ...}`.
pub fn failure(message: impl Into<String>) -> Value {
    json!({ "success": false, "message": message.into() })
}

/// As [`failure`], as JSON text.
pub fn failure_json(message: &str) -> String {
    failure(message).to_string()
}

impl Serialize for PlotResult<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("success", &true)?;
        m.serialize_entry("data", &Object(self))?;
        m.end()
    }
}

/// The `data` member: the object and where it came from.
struct Object<'a>(&'a PlotResult<'a>);

impl Serialize for Object<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let h = self.0.hist;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("name", &h.name)?;
        m.serialize_entry("title", &h.title)?;
        m.serialize_entry("object_class", &h.class)?;
        match &h.y {
            None => m.serialize_entry("data", &Th1(h))?,
            Some(y) => m.serialize_entry("data", &Th2(h, y))?,
        }
        if let Some(src) = &self.0.source {
            m.serialize_entry("run", &src.run)?;
            m.serialize_entry("reference", &src.reference)?;
            m.serialize_entry("file", src.file)?;
        }
        m.end()
    }
}

/// `[[lo, hi], ...]` of an axis's bins, as `GetBinLowEdge`/`GetBinUpEdge` give them.
struct Binning<'a>(&'a Axis);

impl Serialize for Binning<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match binnings::text(self.0) {
            Some(text) => text.serialize(s),
            None => binning_seq(self.0, s),
        }
    }
}

fn binning_seq<S: Serializer>(a: &Axis, s: S) -> Result<S::Ok, S::Error> {
    checked_seq(s, (1..=a.nbins).map(|b| [a.low_edge(b), a.low_edge(b + 1)]))
}

/// The `binning` text of the uniform axes formatted lately. Every sensor's plot of one kind has
/// the same axis, and its edges are half the numbers of a 1D plot (two per bin): formatted
/// once, copied after (issue 11; docs/PERFORMANCE.md, "Compressed answers").
mod binnings {
    use super::{binning_seq, Axis};
    use serde_json::value::RawValue;
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};

    /// Axes this short are formatted as fast as they are looked up.
    const MIN_BINS: usize = 64;
    /// Texts kept: the plots of a page, and both axes of the 2D ones, with room to spare.
    const KEPT: usize = 32;
    /// Nor is a text this long kept (about 30,000 bins): a rare axis, and memory.
    const MAX_TEXT: usize = 1 << 20;

    /// Bins, lower and upper edge (as bits: exact, and hashable).
    type Key = (usize, u64, u64);

    static TEXTS: Mutex<VecDeque<(Key, Arc<RawValue>)>> = Mutex::new(VecDeque::new());

    /// The axis' binning as JSON text, when it is uniform and long enough to be worth keeping.
    pub(super) fn text(a: &Axis) -> Option<Arc<RawValue>> {
        if a.is_variable() || a.nbins < MIN_BINS {
            return None;
        }
        let key = (a.nbins, a.min.to_bits(), a.max.to_bits());
        if let Some((_, t)) = lock().iter().find(|(k, _)| *k == key) {
            return Some(t.clone());
        }
        let mut buf = Vec::with_capacity(a.nbins * 24);
        binning_seq(a, &mut serde_json::Serializer::new(&mut buf)).ok()?;
        if buf.len() > MAX_TEXT {
            return None;
        }
        let text = String::from_utf8(buf).ok()?;
        let raw: Arc<RawValue> = RawValue::from_string(text).ok()?.into();
        let mut texts = lock();
        if texts.len() >= KEPT {
            texts.pop_front();
        }
        texts.push_back((key, raw.clone()));
        Some(raw)
    }

    fn lock() -> std::sync::MutexGuard<'static, VecDeque<(Key, Arc<RawValue>)>> {
        // The list is valid whatever a panicking holder left: only whole entries are added.
        TEXTS.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Bin labels, one per bin when the axis has any, else none.
struct Labels<'a>(&'a Axis);

impl Serialize for Labels<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let a = self.0;
        if a.labels.is_empty() {
            return s.collect_seq(std::iter::empty::<&str>());
        }
        // A file may label fewer bins than it has; the rest are unlabelled.
        checked_seq(
            s,
            (0..a.nbins).map(|i| a.labels.get(i).map_or("", String::as_str)),
        )
    }
}

struct Th1<'a>(&'a Histogram);

impl Serialize for Th1<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let h = self.0;
        let n = h.x.nbins;
        let mut m = s.serialize_map(Some(10))?;
        m.serialize_entry("entries", &h.stats.entries)?;
        m.serialize_entry("mean", &h.mean(1))?;
        m.serialize_entry("rms", &h.rms(1))?;
        m.serialize_entry("underflow", &h.bin_content(0))?;
        m.serialize_entry("overflow", &h.bin_content(n + 1))?;
        m.serialize_entry("binning", &Binning(&h.x))?;
        m.serialize_entry("values", &Seq(|| (1..=n).map(|b| h.bin_content(b))))?;
        m.serialize_entry(
            "uncertainties",
            &Seq(|| {
                (1..=n).map(|b| {
                    let (lo, up) = h.bin_error_low_up(b);
                    [lo, up]
                })
            }),
        )?;
        m.serialize_entry("axis_titles", &[&h.x.title, &h.y_title])?;
        m.serialize_entry("labels", &Labels(&h.x))?;
        m.end()
    }
}

struct Th2<'a>(&'a Histogram, &'a Axis);

impl Serialize for Th2<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Th2(h, y) = *self;
        let mut m = s.serialize_map(Some(9))?;
        m.serialize_entry("entries", &h.stats.entries)?;
        m.serialize_entry("mean", &h.mean(1))?;
        m.serialize_entry("rms", &h.rms(1))?;
        m.serialize_entry("xbinning", &Binning(&h.x))?;
        m.serialize_entry("ybinning", &Binning(y))?;
        m.serialize_entry(
            "values",
            &Seq(|| {
                (1..=h.x.nbins).map(move |ix| {
                    Seq(move || (1..=y.nbins).map(move |iy| h.bin_content(h.bin(ix, iy))))
                })
            }),
        )?;
        m.serialize_entry("axis_titles", &[&h.x.title, &y.title])?;
        m.serialize_entry("xlabels", &Labels(&h.x))?;
        m.serialize_entry("ylabels", &Labels(y))?;
        m.end()
    }
}

/// A sequence produced on demand, so big arrays are written without being collected first.
struct Seq<F>(F);

impl<F, I> Serialize for Seq<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        checked_seq(s, (self.0)())
    }
}

/// How many elements are written between two looks at the cancellation flag.
const CANCEL_CHECK_EVERY: usize = 4096;

/// `collect_seq`, stopping with an error once the work is cancelled: a big histogram's arrays
/// are where formatting spends its time.
fn checked_seq<S, I>(s: S, items: I) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    I: Iterator,
    I::Item: Serialize,
{
    let mut seq = s.serialize_seq(None)?;
    for (i, item) in items.enumerate() {
        if i % CANCEL_CHECK_EVERY == CANCEL_CHECK_EVERY - 1 && crate::cancel::is_cancelled() {
            return Err(S::Error::custom("the work was cancelled"));
        }
        seq.serialize_element(&item)?;
    }
    seq.end()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hist::{BinErrorOption, ErrorMode, Profile, Stats};

    fn titled(title: &str) -> Axis {
        let mut a = Axis::uniform(2, 0.0, 1.0);
        a.title = title.into();
        a
    }

    /// As ROOT builds `TH1F(name, "Test TH1F;Foo;Bar", 2, 0, 1)` and four `SetBinContent`.
    fn th1f() -> Histogram {
        Histogram {
            class: "TH1F".into(),
            name: "test_th1f".into(),
            title: "Test TH1F".into(),
            x: titled("Foo"),
            y: None,
            y_title: "Bar".into(),
            // SetBinContent counts an entry each time and resets the sums.
            stats: Stats {
                entries: 4.0,
                ..Stats::default()
            },
            array: vec![1.0, 4.0, 9.0, 2.0],
            sumw2: vec![],
            profile: None,
            bin_error_option: BinErrorOption::Normal,
        }
    }

    fn th2f() -> Histogram {
        let mut array = vec![0.0; 16];
        // GetBin(ix, iy) = ix + 4 * iy
        array[1 + 4] = 4.0;
        array[1 + 8] = 9.0;
        array[2 + 4] = 4.0;
        array[2 + 8] = 1.0;
        Histogram {
            class: "TH2F".into(),
            name: "test_th2f".into(),
            title: "Test TH2F".into(),
            x: titled("Foo"),
            y: Some(titled("Bar")),
            y_title: "Bar".into(),
            stats: Stats {
                entries: 4.0,
                ..Stats::default()
            },
            array,
            sumw2: vec![],
            profile: None,
            bin_error_option: BinErrorOption::Normal,
        }
    }

    #[test]
    fn th1_as_the_original_formatter_test() {
        let v = plot_result(&th1f());
        let mean: f64 = (0.25 * 4.0 + 0.75 * 9.0) / 13.0;
        let rms = ((0.0625 * 4.0 + 0.5625 * 9.0) / 13.0 - mean * mean).sqrt();
        assert_eq!(
            v,
            json!({"success": true, "data": {
                "name": "test_th1f", "title": "Test TH1F", "object_class": "TH1F",
                "data": {
                    "entries": 4.0, "mean": mean, "rms": rms,
                    "underflow": 1.0, "overflow": 2.0,
                    "binning": [[0.0, 0.5], [0.5, 1.0]],
                    "values": [4.0, 9.0],
                    "uncertainties": [[2.0, 2.0], [3.0, 3.0]],
                    "axis_titles": ["Foo", "Bar"],
                    "labels": [],
                }
            }})
        );
    }

    #[test]
    fn th2_as_the_original_formatter_test() {
        let v = plot_result(&th2f());
        let mean: f64 = (0.25 * 13.0 + 0.75 * 5.0) / 18.0;
        let rms = ((0.0625 * 13.0 + 0.5625 * 5.0) / 18.0 - mean * mean).sqrt();
        assert_eq!(
            v["data"]["data"],
            json!({
                "entries": 4.0, "mean": mean, "rms": rms,
                "xbinning": [[0.0, 0.5], [0.5, 1.0]],
                "ybinning": [[0.0, 0.5], [0.5, 1.0]],
                "values": [[4.0, 9.0], [4.0, 1.0]],
                "axis_titles": ["Foo", "Bar"],
                "xlabels": [], "ylabels": [],
            })
        );
        assert_eq!(v["data"]["object_class"], "TH2F");
    }

    #[test]
    fn empty_tprofile() {
        let mut h = th1f();
        h.class = "TProfile".into();
        h.stats = Stats::default();
        h.array = vec![0.0; 4];
        h.profile = Some(Profile {
            bin_entries: vec![0.0; 4],
            bin_sumw2: vec![],
            error_mode: ErrorMode::Mean,
        });
        let d = &plot_result(&h)["data"]["data"];
        assert_eq!(d["values"], json!([0.0, 0.0]));
        assert_eq!(d["uncertainties"], json!([[0.0, 0.0], [0.0, 0.0]]));
        assert_eq!(
            (d["entries"].as_f64(), d["mean"].as_f64()),
            (Some(0.0), Some(0.0))
        );
    }

    #[test]
    fn poisson_errors_are_asymmetric() {
        let mut h = th1f();
        h.bin_error_option = BinErrorOption::Poisson;
        let u = &plot_result(&h)["data"]["data"]["uncertainties"];
        let (lo, up) = (u[0][0].as_f64().unwrap(), u[0][1].as_f64().unwrap());
        // ROOT: GetBinErrorLow/Up(4) with kPoisson = 1.91433, 3.16275.
        assert!(
            (lo - 1.914339).abs() < 1e-5 && (up - 3.162753).abs() < 1e-5,
            "{lo} {up}"
        );
    }

    #[test]
    fn labels_pad_to_the_bin_count() {
        let mut h = th1f();
        h.x.labels = vec!["first".into()];
        assert_eq!(
            plot_result(&h)["data"]["data"]["labels"],
            json!(["first", ""])
        );
    }

    #[test]
    fn non_finite_numbers_become_null_in_both_forms() {
        let mut h = th1f();
        h.array[1] = f64::NAN;
        h.array[2] = f64::INFINITY;
        h.array[3] = f64::NEG_INFINITY;
        let r = PlotResult {
            hist: &h,
            source: None,
        };
        let text = plot_result_json(&r);
        let parsed: Value = serde_json::from_str(&text).expect("valid JSON");
        let d = &parsed["data"]["data"];
        assert_eq!(d["values"], json!([null, null]));
        assert_eq!(d["overflow"], Value::Null);
        assert_eq!(d["mean"], Value::Null);
        assert_eq!(to_value(&r), parsed);
    }

    #[test]
    fn source_is_reported_beside_the_name() {
        let h = th1f();
        let r = PlotResult {
            hist: &h,
            source: Some(Source {
                run: 123950,
                reference: true,
                file: "ref.root",
            }),
        };
        let d = &to_value(&r)["data"];
        assert_eq!(
            (&d["run"], &d["reference"], &d["file"]),
            (&json!(123950), &json!(true), &json!("ref.root"))
        );
        // The contract keys come first in the text, in the original's order.
        let text = plot_result_json(&r);
        let at = |k: &str| text.find(&format!("\"{k}\"")).unwrap();
        assert!(at("success") < at("name") && at("name") < at("title"));
        assert!(at("entries") < at("binning") && at("binning") < at("uncertainties"));
    }

    #[test]
    fn failure_shape() {
        assert_eq!(failure("x"), json!({"success": false, "message": "x"}));
        assert_eq!(
            failure_json("a \"b\""),
            r#"{"message":"a \"b\"","success":false}"#
        );
    }

    #[test]
    fn kept_binning_texts_are_the_axis_own() {
        let mut h = th1f();
        for (nbins, min, max) in [(2048, 0.0, 2048.0), (2048, -0.5, 2047.5), (100, 0.0, 1.0)] {
            h.x = Axis::uniform(nbins, min, max);
            h.array = vec![1.0; nbins + 2];
            let fresh: Vec<[f64; 2]> = (1..=nbins)
                .map(|b| [h.x.low_edge(b), h.x.low_edge(b + 1)])
                .collect();
            // The first from the axis, the second from the kept text: both the same numbers,
            // in the text and in the Value form.
            for _ in 0..2 {
                let text: Value = serde_json::from_str(&plot_result_json(&PlotResult {
                    hist: &h,
                    source: None,
                }))
                .unwrap();
                assert_eq!(text["data"]["data"]["binning"], json!(fresh));
                assert_eq!(plot_result(&h)["data"]["data"]["binning"], json!(fresh));
            }
        }
        // A variable axis is never taken for the uniform one of the same range.
        h.x = Axis::uniform(2048, 0.0, 2048.0);
        h.x.xbins = (0..=2048).map(|i| (i * i) as f64).collect();
        let v = plot_result(&h);
        assert_eq!(v["data"]["data"]["binning"][2], json!([4.0, 9.0]));
    }
}
