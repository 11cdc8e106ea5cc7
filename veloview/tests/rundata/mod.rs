//! A run-data directory built for one test: run directories in the original layout holding
//! copies of corpus files, a run list and a references file, removed when the test ends.
#![allow(dead_code)]

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use veloview::runview::{paths, PlotRequest, RunData};

pub fn req(name: &str, run: u32, sensor: u32, reference: bool) -> PlotRequest {
    PlotRequest {
        name: name.into(),
        run,
        sensor,
        reference,
    }
}

/// Run a command that must succeed; its stderr is the failure message.
pub fn succeed(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("command runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn corpus_file(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data")
        .join(rel)
}

/// The VELO-shaped corpus file (written by uproot) and its expected values.
pub const VELO_DQM: &str = "peer/velo-dqm-seed1-zlib.root";

pub fn expected(name: &str) -> Value {
    let p = corpus_file(&format!("expected/{name}.json"));
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// One histogram of the VELO-shaped corpus file's expected values.
pub fn velo_dqm_hist(path: &str) -> Value {
    expected("velo-dqm-seed1")["histograms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["path"] == path)
        .unwrap_or_else(|| panic!("{path} not in the corpus"))
        .clone()
}

pub struct Fixture {
    pub root: PathBuf,
    pub data: RunData,
}

impl Fixture {
    /// An empty data directory, an empty run list and no references file.
    pub fn new() -> Fixture {
        static N: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "veloview-rundata-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("data")).unwrap();
        let data = RunData::new(
            root.join("data"),
            root.join("RunList.txt"),
            root.join("references.toml"),
        );
        std::fs::write(&data.run_list, "").unwrap();
        Fixture { root, data }
    }

    /// Put copies of corpus files into `run`'s directory, under the given names.
    pub fn run_files(&self, run: u32, files: &[(&str, &str)]) -> &Self {
        let dir = self.run_dir(run);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, src) in files {
            std::fs::copy(corpus_file(src), dir.join(name)).unwrap();
        }
        self
    }

    pub fn run_dir(&self, run: u32) -> PathBuf {
        paths::run_dir(&self.data.data_dir, run)
    }

    pub fn run_list(&self, text: &str) -> &Self {
        std::fs::write(&self.data.run_list, text).unwrap();
        self
    }

    pub fn references(&self, text: &str) -> &Self {
        std::fs::write(&self.data.references, text).unwrap();
        self
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// The value an independent reader found, from the corpus' expected files (which write
/// non-finite numbers as strings).
pub fn num(v: &Value) -> f64 {
    match v {
        Value::String(s) => s.parse().unwrap(),
        v => v.as_f64().unwrap_or_else(|| panic!("not a number: {v}")),
    }
}

pub fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()) || (a.is_nan() && b.is_nan())
}

/// Check a plot result's `data.data` against a corpus histogram as the original formatter
/// derives it: bins 1..=n from the global-bin arrays, `[lo, hi]` pairs from the edges.
pub fn check_against_expected(result: &Value, exp: &Value) {
    let path = exp["path"].as_str().unwrap();
    assert_eq!(result["success"], true, "{path}: {result}");
    let d = &result["data"];
    assert_eq!(d["name"], exp["name"], "{path}");
    assert_eq!(d["title"], exp["title"], "{path}");
    assert_eq!(d["object_class"], exp["class"], "{path}");
    let d = &d["data"];
    let eq = |what: &str, got: &Value, want: f64| {
        assert!(
            close(num(got), want),
            "{path}: {what} = {got}, expected {want}"
        );
    };
    let stats = &exp["stats"];
    eq("entries", &d["entries"], num(&stats["fEntries"]));
    if let Some(m) = stats.get("mean_x") {
        eq("mean", &d["mean"], num(m));
        eq("rms", &d["rms"], num(&stats["rms_x"]));
    }
    let x = &exp["x"];
    let nx = x["nbins"].as_u64().unwrap() as usize;
    let edges: Vec<f64> = x["edges"].as_array().unwrap().iter().map(num).collect();
    let values: Vec<f64> = exp["values"].as_array().unwrap().iter().map(num).collect();
    let errors: Vec<f64> = exp["errors"].as_array().unwrap().iter().map(num).collect();
    let check_binning = |key: &str, edges: &[f64], n: usize| {
        let b = d[key]
            .as_array()
            .unwrap_or_else(|| panic!("{path}: no {key}"));
        assert_eq!(b.len(), n, "{path}: {key}");
        for (i, pair) in b.iter().enumerate() {
            eq(&format!("{key}[{i}][0]"), &pair[0], edges[i]);
            eq(&format!("{key}[{i}][1]"), &pair[1], edges[i + 1]);
        }
    };
    if exp["dims"] == 1 {
        check_binning("binning", &edges, nx);
        eq("underflow", &d["underflow"], values[0]);
        eq("overflow", &d["overflow"], values[nx + 1]);
        let v = d["values"].as_array().unwrap();
        let u = d["uncertainties"].as_array().unwrap();
        assert_eq!((v.len(), u.len()), (nx, nx), "{path}");
        for i in 1..=nx {
            eq(&format!("values[{}]", i - 1), &v[i - 1], values[i]);
            // The corpus histograms use ROOT's default (symmetric) errors.
            eq(
                &format!("uncertainties[{}][0]", i - 1),
                &u[i - 1][0],
                errors[i],
            );
            eq(
                &format!("uncertainties[{}][1]", i - 1),
                &u[i - 1][1],
                errors[i],
            );
        }
        assert_eq!(d["axis_titles"][0], x["title"], "{path}");
        assert_eq!(d["labels"], x["labels"], "{path}");
    } else {
        let y = &exp["y"];
        let ny = y["nbins"].as_u64().unwrap() as usize;
        let yedges: Vec<f64> = y["edges"].as_array().unwrap().iter().map(num).collect();
        check_binning("xbinning", &edges, nx);
        check_binning("ybinning", &yedges, ny);
        let v = d["values"].as_array().unwrap();
        assert_eq!(v.len(), nx, "{path}");
        for ix in 1..=nx {
            let col = v[ix - 1].as_array().unwrap();
            assert_eq!(col.len(), ny, "{path}");
            for iy in 1..=ny {
                let want = values[ix + (nx + 2) * iy];
                eq(
                    &format!("values[{}][{}]", ix - 1, iy - 1),
                    &col[iy - 1],
                    want,
                );
            }
        }
        assert_eq!(
            d["axis_titles"],
            serde_json::json!([x["title"], y["title"]]),
            "{path}"
        );
        assert_eq!(d["xlabels"], x["labels"], "{path}");
        assert_eq!(d["ylabels"], y["labels"], "{path}");
    }
}
