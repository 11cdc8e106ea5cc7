//! `veloview dq scan`: evaluates and stores what needs it, and nothing else, using the services'
//! settings from the environment.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use velo_dqstore::Store;

struct Dataset {
    root: PathBuf,
}

impl Dataset {
    fn new(tag: &str, runs: u32) -> Dataset {
        let root = std::env::temp_dir().join(format!("velo-dqscan-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let opts = veloview::demo::Options {
            runs,
            ..Default::default()
        };
        veloview::demo::generate(&root, &opts).expect("demo data");
        Dataset { root }
    }

    fn url(&self) -> String {
        format!("sqlite://{}", self.root.join("dq.sqlite3").display())
    }

    fn scan(&self, args: &[&str], config: &Path) -> Output {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        Command::new(env!("CARGO_BIN_EXE_veloview"))
            .args(["dq", "scan"])
            .args(args)
            .env("VELO_RUN_DATA_DIR", &self.root)
            .env("VELO_RUN_LIST_FILE", self.root.join("RunList.txt"))
            .env("VELO_REFERENCES_FILE", repo.join("config/references.toml"))
            .env("VELO_RUN_INFO_FILE", self.root.join("RunInfo.csv"))
            .env("VELO_DQ_CONFIG_FILE", config)
            .env("VELO_DQ_DATABASE_URL", self.url())
            .output()
            .expect("veloview runs")
    }
}

impl Drop for Dataset {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn bundled_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/dq.toml")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn scan_evaluates_what_needs_it_and_force_does_all_again() {
    let d = Dataset::new("scan", 4);
    let out = d.scan(&[], &bundled_config());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("evaluated 4 runs"),
        "{}",
        stderr(&out)
    );
    let store = Store::open(&d.url()).unwrap();
    let states = store.states().unwrap();
    assert_eq!(states.len(), 4);

    let out = d.scan(&[], &bundled_config());
    assert!(
        stderr(&out).contains("evaluated 0 runs"),
        "{}",
        stderr(&out)
    );

    let out = d.scan(&["--force"], &bundled_config());
    assert!(
        stderr(&out).contains("evaluated 4 runs"),
        "{}",
        stderr(&out)
    );
    for run in states.keys() {
        assert_eq!(store.history(*run).unwrap().len(), 2, "run {run}");
    }
}

#[test]
fn a_config_error_stops_the_scan_naming_the_file() {
    let d = Dataset::new("badconfig", 1);
    let bad = d.root.join("dq-bad.toml");
    std::fs::write(&bad, "[branch]\nnot_a_key = 1\n").unwrap();
    let out = d.scan(&[], &bad);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("dq-bad.toml"), "{}", stderr(&out));
    let out = d.scan(&["--frobnicate"], &bundled_config());
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--frobnicate"), "{}", stderr(&out));
}
