//! `veloview plot` as a shifter or script runs it: the binary, its stdout, stderr and exit status.

mod rundata;

use rundata::{check_against_expected, velo_dqm_hist, Fixture, VELO_DQM};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

const RUN: u32 = 123987;
const REF: u32 = 123950;

fn velo_runs() -> Fixture {
    let f = Fixture::new();
    f.run_files(RUN, &[("run.root", VELO_DQM)])
        .run_files(REF, &[("ref.root", "peer/velo-dqm-seed1-zstd.root")])
        .run_list(&format!("{REF}\n{RUN}\n"))
        .references(&format!(
            "[[range]]\nfirst = 123951\nlast = 123999\nreference = {REF}\n"
        ));
    f
}

/// The command with no configuration around it: an empty working directory and none of the
/// variables the services read, so only what a test passes counts.
fn veloview(cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_veloview"));
    c.current_dir(cwd);
    for (k, _) in std::env::vars() {
        if k.starts_with("VELO_") || k == "REDIS_URL" || k == "PORT" {
            c.env_remove(k);
        }
    }
    c
}

fn plot(f: &Fixture, args: &[&str]) -> Output {
    let mut c = veloview(&f.root);
    c.arg("plot").args(args).args([
        "--data-dir",
        f.data.data_dir.to_str().unwrap(),
        "--run-list",
        f.data.run_list.to_str().unwrap(),
        "--references",
        f.data.references.to_str().unwrap(),
    ]);
    c.output().unwrap()
}

fn success(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::str::from_utf8(&out.stdout).unwrap();
    assert!(text.ends_with('\n'));
    serde_json::from_str(text).unwrap()
}

/// Exit status 1, nothing on stdout, the message on stderr.
fn failure(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr.clone()).unwrap()
}

#[test]
fn prints_plots_as_the_independent_reader_read_them() {
    let f = velo_runs();
    let r = RUN.to_string();
    // The largest plots: a 2048-strip profile, a 256x61 TH2D, 3564 bunch crossings; and
    // variable bins, integer contents.
    for (template, sensor, path) in [
        (
            "Vetra/NoiseMon/DecodedADC/TELL1_{0:03d}/RMSNoise_vs_Strip",
            "64",
            "Vetra/NoiseMon/DecodedADC/TELL1_064/RMSNoise_vs_Strip",
        ),
        (
            "Vetra/VeloPedestalSubtractorMoni/TELL1_{0:03d}/Ped_Sub_ADCs_2D",
            "0",
            "Vetra/VeloPedestalSubtractorMoni/TELL1_000/Ped_Sub_ADCs_2D",
        ),
        (
            "Vetra/VeloPedestalSubtractorMoni/TELL1_{0:03d}/Ped_Sub_ADCs_2D",
            "65",
            "Vetra/VeloPedestalSubtractorMoni/TELL1_065/Ped_Sub_ADCs_2D",
        ),
        (
            "Velo/VeloOccupancyMonitor/% occupancy vs BCID (A side)",
            "5",
            "Velo/VeloOccupancyMonitor/% occupancy vs BCID (A side)",
        ),
        (
            "Velo/VeloClusterMonitor/Cluster size",
            "0",
            "Velo/VeloClusterMonitor/Cluster size",
        ),
        (
            "Velo/VeloClusterMonitor/# VELO clusters",
            "0",
            "Velo/VeloClusterMonitor/# VELO clusters",
        ),
    ] {
        let v = success(&plot(&f, &[&r, template, sensor]));
        check_against_expected(&v, &velo_dqm_hist(path));
        assert_eq!(v["data"]["run"], RUN);
        assert_eq!(v["data"]["file"], "run.root");
    }
}

#[test]
fn sensor_defaults_to_zero() {
    let f = velo_runs();
    let v = success(&plot(
        &f,
        &[
            &RUN.to_string(),
            "Velo/VeloOccupancyMonitor/OccPerChannelSens{0}",
        ],
    ));
    check_against_expected(
        &v,
        &velo_dqm_hist("Velo/VeloOccupancyMonitor/OccPerChannelSens0"),
    );
}

#[test]
fn reference_flag_reads_the_reference_run() {
    let f = velo_runs();
    let v = success(&plot(
        &f,
        &[
            "--reference",
            &RUN.to_string(),
            "Velo/VeloOccupancyMonitor/OccPerChannelSens{0}",
            "65",
        ],
    ));
    check_against_expected(
        &v,
        &velo_dqm_hist("Velo/VeloOccupancyMonitor/OccPerChannelSens65"),
    );
    assert_eq!(v["data"]["run"], REF);
    assert_eq!(v["data"]["reference"], true);
    assert_eq!(v["data"]["file"], "ref.root");
    let msg = failure(&plot(&f, &[&REF.to_string(), "x", "--reference"]));
    assert_eq!(
        msg,
        format!("veloview: No reference run is configured for run {REF}\n")
    );
}

#[test]
fn invalid_input_is_a_message_and_status_1() {
    let f = velo_runs();
    let r = RUN.to_string();
    let cases: &[(&[&str], &str)] = &[
        (
            &["123988", "x"],
            "Invalid run number provided: 123988 (not in the processed run list)",
        ),
        (
            &["abc!", "x"],
            "Invalid run number provided: \"abc!\" (not a run number)",
        ),
        (
            &["", "x"],
            "Invalid run number provided: \"\" (not a run number)",
        ),
        (
            &["-1", "x"],
            "Invalid run number provided: \"-1\" (not a run number)",
        ),
        (&["99999999999", "x"], "(not a run number)"),
        (
            &[&r, "x", "42"],
            "Invalid sensor number provided: 42 (sensors are",
        ),
        (&[&r, "x", "106"], "Invalid sensor number provided: 106"),
        (&[&r, "x", "abc"], "Invalid sensor number provided: \"abc\""),
        (&[&r, "x", "1.5"], "Invalid sensor number provided: \"1.5\""),
        (&[&r, "nope/x"], "Plot nope/x not found in run file 123987"),
        (&[&r, "Vetra/NoiseMon"], "unsupported class TDirectory"),
        (
            &[&r, "a{1}"],
            "Invalid plot name provided: plot name template \"a{1}\"",
        ),
        (&[&r], "plot takes RUN PLOT [SENSOR]"),
        (&[&r, "x", "0", "1"], "plot takes RUN PLOT [SENSOR]"),
        (&[&r, "x", "--colour"], "unknown option --colour"),
    ];
    for (args, want) in cases {
        let msg = failure(&plot(&f, args));
        assert!(msg.starts_with("veloview: "), "{args:?}: {msg}");
        assert!(msg.contains(want), "{args:?}: {want:?} not in {msg:?}");
    }
    // A missing flag value.
    let out = veloview(&f.root)
        .args(["plot", &r, "x", "--data-dir"])
        .output()
        .unwrap();
    assert!(failure(&out).contains("--data-dir needs a value"));
}

#[test]
fn unsupported_classes_from_a_root_written_file() {
    let f = Fixture::new();
    f.run_files(5, &[("a.root", "real/uproot-issue-227b.root")])
        .run_list("5\n");
    let msg = failure(&plot(&f, &["5", "hprof3d"]));
    assert!(msg.contains("unsupported class TProfile3D"), "{msg}");
}

#[test]
fn run_list_junk_is_a_warning_not_a_failure() {
    let f = velo_runs();
    f.run_list(&format!("{REF}\nnot-a-run\n{RUN}\n"));
    let out = plot(
        &f,
        &[&RUN.to_string(), "Velo/VeloClusterMonitor/Cluster size"],
    );
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 2: \"not-a-run\" is not a run number (skipped)"),
        "{err}"
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["success"], true);
}

#[test]
fn paths_default_to_the_services_configuration() {
    let f = velo_runs();
    let args = [
        "plot",
        "123987",
        "Velo/VeloClusterMonitor/Cluster size",
        "--reference",
    ];
    // From environment variables, as a process manager sets them.
    let out = veloview(&f.root)
        .args(args)
        .env("VELO_RUN_DATA_DIR", &f.data.data_dir)
        .env("VELO_RUN_LIST_FILE", &f.data.run_list)
        .env("VELO_REFERENCES_FILE", &f.data.references)
        .output()
        .unwrap();
    assert_eq!(success(&out)["data"]["run"], REF);
    // From config/velo.toml in the working directory, as `./dev.sh run` starts everything.
    std::fs::create_dir_all(f.path("config")).unwrap();
    std::fs::write(
        f.path("config/velo.toml"),
        format!(
            "run_data_dir = {:?}\nrun_list_file = {:?}\nreferences_file = {:?}\n",
            f.data.data_dir, f.data.run_list, f.data.references
        ),
    )
    .unwrap();
    let out = veloview(&f.root).args(args).output().unwrap();
    assert_eq!(success(&out)["data"]["run"], REF);
    // The built-in defaults point at ./demo-data, absent here: the run list is named.
    let empty = f.path("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let msg = failure(&veloview(&empty).args(args).output().unwrap());
    assert!(msg.contains("run list demo-data/RunList.txt"), "{msg}");
    // A broken configuration is reported, not ignored.
    let out = veloview(&f.root)
        .args(args)
        .env("VELO_CONFIG", f.path("nope.toml"))
        .output()
        .unwrap();
    assert!(failure(&out).contains("configuration"));
}

#[test]
fn ls_and_dump_are_unchanged() {
    let f = velo_runs();
    let file = rundata::corpus_file(VELO_DQM);
    let out = veloview(&f.root).arg("ls").arg(&file).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Velo/VeloClusterMonitor/Cluster size\tTH1D\n"),
        "{text}"
    );
    let out = veloview(&f.root)
        .args([
            "dump".as_ref(),
            file.as_os_str(),
            "Velo/VeloClusterMonitor/Cluster size".as_ref(),
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["histograms"][0]["class"], "TH1D");
    let out = veloview(&f.root).arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for cmd in ["veloview ls", "veloview dump", "veloview plot"] {
        assert!(help.contains(cmd), "{help}");
    }
}
