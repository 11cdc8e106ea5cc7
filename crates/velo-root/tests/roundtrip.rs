//! Property test: random histograms of every writable class — random binning (uniform and
//! variable), contents, Sumw2, labels, statistics, profile parts, and titles with odd characters —
//! come back from a written file exactly as they went in (after the narrowing of TArrayF/TArrayI).
//! A seeded loop rather than a framework: every failure names its seed, and reruns reproduce it.

mod samples;

use samples::{as_stored, tempdir};
use velo_root::hist::{Axis, BinErrorOption, ErrorMode, Histogram, Profile, Stats};
use velo_root::rio::{writer, FileWriter, WriteOptions};
use velo_root::RootFile;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, in_n: usize) -> bool {
        self.below(in_n) == 0
    }
    /// Finite doubles over many magnitudes, signs and the awkward values.
    fn value(&mut self) -> f64 {
        match self.below(6) {
            0 => 0.0,
            1 => self.below(1000) as f64,
            2 => {
                let v = f64::from_bits(self.next());
                if v.is_finite() {
                    v
                } else {
                    -1e300
                }
            }
            3 => -(self.below(1 << 20) as f64) / 7.0,
            4 => f64::MIN_POSITIVE * self.below(10) as f64,
            _ => (self.next() >> 11) as f64 / (1u64 << 53) as f64,
        }
    }
    fn text(&mut self, max: usize) -> String {
        const PIECES: &[&str] = &[
            "a", "Z", " ", "#", "%", "\"", "'", "<b>", "&amp;", "\\", "\t", "é", "Φ", "→", "💡",
            "{0}", "[mm]", ";", "#sigma", "100%", "\u{0}",
        ];
        let n = self.below(max + 1);
        (0..n).map(|_| PIECES[self.below(PIECES.len())]).collect()
    }
    fn axis(&mut self, max_bins: usize) -> Axis {
        let nbins = 1 + self.below(max_bins);
        let mut a = if self.chance(2) {
            let lo = -(self.below(1000) as f64) / 3.0;
            Axis::uniform(nbins, lo, lo + 0.5 + self.below(5000) as f64)
        } else {
            let mut edges = vec![self.value().clamp(-1e6, 1e6)];
            for _ in 0..nbins {
                let step = 1e-3 + (self.next() >> 11) as f64 / (1u64 << 53) as f64 * 100.0;
                edges.push(edges.last().unwrap() + step);
            }
            Axis::variable(edges)
        };
        a.title = self.text(8);
        if self.chance(4) {
            a.labels = (0..nbins).map(|_| self.text(3)).collect();
        }
        a
    }
}

fn random_histogram(rng: &mut Rng, i: usize) -> Histogram {
    const CLASSES: &[&str] = &["TH1F", "TH1D", "TH1I", "TH2F", "TH2D", "TH2I", "TProfile"];
    let class = CLASSES[rng.below(CLASSES.len())];
    // Names are unique per directory, may be long, and never hold the path separator.
    let name = format!("h{i}_{}", rng.text(4).replace(['/', ';'], "_"));
    let title = if rng.chance(8) {
        "t".repeat(300) + &rng.text(5)
    } else {
        rng.text(12)
    };
    let x = rng.axis(120);
    let mut h = match class {
        "TProfile" => Histogram::new_profile(&name, &title, x),
        c if c.starts_with("TH2") => {
            let y = rng.axis(25);
            Histogram::new_2d(c, &name, &title, x, y)
        }
        c => Histogram::new_1d(c, &name, &title, x),
    };
    if h.y.is_none() {
        h.y_title = rng.text(6);
    }
    let n = h.ncells();
    let integer = class.ends_with('I');
    for v in h.array.iter_mut() {
        *v = if integer {
            rng.below(1 << 30) as f64 - (1 << 29) as f64
        } else {
            rng.value()
        };
    }
    if class == "TProfile" || rng.chance(2) {
        h.sumw2 = (0..n).map(|_| rng.value().abs()).collect();
    }
    if let Some(p) = h.profile.as_mut() {
        *p = Profile {
            bin_entries: (0..n).map(|_| rng.below(50) as f64).collect(),
            bin_sumw2: if rng.chance(2) {
                (0..n).map(|_| rng.value().abs()).collect()
            } else {
                Vec::new()
            },
            error_mode: [
                ErrorMode::Mean,
                ErrorMode::Spread,
                ErrorMode::SpreadI,
                ErrorMode::SpreadG,
            ][rng.below(4)],
        };
    }
    let two_d = h.y.is_some();
    let profile = h.profile.is_some();
    h.stats = Stats {
        entries: rng.below(100000) as f64,
        tsumw: rng.value(),
        tsumw2: rng.value(),
        tsumwx: rng.value(),
        tsumwx2: rng.value(),
        tsumwy: if two_d || profile { rng.value() } else { 0.0 },
        tsumwy2: if two_d || profile { rng.value() } else { 0.0 },
        tsumwxy: if two_d { rng.value() } else { 0.0 },
        ..Stats::default()
    };
    h.bin_error_option = [
        BinErrorOption::Normal,
        BinErrorOption::Poisson,
        BinErrorOption::Poisson2,
    ][rng.below(3)];
    h
}

#[test]
fn random_histograms_round_trip_through_write_and_read() {
    let dir = tempdir("roundtrip");
    for seed in 0..150u64 {
        let mut rng = Rng(seed);
        let hists: Vec<Histogram> = (0..1 + rng.below(12))
            .map(|i| random_histogram(&mut rng, i))
            .collect();
        let level = rng.below(10) as u32;
        let mut w = FileWriter::new(
            &format!("roundtrip-{seed}.root"),
            WriteOptions {
                level,
                ..WriteOptions::default()
            },
        );
        let sub = w.mkdir_all("random/dir with spaces").unwrap();
        let mut paths = Vec::new();
        for (i, h) in hists.iter().enumerate() {
            let (d, prefix) = if i % 2 == 0 {
                (writer::TOP, "")
            } else {
                (sub, "random/dir with spaces/")
            };
            w.put(d, h).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            paths.push(format!("{prefix}{}", h.name));
        }
        let path = dir.join(format!("roundtrip-{seed}.root"));
        w.write_to(&path).unwrap();
        let f = RootFile::open(&path).unwrap();
        for (p, h) in paths.iter().zip(&hists) {
            let back = f
                .histogram(p)
                .unwrap_or_else(|e| panic!("seed {seed}, {p:?}: {e}"));
            same(
                &back,
                &as_stored(h),
                &format!("seed {seed}, {p:?} ({}, level {level})", h.class),
            );
        }
    }
}

/// Field by field, so that a failure shows what differs rather than two whole histograms.
fn same(got: &Histogram, want: &Histogram, what: &str) {
    assert_eq!(
        (&got.class, &got.name, &got.title, &got.y_title),
        (&want.class, &want.name, &want.title, &want.y_title),
        "{what}"
    );
    assert_eq!(got.x, want.x, "{what}: x axis");
    assert_eq!(got.y, want.y, "{what}: y axis");
    assert_eq!(got.stats, want.stats, "{what}: stats");
    assert_eq!(got.bin_error_option, want.bin_error_option, "{what}");
    let arrays = |h: &Histogram| {
        let p = h.profile.as_ref();
        [
            h.array.clone(),
            h.sumw2.clone(),
            p.map(|p| p.bin_entries.clone()).unwrap_or_default(),
            p.map(|p| p.bin_sumw2.clone()).unwrap_or_default(),
        ]
    };
    for (i, (g, w)) in arrays(got).iter().zip(arrays(want).iter()).enumerate() {
        assert_eq!(g.len(), w.len(), "{what}: array {i} length");
        if let Some(k) = (0..g.len()).find(|&k| g[k].to_bits() != w[k].to_bits()) {
            panic!(
                "{what}: array {i} differs at cell {k}: {} != {}",
                g[k], w[k]
            );
        }
    }
    assert_eq!(
        got.profile.as_ref().map(|p| p.error_mode),
        want.profile.as_ref().map(|p| p.error_mode),
        "{what}"
    );
}
