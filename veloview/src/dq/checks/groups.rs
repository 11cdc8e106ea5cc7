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
use super::guards::in_range_bins;
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

pub const CHANNEL_GROUPS_KEYS: &[&str] = &["group", "mode", "warning", "error", "within", "unit"];

/// One group's comparison.
struct Group {
    /// Indices into the in-range bins, first and last.
    first: usize,
    last: usize,
    /// data ÷ reference or data − reference (`within`: the data's mean); `None` when a ratio
    /// cannot be formed (a reference group with nothing in it).
    compared: Option<f64>,
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
                let mean = |h: &Histogram| {
                    bins[first..=last]
                        .iter()
                        .map(|&b| h.bin_content(b))
                        .sum::<f64>()
                        / (last - first + 1) as f64
                };
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
        let mut worst: Option<(&Group, f64)> = None;
        let (mut warnings, mut errors) = (0usize, 0usize);
        let mut named = Vec::new();
        let mut bad = Vec::new();
        for g in &groups {
            let Some(c) = g.compared else { continue };
            // Contents so large that the comparison overflows depart without measure.
            let dep = Some(departure(g, c))
                .filter(|d| !d.is_nan())
                .unwrap_or(f64::INFINITY);
            if worst.is_none_or(|(_, w)| dep.abs() > w.abs()) {
                worst = Some((g, dep));
            }
            let reason = if dep.abs() >= self.error {
                errors += 1;
                "group departs (error)"
            } else if dep.abs() >= self.warning {
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
        let (worst_group, worst) = worst.expect("a group with a comparison exists");
        let (score, level) = self.judge(worst.abs());
        let mut out = Outcome::new(score, Some(level))
            .with("mode", serde_json::to_value(self.mode).unwrap_or_default())
            .with("group", self.group)
            .with("groups", groups.len())
            .with("within", self.within)
            .with("typical", typical(worst_group))
            .with("worst_channels", channels(data, &bins, worst_group))
            .with("unit", serde_json::to_value(self.unit).unwrap_or_default())
            .with("worst_departure", worst)
            .with("warning", self.warning)
            .with("error", self.error)
            .with("groups_at_warning", warnings)
            .with("groups_at_error", errors);
        if !named.is_empty() {
            out = out.with("departing_groups", named);
        }
        out.bad_channels = bad;
        out
    }

    /// The level, and a score consistent with it under the default leaf thresholds (as the
    /// channel checks: OK in (80, 100], WARNING in (50, 80], ERROR in [0, 50]).
    fn judge(&self, worst: f64) -> (f64, Level) {
        if worst >= self.error {
            let over = if self.error > 0.0 {
                worst / self.error - 1.0
            } else {
                1.0
            };
            ((50.0 - 25.0 * over).max(0.0), Level::Error)
        } else if worst >= self.warning {
            let along = (worst - self.warning) / (self.error - self.warning);
            (80.0 - 30.0 * along, Level::Warning)
        } else {
            (100.0 - 20.0 * worst / self.warning, Level::Ok)
        }
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
