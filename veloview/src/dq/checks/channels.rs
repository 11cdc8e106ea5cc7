//! Channel checks in the style of CMS DQM's quality tests (DeadChannel, NoisyChannel,
//! ContentsWithinExpected): judge each bin of a per-channel histogram, list the bad ones and set
//! the level from how many there are. Built for the VELO's per-channel noise
//! (RMSNoise_vs_ChipChannel, ~2 ADC counts) and occupancy (OccPerChannelSens{n}, ~0.1–1 %)
//! histograms of 2048 channels: 16 Beetle chips of 128 channels, 64 analogue links of 32.

use super::args;
use super::counts::hit_step;
use super::guards::contents;
use crate::dq::{BadChannel, Level, Outcome};
use crate::hist::Histogram;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// At most this many bad bins are listed (the count is always complete).
const MAX_LISTED: usize = 10_000;

/// How many bad bins make a WARNING or an ERROR, by count and by the longest run of adjacent
/// bad bins. A limit given as null is not applied; one not given takes the check's default.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Limits {
    #[serde(default, deserialize_with = "given", serialize_with = "inner")]
    warning_count: Option<Option<u64>>,
    #[serde(default, deserialize_with = "given", serialize_with = "inner")]
    error_count: Option<Option<u64>>,
    #[serde(default, deserialize_with = "given", serialize_with = "inner")]
    warning_adjacent: Option<Option<u64>>,
    #[serde(default, deserialize_with = "given", serialize_with = "inner")]
    error_adjacent: Option<Option<u64>>,
}

/// A key that is present (even as null) is `Some`; a missing one stays `None` (serde's default).
fn given<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<u64>>, D::Error> {
    Option::<u64>::deserialize(d).map(Some)
}

fn inner<S: Serializer>(v: &Option<Option<u64>>, s: S) -> Result<S::Ok, S::Error> {
    v.flatten().serialize(s)
}

const LIMIT_KEYS: [&str; 4] = [
    "warning_count",
    "error_count",
    "warning_adjacent",
    "error_adjacent",
];

/// The accepted keys of a channel check: its own and the limits.
fn keys(own: &[&'static str]) -> Vec<&'static str> {
    own.iter().copied().chain(LIMIT_KEYS).collect()
}

impl Limits {
    /// Fill the limits not given with `defaults` (in the order of LIMIT_KEYS), and refuse 0.
    fn resolve(&mut self, check: &str, defaults: [Option<u64>; 4]) -> Result<(), String> {
        let fields = [
            &mut self.warning_count,
            &mut self.error_count,
            &mut self.warning_adjacent,
            &mut self.error_adjacent,
        ];
        for ((field, default), key) in fields.into_iter().zip(defaults).zip(LIMIT_KEYS) {
            let v = *field.get_or_insert(default);
            if v == Some(0) {
                return Err(format!(
                    "{check}: {key} must be at least 1 (or null for no limit)"
                ));
            }
        }
        Ok(())
    }

    fn get(self) -> [Option<u64>; 4] {
        [
            self.warning_count.flatten(),
            self.error_count.flatten(),
            self.warning_adjacent.flatten(),
            self.error_adjacent.flatten(),
        ]
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
        let [warning_count, error_count, warning_adjacent, error_adjacent] = self.get();
        let re = Self::ratio(error_count, error_adjacent, n, run);
        let rw = Self::ratio(warning_count, warning_adjacent, n, run);
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
            .with("bins", total);
        for (key, v) in LIMIT_KEYS.into_iter().zip(self.get()) {
            out = out.with(key, v);
        }
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

pub(super) fn median(values: &[f64]) -> f64 {
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

// Defaults, from what the histograms mean. A VELO sensor has 2048 channels; a few dead or noisy
// strips (well under 1 %) are normal, a dead analogue link is 32 adjacent channels and a dead
// Beetle chip 128, so: WARNING from 20 dead channels (~1 %) or a dead link's worth of adjacent
// ones, ERROR from 100 (~5 %) or 64 adjacent (half a chip).
const DEAD_LIMITS: [Option<u64>; 4] = [Some(20), Some(100), Some(32), Some(64)];
/// `dead_channels`: bins whose content is below `below` (absolute) or below
/// `below_fraction_of_median` × the median content (0.25 when neither is given). A dead
/// channel's noise is ≈ 0 against ~2 ADC counts and its occupancy 0, so a quarter of the median
/// separates them from live channels without tripping on statistical fluctuations.
///
/// `min_expected_hits`, for a histogram of counts scaled to a rate (occupancy: hits / events ×
/// 100): in a short run a live strip of low occupancy often has no hit at all. Adjacent
/// channels below the threshold then count as dead only if, live, they would have expected at
/// least this many hits between them: their number × the mean content of the 32 channels on
/// each side, in units of one hit. One hit is the histogram's own step: the smallest gap
/// between its distinct contents (a count scaled by a constant takes only multiples of it).
/// Zero hits where 18 were expected happens by chance with e^-18, under once in 300 runs of
/// 172,032 channels; a dead chip expects dozens even in a very short run. Contents that show no
/// step (no counts) are judged as without it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadChannels {
    #[serde(default)]
    pub below: Option<f64>,
    #[serde(default)]
    pub below_fraction_of_median: Option<f64>,
    #[serde(default)]
    pub min_expected_hits: Option<f64>,
    #[serde(flatten)]
    pub limits: Limits,
}

pub fn dead_keys() -> Vec<&'static str> {
    keys(&["below", "below_fraction_of_median", "min_expected_hits"])
}

/// Channels on each side whose mean stands for a quiet run's expected content: a link's worth,
/// so that a short run's outer strips (a third of a hit each) still give 20 hits to go by.
const NEIGHBOURS: usize = 32;

/// Which of the `quiet` channels are dead beyond chance (see [`DeadChannels`]), and the step
/// taken for one hit.
fn dead_beyond_chance(values: &[f64], quiet: &[bool], min_hits: f64) -> (Vec<bool>, Option<f64>) {
    // Most sensors have no quiet channel: nothing to weigh, and no step to find.
    if !quiet.contains(&true) {
        return (quiet.to_vec(), None);
    }
    let Some(step) = hit_step(values) else {
        return (quiet.to_vec(), None);
    };
    let mut dead = vec![false; values.len()];
    let mut i = 0;
    while i < values.len() {
        if !quiet[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < values.len() && quiet[i] {
            i += 1;
        }
        // The neighbours' mean, quiet ones included: at a fraction of a hit per channel most
        // live channels have none, and the live ones alone would promise a hit each.
        let near = &values[start.saturating_sub(NEIGHBOURS)..start];
        let after = &values[i..(i + NEIGHBOURS).min(values.len())];
        let n = near.len() + after.len();
        let mean = (near.iter().sum::<f64>() + after.iter().sum::<f64>()) / n.max(1) as f64;
        // No neighbour with a hit: nothing says the sensor could have had hits; keep it dead.
        let expected = (i - start) as f64 * mean / step;
        if mean <= 0.0 || expected >= min_hits {
            dead[start..i].fill(true);
        }
    }
    (dead, Some(step))
}

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
        if let Some(n) = self.min_expected_hits {
            args::non_negative("dead_channels", "min_expected_hits", n)?;
        }
        self.limits.resolve("dead_channels", DEAD_LIMITS)?;
        Ok(self)
    }

    pub fn evaluate(&self, data: &Histogram) -> Outcome {
        let values = contents(data);
        let med = median(&values);
        let threshold = [self.below, self.below_fraction_of_median.map(|f| f * med)]
            .into_iter()
            .flatten()
            .fold(f64::NEG_INFINITY, f64::max);
        let quiet: Vec<bool> = values.iter().map(|&c| c < threshold).collect();
        let (dead, weighed) = match self.min_expected_hits {
            Some(min_hits) => {
                let (dead, step) = dead_beyond_chance(&values, &quiet, min_hits);
                (dead, Some(step))
            }
            None => (quiet.clone(), None),
        };
        let (bad, run) = collect(data, &values, "dead", |i, _| dead[i]);
        let by_chance = quiet.iter().filter(|&&q| q).count() - bad.len();
        let out = self
            .limits
            .outcome(bad, values.len(), run)
            .with("threshold", threshold)
            .with("median", med);
        match weighed {
            Some(step) => out
                .with("hit_step", step)
                .with("quiet_by_chance", by_chance),
            None => out,
        }
    }
}

/// Noisy strips: WARNING from 10, ERROR from 50 (no adjacency limit).
const NOISY_LIMITS: [Option<u64>; 4] = [Some(10), Some(50), None, None];
fn three() -> usize {
    3
}
fn one_bin() -> usize {
    1
}
fn one() -> f64 {
    1.0
}

/// `noisy_channels`: bins whose content exceeds the mean of their ±`neighbours` bins (the bin
/// itself excluded, fewer at the edges) by more than `tolerance` × that mean. The default, 1.0
/// (twice the neighbours), flags a noisy strip's noise or occupancy while the ~10 % channel to
/// channel spread of noise stays far below it. Dead neighbours (below a quarter of the median)
/// are left out of the mean; bins whose live neighbours average ≤ 0 cannot be judged relatively
/// and are skipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoisyChannels {
    #[serde(default = "three")]
    pub neighbours: usize,
    /// Neighbours are the bins ±stride, ±2·stride, …: 3 compares each Φ-sensor channel with
    /// channels of its own kind where channel order interleaves inner and outer strips.
    #[serde(default = "one_bin")]
    pub stride: usize,
    #[serde(default = "one")]
    pub tolerance: f64,
    #[serde(flatten)]
    pub limits: Limits,
}

pub fn noisy_keys() -> Vec<&'static str> {
    keys(&["neighbours", "stride", "tolerance"])
}

impl NoisyChannels {
    pub fn validate(mut self) -> Result<Self, String> {
        if self.neighbours == 0 || self.neighbours > 1024 {
            return Err(format!(
                "noisy_channels: neighbours must be 1 to 1024, not {}",
                self.neighbours
            ));
        }
        if self.stride == 0 || self.stride > 1024 {
            return Err(format!(
                "noisy_channels: stride must be 1 to 1024, not {}",
                self.stride
            ));
        }
        args::non_negative("noisy_channels", "tolerance", self.tolerance)?;
        self.limits.resolve("noisy_channels", NOISY_LIMITS)?;
        Ok(self)
    }

    pub fn evaluate(&self, data: &Histogram) -> Outcome {
        let values = contents(data);
        let n = values.len();
        // Dead neighbours (below a quarter of the median, the dead_channels default) are left
        // out of the mean, so that the live edge of a dead chip does not look noisy.
        let dead_below = 0.25 * median(&values);
        let live = |v: f64| v >= dead_below;
        let (k, stride) = (self.neighbours, self.stride);
        // Each residue class modulo the stride is its own sequence of neighbours; prefix sums
        // of its live contents and counts make each neighbourhood O(1).
        let mut noisy = vec![false; n];
        for first in 0..stride.min(n) {
            let idx: Vec<usize> = (first..n).step_by(stride).collect();
            let m = idx.len();
            let (mut sums, mut counts) = (vec![0.0; m + 1], vec![0usize; m + 1]);
            for (j, &i) in idx.iter().enumerate() {
                let v = values[i];
                sums[j + 1] = sums[j] + if live(v) { v } else { 0.0 };
                counts[j + 1] = counts[j] + usize::from(live(v));
            }
            for (j, &i) in idx.iter().enumerate() {
                let (lo, hi) = (j.saturating_sub(k), (j + k).min(m - 1));
                let own = live(values[i]);
                let count = counts[hi + 1] - counts[lo] - usize::from(own);
                let sum = sums[hi + 1] - sums[lo] - if own { values[i] } else { 0.0 };
                if count > 0 {
                    let mean = sum / count as f64;
                    noisy[i] = mean > 0.0 && values[i] > (1.0 + self.tolerance) * mean;
                }
            }
        }
        let (bad, run) = collect(data, &values, "noisy", |i, _| noisy[i]);
        self.limits
            .outcome(bad, n, run)
            .with("neighbours", k)
            .with("stride", stride)
            .with("tolerance", self.tolerance)
    }
}

/// Out-of-range bins: WARNING from 1, ERROR from 10.
const IN_RANGE_LIMITS: [Option<u64>; 4] = [Some(1), Some(10), None, None];

/// `contents_in_range`: bins whose content is outside [min, max].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentsInRange {
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(flatten)]
    pub limits: Limits,
}

pub fn in_range_keys() -> Vec<&'static str> {
    keys(&["min", "max"])
}

impl ContentsInRange {
    pub fn validate(mut self) -> Result<Self, String> {
        if self.min.is_none() && self.max.is_none() {
            return Err("contents_in_range: give min and/or max".into());
        }
        args::range("contents_in_range", self.min, self.max)?;
        self.limits.resolve("contents_in_range", IN_RANGE_LIMITS)?;
        Ok(self)
    }

    pub fn evaluate(&self, data: &Histogram) -> Outcome {
        let values = contents(data);
        let (lo, hi) = (
            self.min.unwrap_or(f64::NEG_INFINITY),
            self.max.unwrap_or(f64::INFINITY),
        );
        let (bad, run) = collect(data, &values, "out of range", |_, c| c < lo || c > hi);
        self.limits
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
        let mut l = Limits::default();
        l.resolve("t", [Some(10), Some(20), None, Some(64)])
            .unwrap();
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
