//! Files veloview writes read back equal: through veloview's own reader here, through uproot in
//! tests/uproot_check.rs.

mod samples;

use samples::{as_stored, tempdir, write_sample};
use velo_root::hist::{Axis, Histogram};
use velo_root::rio::{writer, FileWriter, WriteOptions};
use velo_root::RootFile;

#[test]
fn every_class_reads_back_equal_through_veloview() {
    let dir = tempdir("readback");
    for level in [0, 1, 6, 9] {
        let path = dir.join(format!("sample-{level}.root"));
        let hists = write_sample(&path, level);
        let f = RootFile::open(&path).unwrap();
        for (p, h) in &hists {
            let back = f.histogram(p).unwrap_or_else(|e| panic!("{p}: {e}"));
            assert_eq!(back, as_stored(h), "{p} at level {level}");
        }
        let listed: Vec<String> = f.walk().unwrap().into_iter().map(|e| e.path).collect();
        assert!(
            listed.contains(&"top/two d/deeper".to_string()),
            "{listed:?}"
        );
        assert_eq!(
            listed
                .iter()
                .filter(|p| !p.ends_with("deeper") && hists.iter().any(|(h, _)| h == *p))
                .count(),
            hists.len()
        );
    }
}

#[test]
fn compression_shrinks_files_and_a_second_cycle_wins() {
    let dir = tempdir("cycles");
    let plain = dir.join("plain.root");
    let zipped = dir.join("zipped.root");
    write_sample(&plain, 0);
    write_sample(&zipped, 6);
    let (a, b) = (
        std::fs::metadata(&plain).unwrap().len(),
        std::fs::metadata(&zipped).unwrap().len(),
    );
    assert!(b < a, "compressed {b} bytes, uncompressed {a}");

    let mut w = FileWriter::new("c.root", WriteOptions::default());
    let mut h = Histogram::new_1d("TH1D", "h", "", Axis::uniform(2, 0.0, 2.0));
    w.put(writer::TOP, &h).unwrap();
    h.fill(0.5, 3.0);
    w.put(writer::TOP, &h).unwrap();
    let path = dir.join("c.root");
    w.write_to(&path).unwrap();
    let f = RootFile::open(&path).unwrap();
    assert_eq!(f.histogram("h").unwrap().bin_content(1), 3.0);
    assert_eq!(f.histogram("h;1").unwrap().bin_content(1), 0.0);
}

#[test]
fn histograms_that_do_not_fit_their_class_are_refused() {
    let mut w = FileWriter::new("bad.root", WriteOptions::default());
    let mut h = Histogram::new_1d("TH1D", "h", "", Axis::uniform(2, 0.0, 2.0));
    h.array.pop();
    assert!(w.put(writer::TOP, &h).is_err());
    let h3 = Histogram::new_1d("TH3D", "h", "", Axis::uniform(2, 0.0, 2.0));
    let e = w.put(writer::TOP, &h3).unwrap_err().to_string();
    assert!(e.contains("TH3D"), "{e}");
}
