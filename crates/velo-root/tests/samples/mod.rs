//! Histograms of every class veloview writes, shared by the writer tests.
#![allow(dead_code)]

use velo_root::hist::{Axis, Histogram};
use velo_root::rio::{FileWriter, WriteOptions};

/// One histogram of every class veloview writes, with under/overflow, Sumw2, variable edges,
/// labels and awkward names, at `(path, histogram)`.
pub fn sample() -> Vec<(String, Histogram)> {
    let mut out = Vec::new();
    for class in ["TH1F", "TH1D", "TH1I"] {
        let mut h = Histogram::new_1d(
            class,
            &format!("h_{class}"),
            &format!("{class} title with #alpha, 100% \"quotes\" & <tags>"),
            Axis::uniform(10, -5.0, 5.0).with_title("x [mm]"),
        );
        h.y_title = "entries / 1 mm".into();
        if class != "TH1I" {
            h.enable_sumw2();
        }
        for i in 0..200 {
            let x = ((i * 37) % 130) as f64 / 10.0 - 6.5;
            h.fill(
                x,
                if class == "TH1I" {
                    1.0
                } else {
                    0.5 + (i % 3) as f64
                },
            );
        }
        out.push((format!("top/one d/{}", h.name), h));
    }
    let mut v = Histogram::new_1d(
        "TH1D",
        "variable",
        "variable edges",
        Axis::variable(vec![0.0, 0.5, 1.0, 2.0, 4.0, 8.0]),
    );
    for i in 0..50 {
        v.fill(i as f64 * 0.2, 1.0);
    }
    out.push(("variable".to_string(), v));
    for class in ["TH2F", "TH2D", "TH2I"] {
        let mut h = Histogram::new_2d(
            class,
            &format!("h2_{class}"),
            "2D",
            Axis::uniform(6, 0.0, 6.0).with_title("x"),
            Axis::uniform(4, -2.0, 2.0).with_title("y"),
        );
        for i in 0..100 {
            h.fill_2d((i % 8) as f64 - 0.5, (i % 5) as f64 - 2.5, 1.0);
        }
        out.push((format!("top/two d/deeper/{}", h.name), h));
    }
    let mut labelled = Histogram::new_1d("TH1F", "labelled", "labels", Axis::uniform(3, 0.0, 3.0));
    labelled.x.labels = vec!["R".into(), "".into(), "Phi sensor".into()];
    labelled.fill(0.5, 2.0);
    labelled.fill(2.5, 1.0);
    out.push(("top/labelled".to_string(), labelled));
    let mut p = Histogram::new_profile(
        "profile",
        "noise profile",
        Axis::uniform(20, 0.0, 20.0).with_title("channel"),
    );
    for i in 0..400 {
        p.fill_profile(
            (i % 22) as f64 - 1.0,
            2.0 + ((i * 7) % 13) as f64 * 0.1,
            1.0,
        );
    }
    out.push(("Vetra/NoiseMon/DecodedADC/TELL1_005/profile".to_string(), p));
    out
}

pub fn write_sample(path: &std::path::Path, level: u32) -> Vec<(String, Histogram)> {
    let hists = sample();
    let mut w = FileWriter::new(
        "sample.root",
        WriteOptions {
            level,
            ..WriteOptions::default()
        },
    );
    for (p, h) in &hists {
        w.put_at(p, h).unwrap();
    }
    w.write_to(path).unwrap();
    hists
}

/// What a reader gets back: TArrayF and TArrayI narrow the contents, and an axis whose labels
/// are all empty has none.
pub fn as_stored(h: &Histogram) -> Histogram {
    let mut h = h.clone();
    for a in std::iter::once(&mut h.x).chain(h.y.as_mut()) {
        if a.labels.iter().all(String::is_empty) {
            a.labels.clear();
        }
    }
    if h.class.ends_with('F') {
        h.array = h.array.iter().map(|&x| x as f32 as f64).collect();
    } else if h.class.ends_with('I') {
        h.array = h.array.iter().map(|&x| x as i32 as f64).collect();
    }
    h
}

pub fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("writer-{name}"));
    std::fs::create_dir_all(&d).unwrap();
    d
}
