//! The run view's plot path on corpus files laid out as run data: every request a worker can
//! get, valid or not, and the results checked against an independent reader's values.

#[path = "../../crates/velo-root/tests/common/mod.rs"]
mod common;
mod rundata;

use rundata::{check_against_expected, expected, req, Fixture, VELO_DQM};
use serde_json::Value;
use veloview::runview::{get_run_plot, get_run_plot_json, plot, PlotRequest};

const RUN: u32 = 123987;
const REF: u32 = 123950;

/// Both output paths, which must agree; returns the result.
fn plot(f: &Fixture, r: &PlotRequest) -> Value {
    let v = get_run_plot(&f.data, r);
    let text = get_run_plot_json(&f.data, r);
    let parsed: Value = serde_json::from_str(&text).unwrap();
    // Both ways round: `compare` allows extra keys in its second argument.
    common::compare(&parsed, &v, "")
        .and_then(|()| common::compare(&v, &parsed, ""))
        .unwrap_or_else(|e| panic!("text and Value differ: {e}"));
    v
}

fn failure(f: &Fixture, r: &PlotRequest) -> String {
    let v = plot(f, r);
    assert_eq!(v["success"], false, "{v}");
    assert_eq!(v.as_object().unwrap().len(), 2, "{v}");
    v["message"].as_str().unwrap().to_string()
}

/// One VELO run, a reference run, and references mapping the first to the second.
fn velo_runs() -> Fixture {
    let f = Fixture::new();
    f.run_files(RUN, &[("Brunel-123987-20150601T120000.root", VELO_DQM)])
        .run_files(REF, &[("ref.root", "peer/velo-dqm-seed1-lz4.root")])
        .run_list(&format!("{REF}\n{RUN}\n"))
        .references(&format!(
            "[[range]]\nfirst = 123951\nlast = 123999\nreference = {REF}\n"
        ));
    f
}

#[test]
fn every_velo_plot_matches_the_independent_reader() {
    let f = velo_runs();
    let doc = expected("velo-dqm-seed1");
    let hists = doc["histograms"].as_array().unwrap();
    assert_eq!(hists.len(), 16);
    for exp in hists {
        let path = exp["path"].as_str().unwrap();
        let v = plot(&f, &req(path, RUN, 0, false));
        check_against_expected(&v, exp);
        assert_eq!(v["data"]["run"], RUN);
        assert_eq!(v["data"]["reference"], false);
        assert_eq!(v["data"]["file"], "Brunel-123987-20150601T120000.root");
    }
}

#[test]
fn sensor_templates_pick_the_sensor_plot() {
    let f = velo_runs();
    for sensor in [0, 1, 64, 65] {
        for (template, path) in [
            (
                "Vetra/NoiseMon/DecodedADC/TELL1_{0:03d}/RMSNoise_vs_Strip",
                format!("Vetra/NoiseMon/DecodedADC/TELL1_{sensor:03}/RMSNoise_vs_Strip"),
            ),
            (
                "Velo/VeloOccupancyMonitor/OccPerChannelSens{0}",
                format!("Velo/VeloOccupancyMonitor/OccPerChannelSens{sensor}"),
            ),
        ] {
            let v = plot(&f, &req(template, RUN, sensor, false));
            check_against_expected(&v, &rundata::velo_dqm_hist(&path));
        }
    }
    // A real sensor without plots in this file.
    let msg = failure(
        &f,
        &req(
            "Velo/VeloOccupancyMonitor/OccPerChannelSens{0}",
            RUN,
            2,
            false,
        ),
    );
    assert_eq!(
        msg,
        "Plot Velo/VeloOccupancyMonitor/OccPerChannelSens2 not found in run file 123987"
    );
}

#[test]
fn other_classes_and_labels_from_root_written_files() {
    let f = Fixture::new();
    f.run_files(1, &[("a.root", "real/uproot-issue33.root")])
        .run_files(2, &[("a.root", "real/uproot-issue-227a.root")])
        .run_files(3, &[("a.root", "real/uproot-hepdata-example.root")])
        .run_list("1\n2\n3\n");
    // Labelled bins (a cut flow) come with their labels.
    let exp = &expected("uproot-issue33")["histograms"][0];
    let v = plot(&f, &req("cutflow", 1, 0, false));
    check_against_expected(&v, exp);
    assert_eq!(v["data"]["data"]["labels"][2], "MuonVeto");
    // TProfile2D: bin means as a 2D plot.
    let exp = &expected("uproot-issue-227a")["histograms"][0];
    check_against_expected(&plot(&f, &req("hprof2d", 2, 0, false)), exp);
    // TH1F, TH2F, TProfile written by ROOT 5.
    for exp in expected("uproot-hepdata-example")["histograms"]
        .as_array()
        .unwrap()
    {
        let path = exp["path"].as_str().unwrap();
        check_against_expected(&plot(&f, &req(path, 3, 0, false)), exp);
    }
}

#[test]
fn unsupported_classes_are_refused_by_name() {
    let f = Fixture::new();
    f.run_files(1, &[("a.root", "real/uproot-issue-227b.root")])
        .run_files(2, &[("a.root", "real/uproot-issue-1221.root")])
        .run_files(3, &[("a.root", "real/uproot-hepdata-example.root")])
        .run_list("1\n2\n3\n");
    for (run, name, class) in [
        (1, "hprof3d", "TProfile3D"),
        (2, "TrkAna/trkana", "TTree"),
        (2, "TrkAna", "TDirectory"),
        (3, "ntuple", "TNtuple"),
    ] {
        let msg = failure(&f, &req(name, run, 0, false));
        assert_eq!(
            msg,
            format!(
                "Cannot format plot {name} of run file {run}: unsupported class {class} \
                 (plots are TH1*, TH2*, TProfile or TProfile2D)"
            )
        );
    }
}

#[test]
fn the_newest_file_of_a_run_wins() {
    let f = Fixture::new();
    // Only the newest (last by name) file holds the VELO plots.
    f.run_files(
        10,
        &[
            (
                "Brunel-10-20150101T000000.root",
                "real/uproot-histograms.root",
            ),
            ("Brunel-10-20150102T000000.root", VELO_DQM),
        ],
    )
    .run_files(
        11,
        &[
            ("Brunel-11-20150101T000000.root", VELO_DQM),
            (
                "Brunel-11-20150102T000000.root",
                "real/uproot-histograms.root",
            ),
        ],
    )
    .run_list("10\n11\n");
    // Neither other files nor a directory named like a ROOT file count.
    std::fs::write(f.run_dir(10).join("zzz.txt"), "not ROOT").unwrap();
    std::fs::create_dir(f.run_dir(10).join("zzz.root")).unwrap();
    let name = "Velo/VeloClusterMonitor/Cluster size";
    let v = plot(&f, &req(name, 10, 0, false));
    assert_eq!(v["success"], true, "{v}");
    assert_eq!(v["data"]["file"], "Brunel-10-20150102T000000.root");
    assert_eq!(
        failure(&f, &req(name, 11, 0, false)),
        format!("Plot {name} not found in run file 11")
    );
    let id = f.data.identity(10).unwrap();
    assert!(id.path.ends_with("Brunel-10-20150102T000000.root"));
    // A newer file changes the identity results are cached under.
    f.run_files(10, &[("Brunel-10-20150103T000000.root", VELO_DQM)]);
    assert_ne!(f.data.identity(10).unwrap(), id);
}

#[test]
fn a_run_must_be_in_the_run_list_before_any_file_is_read() {
    let f = velo_runs();
    // Run 123988 has a file but is not in the list: it is not a processed run.
    f.run_files(123988, &[("a.root", VELO_DQM)]);
    let name = "Velo/VeloClusterMonitor/Cluster size";
    for run in [123988, 0, 1, u32::MAX] {
        assert_eq!(
            failure(&f, &req(name, run, 0, false)),
            format!("Invalid run number provided: {run} (not in the processed run list)")
        );
        assert!(f.data.identity(run).is_err());
    }
    // In the list, but no data directory.
    f.run_list(&format!("{REF}\n{RUN}\n124000\n"));
    assert_eq!(
        failure(&f, &req(name, 124000, 0, false)),
        "Run file not found for run 124000"
    );
    // A directory without a ROOT file.
    std::fs::create_dir_all(f.run_dir(124000)).unwrap();
    assert_eq!(
        failure(&f, &req(name, 124000, 0, false)),
        "Run file not found for run 124000"
    );
}

#[test]
fn run_list_problems() {
    let f = velo_runs();
    let name = "Velo/VeloClusterMonitor/Cluster size";
    // Junk, blank and repeated lines do not hide the good ones.
    f.run_list(&format!("\n{REF}\njunk\n{RUN}\n{RUN}\n\n"));
    let (list, skipped) = f.data.runs().unwrap();
    assert_eq!(list.runs(), &[RUN, REF]);
    assert_eq!(skipped.len(), 1);
    assert_eq!(plot(&f, &req(name, RUN, 0, false))["success"], true);
    // No run list at all: the message names the file (by its name: pages never show the
    // server's directories).
    std::fs::remove_file(&f.data.run_list).unwrap();
    let msg = failure(&f, &req(name, RUN, 0, false));
    assert!(
        msg.starts_with(&format!("run list {}: ", file_name(&f.data.run_list))),
        "{msg}"
    );
    assert!(!msg.contains(&*parent_of(&f.data.run_list)), "{msg}");
}

#[test]
fn invalid_sensors() {
    let f = velo_runs();
    for sensor in [42, 46, 63, 106, 127, 132, 200, u32::MAX] {
        assert_eq!(
            failure(
                &f,
                &req(
                    "Velo/VeloOccupancyMonitor/OccPerChannelSens{0}",
                    RUN,
                    sensor,
                    false
                )
            ),
            format!(
                "Invalid sensor number provided: {sensor} \
                 (sensors are R 0-41, Phi 64-105, pile-up 128-131)"
            )
        );
    }
}

#[test]
fn invalid_plot_names() {
    let f = velo_runs();
    for (name, why) in [
        ("a/{1}", "unsupported field \"{1}\""),
        ("a/{0", "unmatched '{'"),
        ("a}", "unmatched '}'"),
    ] {
        let msg = failure(&f, &req(name, RUN, 0, false));
        assert!(msg.starts_with("Invalid plot name provided: "), "{msg}");
        assert!(msg.contains(why), "{msg}");
    }
    let long = "x".repeat(5000);
    assert_eq!(
        failure(&f, &req(&long, RUN, 0, false)),
        "Invalid plot name provided: longer than 1024 bytes"
    );
    for name in [
        "",
        "/",
        "nope",
        "Velo/nope",
        "Velo/VeloClusterMonitor/Cluster size/x",
    ] {
        assert_eq!(
            failure(&f, &req(name, RUN, 0, false)),
            format!("Plot {name} not found in run file {RUN}")
        );
    }
}

#[test]
fn reference_plots_come_from_the_reference_run() {
    let f = velo_runs();
    let name = "Vetra/NoiseMon/DecodedADC/TELL1_{0:03d}/RMSNoise_vs_Strip";
    let v = plot(&f, &req(name, RUN, 64, true));
    assert_eq!(v["success"], true, "{v}");
    assert_eq!(v["data"]["run"], REF);
    assert_eq!(v["data"]["reference"], true);
    assert_eq!(v["data"]["file"], "ref.root");
    assert_eq!(v["data"]["title"], "RMS noise vs strip, TELL1_064");
    let r = req(name, RUN, 64, true);
    assert!(f.data.identity_for(&r).unwrap().path.ends_with("ref.root"));
    assert_eq!(f.data.source_run(&r).unwrap(), REF);

    // The reference run is outside every range: no reference configured.
    assert_eq!(
        failure(&f, &req(name, REF, 0, true)),
        format!("No reference run is configured for run {REF}")
    );
    // The reference file lacks the plot.
    f.run_files(REF, &[("zz.root", "real/uproot-histograms.root")]);
    assert_eq!(
        failure(&f, &req(name, RUN, 1, true)),
        format!(
            "Plot Vetra/NoiseMon/DecodedADC/TELL1_001/RMSNoise_vs_Strip not found in \
             reference run file {REF} (reference of run {RUN})"
        )
    );
    // A reference run that was never processed.
    f.references(
        "[[range]]
first = 123951
last = 123999
reference = 100
",
    );
    assert_eq!(
        failure(&f, &req(name, RUN, 0, true)),
        format!("Reference run 100 of run {RUN} is not in the processed run list")
    );
    // Broken or missing references file: named in the message; plain plots unaffected.
    f.references("[[range]]\nfirst = 5\n");
    let msg = failure(&f, &req(name, RUN, 0, true));
    assert!(
        msg.starts_with(&format!("{}: ", file_name(&f.data.references))),
        "{msg}"
    );
    std::fs::remove_file(&f.data.references).unwrap();
    let msg = failure(&f, &req(name, RUN, 0, true));
    assert!(msg.contains(&file_name(&f.data.references)), "{msg}");
    assert!(!msg.contains(&*parent_of(&f.data.references)), "{msg}");
    assert_eq!(plot(&f, &req(name, RUN, 0, false))["success"], true);
}

#[test]
fn a_corrupt_run_file_is_named() {
    let f = Fixture::new();
    f.run_list("7\n8\n");
    std::fs::create_dir_all(f.run_dir(7)).unwrap();
    let bad = f.run_dir(7).join("run.root");
    std::fs::write(&bad, b"root\0\0garbage").unwrap();
    let msg = failure(&f, &req("x", 7, 0, false));
    assert!(msg.starts_with("run.root: "), "{msg}");
    assert!(!msg.contains(&*parent_of(&bad)), "{msg}");
    // Truncated: the first 300 bytes of a real file.
    std::fs::create_dir_all(f.run_dir(8)).unwrap();
    let cut = f.run_dir(8).join("run.root");
    let bytes = std::fs::read(rundata::corpus_file(VELO_DQM)).unwrap();
    std::fs::write(&cut, &bytes[..300]).unwrap();
    let msg = failure(
        &f,
        &req("Velo/VeloClusterMonitor/Cluster size", 8, 0, false),
    );
    assert!(msg.starts_with("run.root: "), "{msg}");
    assert!(!msg.contains(&*parent_of(&cut)), "{msg}");
}

fn file_name(p: &std::path::Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

fn parent_of(p: &std::path::Path) -> String {
    p.parent().unwrap().display().to_string()
}

#[test]
fn read_plot_reports_its_source() {
    let f = velo_runs();
    let p = plot::read_plot(
        &f.data,
        &req("Velo/VeloClusterMonitor/Cluster size", RUN, 0, true),
    )
    .unwrap();
    assert_eq!(
        (p.run, p.reference, p.file_name.as_str()),
        (REF, true, "ref.root")
    );
    assert_eq!(p.hist.class, "TH1D");
}
