//! Asking uproot, an independent reader, whether it reads a file as we do (tests/uproot_check.py
//! beside this crate's tests). Shared by velo-root's writer tests and veloview's demo-file test.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository's root, found from the crate that includes this module.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|d| d.join("tests/data/CORPUS.md").exists())
        .expect("the repository's tests/data")
        .to_path_buf()
}

pub fn uproot_agrees(root: &Path, expected: &serde_json::Value) {
    let json = root.with_extension("expected.json");
    std::fs::write(&json, serde_json::to_vec(expected).unwrap()).unwrap();
    let repo = repo_root();
    let out = Command::new("python3")
        .arg(repo.join("crates/velo-root/tests/uproot_check.py"))
        .arg(root)
        .arg(&json)
        .arg(repo.join("tests/data/real"))
        .output()
        .expect("python3 runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "uproot disagrees:\n{text}");
    assert!(text.contains("read back equal"), "{text}");
}

/// The dump document of a histogram, with the y axis title of 1D histograms added.
pub fn doc(path: &str, h: &velo_root::Histogram) -> serde_json::Value {
    let mut d = velo_root::dump::histogram(path, h);
    d["y_title"] = h.y_title.clone().into();
    d
}
