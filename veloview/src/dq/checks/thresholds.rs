//! The original's threshold checks (veloview/analysis/thresholds.py): floor, ceiling,
//! mean_width_diff_ref and zero_centred_band_ref. Each sets its own level.

use super::guards::contents;
use crate::dq::{Level, Outcome};
use crate::hist::Histogram;

fn pass_fail(ok: bool) -> Outcome {
    if ok {
        Outcome::new(100.0, Some(Level::Ok))
    } else {
        Outcome::new(0.0, Some(Level::Error))
    }
}

/// OK when the smallest non-empty bin is above `floor` (strictly). The original's
/// `min_skip_empty` skipped bins whose content is exactly 0.
pub fn floor(floor: f64, data: &Histogram) -> Outcome {
    let lowest = contents(data)
        .into_iter()
        .enumerate()
        .filter(|(_, c)| *c != 0.0)
        .min_by(|a, b| a.1.total_cmp(&b.1));
    match lowest {
        // The guards refuse an all-zero histogram before this; kept total for safety.
        None => Outcome::error("every bin is empty"),
        Some((i, m)) => pass_fail(m > floor)
            .with("minimum", m)
            .with("bin", i + 1)
            .with("floor", floor),
    }
}

/// OK when the largest bin (`GetBinContent(GetMaximumBin())`, the first of equal maxima) is
/// below `ceiling` (strictly).
pub fn ceiling(ceiling: f64, data: &Histogram) -> Outcome {
    let (bin, max) =
        contents(data)
            .into_iter()
            .enumerate()
            .fold((0, f64::NEG_INFINITY), |best, (i, c)| {
                if c > best.1 {
                    (i + 1, c)
                } else {
                    best
                }
            });
    pass_fail(max < ceiling)
        .with("maximum", max)
        .with("bin", bin)
        .with("ceiling", ceiling)
}

/// 70 points when |Δmean| < 0.3·σref, 30 when |Δσ| < tolerance·σref; OK only at 100,
/// WARNING at 70 or 30, ERROR at 0.
pub fn mean_width_diff_ref(tolerance: f64, data: &Histogram, reference: &Histogram) -> Outcome {
    let (mean, rms) = (data.mean(1), data.rms(1));
    let (ref_mean, ref_rms) = (reference.mean(1), reference.rms(1));
    let dmean = (mean - ref_mean).abs();
    let dwidth = (rms - ref_rms).abs();
    let mean_ok = dmean < (0.3 * ref_rms).abs();
    let width_ok = dwidth < (tolerance * ref_rms).abs();
    let score = 70.0 * f64::from(u8::from(mean_ok)) + 30.0 * f64::from(u8::from(width_ok));
    let level = if score > 70.0 {
        Level::Ok
    } else if score >= 30.0 {
        Level::Warning
    } else {
        Level::Error
    };
    Outcome::new(score, Some(level))
        .with("mean", mean)
        .with("rms", rms)
        .with("ref_mean", ref_mean)
        .with("ref_rms", ref_rms)
        .with("mean_difference", dmean)
        .with("width_difference", dwidth)
        .with("mean_ok", mean_ok)
        .with("width_ok", width_ok)
        .with("tolerance", tolerance)
}

/// The fraction of the in-range content in the bins from `from` to `to` (1-based, inclusive,
/// clamped to the axis; an empty range is 0).
fn fraction(values: &[f64], total: f64, from: usize, to: usize) -> f64 {
    let n = values.len();
    let (from, to) = (from.max(1), to.min(n));
    if from > to {
        return 0.0;
    }
    values[from - 1..to].iter().sum::<f64>() / total
}

/// ERROR when more than 1 % of the content lies outside ±band, the bins holding the edges
/// counting as outside. `band` is |arg|, or 3·σref when the argument is null or 0.
pub fn zero_centred_band_ref(
    band: Option<f64>,
    data: &Histogram,
    reference: Option<&Histogram>,
) -> Outcome {
    let band = match (band.filter(|b| *b != 0.0), reference) {
        (Some(b), _) => b.abs(),
        (None, Some(r)) => (3.0 * r.rms(1)).abs(),
        (None, None) => {
            return Outcome::error("the band comes from the reference (3·σref) and there is none")
        }
    };
    let values = contents(data);
    let total: f64 = values.iter().sum();
    if total == 0.0 {
        return Outcome::error("the data histogram's integral is zero");
    }
    let n = data.x.nbins;
    let above = fraction(&values, total, data.x.find_bin(band), n);
    let below = fraction(&values, total, 1, data.x.find_bin(-band));
    let outside = above + below;
    pass_fail(outside <= 0.01)
        .with("band", band)
        .with("fraction_outside", outside)
        .with("fraction_above", above)
        .with("fraction_below", below)
}
