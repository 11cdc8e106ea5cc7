//! The checks: each judges one histogram (and, for reference checks, the reference run's) and
//! returns an [`Outcome`]. docs/DATA_QUALITY.md ("Checks") gives every formula.
//!
//! - [`stats`]: the statistical comparisons (ROOT's Kolmogorov and χ² tests);
//! - [`thresholds`]: the original's floor, ceiling, mean/width and zero-centred band;
//! - [`ramp`]: the later score-only checks with the linear tolerance ramp;
//! - [`channels`]: per-channel checks that list the bad bins;
//! - [`groups`]: links and chips compared with the reference's, against the sensor's median;
//! - [`guards`]: what every check refuses before measuring (empty, non-finite, wrong binning).

mod args;
mod channels;
mod counts;
mod groups;
mod guards;
mod math;
mod ramp;
mod stats;
mod thresholds;

pub use math::{chi2_prob, kolmogorov_prob};
pub use ramp::ramp_score;

use super::Outcome;
use crate::hist::Histogram;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// A configured check: which comparison, with which arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Kolmogorov(stats::KsOptions),
    Chi2(stats::Chi2Options),
    Floor(f64),
    Ceiling(f64),
    MeanWidthDiffRef(f64),
    ZeroCentredBandRef(Option<f64>),
    MeanRms(ramp::MeanRms),
    MeanRPhi(ramp::MeanRPhi),
    MeanAc(ramp::MeanAc),
    Count(ramp::Count),
    Fraction(ramp::Fraction),
    Integral(ramp::Integral),
    DifferenceRms(ramp::DifferenceRms),
    DeadChannels(channels::DeadChannels),
    NoisyChannels(channels::NoisyChannels),
    ContentsInRange(channels::ContentsInRange),
    ChannelGroups(groups::ChannelGroups),
}

/// Every check's name, for messages and documentation.
pub const NAMES: [&str; 17] = [
    "kolmogorov",
    "chi2",
    "floor",
    "ceiling",
    "mean_width_diff_ref",
    "zero_centred_band_ref",
    "mean_rms",
    "mean_rphi",
    "mean_ac",
    "count",
    "fraction",
    "integral",
    "difference_rms",
    "dead_channels",
    "noisy_channels",
    "contents_in_range",
    "channel_groups",
];

/// Deserialise an object argument and validate it.
fn object<T: DeserializeOwned>(
    name: &str,
    args: &Value,
    keys: &[&str],
    validate: impl FnOnce(T) -> Result<T, String>,
) -> Result<T, String> {
    validate(args::object(name, args, keys)?)
}

/// Adapts a `validate(&self) -> Result<(), String>` to the by-value form `object` takes.
fn checked<T>(f: impl Fn(&T) -> Result<(), String>) -> impl FnOnce(T) -> Result<T, String> {
    move |v| f(&v).map(|_| v)
}

fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

impl Check {
    /// Parse a check from its name and its argument in the original's form (an option string,
    /// a number, null, or an object for the newer checks). Unknown names and bad arguments are
    /// errors that say what is accepted.
    pub fn parse(name: &str, args: &Value) -> Result<Check, String> {
        let kind = match name {
            "kolmogorov" => Kind::Kolmogorov(stats::KsOptions::parse(&args::options(name, args)?)?),
            "chi2" => Kind::Chi2(stats::Chi2Options::parse(&args::options(name, args)?)?),
            "floor" => Kind::Floor(args::number(name, args, "the floor")?),
            "ceiling" => Kind::Ceiling(args::number(name, args, "the ceiling")?),
            "mean_width_diff_ref" => {
                Kind::MeanWidthDiffRef(args::number(name, args, "the width tolerance, a fraction")?)
            }
            "zero_centred_band_ref" => Kind::ZeroCentredBandRef(match args {
                Value::Null => None,
                _ => Some(args::number(
                    name,
                    args,
                    "the band's half-width, or null for 3 times the reference's RMS",
                )?),
            }),
            "mean_rms" => Kind::MeanRms(object(
                name,
                args,
                ramp::MEAN_RMS_KEYS,
                checked(ramp::MeanRms::validate),
            )?),
            "mean_rphi" => Kind::MeanRPhi(object(
                name,
                args,
                ramp::MEAN_RPHI_KEYS,
                checked(ramp::MeanRPhi::validate),
            )?),
            "mean_ac" => Kind::MeanAc(object(
                name,
                args,
                ramp::MEAN_AC_KEYS,
                checked(ramp::MeanAc::validate),
            )?),
            "count" => Kind::Count(object(
                name,
                args,
                ramp::COUNT_KEYS,
                checked(ramp::Count::validate),
            )?),
            "fraction" => Kind::Fraction(object(
                name,
                args,
                ramp::FRACTION_KEYS,
                checked(ramp::Fraction::validate),
            )?),
            "integral" => Kind::Integral(object(
                name,
                args,
                ramp::INTEGRAL_KEYS,
                checked(ramp::Integral::validate),
            )?),
            "difference_rms" => Kind::DifferenceRms(object(
                name,
                args,
                ramp::DIFFERENCE_RMS_KEYS,
                checked(ramp::DifferenceRms::validate),
            )?),
            "dead_channels" => Kind::DeadChannels(object(
                name,
                args,
                &channels::dead_keys(),
                channels::DeadChannels::validate,
            )?),
            "noisy_channels" => Kind::NoisyChannels(object(
                name,
                args,
                &channels::noisy_keys(),
                channels::NoisyChannels::validate,
            )?),
            "contents_in_range" => Kind::ContentsInRange(object(
                name,
                args,
                &channels::in_range_keys(),
                channels::ContentsInRange::validate,
            )?),
            "channel_groups" => Kind::ChannelGroups(object(
                name,
                args,
                groups::CHANNEL_GROUPS_KEYS,
                checked(groups::ChannelGroups::validate),
            )?),
            _ => {
                return Err(format!(
                    "unknown check {name:?}; the checks are: {}",
                    NAMES.join(", ")
                ))
            }
        };
        Ok(Check { kind })
    }

    pub fn name(&self) -> &str {
        match &self.kind {
            Kind::Kolmogorov(_) => "kolmogorov",
            Kind::Chi2(_) => "chi2",
            Kind::Floor(_) => "floor",
            Kind::Ceiling(_) => "ceiling",
            Kind::MeanWidthDiffRef(_) => "mean_width_diff_ref",
            Kind::ZeroCentredBandRef(_) => "zero_centred_band_ref",
            Kind::MeanRms(_) => "mean_rms",
            Kind::MeanRPhi(_) => "mean_rphi",
            Kind::MeanAc(_) => "mean_ac",
            Kind::Count(_) => "count",
            Kind::Fraction(_) => "fraction",
            Kind::Integral(_) => "integral",
            Kind::DifferenceRms(_) => "difference_rms",
            Kind::DeadChannels(_) => "dead_channels",
            Kind::NoisyChannels(_) => "noisy_channels",
            Kind::ContentsInRange(_) => "contents_in_range",
            Kind::ChannelGroups(_) => "channel_groups",
        }
    }

    /// The arguments in canonical form (defaults filled in), for the stored details; parsing
    /// them again gives the same check.
    pub fn args(&self) -> Value {
        match &self.kind {
            Kind::Kolmogorov(o) => Value::from(o.text.clone()),
            Kind::Chi2(o) => Value::from(o.text.clone()),
            Kind::Floor(v) | Kind::Ceiling(v) | Kind::MeanWidthDiffRef(v) => Value::from(*v),
            Kind::ZeroCentredBandRef(b) => b.map_or(Value::Null, Value::from),
            Kind::MeanRms(a) => to_value(a),
            Kind::MeanRPhi(a) => to_value(a),
            Kind::MeanAc(a) => to_value(a),
            Kind::Count(a) => to_value(a),
            Kind::Fraction(a) => to_value(a),
            Kind::Integral(a) => to_value(a),
            Kind::DifferenceRms(a) => to_value(a),
            Kind::DeadChannels(a) => to_value(a),
            Kind::NoisyChannels(a) => to_value(a),
            Kind::ContentsInRange(a) => to_value(a),
            Kind::ChannelGroups(a) => to_value(a),
        }
    }

    /// Whether the check compares with the reference run's histogram.
    pub fn uses_reference(&self) -> bool {
        match &self.kind {
            Kind::Kolmogorov(_)
            | Kind::Chi2(_)
            | Kind::MeanWidthDiffRef(_)
            | Kind::DifferenceRms(_) => true,
            Kind::ChannelGroups(a) => a.uses_reference(),
            // With an explicit band the reference is not needed (the original demanded it anyway).
            Kind::ZeroCentredBandRef(b) => b.is_none_or(|b| b == 0.0),
            Kind::MeanRms(a) => a.mode.uses_reference(),
            Kind::MeanRPhi(a) => a.mode.uses_reference(),
            Kind::Count(a) => a.mode.uses_reference(),
            Kind::Fraction(a) => a.mode.uses_reference(),
            Kind::Integral(a) => a.mode.uses_reference(),
            Kind::Floor(_)
            | Kind::Ceiling(_)
            | Kind::MeanAc(_)
            | Kind::DeadChannels(_)
            | Kind::NoisyChannels(_)
            | Kind::ContentsInRange(_) => false,
        }
    }

    /// Checks that read bins along x only (or that ROOT defines for 1D only).
    fn one_d_only(&self) -> bool {
        !matches!(
            self.kind,
            Kind::Chi2(_)
                | Kind::MeanWidthDiffRef(_)
                | Kind::MeanRms(_)
                | Kind::Count(_)
                | Kind::Integral(_)
                | Kind::DifferenceRms(_)
        )
    }

    /// Judge `data` (and `reference`, for reference checks). Never panics; any input gives an
    /// outcome with a score in [0, 100]; what makes a check unable to judge is an ERROR outcome
    /// with the reason in its details.
    pub fn evaluate(&self, data: &Histogram, reference: Option<&Histogram>) -> Outcome {
        match self.run(data, reference) {
            Ok(out) => out,
            Err(reason) => Outcome::error(reason),
        }
    }

    fn run(&self, data: &Histogram, reference: Option<&Histogram>) -> Result<Outcome, String> {
        let name = self.name();
        let one_d = self.one_d_only();
        guards::usable(data, "data", one_d, name)?;
        let reference = if self.uses_reference() {
            let r = reference.ok_or_else(|| {
                format!("{name} compares with the reference run's histogram and there is none")
            })?;
            guards::usable(r, "reference", one_d, name)?;
            guards::same_binning(data, r)?;
            Some(r)
        } else {
            None
        };
        let need_ref = || reference.ok_or_else(|| format!("{name} needs a reference"));
        Ok(match &self.kind {
            Kind::Kolmogorov(o) => stats::kolmogorov(o, data, need_ref()?),
            Kind::Chi2(o) => stats::chi2(o, data, need_ref()?),
            Kind::Floor(f) => thresholds::floor(*f, data),
            Kind::Ceiling(c) => thresholds::ceiling(*c, data),
            Kind::MeanWidthDiffRef(t) => thresholds::mean_width_diff_ref(*t, data, need_ref()?),
            Kind::ZeroCentredBandRef(b) => thresholds::zero_centred_band_ref(*b, data, reference),
            Kind::MeanRms(a) => a.evaluate(data, reference)?,
            Kind::MeanRPhi(a) => a.evaluate(data, reference)?,
            Kind::MeanAc(a) => a.evaluate(data)?,
            Kind::Count(a) => a.evaluate(data, reference)?,
            Kind::Fraction(a) => a.evaluate(data, reference)?,
            Kind::Integral(a) => a.evaluate(data, reference)?,
            Kind::DifferenceRms(a) => a.evaluate(data, reference)?,
            Kind::DeadChannels(a) => a.evaluate(data),
            Kind::NoisyChannels(a) => a.evaluate(data),
            Kind::ContentsInRange(a) => a.evaluate(data),
            Kind::ChannelGroups(a) => a.evaluate(data, reference),
        })
    }
}
