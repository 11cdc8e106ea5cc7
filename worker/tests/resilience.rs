//! The job system under load and trouble: several worker processes, one killed mid-job, Redis
//! restarting, a worker asked to stop.

mod common;

use common::System;
use serde_json::json;
use std::collections::HashSet;
use std::time::Duration;

/// The worker id a job record names is `host-pid` (plus `.n` after a reconnect).
fn pid_of(worker: &str) -> u32 {
    let host_pid = worker.split('.').next().unwrap();
    host_pid.rsplit('-').next().unwrap().parse().unwrap()
}

#[test]
fn many_jobs_are_shared_by_several_workers() {
    let sys = System::start("share", 3, &[("VELO_WORKER_CONCURRENCY", "2")]);
    let ids: Vec<String> = (0..30)
        .map(|_| {
            let job = sys.http.submit("debug.sleep", json!({"ms": 100}));
            job["id"].as_str().unwrap().to_string()
        })
        .collect();
    let mut workers = HashSet::new();
    for id in &ids {
        let job = sys.wait_final(id, Duration::from_secs(60));
        assert_eq!(job["status"], "finished", "{job}");
        workers.insert(job["worker"].as_str().unwrap().to_string());
    }
    assert!(workers.len() > 1, "all jobs ran on {workers:?}");
}

#[test]
fn a_job_survives_its_worker_being_killed() {
    let mut sys = System::start("kill", 1, &[]);
    let job = sys.http.submit("debug.sleep", json!({"ms": 3000}));
    let id = job["id"].as_str().unwrap();
    let started = sys.wait_status(id, "started");
    let victim = started["worker"].as_str().unwrap().to_string();
    assert_eq!(pid_of(&victim), sys.workers[0].pid());
    sys.add_worker();
    sys.workers[0].signal(9);

    // Within heartbeat (1 s) × missed heartbeats (2) plus a heartbeat, another worker takes it.
    let done = sys.wait_final(id, Duration::from_secs(30));
    assert_eq!(done["status"], "finished", "{done}");
    assert_ne!(done["worker"], victim.as_str());
    assert_eq!(
        pid_of(done["worker"].as_str().unwrap()),
        sys.workers[1].pid()
    );
    assert_eq!(done["attempts"], 2);
}

#[test]
fn a_job_that_keeps_killing_workers_is_reported_failed() {
    let mut sys = System::start("poison", 1, &[("VELO_JOB_MAX_ATTEMPTS", "1")]);
    let job = sys.http.submit("debug.sleep", json!({"ms": 3000}));
    let id = job["id"].as_str().unwrap();
    sys.wait_status(id, "started");
    sys.add_worker();
    sys.workers[0].signal(9);
    let done = sys.wait_final(id, Duration::from_secs(30));
    assert_eq!(done["status"], "failed", "{done}");
    assert!(done["result"]["message"]
        .as_str()
        .unwrap()
        .contains("abandoned"));
}

#[test]
fn web_and_workers_carry_on_after_redis_restarts() {
    let mut sys = System::start("restart", 1, &[]);
    assert_eq!(
        sys.run("debug.sleep", json!({"ms": 1}))["status"],
        "finished"
    );
    sys.redis.stop();
    let r = sys.http.post(
        "/jobs",
        &json!({"task_name": "debug.sleep", "args": {"ms": 1}}),
    );
    assert_eq!(r.status, 503, "{}", r.body);
    assert!(r.json()["message"].is_string(), "{}", r.body);
    sys.redis.restart();

    // The restarted Redis is empty: submit until velo-web has reconnected, then the worker must
    // have reconnected too for the job to end.
    let job = velo_testkit::wait_until(
        "velo-web to accept jobs again",
        Duration::from_secs(30),
        || {
            let r = sys.http.post(
                "/jobs",
                &json!({"task_name": "debug.sleep", "args": {"ms": 1}}),
            );
            (r.status == 201).then(|| r.json()["job"].clone())
        },
    );
    let done = sys.wait_final(job["id"].as_str().unwrap(), Duration::from_secs(30));
    assert_eq!(done["status"], "finished", "{done}");
    assert!(
        sys.workers[0].wait_exit(Duration::ZERO).is_none(),
        "the worker exited"
    );
}

/// With Redis down, before velo-web ever reached it and while it tries to reach it again, each
/// request is told so at once (503), not after the connection's retries (6 to 12 s each before).
#[test]
fn requests_are_told_at_once_that_redis_is_away() {
    let mut sys = System::start("redis-away", 0, &[]);
    sys.redis.stop();
    for attempt in 0..3 {
        let t = std::time::Instant::now();
        let r = sys.http.post(
            "/jobs",
            &json!({"task_name": "debug.sleep", "args": {"ms": 1}}),
        );
        assert_eq!(r.status, 503, "{}", r.body);
        assert!(
            t.elapsed() < Duration::from_secs(3),
            "attempt {attempt}: answered after {:?}",
            t.elapsed()
        );
    }
}

/// A worker whose results store cannot be opened yet (its PostgreSQL not up at boot) waits for
/// it and then runs jobs, instead of exiting (systemd gives up on a unit that exits five times
/// within ten seconds). A data-quality configuration that does not load still stops it at once.
#[test]
fn a_worker_waits_for_its_store_but_not_for_a_broken_configuration() {
    let data = velo_testkit::RunDataDir::new("late-store");
    let blocker = data.root.join("late");
    std::fs::write(&blocker, "not a directory").unwrap();
    let url = format!("sqlite://{}", blocker.join("dq.sqlite3").display());
    let mut sys = System::start_with(data, 0, &[("VELO_DQ_DATABASE_URL", url.as_str())]);
    sys.add_worker();
    let job = sys.http.submit("debug.sleep", json!({"ms": 1}));
    let id = job["id"].as_str().unwrap().to_string();
    assert!(
        sys.workers[0].wait_exit(Duration::from_secs(1)).is_none(),
        "the worker exited while the store was away"
    );
    std::fs::remove_file(&blocker).unwrap();
    let done = sys.wait_final(&id, Duration::from_secs(30));
    assert_eq!(done["status"], "finished", "{done}");

    let broken = sys.data.root.join("broken-dq.toml");
    std::fs::write(&broken, "this is not [toml").unwrap();
    let mut sys = System::start_with(
        velo_testkit::RunDataDir::new("broken-dq"),
        0,
        &[("VELO_DQ_CONFIG_FILE", broken.to_str().unwrap())],
    );
    sys.add_worker();
    let status = sys.workers[0]
        .wait_exit(Duration::from_secs(30))
        .expect("a worker with a broken configuration stops");
    assert!(!status.success(), "{status:?}");
}

/// Redis busy for longer than redis-rs' default response timeout (500 ms), as on a loaded host:
/// velo-web and the worker wait for it, and the job is accepted and ends, not refused with 503.
#[test]
fn a_slow_redis_is_waited_for_not_reported_unavailable() {
    let sys = System::start("slow-redis", 1, &[]);
    assert_eq!(
        sys.run("debug.sleep", json!({"ms": 1}))["status"],
        "finished"
    );
    let url = sys.redis.url();
    // A script that keeps Redis to itself for 1.5 s (Redis runs one command at a time).
    let keep_busy = || {
        let url = url.clone();
        std::thread::spawn(move || {
            let mut c = redis::Client::open(url).unwrap().get_connection().unwrap();
            let script = "local t0 = redis.call('TIME') \
                while true do \
                  local t = redis.call('TIME') \
                  if (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > 1500000 then return 1 end \
                end";
            let _: i64 = redis::cmd("EVAL").arg(script).arg(0).query(&mut c).unwrap();
        })
    };
    let mut probe = redis::Client::open(url.clone())
        .unwrap()
        .get_connection()
        .unwrap();
    probe
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    // On a loaded machine the probe may first look after the script has ended: a PING that
    // times out is what says Redis is busy now, so keep Redis busy again until one does.
    let mut attempts = 0;
    let busy = loop {
        attempts += 1;
        let busy = keep_busy();
        let seen = velo_testkit::wait_until(
            "Redis to be busy or the script to end",
            Duration::from_secs(10),
            || {
                let pong: redis::RedisResult<String> = redis::cmd("PING").query(&mut probe);
                if pong.is_err() {
                    Some(true)
                } else {
                    busy.is_finished().then_some(false)
                }
            },
        );
        if seen {
            break busy;
        }
        busy.join().unwrap();
        assert!(
            attempts < 5,
            "Redis was never seen busy in {attempts} tries"
        );
    };
    let r = sys.http.post(
        "/jobs",
        &json!({"task_name": "debug.sleep", "args": {"ms": 1}}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    busy.join().unwrap();
    let id = r.json()["job"]["id"].as_str().unwrap().to_string();
    let done = sys.wait_final(&id, Duration::from_secs(30));
    assert_eq!(done["status"], "finished", "{done}");
}

#[test]
fn sigterm_lets_the_running_job_finish_then_stops() {
    let mut sys = System::start("term", 1, &[]);
    let job = sys.http.submit("debug.sleep", json!({"ms": 1500}));
    let id = job["id"].as_str().unwrap();
    let started = sys.wait_status(id, "started");
    sys.workers[0].signal(15);
    let status = sys.workers[0]
        .wait_exit(Duration::from_secs(20))
        .expect("worker stopped after SIGTERM");
    assert!(status.success(), "{status:?}");
    let done = sys.wait_final(id, Duration::from_secs(1));
    assert_eq!(done["status"], "finished", "{done}");
    assert_eq!(done["worker"], started["worker"]);
}

/// Whether process `pid` has a handler for SIGTERM installed (its `SigCgt` mask in /proc).
fn catches_sigterm(pid: u32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .is_some_and(|mask| mask & (1 << (15 - 1)) != 0)
}

/// A worker that cannot reach Redis spends its time connecting (redis-rs retries for about six
/// seconds each time): asked to stop then, it has no job to finish and stops at once.
#[test]
fn sigterm_stops_a_worker_that_is_still_connecting_to_redis() {
    let mut sys = System::start("term-connecting", 0, &[]);
    sys.redis.stop();
    let pid = sys.add_worker().pid();
    velo_testkit::wait_until(
        "the worker to handle SIGTERM",
        Duration::from_secs(10),
        || catches_sigterm(pid).then_some(()),
    );
    sys.workers[0].signal(15);
    let status = sys.workers[0]
        .wait_exit(Duration::from_secs(3))
        .expect("worker stopped while connecting, not after its retries");
    assert!(status.success(), "{status:?}");
}

#[test]
fn a_busy_worker_keeps_its_long_job() {
    // Every slot busy for longer than the dead-worker limit (1 s × 2): the worker must still prove
    // it is alive, or its job would be handed to the idle worker and run twice.
    let sys = System::start("busy", 2, &[("VELO_WORKER_CONCURRENCY", "1")]);
    let job = sys.http.submit("debug.sleep", json!({"ms": 5000}));
    let done = sys.wait_final(job["id"].as_str().unwrap(), Duration::from_secs(30));
    assert_eq!(done["status"], "finished", "{done}");
    assert_eq!(done["attempts"], 1, "{done}");
}
