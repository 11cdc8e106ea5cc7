//! Several processes opening one new SQLite file at once, as velo-web and the workers do when
//! `./dev.sh run` starts them together on a fresh checkout: every one opens it, and the schema is
//! migrated once. Processes, not threads: SQLite's locks between connections of one process are
//! not the file locks that processes contend for. The children are this test binary, run again
//! for the one test below that opens the store when told where; they start opening together,
//! once every one of them is ready (a file each says so, then one file says go).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const CHILD_URL: &str = "VELO_DQSTORE_TEST_CHILD_URL";
const CHILD_DIR: &str = "VELO_DQSTORE_TEST_CHILD_DIR";

/// A child's work (nothing when run as an ordinary test).
#[test]
fn child_opens_the_store() {
    let (Ok(url), Ok(dir)) = (std::env::var(CHILD_URL), std::env::var(CHILD_DIR)) else {
        return;
    };
    let dir = PathBuf::from(dir);
    std::fs::write(dir.join(format!("ready-{}", std::process::id())), "").unwrap();
    let go = dir.join("go");
    velo_testkit::wait_until("the go", Duration::from_secs(30), || {
        go.exists().then_some(())
    });
    velo_dqstore::Store::open(&url).unwrap();
}

fn ready(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().starts_with("ready-"))
        })
        .count()
}

#[test]
fn processes_opening_a_new_file_at_once_all_open_it() {
    if std::env::var(CHILD_DIR).is_ok() {
        return;
    }
    let exe = std::env::current_exe().unwrap();
    // One round in about twenty failed before openers waited for each other: ten rounds of six.
    for round in 0..10 {
        let dir = std::env::temp_dir().join(format!(
            "velo-dqstore-processes-{}-{}-{round}",
            std::process::id(),
            velo_testkit::free_port()
        ));
        let signals = dir.join("signals");
        std::fs::create_dir_all(&signals).unwrap();
        let url = format!("sqlite://{}/dq.sqlite3", dir.display());
        let children: Vec<_> = (0..6)
            .map(|_| {
                Command::new(&exe)
                    .args(["--exact", "child_opens_the_store", "--test-threads", "1"])
                    .env(CHILD_URL, &url)
                    .env(CHILD_DIR, &signals)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        velo_testkit::wait_until("every child ready", Duration::from_secs(30), || {
            (ready(&signals) == 6).then_some(())
        });
        std::fs::write(signals.join("go"), "").unwrap();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let store = velo_dqstore::Store::open(&url).unwrap();
        assert_eq!(
            store.applied_migrations().unwrap(),
            vec![1, 2, 3, 4, 5, 6, 7]
        );
        drop(store);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
