//! Data quality through the real stack: redis-server, velo-web, velo-worker processes and the
//! results store (SQLite here, PostgreSQL in `the_scan_works_with_postgresql`).

mod common;

use common::System;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;
use velo_dqstore::{EvalStatus, Store};
use velo_testkit::{wait_until, PostgresServer, RunDataDir};

const RUNS: u32 = 6;

/// Every run's current evaluation, once all `runs` have one.
fn wait_all_evaluated(store: &Store, runs: usize) -> HashMap<u32, velo_dqstore::EvalState> {
    wait_until(
        &format!("{runs} runs evaluated"),
        Duration::from_secs(90),
        || {
            let states = store.states().ok()?;
            (states.len() == runs).then_some(states)
        },
    )
}

fn scan_system(tag: &str, workers: usize, db: Option<String>) -> (System, Store) {
    let data = RunDataDir::demo_runs(tag, RUNS);
    let url = db.unwrap_or_else(|| data.dq_database_url());
    let sys = System::start_with(
        data,
        workers,
        &[("VELO_DQ_SCAN_SECS", "1"), ("VELO_DQ_DATABASE_URL", &url)],
    );
    let store = Store::open(&url).expect("store");
    (sys, store)
}

/// The scan finds every run, evaluates each once, and re-evaluates a run whose file changed
/// while keeping the earlier evaluation as history.
fn scan_evaluates_and_keeps_history(sys: &System, store: &Store) {
    let states = wait_all_evaluated(store, RUNS as usize);
    for (run, s) in &states {
        assert_eq!(s.status, EvalStatus::Evaluated, "run {run}: {s:?}");
    }
    let first = sys.data.run;
    let page = store
        .runs(&velo_dqstore::RunQuery {
            limit: 100,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(page.runs.len(), RUNS as usize);
    assert!(page
        .runs
        .iter()
        .all(|r| r.level.is_some() && !r.branches.is_empty()));
    // Run info from the demo's RunInfo.csv reached the store.
    assert!(page.runs.iter().all(|r| r.start_ms.is_some()), "{page:?}");

    // Replace one run's file by another run's: the next scan evaluates it again.
    let changed = first + 2;
    let data = sys.data.run_data();
    let donor = data.run_file(first + 1).unwrap();
    let target = data.run_file(changed).unwrap();
    // Written aside and renamed into place, as a producer should: a scan that ran mid-copy would
    // otherwise evaluate a half-written file, and the test would count that evaluation.
    let partial = target.with_extension("partial");
    std::fs::copy(&donor, &partial).unwrap();
    std::fs::rename(&partial, &target).unwrap();
    let history = wait_until(
        "the changed run evaluated again",
        Duration::from_secs(60),
        || {
            let h = store.history(changed).ok()?;
            (h.len() == 2).then_some(h)
        },
    );
    assert!(history[0].current && !history[1].current, "{history:?}");
    assert_eq!(
        history[0].file_size,
        std::fs::metadata(&target).unwrap().len()
    );
    // That scan looked at every run: the unchanged ones were left alone.
    for run in first..first + RUNS {
        if run != changed {
            assert_eq!(store.history(run).unwrap().len(), 1, "run {run}");
        }
    }

    // A forced evaluation through the jobs API adds a third.
    let done = sys.run("dq.evaluate_run", json!({"run": changed, "force": true}));
    assert_eq!(done["status"], "finished", "{done}");
    let data = &done["result"]["data"];
    assert_eq!(data["status"], "evaluated", "{done}");
    let id = data["evaluation_id"].as_i64().unwrap();
    let history = store.history(changed).unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(history[0].id, id);
    // Not forced, and nothing changed: nothing to do.
    let done = sys.run("dq.evaluate_run", json!({"run": changed}));
    assert_eq!(done["result"]["data"]["status"], "current", "{done}");
    assert_eq!(store.history(changed).unwrap().len(), 3);
}

#[test]
fn the_scan_evaluates_every_run_and_keeps_history() {
    let (sys, store) = scan_system("dq-scan", 2, None);
    scan_evaluates_and_keeps_history(&sys, &store);
}

#[test]
fn the_scan_works_with_postgresql() {
    let pg = PostgresServer::start();
    let (sys, store) = scan_system("dq-pg", 2, Some(pg.create_database("dq_scan")));
    scan_evaluates_and_keeps_history(&sys, &store);
}

#[test]
fn a_run_that_does_not_exist_is_refused_up_front() {
    let sys = System::start("dq-bad", 1, &[]);
    let r = sys.http.post(
        "/jobs",
        &json!({"task_name": "dq.evaluate_run", "args": {"run": "x"}}),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    // A run that is not in the run list costs no job: velo-web answers at once.
    let r = sys.http.post(
        "/jobs",
        &json!({"task_name": "dq.evaluate_run", "args": {"run": 1}}),
    );
    assert_eq!(r.status, 404, "{}", r.body);
    assert!(
        r.json()["message"].as_str().unwrap().contains('1'),
        "{}",
        r.body
    );
    assert!(sys.http.get("/jobs").json()["jobs"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn a_worker_killed_mid_evaluation_loses_nothing() {
    let data = RunDataDir::demo_runs("dq-kill", 2);
    let run = data.run;
    let url = data.dq_database_url();
    let mut sys = System::start_with(
        data,
        1,
        &[
            ("VELO_DEBUG_DQ_DELAY_MS", "3000"),
            // The killed worker's lock on the run lapses after this.
            ("VELO_JOB_TIMEOUT_SECS", "6"),
        ],
    );
    let job = sys.http.submit("dq.evaluate_run", json!({"run": run}));
    let id = job["id"].as_str().unwrap();
    sys.wait_status(id, "started");
    sys.add_worker();
    sys.workers[0].signal(9);
    let done = sys.wait_final(id, Duration::from_secs(60));
    assert_eq!(done["status"], "finished", "{done}");
    assert_eq!(done["attempts"], 2, "{done}");
    assert_eq!(done["result"]["data"]["status"], "evaluated", "{done}");
    let store = Store::open(&url).unwrap();
    let history = store.history(run).unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0].status, EvalStatus::Evaluated);
}

#[test]
fn two_workers_never_evaluate_one_run_at_once() {
    let data = RunDataDir::demo_runs("dq-lock", 2);
    let run = data.run;
    let url = data.dq_database_url();
    let delay = 1500;
    let sys = System::start_with(data, 2, &[("VELO_DEBUG_DQ_DELAY_MS", &delay.to_string())]);
    let a = sys
        .http
        .submit("dq.evaluate_run", json!({"run": run, "force": true}));
    let b = sys
        .http
        .submit("dq.evaluate_run", json!({"run": run, "force": true}));
    let a = sys.wait_final(a["id"].as_str().unwrap(), Duration::from_secs(60));
    let b = sys.wait_final(b["id"].as_str().unwrap(), Duration::from_secs(60));
    assert_eq!(a["status"], "finished", "{a}");
    assert_eq!(b["status"], "finished", "{b}");
    // Both ran (on one worker or two: each takes several jobs at once)...
    let store = Store::open(&url).unwrap();
    let history = store.history(run).unwrap();
    assert_eq!(history.len(), 2);
    // ...and the second evaluation waited for the first: each holds the run for `delay`
    // before storing, so overlapping evaluations would be stored within a few ms of each other.
    let gap = (history[0].evaluated_at_ms - history[1].evaluated_at_ms).abs();
    assert!(gap >= delay - 50, "evaluations stored {gap} ms apart");
}
