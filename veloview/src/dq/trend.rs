//! Quantities trended per run from a leaf's histogram (the later veloview's `Mean`, `Rms`,
//! `MeanRPhi` and `MeanAC` value functions, plus the mean and RMS of bin contents).

use super::config::Quantity;
use crate::Histogram;

/// Contents at or below this magnitude are "empty" for `mean_a`/`mean_c`, as in the original.
const ZERO: f64 = 1e-7;

/// The value of `q` for `h`; `None` when it has no value (no bins in the range, a NaN).
pub fn quantity(h: &Histogram, q: Quantity) -> Option<f64> {
    let v = match q {
        Quantity::Mean => Some(h.mean(1)),
        Quantity::Rms => Some(h.rms(1)),
        Quantity::MeanR => mean_where(h, |x, _| x > 0.0 && x < 42.0),
        Quantity::MeanPhi => mean_where(h, |x, _| x > 63.0 && x < 106.0),
        Quantity::MeanA => mean_where(h, |_, c| c > ZERO),
        Quantity::MeanC => mean_where(h, |_, c| c < -ZERO),
        Quantity::MeanContent => mean_where(h, |_, _| true),
        Quantity::Entries => Some(h.stats.entries),
        Quantity::RmsContent => {
            let contents: Vec<f64> = contents(h).map(|(_, c)| c).collect();
            let n = contents.len() as f64;
            (n > 0.0).then(|| {
                let mean = contents.iter().sum::<f64>() / n;
                (contents.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / n).sqrt()
            })
        }
    };
    v.filter(|v| v.is_finite())
}

/// (x bin centre, content) of the regular bins; for 2D histograms every cell, by x centre.
fn contents(h: &Histogram) -> impl Iterator<Item = (f64, f64)> + '_ {
    let ny = h.y.as_ref().map_or(0, |y| y.nbins);
    let rows = if h.y.is_some() { 1..=ny } else { 0..=0 };
    rows.flat_map(move |iy| {
        (1..=h.x.nbins).map(move |ix| (h.x.center(ix), h.bin_content(h.bin(ix, iy))))
    })
}

fn mean_where(h: &Histogram, keep: impl Fn(f64, f64) -> bool) -> Option<f64> {
    let (mut sum, mut n) = (0.0, 0usize);
    for (x, c) in contents(h) {
        if keep(x, c) {
            sum += c;
            n += 1;
        }
    }
    (n > 0).then(|| sum / n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hist::Axis;

    #[test]
    fn quantities_of_a_histogram_against_sensor_number() {
        let mut h = Histogram::new_1d("TH1F", "h", "", Axis::uniform(106, -0.5, 105.5));
        for s in 0..42 {
            h.set_content(s + 1, 1.0);
        }
        for s in 64..106 {
            h.set_content(s + 1, -3.0);
        }
        let q = |q| quantity(&h, q).unwrap();
        // Sensor 0's bin centre is 0, outside (0, 42), as in the original.
        assert_eq!(q(Quantity::MeanR), 1.0);
        assert_eq!(q(Quantity::MeanPhi), -3.0);
        assert_eq!(q(Quantity::MeanA), 1.0);
        assert_eq!(q(Quantity::MeanC), -3.0);
        assert!((q(Quantity::MeanContent) - (42.0 - 126.0) / 106.0).abs() < 1e-12);
        assert!(q(Quantity::RmsContent) > 0.0);
        let mut per_event = Histogram::new_1d("TH1D", "n", "", Axis::uniform(10, 0.0, 10.0));
        for n in [1.0, 3.0, 3.0, 7.0] {
            per_event.fill(n, 1.0);
        }
        assert_eq!(quantity(&per_event, Quantity::Entries), Some(4.0));
        let empty = Histogram::new_1d("TH1F", "e", "", Axis::uniform(10, 0.0, 10.0));
        assert_eq!(quantity(&empty, Quantity::MeanA), None);
        assert_eq!(quantity(&empty, Quantity::Mean), Some(0.0));
    }
}
