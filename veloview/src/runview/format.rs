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
use serde::ser::{Serialize, SerializeMap, Serializer};
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
    serde_json::to_string(result).expect("a plot result always serializes")
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
        let a = self.0;
        s.collect_seq((1..=a.nbins).map(|b| [a.low_edge(b), a.low_edge(b + 1)]))
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
        s.collect_seq((0..a.nbins).map(|i| a.labels.get(i).map_or("", String::as_str)))
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
        s.collect_seq((self.0)())
    }
}
