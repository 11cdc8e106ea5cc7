//! uproot, an independent reader, reads back every histogram veloview writes — once with its own
//! models and once with models built from the file's StreamerInfo — and finds the StreamerInfo
//! equal to what ROOT writes (tests/uproot_check.py). Needs python3 with uproot and numpy
//! (`./dev.sh test` installs them).

mod samples;

use samples::{as_stored, tempdir, write_sample};
use std::path::Path;
use std::process::Command;

pub fn uproot_agrees(root: &Path, expected: &serde_json::Value) {
    let json = root.with_extension("expected.json");
    std::fs::write(&json, serde_json::to_vec(expected).unwrap()).unwrap();
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("python3")
        .arg(here.join("tests/uproot_check.py"))
        .arg(root)
        .arg(&json)
        .arg(here.join("../tests/data/real"))
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
fn doc(path: &str, h: &veloview::Histogram) -> serde_json::Value {
    let mut d = veloview::dump::histogram(path, h);
    d["y_title"] = h.y_title.clone().into();
    d
}

#[test]
fn uproot_reads_every_written_class_back_equal() {
    for level in [0, 6] {
        let path = tempdir("uproot").join(format!("sample-{level}.root"));
        let hists = write_sample(&path, level);
        let docs: Vec<_> = hists.iter().map(|(p, h)| doc(p, &as_stored(h))).collect();
        uproot_agrees(&path, &serde_json::json!({ "histograms": docs }));
    }
}

#[test]
fn uproot_reads_a_demo_run_file_as_veloview_does() {
    let dir = tempdir("uproot-demo");
    let m = veloview::demo::generate(
        &dir,
        &veloview::demo::Options {
            runs: 1,
            first_run: 123987,
            seed: 9,
            ..Default::default()
        },
    )
    .unwrap();
    let name = &m.files[&123987][0];
    let path = veloview::runview::paths::run_dir(&dir, 123987).join(name);
    let f = veloview::RootFile::open(&path).unwrap();
    let mut docs = Vec::new();
    for e in f.walk().unwrap() {
        if !e.key.is_directory() {
            docs.push(doc(&e.path, &f.histogram_of(&e.key).unwrap()));
        }
    }
    assert_eq!(docs.len(), 84 * 6 + 8);
    uproot_agrees(&path, &serde_json::json!({ "histograms": docs }));
}
