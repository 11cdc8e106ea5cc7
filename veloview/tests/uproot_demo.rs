//! uproot, an independent reader, reads a demo run file as veloview does (the check itself is
//! velo-root's: crates/velo-root/tests/uproot). Needs python3 with uproot and numpy.

#[path = "../../crates/velo-root/tests/uproot/mod.rs"]
mod uproot;

use uproot::{doc, uproot_agrees};

fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&d).unwrap();
    d
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
