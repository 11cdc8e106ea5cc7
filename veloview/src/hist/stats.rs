//! The stored statistics sums and what ROOT derives from them.

use super::{BinErrorOption, Histogram};

/// The `fTsum*` members as stored. The ones a class does not have are zero.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    pub entries: f64,
    pub tsumw: f64,
    pub tsumw2: f64,
    pub tsumwx: f64,
    pub tsumwx2: f64,
    /// TH2 (and for TProfile, the y sums of the profiled variable).
    pub tsumwy: f64,
    pub tsumwy2: f64,
    pub tsumwxy: f64,
    /// TProfile2D.
    pub tsumwz: f64,
    pub tsumwz2: f64,
}

/// The sums `GetMean`/`GetRMS` use, after ROOT's fall-back to the bin contents.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sums {
    pub sumw: f64,
    pub sumwx: f64,
    pub sumwx2: f64,
    pub sumwy: f64,
    pub sumwy2: f64,
}

impl Stats {
    /// `TH1::GetStats`: the stored sums, unless they were never filled (`fTsumw == 0` with
    /// entries, e.g. after `SetBinContent`), in which case ROOT recomputes them from the bins
    /// in range, without under- and overflow.
    pub fn effective(&self, h: &Histogram) -> Sums {
        let is_profile = h.profile.is_some();
        if !(self.tsumw == 0.0 && self.entries > 0.0) {
            // For a TProfile, the y sums belong to the profiled variable, not to an axis.
            let (sumwy, sumwy2) = if h.y.is_some() {
                (self.tsumwy, self.tsumwy2)
            } else {
                (0.0, 0.0)
            };
            return Sums {
                sumw: self.tsumw,
                sumwx: self.tsumwx,
                sumwx2: self.tsumwx2,
                sumwy,
                sumwy2,
            };
        }
        let mut s = Sums::default();
        let ny = h.y.as_ref().map_or(1, |a| a.nbins);
        for iy in 1..=ny {
            let y = h.y.as_ref().map_or(0.0, |a| a.center(iy));
            let iy_bin = if h.y.is_some() { iy } else { 0 };
            for ix in 1..=h.x.nbins {
                let bin = h.bin(ix, iy_bin);
                let w = match &h.profile {
                    Some(p) if is_profile => p.bin_entries.get(bin).copied().unwrap_or(0.0),
                    _ => h.bin_content(bin),
                };
                let x = h.x.center(ix);
                s.sumw += w;
                s.sumwx += w * x;
                s.sumwx2 += w * x * x;
                s.sumwy += w * y;
                s.sumwy2 += w * y * y;
            }
        }
        s
    }
}

/// `TH1::GetBinErrorLow`/`GetBinErrorUp`: symmetric unless the histogram asks for Poisson errors
/// and is unweighted, when they are the central confidence interval of a Poisson mean.
pub fn asymmetric_errors(h: &Histogram, bin: usize) -> (f64, f64) {
    let err = h.bin_error(bin);
    if h.bin_error_option == BinErrorOption::Normal
        || h.profile.is_some()
        || (!h.sumw2.is_empty() && h.stats.tsumw != h.stats.tsumw2)
    {
        return (err, err);
    }
    let alpha = match h.bin_error_option {
        BinErrorOption::Poisson2 => 0.05,
        _ => 1.0 - 0.682689492,
    };
    let c = h.bin_content(bin);
    let n = c as i64;
    if n < 0 {
        return (0.0, 0.0);
    }
    let low = if n == 0 {
        0.0
    } else {
        c - gamma_quantile(alpha / 2.0, n as f64)
    };
    let up = gamma_quantile(1.0 - alpha / 2.0, (n + 1) as f64) - c;
    (low, up)
}

/// x with P(a, x) = p, P the regularised lower incomplete gamma function (scale 1).
fn gamma_quantile(p: f64, a: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, a + 50.0 * a.sqrt() + 50.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if gamma_p(a, mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-15 * hi.max(1.0) {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// Regularised lower incomplete gamma P(a, x).
fn gamma_p(a: f64, x: f64) -> f64 {
    gamma_pq(a, x).0
}

/// Regularised incomplete gammas (P(a, x), Q(a, x) = 1 − P): the series for P below a+1, the
/// continued fraction for Q above, so that each tail keeps its relative precision.
pub(crate) fn gamma_pq(a: f64, x: f64) -> (f64, f64) {
    if x <= 0.0 {
        return (0.0, 1.0);
    }
    let ln_pre = a * x.ln() - x - ln_gamma(a);
    if x < a + 1.0 {
        let (mut sum, mut term, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..10_000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-17 {
                break;
            }
        }
        let p = sum * ln_pre.exp();
        (p, 1.0 - p)
    } else {
        // Lentz's method for the continued fraction of Q(a, x).
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut f = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            f *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        let q = ln_pre.exp() * f;
        (1.0 - q, q)
    }
}

/// Lanczos approximation (g = 7, n = 9), accurate to about 1e-15.
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_interval_matches_root() {
        // ROOT: h.SetBinErrorOption(TH1::kPoisson); h.SetBinContent(1, 3);
        // GetBinErrorLow(1) = 1.6328, GetBinErrorUp(1) = 2.9181 (Garwood interval).
        let alpha = 1.0 - 0.682689492;
        let low = 3.0 - gamma_quantile(alpha / 2.0, 3.0);
        let up = gamma_quantile(1.0 - alpha / 2.0, 4.0) - 3.0;
        assert!((low - 1.632_8).abs() < 1e-3, "{low}");
        assert!((up - 2.918_2).abs() < 1e-3, "{up}");
    }

    #[test]
    fn gamma_p_is_a_cdf() {
        assert!((gamma_p(1.0, 1.0) - (1.0 - (-1.0f64).exp())).abs() < 1e-14);
        assert!(gamma_p(5.0, 100.0) > 0.999_999);
    }
}
