//! Plot result formatting for the largest run view plots: a 2048-strip noise profile and large
//! 2D histograms. Compares writing JSON straight from the histogram with building a
//! serde_json::Value tree first (what a `json!`-based formatter does).
//!
//! cargo bench -p veloview --bench format

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use std::hint::black_box;
use veloview::hist::{Axis, BinErrorOption, ErrorMode, Histogram, Profile, Stats};
use veloview::runview::format::{self, PlotResult, Source};
use veloview::runview::{get_run_plot_json, PlotRequest, RunData};
use veloview::RootFile;

/// A deterministic stand-in for measured values (no RNG dependency needed).
fn noise(i: usize) -> f64 {
    let x = (i as f64 * 12.9898).sin() * 43758.5453;
    x - x.floor()
}

fn axis(n: usize, min: f64, max: f64, title: &str) -> Axis {
    let mut a = Axis::uniform(n, min, max);
    a.title = title.into();
    a
}

/// RMSNoise_vs_Strip: a TProfile over 2048 strips, ~10 entries per strip.
fn strip_profile() -> Histogram {
    let n = 2048;
    let cells = n + 2;
    let entries: Vec<f64> = (0..cells).map(|i| 8.0 + (i % 5) as f64).collect();
    let array: Vec<f64> = (0..cells).map(|i| entries[i] * (2.0 + noise(i))).collect();
    let sumw2: Vec<f64> = (0..cells)
        .map(|i| entries[i] * (2.0 + noise(i)).powi(2) * 1.01)
        .collect();
    Histogram {
        class: "TProfile".into(),
        name: "RMSNoise_vs_Strip".into(),
        title: "RMS noise vs strip, TELL1_005".into(),
        x: axis(n, -0.5, n as f64 - 0.5, "Strip"),
        y: None,
        y_title: "RMS noise [ADC]".into(),
        stats: Stats {
            entries: entries.iter().sum(),
            tsumw: entries.iter().sum(),
            tsumw2: entries.iter().sum(),
            tsumwx: 1.0e7,
            tsumwx2: 2.0e10,
            ..Stats::default()
        },
        array,
        sumw2,
        profile: Some(Profile {
            bin_entries: entries.clone(),
            bin_sumw2: entries,
            error_mode: ErrorMode::Mean,
        }),
        bin_error_option: BinErrorOption::Normal,
    }
}

/// A TH2D of `nx` x `ny` bins, every bin filled.
fn th2(nx: usize, ny: usize) -> Histogram {
    let cells = (nx + 2) * (ny + 2);
    Histogram {
        class: "TH2D".into(),
        name: "Ped_Sub_ADCs_2D".into(),
        title: "Pedestal subtracted ADCs".into(),
        x: axis(nx, -0.5, nx as f64 - 0.5, "Chip channel"),
        y: Some(axis(ny, -30.5, ny as f64 - 30.5, "ADC")),
        y_title: "ADC".into(),
        stats: Stats {
            entries: 1.0e6,
            tsumw: 1.0e6,
            tsumw2: 1.0e6,
            tsumwx: 1.0e8,
            tsumwx2: 3.0e10,
            ..Stats::default()
        },
        array: (0..cells).map(|i| (100.0 * noise(i)).round()).collect(),
        sumw2: Vec::new(),
        profile: None,
        bin_error_option: BinErrorOption::Normal,
    }
}

/// Direct and via-`Value` formatting of `h`, with the result size as throughput.
fn formatting_cases(g: &mut BenchmarkGroup<WallTime>, name: &str, h: &Histogram) {
    let r = PlotResult {
        hist: h,
        source: Some(Source {
            run: 123987,
            reference: false,
            file: "run.root",
        }),
    };
    g.throughput(Throughput::Bytes(format::plot_result_json(&r).len() as u64));
    g.bench_function(format!("{name}/direct"), |b| {
        b.iter(|| format::plot_result_json(black_box(&r)))
    });
    g.bench_function(format!("{name}/value_tree"), |b| {
        b.iter(|| serde_json::to_string(&format::to_value(black_box(&r))).unwrap())
    });
}

fn bench(c: &mut Criterion) {
    let cases = [
        ("tprofile_2048", strip_profile()),
        ("th2d_256x61", th2(256, 61)),
        ("th2d_2048x128", th2(2048, 128)),
    ];
    let mut g = c.benchmark_group("plot_formatting");
    for (name, h) in &cases {
        formatting_cases(&mut g, name, h);
    }
    g.finish();
}

/// A one-run demo dataset (`veloview demo-data`), in a temporary directory.
struct Demo {
    root: std::path::PathBuf,
    data: RunData,
}

impl Demo {
    fn new() -> Demo {
        let root = std::env::temp_dir().join(format!("veloview-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let opts = veloview::demo::Options {
            runs: 1,
            ..Default::default()
        };
        veloview::demo::generate(&root, &opts).unwrap();
        let data = RunData::new(&root, root.join("RunList.txt"), root.join("refs.toml"));
        Demo { root, data }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// The demo run file's three plots with the largest results, largest first.
fn largest_demo_plots(demo: &Demo, run: u32) -> Vec<(String, Histogram)> {
    let f = RootFile::open(demo.data.run_file(run).unwrap()).unwrap();
    let mut all: Vec<(usize, String, Histogram)> = f
        .walk()
        .unwrap()
        .into_iter()
        .filter(|e| !e.key.is_directory())
        .map(|e| {
            let h = f.histogram_of(&e.key).unwrap();
            let len = format::plot_result_json(&PlotResult {
                hist: &h,
                source: None,
            })
            .len();
            (len, e.path, h)
        })
        .collect();
    all.sort_by_key(|a| std::cmp::Reverse(a.0));
    // One of each class: the 84 sensors' plots of one kind are all the same size.
    let mut seen = Vec::new();
    all.into_iter()
        .filter(|(_, _, h)| {
            let new = !seen.contains(&h.class);
            seen.push(h.class.clone());
            new
        })
        .take(3)
        .map(|(_, p, h)| (p, h))
        .collect()
}

fn demo(c: &mut Criterion) {
    let demo = Demo::new();
    let run = demo.data.runs().unwrap().0.default_run().unwrap();
    let mut g = c.benchmark_group("demo_plot_formatting");
    for (path, h) in largest_demo_plots(&demo, run) {
        let name = format!("{}_{}", h.class, path.rsplit('/').next().unwrap());
        formatting_cases(&mut g, &name, &h);
    }
    g.finish();
    // The whole worker path for the largest plot kind: run list, newest file, open, inflate,
    // decode, format.
    let req = PlotRequest {
        name: "Vetra/NoiseMon/DecodedADC/TELL1_{0:03d}/RMSNoise_vs_Strip".into(),
        run,
        sensor: 64,
        reference: false,
    };
    assert!(get_run_plot_json(&demo.data, &req).starts_with("{\"success\":true"));
    c.bench_function("plot_request/demo_RMSNoise_vs_Strip", |b| {
        b.iter(|| get_run_plot_json(black_box(&demo.data), black_box(&req)))
    });
}

criterion_group! {
    name = benches;
    // Short runs: the machine is shared, and the differences measured are large.
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = bench, demo
}
criterion_main!(benches);
