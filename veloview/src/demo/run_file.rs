//! One run's Vetra DQM file: every plot the default run view pages name, drawn from the state of
//! the 84 sensors, under the directories Vetra writes them to.

use super::rng::Rng;
use super::sensor::{
    self, quantize, strip_of_channel, Problem, ProblemKind, Sensor, CHANNELS, CHIP_CHANNELS,
    LINK_CHANNELS,
};
use crate::hist::{Axis, Histogram};
use crate::rio::{FileWriter, RootError, WriteOptions};

const PEDESTALS: &str = "Vetra/VeloPedestalSubtractorMoni";
const NOISE: &str = "Vetra/NoiseMon/DecodedADC";
const CLUSTERS: &str = "Velo/VeloClusterMonitor";
const OCCUPANCY: &str = "Velo/VeloOccupancyMonitor";
/// Events whose pedestal-subtracted ADCs are profiled per channel.
const ADC_EVENTS: f64 = 1024.0;
/// Events in the 2D ADC map (fewer, as in Vetra's sampled monitoring).
const ADC_2D_EVENTS: f64 = 128.0;
/// LHC bunch slots per orbit.
const BUNCH_SLOTS: usize = 3564;
/// Mixed into the seed of what each sensor keeps from run to run.
const HARDWARE: u64 = 0x4841_5244;

/// What one file of a run is made from.
pub struct RunSpec<'a> {
    pub run: u32,
    pub seed: u64,
    /// Distinguishes the files of one run (a reprocessing differs from the first pass).
    pub pass: u64,
    pub events: f64,
    pub problems: &'a [Problem],
    pub file_name: &'a str,
    pub datime: u32,
}

fn channel_axis(title: &str) -> Axis {
    Axis::uniform(CHANNELS, 0.0, CHANNELS as f64).with_title(title)
}

fn sensor_axis() -> Axis {
    Axis::uniform(106, -0.5, 105.5).with_title("Sensor number")
}

/// The file's bytes.
pub fn build(spec: &RunSpec) -> Result<Vec<u8>, RootError> {
    let mut w = FileWriter::new(
        spec.file_name,
        WriteOptions {
            level: 4,
            datime: spec.datime,
            title: format!("Vetra DQM histograms, run {}", spec.run),
        },
    );
    let sensors: Vec<Sensor> = sensor::sensors()
        .map(|s| {
            let mut rng = Rng::derive(spec.seed, spec.run as u64 * 4 + spec.pass, s as u64);
            let mut hardware = Rng::derive(spec.seed ^ HARDWARE, 0, s as u64);
            let mine: Vec<Problem> = spec
                .problems
                .iter()
                .filter(|p| p.sensor == Some(s))
                .cloned()
                .collect();
            Sensor::generate(s, spec.events, &mine, &mut hardware, &mut rng)
        })
        .collect();
    for s in &sensors {
        let mut rng = Rng::derive(
            spec.seed ^ 0xadc,
            spec.run as u64 * 4 + spec.pass,
            s.number as u64,
        );
        per_sensor(&mut w, s, &mut rng)?;
    }
    let mut rng = Rng::derive(spec.seed ^ 0xc1, spec.run as u64 * 4 + spec.pass, 0);
    clusters(&mut w, &sensors, spec, &mut rng)?;
    occupancy(&mut w, &sensors, spec, &mut rng)?;
    w.finish()
}

fn per_sensor(w: &mut FileWriter, s: &Sensor, rng: &mut Rng) -> Result<(), RootError> {
    let n = s.number;
    let tell1 = format!("TELL1_{n:03}");
    let kind = if sensor::is_r(n) { "R" } else { "Phi" };

    let mut ped = Histogram::new_1d(
        "TH1F",
        "Pedestal_Bank",
        &format!("Pedestal bank, {tell1} ({kind} sensor {n})"),
        channel_axis("Chip channel"),
    );
    for (ch, &p) in s.pedestal.iter().enumerate() {
        ped.set_content(ch + 1, p);
    }
    w.put_at(&format!("{PEDESTALS}/{tell1}/Pedestal_Bank"), &ped)?;

    // The pedestal-subtracted ADCs: centred on a small common-mode residual per chip, spread by
    // the noise.
    let mut prof = Histogram::new_profile(
        "Ped_Sub_ADCs_Profile",
        &format!("Pedestal-subtracted ADCs, {tell1}"),
        channel_axis("Chip channel"),
    );
    let mut residual = vec![0.0; CHANNELS];
    let mut mean = 0.0;
    for (ch, &noise) in s.noise.iter().enumerate() {
        if ch % CHIP_CHANNELS == 0 {
            mean = quantize(0.05 * rng.normal(), 64.0);
        }
        residual[ch] = mean;
        prof.fill_profile_n(
            ch as f64 + 0.5,
            ADC_EVENTS,
            ADC_EVENTS,
            ADC_EVENTS * mean,
            ADC_EVENTS * (mean * mean + noise * noise),
        );
    }
    prof.y_title = "Pedestal-subtracted ADC".into();
    w.put_at(&format!("{PEDESTALS}/{tell1}/Ped_Sub_ADCs_Profile"), &prof)?;
    w.put_at(
        &format!("{PEDESTALS}/{tell1}/Ped_Sub_ADCs_2D"),
        &adc_2d(s, &residual, &tell1, rng),
    )?;

    // Noise per chip channel and the same values in strip order, computed once per channel at
    // the end of the run as Vetra's NoiseMon does.
    let title = |what: &str| format!("RMS noise vs. {what}, {tell1}");
    let mut by_channel = Histogram::new_profile(
        "RMSNoise_vs_ChipChannel",
        &title("chip channel"),
        channel_axis("Chip channel"),
    );
    let mut by_strip = Histogram::new_profile(
        "RMSNoise_vs_Strip",
        &title("strip"),
        Axis::uniform(CHANNELS, 0.0, CHANNELS as f64).with_title("Strip"),
    );
    for (ch, &noise) in s.noise.iter().enumerate() {
        let strip = strip_of_channel(n, ch);
        by_channel.fill_profile(ch as f64 + 0.5, noise, 1.0);
        by_strip.fill_profile(strip as f64 + 0.5, noise, 1.0);
    }
    by_channel.y_title = "RMS noise [ADC counts]".into();
    by_strip.y_title = "RMS noise [ADC counts]".into();
    w.put_at(
        &format!("{NOISE}/{tell1}/RMSNoise_vs_ChipChannel"),
        &by_channel,
    )?;
    w.put_at(&format!("{NOISE}/{tell1}/RMSNoise_vs_Strip"), &by_strip)?;

    let mut occ = Histogram::new_1d(
        "TH1F",
        &format!("OccPerChannelSens{n}"),
        &format!("Occupancy per channel, sensor {n}"),
        channel_axis("Chip channel"),
    );
    for (ch, &o) in s.occupancy.iter().enumerate() {
        occ.set_content(ch + 1, o);
    }
    w.put_at(&format!("{OCCUPANCY}/OccPerChannelSens{n}"), &occ)
}

/// Pedestal-subtracted ADC against channel, one column per 32-channel link: the expected counts
/// of each channel's Gaussian, with Poisson fluctuations.
fn adc_2d(s: &Sensor, residual: &[f64], tell1: &str, rng: &mut Rng) -> Histogram {
    const GROUP: usize = LINK_CHANNELS;
    const YBINS: usize = 40;
    let mut h = Histogram::new_2d(
        "TH2F",
        "Ped_Sub_ADCs_2D",
        &format!("Pedestal-subtracted ADCs, {tell1}"),
        Axis::uniform(CHANNELS / GROUP, 0.0, CHANNELS as f64).with_title("Chip channel"),
        Axis::uniform(YBINS, -20.0, 20.0).with_title("Pedestal-subtracted ADC"),
    );
    for gx in 0..CHANNELS / GROUP {
        let chans = gx * GROUP..(gx + 1) * GROUP;
        // One Gaussian with the link's mean noise stands for its channels' (they differ by a
        // few percent), which keeps this to one pair of erf evaluations per cell.
        let sd = chans.clone().map(|ch| s.noise[ch]).sum::<f64>() / GROUP as f64;
        let m = residual[gx * GROUP];
        for iy in 1..=YBINS {
            let (lo, hi) = (iy as f64 - 21.0, iy as f64 - 20.0);
            let expected = ADC_2D_EVENTS
                * GROUP as f64
                * (normal_cdf((hi - m) / sd) - normal_cdf((lo - m) / sd));
            let bin = h.bin(gx + 1, iy);
            h.array[bin] = rng.poisson(expected);
        }
    }
    h.reset_stats();
    h
}

/// Φ(x), from the complementary error function (Numerical Recipes' erfc, |error| < 1.2e-7).
fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erfc = t * poly.exp();
    if x >= 0.0 {
        1.0 - 0.5 * erfc
    } else {
        0.5 * erfc
    }
}

fn clusters(
    w: &mut FileWriter,
    sensors: &[Sensor],
    spec: &RunSpec,
    rng: &mut Rng,
) -> Result<(), RootError> {
    let events = spec.events as usize;
    // Clusters per event: a busy-event tail on a Gaussian core, scaled by the mean occupancy.
    let occ: f64 = sensors.iter().map(Sensor::mean_occupancy).sum::<f64>() / sensors.len() as f64;
    let mut per_event = Histogram::new_1d(
        "TH1D",
        "# VELO clusters",
        "Number of VELO clusters per event (Default)",
        Axis::uniform(100, 0.0, 5000.0).with_title("Number of clusters"),
    );
    per_event.y_title = "Events".into();
    let low: f64 = spec
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::LowClusters)
        .map(|p| p.magnitude)
        .product();
    let core = 2400.0 * occ * low;
    for _ in 0..events {
        let busy = rng.uniform() < 0.15;
        let n = if busy {
            core * (1.5 + rng.uniform() * 1.5)
        } else {
            core + 0.25 * core * rng.normal()
        };
        per_event.fill(n.max(0.0).round(), 1.0);
    }
    w.put_at(&format!("{CLUSTERS}/# VELO clusters"), &per_event)?;

    // Strips per cluster, with errors from Sumw2 (the page shows them).
    let mut size = Histogram::new_1d(
        "TH1D",
        "Cluster size",
        "Number of strips per cluster",
        Axis::uniform(10, 0.5, 10.5).with_title("Strips per cluster"),
    );
    size.enable_sumw2();
    size.y_title = "Clusters".into();
    let total_clusters = core * spec.events;
    let shape = [
        0.38, 0.41, 0.12, 0.045, 0.02, 0.01, 0.006, 0.004, 0.003, 0.002,
    ];
    for (i, f) in shape.iter().enumerate() {
        let c = rng.poisson(total_clusters * f / 50.0);
        size.array[i + 1] = c;
        size.sumw2[i + 1] = c;
    }
    size.reset_stats();
    w.put_at(&format!("{CLUSTERS}/Cluster size"), &size)?;

    // Every link of every sensor is read in every event, unless dead.
    let mut links = Histogram::new_2d(
        "TH2F",
        "Active chip links vs sensor",
        "Active chip links versus sensor",
        sensor_axis(),
        Axis::uniform(64, -0.5, 63.5).with_title("Chip link"),
    );
    for s in sensors {
        for link in 0..CHANNELS / LINK_CHANNELS {
            if !s.dead_links.contains(&link) {
                let bin = links.bin(s.number as usize + 1, link + 1);
                links.array[bin] = spec.events;
            }
        }
    }
    links.reset_stats();
    w.put_at(&format!("{CLUSTERS}/Active chip links vs sensor"), &links)?;

    let mut size_vs = Histogram::new_profile(
        "Cluster size vs sensor",
        "Number of strips per cluster versus sensor",
        sensor_axis(),
    );
    size_vs.y_title = "Strips per cluster".into();
    for s in sensors {
        let mean = quantize(
            if sensor::is_r(s.number) { 1.75 } else { 1.95 } + 0.03 * rng.normal(),
            64.0,
        );
        let n = (s.mean_occupancy() / 100.0 * CHANNELS as f64 * spec.events / 64.0).round();
        if n > 0.0 {
            size_vs.fill_profile_n(s.number as f64, n, n, n * mean, n * (mean * mean + 0.64));
        }
    }
    w.put_at(&format!("{CLUSTERS}/Cluster size vs sensor"), &size_vs)
}

fn occupancy(
    w: &mut FileWriter,
    sensors: &[Sensor],
    spec: &RunSpec,
    rng: &mut Rng,
) -> Result<(), RootError> {
    let mut avg = Histogram::new_1d(
        "TH1F",
        "OccAvrgSens",
        "Average sensor occupancy",
        sensor_axis(),
    );
    avg.y_title = "Occupancy [%]".into();
    for s in sensors {
        avg.set_content(s.number as usize + 1, quantize(s.mean_occupancy(), 4096.0));
    }
    w.put_at(&format!("{OCCUPANCY}/OccAvrgSens"), &avg)?;

    let mut spectrum = Histogram::new_1d(
        "TH1F",
        "OccSpectMaxLow",
        "Occupancy spectrum (zoom)",
        Axis::uniform(100, 0.0, 2.0).with_title("Occupancy [%]"),
    );
    spectrum.y_title = "Channels".into();
    for s in sensors {
        for &o in &s.occupancy {
            spectrum.fill(o, 1.0);
        }
    }
    w.put_at(&format!("{OCCUPANCY}/OccSpectMaxLow"), &spectrum)?;

    // Occupancy per bunch crossing: trains of 48 filled bunches, a little higher towards the end
    // of each train; the C side sees slightly less than the A side.
    let all: f64 = sensors.iter().map(Sensor::mean_occupancy).sum::<f64>() / sensors.len() as f64;
    let filled: Vec<usize> = (100..3400).filter(|b| b % 60 < 48).collect();
    let per_bunch = (spec.events / filled.len() as f64).max(1.0).round();
    for (side, scale) in [("ASide", 1.0), ("CSide", 0.96)] {
        let mut h = Histogram::new_profile(
            &format!("h_veloOccVsBunchId_{side}"),
            &format!("% VELO occupancy vs. LHC bunch ID ({} side)", &side[..1]),
            Axis::uniform(BUNCH_SLOTS, -0.5, BUNCH_SLOTS as f64 - 0.5).with_title("Bunch ID"),
        );
        h.y_title = "Occupancy [%]".into();
        for &b in &filled {
            let in_train = (b % 60) as f64 / 48.0;
            let mean = quantize(
                all * scale * (0.95 + 0.1 * in_train + 0.03 * rng.normal()),
                1024.0,
            );
            let spread = quantize(0.3 * mean, 1024.0);
            h.fill_profile_n(
                b as f64,
                per_bunch,
                per_bunch,
                per_bunch * mean,
                per_bunch * (mean * mean + spread * spread),
            );
        }
        w.put_at(&format!("{OCCUPANCY}/h_veloOccVsBunchId_{side}"), &h)?;
    }
    Ok(())
}
