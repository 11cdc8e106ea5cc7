//! The bundled configuration (config/dq.toml) on demo datasets: every injected problem makes its
//! run WARNING or ERROR through the leaf that judges what the problem broke, naming the sensor,
//! and nothing else is flagged — runs without problems are OK with no leaf at ERROR. Datasets
//! with several seeds and first runs (one outside every reference range, so no reference run)
//! and explicitly chosen problems, including two in one run and problems on one link or chip.
//! Plus `veloview dq evaluate`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use veloview::demo::{self, Manifest, Options, Problem, ProblemKind, ProblemSpec, Problems};
use veloview::dq::{evaluate_run, DqConfig, Level, NodeResult};
use veloview::runview::RunData;

const BIN: &str = env!("CARGO_BIN_EXE_veloview");

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

fn config() -> DqConfig {
    DqConfig::load(&repo("config/dq.toml")).unwrap()
}

fn generate(name: &str, opts: Options) -> (PathBuf, Manifest) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let m = demo::generate(&dir, &opts).unwrap();
    (dir, m)
}

fn run_data(dir: &Path) -> RunData {
    RunData::new(dir, dir.join("RunList.txt"), repo("config/references.toml"))
}

fn leaves(n: &NodeResult) -> Vec<&NodeResult> {
    if n.children.is_empty() {
        vec![n]
    } else {
        n.children.iter().flat_map(leaves).collect()
    }
}

/// The leaves that judge what a problem breaks: the first works without a reference run (for a
/// link, its chip's other links say what is usual; for a whole chip only the reference does).
fn expected_leaves(p: &Problem) -> [&'static str; 2] {
    let channels = p.channels.map_or(0, |[lo, hi]| hi - lo + 1);
    let local = p.kind.per_sensor() && channels < 2048;
    let link = channels <= 32;
    match p.kind {
        // Fewer adjacent dead channels than make dead_channels an ERROR: a dead link.
        ProblemKind::DeadStrips if channels < 48 => {
            ["noise.noise_links_in_chip", "noise.noise_links"]
        }
        ProblemKind::NoisySensor if local && link => {
            ["noise.noise_links_in_chip", "noise.noise_links"]
        }
        ProblemKind::NoisySensor if local => ["", "noise.noise_links"],
        ProblemKind::ShiftedPedestal if local && link => [
            "pedestals.pedestal_links_in_chip",
            "pedestals.pedestal_links",
        ],
        ProblemKind::ShiftedPedestal if local => ["", "pedestals.pedestal_links"],
        ProblemKind::HighOccupancy if local => ["", "occupancy.occupancy_chips"],
        // Less than the issue's × 4: only against the reference, relative to the other sensors.
        ProblemKind::HighOccupancy if p.magnitude < 3.0 => ["", SENSORS_LEAF],
        ProblemKind::DeadStrips => ["noise.dead_channels", "occupancy.dead_channels"],
        ProblemKind::NoisySensor => ["noise.noise_level", "noise.noise_vs_reference"],
        ProblemKind::ShiftedPedestal => [
            "pedestals.pedestal_level",
            "pedestals.pedestal_vs_reference",
        ],
        ProblemKind::LowClusters => [
            "clusters.clusters_per_event",
            "clusters.clusters_per_event_vs_reference",
        ],
        ProblemKind::HighOccupancy => [
            "occupancy.occupancy_level",
            "occupancy.occupancy_vs_reference",
        ],
    }
}

/// The run-wide leaf judging every sensor's occupancy against the reference's, which names the
/// worst sensor in its details.
const SENSORS_LEAF: &str = "occupancy.sensors_vs_reference";

/// The leaf `key` judging `sensor` (a per-sensor leaf's expansion), or the run-wide leaf.
fn leaf_for<'a>(all: &[&'a NodeResult], key: &str, sensor: Option<u32>) -> &'a NodeResult {
    all.iter()
        .find(|l| match sensor {
            Some(s) => l.sensor == Some(s) && l.key == format!("{key}.TELL1_{s:03}"),
            None => l.key == key,
        })
        .unwrap_or_else(|| panic!("no leaf {key} for sensor {sensor:?}"))
}

fn describe(l: &NodeResult) -> String {
    format!(
        "{} {} score {:.1} {}",
        l.key,
        l.level,
        l.score.value(),
        serde_json::to_string(&l.details).unwrap()
    )
}

/// The problems `specs` ask for, as `--problem` would.
fn explicit(specs: &[&str]) -> Problems {
    Problems::Explicit(
        specs
            .iter()
            .map(|s| ProblemSpec::parse(s).unwrap())
            .collect(),
    )
}

/// Whether the reference run has a problem of its own on `p`'s sensor (or, for a run-wide
/// problem, anywhere): a comparison with it then cannot judge `p`.
fn reference_has_a_problem_like(m: &Manifest, reference: Option<u32>, p: &Problem) -> bool {
    m.problems
        .iter()
        .any(|q| Some(q.run) == reference && (p.sensor.is_none() || q.sensor == p.sensor))
}

/// Evaluate every run of the dataset and check the verdicts against its manifest.
fn every_problem_found_and_nothing_else(dir: &Path, m: &Manifest) {
    let config = config();
    let data = run_data(dir);
    let mut clean = 0;
    for &run in &m.runs {
        let e = evaluate_run(&data, &config, run).unwrap();
        let all = leaves(&e.root);
        let failing: Vec<&&NodeResult> = all.iter().filter(|l| l.level > Level::Ok).collect();
        let problems: Vec<&Problem> = m.problems.iter().filter(|p| p.run == run).collect();
        let report = || {
            failing
                .iter()
                .map(|l| describe(l))
                .collect::<Vec<_>>()
                .join("\n  ")
        };
        if problems.is_empty() {
            clean += 1;
            assert_eq!(e.root.level, Level::Ok, "clean run {run}:\n  {}", report());
            assert!(
                failing.iter().all(|l| l.level < Level::Error),
                "clean run {run}:\n  {}",
                report()
            );
            continue;
        }
        assert!(
            e.root.level >= Level::Warning,
            "run {run} {problems:?} was OK"
        );
        for p in &problems {
            for (i, key) in expected_leaves(p).into_iter().enumerate() {
                if key.is_empty() {
                    continue;
                }
                let leaf = match key {
                    SENSORS_LEAF => leaf_for(&all, key, None),
                    _ => leaf_for(&all, key, p.sensor),
                };
                // A comparison with the reference finds the problem only where there is a
                // reference other than the run itself that is sound where the problem is.
                if i > 0
                    && (e.reference_run.is_none_or(|r| r == run)
                        || reference_has_a_problem_like(m, e.reference_run, p))
                {
                    continue;
                }
                assert_eq!(
                    leaf.level,
                    Level::Error,
                    "run {run} {p:?}: {}\nfailing:\n  {}",
                    describe(leaf),
                    report()
                );
                if key == SENSORS_LEAF {
                    let named = p.sensor.map(|s| s.to_string());
                    assert_eq!(leaf.details["worst_channels"].as_str(), named.as_deref());
                }
            }
        }
        // Nothing else: a failing per-sensor leaf is about a sensor with a problem, and
        // run-wide leaves fail only where the run has one.
        let sensors: Vec<u32> = problems.iter().filter_map(|p| p.sensor).collect();
        for l in &failing {
            if let Some(s) = l.sensor {
                assert!(
                    sensors.contains(&s),
                    "run {run} {problems:?}: {}",
                    describe(l)
                );
            }
            if l.details.get("unit").and_then(Value::as_str) == Some("sensor") {
                let worst: u32 = l.details["worst_channels"]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(
                    sensors.contains(&worst),
                    "run {run} {problems:?}: {}",
                    describe(l)
                );
            }
        }
    }
    assert!(clean > 0, "the dataset has runs without problems");
}

#[test]
fn default_dataset() {
    let (dir, m) = generate("dq-default", Options::default());
    assert_eq!(m.problems.len(), 8);
    every_problem_found_and_nothing_else(&dir, &m);
}

#[test]
fn another_seed_and_first_run() {
    let (dir, m) = generate(
        "dq-seed-2024",
        Options {
            runs: 14,
            first_run: 123966,
            seed: 2024,
            problems: Problems::Default,
            events: None,
        },
    );
    every_problem_found_and_nothing_else(&dir, &m);
}

#[test]
fn runs_without_a_reference_run() {
    let (dir, m) = generate(
        "dq-no-reference",
        Options {
            runs: 10,
            first_run: 400000,
            seed: 77,
            problems: Problems::Default,
            events: None,
        },
    );
    let e = evaluate_run(&run_data(&dir), &config(), 400003).unwrap();
    assert_eq!(e.reference_run, None);
    let skipped = leaves(&e.root)
        .iter()
        .filter(|l| l.skipped.is_some())
        .count();
    assert!(skipped >= 84 * 3, "{skipped} reference leaves skipped");
    every_problem_found_and_nothing_else(&dir, &m);
}

#[test]
fn explicit_problems_two_in_one_run() {
    let specs = [
        "dead_strips:123979:0",
        "noisy_sensor:123982:105",
        "shifted_pedestal:123983:64",
        "high_occupancy:123984:41",
        "low_clusters:123985",
        "dead_strips:123980:70=100",
        "high_occupancy:123980:3=3",
    ];
    let (dir, m) = generate(
        "dq-explicit",
        Options {
            runs: 8,
            first_run: 123978,
            seed: 5,
            problems: explicit(&specs),
            events: None,
        },
    );
    assert_eq!(m.problems.len(), specs.len());
    every_problem_found_and_nothing_else(&dir, &m);
}

/// What goes wrong in the readout goes wrong per link (32 channels) or per chip (128): the
/// sensor-wide checks average it away, the per-link and per-chip comparisons with the reference
/// find it, on R and Φ sensors, at the magnitudes the issue names for a whole sensor.
#[test]
fn a_link_or_a_chip_gone_wrong() {
    let specs = [
        "noisy_sensor:123971:5:256-287=1.5",
        "noisy_sensor:123972:70:1024-1151=1.5",
        "shifted_pedestal:123973:9:384-511=15",
        "shifted_pedestal:123974:75:64-95=15",
        "shifted_pedestal:123975:30:2016-2047=-15",
        "high_occupancy:123976:11:1536-1663=4",
        "high_occupancy:123977:80:0-127=4",
        "dead_strips:123978:14:96-127",
        "noisy_sensor:123979:101:1920-1951=0.5",
    ];
    let (dir, m) = generate(
        "dq-local",
        Options {
            runs: 12,
            first_run: 123970,
            seed: 13,
            problems: explicit(&specs),
            events: None,
        },
    );
    assert_eq!(m.problems.len(), specs.len());
    // The sensor-wide checks alone would not see them: this is what the new leaves are for.
    let data = run_data(&dir);
    let e = evaluate_run(&data, &config(), 123973).unwrap();
    let all = leaves(&e.root);
    for key in [
        "pedestals.pedestal_level",
        "pedestals.pedestal_vs_reference",
    ] {
        assert_eq!(leaf_for(&all, key, Some(9)).level, Level::Ok, "{key}");
    }
    let leaf = leaf_for(&all, "pedestals.pedestal_links", Some(9));
    assert_eq!(
        leaf.details["worst_channels"],
        "384-415",
        "{}",
        describe(leaf)
    );
    assert_eq!(leaf.details["groups_at_error"], 4, "{}", describe(leaf));
    every_problem_found_and_nothing_else(&dir, &m);
}

/// Without a reference run a link still stands out against the other three links of its chip.
#[test]
fn a_link_gone_wrong_without_a_reference_run() {
    let specs = [
        "noisy_sensor:400001:5:256-287=1.5",
        "noisy_sensor:400002:70:1024-1055=1.5",
        "shifted_pedestal:400003:9:384-415=15",
        "shifted_pedestal:400004:75:64-95=-15",
        "dead_strips:400005:14:96-127",
        "noisy_sensor:400006:101:1920-1951=0.5",
    ];
    let (dir, m) = generate(
        "dq-local-no-reference",
        Options {
            runs: 8,
            first_run: 400000,
            seed: 17,
            problems: explicit(&specs),
            events: None,
        },
    );
    let e = evaluate_run(&run_data(&dir), &config(), 400001).unwrap();
    assert_eq!(e.reference_run, None);
    every_problem_found_and_nothing_else(&dir, &m);
}

/// Eight runs of `events` events each, with the problems the issue names.
fn short_runs(name: &str, seed: u64, events: u32) -> (PathBuf, Manifest) {
    let specs = [
        "dead_strips:123972:7:256-287",
        "dead_strips:123973:33=64",
        "noisy_sensor:123974:70=1.5",
        "high_occupancy:123975:20=4",
        "shifted_pedestal:123976:80=15",
        "low_clusters:123977=0.6",
    ];
    generate(
        name,
        Options {
            runs: 8,
            first_run: 123970,
            seed,
            problems: explicit(&specs),
            events: Some(events),
        },
    )
}

/// A short run has few hits: a live strip of low occupancy (0.1-0.2 % on the outer strips) often
/// has none in 1,000 events, and two such runs differ by Poisson noise near what the comparison
/// with the reference allows. Neither is a problem; a dead link or chip still is, and every
/// problem the issue names is found as in a long run.
#[test]
fn a_short_run_is_judged_on_what_its_hits_can_tell() {
    let (dir, m) = short_runs("dq-short-runs", 23, 1000);
    every_problem_found_and_nothing_else(&dir, &m);
    // The dead link is dead in the occupancy too, channel for channel: 32 strips that would
    // have had dozens of hits between them.
    let e = evaluate_run(&run_data(&dir), &config(), 123972).unwrap();
    let all = leaves(&e.root);
    let dead = leaf_for(&all, "occupancy.dead_channels", Some(7));
    let bins: Vec<usize> = dead.bad_channels.iter().map(|b| b.bin - 1).collect();
    assert_eq!(bins, (256..288).collect::<Vec<_>>(), "{}", describe(dead));
    // The run's events are trended, to say how far its statistics go.
    assert_eq!(e.trends["clusters.clusters_per_event.entries"], 1000.0);
    // Elsewhere the quiet strips of this short run were put down to chance, not called dead.
    let other = leaf_for(&all, "occupancy.dead_channels", Some(8));
    assert!(
        other.bad_channels.is_empty() && other.details["quiet_by_chance"].as_u64() > Some(0),
        "{}",
        describe(other)
    );
}

/// 300 events: most outer strips have no hit, a chip a hundred. Stretches of empty strips and
/// chips ±35 % off their reference are then chance; the problems are still found, and nothing
/// else.
#[test]
fn a_very_short_run_too() {
    let (dir, m) = short_runs("dq-very-short-runs", 24, 300);
    every_problem_found_and_nothing_else(&dir, &m);
}

#[test]
fn no_problems_no_verdicts() {
    let (dir, m) = generate(
        "dq-clean",
        Options {
            runs: 4,
            first_run: 123980,
            seed: 9,
            problems: Problems::Explicit(Vec::new()),
            events: None,
        },
    );
    assert!(m.problems.is_empty());
    every_problem_found_and_nothing_else(&dir, &m);
}

fn evaluate_cli(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(["dq", "evaluate"])
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .arg("--run-list")
        .arg(dir.join("RunList.txt"))
        .arg("--references")
        .arg(repo("config/references.toml"))
        .output()
        .unwrap()
}

#[test]
fn veloview_dq_evaluate_prints_the_tree() {
    // The demo-data command with an explicit problem, then the evaluate command on it.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dq-cli");
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(BIN)
        .arg("demo-data")
        .arg(&dir)
        .args(["--runs", "3", "--first-run", "123981", "--seed", "4"])
        .args(["--problem", "shifted_pedestal:123983:7"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = repo("config/dq.toml");
    let config = config.to_str().unwrap();
    let out = evaluate_cli(&dir, &["123983", "--config", config]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["run"], 123983);
    assert_eq!(v["reference_run"], 123981);
    assert_eq!(v["key"], "");
    assert!(["WARNING", "ERROR"].contains(&v["level"].as_str().unwrap()));
    assert!(v["score"].as_f64().unwrap() < 100.0);
    let keys: Vec<&str> = v["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["pedestals", "noise", "clusters", "occupancy"]);
    let level = &v["children"][0]["children"][0];
    assert_eq!(level["key"], "pedestals.pedestal_level");
    let sensor7 = &level["children"][7];
    for field in [
        "title", "score", "warnings", "errors", "details", "children",
    ] {
        assert!(sensor7.get(field).is_some(), "{field} missing: {sensor7}");
    }
    assert_eq!(sensor7["key"], "pedestals.pedestal_level.TELL1_007");
    assert_eq!(sensor7["sensor"], 7);
    assert_eq!(sensor7["check"], "mean_ac");
    assert_eq!(
        sensor7["path"],
        "Vetra/VeloPedestalSubtractorMoni/TELL1_007/Pedestal_Bank"
    );
    assert_eq!(sensor7["level"], "ERROR");
    assert_eq!(v["children"][2]["children"][0]["sensor"], Value::Null);

    // Bad input: a message on stderr, nothing on stdout, exit 1.
    for (args, wanted) in [
        (vec!["123999", "--config", config], "123999"),
        (vec!["twelve", "--config", config], "twelve"),
        (
            vec!["123983", "--config", "/nonexistent/dq.toml"],
            "/nonexistent/dq.toml",
        ),
        (vec!["123983", "--config", config, "--colour"], "--colour"),
    ] {
        let out = evaluate_cli(&dir, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with("veloview: ") && err.contains(wanted),
            "{args:?}: {err}"
        );
    }
}

/// A problem in a reference run shows, mirrored, in every run compared with it: those
/// comparisons are skipped, saying why, when the reference fails its own checks on that
/// sensor. The reference run is flagged by its own checks; the runs compared with it are judged
/// by theirs, and their own problems on the same sensors are still found.
#[test]
fn a_problem_in_the_reference_run_is_not_blamed_on_the_runs_compared_with_it() {
    let specs = [
        "noisy_sensor:123970:5",
        "shifted_pedestal:123970:9",
        "dead_strips:123970:14:96-127",
        "high_occupancy:123970:41",
        "shifted_pedestal:123970:75:64-95=15",
        "noisy_sensor:123970:70:1024-1055=1.5",
        "low_clusters:123981",
        // The runs' own problems where their reference has one too.
        "noisy_sensor:123973:5",
        "shifted_pedestal:123974:9:384-415=15",
    ];
    let (dir, m) = generate(
        "dq-bad-reference",
        Options {
            runs: 13,
            first_run: 123970,
            seed: 21,
            problems: explicit(&specs),
            events: None,
        },
    );
    assert_eq!(m.problems.len(), specs.len());
    let e = evaluate_run(&run_data(&dir), &config(), 123971).unwrap();
    assert_eq!(e.root.level, Level::Ok);
    let all = leaves(&e.root);
    let leaf = leaf_for(&all, "noise.noise_vs_reference", Some(5));
    assert_eq!(
        leaf.skipped.as_deref(),
        Some(
            "reference run 123970 is itself ERROR on Mean noise, sensor 5: a comparison with \
             it cannot judge this run"
        )
    );
    // Across sensors, the reference's own bad sensors are the ones departing: named, skipped.
    let across = leaf_for(&all, SENSORS_LEAF, None);
    let why = across.skipped.as_deref().unwrap_or_default();
    assert!(
        why.starts_with("reference run 123970 is itself ERROR on Mean occupancy, sensor 5;")
            && why.contains("sensor 41"),
        "{}: {why}",
        describe(across)
    );
    // A sensor the reference is sound on is compared as before.
    let sound = leaf_for(&all, "noise.noise_vs_reference", Some(6));
    assert!(sound.skipped.is_none() && sound.details["reference_run"] == 123970);
    let e = evaluate_run(&run_data(&dir), &config(), 123980).unwrap();
    assert_eq!(e.reference_run, Some(123981));
    let clusters = leaf_for(
        &leaves(&e.root),
        "clusters.clusters_per_event_vs_reference",
        None,
    );
    assert!(clusters.skipped.is_some(), "{}", describe(clusters));
    every_problem_found_and_nothing_else(&dir, &m);
}

/// A sensor's occupancy at half or 1.5 times its usual (a high-voltage trip, a timing shift):
/// within the sensor-wide checks' ranges, but off the rest of the detector against the
/// reference run, which names it.
#[test]
fn a_sensor_off_the_rest_of_the_detector() {
    let specs = [
        "high_occupancy:123971:5=0.5",
        "high_occupancy:123972:70=1.5",
        "high_occupancy:123973:33=0.6",
        "high_occupancy:123975:100=1.6",
    ];
    let (dir, m) = generate(
        "dq-sensor-off",
        Options {
            runs: 7,
            first_run: 123970,
            seed: 23,
            problems: explicit(&specs),
            events: None,
        },
    );
    let data = run_data(&dir);
    let e = evaluate_run(&data, &config(), 123971).unwrap();
    let all = leaves(&e.root);
    // The sensor-wide checks do not see it; the comparison across sensors does.
    for key in [
        "occupancy.occupancy_level",
        "occupancy.occupancy_vs_reference",
    ] {
        assert_eq!(leaf_for(&all, key, Some(5)).level, Level::Ok, "{key}");
    }
    let leaf = leaf_for(&all, SENSORS_LEAF, None);
    assert_eq!(
        (
            leaf.details["unit"].as_str(),
            leaf.details["worst_channels"].as_str()
        ),
        (Some("sensor"), Some("5")),
        "{}",
        describe(leaf)
    );
    every_problem_found_and_nothing_else(&dir, &m);
}
