//! The probability functions ROOT's tests end in: TMath::KolmogorovProb and TMath::Prob.

use crate::hist::gamma_pq;

/// `TMath::KolmogorovProb(z)`: the probability that Kolmogorov's statistic exceeds `z` under
/// the null hypothesis, P(z) = 2 Σ (-1)^(j-1) exp(-2 j² z²). ROOT's piecewise evaluation
/// (CERNLIB PROBKL): 1 below 0.2, the theta-function inversion formula below 0.755, at most four
/// terms of the series below 6.8116, and 0 above (where P < 1e-15).
pub fn kolmogorov_prob(z: f64) -> f64 {
    const FJ: [f64; 4] = [-2.0, -8.0, -18.0, -32.0];
    const W: f64 = 2.50662827;
    // -pi^2/8, 9 and 25 times that.
    const C1: f64 = -1.2337005501361697;
    const C2: f64 = -11.103304951225528;
    const C3: f64 = -30.842513753404244;
    let u = z.abs();
    if u.is_nan() {
        return 0.0;
    }
    if u < 0.2 {
        1.0
    } else if u < 0.755 {
        let v = 1.0 / (u * u);
        1.0 - W * ((C1 * v).exp() + (C2 * v).exp() + (C3 * v).exp()) / u
    } else if u < 6.8116 {
        let v = u * u;
        let maxj = nint(3.0 / u).clamp(1, 4) as usize;
        let mut r = [0.0; 4];
        for j in 0..maxj {
            r[j] = (FJ[j] * v).exp();
        }
        2.0 * (r[0] - r[1] + r[2] - r[3])
    } else {
        0.0
    }
}

/// `TMath::Nint`: round to nearest, halves to even.
fn nint(x: f64) -> i64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 && (r as i64) % 2 != 0 {
        (r - x.signum()) as i64
    } else {
        r as i64
    }
}

/// `TMath::Prob(chi2, ndf)`: the upper tail of the χ² distribution, which ROOT computes as
/// `ROOT::Math::chisquared_cdf_c` (the regularised upper incomplete gamma Q(ndf/2, chi2/2)).
/// 0 for ndf ≤ 0 or chi2 < 0, 1 for chi2 = 0, as ROOT.
pub fn chi2_prob(chi2: f64, ndf: i64) -> f64 {
    if ndf <= 0 || chi2.is_nan() {
        return 0.0;
    }
    if chi2 <= 0.0 {
        return if chi2 < 0.0 { 0.0 } else { 1.0 };
    }
    if chi2.is_infinite() {
        return 0.0;
    }
    gamma_q(0.5 * ndf as f64, 0.5 * chi2)
}

/// Regularised upper incomplete gamma Q(a, x), clamped to [0, 1].
fn gamma_q(a: f64, x: f64) -> f64 {
    gamma_pq(a, x).1.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kolmogorov_prob_matches_published_values() {
        // Values of the Kolmogorov distribution's survival function Q_KS(z) as published
        // (e.g. ROOT's own TMath::KolmogorovProb(1.0) = 0.26999967, (0.5) = 0.96394524).
        assert!((kolmogorov_prob(1.0) - 0.26999967).abs() < 1e-7);
        assert!((kolmogorov_prob(0.5) - 0.96394524).abs() < 1e-7);
        // Independent: the series 2 Σ (-1)^(j-1) exp(-2 j² z²) summed to convergence.
        for &z in &[0.8, 1.2, 1.36, 2.0, 3.0] {
            let series: f64 = (1..100)
                .map(|j| {
                    let j = j as f64;
                    2.0 * (-1f64).powf(j - 1.0) * (-2.0 * j * j * z * z).exp()
                })
                .sum();
            assert!((kolmogorov_prob(z) - series).abs() < 1e-9, "z={z}");
        }
        assert_eq!(kolmogorov_prob(0.1), 1.0);
        assert_eq!(kolmogorov_prob(7.0), 0.0);
        assert_eq!(kolmogorov_prob(f64::NAN), 0.0);
    }

    #[test]
    fn chi2_prob_matches_closed_forms() {
        // ndf = 2: Q = exp(-chi2/2) exactly.
        for &c in &[0.5, 2.0, 10.0, 60.0] {
            let q = chi2_prob(c, 2);
            assert!((q - (-c / 2.0f64).exp()).abs() <= 1e-14 * q.max(1e-300) + 1e-300);
        }
        // ndf = 4: Q = exp(-x)(1 + x), x = chi2/2.
        for &c in &[1.0, 7.0, 30.0] {
            let x: f64 = c / 2.0;
            let want = (-x).exp() * (1.0 + x);
            assert!(((chi2_prob(c, 4) - want) / want).abs() < 1e-12, "{c}");
        }
        // Tabulated critical values (any χ² table): P(χ² > x | ndf) = α.
        for (x, ndf, alpha) in [
            (124.342, 100, 0.05),
            (3.841, 1, 0.05),
            (6.635, 1, 0.01),
            (11.070, 5, 0.05),
            (23.209, 10, 0.01),
        ] {
            assert!((chi2_prob(x, ndf) - alpha).abs() < 2e-5, "{x} {ndf}");
        }
        // ndf = 1: Q = erfc(√(χ²/2)); erfc(2) = 0.004677734981047266 (χ² = 8).
        assert!((chi2_prob(8.0, 1) - 0.004677734981047266).abs() < 1e-13);
        assert_eq!(chi2_prob(0.0, 5), 1.0);
        assert_eq!(chi2_prob(-1.0, 5), 0.0);
        assert_eq!(chi2_prob(3.0, 0), 0.0);
        assert_eq!(chi2_prob(f64::INFINITY, 3), 0.0);
    }

    #[test]
    fn nint_rounds_halves_to_even() {
        assert_eq!(nint(2.5), 2);
        assert_eq!(nint(3.5), 4);
        assert_eq!(nint(3.97), 4);
        assert_eq!(nint(0.44), 0);
    }
}
