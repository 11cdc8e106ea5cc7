//! The original's toy tree (veloview/tests/analysis/test_toy.py), end to end: eight leaves with
//! the original's checks under a master combiner {10, 25, 1, 2}, histograms written to a data
//! run's and a reference run's ROOT files, evaluated by `evaluate_run` from a configuration file.
//! Four leaves are ERROR, so the master is ERROR (errors 4 ≥ minEE 2). Also: what a run that
//! cannot be judged, a histogram missing from a readable file and a run without a reference run
//! give.

use std::path::{Path, PathBuf};
use veloview::dq::{evaluate_run, DqConfig, Level, NodeResult};
use veloview::hist::{Axis, Histogram};
use veloview::rio::{FileWriter, WriteOptions};
use veloview::runview::{paths::run_dir, RunData};

/// SplitMix64 with Box–Muller: the toy's histograms are the same on every run of the test.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u1, u2) = (1.0 - self.uniform(), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

#[derive(Clone, Copy)]
enum Shape {
    Flat,
    Gauss(f64, f64),
}

/// `TH1D(name, "", 100, -10, 10).FillRandom(shape, 10000)`, values outside the axis going to
/// the flow bins as ROOT's would.
fn toy(name: &str, shape: Shape, rng: &mut Rng) -> Histogram {
    let mut h = Histogram::new_1d("TH1D", name, "", Axis::uniform(100, -10.0, 10.0));
    for _ in 0..10_000 {
        let x = match shape {
            Shape::Flat => -10.0 + 20.0 * rng.uniform(),
            Shape::Gauss(mu, sigma) => mu + sigma * rng.normal(),
        };
        h.fill(x, 1.0);
    }
    h
}

fn tmp(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write_run(dir: &Path, run: u32, hists: &[Histogram]) {
    let d = run_dir(dir, run);
    std::fs::create_dir_all(&d).unwrap();
    let name = format!("VELODQM_{run}_2015-06-01_00.00.00_NZS.root");
    let mut w = FileWriter::new(
        &name,
        WriteOptions {
            level: 1,
            datime: 0,
            title: "toy".into(),
        },
    );
    for h in hists {
        w.put_at(&format!("Toy/{}", h.name), h).unwrap();
    }
    std::fs::write(d.join(&name), w.finish().unwrap()).unwrap();
}

/// Runs 1 (the reference) and 2 (the data), and the references file mapping 2 to 1.
fn dataset(name: &str, data: &[Histogram], reference: &[Histogram]) -> RunData {
    let dir = tmp(name);
    write_run(&dir, 1, reference);
    write_run(&dir, 2, data);
    std::fs::write(dir.join("RunList.txt"), "1\n2\n").unwrap();
    std::fs::write(
        dir.join("references.toml"),
        "[[range]]\nfirst = 1\nlast = 2\nreference = 1\n",
    )
    .unwrap();
    RunData::new(&dir, dir.join("RunList.txt"), dir.join("references.toml"))
}

/// (leaf, check, argument, reference shape, data shape, uses the reference, expected level):
/// the original's `comp_fns`, with ρ = 10000/100 entries per bin.
const RHO: f64 = 100.0;

fn toy_leaves() -> Vec<(
    &'static str,
    &'static str,
    String,
    Shape,
    Shape,
    bool,
    Level,
)> {
    let g = Shape::Gauss;
    let sqrt = RHO.sqrt();
    vec![
        (
            "FT1",
            "floor",
            format!("{}", RHO - 5.0 * sqrt),
            Shape::Flat,
            Shape::Flat,
            false,
            Level::Ok,
        ),
        (
            "FT2",
            "floor",
            format!("{}", RHO - sqrt),
            Shape::Flat,
            Shape::Flat,
            false,
            Level::Error,
        ),
        (
            "CT1",
            "ceiling",
            format!("{}", RHO + 5.0 * sqrt),
            Shape::Flat,
            Shape::Flat,
            false,
            Level::Ok,
        ),
        (
            "CT2",
            "ceiling",
            format!("{}", RHO + sqrt),
            Shape::Flat,
            Shape::Flat,
            false,
            Level::Error,
        ),
        (
            "MWDR1",
            "mean_width_diff_ref",
            "0.1".into(),
            g(0.0, 3.0),
            g(0.0, 3.0),
            true,
            Level::Ok,
        ),
        (
            "MWDR2",
            "mean_width_diff_ref",
            "0.1".into(),
            g(0.0, 3.0),
            g(1.0, 2.0),
            true,
            Level::Error,
        ),
        (
            "ZCBR1",
            "zero_centred_band_ref",
            "5".into(),
            g(0.0, 1.0),
            g(0.0, 1.0),
            false,
            Level::Ok,
        ),
        (
            "ZCBR2",
            "zero_centred_band_ref",
            "3".into(),
            g(0.0, 1.0),
            g(0.0, 2.0),
            false,
            Level::Error,
        ),
    ]
}

#[test]
fn the_original_toy_tree_is_error() {
    let mut rng = Rng(20140101);
    let mut config =
        String::from("title = \"Master\"\nmin_ww = 10\nmin_we = 25\nmin_ew = 1\nmin_ee = 2\n");
    let (mut data, mut reference) = (Vec::new(), Vec::new());
    for (name, check, arg, ref_shape, data_shape, uses_ref, _) in toy_leaves() {
        reference.push(toy(name, ref_shape, &mut rng));
        data.push(toy(name, data_shape, &mut rng));
        config.push_str(&format!(
            "\n[[leaf]]\nkey = \"{name}\"\ntitle = \"{name}\"\npath = \"Toy/{name}\"\n\
             check = \"{check}\"\nargs = {arg}\nreference = {uses_ref}\n"
        ));
    }
    let run_data = dataset("dq-toy", &data, &reference);
    let config = DqConfig::parse(&config, "toy.toml").unwrap();
    let e = evaluate_run(&run_data, &config, 2).unwrap();
    assert_eq!(e.reference_run, Some(1));
    for ((name, _, _, _, _, _, expected), leaf) in toy_leaves().iter().zip(&e.root.children) {
        assert_eq!(leaf.key, *name);
        assert_eq!(leaf.level, *expected, "{name}: {leaf:?}");
    }
    assert_eq!((e.root.errors, e.root.warnings), (4, 4));
    assert_eq!(e.root.level, Level::Error);
    // Half the leaves score 100, half 0 (the original's checks score all or nothing, except
    // mean/width, whose 0 here is both parts failing).
    assert!(
        (e.root.score.value() - 50.0).abs() < 1e-9,
        "{}",
        e.root.score.value()
    );
    assert_eq!(e.trends["score"], e.root.score.value());
    assert_eq!(e.trends["FT2.score"], 0.0);
}

fn leaf_config(path: &str, check: &str, args: &str, reference: bool) -> DqConfig {
    let text = format!(
        "[[branch]]\nkey = \"b\"\ntitle = \"B\"\n\n[[branch.leaf]]\nkey = \"l\"\ntitle = \"L\"\n\
         path = \"{path}\"\ncheck = \"{check}\"\nargs = {args}\nreference = {reference}\n\
         trend = [\"mean\", \"rms\", \"mean_content\"]\n"
    );
    DqConfig::parse(&text, "t.toml").unwrap()
}

fn only_leaf(e: &NodeResult) -> &NodeResult {
    &e.children[0].children[0]
}

#[test]
fn a_missing_histogram_is_an_error_leaf_saying_so() {
    let mut rng = Rng(1);
    let h = toy("present", Shape::Gauss(0.0, 1.0), &mut rng);
    let run_data = dataset(
        "dq-missing",
        std::slice::from_ref(&h),
        std::slice::from_ref(&h),
    );
    let config = leaf_config("Toy/absent", "floor", "1", false);
    let e = evaluate_run(&run_data, &config, 2).unwrap();
    let leaf = only_leaf(&e.root);
    assert_eq!(leaf.level, Level::Error);
    let reason = leaf.details["reason"].as_str().unwrap();
    assert!(
        reason.contains("Toy/absent") && reason.contains("run file 2"),
        "{reason}"
    );
    assert_eq!(e.root.errors, 1);
    assert_eq!(e.root.level, Level::Warning);
    // A readable histogram is trended, whatever its check says.
    let config = leaf_config("Toy/present", "floor", "1e9", false);
    let e = evaluate_run(&run_data, &config, 2).unwrap();
    assert!(e.trends["b.l.mean"].abs() < 0.1);
    assert!((e.trends["b.l.rms"] - 1.0).abs() < 0.1);
    assert!(e.trends.contains_key("b.l.mean_content"));
    assert_eq!(e.trends["b.l.score"], 0.0);
}

#[test]
fn without_a_reference_run_reference_checks_are_skipped() {
    let mut rng = Rng(2);
    let h = toy("h", Shape::Gauss(0.0, 3.0), &mut rng);
    let run_data = dataset(
        "dq-noref",
        std::slice::from_ref(&h),
        std::slice::from_ref(&h),
    );
    // Run 2's reference range moved away: no reference run.
    std::fs::write(
        &run_data.references,
        "[[range]]\nfirst = 100\nlast = 200\nreference = 100\n",
    )
    .unwrap();
    let config = leaf_config("Toy/h", "mean_width_diff_ref", "0.1", true);
    let e = evaluate_run(&run_data, &config, 2).unwrap();
    assert_eq!(e.reference_run, None);
    let leaf = only_leaf(&e.root);
    assert!(
        leaf.skipped
            .as_deref()
            .unwrap()
            .contains("no reference run"),
        "{leaf:?}"
    );
    assert_eq!(
        (e.root.warnings, e.root.errors, e.root.level),
        (0, 0, Level::Ok)
    );
    // Skipped all the way up: nothing was judged, so no score is trended.
    assert!(!e.trends.contains_key("b.l.score"));
    assert!(e.trends.contains_key("b.l.mean"));
}

#[test]
fn runs_that_cannot_be_judged_are_errors_naming_the_run_or_file() {
    let mut rng = Rng(3);
    let h = toy("h", Shape::Flat, &mut rng);
    let run_data = dataset(
        "dq-broken",
        std::slice::from_ref(&h),
        std::slice::from_ref(&h),
    );
    let config = leaf_config("Toy/h", "floor", "1", false);
    let e = evaluate_run(&run_data, &config, 3).unwrap_err();
    assert!(e.contains('3') && e.contains("run list"), "{e}");
    // A run file that is not ROOT.
    let file = std::fs::read_dir(run_dir(&run_data.data_dir, 2))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(&file, b"not a ROOT file at all").unwrap();
    let e = evaluate_run(&run_data, &config, 2).unwrap_err();
    assert!(e.contains(&file.display().to_string()), "{e}");
    // No file at all.
    std::fs::remove_file(&file).unwrap();
    let e = evaluate_run(&run_data, &config, 2).unwrap_err();
    assert!(e.contains("Run file not found for run 2"), "{e}");
}
