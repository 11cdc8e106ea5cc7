//! The run model on the demo dataset `./dev.sh run` serves (`veloview demo-data`, 20 runs,
//! seed 1), with the shipped page and reference configuration: every configured plot is served,
//! the newest file wins, reference plots show the injected problems, and `veloview plot` gives
//! what uproot (an independent reader) reads. Needs python3 with uproot (`./dev.sh test`
//! installs it).

mod rundata;

use rundata::req;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use veloview::runview::{
    get_run_plot, paths, runs::NEARBY_DISTANCE, sensors, Pages, PlotRequest, RunData, RunList,
};

const BIN: &str = env!("CARGO_BIN_EXE_veloview");

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

/// Made once for all tests here, with the defaults `./dev.sh run` uses.
fn dataset() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("runview-demo-20");
        let _ = std::fs::remove_dir_all(&d);
        rundata::succeed(
            Command::new(BIN)
                .args(["demo-data".as_ref(), d.as_os_str()])
                .args(["--runs", "20", "--seed", "1"]),
        );
        d
    })
}

fn data() -> RunData {
    let d = dataset();
    RunData::new(d, d.join("RunList.txt"), repo("config/references.toml"))
}

fn manifest() -> Value {
    serde_json::from_slice(&std::fs::read(dataset().join("demo-problems.json")).unwrap()).unwrap()
}

fn ok(data: &RunData, r: &PlotRequest) -> Value {
    let v = get_run_plot(data, r);
    assert_eq!(v["success"], true, "{r:?}: {v}");
    v
}

#[test]
fn run_list_default_and_nearby_runs() {
    let (list, skipped) = data().runs().unwrap();
    assert!(skipped.is_empty());
    let mut expected: Vec<u32> = manifest()["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_u64().unwrap() as u32)
        .collect();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(list.runs(), expected.as_slice());
    assert_eq!(list.len(), 20);
    assert_eq!(list.default_run(), Some(123989));
    let n = list.nearby(123980, NEARBY_DISTANCE).unwrap();
    assert_eq!(
        (n.newer, n.run, n.older),
        (
            vec![123983, 123982, 123981],
            123980,
            vec![123979, 123978, 123977]
        )
    );
    // RunList::load reads the same file the demo writer wrote.
    let (again, _) = RunList::load(&dataset().join("RunList.txt")).unwrap();
    assert_eq!(again, list);
}

#[test]
fn every_configured_plot_is_served_for_every_sensor() {
    let data = data();
    let pages = Pages::load(&repo("config/pages.toml")).unwrap();
    let run = 123984;
    let mut served = 0;
    for page in pages.pages() {
        for plot in &page.plots {
            let sensors: Vec<u32> = if plot.sensor_dependent {
                sensors::all()
                    .filter(|s| sensors::sensor_type(*s) != Some(sensors::SensorType::PileUp))
                    .collect()
            } else {
                vec![0]
            };
            for s in sensors {
                let v = ok(&data, &req(&plot.name, run, s, false));
                assert_eq!(v["data"]["run"], run);
                if plot.sensor_dependent {
                    // The object really is the sensor's: its title names it.
                    let title = v["data"]["title"].as_str().unwrap();
                    assert!(
                        title.contains(&format!("{s:03}")) || title.contains(&format!(" {s}")),
                        "{}: sensor {s}: {title}",
                        plot.name
                    );
                }
                served += 1;
            }
        }
    }
    assert_eq!(served, 6 * 84 + 8);
    // The demo has no pile-up plots: a valid sensor, a missing plot.
    let v = get_run_plot(
        &data,
        &req(
            "Vetra/NoiseMon/DecodedADC/TELL1_{0:03d}/RMSNoise_vs_Strip",
            run,
            128,
            false,
        ),
    );
    assert_eq!(
        v["message"],
        format!("Plot Vetra/NoiseMon/DecodedADC/TELL1_128/RMSNoise_vs_Strip not found in run file {run}")
    );
}

#[test]
fn reprocessed_runs_show_their_newest_file() {
    let data = data();
    let m = manifest();
    let mut twice = 0;
    for (run, files) in m["files"].as_object().unwrap() {
        let run: u32 = run.parse().unwrap();
        let files = files.as_array().unwrap();
        let v = ok(
            &data,
            &req("Velo/VeloClusterMonitor/Cluster size", run, 0, false),
        );
        assert_eq!(&v["data"]["file"], files.last().unwrap(), "run {run}");
        let id = data.identity(run).unwrap();
        assert_eq!(
            id.path,
            paths::run_dir(dataset(), run).join(files.last().unwrap().as_str().unwrap())
        );
        twice += usize::from(files.len() > 1);
    }
    assert!(twice >= 2, "the demo reprocesses some runs");
}

fn mean_value(v: &Value) -> f64 {
    let values = v["data"]["data"]["values"].as_array().unwrap();
    values.iter().map(|x| x.as_f64().unwrap()).sum::<f64>() / values.len() as f64
}

/// Whether a plot's value in the problem run, against the reference run's, shows the problem.
type Compare = Box<dyn Fn(f64, f64) -> bool>;

#[test]
fn reference_plots_show_the_injected_problems() {
    let data = data();
    let problems: Vec<Value> = manifest()["problems"].as_array().unwrap().clone();
    let problem_runs: Vec<u64> = problems
        .iter()
        .map(|p| p["run"].as_u64().unwrap())
        .collect();
    assert_eq!(problems.len(), 8);
    for p in &problems {
        let run = p["run"].as_u64().unwrap() as u32;
        let m = p["magnitude"].as_f64().unwrap();
        // Run-wide problems are judged on sensor 0's plots' run (the plot ignores the sensor).
        let sensor = p["sensor"].as_u64().unwrap_or(0) as u32;
        let (name, compare): (&str, Compare) = match p["kind"].as_str().unwrap() {
            "noisy_sensor" => (
                "Vetra/NoiseMon/DecodedADC/TELL1_{0:03d}/RMSNoise_vs_Strip",
                Box::new(move |run, reference| run > (1.0 + 0.8 * (m - 1.0)) * reference),
            ),
            "dead_strips" => (
                "Vetra/NoiseMon/DecodedADC/TELL1_{0:03d}/RMSNoise_vs_ChipChannel",
                Box::new(|run, reference| run < 0.99 * reference),
            ),
            "shifted_pedestal" => (
                "Vetra/VeloPedestalSubtractorMoni/TELL1_{0:03d}/Pedestal_Bank",
                Box::new(move |run, reference| run > reference + m - 3.0),
            ),
            "high_occupancy" => (
                "Velo/VeloOccupancyMonitor/OccPerChannelSens{0}",
                Box::new(move |run, reference| run > 0.8 * m * reference),
            ),
            "low_clusters" => (
                "Velo/VeloClusterMonitor/# VELO clusters",
                Box::new(move |run, reference| run < (m + 0.1) * reference),
            ),
            k => panic!("unknown problem kind {k}"),
        };
        let shown = ok(&data, &req(name, run, sensor, false));
        let reference = ok(&data, &req(name, run, sensor, true));
        assert_eq!(reference["data"]["reference"], true);
        let ref_run = reference["data"]["run"].as_u64().unwrap();
        assert_ne!(ref_run, u64::from(run));
        assert!(
            !problem_runs.contains(&ref_run),
            "reference {ref_run} has a problem"
        );
        // Clusters per event: the histogram's mean; per-channel plots: the mean content.
        let value = |v: &Value| {
            if p["kind"] == "low_clusters" {
                v["data"]["data"]["mean"].as_f64().unwrap()
            } else {
                mean_value(v)
            }
        };
        let (a, b) = (value(&shown), value(&reference));
        assert!(
            compare(a, b),
            "{}: run {run} sensor {sensor}: {a} vs reference {b}",
            p["kind"]
        );
    }
}

/// What uproot reads for a 1D object: edges, bin contents and errors with flow bins.
fn uproot_read(file: &Path, path: &str) -> Value {
    let script = r#"
import json, sys, uproot
h = uproot.open(sys.argv[1])[sys.argv[2]]
print(json.dumps({
    "edges": [float(e) for e in h.axis().edges()],
    "values": [float(v) for v in h.values(flow=True)],
    "errors": [float(e) for e in h.errors(flow=True)],
    "entries": float(h.member("fEntries")),
}))
"#;
    let out = rundata::succeed(
        Command::new("python3")
            .args(["-c", script])
            .arg(file)
            .arg(path),
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn veloview_plot_gives_what_uproot_reads() {
    let d = dataset();
    let run = 123978;
    let file = data().run_file(run).unwrap();
    for (template, sensor, path) in [
        (
            "Vetra/NoiseMon/DecodedADC/TELL1_{0:03d}/RMSNoise_vs_Strip",
            "70",
            "Vetra/NoiseMon/DecodedADC/TELL1_070/RMSNoise_vs_Strip",
        ),
        (
            "Vetra/VeloPedestalSubtractorMoni/TELL1_{0:03d}/Pedestal_Bank",
            "3",
            "Vetra/VeloPedestalSubtractorMoni/TELL1_003/Pedestal_Bank",
        ),
        (
            "Velo/VeloClusterMonitor/Cluster size",
            "0",
            "Velo/VeloClusterMonitor/Cluster size",
        ),
    ] {
        let out = rundata::succeed(
            Command::new(BIN)
                .args(["plot", &run.to_string(), template, sensor, "--data-dir"])
                .arg(d)
                .arg("--run-list")
                .arg(d.join("RunList.txt")),
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let u = uproot_read(&file, path);
        let d = &v["data"]["data"];
        let n = d["values"].as_array().unwrap().len();
        let close = |a: &Value, b: &Value, what: String| {
            assert!(
                rundata::close(a.as_f64().unwrap(), b.as_f64().unwrap()),
                "{path} {what}: {a} vs uproot {b}"
            );
        };
        close(&d["entries"], &u["entries"], "entries".into());
        close(&d["underflow"], &u["values"][0], "underflow".into());
        close(&d["overflow"], &u["values"][n + 1], "overflow".into());
        for i in 0..n {
            close(&d["values"][i], &u["values"][i + 1], format!("values[{i}]"));
            close(
                &d["uncertainties"][i][0],
                &u["errors"][i + 1],
                format!("uncertainties[{i}]"),
            );
            close(
                &d["uncertainties"][i][1],
                &u["errors"][i + 1],
                format!("uncertainties[{i}]"),
            );
            close(&d["binning"][i][0], &u["edges"][i], format!("binning[{i}]"));
            close(
                &d["binning"][i][1],
                &u["edges"][i + 1],
                format!("binning[{i}]"),
            );
        }
    }
}
