//! The later veloview's score-only threshold checks (analysis/*.py of 2015): a measured value
//! against an allowed range [min, max], scored by `calc_score`'s linear ramp — 100 inside,
//! falling to 0 over one tolerance outside. They set no level: the leaf's error (50) and warning
//! (80) thresholds decide it.

use super::args;
use super::counts::hit_step;
use super::guards::{contents, in_range_bins, integral};
use crate::dq::Outcome;
use crate::hist::Histogram;
use serde::{Deserialize, Serialize};

/// `calc_score`: 100 inside [min, max] (an absent bound is no bound), linear to 0 at one
/// tolerance outside. A tolerance of 0 makes the edges hard (0 outside).
pub fn ramp_score(value: f64, min: Option<f64>, max: Option<f64>, tolerance: f64) -> f64 {
    if value.is_nan() {
        return 0.0;
    }
    let outside = match (min, max) {
        (Some(lo), _) if value < lo => lo - value,
        (_, Some(hi)) if value > hi => value - hi,
        _ => return 100.0,
    };
    if tolerance <= 0.0 {
        return 0.0;
    }
    (100.0 * (tolerance - outside) / tolerance).clamp(0.0, 100.0)
}

/// Whether a check measures the data alone or data minus reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Data,
    #[serde(alias = "data-ref", alias = "data_minus_ref")]
    Difference,
}

impl Mode {
    pub fn uses_reference(self) -> bool {
        self == Mode::Difference
    }
}

/// The allowed range of one measured value, and the tolerance of the ramp outside it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Band {
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    pub tolerance: f64,
}

impl Band {
    fn validate(&self, check: &str) -> Result<(), String> {
        args::range(check, self.min, self.max)?;
        args::non_negative(check, "tolerance", self.tolerance)
    }

    fn score(self, value: f64) -> f64 {
        ramp_score(value, self.min, self.max, self.tolerance)
    }

    /// A score-only outcome with the value and the range used.
    fn outcome(self, value: f64) -> Outcome {
        Outcome::new(self.score(value), None)
            .with("value", value)
            .with("min", self.min)
            .with("max", self.max)
            .with("tolerance", self.tolerance)
    }
}

/// The reference a difference-mode check needs; the caller's guards make it present.
fn reference(r: Option<&Histogram>) -> Result<&Histogram, String> {
    r.ok_or_else(|| "this check compares with the reference and there is none".to_string())
}

/// `mean_rms`: the mean and/or RMS (ROOT's GetMean/GetRMS on `axis`) in ranges; the score is
/// the lower of the two.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeanRms {
    #[serde(default)]
    pub mode: Mode,
    #[serde(default = "one")]
    pub axis: usize,
    #[serde(default)]
    pub min_mean: Option<f64>,
    #[serde(default)]
    pub max_mean: Option<f64>,
    #[serde(default)]
    pub min_rms: Option<f64>,
    #[serde(default)]
    pub max_rms: Option<f64>,
    pub tolerance: f64,
    /// The RMS's own tolerance; the mean's when absent (the original shared one).
    #[serde(default)]
    pub rms_tolerance: Option<f64>,
}

fn one() -> usize {
    1
}

pub const MEAN_RMS_KEYS: &[&str] = &[
    "mode",
    "axis",
    "min_mean",
    "max_mean",
    "min_rms",
    "max_rms",
    "tolerance",
    "rms_tolerance",
];

impl MeanRms {
    pub fn validate(&self) -> Result<(), String> {
        if self.axis != 1 && self.axis != 2 {
            return Err(format!("mean_rms: axis must be 1 or 2, not {}", self.axis));
        }
        self.bands().map(|_| ())
    }

    fn bands(&self) -> Result<(Band, Band), String> {
        let mean = Band {
            min: self.min_mean,
            max: self.max_mean,
            tolerance: self.tolerance,
        };
        let rms = Band {
            min: self.min_rms,
            max: self.max_rms,
            tolerance: self.rms_tolerance.unwrap_or(self.tolerance),
        };
        mean.validate("mean_rms")?;
        rms.validate("mean_rms")?;
        Ok((mean, rms))
    }

    pub fn evaluate(&self, data: &Histogram, r: Option<&Histogram>) -> Result<Outcome, String> {
        if self.axis == 2 && data.dims() < 2 {
            return Err("mean_rms: axis 2 needs a 2D histogram".into());
        }
        let (mean_band, rms_band) = self.bands()?;
        let (mut mean, mut rms) = (data.mean(self.axis), data.rms(self.axis));
        if self.mode.uses_reference() {
            let r = reference(r)?;
            mean -= r.mean(self.axis);
            rms -= r.rms(self.axis);
        }
        let (ms, rs) = (mean_band.score(mean), rms_band.score(rms));
        Ok(Outcome::new(ms.min(rs), None)
            .with("mean", mean)
            .with("rms", rms)
            .with("mean_score", ms)
            .with("rms_score", rs)
            .with("min_mean", self.min_mean)
            .with("max_mean", self.max_mean)
            .with("min_rms", self.min_rms)
            .with("max_rms", self.max_rms)
            .with("tolerance", self.tolerance))
    }
}

/// The sensors of the VELO's per-sensor histograms: R sensors 0–41, Φ sensors 64–105.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SensorType {
    R,
    #[serde(alias = "PHI", alias = "phi")]
    Phi,
}

/// `mean_rphi`: the mean of the bin contents over the R sensors' bins (centre in (0, 42)) or the
/// Φ sensors' (centre in (63, 106)), as the original's MeanThresholdRPhi.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeanRPhi {
    pub sensors: SensorType,
    #[serde(default)]
    pub mode: Mode,
    #[serde(flatten)]
    pub band: Band,
}

pub const MEAN_RPHI_KEYS: &[&str] = &["sensors", "mode", "min", "max", "tolerance"];

impl MeanRPhi {
    pub fn validate(&self) -> Result<(), String> {
        self.band.validate("mean_rphi")
    }

    pub fn evaluate(&self, data: &Histogram, r: Option<&Histogram>) -> Result<Outcome, String> {
        let band = self.band;
        let (lo, hi) = match self.sensors {
            SensorType::R => (0.0, 42.0),
            SensorType::Phi => (63.0, 106.0),
        };
        let r = if self.mode.uses_reference() {
            Some(reference(r)?)
        } else {
            None
        };
        let (mut sum, mut n) = (0.0, 0usize);
        for bin in 1..=data.x.nbins {
            let centre = data.x.center(bin);
            if lo < centre && centre < hi {
                sum += data.bin_content(bin) - r.map_or(0.0, |r| r.bin_content(bin));
                n += 1;
            }
        }
        if n == 0 {
            return Err(format!(
                "no bin has its centre in ({lo}, {hi}), the {:?} sensors' range",
                self.sensors
            ));
        }
        let mean = sum / n as f64;
        Ok(band.outcome(mean).with("mean", mean).with("bins", n))
    }
}

/// Which side `mean_ac` judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Side {
    A,
    C,
    #[default]
    #[serde(alias = "Both", alias = "both")]
    AC,
    /// Every content, zeros included: for counts, whose empty channels are most channels in a
    /// short run, the positive ones' mean is at least one hit's content however rare hits are.
    #[serde(rename = "all")]
    All,
}

/// `mean_ac`: the mean of the positive bin contents (A side) and of the negative ones (C side),
/// |content| ≤ 1e-7 ignored, each against the range; the score is the lower.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeanAc {
    #[serde(default)]
    pub side: Side,
    #[serde(flatten)]
    pub band: Band,
}

pub const MEAN_AC_KEYS: &[&str] = &["side", "min", "max", "tolerance"];

impl MeanAc {
    pub fn validate(&self) -> Result<(), String> {
        self.band.validate("mean_ac")
    }

    pub fn evaluate(&self, data: &Histogram) -> Result<Outcome, String> {
        const DELTA: f64 = 1e-7;
        let band = self.band;
        let values = contents(data);
        let mean_of = |keep: &dyn Fn(f64) -> bool| {
            let picked: Vec<f64> = values.iter().copied().filter(|&v| keep(v)).collect();
            (!picked.is_empty()).then(|| picked.iter().sum::<f64>() / picked.len() as f64)
        };
        let sides: &[&str] = match self.side {
            Side::A => &["A"],
            Side::C => &["C"],
            Side::AC => &["A", "C"],
            Side::All => {
                let mean = mean_of(&|_| true).ok_or("no bin in range")?;
                return Ok(band.outcome(mean));
            }
        };
        let mean_a = mean_of(&|v| v > DELTA);
        let mean_c = mean_of(&|v| v < -DELTA);
        let mut score = 100.0f64;
        for &side in sides {
            match if side == "A" { mean_a } else { mean_c } {
                Some(m) => score = score.min(band.score(m)),
                None => {
                    return Err(format!(
                        "no bin on the {side} side (no {} content)",
                        if side == "A" { "positive" } else { "negative" }
                    ))
                }
            }
        }
        Ok(Outcome::new(score, None)
            .with("mean_a", mean_a)
            .with("mean_c", mean_c)
            .with("min", band.min)
            .with("max", band.max)
            .with("tolerance", band.tolerance))
    }
}

/// A comparison of a bin's content with a value, for `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
}

impl Op {
    fn holds(self, x: f64, v: f64) -> bool {
        match self {
            Op::Lt => x < v,
            Op::Le => x <= v,
            Op::Gt => x > v,
            Op::Ge => x >= v,
            Op::Eq => x == v,
            Op::Ne => x != v,
        }
    }
}

/// `count`: how many in-range bins satisfy `content OP value` (data, or data − reference per
/// bin), against the range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Count {
    pub op: Op,
    pub value: f64,
    #[serde(default)]
    pub mode: Mode,
    #[serde(flatten)]
    pub band: Band,
}

pub const COUNT_KEYS: &[&str] = &["op", "value", "mode", "min", "max", "tolerance"];

impl Count {
    pub fn validate(&self) -> Result<(), String> {
        args::finite("count", "value", Some(self.value))?;
        self.band.validate("count")
    }

    pub fn evaluate(&self, data: &Histogram, r: Option<&Histogram>) -> Result<Outcome, String> {
        let band = self.band;
        let r = if self.mode.uses_reference() {
            Some(reference(r)?)
        } else {
            None
        };
        let n = in_range_bins(data)
            .into_iter()
            .filter(|&b| {
                let x = data.bin_content(b) - r.map_or(0.0, |r| r.bin_content(b));
                self.op.holds(x, self.value)
            })
            .count();
        Ok(band.outcome(n as f64).with("count", n))
    }
}

/// `fraction`: the fraction of the content in bins below `below` and above `above` (the bins
/// holding those values count as outside), against the range of fractions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fraction {
    #[serde(default)]
    pub below: Option<f64>,
    #[serde(default)]
    pub above: Option<f64>,
    #[serde(default)]
    pub mode: Mode,
    #[serde(flatten)]
    pub band: Band,
}

pub const FRACTION_KEYS: &[&str] = &["below", "above", "mode", "min", "max", "tolerance"];

impl Fraction {
    pub fn validate(&self) -> Result<(), String> {
        if self.below.is_none() && self.above.is_none() {
            return Err(
                "fraction: give below and/or above (the band outside which content counts)".into(),
            );
        }
        args::finite("fraction", "below", self.below)?;
        args::finite("fraction", "above", self.above)?;
        self.band.validate("fraction")
    }

    /// Fraction of `h`'s in-range content outside the band.
    fn outside(&self, h: &Histogram) -> Result<f64, String> {
        let values = contents(h);
        let total: f64 = values.iter().sum();
        if total == 0.0 {
            return Err("the integral is zero".into());
        }
        let n = values.len();
        let sum = |from: usize, to: usize| -> f64 {
            let (from, to) = (from.max(1), to.min(n));
            if from > to {
                0.0
            } else {
                values[from - 1..to].iter().sum()
            }
        };
        let above = self.above.map_or(0.0, |a| sum(h.x.find_bin(a), n));
        let below = self.below.map_or(0.0, |b| sum(1, h.x.find_bin(b)));
        Ok((above + below) / total)
    }

    pub fn evaluate(&self, data: &Histogram, r: Option<&Histogram>) -> Result<Outcome, String> {
        let band = self.band;
        let mut f = self.outside(data)?;
        if self.mode.uses_reference() {
            f -= self.outside(reference(r)?)?;
        }
        Ok(band.outcome(f).with("fraction", f))
    }
}

/// `integral`: the sum of the in-range contents (data, or data − reference), against the range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Integral {
    #[serde(default)]
    pub mode: Mode,
    #[serde(flatten)]
    pub band: Band,
}

pub const INTEGRAL_KEYS: &[&str] = &["mode", "min", "max", "tolerance"];

impl Integral {
    pub fn validate(&self) -> Result<(), String> {
        self.band.validate("integral")
    }

    pub fn evaluate(&self, data: &Histogram, r: Option<&Histogram>) -> Result<Outcome, String> {
        let band = self.band;
        let mut v = integral(data);
        if self.mode.uses_reference() {
            v -= integral(reference(r)?);
        }
        Ok(band.outcome(v).with("integral", v))
    }
}

/// `difference_rms`: the root mean square of the per-bin differences data − reference over the
/// in-range bins, against the range.
///
/// `beyond_counting = true`, for histograms of counts scaled by a constant (occupancy): what
/// two runs' Poisson statistics alone make of that RMS is taken off in quadrature, and the rest
/// is judged. A bin of content c stands for c / q hits of content q each (q from
/// `counts::hit_step`), so its variance is c·q; the difference's is the run's plus the
/// reference's. In a short run that is most of the RMS (1,000 events: ≈ 0.28 % of the 0.3 %
/// allowed); in a normal one little (≈ 0.09 %). Contents that are no counts show a step far
/// below their values and lose next to nothing (under 0.1 % of a noise profile's RMS
/// difference).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DifferenceRms {
    #[serde(flatten)]
    pub band: Band,
    #[serde(default)]
    pub beyond_counting: bool,
}

pub const DIFFERENCE_RMS_KEYS: &[&str] = &["min", "max", "tolerance", "beyond_counting"];

/// The mean over the in-range contents `values` of each bin's counting variance, c·q.
fn counting_variance(values: &[f64]) -> f64 {
    let Some(q) = hit_step(values) else {
        return 0.0;
    };
    let sum: f64 = values.iter().map(|&c| c.max(0.0) * q).sum();
    sum / values.len().max(1) as f64
}

impl DifferenceRms {
    pub fn validate(&self) -> Result<(), String> {
        self.band.validate("difference_rms")
    }

    pub fn evaluate(&self, data: &Histogram, r: Option<&Histogram>) -> Result<Outcome, String> {
        let band = self.band;
        let r = reference(r)?;
        // The reference has the data's binning (the guards made sure): bin for bin.
        let (d, rv) = (contents(data), contents(r));
        let n = d.len().max(1) as f64;
        let sum_sq: f64 = d.iter().zip(&rv).map(|(a, b)| (a - b).powi(2)).sum();
        let rms = (sum_sq / n).sqrt();
        if !self.beyond_counting {
            return Ok(band.outcome(rms).with("difference_rms", rms));
        }
        let counting = (counting_variance(&d) + counting_variance(&rv)).sqrt();
        let beyond = (rms * rms - counting * counting).max(0.0).sqrt();
        Ok(band
            .outcome(beyond)
            .with("difference_rms", rms)
            .with("counting_rms", counting)
            .with("beyond_counting_rms", beyond))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramp_is_calc_score() {
        assert_eq!(ramp_score(5.0, Some(0.0), Some(10.0), 2.0), 100.0);
        assert_eq!(ramp_score(11.0, Some(0.0), Some(10.0), 2.0), 50.0);
        assert_eq!(ramp_score(-0.5, Some(0.0), Some(10.0), 2.0), 75.0);
        assert_eq!(ramp_score(13.0, Some(0.0), Some(10.0), 2.0), 0.0);
        assert_eq!(ramp_score(1e9, None, None, 2.0), 100.0);
        assert_eq!(ramp_score(1e9, Some(0.0), None, 2.0), 100.0);
        assert_eq!(ramp_score(10.5, None, Some(10.0), 0.0), 0.0);
        assert_eq!(ramp_score(f64::NAN, Some(0.0), Some(1.0), 1.0), 0.0);
    }
}
