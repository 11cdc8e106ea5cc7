//! The results store on SQLite at the scale the pages must stay quick at: 10,000 evaluated runs,
//! each with a small tree (the top, 8 subsystems, 8 leaves each) and 200 trended variables.
//! Reads: a trend of one variable over every run and over 1,000 runs, the variable catalogue,
//! the overview's first page (plain and filtered by level), the scan's states, since when a
//! run's failing leaves have failed (a 50-run streak, and new ones). Write: recording
//! one evaluation the size of a real tree (2,000 nodes).
//!
//! `cargo bench -p velo-dqstore --bench store`; the store is built once per run in a temporary
//! file (about a minute), then each query is timed.

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;
use std::hint::black_box;
use velo_dqstore::*;

const RUNS: u32 = 10_000;
const FIRST_RUN: u32 = 100_000;
const VARS: usize = 200;
const SUBSYSTEMS: [&str; 8] = [
    "pedestals",
    "common_mode",
    "noise",
    "clusters",
    "occupancy",
    "tracks",
    "vertices",
    "errors",
];

fn node(key: String, parent: Option<String>, score: f64, sensor: Option<u32>) -> NodeRecord {
    let level = if score < 50.0 { "ERROR" } else { "OK" };
    NodeRecord {
        title: key.clone(),
        key,
        parent,
        sensor,
        check: sensor.map(|_| "mean_in_range".into()),
        path: sensor.map(|s| format!("Vetra/NoiseMon/DecodedADC/TELL1_{s:03}/RMSNoise_vs_Strip")),
        score,
        level: level.into(),
        warnings: 0,
        errors: u32::from(score < 50.0),
        weight: 1.0,
        details: json!({"mean": score / 20.0, "range": [1.0, 4.0]}),
    }
}

fn evaluation(run: u32, leaves_per_subsystem: u32) -> NewEvaluation {
    let score = f64::from(run % 100);
    let mut nodes = vec![node(String::new(), None, score, None)];
    for s in SUBSYSTEMS {
        nodes.push(node(s.into(), Some(String::new()), score, None));
        for l in 0..leaves_per_subsystem {
            nodes.push(node(
                format!("{s}.sensor_{l:03}"),
                Some(s.into()),
                score,
                Some(l),
            ));
        }
    }
    let trends = (0..VARS)
        .map(|v| (format!("var{v:03}.mean"), f64::from(run) + v as f64))
        .collect();
    let level = nodes[0].level.clone();
    NewEvaluation {
        run,
        file_path: format!("/data/{run}/VELODQM_{run}.root"),
        file_size: 1_500_000,
        file_mtime_ns: 0,
        config_digest: "bench".into(),
        reference_run: Some(run - 1),
        evaluated_at_ms: 0,
        outcome: EvalOutcome::Evaluated {
            score,
            level,
            nodes,
            trends,
        },
    }
}

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("velo-dqstore-bench-{}", std::process::id()));
    let store = Store::open(&format!("sqlite://{}/dq.sqlite3", dir.display())).unwrap();
    let t = std::time::Instant::now();
    let info: Vec<RunInfo> = (FIRST_RUN..FIRST_RUN + RUNS)
        .map(|run| RunInfo {
            run,
            start_ms: Some(i64::from(run) * 5_400_000),
            end_ms: None,
            fill: Some(run / 4),
            magnet_polarity: Some("up".into()),
        })
        .collect();
    store.put_run_info(&info).unwrap();
    for run in FIRST_RUN..FIRST_RUN + RUNS {
        store.record(&evaluation(run, 8)).unwrap();
    }
    eprintln!(
        "velo-dqstore bench: {RUNS} runs stored in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let mut g = c.benchmark_group("sqlite_10000_runs");
    g.bench_function("trend_one_var_all_runs", |b| {
        b.iter(|| {
            let t = store.trend(black_box("var123.mean"), None, None).unwrap();
            assert_eq!(t.len(), RUNS as usize);
            t
        })
    });
    g.bench_function("trend_one_var_1000_runs", |b| {
        b.iter(|| {
            let t = store
                .trend(
                    "var123.mean",
                    Some(FIRST_RUN + 5000),
                    Some(FIRST_RUN + 5999),
                )
                .unwrap();
            assert_eq!(t.len(), 1000);
            t
        })
    });
    g.bench_function("variables", |b| {
        b.iter(|| {
            let v = store.variables().unwrap();
            assert_eq!(v.len(), VARS);
            v
        })
    });
    g.bench_function("runs_first_page_50", |b| {
        let q = RunQuery {
            limit: 50,
            ..Default::default()
        };
        b.iter(|| store.runs(black_box(&q)).unwrap())
    });
    g.bench_function("runs_page_50_level_error_mid_range", |b| {
        let q = RunQuery {
            limit: 50,
            level: Some("ERROR".into()),
            cursor: Some(FIRST_RUN + 5000),
            ..Default::default()
        };
        b.iter(|| {
            let p = store.runs(black_box(&q)).unwrap();
            assert_eq!(p.runs.len(), 50);
            p
        })
    });
    g.bench_function("states", |b| {
        b.iter(|| {
            let s = store.states().unwrap();
            assert_eq!(s.len(), RUNS as usize);
            s
        })
    });
    g.bench_function("current_with_tree", |b| {
        b.iter(|| store.current(black_box(FIRST_RUN + 77)).unwrap())
    });
    // Since when, for the run's DQ page and the run view: every leaf of run ...49 has failed
    // for 50 runs (a score of run % 100 is ERROR below 50); those of run ...00 are new.
    for (name, run, runs) in [
        ("streaks_64_leaves_50_runs", FIRST_RUN + 5049, 50),
        ("streaks_64_leaves_new", FIRST_RUN + 5000, 1),
    ] {
        let e = store.current(run).unwrap().unwrap();
        let keys: Vec<&str> = failing_leaves(&e.nodes, "")
            .iter()
            .map(|n| n.key.as_str())
            .collect();
        assert_eq!(keys.len(), 64);
        g.bench_function(name, |b| {
            b.iter(|| {
                let s = store
                    .streaks(run, &e.nodes, black_box(&keys), STREAK_WINDOW)
                    .unwrap();
                assert!(s.values().all(|s| s.runs == runs), "{s:?}");
                s
            })
        });
    }
    g.sample_size(20);
    // 8 subsystems x 250 leaves: a tree of 2,009 nodes, as 84 sensors x a few checks give.
    let big = evaluation(FIRST_RUN + 42, 250);
    g.bench_function("record_2000_nodes", |b| {
        b.iter(|| store.record(black_box(&big)).unwrap())
    });
    g.finish();
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
