//! Server time of the overview at scale: 50,000 listed runs, all evaluated and stored (SQLite),
//! the first page (50 rows) of `/velo_view/overview` rendered, and the same rows from
//! `/api/dq/runs`, through the app's own routes (actix test service, no network). The store is
//! filled once and kept under target/ (filling takes a minute or two); delete it to rebuild.
//!
//! `cargo bench -p velo-web --bench overview`

#[path = "../tests/support/dq.rs"]
mod dq;

use actix_web::{test, web, App};
use criterion::{criterion_group, criterion_main, Criterion};
use std::path::{Path, PathBuf};
use velo_config::Settings;
use velo_dqstore::{RunInfo, RunQuery, Store};

const RUNS: u32 = 50_000;
const FIRST_RUN: u32 = 100_000;

fn bench_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join(format!("velo-bench-overview-{RUNS}"))
}

/// The run list and a store holding one evaluation of every run.
fn fixture() -> (PathBuf, String) {
    let dir = bench_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let list = dir.join("RunList.txt");
    let runs: Vec<String> = (FIRST_RUN..FIRST_RUN + RUNS)
        .map(|r| r.to_string())
        .collect();
    std::fs::write(&list, runs.join("\n")).unwrap();
    let url = format!("sqlite://{}", dir.join("dq.sqlite3").display());
    let store = Store::open(&url).unwrap();
    let have = store
        .runs(&RunQuery {
            first: Some(FIRST_RUN),
            limit: 1,
            ..Default::default()
        })
        .unwrap();
    if have.runs.first().map(|r| r.run) != Some(FIRST_RUN + RUNS - 1) {
        eprintln!("filling the store with {RUNS} evaluations (once)...");
        let mut info = Vec::new();
        for run in FIRST_RUN..FIRST_RUN + RUNS {
            let level = ["OK", "OK", "WARNING", "ERROR"][(run % 4) as usize];
            let e = dq::evaluation(
                run,
                i64::from(run) * 1000,
                &[dq::noise(60.0, level), dq::clusters(95.0, "OK")],
            );
            store.record(&e).unwrap();
            info.push(RunInfo {
                run,
                start_ms: Some(i64::from(run) * 3_600_000),
                end_ms: None,
                fill: Some(run / 10),
                magnet_polarity: Some("up".into()),
            });
        }
        store.put_run_info(&info).unwrap();
    }
    (dir, url)
}

fn overview(c: &mut Criterion) {
    let (dir, url) = fixture();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let vars = [
        (
            "VELO_RUN_LIST_FILE",
            dir.join("RunList.txt").display().to_string(),
        ),
        ("VELO_RUN_DATA_DIR", dir.display().to_string()),
        (
            "VELO_PAGES_FILE",
            root.join("config/pages.toml").display().to_string(),
        ),
        ("VELO_DQ_DATABASE_URL", url),
        (
            "VELO_JSROOT_DIR",
            root.join("web/node_modules/jsroot/build")
                .display()
                .to_string(),
        ),
    ];
    let settings = Settings::load_from(|k| {
        vars.iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| v.clone())
    })
    .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = rt.block_on(test::init_service(
        App::new()
            .app_data(web::Data::new(
                velo_web::pages::PagesState::new(&settings).unwrap(),
            ))
            .app_data(web::Data::new(
                velo_web::dq::DqState::new(&settings).unwrap(),
            ))
            .configure(velo_web::dq::configure)
            .configure(velo_web::pages::configure),
    ));
    let get = |uri: &str| {
        rt.block_on(async {
            let res =
                test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
            assert!(res.status().is_success(), "{uri}: {}", res.status());
            test::read_body(res).await.len()
        })
    };
    eprintln!(
        "overview page: {} bytes; run view page: {} bytes",
        get("/velo_view/overview"),
        get(&format!("/run_view/{}/noise/0", FIRST_RUN + RUNS - 1))
    );
    let mut g = c.benchmark_group(format!("overview_{RUNS}_runs"));
    g.bench_function("page", |b| b.iter(|| get("/velo_view/overview")));
    g.bench_function("page_level_error", |b| {
        b.iter(|| get("/velo_view/overview?level=ERROR"))
    });
    g.bench_function("api_runs", |b| b.iter(|| get("/api/dq/runs")));
    g.bench_function("api_run_search", |b| b.iter(|| get("/api/runs?q=1234")));
    g.finish();
}

criterion_group!(benches, overview);
criterion_main!(benches);
