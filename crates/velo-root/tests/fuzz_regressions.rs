//! Every input kept under tests/data/fuzz/ (see the README there) goes through the code of its
//! fuzz target again: each must end, within the watchdog, in an error or a valid result, having
//! held no more memory than [`MEMORY_LIMIT`].

mod alloc;
mod common;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;
use velo_root::verify::{decode_framed, decompress_framed, read_everything};
use velo_root::RootFile;

const WATCHDOG: Duration = Duration::from_secs(30);
/// Every input here is a few KB, and a block may reserve no more than its algorithm can expand
/// its stored bytes to (before, a 9-byte block header could reserve 16 MiB).
const MEMORY_LIMIT: usize = 2 << 20;

fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = common::data_dir().join("fuzz").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no inputs in {}", dir.display());
    files
}

/// Run `f` on the input in a thread; fail on a panic or when it outlives the watchdog.
fn run(path: &Path, f: fn(Vec<u8>) -> String) -> String {
    let bytes = std::fs::read(path).unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(alloc::measure(|| f(bytes)));
    });
    match rx.recv_timeout(WATCHDOG) {
        Ok((outcome, usage)) => {
            assert!(
                usage.peak <= MEMORY_LIMIT,
                "{}: held {} bytes ({outcome})",
                path.display(),
                usage.peak
            );
            outcome
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{}: still running", path.display()),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{}: panicked", path.display()),
    }
}

/// Every input of `target` through `f`, each under the watchdog; returns what each gave.
fn each(target: &str, f: fn(Vec<u8>) -> String) -> Vec<(PathBuf, String)> {
    inputs(target)
        .into_iter()
        .map(|path| {
            let outcome = run(&path, f);
            eprintln!("{}: {outcome}", path.display());
            (path, outcome)
        })
        .collect()
}

#[test]
fn read_file_inputs() {
    each("read_file", |bytes| {
        let name = "regression.root";
        match RootFile::from_bytes(name, bytes).and_then(|f| read_everything(&f)) {
            Ok(s) => format!("ok {s:?}"),
            Err(e) => {
                assert!(e.to_string().starts_with(name), "{e}");
                format!("error {e}")
            }
        }
    });
}

#[test]
fn decode_inputs() {
    each("decode", |bytes| match decode_framed(&bytes) {
        None => "too short".into(),
        Some(Ok(h)) => format!("ok {} {}", h.class, h.ncells()),
        Some(Err(e)) => format!("error {e}"),
    });
}

#[test]
fn decompress_inputs() {
    let outcomes = each("decompress", |bytes| match decompress_framed(&bytes) {
        None => "too short".into(),
        Some(Ok(out)) => format!("ok {} bytes", out.len()),
        Some(Err(e)) => format!("error {e}"),
    });
    // Every input kept here is hostile: none may decompress.
    for (path, outcome) in outcomes {
        assert!(
            outcome.starts_with("error"),
            "{}: {outcome}",
            path.display()
        );
    }
}
