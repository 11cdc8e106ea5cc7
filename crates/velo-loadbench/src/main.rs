//! Drives the jobs API as browsers do (submit, then long-poll the job until it ends) with many
//! concurrent clients, against a private Redis, the release velo-web and 1, 2, 4 velo-workers.
//! Reports jobs per second, submit-to-result latency, and what each job cost the server: CPU
//! time of velo-web, the workers and Redis together (and nginx, in front), from /proc, and Redis
//! commands.
//!
//!   cargo build --release -p velo-web -p velo-worker -p velo-loadbench
//!   ./target/release/velo-loadbench [--data demo] [--clients 16] [--seconds 5] [--workers 1,2,4]
//!       [--front nginx] [--plot PATH]
//!
//! `--data demo` (default) runs on one run of the demo dataset, `--data corpus` on the corpus
//! file; the large plot is the run file's plot with the most cells. The cache is off (every job
//! decodes its plot), except in the last, "cache hit" rows. `--front nginx` puts nginx with the
//! shipped `deploy/nginx.conf` in front of velo-web, as deployed, and counts its CPU time too.
//! `--plot PATH` takes that plot instead of the largest (the side-by-side benchmark's is
//! `Vetra/NoiseMon/DecodedADC/TELL1_001/RMSNoise_vs_Strip`).

use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use velo_testkit::http::Client;
use velo_testkit::{wait_until, NginxFront, RedisServer, RunDataDir, ServiceProcess};

const PLOT: &str = "runview.plots.get_run_plot";
struct Options {
    /// `demo` (one run of the demo dataset) or `corpus` (tests/data/peer/velo-dqm-seed1-zlib.root).
    data: String,
    clients: usize,
    seconds: f64,
    workers: Vec<usize>,
    /// nginx in front of velo-web, as deployed.
    nginx: bool,
    /// The large plot, instead of the run file's largest.
    plot: Option<String>,
}

const USAGE: &str = "velo-loadbench [--data demo|corpus] [--clients N] [--seconds S] \
[--workers 1,2,4] [--front nginx|none] [--plot PATH]";

fn options() -> anyhow::Result<Options> {
    let mut o = Options {
        data: "demo".into(),
        clients: 16,
        seconds: 5.0,
        workers: vec![1, 2, 4],
        nginx: false,
        plot: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        if matches!(pair[0].as_str(), "-h" | "--help") {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let v = pair
            .get(1)
            .ok_or_else(|| anyhow::anyhow!("{} needs a value\nusage: {USAGE}", pair[0]))?;
        match pair[0].as_str() {
            "--clients" => o.clients = v.parse()?,
            "--data" => o.data = v.clone(),
            "--seconds" => o.seconds = v.parse()?,
            "--workers" => o.workers = v.split(',').map(str::parse).collect::<Result<_, _>>()?,
            "--front" => match v.as_str() {
                "nginx" => o.nginx = true,
                "none" => o.nginx = false,
                other => anyhow::bail!("--front nginx or none, not {other}"),
            },
            "--plot" => o.plot = Some(v.clone()),
            other => anyhow::bail!("unknown option {other}\nusage: {USAGE}"),
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
    redis: RedisServer,
    data: RunDataDir,
    procs: Vec<ServiceProcess>,
    front: Option<NginxFront>,
    base: String,
}

impl Stack {
    /// CPU time (user + system, in clock ticks) the server processes have used so far, by part:
    /// velo-web (and nginx, in front), the workers, Redis.
    fn cpu_ticks(&self) -> Cpu {
        let (web, workers) = self.procs.split_first().expect("velo-web is started first");
        Cpu {
            web: ticks_of(Some(web.pid())) + ticks_of(self.front.as_ref().map(NginxFront::pid)),
            workers: workers.iter().map(|w| ticks_of(Some(w.pid()))).sum(),
            redis: ticks_of(self.redis.pid()),
        }
    }
}

/// CPU clock ticks by part of the server.
#[derive(Clone, Copy)]
struct Cpu {
    web: u64,
    workers: u64,
    redis: u64,
}

/// User + system clock ticks of one process so far (0 if it is gone).
fn ticks_of(pid: Option<u32>) -> u64 {
    let Some(stat) = pid.and_then(|pid| std::fs::read_to_string(format!("/proc/{pid}/stat")).ok())
    else {
        return 0;
    };
    // Fields after the command name (which may hold spaces), from field 3 on.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    field(11) + field(12)
}

/// Clock ticks per second of /proc's CPU times (USER_HZ): 100 on Linux everywhere we run.
const TICKS_PER_SEC: f64 = 100.0;

fn run_data(kind: &str) -> anyhow::Result<RunDataDir> {
    match kind {
        "demo" => Ok(RunDataDir::demo("loadbench")),
        "corpus" => Ok(RunDataDir::new("loadbench")),
        other => anyhow::bail!("--data demo or corpus, not {other}"),
    }
}

/// The benchmark's two plots in the run file: a 100-bin TH1, and `chosen` or else the plot whose
/// result is the largest JSON (what a job moves). Each as (label, path).
fn pick_plots(
    file: &std::path::Path,
    chosen: Option<&str>,
) -> anyhow::Result<[(String, String); 2]> {
    let f = veloview::RootFile::open(file)?;
    let mut th1 = None;
    let mut largest: Option<(usize, String, String)> = None;
    for e in f.walk()? {
        let Ok(h) = f.histogram_of(&e.key) else {
            continue;
        };
        let ny = h.y.as_ref().map(|a| a.nbins);
        if th1.is_none() && ny.is_none() && h.x.nbins == 100 && h.class.starts_with("TH1") {
            th1 = Some((format!("{}, 100 bins", h.class), e.path.clone()));
        }
        if chosen.is_some_and(|c| c != e.path) {
            continue;
        }
        let size = veloview::runview::format::plot_result(&h).to_string().len();
        if largest.as_ref().is_none_or(|l| size > l.0) {
            let shape = match ny {
                Some(ny) => format!("{}x{ny}", h.x.nbins),
                None => h.x.nbins.to_string(),
            };
            let label = format!("{}, {shape} bins, {} kB JSON", h.class, size / 1000);
            largest = Some((size, label, e.path));
        }
    }
    let th1 = th1.ok_or_else(|| anyhow::anyhow!("no 100-bin TH1 in the run file"))?;
    let (_, label, path) = largest.ok_or_else(|| match chosen {
        Some(p) => anyhow::anyhow!("no histogram {p} in the run file"),
        None => anyhow::anyhow!("no histogram in the run file"),
    })?;
    Ok([th1, (label, path)])
}

fn start(o: &Options, workers: usize, cache: bool) -> anyhow::Result<Stack> {
    let data_kind = o.data.as_str();
    let redis = RedisServer::start();
    let data = run_data(data_kind)?;
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
    let web = format!("http://127.0.0.1:{port}");
    let http = Client::new(web.clone());
    wait_until("velo-web to answer", Duration::from_secs(30), || {
        (http.get("/jobs").status == 200).then_some(())
    });
    let front = o
        .nginx
        .then(|| NginxFront::start("loadbench", &format!("127.0.0.1:{port}")));
    Ok(Stack {
        redis,
        data,
        procs,
        base: front.as_ref().map_or(web, NginxFront::base),
        front,
    })
}

struct Figures {
    jobs: usize,
    per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// Server CPU per job: velo-web (with nginx, in front), the workers, Redis.
    cpu_ms_per_job: [f64; 3],
    commands_per_job: f64,
}

/// Asked for as browsers ask (and as the original's client, aiohttp): a large answer comes
/// gzipped, as its worker compressed it.
const TAKES_GZIP: &[(&str, &str)] = &[("Accept-Encoding", "gzip, deflate")];

/// The job object of an answer, decompressed if it came gzipped.
fn job_of(r: velo_testkit::http::RawReply) -> Value {
    assert!(
        matches!(r.status, 200 | 201),
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    r.json()["job"].clone()
}

/// `clients` threads submit and long-poll jobs for `seconds`.
fn drive(stack: &Stack, name: &str, clients: usize, seconds: f64) -> Figures {
    let (base, run) = (stack.base.as_str(), stack.data.run);
    let end = Instant::now() + Duration::from_secs_f64(seconds);
    let (ticks0, commands0) = (stack.cpu_ticks(), stack.redis.commands_processed());
    let t0 = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let http = Client::new(base.to_string());
            let name = name.to_string();
            std::thread::spawn(move || {
                let mut lat = Vec::new();
                while Instant::now() < end {
                    let t = Instant::now();
                    let request = json!({"task_name": PLOT,
                        "args": {"name": name, "run": run, "sensor": 1}});
                    let mut job = job_of(http.raw("POST", "/jobs", TAKES_GZIP, Some(&request)));
                    // As a browser does: the submission's answer may be the result already.
                    if !matches!(job["status"].as_str(), Some("finished" | "failed")) {
                        let path = format!("/jobs/{}?wait=30", job["id"].as_str().unwrap());
                        job = job_of(http.raw("GET", &path, TAKES_GZIP, None));
                    }
                    assert_eq!(job["result"]["success"], true, "{job}");
                    let ms = t.elapsed().as_secs_f64() * 1e3;
                    if ms > 1000.0 {
                        // Where did a slow one wait: in the queue, the run, or around them?
                        eprintln!(
                            "slow job: {ms:.0} ms; queued→started {} ms, started→ended {} ms",
                            job["started_at"].as_u64().unwrap_or(0)
                                - job["queued_at"].as_u64().unwrap_or(0),
                            job["ended_at"].as_u64().unwrap_or(0)
                                - job["started_at"].as_u64().unwrap_or(0),
                        );
                    }
                    lat.push(ms);
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
    let (ticks1, commands1) = (stack.cpu_ticks(), stack.redis.commands_processed());
    let jobs = lat.len().max(1) as f64;
    let ms = |ticks: u64| ticks as f64 * 1e3 / TICKS_PER_SEC / jobs;
    let commands = commands1.zip(commands0).map(|(b, a)| b.saturating_sub(a));
    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    Figures {
        jobs: lat.len(),
        per_sec: lat.len() as f64 / elapsed,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        cpu_ms_per_job: [
            ms(ticks1.web.saturating_sub(ticks0.web)),
            ms(ticks1.workers.saturating_sub(ticks0.workers)),
            ms(ticks1.redis.saturating_sub(ticks0.redis)),
        ],
        // The benchmark's own reads of INFO count too: two per row, nothing per job.
        commands_per_job: commands.map_or(f64::NAN, |c| c as f64 / jobs),
    }
}

fn row(plot: &str, workers: &str, clients: usize, f: &Figures) {
    println!(
        "| {plot} | {workers} | {clients} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} / {:.2} / {:.2} | {:.1} |",
        f.jobs,
        f.per_sec,
        f.p50_ms,
        f.p99_ms,
        f.cpu_ms_per_job.iter().sum::<f64>(),
        f.cpu_ms_per_job[0],
        f.cpu_ms_per_job[1],
        f.cpu_ms_per_job[2],
        f.commands_per_job
    );
}

fn main() -> anyhow::Result<()> {
    let o = options()?;
    let plots = pick_plots(&run_data(&o.data)?.run_file(), o.plot.as_deref())?;
    let front = if o.nginx { "; behind nginx" } else { "" };
    println!(
        "data: {}; plots: {} and {}{front}",
        o.data, plots[0].1, plots[1].1
    );
    println!();
    println!(
        "| plot | workers | clients | jobs | jobs/s | p50 ms | p99 ms | server CPU ms/job | of it web / workers / Redis | Redis commands/job |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for &w in &o.workers {
        let stack = start(&o, w, false)?;
        for (label, name) in &plots {
            // Warm up connections and the page cache.
            drive(&stack, name, o.clients, 0.5);
            // One client: the latency of a lone request; many: throughput under load.
            for clients in [1, o.clients] {
                row(
                    label,
                    &w.to_string(),
                    clients,
                    &drive(&stack, name, clients, o.seconds),
                );
            }
        }
    }
    let stack = start(&o, 1, true)?;
    for (label, name) in &plots {
        drive(&stack, name, 1, 0.2);
        for clients in [1, o.clients] {
            let f = drive(&stack, name, clients, o.seconds);
            row(&format!("{label}, cache hit"), "1", clients, &f);
        }
    }
    Ok(())
}
