//! The store's behaviour, run against both backends: a SQLite file in a temporary directory and
//! a real PostgreSQL server this test binary starts as its own cluster. Every case below runs
//! once per backend (`suite!`); a machine without PostgreSQL fails the `postgres::*` tests.

use serde_json::json;
use std::collections::HashSet;
use std::sync::OnceLock;
use velo_dqstore::*;
use velo_testkit::PostgresServer;

/// A fresh, empty database; removed afterwards (SQLite) or left to the cluster's removal.
struct Db {
    url: String,
    dir: Option<std::path::PathBuf>,
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some(d) = &self.dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

fn sqlite_db(case: &str) -> Db {
    let dir = std::env::temp_dir().join(format!(
        "velo-dqstore-{case}-{}-{}",
        std::process::id(),
        velo_testkit::free_port()
    ));
    Db {
        // In a directory that does not exist yet: the store creates it.
        url: format!("sqlite://{}/sub/dq.sqlite3", dir.display()),
        dir: Some(dir),
    }
}

fn pg_db(case: &str) -> Db {
    // One cluster for the whole binary, one database per case. A static is never dropped: the
    // server stops itself when this process exits (see velo_testkit::postgres_server).
    static SERVER: OnceLock<PostgresServer> = OnceLock::new();
    let server = SERVER.get_or_init(PostgresServer::start);
    Db {
        url: server.create_database(case),
        dir: None,
    }
}

macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $case() { super::$case(&super::sqlite_db(stringify!($case))) } )*
        }
        mod postgres {
            $( #[test] fn $case() { super::$case(&super::pg_db(stringify!($case))) } )*
        }
    };
}

suite!(
    record_then_read_back,
    re_evaluation_keeps_history,
    failed_evaluations_are_recorded,
    states_give_each_runs_current_file_and_config,
    runs_page_newest_first_with_filters,
    summaries_of_chosen_runs,
    trends_follow_current_evaluations,
    range_reads_give_levels_matrices_and_sensor_nodes,
    run_info_is_upserted,
    invalid_input_is_refused_and_changes_nothing,
    concurrent_writers_lose_nothing,
    an_evaluation_superseded_meanwhile_is_not_recorded,
    concurrent_openers_migrate_once,
    reopening_migrates_nothing_twice,
    an_older_database_is_upgraded,
    alarms_open_update_resolve_and_reopen,
    alarms_are_acknowledged_and_resolved_by_hand,
    digests_bound_bursts_and_deliveries_are_logged,
    resolutions_are_notified_and_an_upgrade_sends_no_history,
    undelivered_digests_are_found_until_sent_on_every_channel,
    trend_history_before_a_run,
    streaks_say_since_when_a_leaf_has_failed,
    a_page_names_each_runs_failing_leaves,
    a_page_says_since_when_its_named_leaves_have_failed,
);

fn node(key: &str, parent: Option<&str>, score: f64, level: &str) -> NodeRecord {
    NodeRecord {
        key: key.into(),
        parent: parent.map(Into::into),
        title: format!("Title of {key:?} <b>&</b>"),
        sensor: None,
        check: None,
        path: None,
        score,
        level: level.into(),
        warnings: 0,
        errors: 0,
        weight: 1.0,
        details: json!({}),
    }
}

/// A small tree: the top, two branches, a sensor leaf under noise.
fn tree(score: f64, level: &str) -> Vec<NodeRecord> {
    let mut leaf = node("noise.sensor_003", Some("noise"), score, level);
    leaf.sensor = Some(3);
    leaf.check = Some("noisy_channels".into());
    leaf.path = Some("Vetra/NoiseMon/DecodedADC/TELL1_003/RMSNoise_vs_ChipChannel".into());
    leaf.warnings = 1;
    leaf.errors = u32::from(level == "ERROR");
    leaf.weight = 0.5;
    leaf.details = json!({"bad_channels": [12, 13, 700], "threshold": 2.5, "mean": 1.75});
    vec![
        node("", None, score, level),
        node("pedestals", Some(""), 99.5, "OK"),
        node("noise", Some(""), score, level),
        leaf,
    ]
}

fn evaluation(run: u32, score: f64, level: &str) -> NewEvaluation {
    NewEvaluation {
        run,
        file_path: format!("/data/{run}/VELODQM_{run}.root"),
        file_size: 1_500_000 + u64::from(run),
        file_mtime_ns: 1_433_120_400_000_000_000 + i64::from(run),
        config_digest: "digest-1".into(),
        reference_run: Some(run - 1),
        evaluated_at_ms: 1_700_000_000_000 + i64::from(run),
        outcome: EvalOutcome::Evaluated {
            score,
            level: level.into(),
            nodes: tree(score, level),
            trends: vec![
                ("noise.mean".into(), f64::from(run) / 10.0),
                ("score.noise".into(), score),
            ],
        },
    }
}

fn failed(run: u32, message: &str) -> NewEvaluation {
    NewEvaluation {
        outcome: EvalOutcome::Failed {
            message: message.into(),
        },
        ..evaluation(run, 0.0, "OK")
    }
}

fn open(db: &Db) -> Store {
    Store::open(&db.url).unwrap_or_else(|e| panic!("open {}: {e}", db.url))
}

fn record_then_read_back(db: &Db) {
    let store = open(db);
    assert_eq!(store.current(100).unwrap(), None);
    let e = evaluation(100, 42.5, "WARNING");
    let id = store.record(&e).unwrap();
    let got = store.current(100).unwrap().expect("current evaluation");
    let s = &got.summary;
    assert_eq!(s.id, id);
    assert_eq!(
        (s.run, s.file_path.as_str(), s.file_size, s.file_mtime_ns),
        (100, e.file_path.as_str(), e.file_size, e.file_mtime_ns)
    );
    assert_eq!(s.config_digest, "digest-1");
    assert_eq!(s.reference_run, Some(99));
    assert_eq!(s.evaluated_at_ms, e.evaluated_at_ms);
    assert_eq!(s.status, EvalStatus::Evaluated);
    assert_eq!((s.score, s.level.as_deref()), (Some(42.5), Some("WARNING")));
    assert_eq!(s.message, None);
    assert!(s.current);
    // Every node and field as recorded, in recorded order; details as JSON.
    assert_eq!(got.nodes, tree(42.5, "WARNING"));
    assert_eq!(
        got.trends,
        vec![
            ("noise.mean".to_string(), 10.0),
            ("score.noise".into(), 42.5)
        ]
    );
    assert_eq!(store.evaluation(id).unwrap(), Some(got));
    assert_eq!(store.evaluation(id + 1000).unwrap(), None);
}

fn re_evaluation_keeps_history(db: &Db) {
    let store = open(db);
    let first = store.record(&evaluation(7, 30.0, "ERROR")).unwrap();
    let mut again = evaluation(7, 95.0, "OK");
    again.config_digest = "digest-2".into();
    let second = store.record(&again).unwrap();
    assert_ne!(first, second);
    let current = store.current(7).unwrap().unwrap();
    assert_eq!(current.summary.id, second);
    assert_eq!(current.summary.config_digest, "digest-2");
    let history = store.history(7).unwrap();
    let ids: Vec<(i64, bool)> = history.iter().map(|h| (h.id, h.current)).collect();
    assert_eq!(ids, vec![(second, true), (first, false)]);
    // The older evaluation keeps its own tree.
    let old = store.evaluation(first).unwrap().unwrap();
    assert!(!old.summary.current);
    assert_eq!(old.nodes, tree(30.0, "ERROR"));
    assert_eq!(store.history(8).unwrap(), vec![]);
}

fn failed_evaluations_are_recorded(db: &Db) {
    let store = open(db);
    store.record(&evaluation(5, 80.0, "OK")).unwrap();
    store
        .record(&failed(5, "run 5: cannot read x.root"))
        .unwrap();
    let cur = store.current(5).unwrap().unwrap();
    assert_eq!(cur.summary.status, EvalStatus::Failed);
    assert_eq!(
        cur.summary.message.as_deref(),
        Some("run 5: cannot read x.root")
    );
    assert_eq!((cur.summary.score, cur.summary.level), (None, None));
    assert!(cur.nodes.is_empty() && cur.trends.is_empty());
    // The failed evaluation is current: its run leaves the trends.
    assert_eq!(store.trend("noise.mean", None, None).unwrap(), vec![]);
    let page = store
        .runs(&RunQuery {
            level: Some("FAILED".into()),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(page.runs.len(), 1);
    assert_eq!(page.runs[0].status, EvalStatus::Failed);
    assert_eq!(
        page.runs[0].message.as_deref(),
        Some("run 5: cannot read x.root")
    );
}

fn states_give_each_runs_current_file_and_config(db: &Db) {
    let store = open(db);
    assert!(store.states().unwrap().is_empty());
    store.record(&evaluation(1, 90.0, "OK")).unwrap();
    let mut changed = evaluation(1, 90.0, "OK");
    changed.file_size = 7;
    changed.config_digest = "digest-9".into();
    let id = store.record(&changed).unwrap();
    store.record(&failed(2, "broken")).unwrap();
    let states = store.states().unwrap();
    assert_eq!(states.len(), 2);
    let s1 = &states[&1];
    assert_eq!(s1.evaluation_id, id);
    assert_eq!((s1.file_size, s1.config_digest.as_str()), (7, "digest-9"));
    assert_eq!(s1.file_path, changed.file_path);
    assert_eq!(s1.file_mtime_ns, changed.file_mtime_ns);
    assert_eq!(s1.status, EvalStatus::Evaluated);
    assert_eq!(states[&2].status, EvalStatus::Failed);
}

const LEVEL_CYCLE: [&str; 3] = ["OK", "WARNING", "ERROR"];

/// Runs 1001..=1025, levels cycling OK, WARNING, ERROR.
fn record_runs(store: &Store) {
    for (i, run) in (1001..=1025).enumerate() {
        let level = LEVEL_CYCLE[i % 3];
        store.record(&evaluation(run, i as f64, level)).unwrap();
    }
}

fn runs_page_newest_first_with_filters(db: &Db) {
    let store = open(db);
    record_runs(&store);
    store
        .put_run_info(&[RunInfo {
            run: 1025,
            start_ms: Some(1_433_116_800_000),
            end_ms: Some(1_433_120_400_000),
            fill: Some(4001),
            magnet_polarity: Some("down".into()),
        }])
        .unwrap();
    let page = |q: RunQuery| store.runs(&q).unwrap();
    let runs = |p: &RunPage| p.runs.iter().map(|r| r.run).collect::<Vec<_>>();

    // Pages of 10 walk every run once, newest first.
    let mut all = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let p = page(RunQuery {
            limit: 10,
            cursor,
            ..Default::default()
        });
        all.extend(runs(&p));
        pages += 1;
        match p.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(all, (1001..=1025).rev().collect::<Vec<_>>());

    let p = page(RunQuery {
        limit: 2,
        ..Default::default()
    });
    assert_eq!(runs(&p), vec![1025, 1024]);
    assert_eq!(p.next, Some(1024));
    let top = &p.runs[0];
    assert_eq!((top.level.as_deref(), top.score), (Some("OK"), Some(24.0)));
    assert_eq!(top.status, EvalStatus::Evaluated);
    assert_eq!(top.reference_run, Some(1024));
    assert_eq!(top.evaluated_at_ms, 1_700_000_001_025);
    assert_eq!(
        (
            top.start_ms,
            top.end_ms,
            top.fill,
            top.magnet_polarity.as_deref()
        ),
        (
            Some(1_433_116_800_000),
            Some(1_433_120_400_000),
            Some(4001),
            Some("down")
        )
    );
    assert_eq!(p.runs[1].start_ms, None);
    // The top-level branches, in recorded order.
    let branches: Vec<(&str, f64, &str)> = top
        .branches
        .iter()
        .map(|b| (b.key.as_str(), b.score, b.level.as_str()))
        .collect();
    assert_eq!(
        branches,
        vec![("pedestals", 99.5, "OK"), ("noise", 24.0, "OK")]
    );
    assert_eq!(top.branches[1].title, "Title of \"noise\" <b>&</b>");

    // Range and level filters, with pagination inside them.
    let p = page(RunQuery {
        first: Some(1005),
        last: Some(1012),
        level: Some("ERROR".into()),
        limit: 2,
        ..Default::default()
    });
    assert_eq!(runs(&p), vec![1012, 1009]);
    let p2 = page(RunQuery {
        first: Some(1005),
        last: Some(1012),
        level: Some("ERROR".into()),
        limit: 2,
        cursor: p.next,
    });
    assert_eq!(runs(&p2), vec![1006]);
    assert_eq!(p2.next, None);
    for r in &p.runs {
        assert_eq!(r.level.as_deref(), Some("ERROR"));
    }
    // Exactly a page left: no next.
    let p = page(RunQuery {
        first: Some(1024),
        limit: 2,
        ..Default::default()
    });
    assert_eq!((runs(&p), p.next), (vec![1025, 1024], None));
    // Limit 0 is one run; a huge limit is capped.
    assert_eq!(page(RunQuery::default()).runs.len(), 1);
    assert_eq!(
        page(RunQuery {
            limit: u32::MAX,
            ..Default::default()
        })
        .runs
        .len(),
        25
    );
    let err = store
        .runs(&RunQuery {
            level: Some("ok'; DROP TABLE evaluations; --".into()),
            limit: 5,
            ..Default::default()
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(err
        .to_string()
        .contains("is not OK, WARNING, ERROR or FAILED"));
}

fn summaries_of_chosen_runs(db: &Db) {
    let store = open(db);
    record_runs(&store);
    let s = store.summaries(&[1003, 9999, 1010, 1003]).unwrap();
    let runs: Vec<u32> = s.iter().map(|r| r.run).collect();
    assert_eq!(runs, vec![1010, 1003]);
    assert_eq!(s[0].branches.len(), 2);
    assert_eq!(store.summaries(&[]).unwrap(), vec![]);
}

fn trends_follow_current_evaluations(db: &Db) {
    let store = open(db);
    for run in 1..=5 {
        store.record(&evaluation(run, 50.0, "OK")).unwrap();
    }
    // Run 3 re-evaluated: its newer value replaces the old in the trend.
    let mut again = evaluation(3, 60.0, "OK");
    if let EvalOutcome::Evaluated { trends, .. } = &mut again.outcome {
        trends[0].1 = 33.0;
        trends.push(("only.in.run3".into(), 1.0));
        trends.push(("undefined".into(), f64::NAN));
    }
    store.record(&again).unwrap();
    store
        .put_run_info(&[RunInfo {
            run: 2,
            start_ms: Some(5_400_000),
            end_ms: None,
            fill: None,
            magnet_polarity: None,
        }])
        .unwrap();
    let t = store.trend("noise.mean", None, None).unwrap();
    let points: Vec<(u32, f64, Option<i64>)> = t.iter().map(|p| (p.run, p.value, p.time)).collect();
    assert_eq!(
        points,
        vec![
            (1, 0.1, None),
            (2, 0.2, Some(5_400_000)),
            (3, 33.0, None),
            (4, 0.4, None),
            (5, 0.5, None)
        ]
    );
    let runs = |t: Vec<TrendPoint>| t.iter().map(|p| p.run).collect::<Vec<_>>();
    assert_eq!(
        runs(store.trend("noise.mean", Some(2), Some(4)).unwrap()),
        vec![2, 3, 4]
    );
    assert_eq!(
        runs(store.trend("noise.mean", Some(5), None).unwrap()),
        vec![5]
    );
    assert_eq!(
        runs(store.trend("noise.mean", None, Some(1)).unwrap()),
        vec![1]
    );
    assert_eq!(store.trend("no.such.var", None, None).unwrap(), vec![]);
    // A non-finite value is a gap, not a point.
    assert_eq!(store.trend("undefined", None, None).unwrap(), vec![]);
    assert_eq!(
        store.variables().unwrap(),
        vec!["noise.mean", "only.in.run3", "score.noise"]
    );
    // Run 3 re-evaluated without that variable: it leaves the catalogue.
    store.record(&evaluation(3, 61.0, "OK")).unwrap();
    assert_eq!(
        store.variables().unwrap(),
        vec!["noise.mean", "score.noise"]
    );
    assert_eq!(
        store.trend("noise.mean", Some(3), Some(3)).unwrap()[0].value,
        0.3
    );
}

/// `series`, `run_window`, `values` and `sensor_nodes`: the trends', heat map's and sensor
/// pages' reads over a range of runs.
fn range_reads_give_levels_matrices_and_sensor_nodes(db: &Db) {
    let store = open(db);
    for run in 1..=6 {
        let level = if run == 4 { "ERROR" } else { "OK" };
        let mut e = evaluation(run, 50.0, level);
        if let EvalOutcome::Evaluated { trends, .. } = &mut e.outcome {
            trends.push(("noise.sensor_003.mean".into(), f64::from(run)));
        }
        store.record(&e).unwrap();
    }
    store.record(&failed(7, "unreadable")).unwrap();
    store
        .put_run_info(&[RunInfo {
            run: 5,
            start_ms: Some(1),
            end_ms: None,
            fill: None,
            magnet_polarity: Some("down".into()),
        }])
        .unwrap();
    let range = |first, last, newest| RunRange {
        first,
        last,
        newest,
    };
    let s = store
        .series("noise.sensor_003.mean", &range(Some(3), None, None))
        .unwrap();
    let got: Vec<(u32, Option<&str>, Option<u32>)> = s
        .iter()
        .map(|p| (p.run, p.level.as_deref(), p.reference_run))
        .collect();
    assert_eq!(
        got,
        [
            (3, Some("OK"), Some(2)),
            (4, Some("ERROR"), Some(3)),
            (5, Some("OK"), Some(4)),
            (6, Some("OK"), Some(5))
        ]
    );
    assert_eq!(s[2].magnet_polarity.as_deref(), Some("down"));
    assert_eq!(s[2].time, Some(1));
    // The run's own score belongs to the top node; a variable of no node has no level.
    let newest = store
        .series("score.noise", &range(None, None, Some(2)))
        .unwrap();
    assert_eq!(newest.iter().map(|p| p.run).collect::<Vec<_>>(), [5, 6]);
    assert_eq!(newest[0].level, None);
    assert!(matches!(
        store.series("noise.mean", &range(None, None, Some(0))),
        Err(StoreError::Invalid(_))
    ));

    assert_eq!(
        store.run_window(&range(None, Some(6), Some(3))).unwrap(),
        [4, 5, 6]
    );
    assert_eq!(
        store.run_window(&range(Some(6), None, None)).unwrap(),
        [6, 7]
    );
    let cells = store
        .values(
            &[
                "noise.mean".to_string(),
                "noise.sensor_003.mean".to_string(),
            ],
            2,
            3,
        )
        .unwrap();
    let cells: Vec<(&str, u32, f64)> = cells
        .iter()
        .map(|c| (c.var.as_str(), c.run, c.value))
        .collect();
    assert_eq!(
        cells,
        [
            ("noise.mean", 2, 0.2),
            ("noise.mean", 3, 0.3),
            ("noise.sensor_003.mean", 2, 2.0),
            ("noise.sensor_003.mean", 3, 3.0)
        ]
    );
    let nodes = store.sensor_nodes(3, &[4, 5, 7]).unwrap();
    let got: Vec<(u32, &str, &str)> = nodes
        .iter()
        .map(|(run, n)| (*run, n.key.as_str(), n.level.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (4, "noise.sensor_003", "ERROR"),
            (5, "noise.sensor_003", "OK")
        ]
    );
    assert!(store.sensor_nodes(9, &[4]).unwrap().is_empty());
}

fn run_info_is_upserted(db: &Db) {
    let store = open(db);
    assert_eq!(store.run_info(1).unwrap(), None);
    let info = |run, fill, pol: &str| RunInfo {
        run,
        start_ms: Some(1000 * i64::from(run)),
        end_ms: Some(1000 * i64::from(run) + 500),
        fill: Some(fill),
        magnet_polarity: Some(pol.into()),
    };
    store
        .put_run_info(&[info(1, 10, "up"), info(2, 10, "up"), info(2, 11, "down")])
        .unwrap();
    assert_eq!(store.run_info(1).unwrap(), Some(info(1, 10, "up")));
    // The last of a run given twice wins.
    assert_eq!(store.run_info(2).unwrap(), Some(info(2, 11, "down")));
    let unknown = RunInfo {
        run: 1,
        start_ms: None,
        end_ms: None,
        fill: None,
        magnet_polarity: None,
    };
    store.put_run_info(std::slice::from_ref(&unknown)).unwrap();
    assert_eq!(store.run_info(1).unwrap(), Some(unknown));
    // Many runs at once (several statements).
    let many: Vec<RunInfo> = (100..3100).map(|r| info(r, r / 4, "down")).collect();
    store.put_run_info(&many).unwrap();
    assert_eq!(store.run_info(3099).unwrap(), Some(info(3099, 774, "down")));
    let err = store.put_run_info(&[info(5, 1, "sideways")]).unwrap_err();
    assert!(err.to_string().contains("\"sideways\""), "{err}");
    assert_eq!(store.run_info(5).unwrap(), None);
}

fn invalid_input_is_refused_and_changes_nothing(db: &Db) {
    let store = open(db);
    let bad_level = evaluation(1, 50.0, "FINE");
    let mut bad_node = evaluation(1, 50.0, "OK");
    let mut nan_score = evaluation(1, 50.0, "OK");
    let mut dup_trend = evaluation(1, 50.0, "OK");
    if let EvalOutcome::Evaluated { nodes, .. } = &mut bad_node.outcome {
        nodes[3].level = "SEVERE".into();
    }
    if let EvalOutcome::Evaluated { score, .. } = &mut nan_score.outcome {
        *score = f64::NAN;
    }
    if let EvalOutcome::Evaluated { trends, .. } = &mut dup_trend.outcome {
        trends.push(("noise.mean".into(), 1.0));
    }
    for (e, says) in [
        (bad_level, "level \"FINE\""),
        (bad_node, "node \"noise.sensor_003\"'s level \"SEVERE\""),
        (nan_score, "the score is NaN"),
        (dup_trend, "\"noise.mean\" given twice"),
    ] {
        let err = store.record(&e).unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err}");
        assert!(err.to_string().contains(says), "{err}");
        assert!(err.to_string().contains("run 1"), "{err}");
    }
    assert!(store.states().unwrap().is_empty());
    assert!(store.history(1).unwrap().is_empty());
}

fn concurrent_writers_lose_nothing(db: &Db) {
    // Two handles (separate connection pools, as two processes have), two threads each.
    let a = open(db);
    let b = open(db);
    const PER_THREAD: u32 = 15;
    std::thread::scope(|s| {
        for (t, store) in [&a, &a, &b, &b].into_iter().enumerate() {
            s.spawn(move || {
                let t = t as u32;
                for i in 0..PER_THREAD {
                    // Each thread its own runs, and all of them run 1 as well.
                    store
                        .record(&evaluation(1000 + t * 100 + i, f64::from(i), "OK"))
                        .unwrap();
                    store.record(&evaluation(1, f64::from(t), "OK")).unwrap();
                }
            });
        }
    });
    assert_eq!(a.history(1).unwrap().len(), 4 * PER_THREAD as usize);
    let states = b.states().unwrap();
    assert_eq!(states.len(), 1 + 4 * PER_THREAD as usize);
    for t in 0..4 {
        for i in 0..PER_THREAD {
            let cur = b.current(1000 + t * 100 + i).unwrap().unwrap();
            assert_eq!(cur.nodes.len(), 4);
        }
    }
    // Run 1's current pointer and its trend point agree.
    let cur = a.current(1).unwrap().unwrap();
    let points: Vec<TrendPoint> = a.trend("score.noise", Some(1), Some(1)).unwrap();
    assert_eq!(points.len(), 1);
    assert_eq!(Some(points[0].value), cur.summary.score);
    let ids: HashSet<i64> = a.history(1).unwrap().iter().map(|h| h.id).collect();
    assert_eq!(ids.len(), 4 * PER_THREAD as usize);
}

/// Workers that evaluated one run at once (one took the other's lock for dead) record it once:
/// each says which evaluation it replaces, and only the first that still replaces it records.
fn an_evaluation_superseded_meanwhile_is_not_recorded(db: &Db) {
    let (a, b) = (open(db), open(db));
    let recorded: Vec<Option<i64>> = std::thread::scope(|s| {
        let racers: Vec<_> = [&a, &a, &b, &b]
            .into_iter()
            .enumerate()
            .map(|(t, store)| {
                s.spawn(move || {
                    store
                        .record_unless_superseded(&evaluation(9, t as f64, "OK"), None)
                        .unwrap()
                })
            })
            .collect();
        racers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let first: Vec<i64> = recorded.iter().flatten().copied().collect();
    assert_eq!(first.len(), 1, "{recorded:?}");
    assert_eq!(a.history(9).unwrap().len(), 1);
    // Made from a superseded one: nothing recorded. From the current one: recorded.
    let stale = b.record_unless_superseded(&evaluation(9, 0.5, "WARNING"), None);
    assert_eq!(stale.unwrap(), None);
    let next = b
        .record_unless_superseded(&evaluation(9, 0.5, "WARNING"), Some(first[0]))
        .unwrap()
        .expect("recorded");
    assert_eq!(a.current(9).unwrap().unwrap().summary.id, next);
    assert_eq!(a.history(9).unwrap().len(), 2);
}

fn concurrent_openers_migrate_once(db: &Db) {
    let stores: Vec<Store> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4).map(|_| s.spawn(|| open(db))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for s in &stores {
        assert_eq!(s.applied_migrations().unwrap(), vec![1, 2, 3, 4, 5, 6, 7]);
    }
    stores[0].record(&evaluation(3, 1.0, "ERROR")).unwrap();
    assert!(stores[3].current(3).unwrap().is_some());
}

fn reopening_migrates_nothing_twice(db: &Db) {
    let store = open(db);
    store.record(&evaluation(9, 70.0, "WARNING")).unwrap();
    drop(store);
    let again = open(db);
    assert_eq!(
        again.applied_migrations().unwrap(),
        vec![1, 2, 3, 4, 5, 6, 7]
    );
    assert_eq!(again.history(9).unwrap().len(), 1);
}

/// A later migration, as issue 10's sign-offs will add: a table and a row it must not insert
/// twice.
const LATER: Migration = Migration {
    version: 2,
    name: "0002_test_signoffs",
    sql: "CREATE TABLE test_signoffs (run BIGINT PRIMARY KEY, state TEXT NOT NULL);
          INSERT INTO test_signoffs (run, state) VALUES (9, 'OK');",
};

fn an_older_database_is_upgraded(db: &Db) {
    // Not `open(db)`: that would apply every migration (0002_signoff too) before the old
    // program's turn.
    let backend = if db.url.starts_with("postgres") {
        velo_dqstore::Backend::Postgres
    } else {
        velo_dqstore::Backend::Sqlite
    };
    let v1 = &migrations(backend)[..1];
    let old = Store::open_with_migrations(&db.url, v1).unwrap();
    old.record(&evaluation(9, 70.0, "WARNING")).unwrap();
    assert_eq!(old.applied_migrations().unwrap(), vec![1]);
    drop(old);

    let list = [v1[0], LATER];
    let new = Store::open_with_migrations(&db.url, &list).unwrap();
    assert_eq!(new.applied_migrations().unwrap(), vec![1, 2]);
    assert_eq!(new.history(9).unwrap().len(), 1);
    // Again: nothing re-applied (the CREATE TABLE would fail, the INSERT would clash).
    let again = Store::open_with_migrations(&db.url, &list).unwrap();
    assert_eq!(again.applied_migrations().unwrap(), vec![1, 2]);
    // A program that knows only version 1 refuses the newer database.
    let err = Store::open_with_migrations(&db.url, v1).unwrap_err();
    assert!(
        matches!(err, StoreError::SchemaTooNew { found: 2, known: 1 }),
        "{err}"
    );
}

fn firing(rule: &str, subject: &str, value: f64) -> NewFiring {
    NewFiring {
        rule: rule.into(),
        subject: subject.into(),
        value: Some(value),
        level: "ERROR".into(),
        message: format!("{subject} is bad <b>"),
    }
}

fn rules(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn alarms_open_update_resolve_and_reopen(db: &Db) {
    let s = open(db);
    let judged = rules(&["noise", "peds"]);
    let c = s
        .record_alarms(
            7,
            &judged,
            &[
                firing("noise", "noise", 10.0),
                firing("peds", "peds.a", 1.0),
            ],
            1000,
        )
        .unwrap();
    assert_eq!(c.opened.len(), 2);
    // The same findings again: nothing new, last seen moves, the value follows.
    let c2 = s
        .record_alarms(
            7,
            &judged,
            &[
                firing("noise", "noise", 12.0),
                firing("peds", "peds.a", 1.0),
            ],
            2000,
        )
        .unwrap();
    assert!(c2.opened.is_empty() && c2.resolved.is_empty());
    assert_eq!(c2.seen.len(), 2);
    let all = s
        .alarms(&AlarmQuery {
            limit: 100,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.alarms.len(), 2);
    let noise = all.alarms.iter().find(|a| a.rule == "noise").unwrap();
    assert_eq!(
        (noise.first_seen_ms, noise.last_seen_ms, noise.value),
        (1000, 2000, Some(12.0))
    );
    assert_eq!(noise.state, AlarmState::Open);
    assert_eq!(noise.message, "noise is bad <b>");
    // Another run's findings and another rule's alarms are separate.
    s.record_alarms(8, &judged, &[firing("noise", "noise", 1.0)], 2500)
        .unwrap();
    // Only "noise" fires now on run 7: the "peds" alarm resolves by itself.
    let c3 = s
        .record_alarms(7, &judged, &[firing("noise", "noise", 12.0)], 3000)
        .unwrap();
    assert_eq!(c3.resolved, vec![c.opened[1]]);
    let peds = s.alarm(c.opened[1]).unwrap().unwrap();
    assert_eq!(
        (peds.state, peds.state_ms, peds.by_user.clone()),
        (AlarmState::Resolved, 3000, None)
    );
    // Judging only "peds" leaves "noise" alone.
    let c4 = s.record_alarms(7, &rules(&["peds"]), &[], 3500).unwrap();
    assert!(c4.resolved.is_empty());
    // It fires again: the same row reopens.
    let c5 = s
        .record_alarms(
            7,
            &judged,
            &[
                firing("noise", "noise", 12.0),
                firing("peds", "peds.a", 2.0),
            ],
            4000,
        )
        .unwrap();
    assert_eq!(c5.reopened, vec![c.opened[1]]);
    let events: Vec<String> = s
        .alarm_events(c.opened[1])
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(events, ["opened", "resolved", "reopened"]);
    let counts = s.alarm_counts().unwrap();
    assert_eq!((counts.open, counts.acknowledged), (3, 0));
    // Filters and pages.
    let q = |state, rule: Option<&str>, run| AlarmQuery {
        state,
        rule: rule.map(Into::into),
        run,
        limit: 100,
        cursor: None,
    };
    assert_eq!(s.alarms(&q(None, None, Some(8))).unwrap().alarms.len(), 1);
    assert_eq!(
        s.alarms(&q(None, Some("noise"), None))
            .unwrap()
            .alarms
            .len(),
        2
    );
    assert_eq!(
        s.alarms(&q(Some(AlarmState::Resolved), None, None))
            .unwrap()
            .alarms
            .len(),
        0
    );
    let p1 = s
        .alarms(&AlarmQuery {
            limit: 2,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(p1.alarms.len(), 2);
    let p2 = s
        .alarms(&AlarmQuery {
            limit: 2,
            cursor: p1.next,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(p2.alarms.len(), 1);
    assert_eq!(p2.next, None);
    // Bad findings are refused, nothing changes.
    let mut bad = firing("noise", "noise", f64::NAN);
    assert!(matches!(
        s.record_alarms(7, &judged, &[bad.clone()], 5000),
        Err(StoreError::Invalid(_))
    ));
    bad.value = Some(1.0);
    bad.level = "OK".into();
    assert!(matches!(
        s.record_alarms(7, &judged, &[bad], 5000),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.record_alarms(7, &rules(&["x"]), &[firing("noise", "noise", 1.0)], 5000),
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(s.alarm_counts().unwrap(), counts);
}

fn alarms_are_acknowledged_and_resolved_by_hand(db: &Db) {
    let s = open(db);
    let c = s
        .record_alarms(
            SYSTEM_RUN,
            &rules(&["workers"]),
            &[firing("workers", "workers", 0.0)],
            1000,
        )
        .unwrap();
    let id = c.opened[0];
    assert!(matches!(
        s.acknowledge_alarm(id, " ", "", 1100),
        Err(StoreError::Invalid(_))
    ));
    let a = s
        .acknowledge_alarm(id, "shifter", "looking <i>", 1200)
        .unwrap()
        .unwrap();
    assert_eq!(
        (a.state, a.by_user.as_deref(), a.comment.as_deref()),
        (
            AlarmState::Acknowledged,
            Some("shifter"),
            Some("looking <i>")
        )
    );
    assert_eq!(s.alarm(id).unwrap().unwrap(), a);
    // Acknowledged twice: refused.
    assert!(matches!(
        s.acknowledge_alarm(id, "shifter", "", 1300),
        Err(StoreError::Invalid(_))
    ));
    // Still firing: it stays acknowledged.
    s.record_alarms(
        SYSTEM_RUN,
        &rules(&["workers"]),
        &[firing("workers", "workers", 0.0)],
        1400,
    )
    .unwrap();
    assert_eq!(
        s.alarm(id).unwrap().unwrap().state,
        AlarmState::Acknowledged
    );
    assert_eq!(s.alarm_counts().unwrap().acknowledged, 1);
    let r = s
        .resolve_alarm(id, "expert", "restarted", 1500)
        .unwrap()
        .unwrap();
    assert_eq!(r.state, AlarmState::Resolved);
    assert!(matches!(
        s.resolve_alarm(id, "expert", "", 1600),
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        s.resolve_alarm(id + 1000, "expert", "", 1600).unwrap(),
        None
    );
    let ev = s.alarm_events(id).unwrap();
    let got: Vec<(&str, Option<&str>)> = ev
        .iter()
        .map(|e| (e.event.as_str(), e.by_user.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("opened", None),
            ("acknowledged", Some("shifter")),
            ("resolved", Some("expert"))
        ]
    );
}

/// Resolutions go out in the digests like openings, each alarm in its current state; an
/// acknowledgement does not; and the resolutions recorded before the version that notifies them
/// are not sent on upgrade.
fn resolutions_are_notified_and_an_upgrade_sends_no_history(db: &Db) {
    let backend = if db.url.starts_with("postgres") {
        velo_dqstore::Backend::Postgres
    } else {
        velo_dqstore::Backend::Sqlite
    };
    let judged = rules(&["noise"]);
    let bad = [firing("noise", "noise", 1.0)];
    let states = |d: &[Digest]| -> Vec<(u32, AlarmState)> {
        d.iter()
            .flat_map(|d| d.alarms.iter().map(|a| (a.run, a.state)))
            .collect()
    };
    // The version before: run 1's alarm opened, notified, then resolved (not notified then).
    let old = Store::open_with_migrations(&db.url, &migrations(backend)[..3]).unwrap();
    old.record_alarms(1, &judged, &bad, 1000).unwrap();
    assert_eq!(old.take_digests(1000, 1000).unwrap().len(), 1);
    let c = old.record_alarms(1, &judged, &[], 2000).unwrap();
    assert_eq!(c.resolved.len(), 1);
    drop(old);

    let s = open(db);
    assert_eq!(s.take_digests(1000, 10_000).unwrap(), vec![]);
    // Opened: told as open; resolved: told again, as resolved.
    s.record_alarms(2, &judged, &bad, 20_000).unwrap();
    let d = s.take_digests(1000, 20_000).unwrap();
    assert_eq!(states(&d), [(2, AlarmState::Open)]);
    s.record_alarms(2, &judged, &[], 20_500).unwrap();
    // Within the rule's interval it waits, then goes.
    assert_eq!(s.take_digests(1000, 20_600).unwrap(), vec![]);
    let d = s.take_digests(1000, 21_001).unwrap();
    assert_eq!(states(&d), [(2, AlarmState::Resolved)]);
    // Acknowledged: nothing to tell.
    let c = s.record_alarms(3, &judged, &bad, 30_000).unwrap();
    assert_eq!(s.take_digests(1000, 30_000).unwrap().len(), 1);
    s.acknowledge_alarm(c.opened[0], "shifter", "on it", 31_000)
        .unwrap();
    assert_eq!(s.take_digests(1000, 40_000).unwrap(), vec![]);
    // Opened and resolved between two digests: told once, as resolved.
    s.record_alarms(4, &judged, &bad, 50_000).unwrap();
    s.record_alarms(4, &judged, &[], 50_500).unwrap();
    let d = s.take_digests(1000, 60_000).unwrap();
    assert_eq!(states(&d), [(4, AlarmState::Resolved)]);
    assert_eq!(s.take_digests(1000, 70_000).unwrap(), vec![]);
}

/// A digest taken but not sent on every channel is found (with the channels it was sent on)
/// within the window asked for, and no longer once every channel's delivery is logged.
fn undelivered_digests_are_found_until_sent_on_every_channel(db: &Db) {
    let s = open(db);
    s.record_alarms(
        1,
        &rules(&["noise"]),
        &[firing("noise", "noise", 1.0)],
        1000,
    )
    .unwrap();
    let d = s.take_digests(60_000, 1000).unwrap();
    assert_eq!(d.len(), 1);
    let both = ["webhook", "email"];
    let left = |since, before| -> Vec<(i64, Vec<String>)> {
        s.undelivered_digests(since, before, &both)
            .unwrap()
            .into_iter()
            .map(|(d, sent)| (d.id, sent))
            .collect()
    };
    assert_eq!(left(0, 2000), [(d[0].id, vec![])]);
    let (found, _) = &s.undelivered_digests(0, 2000, &both).unwrap()[0];
    assert_eq!(found.alarms, d[0].alarms);
    // Outside the window: not asked for.
    assert_eq!(left(1001, 2000), []);
    assert_eq!(left(0, 999), []);
    s.record_delivery(d[0].id, "webhook", true, 1, None, 1100)
        .unwrap();
    assert_eq!(left(0, 2000), [(d[0].id, vec!["webhook".to_string()])]);
    // Only the webhook configured: nothing left.
    assert!(s
        .undelivered_digests(0, 2000, &["webhook"])
        .unwrap()
        .is_empty());
    // A failed delivery is logged too: tried, not to be tried again.
    s.record_delivery(d[0].id, "email", false, 4, Some("refused"), 1200)
        .unwrap();
    assert_eq!(left(0, 2000), []);
}

fn digests_bound_bursts_and_deliveries_are_logged(db: &Db) {
    let s = open(db);
    let judged = rules(&["noise", "peds"]);
    // 100 bad runs at once: one digest for "noise" listing them all, one for "peds".
    for run in 1..=100 {
        let mut f = vec![firing("noise", "noise", 1.0)];
        if run == 50 {
            f.push(firing("peds", "peds", 1.0));
        }
        s.record_alarms(run, &judged, &f, 1000).unwrap();
    }
    let d = s.take_digests(60_000, 2000).unwrap();
    let mut sizes: Vec<(String, usize)> =
        d.iter().map(|d| (d.rule.clone(), d.alarms.len())).collect();
    sizes.sort();
    assert_eq!(sizes, [("noise".to_string(), 100), ("peds".to_string(), 1)]);
    let noise = d.iter().find(|d| d.rule == "noise").unwrap();
    assert_eq!(
        noise.alarms.iter().map(|a| a.run).collect::<Vec<_>>(),
        (1..=100).collect::<Vec<u32>>()
    );
    // Nothing new: nothing to send.
    assert!(s.take_digests(60_000, 3000).unwrap().is_empty());
    // More alarms within the interval wait for it to pass, then go as one digest.
    for run in 101..=130 {
        s.record_alarms(run, &judged, &[firing("noise", "noise", 1.0)], 4000)
            .unwrap();
    }
    assert!(s.take_digests(60_000, 5000).unwrap().is_empty());
    let later = s.take_digests(60_000, 2000 + 60_001).unwrap();
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].alarms.len(), 30);
    s.record_delivery(noise.id, "webhook", true, 1, None, 2100)
        .unwrap();
    s.record_delivery(
        noise.id,
        "email",
        false,
        4,
        Some("connection refused"),
        2200,
    )
    .unwrap();
    assert!(matches!(
        s.record_delivery(noise.id, "pigeon", true, 1, None, 1),
        Err(StoreError::Invalid(_))
    ));
    let log = s.deliveries(10).unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(
        (
            log[0].channel.as_str(),
            log[0].status.as_str(),
            log[0].attempts
        ),
        ("email", "failed", 4)
    );
    assert_eq!(log[0].error.as_deref(), Some("connection refused"));
    assert_eq!((log[1].rule.as_str(), log[1].alarms), ("noise", 100));
}

fn trend_history_before_a_run(db: &Db) {
    let s = open(db);
    for run in [3, 5, 9, 12] {
        s.record(&evaluation(run, 90.0, "OK")).unwrap();
    }
    // The two runs before 12, oldest first.
    assert_eq!(s.trend_before("noise.mean", 12, 2).unwrap(), [0.5, 0.9]);
    assert_eq!(
        s.trend_before("noise.mean", 10, 10).unwrap(),
        [0.3, 0.5, 0.9]
    );
    assert!(s.trend_before("noise.mean", 3, 5).unwrap().is_empty());
    assert!(s.last_evaluated_ms().unwrap().is_some());
}

fn streaks_say_since_when_a_leaf_has_failed(db: &Db) {
    let s = open(db);
    let leaf = "noise.sensor_003";
    // Run 4's evaluation failed: it says nothing about the leaf and does not break a streak.
    for (run, level) in [
        (1, "OK"),
        (2, "ERROR"),
        (3, "WARNING"),
        (5, "ERROR"),
        (6, "ERROR"),
    ] {
        s.record(&evaluation(run, 40.0, level)).unwrap();
    }
    s.record(&failed(4, "unreadable")).unwrap();
    s.record(&evaluation(7, 90.0, "OK")).unwrap();
    s.record(&evaluation(8, 40.0, "ERROR")).unwrap();
    // Run 9 was judged with another configuration: its tree holds the leaf at another place.
    let mut other = evaluation(9, 40.0, "ERROR");
    if let EvalOutcome::Evaluated { nodes, .. } = &mut other.outcome {
        nodes.insert(1, node("clusters", Some(""), 90.0, "OK"));
    }
    s.record(&other).unwrap();
    s.put_run_info(&[RunInfo {
        run: 2,
        start_ms: Some(1_433_000_000_000),
        end_ms: None,
        fill: None,
        magnet_polarity: None,
    }])
    .unwrap();
    let streak = |run: u32, window: u32| {
        let current = s.current(run).unwrap().unwrap();
        let mut got = s
            .streaks(run, &current.nodes, &[leaf, "not.a.leaf"], window)
            .unwrap();
        assert_eq!(got.len(), 1, "only keys of the tree: {got:?}");
        got.remove(leaf).unwrap()
    };
    assert_eq!(
        streak(6, STREAK_WINDOW),
        Streak {
            since_run: 2,
            runs: 4,
            open: false,
            since_ms: Some(1_433_000_000_000),
        }
    );
    // Two runs back are all a window of two sees: the streak may be longer.
    let short = streak(6, 2);
    assert_eq!((short.since_run, short.runs, short.open), (3, 3, true));
    // After an OK run a failure is new; across a change of configuration the leaf is found by key.
    let new = streak(8, STREAK_WINDOW);
    assert_eq!(
        (new.since_run, new.runs, new.open, new.since_ms),
        (8, 1, false, None)
    );
    let across = streak(9, STREAK_WINDOW);
    assert_eq!((across.since_run, across.runs), (8, 2));
    // The first run has nothing before it.
    assert_eq!(streak(2, STREAK_WINDOW).since_run, 2);
    let current = s.current(6).unwrap().unwrap();
    assert!(matches!(
        s.streaks(6, &current.nodes, &[leaf], 0),
        Err(StoreError::Invalid(_))
    ));
}

fn a_page_names_each_runs_failing_leaves(db: &Db) {
    let s = open(db);
    s.record(&evaluation(1, 95.0, "OK")).unwrap();
    let leaf = |key: &str, level: &str, score: f64, details| NodeRecord {
        details,
        ..node(key, Some("noise"), score, level)
    };
    let mut bad = evaluation(2, 30.0, "ERROR");
    if let EvalOutcome::Evaluated { nodes, .. } = &mut bad.outcome {
        *nodes = vec![
            node("", None, 30.0, "ERROR"),
            node("pedestals", Some(""), 99.5, "OK"),
            node("noise", Some(""), 30.0, "ERROR"),
            leaf(
                "noise.a",
                "ERROR",
                10.0,
                json!({"worst_channels": "256-287"}),
            ),
            leaf("noise.b", "WARNING", 60.0, json!({"count": 64})),
            leaf(
                "noise.c",
                "WARNING",
                70.0,
                json!({"worst_channels": "7", "unit": "sensor"}),
            ),
            leaf("noise.d", "ERROR", 5.0, json!({})),
            leaf("noise.ok", "OK", 100.0, json!({"worst_channels": "0-31"})),
        ];
    }
    s.record(&bad).unwrap();
    s.record(&failed(3, "unreadable")).unwrap();
    let page = s
        .runs(&RunQuery {
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    let by_run = |run: u32| page.runs.iter().find(|r| r.run == run).unwrap();
    let named = |r: &RunSummary| -> Vec<(String, String, Option<String>)> {
        r.where_to_look
            .iter()
            .map(|l| (l.key.clone(), l.level.clone(), l.place.clone()))
            .collect()
    };
    // Worst first, three of the four, each with where its check found it wrong.
    let bad = by_run(2);
    assert_eq!(bad.failing_leaves, 4);
    assert_eq!(
        named(bad),
        [
            ("noise.d".to_string(), "ERROR".to_string(), None),
            (
                "noise.a".into(),
                "ERROR".into(),
                Some("channels 256-287".into())
            ),
            (
                "noise.b".into(),
                "WARNING".into(),
                Some("64 channels".into())
            ),
        ]
    );
    assert_eq!(bad.where_to_look[0].title, "Title of \"noise.d\" <b>&</b>");
    for clean in [by_run(1), by_run(3)] {
        assert_eq!((clean.failing_leaves, clean.where_to_look.len()), (0, 0));
    }
    // The run list's summaries say the same.
    let chosen = s.summaries(&[2, 1]).unwrap();
    assert_eq!(named(&chosen[0]), named(bad));
    assert!(chosen[1].where_to_look.is_empty());
}

fn a_page_says_since_when_its_named_leaves_have_failed(db: &Db) {
    let s = open(db);
    // Two leaves failing on their own patterns over runs 1-40, run 10's evaluation failed and
    // run 20 never evaluated; then runs 2000-2001, far past the window from the rest.
    let level = |run: u32, leaf: u32| match (run * (3 + leaf) + leaf) % 7 {
        _ if run >= 2000 && leaf == 0 => "ERROR",
        0 | 1 => "OK",
        2 | 3 => "WARNING",
        _ => "ERROR",
    };
    let runs: Vec<u32> = (1..=40).filter(|&r| r != 20).chain([2000, 2001]).collect();
    for &run in &runs {
        if run == 10 {
            s.record(&failed(run, "unreadable")).unwrap();
            continue;
        }
        let mut e = evaluation(run, 40.0, "ERROR");
        if let EvalOutcome::Evaluated { nodes, .. } = &mut e.outcome {
            // A branch fails when a leaf below does, as the combiner has it.
            let worst = [level(run, 0), level(run, 1)]
                .into_iter()
                .max_by_key(|l| ["OK", "WARNING", "ERROR"].iter().position(|x| x == l))
                .unwrap();
            *nodes = vec![
                node("", None, 40.0, worst),
                node("noise", Some(""), 40.0, worst),
                node("noise.a", Some("noise"), 30.0, level(run, 0)),
                node("noise.b", Some("noise"), 40.0, level(run, 1)),
            ];
        }
        s.record(&e).unwrap();
    }
    // What each leaf's streak is, counted the plain way.
    let expected = |run: u32, leaf: u32| -> (u32, u32) {
        let mut since = (run, 1);
        for &r in runs.iter().rev().filter(|&&r| r < run && r != 10) {
            if level(r, leaf) == "OK" {
                break;
            }
            since = (r, since.1 + 1);
        }
        since
    };
    let mut checked = 0;
    for level_filter in [None, Some("ERROR"), Some("WARNING")] {
        let mut cursor = None;
        loop {
            // Pages of seven: streaks cross from one page into the runs of the next.
            let page = s
                .runs(&RunQuery {
                    limit: 7,
                    cursor,
                    level: level_filter.map(Into::into),
                    ..Default::default()
                })
                .unwrap();
            for r in &page.runs {
                for l in &r.where_to_look {
                    let leaf = if l.key == "noise.a" { 0 } else { 1 };
                    let streak = l.streak.as_ref().expect("a named leaf has a streak");
                    assert_eq!(
                        (streak.since_run, streak.runs, streak.open),
                        (expected(r.run, leaf).0, expected(r.run, leaf).1, false),
                        "run {} leaf {}, filter {level_filter:?}",
                        r.run,
                        l.key
                    );
                    checked += 1;
                }
            }
            match page.next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        }
    }
    assert!(checked > 60, "{checked} streaks checked");
    // Run 2001's continues through run 2000 and ends at run 40 (OK), 1,960 runs back: the only
    // evaluated run before 2000, so within the window.
    assert_eq!(expected(2001, 0), (2000, 2));
    assert_eq!(level(40, 0), "OK");
}
