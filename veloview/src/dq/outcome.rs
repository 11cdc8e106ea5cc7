//! What one check says about one histogram.

use super::{Level, Score};
use serde::Serialize;
use serde_json::{Map, Value};

/// A bin a channel check found bad (CMS DQM's bad-channel list).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BadChannel {
    /// 1-based bin number along x (for 2D histograms the global bin).
    pub bin: usize,
    /// The bin's centre on the x axis (the channel or strip number for VELO histograms).
    pub x: f64,
    pub content: f64,
    /// Why it is bad: "dead", "noisy", "out of range".
    pub reason: &'static str,
}

/// The result of a check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub score: Score,
    /// `None` for score-only checks: the leaf's error/warning thresholds give the level.
    pub level: Option<Level>,
    /// What was measured (mean, p-value, counts, ...), and for failed guards a "reason".
    pub details: Map<String, Value>,
    pub bad_channels: Vec<BadChannel>,
}

impl Outcome {
    pub fn new(score: f64, level: Option<Level>) -> Outcome {
        Outcome {
            score: Score::new(score),
            level,
            details: Map::new(),
            bad_channels: Vec::new(),
        }
    }

    /// A failed guard (missing or empty histogram, binning mismatch, ...): score 0, ERROR,
    /// with the reason in the details.
    pub fn error(reason: impl Into<String>) -> Outcome {
        Outcome::new(0.0, Some(Level::Error)).with("reason", reason.into())
    }

    /// Add a measured value. Non-finite numbers become null, as JSON has no NaN.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Outcome {
        self.details.insert(key.to_string(), finite(value.into()));
        self
    }

    /// The level, mapping a score-only outcome through the leaf's thresholds (ERROR below
    /// `error_below`, WARNING below `warning_below`).
    pub fn level_with(&self, error_below: f64, warning_below: f64) -> Level {
        self.level.unwrap_or_else(|| {
            let s = self.score.value();
            if s < error_below {
                Level::Error
            } else if s < warning_below {
                Level::Warning
            } else {
                Level::Ok
            }
        })
    }
}

fn finite(v: Value) -> Value {
    match &v {
        Value::Number(n) if n.as_f64().is_some_and(|f| !f.is_finite()) => Value::Null,
        _ => v,
    }
}
