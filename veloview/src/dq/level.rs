//! Levels and scores, as the original's `ERROR_LEVELS` and `Score`.

use serde::{Deserialize, Serialize};

/// How bad a node is. Ordered: OK < WARNING < ERROR, so the worse of two is their `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    Ok,
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "OK",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
        }
    }

    /// The ordinal the original stored (OK 0, WARNING 1, ERROR 2).
    pub fn ordinal(self) -> u8 {
        self as u8
    }

    pub fn from_ordinal(v: u8) -> Option<Level> {
        Some(match v {
            0 => Level::Ok,
            1 => Level::Warning,
            2 => Level::Error,
            _ => return None,
        })
    }

    pub fn parse(s: &str) -> Option<Level> {
        Some(match s.to_ascii_uppercase().as_str() {
            "OK" => Level::Ok,
            "WARNING" => Level::Warning,
            "ERROR" => Level::Error,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A score in [0, 100]. The original raised on anything outside; we clamp, and turn NaN into 0,
/// so no input can make a score that breaks a page or a weighted mean.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Score(f64);

impl Score {
    pub const MIN: Score = Score(0.0);
    pub const MAX: Score = Score(100.0);

    pub fn new(v: f64) -> Score {
        if v.is_nan() {
            Score(0.0)
        } else {
            Score(v.clamp(0.0, 100.0))
        }
    }

    pub fn value(self) -> f64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_order_and_round_trip() {
        assert!(Level::Ok < Level::Warning && Level::Warning < Level::Error);
        for l in [Level::Ok, Level::Warning, Level::Error] {
            assert_eq!(Level::from_ordinal(l.ordinal()), Some(l));
            assert_eq!(Level::parse(l.as_str()), Some(l));
            assert_eq!(serde_json::to_string(&l).unwrap(), format!("\"{l}\""));
        }
    }

    #[test]
    fn scores_stay_in_range() {
        assert_eq!(Score::new(f64::NAN).value(), 0.0);
        assert_eq!(Score::new(-1.0).value(), 0.0);
        assert_eq!(Score::new(100.000001).value(), 100.0);
        assert_eq!(Score::new(f64::INFINITY).value(), 100.0);
        assert_eq!(Score::new(42.5).value(), 42.5);
    }
}
