//! Channel checks in the style of CMS DQM's quality tests (DeadChannel, NoisyChannel,
//! ContentsWithinExpected): judge each bin of a per-channel histogram, list the bad ones and set
//! the level from how many there are. Built for the VELO's per-channel noise
//! (RMSNoise_vs_ChipChannel, ~2 ADC counts) and occupancy (OccPerChannelSens{n}, ~0.1–1 %)
//! histograms of 2048 channels: 16 Beetle chips of 128 channels, 64 analogue links of 32.

use super::args;
use super::guards::contents;
use crate::dq::{BadChannel, Level, Outcome};
use crate::hist::Histogram;
use serde::{Deserialize, Serialize};

/// At most this many bad bins are listed (the count is always complete).
const MAX_LISTED: usize = 10_000;

/// How many bad bins make a WARNING or an ERROR, by count and by the longest run of adjacent
/// bad bins. A limit of null is not applied.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Limits {
    warning_count: Option<u64>,
    error_count: Option<u64>,
    warning_adjacent: Option<u64>,
    error_adjacent: Option<u64>,
}

impl Limits {
    fn validate(self, check: &str) -> Result<(), String> {
        let all = [
            ("warning_count", self.warning_count),
            ("error_count", self.error_count),
            ("warning_adjacent", self.warning_adjacent),
            ("error_adjacent", self.error_adjacent),
        ];
        if let Some((k, _)) = all.iter().find(|(_, v)| *v == Some(0)) {
            return Err(format!(
                "{check}: {k} must be at least 1 (or null for no limit)"
            ));
        }
        Ok(())
    }

    /// How far along each limit is: count/limit and run/limit, the larger.
    fn ratio(count: Option<u64>, adjacent: Option<u64>, n: usize, run: usize) -> f64 {
        let r = |v: usize, lim: Option<u64>| lim.map_or(0.0, |l| v as f64 / l as f64);
        r(n, count).max(r(run, adjacent))
    }

    /// The level, and a score consistent with it under the default leaf thresholds (ERROR
    /// below 50, WARNING below 80): OK in (80, 100], WARNING in (50, 80], ERROR in [0, 50],
    /// falling as the bad bins approach and pass the limits.
    fn judge(self, n: usize, run: usize) -> (f64, Level) {
        let re = Self::ratio(self.error_count, self.error_adjacent, n, run);
        let rw = Self::ratio(self.warning_count, self.warning_adjacent, n, run);
        if re >= 1.0 {
            ((50.0 - 25.0 * (re - 1.0)).max(0.0), Level::Error)
        } else if rw >= 1.0 {
            (80.0 - 30.0 * re, Level::Warning)
        } else {
            (100.0 - 20.0 * rw, Level::Ok)
        }
    }

    fn outcome(self, bad: Vec<BadChannel>, total: usize, run: usize) -> Outcome {
        let n = bad.len();
        let (score, level) = self.judge(n, run);
        let mut out = Outcome::new(score, Some(level))
            .with("count", n)
            .with("longest_run", run)
            .with("bins", total)
            .with("warning_count", self.warning_count)
            .with("error_count", self.error_count)
            .with("warning_adjacent", self.warning_adjacent)
            .with("error_adjacent", self.error_adjacent);
        if n > MAX_LISTED {
            out = out.with("listed", MAX_LISTED);
        }
        out.bad_channels = bad.into_iter().take(MAX_LISTED).collect();
        out
    }
}

/// The bad bins of `values` (in-range, bin i+1) by `is_bad`, and the longest run of adjacent ones.
fn collect(
    h: &Histogram,
    values: &[f64],
    reason: &'static str,
    is_bad: impl Fn(usize, f64) -> bool,
) -> (Vec<BadChannel>, usize) {
    let (mut bad, mut run, mut longest) = (Vec::new(), 0usize, 0usize);
    for (i, &c) in values.iter().enumerate() {
        if is_bad(i, c) {
            run += 1;
            longest = longest.max(run);
            bad.push(BadChannel {
                bin: i + 1,
                x: h.x.center(i + 1),
                content: c,
                reason,
            });
        } else {
            run = 0;
        }
    }
    (bad, longest)
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

fn some(v: u64) -> Option<u64> {
    Some(v)
}

// Defaults, from what the histograms mean. A VELO sensor has 2048 channels; a few dead or noisy
// strips (well under 1 %) are normal, a dead analogue link is 32 adjacent channels and a dead
// Beetle chip 128, so: WARNING from 20 bad channels (~1 %) or a dead link's worth of adjacent
// ones, ERROR from 100 (~5 %) or 64 adjacent (half a chip).
fn dead_warning_count() -> Option<u64> {
    some(20)
}
fn dead_error_count() -> Option<u64> {
    some(100)
}
fn dead_warning_adjacent() -> Option<u64> {
    some(32)
}
fn dead_error_adjacent() -> Option<u64> {
    some(64)
}

/// `dead_channels`: bins whose content is below `below` (absolute) or below
/// `below_fraction_of_median` × the median content (0.25 when neither is given). A dead
/// channel's noise is ≈ 0 against ~2 ADC counts and its occupancy 0, so a quarter of the median
/// separates them from live channels without tripping on statistical fluctuations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadChannels {
    #[serde(default)]
    pub below: Option<f64>,
    #[serde(default)]
    pub below_fraction_of_median: Option<f64>,
    #[serde(default = "dead_warning_count")]
    pub warning_count: Option<u64>,
    #[serde(default = "dead_error_count")]
    pub error_count: Option<u64>,
    #[serde(default = "dead_warning_adjacent")]
    pub warning_adjacent: Option<u64>,
    #[serde(default = "dead_error_adjacent")]
    pub error_adjacent: Option<u64>,
}

pub const DEAD_KEYS: &str = "below, below_fraction_of_median, warning_count, error_count, \
                             warning_adjacent, error_adjacent";

impl DeadChannels {
    /// Fill in the default threshold so that the stored arguments say what was applied.
    pub fn validate(mut self) -> Result<Self, String> {
        if self.below.is_none() && self.below_fraction_of_median.is_none() {
            self.below_fraction_of_median = Some(0.25);
        }
        args::finite("dead_channels", "below", self.below)?;
        if let Some(f) = self.below_fraction_of_median {
            args::non_negative("dead_channels", "below_fraction_of_median", f)?;
        }
        self.limits().validate("dead_channels")?;
        Ok(self)
    }

    fn limits(&self) -> Limits {
        Limits {
            warning_count: self.warning_count,
            error_count: self.error_count,
            warning_adjacent: self.warning_adjacent,
            error_adjacent: self.error_adjacent,
        }
    }

    pub fn evaluate(&self, data: &Histogram) -> Outcome {
        let values = contents(data);
        let med = median(&values);
        let threshold = [self.below, self.below_fraction_of_median.map(|f| f * med)]
            .into_iter()
            .flatten()
            .fold(f64::NEG_INFINITY, f64::max);
        let (bad, run) = collect(data, &values, "dead", |_, c| c < threshold);
        self.limits()
            .outcome(bad, values.len(), run)
            .with("threshold", threshold)
            .with("median", med)
    }
}

fn noisy_warning_count() -> Option<u64> {
    some(10)
}
fn noisy_error_count() -> Option<u64> {
    some(50)
}
fn three() -> usize {
    3
}
fn one() -> f64 {
    1.0
}

/// `noisy_channels`: bins whose content exceeds the mean of their ±`neighbours` bins (the bin
/// itself excluded, fewer at the edges) by more than `tolerance` × that mean. The default, 1.0
/// (twice the neighbours), flags a noisy strip's noise or occupancy while the ~10 % channel to
/// channel spread of noise stays far below it. Bins whose neighbours average ≤ 0 cannot be
/// judged relatively and are skipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoisyChannels {
    #[serde(default = "three")]
    pub neighbours: usize,
    #[serde(default = "one")]
    pub tolerance: f64,
    #[serde(default = "noisy_warning_count")]
    pub warning_count: Option<u64>,
    #[serde(default = "noisy_error_count")]
    pub error_count: Option<u64>,
    #[serde(default)]
    pub warning_adjacent: Option<u64>,
    #[serde(default)]
    pub error_adjacent: Option<u64>,
}

pub const NOISY_KEYS: &str =
    "neighbours, tolerance, warning_count, error_count, warning_adjacent, error_adjacent";

impl NoisyChannels {
    pub fn validate(self) -> Result<Self, String> {
        if self.neighbours == 0 || self.neighbours > 1024 {
            return Err(format!(
                "noisy_channels: neighbours must be 1 to 1024, not {}",
                self.neighbours
            ));
        }
        args::non_negative("noisy_channels", "tolerance", self.tolerance)?;
        self.limits().validate("noisy_channels")?;
        Ok(self)
    }

    fn limits(&self) -> Limits {
        Limits {
            warning_count: self.warning_count,
            error_count: self.error_count,
            warning_adjacent: self.warning_adjacent,
            error_adjacent: self.error_adjacent,
        }
    }

    pub fn evaluate(&self, data: &Histogram) -> Outcome {
        let values = contents(data);
        let n = values.len();
        // Prefix sums make each neighbourhood O(1).
        let mut prefix = vec![0.0; n + 1];
        for (i, v) in values.iter().enumerate() {
            prefix[i + 1] = prefix[i] + v;
        }
        let k = self.neighbours;
        let neighbour_mean = |i: usize| {
            let (lo, hi) = (i.saturating_sub(k), (i + k).min(n - 1));
            let count = hi - lo;
            if count == 0 {
                return None;
            }
            Some((prefix[hi + 1] - prefix[lo] - values[i]) / count as f64)
        };
        let (bad, run) = collect(data, &values, "noisy", |i, c| match neighbour_mean(i) {
            Some(m) if m > 0.0 => c > (1.0 + self.tolerance) * m,
            _ => false,
        });
        self.limits()
            .outcome(bad, n, run)
            .with("neighbours", k)
            .with("tolerance", self.tolerance)
    }
}

fn in_range_error_count() -> Option<u64> {
    some(10)
}

/// `contents_in_range`: bins whose content is outside [min, max].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentsInRange {
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default = "one_count")]
    pub warning_count: Option<u64>,
    #[serde(default = "in_range_error_count")]
    pub error_count: Option<u64>,
    #[serde(default)]
    pub warning_adjacent: Option<u64>,
    #[serde(default)]
    pub error_adjacent: Option<u64>,
}

fn one_count() -> Option<u64> {
    some(1)
}

pub const IN_RANGE_KEYS: &str =
    "min, max, warning_count, error_count, warning_adjacent, error_adjacent";

impl ContentsInRange {
    pub fn validate(self) -> Result<Self, String> {
        if self.min.is_none() && self.max.is_none() {
            return Err("contents_in_range: give min and/or max".into());
        }
        args::range("contents_in_range", self.min, self.max)?;
        self.limits().validate("contents_in_range")?;
        Ok(self)
    }

    fn limits(&self) -> Limits {
        Limits {
            warning_count: self.warning_count,
            error_count: self.error_count,
            warning_adjacent: self.warning_adjacent,
            error_adjacent: self.error_adjacent,
        }
    }

    pub fn evaluate(&self, data: &Histogram) -> Outcome {
        let values = contents(data);
        let (lo, hi) = (
            self.min.unwrap_or(f64::NEG_INFINITY),
            self.max.unwrap_or(f64::INFINITY),
        );
        let (bad, run) = collect(data, &values, "out of range", |_, c| c < lo || c > hi);
        self.limits()
            .outcome(bad, values.len(), run)
            .with("min", self.min)
            .with("max", self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    }

    #[test]
    fn levels_and_scores_agree() {
        let l = Limits {
            warning_count: Some(10),
            error_count: Some(20),
            warning_adjacent: None,
            error_adjacent: Some(64),
        };
        let (s, lv) = l.judge(0, 0);
        assert_eq!((s, lv), (100.0, Level::Ok));
        let (s, lv) = l.judge(5, 1);
        assert!(lv == Level::Ok && s > 80.0);
        let (s, lv) = l.judge(10, 1);
        assert!(lv == Level::Warning && s > 50.0 && s <= 80.0);
        let (s, lv) = l.judge(20, 1);
        assert!(lv == Level::Error && s <= 50.0);
        let (s, lv) = l.judge(64, 64);
        assert!(lv == Level::Error && s <= 50.0);
    }
}
