//! The statistical comparisons with the reference: ROOT's `TH1::KolmogorovTest` and
//! `TH1::Chi2Test` (hist/hist/src/TH1.cxx), called as the original did: `ref.Test(data, opt)`,
//! so the reference is ROOT's first histogram (`this`) and the data the second (`h2`).

use super::guards::{error_sq, in_range_bins, sum_weights};
use super::math::{chi2_prob, kolmogorov_prob};
use crate::dq::{Level, Outcome};
use crate::hist::Histogram;

/// `kolmogorov`'s options, ROOT's letters.
#[derive(Debug, Clone, PartialEq)]
pub struct KsOptions {
    /// The option string as given, upper-cased (ROOT upper-cases it too).
    pub text: String,
    underflow: bool,
    overflow: bool,
    normalisation: bool,
}

impl KsOptions {
    pub fn parse(opt: &str) -> Result<KsOptions, String> {
        for c in opt.chars() {
            match c {
                'U' | 'O' | 'N' | 'D' | ' ' => {}
                'M' => {
                    return Err(
                        "kolmogorov: option M (return the maximum distance) is refused, \
                                as the original refused it: a distance is not a probability to \
                                score"
                            .into(),
                    )
                }
                'X' => {
                    return Err(
                        "kolmogorov: option X (pseudo-experiments) is refused: its toys \
                                are random, so one histogram could get different scores; use the \
                                probability (no X)"
                            .into(),
                    )
                }
                _ => {
                    return Err(format!(
                        "kolmogorov: unknown option {c:?} in {opt:?}; accepted: U (underflow), \
                         O (overflow), N (normalisation), D (debug, no effect)"
                    ))
                }
            }
        }
        Ok(KsOptions {
            text: opt.to_string(),
            underflow: opt.contains('U'),
            overflow: opt.contains('O'),
            normalisation: opt.contains('N'),
        })
    }
}

/// `h1.KolmogorovTest(h2, opt)` with h1 the reference and h2 the data.
pub fn kolmogorov(opts: &KsOptions, data: &Histogram, reference: &Histogram) -> Outcome {
    let (h1, h2) = (reference, data);
    let n = h1.x.nbins;
    let first = if opts.underflow { 0 } else { 1 };
    let last = if opts.overflow { n + 1 } else { n };
    let (mut sum1, mut sum2, mut w1, mut w2) = (0.0, 0.0, 0.0, 0.0);
    for bin in first..=last {
        sum1 += h1.bin_content(bin);
        sum2 += h2.bin_content(bin);
        w1 += error_sq(h1, bin);
        w2 += error_sq(h2, bin);
    }
    if sum1 == 0.0 {
        return Outcome::error("the reference histogram's integral is zero");
    }
    if sum2 == 0.0 {
        return Outcome::error("the data histogram's integral is zero");
    }
    // Zero errors make a histogram a function: the statistic then scales with the other's
    // effective entries alone.
    let afunc1 = w1 <= 0.0;
    let afunc2 = w2 <= 0.0;
    if afunc1 && afunc2 {
        return Outcome::error("errors are zero for both histograms");
    }
    let esum1 = if afunc1 { 0.0 } else { sum1 * sum1 / w1 };
    let esum2 = if afunc2 { 0.0 } else { sum2 * sum2 / w2 };
    let (s1, s2) = (1.0 / sum1, 1.0 / sum2);
    let (mut rsum1, mut rsum2, mut dfmax) = (0.0f64, 0.0f64, 0.0f64);
    for bin in first..=last {
        rsum1 += s1 * h1.bin_content(bin);
        rsum2 += s2 * h2.bin_content(bin);
        dfmax = dfmax.max((rsum1 - rsum2).abs());
    }
    let z = if afunc1 {
        dfmax * esum2.sqrt()
    } else if afunc2 {
        dfmax * esum1.sqrt()
    } else {
        dfmax * (esum1 * esum2 / (esum1 + esum2)).sqrt()
    };
    let mut prob = kolmogorov_prob(z);
    let mut out_extra = Vec::new();
    if opts.normalisation && !(afunc1 || afunc2) {
        // Shape and normalisation combined (Eadie et al. 11.6.2), as ROOT's option N.
        let shape = prob;
        let d12 = esum1 - esum2;
        let norm = chi2_prob(d12 * d12 / (esum1 + esum2), 1);
        prob = if shape > 0.0 && norm > 0.0 {
            shape * norm * (1.0 - (shape * norm).ln())
        } else {
            0.0
        };
        out_extra.push(("p_shape", shape));
        out_extra.push(("p_normalisation", norm));
    }
    let prob = if prob.is_finite() {
        prob.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let level = if prob < 0.01 { Level::Error } else { Level::Ok };
    let mut out = Outcome::new(100.0 * prob, Some(level))
        .with("p", prob)
        .with("distance", dfmax)
        .with("z", z)
        .with("options", opts.text.clone())
        .with("data_integral", sum2)
        .with("ref_integral", sum1)
        .with("data_effective_entries", esum2)
        .with("ref_effective_entries", esum1);
    for (k, v) in out_extra {
        out = out.with(k, v);
    }
    out
}

/// Which of ROOT's χ² comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparison {
    Uu,
    Uw,
    Ww,
}

/// What `chi2` scores: the p-value (default), or χ²/ndf (options CHI2 and CHI2/NDF).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chi2Mode {
    PValue,
    PerNdf,
}

/// `chi2`'s options, ROOT's tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct Chi2Options {
    pub text: String,
    comparison: Option<Comparison>,
    norm: bool,
    underflow: bool,
    overflow: bool,
    mode: Chi2Mode,
}

const CHI2_TOKENS: [&str; 9] = [
    "CHI2/NDF", "CHI2", "NORM", "UU", "UW", "WW", "UF", "OF", "P",
];

impl Chi2Options {
    pub fn parse(opt: &str) -> Result<Chi2Options, String> {
        let mut rest = opt.to_string();
        for t in CHI2_TOKENS {
            rest = rest.replace(t, "");
        }
        let rest: String = rest.chars().filter(|c| !" ,;".contains(*c)).collect();
        if !rest.is_empty() {
            return Err(format!(
                "chi2: unknown option text {rest:?} in {opt:?}; accepted: UU, UW, WW, NORM, UF, \
                 OF, P, CHI2, CHI2/NDF"
            ));
        }
        let comparisons: Vec<Comparison> = [
            ("UU", Comparison::Uu),
            ("UW", Comparison::Uw),
            ("WW", Comparison::Ww),
        ]
        .into_iter()
        .filter(|(t, _)| opt.contains(t))
        .map(|(_, c)| c)
        .collect();
        if comparisons.len() > 1 {
            return Err(format!("chi2: choose one of UU, UW, WW in {opt:?}"));
        }
        Ok(Chi2Options {
            text: opt.to_string(),
            comparison: comparisons.first().copied(),
            norm: opt.contains("NORM"),
            underflow: opt.contains("UF"),
            overflow: opt.contains("OF"),
            mode: if opt.contains("CHI2") {
                Chi2Mode::PerNdf
            } else {
                Chi2Mode::PValue
            },
        })
    }
}

/// What `Chi2TestX` computes.
struct Chi2Result {
    prob: f64,
    chi2: f64,
    ndf: i64,
    igood: u32,
    comparison: Comparison,
}

/// ROOT's rounding of a scaled bin to effective entries under NORM.
fn effective(cnt: f64, esq: f64) -> f64 {
    if esq > 0.0 {
        (cnt * cnt / esq + 0.5).floor()
    } else {
        0.0
    }
}

/// The bins the test runs over, with ROOT's UF/OF extension of the range on every axis.
fn test_bins(h: &Histogram, opts: &Chi2Options) -> Vec<usize> {
    let range = |n: usize| {
        let start = if opts.underflow { 0 } else { 1 };
        let end = if opts.overflow { n + 1 } else { n };
        start..=end
    };
    match &h.y {
        None => range(h.x.nbins).collect(),
        Some(y) => range(y.nbins)
            .flat_map(|iy| range(h.x.nbins).map(move |ix| (ix, iy)))
            .map(|(ix, iy)| h.bin(ix, iy))
            .collect(),
    }
}

/// `h1.Chi2TestX(h2, ...)`: h1 is the reference, h2 the data. Errors are ROOT's error returns.
fn chi2_test_x(h1: &Histogram, h2: &Histogram, opts: &Chi2Options) -> Result<Chi2Result, String> {
    let bins = test_bins(h1, opts);
    let mut ndf = bins.len() as i64 - 1;
    let (sumw_1, sumw2_1) = sum_weights(h1);
    let (sumw_2, sumw2_2) = sum_weights(h2);
    let eff1 = if sumw2_1 != 0.0 {
        sumw_1 * sumw_1 / sumw2_1
    } else {
        0.0
    };
    let eff2 = if sumw2_2 != 0.0 {
        sumw_2 * sumw_2 / sumw2_2
    } else {
        0.0
    };
    let comparison = opts.comparison.unwrap_or({
        // ROOT deduces it: a histogram is unweighted when its sum of weights equals its
        // effective entries to within one.
        if (sumw_1 - eff1).abs() < 1.0 {
            if (sumw_2 - eff2).abs() < 1.0 {
                Comparison::Uu
            } else {
                Comparison::Uw
            }
        } else {
            Comparison::Ww
        }
    });
    let scaled = opts.norm && comparison == Comparison::Uu;
    let (mut sum1, mut sum2, mut sumw1, mut sumw2) = (0.0, 0.0, 0.0, 0.0);
    for &b in &bins {
        let (e1, e2) = (error_sq(h1, b), error_sq(h2, b));
        if scaled {
            sum1 += effective(h1.bin_content(b), e1);
            sum2 += effective(h2.bin_content(b), e2);
            sumw1 += e1;
            sumw2 += e2;
        } else {
            sum1 += h1.bin_content(b);
            sum2 += h2.bin_content(b);
            if comparison == Comparison::Ww {
                sumw1 += e1;
            }
            if comparison != Comparison::Uu {
                sumw2 += e2;
            }
        }
    }
    if scaled && (sumw1 <= 0.0 || sumw2 <= 0.0) {
        return Err("cannot use option NORM when one histogram has all zero errors".into());
    }
    if sum1 == 0.0 || sum2 == 0.0 {
        return Err("one histogram is empty in the tested range".into());
    }
    if comparison == Comparison::Ww && sumw1 <= 0.0 && sumw2 <= 0.0 {
        return Err("both histograms have all zero errors".into());
    }
    let mut chi2 = 0.0;
    let (mut m, mut n) = (0u32, 0u32);
    match comparison {
        Comparison::Uu => {
            for &b in &bins {
                let (mut c1, mut c2) = (h1.bin_content(b), h2.bin_content(b));
                if scaled {
                    c1 = effective(c1, error_sq(h1, b));
                    c2 = effective(c2, error_sq(h2, b));
                }
                // Int_t(cnt) == 0: no data in either means one degree of freedom less.
                if c1.trunc() == 0.0 && c2.trunc() == 0.0 {
                    ndf -= 1;
                    continue;
                }
                if c1 < 1.0 {
                    m += 1;
                }
                if c2 < 1.0 {
                    n += 1;
                }
                let delta = sum2 * c1 - sum1 * c2;
                chi2 += delta * delta / (c1 + c2);
            }
            chi2 /= sum1 * sum2;
        }
        Comparison::Uw => {
            for &b in &bins {
                let (mut c1, c2) = (h1.bin_content(b), h2.bin_content(b));
                let mut e2sq = error_sq(h2, b);
                if c1 * c1 == 0.0 && c2 * c2 == 0.0 {
                    ndf -= 1;
                    continue;
                }
                if c2 * c2 == 0.0 && e2sq == 0.0 {
                    if sumw2 > 0.0 {
                        // Approximate the error by 1 scaled by the histogram's weight ratio.
                        e2sq = sumw2 / sum2;
                    } else {
                        return Err(format!(
                            "the data histogram has zero content and zero error in bin {b} \
                             and all its errors are zero"
                        ));
                    }
                }
                if c1 < 1.0 {
                    m += 1;
                }
                if e2sq > 0.0 && c2 * c2 / e2sq < 10.0 {
                    n += 1;
                }
                // ROOT's bumps change sum1 for the later bins too.
                let var = |s1: f64, c1: f64| {
                    let v1 = sum2 * c2 - s1 * e2sq;
                    (v1, v1 * v1 + 4.0 * sum2 * sum2 * c1 * e2sq)
                };
                let (mut var1, mut var2) = var(sum1, c1);
                // ROOT bumps an empty bin by one event until the quadratic has a usable root
                // (its two loops, in its order); bounded here so that no input loops forever.
                let mut bumps = 0;
                let mut bump = |s1: &mut f64, c1: &mut f64| {
                    *s1 += 1.0;
                    *c1 += 1.0;
                    bumps += 1;
                    if bumps > 1000 {
                        Err(format!("numerical problem in bin {b} (UW comparison)"))
                    } else {
                        Ok(var(*s1, *c1))
                    }
                };
                while var1 * var1 + c1 == 0.0 || var1 + var2 == 0.0 {
                    (var1, var2) = bump(&mut sum1, &mut c1)?;
                }
                var2 = var2.sqrt();
                while var1 + var2 == 0.0 {
                    (var1, var2) = bump(&mut sum1, &mut c1)?;
                    while var1 * var1 + c1 == 0.0 || var1 + var2 == 0.0 {
                        (var1, var2) = bump(&mut sum1, &mut c1)?;
                    }
                    var2 = var2.sqrt();
                }
                let probb = (var1 + var2) / (2.0 * sum2 * sum2);
                let nexp1 = probb * sum1;
                let nexp2 = probb * sum2;
                let d1 = c1 - nexp1;
                let d2 = c2 - nexp2;
                chi2 += d1 * d1 / nexp1;
                if e2sq > 0.0 {
                    chi2 += d2 * d2 / e2sq;
                }
            }
        }
        Comparison::Ww => {
            for &b in &bins {
                let (c1, c2) = (h1.bin_content(b), h2.bin_content(b));
                let (e1sq, e2sq) = (error_sq(h1, b), error_sq(h2, b));
                if c1 * c1 == 0.0 && c2 * c2 == 0.0 {
                    ndf -= 1;
                    continue;
                }
                if e1sq == 0.0 && e2sq == 0.0 {
                    return Err(format!("both histograms have zero error in bin {b}"));
                }
                let sigma = sum1 * sum1 * e2sq + sum2 * sum2 * e1sq;
                let delta = sum2 * c1 - sum1 * c2;
                chi2 += delta * delta / sigma;
                if e1sq > 0.0 && c1 * c1 / e1sq < 10.0 {
                    m += 1;
                }
                if e2sq > 0.0 && c2 * c2 / e2sq < 10.0 {
                    n += 1;
                }
            }
        }
    }
    let igood = u32::from(m > 0) + 2 * u32::from(n > 0);
    Ok(Chi2Result {
        prob: chi2_prob(chi2, ndf),
        chi2,
        ndf,
        igood,
        comparison,
    })
}

/// `ref.Chi2Test(data, opt)` scored as the original: by p-value, or by χ²/ndf.
pub fn chi2(opts: &Chi2Options, data: &Histogram, reference: &Histogram) -> Outcome {
    let r = match chi2_test_x(reference, data, opts) {
        Ok(r) => r,
        Err(reason) => return Outcome::error(reason),
    };
    if !r.chi2.is_finite() {
        return Outcome::error("the χ² is not finite (a bin with zero expected content)");
    }
    let comparison = match r.comparison {
        Comparison::Uu => "UU",
        Comparison::Uw => "UW",
        Comparison::Ww => "WW",
    };
    let per_ndf = if r.ndf > 0 {
        r.chi2 / r.ndf as f64
    } else {
        f64::NAN
    };
    let out = |score: f64, level: Level| {
        Outcome::new(score, Some(level))
            .with("p", r.prob)
            .with("chi2", r.chi2)
            .with("ndf", r.ndf)
            .with("chi2_per_ndf", per_ndf)
            .with("igood", r.igood)
            .with("comparison", comparison)
            .with("options", opts.text.clone())
            .with("bins", in_range_bins(data).len())
    };
    if r.ndf <= 0 {
        // ROOT returns p = 0 (or χ²/ndf = 0, which would score 100): nothing was compared.
        return out(0.0, Level::Error).with(
            "reason",
            "no degrees of freedom: fewer than two tested bins hold data",
        );
    }
    match opts.mode {
        Chi2Mode::PValue => {
            let p = r.prob;
            let level = if p < 0.01 {
                Level::Error
            } else if p < 0.05 {
                Level::Warning
            } else {
                Level::Ok
            };
            out(100.0 * p, level)
        }
        Chi2Mode::PerNdf => {
            let x = per_ndf;
            let level = if x > 3.0 {
                Level::Error
            } else if x > 2.0 {
                Level::Warning
            } else {
                Level::Ok
            };
            out((100.0 - 25.0 * x).max(0.0), level)
        }
    }
}
