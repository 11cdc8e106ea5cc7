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

#[test]
fn uproot_reads_every_written_class_back_equal() {
    for level in [0, 6] {
        let path = tempdir("uproot").join(format!("sample-{level}.root"));
        let hists = write_sample(&path, level);
        let docs: Vec<_> = hists
            .iter()
            .map(|(p, h)| veloview::dump::histogram(p, &as_stored(h)))
            .collect();
        uproot_agrees(&path, &serde_json::json!({ "histograms": docs }));
    }
}
