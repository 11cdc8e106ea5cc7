//! uproot, an independent reader, reads back every histogram veloview writes — once with its own
//! models and once with models built from the file's StreamerInfo — and finds the StreamerInfo
//! equal to what ROOT writes (tests/uproot_check.py). Needs python3 with uproot and numpy
//! (`./dev.sh test` installs them).

mod samples;
mod uproot;

use samples::{as_stored, tempdir, write_sample};
use uproot::{doc, uproot_agrees};

#[test]
fn uproot_reads_every_written_class_back_equal() {
    for level in [0, 6] {
        let path = tempdir("uproot").join(format!("sample-{level}.root"));
        let hists = write_sample(&path, level);
        let docs: Vec<_> = hists.iter().map(|(p, h)| doc(p, &as_stored(h))).collect();
        uproot_agrees(&path, &serde_json::json!({ "histograms": docs }));
    }
}
