//! What every check needs before it measures: a usable histogram (finite, not empty, of a
//! dimension the check understands) and, for reference checks, a reference with the same
//! binning. Each guard returns the reason a check cannot judge, which becomes an ERROR outcome.

use crate::hist::{Axis, Histogram};

/// Bins whose relative edge difference is below this are the same edge: edges written as
/// float by one writer and double by another still match.
const EDGE_TOLERANCE: f64 = 1e-9;

/// The global numbers of the in-range bins (no under- or overflow), in x-major order.
pub fn in_range_bins(h: &Histogram) -> Vec<usize> {
    match &h.y {
        None => (1..=h.x.nbins).collect(),
        Some(y) => (1..=y.nbins)
            .flat_map(|iy| (1..=h.x.nbins).map(move |ix| (ix, iy)))
            .map(|(ix, iy)| h.bin(ix, iy))
            .collect(),
    }
}

/// The in-range contents as `GetBinContent` gives them (for profiles, the bin means).
pub fn contents(h: &Histogram) -> Vec<f64> {
    in_range_bins(h)
        .into_iter()
        .map(|b| h.bin_content(b))
        .collect()
}

/// `TH1::Integral()`: the sum of the in-range contents.
pub fn integral(h: &Histogram) -> f64 {
    contents(h).iter().sum()
}

/// Everything a check may read must be finite and consistent with the axes.
fn check_finite(h: &Histogram, role: &str) -> Result<(), String> {
    if h.x.nbins == 0 {
        return Err(format!("{role} histogram has no bins"));
    }
    // Checked: a hostile axis must not overflow the cell count.
    let cells = (h.x.nbins.checked_add(2))
        .and_then(|nx| nx.checked_mul(h.y.as_ref().map_or(Some(1), |y| y.nbins.checked_add(2))?));
    if cells != Some(h.array.len()) {
        return Err(format!(
            "{role} histogram is inconsistent: {} cells stored for its axes",
            h.array.len()
        ));
    }
    let axes = std::iter::once(&h.x).chain(h.y.as_ref());
    for a in axes {
        if a.is_variable() && a.xbins.len() != a.nbins + 1 {
            return Err(format!(
                "{role} histogram has an axis with inconsistent edges"
            ));
        }
        if !a.min.is_finite() || !a.max.is_finite() || a.edges().iter().any(|e| !e.is_finite()) {
            return Err(format!("{role} histogram has a non-finite axis edge"));
        }
    }
    let bad = |v: &[f64]| v.iter().position(|x| !x.is_finite());
    if let Some(b) = bad(&h.array) {
        return Err(format!(
            "{role} histogram has a non-finite bin content ({}) in bin {b}",
            h.array[b]
        ));
    }
    if let Some(b) = bad(&h.sumw2) {
        return Err(format!(
            "{role} histogram has a non-finite sum of squared weights in bin {b}"
        ));
    }
    if let Some(p) = &h.profile {
        if bad(&p.bin_entries).is_some() || bad(&p.bin_sumw2).is_some() {
            return Err(format!(
                "{role} profile has a non-finite number of entries in a bin"
            ));
        }
    }
    let s = &h.stats;
    let sums = [
        s.entries, s.tsumw, s.tsumw2, s.tsumwx, s.tsumwx2, s.tsumwy, s.tsumwy2, s.tsumwxy,
    ];
    if sums.iter().any(|v| !v.is_finite()) {
        return Err(format!("{role} histogram has non-finite statistics sums"));
    }
    Ok(())
}

/// The data (or reference) histogram is one a check can judge.
pub fn usable(h: &Histogram, role: &str, one_d_only: bool, check: &str) -> Result<(), String> {
    if one_d_only && h.dims() != 1 {
        return Err(format!(
            "{check} needs a 1D histogram; the {role} histogram is a {}D {}",
            h.dims(),
            h.class
        ));
    }
    check_finite(h, role)?;
    if contents(h).iter().all(|&c| c == 0.0) {
        return Err(format!(
            "{role} histogram is empty: every bin in range is zero ({} entries)",
            h.stats.entries
        ));
    }
    Ok(())
}

fn same_axis(a: &Axis, b: &Axis, name: &str) -> Result<(), String> {
    if a.nbins != b.nbins {
        return Err(format!(
            "binning differs from the reference: {} bins in {name} vs {} in the reference",
            a.nbins, b.nbins
        ));
    }
    let close = |x: f64, y: f64| (x - y).abs() <= EDGE_TOLERANCE * x.abs().max(y.abs()).max(1.0);
    if let Some((i, (x, y))) = a
        .edges()
        .into_iter()
        .zip(b.edges())
        .enumerate()
        .find(|(_, (x, y))| !close(*x, *y))
    {
        return Err(format!(
            "binning differs from the reference: {name} edge {i} is {x} vs {y} in the reference"
        ));
    }
    Ok(())
}

/// Bin-by-bin comparisons need the same dimensions, number of bins and edges.
pub fn same_binning(data: &Histogram, reference: &Histogram) -> Result<(), String> {
    if data.dims() != reference.dims() {
        return Err(format!(
            "binning differs from the reference: data is {}D, reference {}D",
            data.dims(),
            reference.dims()
        ));
    }
    same_axis(&data.x, &reference.x, "x")?;
    if let (Some(a), Some(b)) = (&data.y, &reference.y) {
        same_axis(a, b, "y")?;
    }
    Ok(())
}

/// The square of `GetBinError` as ROOT's tests use it (`GetBinErrorSqUnchecked`): the stored
/// sum of squared weights, else the content (its absolute value here, so that a negative
/// content cannot make a negative variance), for profiles the squared error of the mean.
pub fn error_sq(h: &Histogram, bin: usize) -> f64 {
    let e = h.bin_error(bin);
    e * e
}

/// `TH1::GetStats` s[0] and s[1]: the sum of weights and of squared weights, from the stored
/// sums, or from the bins when the sums were never filled (ROOT's fall-back).
pub fn sum_weights(h: &Histogram) -> (f64, f64) {
    let s = &h.stats;
    if !(s.tsumw == 0.0 && s.entries > 0.0) {
        return (s.tsumw, s.tsumw2);
    }
    in_range_bins(h).into_iter().fold((0.0, 0.0), |(w, w2), b| {
        (w + h.bin_content(b), w2 + error_sq(h, b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h1(n: usize) -> Histogram {
        Histogram::new_1d("TH1D", "h", "", Axis::uniform(n, 0.0, n as f64))
    }

    #[test]
    fn guards_name_what_is_wrong() {
        let mut h = h1(4);
        assert!(usable(&h, "data", true, "floor")
            .unwrap_err()
            .contains("empty"));
        h.fill(1.5, 1.0);
        assert!(usable(&h, "data", true, "floor").is_ok());
        h.array[3] = f64::NAN;
        assert!(usable(&h, "data", true, "floor")
            .unwrap_err()
            .contains("non-finite bin content"));
        let h2 = Histogram::new_2d(
            "TH2D",
            "h",
            "",
            Axis::uniform(2, 0.0, 2.0),
            Axis::uniform(2, 0.0, 2.0),
        );
        assert!(usable(&h2, "data", true, "floor")
            .unwrap_err()
            .contains("needs a 1D"));
    }

    #[test]
    fn binning_must_match_in_bins_and_edges() {
        assert!(same_binning(&h1(4), &h1(4)).is_ok());
        assert!(same_binning(&h1(4), &h1(5)).unwrap_err().contains("4 bins"));
        let shifted = Histogram::new_1d("TH1D", "h", "", Axis::uniform(4, 1.0, 5.0));
        assert!(same_binning(&h1(4), &shifted)
            .unwrap_err()
            .contains("edge 0"));
    }
}
