//! Every input kept under tests/data/fuzz/ (see the README there) goes through the code of its
//! fuzz target again: each must end, within the watchdog, in an error or a valid result.

mod common;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;
use veloview::verify::{decode_framed, decompress_framed, read_everything};
use veloview::RootFile;

const WATCHDOG: Duration = Duration::from_secs(30);

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
        let _ = tx.send(f(bytes));
    });
    match rx.recv_timeout(WATCHDOG) {
        Ok(outcome) => outcome,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{}: still running", path.display()),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{}: panicked", path.display()),
    }
}

#[test]
fn read_file_inputs() {
    for path in inputs("read_file") {
        let outcome = run(&path, |bytes| {
            let name = "regression.root";
            let result = RootFile::from_bytes(name, bytes).and_then(|f| read_everything(&f));
            match result {
                Ok(s) => format!("ok {s:?}"),
                Err(e) => {
                    assert!(e.to_string().starts_with(name), "{e}");
                    format!("error {e}")
                }
            }
        });
        eprintln!("{}: {outcome}", path.display());
    }
}

#[test]
fn decode_inputs() {
    for path in inputs("decode") {
        let outcome = run(&path, |bytes| match decode_framed(&bytes) {
            None => "too short".into(),
            Some(Ok(h)) => format!("ok {} {}", h.class, h.ncells()),
            Some(Err(e)) => format!("error {e}"),
        });
        eprintln!("{}: {outcome}", path.display());
    }
}

#[test]
fn decompress_inputs() {
    for path in inputs("decompress") {
        let outcome = run(&path, |bytes| match decompress_framed(&bytes) {
            None => "too short".into(),
            Some(Ok(out)) => format!("ok {} bytes", out.len()),
            Some(Err(e)) => format!("error {e}"),
        });
        eprintln!("{}: {outcome}", path.display());
        // Every kept input here is hostile: none may decompress.
        assert!(
            outcome.starts_with("error"),
            "{}: {outcome}",
            path.display()
        );
    }
}
