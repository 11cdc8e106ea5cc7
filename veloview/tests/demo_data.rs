//! `veloview demo-data`: the dataset's layout, determinism, size, completeness against the page
//! configuration, and the problems it claims to carry — all checked by reading the files back.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use veloview::runview::paths::run_dir;
use veloview::RootFile;

const BIN: &str = env!("CARGO_BIN_EXE_veloview");

fn tmp(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn demo_data(out: &Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .arg("demo-data")
        .arg(out)
        .args(args)
        .output()
        .unwrap()
}

/// The dataset `./dev.sh run` makes: 20 runs, seed 1, made once for all tests here.
fn dataset() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = tmp("demo-20");
        let out = demo_data(&d, &["--runs", "20", "--seed", "1"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        d
    })
}

fn manifest(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("demo-problems.json")).unwrap()).unwrap()
}

fn runs(dir: &Path) -> Vec<u32> {
    std::fs::read_to_string(dir.join("RunList.txt"))
        .unwrap()
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect()
}

/// The run's files, oldest first, as the monitor sorts them.
fn run_files(dir: &Path, run: u32) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(run_dir(dir, run))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn newest(dir: &Path, run: u32) -> RootFile {
    RootFile::open(run_files(dir, run).last().unwrap()).unwrap()
}

/// Every file under `dir`, relative, with its bytes.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push((
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

/// The plot paths of config/pages.toml, read without a TOML library: every `name = "..."` line.
fn configured_plots() -> Vec<String> {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/pages.toml"))
            .unwrap();
    let names: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("name = \""))
        .map(|rest| rest.trim_end_matches('"').to_string())
        .collect();
    assert!(names.len() >= 14, "only {} plots configured", names.len());
    names
}

fn sensors() -> impl Iterator<Item = u32> {
    (0..42).chain(64..106)
}

fn format_name(template: &str, sensor: u32) -> String {
    template
        .replace("{0:03d}", &format!("{sensor:03}"))
        .replace("{0}", &sensor.to_string())
}

#[test]
fn layout_is_the_original_one() {
    let dir = dataset();
    let runs = runs(dir);
    assert_eq!(runs.len(), 20);
    assert!(
        runs.windows(2).all(|w| w[0] < w[1]),
        "ascending, newest last: {runs:?}"
    );
    assert!(runs.contains(&123987));
    assert!(dir.join("100000s/120000s/123000s/123900s/123987").is_dir());
    let m = manifest(dir);
    let mut two = 0;
    for run in &runs {
        let files = run_files(dir, *run);
        let names: Vec<String> = files
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            Value::from(names.clone()),
            m["files"][run.to_string()],
            "run {run}"
        );
        for n in &names {
            assert!(
                n.starts_with(&format!("VELODQM_{run}_")) && n.ends_with("_NZS.root"),
                "{n}"
            );
        }
        // The monitor shows the newest file, the manifest's last.
        let data = veloview::runview::RunData::new(
            dir,
            dir.join("RunList.txt"),
            dir.join("references.toml"),
        );
        assert_eq!(&data.run_file(*run).unwrap(), files.last().unwrap());
        if files.len() == 2 {
            two += 1;
            // A reprocessing, not a copy: the newest file differs from the first pass.
            assert_ne!(
                std::fs::read(&files[0]).unwrap(),
                std::fs::read(&files[1]).unwrap()
            );
        }
    }
    assert!((2..=5).contains(&two), "{two} runs with a second file");

    // The run view reads the demo data as it is.
    let data =
        veloview::runview::RunData::new(dir, dir.join("RunList.txt"), dir.join("references.toml"));
    let req = veloview::runview::PlotRequest {
        name: "Vetra/NoiseMon/DecodedADC/TELL1_{0:03d}/RMSNoise_vs_ChipChannel".into(),
        run: 123987,
        sensor: 69,
        reference: false,
    };
    let res = veloview::runview::get_run_plot(&data, &req);
    assert_eq!(res["success"], true, "{res}");
    assert_eq!(
        res["data"]["data"]["values"].as_array().unwrap().len(),
        2048
    );
}

#[test]
fn twenty_runs_stay_under_50_mb() {
    let total: usize = tree(dataset()).iter().map(|(_, b)| b.len()).sum();
    assert!(total < 50_000_000, "{total} bytes");
}

#[test]
fn every_configured_plot_is_in_every_run_file_for_every_sensor() {
    let dir = dataset();
    let plots = configured_plots();
    for run in runs(dir) {
        for file in run_files(dir, run) {
            let f = RootFile::open(&file).unwrap();
            for p in &plots {
                let paths: Vec<String> = if p.contains("{0") {
                    sensors().map(|s| format_name(p, s)).collect()
                } else {
                    vec![p.clone()]
                };
                for path in paths {
                    let h = f
                        .histogram(&path)
                        .unwrap_or_else(|e| panic!("{}: {path}: {e}", file.display()));
                    assert!(h.stats.entries > 0.0, "{path} is empty");
                    assert!(!h.x.title.is_empty(), "{path} has no x axis title");
                }
            }
        }
    }
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let (a, b, c) = (tmp("demo-a"), tmp("demo-b"), tmp("demo-c"));
    for (d, seed) in [(&a, "3"), (&b, "3"), (&c, "4")] {
        let out = demo_data(d, &["--runs", "4", "--first-run", "5000", "--seed", seed]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (ta, tb, tc) = (tree(&a), tree(&b), tree(&c));
    // Four runs, one processed twice; the run list, the run info and the manifest.
    assert_eq!(
        ta.len(),
        4 + 1 + 3,
        "{:?}",
        ta.iter().map(|t| &t.0).collect::<Vec<_>>()
    );
    assert!(ta == tb, "same seed, different output");
    assert_eq!(
        ta.iter().map(|t| &t.0).collect::<Vec<_>>(),
        tc.iter().map(|t| &t.0).collect::<Vec<_>>()
    );
    assert!(
        ta.iter()
            .zip(&tc)
            .filter(|(x, _)| x.0.extension().is_some_and(|e| e == "root"))
            .all(|(x, y)| x.1 != y.1),
        "another seed must change every run file"
    );
    assert_eq!(runs(&a), vec![5000, 5001, 5002, 5003]);
    let info = veloview::runview::run_info::RunInfoFile::load(&a.join("RunInfo.csv")).unwrap();
    assert!(info.problems.is_empty(), "{:?}", info.problems);
    let info_runs: Vec<u32> = info.runs.iter().map(|r| r.run).collect();
    assert_eq!(info_runs, vec![5000, 5001, 5002, 5003]);
}

fn mean_bins(f: &RootFile, path: &str, range: std::ops::Range<usize>) -> f64 {
    let h = f.histogram(path).unwrap();
    let n = range.len() as f64;
    range.map(|b| h.bin_content(b)).sum::<f64>() / n
}

#[test]
fn the_problems_of_the_manifest_are_in_the_data() {
    let dir = dataset();
    let m = manifest(dir);
    let problems = m["problems"].as_array().unwrap();
    let kinds: Vec<&str> = problems
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "dead_strips",
            "noisy_sensor",
            "shifted_pedestal",
            "low_clusters",
            "high_occupancy",
            "noisy_sensor",
            "dead_strips",
            "shifted_pedestal"
        ]
    );
    for p in problems {
        let run = p["run"].as_u64().unwrap() as u32;
        let magnitude = p["magnitude"].as_f64().unwrap();
        let f = newest(dir, run);
        if p["kind"] == "low_clusters" {
            assert!(p["sensor"].is_null() && p["channels"].is_null(), "{p}");
            let calm = newest(dir, runs(dir)[0]);
            let clusters = |f: &RootFile| {
                f.histogram("Velo/VeloClusterMonitor/# VELO clusters")
                    .unwrap()
                    .mean(1)
            };
            let ratio = clusters(&f) / clusters(&calm);
            assert!((ratio - magnitude).abs() < 0.05, "{ratio} vs {magnitude}");
            continue;
        }
        let sensor = p["sensor"].as_u64().unwrap() as u32;
        let noise = |s: u32| {
            mean_bins(
                &f,
                &format!("Vetra/NoiseMon/DecodedADC/TELL1_{s:03}/RMSNoise_vs_ChipChannel"),
                1..2049,
            )
        };
        let pedestal = |s: u32| {
            mean_bins(
                &f,
                &format!("Vetra/VeloPedestalSubtractorMoni/TELL1_{s:03}/Pedestal_Bank"),
                1..2049,
            )
        };
        let others: Vec<u32> = sensors().filter(|s| *s != sensor).collect();
        let typical_noise = others.iter().map(|s| noise(*s)).fold(0.0, f64::max);
        let typical_ped = others.iter().map(|s| pedestal(*s)).fold(0.0, f64::max);
        match p["kind"].as_str().unwrap() {
            "noisy_sensor" => {
                // Against the same sensor in a run without problems: its noise is the
                // sensor's own, up to a few percent of drift.
                let calm = runs(dir)
                    .into_iter()
                    .find(|r| problems.iter().all(|p| p["run"] != *r))
                    .unwrap();
                let calm_noise = mean_bins(
                    &newest(dir, calm),
                    &format!("Vetra/NoiseMon/DecodedADC/TELL1_{sensor:03}/RMSNoise_vs_ChipChannel"),
                    1..2049,
                );
                let ratio = noise(sensor) / calm_noise;
                assert!(
                    (ratio / magnitude - 1.0).abs() < 0.08,
                    "{ratio} vs {magnitude}"
                );
                // The same run's other sensors are normal.
                assert!(typical_noise < 3.0);
            }
            "shifted_pedestal" => {
                assert!(
                    pedestal(sensor) > typical_ped + magnitude - 12.0,
                    "{} vs {typical_ped}",
                    pedestal(sensor)
                );
            }
            "high_occupancy" => {
                let occ = |s: u32| {
                    mean_bins(
                        &f,
                        &format!("Velo/VeloOccupancyMonitor/OccPerChannelSens{s}"),
                        1..2049,
                    )
                };
                let typical = others.iter().map(|s| occ(*s)).fold(0.0, f64::max);
                assert!(occ(sensor) > 2.0 * typical, "{} vs {typical}", occ(sensor));
            }
            "dead_strips" => {
                let lo = p["channels"][0].as_u64().unwrap() as usize;
                let hi = p["channels"][1].as_u64().unwrap() as usize;
                assert_eq!((hi - lo + 1) as f64, magnitude);
                let dead = lo + 1..hi + 2;
                let noise_path =
                    format!("Vetra/NoiseMon/DecodedADC/TELL1_{sensor:03}/RMSNoise_vs_ChipChannel");
                let occ_path = format!("Velo/VeloOccupancyMonitor/OccPerChannelSens{sensor}");
                assert!(mean_bins(&f, &noise_path, dead.clone()) < 0.5);
                assert_eq!(mean_bins(&f, &occ_path, dead.clone()), 0.0);
                assert!(mean_bins(&f, &occ_path, 1..2049) > 0.05);
                let links = f
                    .histogram("Velo/VeloClusterMonitor/Active chip links vs sensor")
                    .unwrap();
                // Links wholly inside the dead channels are inactive.
                for link in lo.div_ceil(32)..(hi + 1) / 32 {
                    assert_eq!(
                        links.bin_content(links.bin(sensor as usize + 1, link + 1)),
                        0.0
                    );
                }
            }
            k => panic!("unknown problem {k}"),
        }
        // A run without problems shows none of them.
        let calm = runs(dir)
            .into_iter()
            .find(|r| problems.iter().all(|p| p["run"] != *r))
            .unwrap();
        let g = newest(dir, calm);
        let calm_noise = mean_bins(
            &g,
            &format!("Vetra/NoiseMon/DecodedADC/TELL1_{sensor:03}/RMSNoise_vs_ChipChannel"),
            1..2049,
        );
        assert!(calm_noise < 3.0, "run {calm} sensor {sensor}: {calm_noise}");
    }
}

#[test]
fn plots_have_plausible_shapes() {
    let dir = dataset();
    let f = newest(dir, 123987);
    let ped = mean_bins(
        &f,
        "Vetra/VeloPedestalSubtractorMoni/TELL1_005/Pedestal_Bank",
        1..2049,
    );
    assert!((490.0..535.0).contains(&ped), "pedestal {ped}");
    let size = f.histogram("Velo/VeloClusterMonitor/Cluster size").unwrap();
    assert!(!size.sumw2.is_empty(), "cluster size keeps Sumw2");
    assert!(size.bin_content(2) > size.bin_content(5));
    assert!(
        (1.5..2.5).contains(&size.mean(1)),
        "mean cluster size {}",
        size.mean(1)
    );
    let occ = f
        .histogram("Velo/VeloOccupancyMonitor/OccAvrgSens")
        .unwrap();
    assert!(
        (0.05..2.0).contains(&occ.bin_content(1)),
        "sensor 0 occupancy {}",
        occ.bin_content(1)
    );
    assert_eq!(occ.bin_content(50), 0.0, "no sensor 49");
    let bx = f
        .histogram("Velo/VeloOccupancyMonitor/h_veloOccVsBunchId_ASide")
        .unwrap();
    assert_eq!(bx.bin_content(1), 0.0, "bunch 0 is empty");
    assert!(bx.bin_content(201) > 0.0, "bunch 200 is filled");
}

#[test]
fn bad_arguments_are_refused_with_a_message() {
    let d = tmp("demo-bad");
    for args in [
        vec!["--runs", "0"],
        vec!["--runs", "many"],
        vec!["--seed"],
        vec!["--colour", "blue"],
        vec!["--runs", "1", "--first-run", "4294967295"],
        vec!["--runs", "1", "--events", "0"],
        vec!["--runs", "1", "--events", "few"],
    ] {
        let out = demo_data(&d, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("veloview: "), "{args:?}: {err}");
    }
    let out = Command::new(BIN).arg("demo-data").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!d.join("RunList.txt").exists());
}
