//! Drives the jobs API as browsers do (submit, then long-poll the job until it ends) with many
//! concurrent clients, against a private Redis, the release velo-web and 1, 2, 4 velo-workers.
//! Reports jobs per second and submit-to-result latency.
//!
//!   cargo build --release -p velo-web -p velo-worker -p velo-loadbench
//!   ./target/release/velo-loadbench [--clients 16] [--seconds 5] [--workers 1,2,4]
//!
//! The cache is off (every job decodes its plot), except in the last, "cache hit" row.

use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use velo_testkit::http::Client;
use velo_testkit::{wait_until, RedisServer, RunDataDir, ServiceProcess, RUN};

const PLOT: &str = "runview.plots.get_run_plot";
const PLOTS: &[(&str, &str)] = &[
    (
        "TH1F, 100 bins",
        "Velo/VeloOccupancyMonitor/OccPerChannelSens{0}",
    ),
    (
        "TH2D, 256x61 bins",
        "Vetra/VeloPedestalSubtractorMoni/TELL1_000/Ped_Sub_ADCs_2D",
    ),
];

struct Options {
    clients: usize,
    seconds: f64,
    workers: Vec<usize>,
}

fn options() -> anyhow::Result<Options> {
    let mut o = Options {
        clients: 16,
        seconds: 5.0,
        workers: vec![1, 2, 4],
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let v = pair
            .get(1)
            .ok_or_else(|| anyhow::anyhow!("{} needs a value", pair[0]))?;
        match pair[0].as_str() {
            "--clients" => o.clients = v.parse()?,
            "--seconds" => o.seconds = v.parse()?,
            "--workers" => o.workers = v.split(',').map(str::parse).collect::<Result<_, _>>()?,
            other => anyhow::bail!("unknown option {other}"),
        }
    }
    Ok(o)
}

/// velo-web and velo-worker next to this binary (all built with --release).
fn sibling(name: &str) -> anyhow::Result<PathBuf> {
    let p = std::env::current_exe()?.with_file_name(name);
    anyhow::ensure!(
        p.exists(),
        "{} missing: cargo build --release -p {name}",
        p.display()
    );
    Ok(p)
}

struct Stack {
    _redis: RedisServer,
    _data: RunDataDir,
    _procs: Vec<ServiceProcess>,
    base: String,
}

fn start(workers: usize, cache: bool) -> anyhow::Result<Stack> {
    let redis = RedisServer::start();
    let data = RunDataDir::new("loadbench");
    let port = velo_testkit::free_port();
    let mut env = data.env();
    env.push(("REDIS_URL".into(), redis.url()));
    env.push(("PORT".into(), port.to_string()));
    env.push(("VELO_JOB_CACHE".into(), cache.to_string()));
    env.push(("VELO_LOG_LEVEL".into(), "warn".into()));
    let mut procs = vec![ServiceProcess::spawn(&sibling("velo-web")?, &env)];
    for _ in 0..workers {
        procs.push(ServiceProcess::spawn(&sibling("velo-worker")?, &env));
    }
    let base = format!("http://127.0.0.1:{port}");
    let http = Client::new(base.clone());
    wait_until("velo-web to answer", Duration::from_secs(30), || {
        (http.get("/jobs").status == 200).then_some(())
    });
    Ok(Stack {
        _redis: redis,
        _data: data,
        _procs: procs,
        base,
    })
}

struct Figures {
    jobs: usize,
    per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// `clients` threads submit and long-poll jobs for `seconds`.
fn drive(base: &str, name: &str, clients: usize, seconds: f64) -> Figures {
    let end = Instant::now() + Duration::from_secs_f64(seconds);
    let t0 = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let http = Client::new(base.to_string());
            let name = name.to_string();
            std::thread::spawn(move || {
                let mut lat = Vec::new();
                while Instant::now() < end {
                    let t = Instant::now();
                    let job = http.submit(PLOT, json!({"name": name, "run": RUN, "sensor": 1}));
                    let job = http.wait(job["id"].as_str().unwrap(), 30.0);
                    assert_eq!(job["result"]["success"], true, "{job}");
                    lat.push(t.elapsed().as_secs_f64() * 1e3);
                }
                lat
            })
        })
        .collect();
    let mut lat: Vec<f64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let elapsed = t0.elapsed().as_secs_f64();
    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    Figures {
        jobs: lat.len(),
        per_sec: lat.len() as f64 / elapsed,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
    }
}

fn row(plot: &str, workers: &str, clients: usize, f: &Figures) {
    println!(
        "| {plot} | {workers} | {clients} | {} | {:.0} | {:.2} | {:.2} |",
        f.jobs, f.per_sec, f.p50_ms, f.p99_ms
    );
}

fn main() -> anyhow::Result<()> {
    let o = options()?;
    println!("| plot | workers | clients | jobs | jobs/s | p50 ms | p99 ms |");
    println!("|---|---|---|---|---|---|---|");
    for &w in &o.workers {
        let stack = start(w, false)?;
        for (label, name) in PLOTS {
            drive(&stack.base, name, o.clients, 0.5); // warm up connections and page cache
                                                      // One client: the latency of a lone request; many: throughput under load.
            for clients in [1, o.clients] {
                let f = drive(&stack.base, name, clients, o.seconds);
                row(label, &w.to_string(), clients, &f);
            }
        }
    }
    let stack = start(1, true)?;
    for (label, name) in PLOTS {
        drive(&stack.base, name, 1, 0.2);
        for clients in [1, o.clients] {
            let f = drive(&stack.base, name, clients, o.seconds);
            row(&format!("{label}, cache hit"), "1", clients, &f);
        }
    }
    Ok(())
}
