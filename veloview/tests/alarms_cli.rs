//! `veloview alarms check`: validates the rules file, and with `--run` shows which rules fire on
//! the stored evaluation without recording anything. `veloview dq scan` records the alarms.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use velo_dqstore::{AlarmQuery, Store};

struct Dataset {
    root: PathBuf,
}

impl Dataset {
    /// The demo's first six runs: 123970 clean, 123971-123975 each with one problem.
    fn new(tag: &str) -> Dataset {
        let root = std::env::temp_dir().join(format!("velo-alarmcli-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let opts = veloview::demo::Options {
            runs: 6,
            ..Default::default()
        };
        veloview::demo::generate(&root, &opts).expect("demo data");
        let refs = "[[range]]\nfirst = 123970\nlast = 123975\nreference = 123970\n";
        std::fs::write(root.join("references.toml"), refs).unwrap();
        Dataset { root }
    }

    fn url(&self) -> String {
        format!("sqlite://{}", self.root.join("dq.sqlite3").display())
    }

    fn veloview(&self, args: &[&str], rules: &Path) -> Output {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        Command::new(env!("CARGO_BIN_EXE_veloview"))
            .args(args)
            .env("VELO_RUN_DATA_DIR", &self.root)
            .env("VELO_RUN_LIST_FILE", self.root.join("RunList.txt"))
            .env("VELO_REFERENCES_FILE", self.root.join("references.toml"))
            .env("VELO_RUN_INFO_FILE", self.root.join("RunInfo.csv"))
            .env("VELO_DQ_CONFIG_FILE", repo.join("config/dq.toml"))
            .env("VELO_DQ_DATABASE_URL", self.url())
            .env("VELO_ALARMS_CONFIG_FILE", rules)
            .output()
            .expect("veloview runs")
    }
}

impl Drop for Dataset {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn shipped_rules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/alarms.toml")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn check_validates_the_rules_naming_file_and_line() {
    let d = Dataset::new("check");
    let out = d.veloview(&["alarms", "check"], &shipped_rules());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("8 rules (4 level, 1 trend"),
        "{}",
        text(&out.stdout)
    );

    let bad = d.root.join("bad-alarms.toml");
    std::fs::write(
        &bad,
        "[[rule]]\nname = \"x\"\nkind = \"level\"\nnodez = \"noise\"\n",
    )
    .unwrap();
    let out = d.veloview(
        &["alarms", "check", "--config", bad.to_str().unwrap()],
        &shipped_rules(),
    );
    assert_eq!(out.status.code(), Some(1));
    let e = text(&out.stderr);
    assert!(
        e.contains("bad-alarms.toml: line 4") && e.contains("nodez"),
        "{e}"
    );

    let out = d.veloview(&["alarms", "check", "--run", "x"], &shipped_rules());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("--run \"x\""),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn scan_records_alarms_and_check_run_is_a_dry_run() {
    let d = Dataset::new("dryrun");
    // Before any evaluation, a dry run says so.
    let out = d.veloview(&["alarms", "check", "--run", "123972"], &shipped_rules());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no evaluated result"),
        "{}",
        text(&out.stderr)
    );

    let out = d.veloview(&["dq", "scan"], &shipped_rules());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let store = Store::open(&d.url()).unwrap();
    let all = || {
        let mut v: Vec<(u32, String)> = store
            .alarms(&AlarmQuery {
                limit: 500,
                ..Default::default()
            })
            .unwrap()
            .alarms
            .into_iter()
            .map(|a| (a.run, a.rule))
            .collect();
        v.sort();
        v
    };
    let recorded = all();
    // The noisy sensor of run 123972 shows in noise and occupancy; the clean run has none.
    assert!(recorded.contains(&(123972, "noise".into())), "{recorded:?}");
    assert!(
        recorded.contains(&(123973, "pedestals".into())),
        "{recorded:?}"
    );
    assert!(!recorded.iter().any(|(r, _)| *r == 123970), "{recorded:?}");

    // A dry run with other rules: what would fire, printed, nothing recorded.
    let other = d.root.join("other.toml");
    std::fs::write(
        &other,
        "[[rule]]\nname = \"noise_any\"\nkind = \"level\"\nnodes = \"noise*\"\nlevel = \"ERROR\"\n",
    )
    .unwrap();
    let out = d.veloview(
        &[
            "alarms",
            "check",
            "--config",
            other.to_str().unwrap(),
            "--run",
            "123972",
        ],
        &shipped_rules(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["run"], 123972);
    let firing = v["firing"].as_array().unwrap();
    assert!(!firing.is_empty());
    assert!(
        firing
            .iter()
            .all(|f| f["rule"] == "noise_any" && f["level"] == "ERROR"),
        "{v}"
    );
    assert!(firing.iter().any(|f| f["subject"] == "noise"), "{v}");
    // The clean run: nothing fires.
    let out = d.veloview(
        &[
            "alarms",
            "check",
            "--config",
            other.to_str().unwrap(),
            "--run",
            "123970",
        ],
        &shipped_rules(),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["firing"], serde_json::json!([]));
    assert_eq!(all(), recorded);
}
