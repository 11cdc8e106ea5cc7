//! A run data directory as the services expect it, holding the corpus's VELO-shaped file as run
//! [`RUN`], removed on drop.

use std::path::{Path, PathBuf};
use veloview::runview::{paths, RunData};

pub const RUN: u32 = 123987;

/// The repository's data-quality configuration.
pub fn dq_config_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/dq.toml")
}

/// The repository's alarm rules.
pub fn alarms_config_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/alarms.toml")
}

/// The corpus file every run is a copy of.
pub fn corpus_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/peer/velo-dqm-seed1-zlib.root")
}

pub struct RunDataDir {
    pub root: PathBuf,
    /// The run the directory holds.
    pub run: u32,
}

impl RunDataDir {
    pub fn new(tag: &str) -> RunDataDir {
        let root = temp_root(tag);
        let dir = paths::run_dir(&root, RUN);
        std::fs::create_dir_all(&dir).expect("run directory");
        std::fs::copy(corpus_file(), dir.join(format!("run{RUN}_001.root"))).expect("run file");
        std::fs::write(root.join("RunList.txt"), format!("{RUN}\n")).expect("run list");
        write_references(&root, RUN);
        RunDataDir { root, run: RUN }
    }

    /// One run of the demo dataset (`veloview demo-data`), the shape of real VELO DQM files.
    pub fn demo(tag: &str) -> RunDataDir {
        let root = temp_root(tag);
        let opts = veloview::demo::Options {
            runs: 1,
            ..Default::default()
        };
        veloview::demo::generate(&root, &opts).expect("demo data");
        write_references(&root, opts.first_run);
        RunDataDir {
            root,
            run: opts.first_run,
        }
    }

    /// `runs` runs of the demo dataset from its default first run (seed 1), each compared
    /// with the first run (a clean one: the demo injects no problem into it).
    pub fn demo_runs(tag: &str, runs: u32) -> RunDataDir {
        let root = temp_root(tag);
        let opts = veloview::demo::Options {
            runs,
            ..Default::default()
        };
        veloview::demo::generate(&root, &opts).expect("demo data");
        let (first, last) = (opts.first_run, opts.first_run + runs - 1);
        let text = format!("[[range]]\nfirst = {first}\nlast = {last}\nreference = {first}\n");
        std::fs::write(root.join("references.toml"), text).expect("references");
        RunDataDir { root, run: first }
    }

    /// The run's newest file.
    pub fn run_file(&self) -> PathBuf {
        self.run_data().run_file(self.run).expect("run file")
    }

    pub fn run_list(&self) -> PathBuf {
        self.root.join("RunList.txt")
    }

    /// Every run of the directory is its own reference.
    pub fn references(&self) -> PathBuf {
        self.root.join("references.toml")
    }

    pub fn run_data(&self) -> RunData {
        RunData::new(&self.root, self.run_list(), self.references())
    }

    /// The data-quality store of this directory's tests (SQLite, inside the directory).
    pub fn dq_database_url(&self) -> String {
        format!("sqlite://{}", self.root.join("dq.sqlite3").display())
    }

    /// The environment velo-web and velo-worker read this directory from. The data-quality
    /// scan is off (tests that want it set `VELO_DQ_SCAN_SECS`), so it queues no jobs of its
    /// own into tests about other jobs.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            (
                "VELO_DQ_CONFIG_FILE".into(),
                dq_config_file().display().to_string(),
            ),
            ("VELO_DQ_DATABASE_URL".into(), self.dq_database_url()),
            (
                "VELO_ALARMS_CONFIG_FILE".into(),
                alarms_config_file().display().to_string(),
            ),
            (
                "VELO_RUN_INFO_FILE".into(),
                self.root.join("RunInfo.csv").display().to_string(),
            ),
            ("VELO_DQ_SCAN_SECS".into(), "0".into()),
            ("VELO_RUN_DATA_DIR".into(), self.root.display().to_string()),
            (
                "VELO_RUN_LIST_FILE".into(),
                self.run_list().display().to_string(),
            ),
            (
                "VELO_REFERENCES_FILE".into(),
                self.references().display().to_string(),
            ),
        ]
    }
}

impl Drop for RunDataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn write_references(root: &Path, run: u32) {
    let text = format!("[[range]]\nfirst = {run}\nlast = {run}\nreference = {run}\n");
    std::fs::write(root.join("references.toml"), text).expect("references");
}

fn temp_root(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "velo-{tag}-{}-{}",
        std::process::id(),
        crate::free_port()
    ))
}
