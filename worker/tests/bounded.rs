//! Work a job may cost: a job past its time limit stops working, a plot that failed on a file is
//! not run again for that file, and a run that does not exist costs no job. Real Redis, velo-web
//! and velo-worker processes.

mod common;

use common::{System, PLOT, TH2};
use serde_json::json;
use std::time::{Duration, Instant};
use velo_testkit::RUN;
use veloview::hist::{Axis, BinErrorOption, Histogram};
use veloview::rio::{FileWriter, WriteOptions};

/// Where the slow plot is, in a run file of its own.
const SLOW: &str = "Slow/PoissonCounts";

/// A run file, newer than the corpus copy, holding one TH1D of a million bins whose Poisson
/// intervals are asked for: formatting it takes far longer than the 1 s time limit (tens of
/// seconds in a test build), while reading it is quick.
fn add_slow_run_file(sys: &System) {
    let mut h = Histogram::new_1d(
        "TH1D",
        "PoissonCounts",
        "slow",
        Axis::uniform(1 << 20, 0.0, 1.0),
    );
    h.bin_error_option = BinErrorOption::Poisson;
    for (i, c) in h.array.iter_mut().enumerate() {
        // Counts under the expansion's threshold, where each interval is computed exactly.
        *c = 9000.0 + (i % 97) as f64;
    }
    h.stats.entries = 1.0;
    let mut w = FileWriter::new("slow.root", WriteOptions::default());
    w.put_at(SLOW, &h).unwrap();
    let dir = veloview::runview::paths::run_dir(&sys.data.root, RUN);
    w.write_to(&dir.join(format!("run{RUN}_002.root"))).unwrap();
}

/// User plus system CPU time of a process so far, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
}

/// Waits until the process has used no CPU for a whole half second (heartbeats cost far less
/// than a tick), and returns how long that took.
fn wait_idle(pid: u32, timeout: Duration) -> Duration {
    let start = Instant::now();
    let mut last = (Instant::now(), cpu_ticks(pid));
    velo_testkit::wait_until("the worker to go idle", timeout, || {
        let now = cpu_ticks(pid);
        if now != last.1 {
            last = (Instant::now(), now);
            return None;
        }
        (last.0.elapsed() >= Duration::from_millis(500)).then(|| start.elapsed())
    })
}

#[test]
fn a_timed_out_plot_stops_working_and_is_not_run_again() {
    let sys = System::start("bounded", 1, &[("VELO_JOB_TIMEOUT_SECS", "1")]);
    add_slow_run_file(&sys);
    let pid = sys.workers[0].pid();

    let job = sys.run(PLOT, json!({"name": SLOW, "run": RUN}));
    assert_eq!(job["status"], "failed", "{job}");
    assert!(
        job["result"]["message"]
            .as_str()
            .unwrap()
            .contains("timed out"),
        "{job}"
    );
    // The job was failed at 1 s; its work, which would run for many seconds more, stops too.
    let busy_for = wait_idle(pid, Duration::from_secs(5));
    eprintln!("worker idle {busy_for:?} after the job failed");

    // The same plot of the same file is remembered as failed: no new job, no new work.
    let before = cpu_ticks(pid);
    let again = sys.http.submit(PLOT, json!({"name": SLOW, "run": RUN}));
    assert_eq!(again["id"], job["id"], "{again}");
    assert_eq!(again["status"], "failed");
    // Another plot of the same run still runs: the worker is free and answers it.
    let other = sys.run(PLOT, json!({"name": TH2, "run": RUN}));
    assert_eq!(other["status"], "finished");
    assert_eq!(
        other["result"]["success"], false,
        "TH2 is not in the slow file"
    );
    assert!(cpu_ticks(pid) >= before);
}

#[test]
fn a_run_that_does_not_exist_costs_no_job() {
    let sys = System::start("no-run", 1, &[]);
    let r = sys.http.post(
        "/jobs",
        &json!({"task_name": PLOT, "args": {"name": TH2, "run": RUN + 1}}),
    );
    assert_eq!(r.status, 404, "{}", r.body);
    let message = r.json()["message"].as_str().unwrap().to_string();
    assert!(message.contains(&(RUN + 1).to_string()), "{message}");
    assert_eq!(
        sys.http.get("/jobs").json()["jobs"],
        json!([]),
        "nothing queued"
    );
    // A run that does exist is queued as before.
    let ok = sys.run(PLOT, json!({"name": TH2, "run": RUN}));
    assert_eq!(ok["status"], "finished");
}
