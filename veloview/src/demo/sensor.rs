//! The state of one VELO sensor in one run, channel by channel: pedestal, noise and occupancy,
//! with the run's problems applied. Every plot of the run file is drawn from this state, so the
//! plots of one sensor agree with each other (a dead chip is quiet in the noise, empty in the
//! occupancy and missing from the active links).

use super::rng::Rng;

pub const CHANNELS: usize = 2048;
/// Beetle front-end chips per sensor, 128 channels each, read out over 4 links of 32 channels.
pub const CHIPS: usize = 16;
pub const CHIP_CHANNELS: usize = 128;
pub const LINK_CHANNELS: usize = 32;

/// The 42 R sensors (0–41) and 42 Φ sensors (64–105) Vetra monitors.
pub fn sensors() -> impl Iterator<Item = u32> {
    (0..42).chain(64..106)
}

pub fn is_r(sensor: u32) -> bool {
    sensor < 64
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The whole sensor's noise is `magnitude` times the usual, and it picks up noise hits.
    NoisySensor,
    /// `magnitude` adjacent channels give no signal: noise ≈ 0, no hits, their links inactive.
    DeadStrips,
    /// The sensor's pedestals sit `magnitude` ADC counts above the usual 512.
    ShiftedPedestal,
    /// Run-wide: `magnitude` times the usual number of clusters per event.
    LowClusters,
    /// The sensor's hit occupancy is `magnitude` times the usual.
    HighOccupancy,
}

impl ProblemKind {
    pub const ALL: [ProblemKind; 5] = [
        ProblemKind::NoisySensor,
        ProblemKind::DeadStrips,
        ProblemKind::ShiftedPedestal,
        ProblemKind::LowClusters,
        ProblemKind::HighOccupancy,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ProblemKind::NoisySensor => "noisy_sensor",
            ProblemKind::DeadStrips => "dead_strips",
            ProblemKind::ShiftedPedestal => "shifted_pedestal",
            ProblemKind::LowClusters => "low_clusters",
            ProblemKind::HighOccupancy => "high_occupancy",
        }
    }

    pub fn parse(name: &str) -> Option<ProblemKind> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether the problem is in one sensor (else it is run-wide).
    pub fn per_sensor(self) -> bool {
        self != ProblemKind::LowClusters
    }

    /// The magnitudes data quality must flag (the issue's): 64 dead channels, noise × 1.5,
    /// pedestals + 15 ADC, clusters × 0.6, occupancy × 4.
    pub fn default_magnitude(self) -> f64 {
        match self {
            ProblemKind::NoisySensor => 1.5,
            ProblemKind::DeadStrips => 64.0,
            ProblemKind::ShiftedPedestal => 15.0,
            ProblemKind::LowClusters => 0.6,
            ProblemKind::HighOccupancy => 4.0,
        }
    }

    /// The magnitudes that make sense, for checking what a user asks for.
    pub fn magnitude_range(self) -> (f64, f64) {
        match self {
            ProblemKind::NoisySensor => (0.0, 20.0),
            ProblemKind::DeadStrips => (1.0, CHANNELS as f64),
            ProblemKind::ShiftedPedestal => (-400.0, 400.0),
            ProblemKind::LowClusters => (0.0, 10.0),
            ProblemKind::HighOccupancy => (0.0, 50.0),
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Problem {
    pub run: u32,
    /// `None` for a run-wide problem.
    pub sensor: Option<u32>,
    pub kind: ProblemKind,
    /// The chip channels affected, first and last (inclusive); `None` for a run-wide problem.
    pub channels: Option<[usize; 2]>,
    /// Factor, channel count or ADC shift, by kind (see [`ProblemKind`]).
    pub magnitude: f64,
    pub detail: String,
}

pub struct Sensor {
    pub number: u32,
    /// Per chip channel, in ADC counts (whole numbers, as the TELL1 stores them).
    pub pedestal: Vec<f64>,
    /// RMS noise per chip channel, ADC counts, rounded to 1/32 (values with short mantissas
    /// compress well, which keeps the dataset small).
    pub noise: Vec<f64>,
    /// Fraction of events with a hit, per chip channel, in percent.
    pub occupancy: Vec<f64>,
    pub dead_links: Vec<usize>,
}

/// Round to a multiple of 1/`den` (a power of two, so the result is exact in binary).
pub fn quantize(x: f64, den: f64) -> f64 {
    (x * den).round() / den
}

/// The physical strip a chip channel reads. R sensors read each 512-strip sector with every
/// other chip mirrored; Φ sensors interleave inner and outer strips.
pub fn strip_of_channel(sensor: u32, ch: usize) -> usize {
    let chip = ch / CHIP_CHANNELS;
    let c = ch % CHIP_CHANNELS;
    if is_r(sensor) {
        chip * CHIP_CHANNELS
            + if chip % 2 == 1 {
                CHIP_CHANNELS - 1 - c
            } else {
                c
            }
    } else {
        // 683 inner strips then 1365 outer ones, read alternately in channel order.
        let inner = ch / 3;
        if ch.is_multiple_of(3) && inner < 683 {
            inner
        } else {
            683 + (ch - ch / 3 - 1).min(1364)
        }
    }
}

/// Relative capacitance-driven noise of a strip: longer strips are noisier.
fn strip_noise_factor(sensor: u32, strip: usize) -> f64 {
    if is_r(sensor) {
        // R strips are arcs whose length grows with radius within each 512-strip sector.
        0.85 + 0.3 * (strip % 512) as f64 / 512.0
    } else if strip < 683 {
        0.9
    } else {
        1.1
    }
}

/// Hit occupancy of a strip in percent: highest close to the beam.
fn strip_occupancy(sensor: u32, strip: usize) -> f64 {
    if is_r(sensor) {
        0.12 + 1.1 * (-((strip % 512) as f64) / 250.0).exp()
    } else if strip < 683 {
        0.15 + 0.9 * (-(strip as f64) / 400.0).exp()
    } else {
        0.1 + 0.4 * (-((strip - 683) as f64) / 800.0).exp()
    }
}

impl Sensor {
    /// The sensor in one run. `hardware` draws what belongs to the sensor itself and stays from
    /// run to run (pedestals, the noise of each channel), as on the real detector, so comparing
    /// with a reference run is meaningful; `rng` draws what changes every run.
    pub fn generate(
        number: u32,
        events: f64,
        problems: &[Problem],
        hardware: &mut Rng,
        rng: &mut Rng,
    ) -> Sensor {
        // A problem acts on its channels only (a whole-sensor one on all of them), so a noisy
        // link or a shifted chip can be asked for as well as a whole noisy sensor.
        let on = |p: &&Problem, kind: ProblemKind, ch: usize| {
            p.kind == kind && p.channels.is_some_and(|[lo, hi]| (lo..=hi).contains(&ch))
        };
        let factor = |kind: ProblemKind, ch: usize| {
            problems
                .iter()
                .filter(|p| on(p, kind, ch))
                .map(|p| p.magnitude)
                .product::<f64>()
        };
        let shift = |ch: usize| -> f64 {
            problems
                .iter()
                .filter(|p| on(p, ProblemKind::ShiftedPedestal, ch))
                .map(|p| p.magnitude)
                .sum()
        };
        let dead = |ch: usize| problems.iter().any(|p| on(&p, ProblemKind::DeadStrips, ch));
        // Temperature and gain drift: a percent or two from run to run.
        let base_noise = (1.9 + 0.2 * hardware.uniform()) * (1.0 + 0.015 * rng.normal());
        let mut pedestal = Vec::with_capacity(CHANNELS);
        let mut noise = Vec::with_capacity(CHANNELS);
        let mut occupancy = Vec::with_capacity(CHANNELS);
        let (mut chip_offset, mut chip_drift) = (0.0, 0.0);
        for ch in 0..CHANNELS {
            if ch % CHIP_CHANNELS == 0 {
                chip_offset = (hardware.normal() * 6.0).round();
                chip_drift = (rng.normal() * 0.4).round();
            }
            let strip = strip_of_channel(number, ch);
            let noise_factor = factor(ProblemKind::NoisySensor, ch);
            // A noisier channel crosses the hit threshold more often.
            let noise_hits = 1.25 * (noise_factor - 1.0).max(0.0);
            let ped =
                512.0 + chip_offset + chip_drift + (hardware.normal() * 2.0).round() + shift(ch);
            let edge = matches!(ch % CHIP_CHANNELS, 0 | 127);
            let mut n = base_noise
                * strip_noise_factor(number, strip)
                * (1.0 + 0.01 * hardware.normal())
                * (1.0 + 0.005 * rng.normal())
                * if edge { 1.15 } else { 1.0 }
                * noise_factor;
            let mut occ = strip_occupancy(number, strip)
                * (1.0 + 0.05 * rng.normal())
                * factor(ProblemKind::HighOccupancy, ch)
                + noise_hits;
            if dead(ch) {
                n = 0.3 + 0.05 * rng.normal().abs();
                occ = 0.0;
            }
            pedestal.push(ped);
            noise.push(quantize(n.max(0.1), 32.0));
            let hits = rng.poisson(occ.max(0.0) / 100.0 * events);
            occupancy.push(quantize(hits / events * 100.0, 1024.0));
        }
        let dead_links = (0..CHANNELS / LINK_CHANNELS)
            .filter(|l| (l * LINK_CHANNELS..(l + 1) * LINK_CHANNELS).all(dead))
            .collect();
        Sensor {
            number,
            pedestal,
            noise,
            occupancy,
            dead_links,
        }
    }

    #[cfg(test)]
    pub fn mean_noise(&self) -> f64 {
        self.noise.iter().sum::<f64>() / self.noise.len() as f64
    }

    pub fn mean_occupancy(&self) -> f64 {
        self.occupancy.iter().sum::<f64>() / self.occupancy.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_maps_are_permutations() {
        for sensor in [0, 64] {
            let mut seen = vec![false; CHANNELS];
            for ch in 0..CHANNELS {
                let s = strip_of_channel(sensor, ch);
                assert!(!seen[s], "sensor {sensor}: strip {s} read twice");
                seen[s] = true;
            }
        }
    }

    #[test]
    fn problems_show_in_the_state() {
        let p = |kind, channels: [usize; 2], magnitude| Problem {
            run: 1,
            sensor: Some(3),
            kind,
            channels: Some(channels),
            magnitude,
            detail: String::new(),
        };
        let make = |problems: &[Problem]| {
            Sensor::generate(3, 10000.0, problems, &mut Rng::new(7), &mut Rng::new(1))
        };
        let ok = make(&[]);
        let noisy = make(&[p(ProblemKind::NoisySensor, [0, 2047], 1.5)]);
        let ratio = noisy.mean_noise() / ok.mean_noise();
        assert!((1.45..1.55).contains(&ratio), "{ratio}");
        let dead = make(&[p(ProblemKind::DeadStrips, [256, 383], 128.0)]);
        assert_eq!(dead.dead_links, vec![8, 9, 10, 11]);
        assert!(dead.occupancy[256..384].iter().all(|&o| o == 0.0));
        let shifted = make(&[p(ProblemKind::ShiftedPedestal, [0, 2047], 15.0)]);
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        assert!((mean(&shifted.pedestal) - mean(&ok.pedestal) - 15.0).abs() < 1e-9);
        let hot = make(&[p(ProblemKind::HighOccupancy, [0, 2047], 4.0)]);
        let ratio = hot.mean_occupancy() / ok.mean_occupancy();
        assert!((3.8..4.2).contains(&ratio), "{ratio}");
    }

    #[test]
    fn the_hardware_stays_from_run_to_run() {
        let a = Sensor::generate(3, 10000.0, &[], &mut Rng::new(7), &mut Rng::new(1));
        let b = Sensor::generate(3, 10000.0, &[], &mut Rng::new(7), &mut Rng::new(2));
        let diff: Vec<f64> = a
            .pedestal
            .iter()
            .zip(&b.pedestal)
            .map(|(x, y)| x - y)
            .collect();
        assert!(
            diff.iter().all(|d| d.abs() <= 3.0),
            "pedestals drift by a count or two"
        );
        assert!((a.mean_noise() / b.mean_noise() - 1.0).abs() < 0.08);
    }
}
