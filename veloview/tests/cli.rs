//! The `veloview` command as other checks use it: `ls` lines, `dump` documents, exit codes and
//! messages on stderr.

#[path = "../../crates/velo-root/tests/common/mod.rs"]
mod common;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

fn veloview(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_veloview"))
        .args(args)
        .output()
        .expect("run veloview")
}

fn data(rel: &str) -> String {
    common::data_dir().join(rel).to_string_lossy().into_owned()
}

fn expected(stem: &str) -> Value {
    let p = common::data_dir().join(format!("expected/{stem}.json"));
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn ls_prints_path_tab_class_for_every_key() {
    for (file, stem) in [
        ("real/uproot-issue-513.root", "uproot-issue-513"),
        ("peer/velo-dqm-seed1-lz4.root", "velo-dqm-seed1"),
    ] {
        let out = veloview(&["ls", &data(file)]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = String::from_utf8(out.stdout).unwrap();
        let listed: BTreeSet<(String, String)> = text
            .lines()
            .map(|l| {
                let (path, class) = l.split_once('\t').expect("PATH<TAB>CLASS");
                assert!(!class.contains('\t') && !path.contains(';'), "{l}");
                (path.to_string(), class.to_string())
            })
            .collect();
        let want: BTreeSet<(String, String)> = expected(stem)["keys"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                let path = k.rsplit_once(';').unwrap().0.to_string();
                (path, v.as_str().unwrap().to_string())
            })
            .collect();
        assert_eq!(listed, want, "{file}");
        // A directory comes before what it holds.
        let lines: Vec<&str> = text.lines().collect();
        let dir = lines
            .iter()
            .position(|l| *l == "genCountLogger\tTDirectory");
        let inner = lines.iter().position(|l| l.starts_with("genCountLogger/"));
        if let (Some(d), Some(i)) = (dir, inner) {
            assert!(d < i, "{text}");
        }
    }
}

#[test]
fn dump_without_paths_prints_every_histogram_as_expected() {
    let file = data("peer/velo-dqm-seed1-zstd.root");
    let out = veloview(&["dump", &file]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["file"], Value::String(file.clone()));
    let got = doc["histograms"].as_array().unwrap();
    let want = expected("velo-dqm-seed1");
    let want = want["histograms"].as_array().unwrap();
    assert_eq!(got.len(), want.len());
    for exp in want {
        let path = exp["path"].as_str().unwrap();
        let h = got
            .iter()
            .find(|h| h["path"] == exp["path"])
            .unwrap_or_else(|| panic!("{path} missing from dump"));
        let mut exp = exp.clone();
        exp.as_object_mut().unwrap().remove("layout");
        common::compare(&exp, h, path).unwrap();
    }
}

#[test]
fn dump_of_paths_prints_just_those() {
    let file = data("real/uproot-issue-513.root");
    let out = veloview(&["dump", &file, "genCountLogger/numEvents", "/TrkAnaPos/tht"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let got = doc["histograms"].as_array().unwrap();
    let paths: Vec<&str> = got.iter().map(|h| h["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["genCountLogger/numEvents", "TrkAnaPos/tht"]);
    let want = expected("uproot-issue-513");
    for (h, p) in got.iter().zip(&paths) {
        let mut exp = want["histograms"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["path"] == *p)
            .unwrap()
            .clone();
        exp.as_object_mut().unwrap().remove("layout");
        common::compare(&exp, h, p).unwrap();
    }
}

#[test]
fn dump_names_unsupported_histograms_on_stderr_and_goes_on() {
    let out = veloview(&["dump", &data("real/uproot-issue-227b.root")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("hprof3d (TProfile3D)"),
        "{}",
        stderr(&out)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["histograms"].as_array().unwrap().len(), 0);
}

/// Runs `veloview args`, expects exit status 1, nothing on stdout, and every one of `needles`
/// in the message on stderr.
fn fails_with(args: &[&str], needles: &[&str]) {
    let out = veloview(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    for n in needles {
        assert!(err.contains(n), "{args:?}: {n:?} not in {err:?}");
    }
}

#[test]
fn missing_and_unsupported_paths_exit_1_with_a_message() {
    let file = data("peer/velo-dqm-seed1-zlib.root");
    fails_with(
        &["dump", &file, "Velo/VeloClusterMonitor/no such histogram"],
        &[&file, "no object at path", "no such histogram"],
    );
    // A directory is not a histogram either; nor is a name under a histogram.
    fails_with(
        &["dump", &file, "Velo"],
        &[&file, "unsupported class TDirectory"],
    );
    fails_with(
        &["dump", &file, "Velo/VeloClusterMonitor/Cluster size/x"],
        &["no object at path"],
    );
    let profile3d = data("real/uproot-issue-227b.root");
    fails_with(
        &["dump", &profile3d, "hprof3d"],
        &[&profile3d, "unsupported class TProfile3D"],
    );
    // One bad path spoils the document: nothing is printed.
    fails_with(
        &[
            "dump",
            &file,
            "Velo/VeloClusterMonitor/Cluster size",
            "nope",
        ],
        &["nope"],
    );
}

#[test]
fn corrupt_truncated_and_absent_files_exit_1_naming_the_file() {
    let tmp = common::TempDir::new("cli");
    let dir = &tmp.0;
    let original = std::fs::read(data("peer/velo-dqm-seed1-zlib.root")).unwrap();
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();

    // Cut inside the directories, then inside the histograms.
    for (name, len) in [("short.root", 3000), ("half.root", original.len() / 2)] {
        let truncated = path(name);
        std::fs::write(&truncated, &original[..len]).unwrap();
        if len == 3000 {
            fails_with(&["ls", &truncated], &[&truncated, "truncated"]);
        }
        fails_with(&["dump", &truncated], &[&truncated, "truncated"]);
    }

    // The histogram's compressed bytes damaged: the directory reads, the histogram does not.
    let mut damaged = original.clone();
    let f = veloview::RootFile::open(data("peer/velo-dqm-seed1-zlib.root")).unwrap();
    let key = f.get("Velo/VeloClusterMonitor/Cluster size").unwrap();
    let at = key.seek_key as usize + key.keylen as usize + 20;
    damaged[at..at + 16].fill(0x55);
    let corrupt = path("corrupt.root");
    std::fs::write(&corrupt, &damaged).unwrap();
    assert!(veloview(&["ls", &corrupt]).status.success());
    fails_with(
        &["dump", &corrupt, "Velo/VeloClusterMonitor/Cluster size"],
        &[&corrupt, "Cluster size"],
    );
    fails_with(&["dump", &corrupt], &[&corrupt]);

    let text = path("not-root.root");
    std::fs::write(&text, "hello").unwrap();
    fails_with(&["ls", &text], &[&text, "not a ROOT file"]);

    let absent = path("absent.root");
    assert!(!Path::new(&absent).exists());
    fails_with(&["dump", &absent], &[&absent, "No such file"]);
}

#[test]
fn bad_usage_exits_non_zero_with_usage() {
    for args in [&[][..], &["ls"], &["frobnicate", "x"]] {
        let out = veloview(args);
        assert!(!out.status.success());
        assert!(stderr(&out).contains("usage"), "{args:?}");
    }
}
