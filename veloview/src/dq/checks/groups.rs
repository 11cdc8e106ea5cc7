//! `channel_groups`: a VELO sensor's 2048 channels are read by 16 Beetle chips of 128 channels,
//! each sent over 4 analogue links of 32; what goes wrong in the readout goes wrong per link or
//! per chip (a pedestal jump, a noisy link, a hot chip). The sensor-wide checks average such a
//! problem away: a chip's pedestals 15 counts up move the sensor's mean by one count, a link's
//! noise × 2 moves it by 3 %. So this check compares each group of channels with the same group
//! in the reference run, and each group's comparison with the sensor's typical one (the median
//! over its groups): what moves the whole sensor (the temperature on the noise, the luminosity
//! on the occupancy) cancels, and is left to the sensor-wide checks.
//!
//! With `within`, no reference is needed: each group is compared with the other groups of its
//! block (a link with the other three of its chip, which share the chip's pedestal offset and
//! nearly its strips' lengths), so a link stands out in a run without a reference run.

use super::args;
use super::channels::median;
use super::counts::hit_step;
use super::guards::{contents, in_range_bins};
use crate::dq::{BadChannel, Level, Outcome};
use crate::hist::Histogram;
use serde::{Deserialize, Serialize};

/// At most this many departing groups are named in the details (the counts are complete).
const MAX_NAMED: usize = 64;

/// How a group is compared with the reference's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupMode {
    /// data ÷ reference, as a fraction away from the sensor's median ratio: for quantities
    /// that scale (noise, occupancy).
    Ratio,
    /// data − reference, away from the sensor's median difference, in the histogram's unit:
    /// for quantities that shift (pedestals, in ADC counts).
    Difference,
}

fn link() -> usize {
    32
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelGroups {
    /// Channels (bins) per group: 32 for an analogue link, 128 for a Beetle chip.
    #[serde(default = "link")]
    pub group: usize,
    pub mode: GroupMode,
    /// The departure (a fraction for `ratio`, the unit for `difference`) from which a group
    /// makes the check WARNING, and ERROR.
    pub warning: f64,
    pub error: f64,
    /// Without a reference: each group against the other groups of its block of `within`
    /// channels (128: the links of one chip), by its mean content alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<usize>,
    /// What one bin of the histogram is: a channel (default), or a sensor for a histogram with
    /// one bin per sensor (each sensor against the reference, relative to the whole detector).
    #[serde(default, skip_serializing_if = "BinUnit::is_channel")]
    pub unit: BinUnit,
    /// For histograms of counts scaled by a constant (occupancy), `ratio` mode against a
    /// reference: a group departs only beyond this many standard deviations of what counting
    /// its hits can make. A short run's chip holds a hundred hits, and ±35 % is then 3.5 σ:
    /// among 1344 chips a run, a few cross it by chance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counting_sigmas: Option<f64>,
}

/// What a bin stands for, to name the worst group in words ("channels 256-287", "sensor 7").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BinUnit {
    #[default]
    Channel,
    Sensor,
}

impl BinUnit {
    fn is_channel(&self) -> bool {
        *self == BinUnit::Channel
    }
}

pub const CHANNEL_GROUPS_KEYS: &[&str] = &[
    "group",
    "mode",
    "warning",
    "error",
    "within",
    "unit",
    "counting_sigmas",
];

/// One group's comparison.
struct Group {
    /// Indices into the in-range bins, first and last.
    first: usize,
    last: usize,
    /// data ÷ reference or data − reference (`within`: the data's mean); `None` when a ratio
    /// cannot be formed (a reference group with nothing in it).
    compared: Option<f64>,
    /// The reference's sum over the group, for what counting makes (`counting_sigmas`).
    reference_sum: f64,
}

/// One group's departure and the thresholds it is judged by.
#[derive(Clone, Copy)]
struct Judged {
    departure: f64,
    /// `warning` and `error`, or what counting can make if more (`counting_sigmas`).
    warning: f64,
    error: f64,
    /// The departure in standard deviations of counting (`counting_sigmas`).
    significance: Option<f64>,
}

/// What Poisson counting alone makes of a group's departure. Under no problem the data's
/// hits `a` and the reference's `b` come from one rate μ, `a` ~ Poisson(t·μ), `b` ~ Poisson(μ),
/// with t the sensor's typical ratio; a − t·b then has variance t·(1 + t)·μ, and μ's estimate
/// (a + b)/(1 + t) gives z = (a − t·b) / √(t·(a + b)). Pooling both counts matters: a ratio's
/// error from the reference's count alone is too small where the reference fluctuated low.
struct Counting {
    significance: f64,
    /// The departures upwards and downwards (as fractions, ≥ 0) at which z reaches `sigmas`.
    up: f64,
    down: f64,
}

impl Counting {
    fn of(a: f64, b: f64, t: f64, sigmas: f64) -> Option<Counting> {
        if !(a >= 0.0 && b > 0.0 && t > 0.0 && (a + b).is_finite()) {
            return None;
        }
        let significance = (a - t * b) / (t * (a + b)).sqrt();
        // a at z = ±sigmas, from (a − t·b)² = sigmas²·t·(a + b): a quadratic in a.
        let z2 = sigmas * sigmas;
        let mid = t * b + z2 * t / 2.0;
        let half = sigmas / 2.0 * (t * (4.0 * t * b + z2 * t + 4.0 * b)).sqrt();
        let expected = t * b;
        Some(Counting {
            significance,
            up: (mid + half) / expected - 1.0,
            // Below zero hits nothing is significant: a dead group then departs by 1, short
            // of a threshold above 1.
            down: 1.0 - (mid - half) / expected,
        })
    }
}

impl ChannelGroups {
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=1024).contains(&self.group) {
            return Err(format!(
                "channel_groups: group must be 1 to 1024 channels, not {}",
                self.group
            ));
        }
        args::non_negative("channel_groups", "warning", self.warning)?;
        args::non_negative("channel_groups", "error", self.error)?;
        if self.error < self.warning {
            return Err(format!(
                "channel_groups: error ({}) must not be below warning ({})",
                self.error, self.warning
            ));
        }
        if let Some(z) = self.counting_sigmas {
            args::non_negative("channel_groups", "counting_sigmas", z)?;
            if self.mode != GroupMode::Ratio || self.within.is_some() {
                return Err(
                    "channel_groups: counting_sigmas is for ratio mode against a reference".into(),
                );
            }
        }
        if let Some(w) = self.within {
            // A median of fewer than three groups is not robust to one bad group.
            if w % self.group != 0 || w / self.group < 3 || w > 1 << 20 {
                return Err(format!(
                    "channel_groups: within ({w}) must be a multiple of group ({}), at least 3 groups",
                    self.group
                ));
            }
        }
        Ok(())
    }

    pub fn uses_reference(&self) -> bool {
        self.within.is_none()
    }

    /// `reference` is present unless `within` is given ([`Check`](super::Check)'s guards see
    /// to it, as for every reference check).
    pub fn evaluate(&self, data: &Histogram, reference: Option<&Histogram>) -> Outcome {
        let bins = in_range_bins(data);
        let groups: Vec<Group> = (0..bins.len())
            .step_by(self.group)
            .map(|first| {
                let last = (first + self.group).min(bins.len()) - 1;
                let sum =
                    |h: &Histogram| bins[first..=last].iter().map(|&b| h.bin_content(b)).sum();
                let mean = |h: &Histogram| sum(h) / (last - first + 1) as f64;
                let d = mean(data);
                let compared = match (reference, self.mode) {
                    (Some(r), GroupMode::Difference) => Some(d - mean(r)),
                    (Some(r), GroupMode::Ratio) => {
                        Some(mean(r)).filter(|&r| r > 0.0).map(|r| d / r)
                    }
                    (None, _) => Some(d),
                };
                Group {
                    first,
                    last,
                    compared,
                    reference_sum: reference.map_or(0.0, sum),
                }
            })
            .collect();
        if groups.iter().all(|g| g.compared.is_none()) {
            return Outcome::error(
                "channel_groups: no group of the reference has contents to compare with",
            );
        }
        // The comparison that is usual for a group: the median over the sensor's groups, or
        // over its block's (`within`).
        let block = self.within.unwrap_or(usize::MAX);
        let block_of = |g: &Group| g.first / block;
        let mut blocks: std::collections::BTreeMap<usize, Vec<f64>> = Default::default();
        for g in &groups {
            let values = blocks.entry(block_of(g)).or_default();
            values.extend(g.compared);
        }
        let medians: std::collections::BTreeMap<usize, f64> = blocks
            .into_iter()
            .map(|(k, v)| (k, if v.is_empty() { 0.0 } else { median(&v) }))
            .collect();
        let typical = |g: &Group| medians[&block_of(g)];
        let departure = |g: &Group, c: f64| match self.mode {
            GroupMode::Difference => c - typical(g),
            // Groups that are typically empty in the data: every group departs by the whole of
            // its ratio.
            GroupMode::Ratio if typical(g) > 0.0 => c / typical(g) - 1.0,
            GroupMode::Ratio => c,
        };
        // One hit's worth of content in each run, when counting is weighed.
        let steps = match (self.counting_sigmas, reference) {
            (Some(_), Some(r)) => hit_step(&contents(data)).zip(hit_step(&contents(r))),
            _ => None,
        };
        let judged = |g: &Group, dep: f64| {
            let mut j = Judged {
                departure: dep,
                warning: self.warning,
                error: self.error,
                significance: None,
            };
            if let (Some(z), Some((q_data, q_ref)), Some(c)) =
                (self.counting_sigmas, steps, g.compared)
            {
                let reference_hits = g.reference_sum / q_ref;
                let hits = c * g.reference_sum / q_data;
                // The typical ratio, in hits of the data per hit of the reference.
                let t = typical(g) * q_ref / q_data;
                if let Some(c) = Counting::of(hits, reference_hits, t, z) {
                    let least = if dep >= 0.0 { c.up } else { c.down };
                    j.warning = j.warning.max(least);
                    j.error = j.error.max(least);
                    j.significance = Some(c.significance);
                }
            }
            j
        };
        let mut worst: Option<(&Group, Judged, f64)> = None;
        let (mut warnings, mut errors) = (0usize, 0usize);
        let mut named = Vec::new();
        let mut bad = Vec::new();
        for g in &groups {
            let Some(c) = g.compared else { continue };
            // Contents so large that the comparison overflows depart without measure.
            let dep = Some(departure(g, c))
                .filter(|d| !d.is_nan())
                .unwrap_or(f64::INFINITY);
            let j = judged(g, dep);
            let (score, _) = judge(dep.abs(), j.warning, j.error);
            if worst
                .is_none_or(|(_, w, s)| score < s || (score == s && dep.abs() > w.departure.abs()))
            {
                worst = Some((g, j, score));
            }
            let reason = if dep.abs() >= j.error {
                errors += 1;
                "group departs (error)"
            } else if dep.abs() >= j.warning {
                warnings += 1;
                "group departs (warning)"
            } else {
                continue;
            };
            if named.len() < MAX_NAMED {
                named.push(serde_json::json!({
                    "channels": channels(data, &bins, g),
                    "departure": dep,
                }));
            }
            bad.extend(bins[g.first..=g.last].iter().map(|&b| BadChannel {
                bin: b,
                x: data.x.center(b),
                content: data.bin_content(b),
                reason,
            }));
        }
        let (worst_group, worst, _) = worst.expect("a group with a comparison exists");
        let (score, level) = judge(worst.departure.abs(), worst.warning, worst.error);
        let mut out = Outcome::new(score, Some(level))
            .with("mode", serde_json::to_value(self.mode).unwrap_or_default())
            .with("group", self.group)
            .with("groups", groups.len())
            .with("within", self.within)
            .with("typical", typical(worst_group))
            .with("worst_channels", channels(data, &bins, worst_group))
            .with("unit", serde_json::to_value(self.unit).unwrap_or_default())
            .with("worst_departure", worst.departure)
            .with("warning", self.warning)
            .with("error", self.error)
            .with("groups_at_warning", warnings)
            .with("groups_at_error", errors);
        if let Some(z) = self.counting_sigmas {
            // What counting makes of the worst group, and the thresholds it was held to.
            out = out
                .with("counting_sigmas", z)
                .with("worst_significance", worst.significance)
                .with("worst_warning", worst.warning)
                .with("worst_error", worst.error);
        }
        if !named.is_empty() {
            out = out.with("departing_groups", named);
        }
        out.bad_channels = bad;
        out
    }
}

/// The level of a group's |departure| `worst`, and a score consistent with it under the default
/// leaf thresholds (as the channel checks: OK in (80, 100], WARNING in (50, 80], ERROR in
/// [0, 50]).
fn judge(worst: f64, warning: f64, error: f64) -> (f64, Level) {
    if worst >= error {
        let over = if error > 0.0 {
            worst / error - 1.0
        } else {
            1.0
        };
        ((50.0 - 25.0 * over).max(0.0), Level::Error)
    } else if worst >= warning {
        let along = (worst - warning) / (error - warning);
        (80.0 - 30.0 * along, Level::Warning)
    } else {
        (100.0 - 20.0 * worst / warning, Level::Ok)
    }
}

/// "A-B": the group's first and last channel as the x axis numbers them (the bin centres rounded
/// down, which gives the chip channel whether the axis runs from 0 or from -0.5); "A" for a
/// group of one bin.
fn channels(h: &Histogram, bins: &[usize], g: &Group) -> String {
    let at = |i: usize| h.x.center(bins[i]).floor();
    if g.first == g.last {
        format!("{}", at(g.first))
    } else {
        format!("{}-{}", at(g.first), at(g.last))
    }
}

#[cfg(test)]
mod tests {
    use super::Counting;

    #[test]
    fn the_counting_thresholds_are_where_the_significance_reaches_the_sigmas() {
        for (b, t) in [(64.0, 1.0), (150.0, 0.8), (2000.0, 1.3), (5.0, 1.0)] {
            let c = Counting::of(t * b, b, t, 5.0).unwrap();
            assert!(c.significance.abs() < 1e-12);
            for (dep, sign) in [(c.up, 1.0), (-c.down, -1.0)] {
                let a = t * b * (1.0 + dep);
                if a < 0.0 {
                    continue;
                }
                let at = Counting::of(a, b, t, 5.0).unwrap();
                assert!((at.significance - 5.0 * sign).abs() < 1e-9, "{b} {t} {dep}");
            }
        }
        // Few hits expected: not even an empty group is significant.
        let few = Counting::of(5.0, 5.0, 1.0, 5.0).unwrap();
        assert!(few.down > 1.0);
        assert!(Counting::of(1.0, 0.0, 1.0, 5.0).is_none());
    }
}
