//! Shared by the integration tests: where the corpus is, and comparing JSON with a tolerance.
#![allow(dead_code)]

use serde_json::Value;
use std::path::PathBuf;

pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|d| d.join("tests/data"))
        .find(|d| d.join("CORPUS.md").exists())
        .expect("the repository's tests/data")
}

/// The ROOT files each expected document describes.
pub fn corpus() -> Vec<(PathBuf, Value)> {
    let dir = data_dir();
    let mut out = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(dir.join("expected"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for exp in names {
        let doc: Value = serde_json::from_slice(&std::fs::read(&exp).unwrap()).unwrap();
        let stem = exp.file_stem().unwrap().to_str().unwrap().to_string();
        let real = dir.join("real").join(format!("{stem}.root"));
        if real.exists() {
            out.push((real, doc));
        } else {
            for algo in ["uncompressed", "zlib", "lz4", "zstd", "lzma"] {
                let f = dir.join("peer").join(format!("{stem}-{algo}.root"));
                assert!(f.exists(), "{} missing", f.display());
                out.push((f, doc.clone()));
            }
        }
    }
    assert!(out.len() >= 14, "corpus incomplete: {} files", out.len());
    out
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "nan" => Some(f64::NAN),
            "inf" => Some(f64::INFINITY),
            "-inf" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

fn close(a: f64, b: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    if a == b {
        return true;
    }
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

/// Every key of `expected` must be in `actual` with an equal value (floats within 1e-9
/// relative); extra keys in `actual` are allowed. Returns the first difference.
pub fn compare(expected: &Value, actual: &Value, at: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let av = a
                    .get(k)
                    .ok_or_else(|| format!("{at}.{k}: missing (expected {ev})"))?;
                compare(ev, av, &format!("{at}.{k}"))?;
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Err(format!("{at}: length {} != expected {}", a.len(), e.len()));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                compare(ev, av, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        _ => match (as_f64(expected), as_f64(actual)) {
            (Some(e), Some(a)) if close(e, a) => Ok(()),
            (Some(_), Some(_)) => Err(format!("{at}: {actual} != expected {expected}")),
            _ if expected == actual => Ok(()),
            _ => Err(format!("{at}: {actual} != expected {expected}")),
        },
    }
}

/// A directory of its own under the system temp dir, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("veloview-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
