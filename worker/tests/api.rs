//! The jobs API contract against a real Redis, velo-web and a velo-worker process.

mod common;

use common::{System, PLOT, TH1_TEMPLATE, TH2};
use serde_json::json;
use std::time::Duration;
use velo_testkit::RUN;
use veloview::runview::{get_run_plot, PlotRequest};

fn message(r: &velo_testkit::http::Reply) -> String {
    r.json()["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no message in {}", r.body))
        .to_string()
}

#[test]
fn api_paths_errors_results_and_cache() {
    let sys = System::start("api", 1, &[("VELO_JOB_TIMEOUT_SECS", "2")]);
    let h = &sys.http;

    // Malformed submissions: 400 with a JSON message, nothing queued.
    let r = h.post_raw("/jobs", "application/json", "{not json");
    assert_eq!(
        (r.status, message(&r).as_str()),
        (400, "Request body is not JSON")
    );
    // Anything but JSON is refused before it is read: no cross-site form can queue a job.
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ] {
        let r = h.post_raw("/jobs", content_type, "task_name=debug.sleep");
        assert_eq!(r.status, 415, "{content_type}: {}", r.body);
        assert!(message(&r).contains("application/json"), "{}", r.body);
    }
    let r = h.post("/jobs", &json!([1, 2]));
    assert_eq!(r.status, 400, "{}", r.body);
    let r = h.post("/jobs", &json!({"args": {}}));
    assert_eq!(
        (r.status, message(&r).as_str()),
        (400, "No task name provided")
    );
    let r = h.post("/jobs", &json!({"task_name": "os.system", "args": {}}));
    assert_eq!(
        (r.status, message(&r).as_str()),
        (400, "Invalid task name `os.system`")
    );
    for args in [
        json!({}),
        json!({"name": TH2}),
        json!({"name": TH2, "run": "x"}),
        json!({"name": TH2, "run": RUN, "sensor": -1}),
        json!({"name": TH2, "run": RUN, "colour": 1}),
        json!({"name": "", "run": RUN}),
    ] {
        let r = h.post("/jobs", &json!({"task_name": PLOT, "args": args}));
        assert_eq!(r.status, 400, "{args}: {}", r.body);
        assert!(message(&r).starts_with("Invalid arguments"), "{}", r.body);
    }
    let r = h.post_raw("/jobs", "application/json", &"x".repeat(100_000));
    assert_eq!(r.status, 413, "{}", r.body);
    message(&r);
    assert_eq!(
        h.get("/jobs").json()["jobs"],
        json!([]),
        "nothing was queued"
    );

    // Unknown jobs and paths: 404 JSON; wrong method 405 JSON; bad wait 400 JSON.
    for path in [
        "/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "/jobs/not-a-job",
        "/jobs/..%2F..%2Fetc",
        "/jobs/a/b",
    ] {
        let r = h.get(path);
        assert_eq!(r.status, 404, "{path}: {}", r.body);
        message(&r);
    }
    let r = h.request("DELETE", "/jobs");
    assert_eq!(r.status, 405, "{}", r.body);
    message(&r);

    // A plot: 201 with an absolute uri, then the same result veloview gives directly.
    let req = json!({"name": TH1_TEMPLATE, "run": RUN, "sensor": 1});
    let job = h.submit(PLOT, req.clone());
    let id = job["id"].as_str().unwrap().to_string();
    assert_eq!(job["uri"], format!("{}/jobs/{id}", h.base));
    // Asked not to wait, it is answered queued; unless its end was announced before the answer
    // was made (a loaded machine can hold velo-web's task that long), and then with its result.
    match job["status"].as_str() {
        Some("queued") => assert_eq!(job["result"], json!(null)),
        Some("finished") => assert_eq!(job["result"]["success"], true, "{job}"),
        _ => panic!("neither queued nor finished: {job}"),
    }
    let r = h.get(&format!("/jobs/{id}?wait=abc"));
    assert_eq!(r.status, 400, "{}", r.body);
    message(&r);
    let done = sys.wait_final(&id, Duration::from_secs(60));
    assert_eq!(done["status"], "finished");
    let direct = |name: &str, sensor: u32| {
        get_run_plot(
            &sys.data.run_data(),
            &PlotRequest {
                name: name.into(),
                run: RUN,
                sensor,
                reference: false,
            },
        )
    };
    assert_eq!(done["result"], direct(TH1_TEMPLATE, 1));
    assert_eq!(done["result"]["success"], true);
    let th2 = sys.run(PLOT, json!({"name": TH2, "run": RUN}));
    assert_eq!(th2["result"], direct(TH2, 0));
    let listed = h.get("/jobs").json();
    let ids: Vec<&str> = listed["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&id.as_str()) && ids.contains(&th2["id"].as_str().unwrap()));
    assert!(listed["jobs"][0]["uri"]
        .as_str()
        .unwrap()
        .starts_with("http://"));

    // A task-level failure is a finished job saying why.
    let missing = sys.run(PLOT, json!({"name": "Velo/NoSuchPlot", "run": RUN}));
    assert_eq!(missing["status"], "finished");
    assert_eq!(missing["result"]["success"], false);
    assert!(missing["result"]["message"]
        .as_str()
        .unwrap()
        .contains("NoSuchPlot"));
    // A run that does not exist is answered at once, without a job (see bounded.rs).
    let no_run = h.post(
        "/jobs",
        &json!({"task_name": PLOT, "args": {"name": TH2, "run": 1}}),
    );
    assert_eq!(no_run.status, 404, "{}", no_run.body);
    assert!(message(&no_run).contains("not in the processed run list"));

    // Cache: the same request shares the job and its result, until the run file changes.
    let again = h.submit(PLOT, json!({"sensor": 1, "run": RUN, "name": TH1_TEMPLATE}));
    assert_eq!(again["id"], id.as_str());
    assert_eq!(again["status"], "finished");
    let file =
        veloview::runview::paths::run_dir(&sys.data.root, RUN).join(format!("run{RUN}_001.root"));
    let lz4 = velo_testkit::run_data::corpus_file().with_file_name("velo-dqm-seed1-lz4.root");
    std::fs::copy(lz4, &file).unwrap();
    let fresh = h.submit(PLOT, req);
    assert_ne!(
        fresh["id"],
        id.as_str(),
        "a rewritten run file is decoded again"
    );
    let fresh = sys.wait_final(fresh["id"].as_str().unwrap(), Duration::from_secs(60));
    assert_eq!(fresh["result"], direct(TH1_TEMPLATE, 1));

    // Ten shifters opening the same page at once: one job, one decode.
    let same =
        json!({"name": "Vetra/VeloPedestalSubtractorMoni/TELL1_064/Ped_Sub_ADCs_2D", "run": RUN});
    let ids: std::collections::HashSet<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..10)
            .map(|_| {
                s.spawn(|| {
                    h.submit(PLOT, same.clone())["id"]
                        .as_str()
                        .unwrap()
                        .to_string()
                })
            })
            .collect();
        handles.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert_eq!(ids.len(), 1, "{ids:?}");
    // A holder whose record expired is replaced: the next request queues a job of its own, which
    // the one after shares.
    let mut redis = redis::Client::open(sys.redis.url())
        .unwrap()
        .get_connection()
        .unwrap();
    let holder = ids.into_iter().next().unwrap();
    // Once it ended: its worker writes the record last.
    sys.wait_final(&holder, Duration::from_secs(60));
    let _: () = redis::cmd("DEL")
        .arg(velo_jobs::keys::job(&holder))
        .query(&mut redis)
        .unwrap();
    let first = h.submit(PLOT, same.clone())["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(first, holder);
    assert_eq!(h.submit(PLOT, same.clone())["id"], first.as_str());

    // A crash and a timeout are failed jobs with a message.
    let crash = sys.run("debug.sleep", json!({"ms": 1, "panic": true}));
    assert_eq!(crash["status"], "failed");
    assert!(
        crash["result"]["message"]
            .as_str()
            .unwrap()
            .contains("crashed"),
        "{crash}"
    );
    let slow = sys.run("debug.sleep", json!({"ms": 4000}));
    assert_eq!(slow["status"], "failed");
    assert!(
        slow["result"]["message"]
            .as_str()
            .unwrap()
            .contains("timed out"),
        "{slow}"
    );
}

#[test]
fn long_poll_answers_when_the_job_ends_or_at_the_deadline() {
    // A heartbeat longer than the wait: the job must be picked up because it was announced, not
    // because an idle worker happened to look at the queue.
    let sys = System::start("poll", 1, &[("VELO_WORKER_HEARTBEAT_SECS", "30")]);
    let h = &sys.http;

    // Proved by the order of events, not by timing: a 15 s job runs beside the others (the
    // worker runs 4 at once), and is still running whenever a poll must have answered early.
    let slow = h.submit("debug.sleep", json!({"ms": 15_000}));
    let slow_id = slow["id"].as_str().unwrap();
    sys.wait_status(slow_id, "started");

    // Ends early: a 1 s job waited on for 20 s answers once it is done, before the deadline
    // (the 15 s job has not ended yet).
    let job = h.submit("debug.sleep", json!({"ms": 1000}));
    let done = h.wait(job["id"].as_str().unwrap(), 20.0);
    assert_eq!(done["status"], "finished", "{done}");
    assert_eq!(h.wait(slow_id, 0.0)["status"], "started");

    // Deadline: the 15 s job waited on for 0.5 s answers with its current status.
    let now = h.wait(slow_id, 0.5);
    assert_eq!(now["status"], "started", "{now}");
    assert_eq!(
        sys.wait_final(slow_id, Duration::from_secs(30))["status"],
        "finished"
    );
}

#[test]
fn each_job_queued_leaves_one_token_for_one_worker() {
    // No worker yet: jobs wait in the queue, each with its token.
    let mut sys = System::start("tokens", 0, &[]);
    let ids: Vec<String> = (0..5)
        .map(|ms| {
            let job = sys.http.submit("debug.sleep", json!({"ms": ms}));
            job["id"].as_str().unwrap().to_string()
        })
        .collect();
    let mut redis = redis::Client::open(sys.redis.url())
        .unwrap()
        .get_connection()
        .unwrap();
    let tokens = |redis: &mut redis::Connection| -> usize {
        redis::cmd("LLEN")
            .arg(velo_jobs::keys::WAKE)
            .query(redis)
            .unwrap()
    };
    assert_eq!(tokens(&mut redis), ids.len());
    // A worker that starts takes what is already queued, and the tokens with it.
    sys.add_worker();
    for id in &ids {
        let done = sys.wait_final(id, Duration::from_secs(30));
        assert_eq!(done["status"], "finished", "{done}");
    }
    velo_testkit::wait_until("every token taken", Duration::from_secs(30), || {
        (tokens(&mut redis) == 0).then_some(())
    });
}

/// A long-poll that arrives after its job ended is answered from the end's announcement, which
/// velo-web already received, not by reading the record back from Redis (issue 11). Seen in
/// Redis itself: the record's key stays untouched (`OBJECT IDLETIME`, which does not touch it).
#[test]
fn a_poll_after_the_end_is_answered_without_reading_redis() {
    let sys = System::start("recent", 1, &[]);
    let job = sys.http.submit("debug.sleep", json!({"ms": 1}));
    let id = job["id"].as_str().unwrap().to_string();
    let key = velo_jobs::keys::job(&id);
    let mut redis = redis::Client::open(sys.redis.url())
        .unwrap()
        .get_connection()
        .unwrap();
    let idle = |redis: &mut redis::Connection| -> i64 {
        redis::cmd("OBJECT")
            .arg("IDLETIME")
            .arg(&key)
            .query(redis)
            .unwrap()
    };
    // Ended (read straight from Redis), then left alone for a second or more.
    velo_testkit::wait_until("the job to end", Duration::from_secs(30), || {
        let raw: Option<String> = redis::cmd("GET").arg(&key).query(&mut redis).unwrap();
        raw.filter(|r| r.contains("\"finished\"")).map(|_| ())
    });
    velo_testkit::wait_until("the record to idle", Duration::from_secs(5), || {
        (idle(&mut redis) >= 1).then_some(())
    });
    let done = sys.http.wait(&id, 5.0);
    assert_eq!(done["status"], "finished", "{done}");
    assert_eq!(done["id"], id.as_str());
    assert!(
        idle(&mut redis) >= 1,
        "velo-web read the record back from Redis"
    );
}

/// A large answer goes to a client that takes gzip as the worker compressed it, once (issue 11):
/// from the end's announcement, from Redis for a cache hit and for a job this velo-web never
/// heard end; the same JSON, decompressed, as a client without gzip gets.
#[test]
fn large_answers_go_compressed_to_clients_that_take_gzip() {
    let sys = System::start("gzip", 1, &[]);
    let h = &sys.http;
    let request = json!({"task_name": PLOT, "args": {"name": TH2, "run": RUN}});
    let job = h.post("/jobs", &request).json()["job"].clone();
    let id = job["id"].as_str().unwrap().to_string();
    let plain = sys.wait_final(&id, Duration::from_secs(30));
    assert_eq!(plain["status"], "finished", "{plain}");
    let plain_len = plain.to_string().len();
    assert!(plain_len > 10_000, "{plain_len}");

    let path = format!("/jobs/{id}");
    let gzip = [("Accept-Encoding", "gzip, deflate, br")];
    let r = h.raw("GET", &path, &gzip, None);
    assert_eq!(
        (r.status, r.header("content-encoding")),
        (200, Some("gzip"))
    );
    assert_eq!(r.header("vary"), Some("accept-encoding"));
    assert!(
        r.body.len() * 3 < plain_len,
        "{} of {plain_len}",
        r.body.len()
    );
    assert_eq!(r.json()["job"], plain);

    // Refused, or not asked for: JSON as it is.
    for refused in [&[("Accept-Encoding", "gzip;q=0, br")][..], &[][..]] {
        let r = h.raw("GET", &path, refused, None);
        assert_eq!((r.status, r.header("content-encoding")), (200, None));
        assert_eq!(r.json()["job"], plain);
    }

    // The same request again is a cache hit: the holder's compressed answer, read from Redis.
    let r = h.raw("POST", "/jobs", &gzip, Some(&request));
    assert_eq!(
        (r.status, r.header("content-encoding")),
        (201, Some("gzip"))
    );
    assert_eq!(r.json()["job"], plain);
    let r = h.raw("POST", "/jobs", &[], Some(&request));
    assert_eq!((r.status, r.header("content-encoding")), (201, None));
    assert_eq!(r.json()["job"], plain);

    // A job whose end this velo-web never heard (another velo-web's, or one that ended before
    // a restart) is read from Redis, compressed answer and all. Planted as a worker leaves one.
    let mut redis = redis::Client::open(sys.redis.url())
        .unwrap()
        .get_connection()
        .unwrap();
    let other = velo_jobs::new_job_id();
    let stored: Vec<u8> = redis::cmd("GET")
        .arg(velo_jobs::keys::job(&id))
        .query(&mut redis)
        .unwrap();
    // Redis holds the large record only compressed.
    assert!(
        stored.len() * 3 < plain_len,
        "{} of {plain_len}",
        stored.len()
    );
    let record = velo_jobs::compressed::Compressed::from_bytes(&stored)
        .expect("stored compressed")
        .record()
        .unwrap()
        .replace(&id, &other);
    let compressed = velo_jobs::compressed::Compressed::of_record(&record).unwrap();
    let _: () = redis::cmd("SET")
        .arg(velo_jobs::keys::job(&other))
        .arg(compressed.to_bytes())
        .query(&mut redis)
        .unwrap();
    let r = h.raw("GET", &format!("/jobs/{other}?wait=5"), &gzip, None);
    assert_eq!(
        (r.status, r.header("content-encoding")),
        (200, Some("gzip"))
    );
    let back = r.json()["job"].clone();
    assert_eq!(back["id"], other.as_str());
    assert_eq!(back["result"], plain["result"]);
    assert!(back["uri"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/jobs/{other}")));
    // Decompressed for a client without gzip, and in the list of recent jobs.
    let r = h.raw("GET", &format!("/jobs/{other}"), &[], None);
    assert_eq!((r.status, r.header("content-encoding")), (200, None));
    assert_eq!(r.json()["job"]["result"], plain["result"]);
    let listed = h.get("/jobs").json();
    let mine = listed["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == id.as_str())
        .expect("listed");
    assert_eq!(mine["result"], plain["result"]);
}

/// A long-poll for a job this velo-web queued waits for the worker's announcement without
/// reading the job's record from Redis (issue 11): it was queued while the subscription was live,
/// so its end will be announced here. So does a submission that waits for its job, whether the
/// job ends in time or not. Every command Redis runs is watched (MONITOR) meanwhile.
#[test]
fn a_poll_for_a_job_queued_here_waits_without_reading_redis() {
    let sys = System::start("pending", 1, &[]);
    let client = redis::Client::open(sys.redis.url()).unwrap();
    wait_until_web_follows_ends(&sys);
    let warm_up = sys.run("debug.sleep", json!({"ms": 1}));
    assert_eq!(warm_up["status"], "finished", "{warm_up}");
    let mut monitor = client.get_connection().unwrap();
    let _: () = redis::cmd("MONITOR").query(&mut monitor).unwrap();
    monitor
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let sleep = json!({"task_name": "debug.sleep", "args": {"ms": 400}});
    let submitted = |wait: &str| {
        let r = sys.http.post(&format!("/jobs?wait={wait}"), &sleep);
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()["job"].clone()
    };

    // Queued at once, then long-polled; held until it ended; held past the wait, then polled.
    for (how, wait, answered) in [
        ("long-poll", "0", "queued"),
        ("held submission", "10", "finished"),
        ("held, then polled", "0.1", "queued"),
    ] {
        let job = submitted(wait);
        assert_eq!(job["status"], answered, "{how}: {job}");
        let id = job["id"].as_str().unwrap().to_string();
        let done = match job["status"].as_str() {
            Some("finished") => job,
            _ => sys.http.wait(&id, 10.0),
        };
        assert_eq!(done["status"], "finished", "{how}: {done}");

        // Everything Redis ran until the end was announced, and a little after.
        let announced = format!("\"PUBLISH\" \"{}\" \"{id}", velo_jobs::keys::DONE_CHANNEL);
        let mut seen = Vec::new();
        velo_testkit::wait_until(
            "the announcement in MONITOR",
            Duration::from_secs(10),
            || {
                while let Ok(redis::Value::SimpleString(line)) = monitor.recv_response() {
                    seen.push(line);
                }
                seen.iter().any(|l| l.contains(&announced)).then_some(())
            },
        );
        let read = format!("\"GET\" \"{}\"", velo_jobs::keys::job(&id));
        let reads: Vec<&String> = seen
            .iter()
            // The worker's start script reads it, inside Redis.
            .filter(|l| l.contains(&read) && !l.contains(" lua]"))
            .collect();
        assert!(
            reads.is_empty(),
            "{how}: velo-web read the record: {reads:?}"
        );
        assert!(
            seen.iter()
                .any(|l| l.contains("\"SET\"") && l.contains(" lua]")),
            "{how}: the worker's start script ran: {seen:?}"
        );
    }
}

/// velo-web follows the done channel from start-up; what it promises about jobs queued here
/// holds once it does.
fn wait_until_web_follows_ends(sys: &System) {
    let client = redis::Client::open(sys.redis.url()).unwrap();
    let mut plain = client.get_connection().unwrap();
    velo_testkit::wait_until("velo-web subscribed", Duration::from_secs(30), || {
        let (_, n): (String, i64) = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(velo_jobs::keys::DONE_CHANNEL)
            .query(&mut plain)
            .unwrap();
        (n >= 1).then_some(())
    });
}

/// A submission is answered with the job's result when the job ends within its wait (the
/// configured one, or `?wait=`): the client needs no long-poll (issue 11). A job that takes
/// longer is answered queued at the wait's end, and is followed as before.
#[test]
fn a_submission_is_answered_with_the_result_of_a_job_that_ends_in_time() {
    let sys = System::start("hold", 1, &[]);
    let h = &sys.http;
    wait_until_web_follows_ends(&sys);
    let request = json!({"task_name": PLOT, "args": {"name": TH2, "run": RUN}});
    let gzip = [("Accept-Encoding", "gzip")];
    let r = h.raw("POST", "/jobs", &gzip, Some(&request));
    assert_eq!(
        (r.status, r.header("content-encoding")),
        (201, Some("gzip")),
        "a large result, as the worker compressed it"
    );
    let job = r.json()["job"].clone();
    assert_eq!(job["status"], "finished", "{job}");
    let direct = get_run_plot(
        &sys.data.run_data(),
        &PlotRequest {
            name: TH2.into(),
            run: RUN,
            sensor: 0,
            reference: false,
        },
    );
    assert_eq!(job["result"], direct);
    assert_eq!(h.wait(job["id"].as_str().unwrap(), 0.0), job);

    // Asked not to wait: answered before the job could end. (A job of 1 ms may end before
    // the answer is written, and is then rightly answered finished: this one cannot.)
    let r = h.post(
        "/jobs?wait=0",
        &json!({"task_name": "debug.sleep", "args": {"ms": 1500}}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let job = r.json()["job"].clone();
    assert!(
        matches!(job["status"].as_str(), Some("queued" | "started")),
        "{job}"
    );
    assert_eq!(job["result"], json!(null));

    // Longer than the wait: answered unfinished, then followed to its end.
    let r = h.post(
        "/jobs?wait=0.2",
        &json!({"task_name": "debug.sleep", "args": {"ms": 1500}}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let job = r.json()["job"].clone();
    assert!(
        matches!(job["status"].as_str(), Some("queued" | "started")),
        "{job}"
    );
    assert_eq!(job["result"], json!(null));
    let done = sys.wait_final(job["id"].as_str().unwrap(), Duration::from_secs(30));
    assert_eq!(done["status"], "finished", "{done}");

    for wait in ["abc", "-1", "inf"] {
        let r = h.post(&format!("/jobs?wait={wait}"), &request);
        assert_eq!(r.status, 400, "{wait}: {}", r.body);
        message(&r);
    }
}

/// A job queued by an earlier velo-web, through apalis' own push and with no queue time in its
/// message, still runs: the worker then reads and writes its record itself.
#[test]
fn a_job_queued_the_earlier_way_still_runs() {
    let sys = System::start("legacy", 1, &[]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let rec =
        velo_jobs::JobRecord::queued(velo_jobs::new_job_id(), "debug.sleep", json!({"ms": 1}));
    rt.block_on(async {
        use apalis_core::backend::TaskSink;
        let client = redis::Client::open(sys.redis.url()).unwrap();
        let mut conn = velo_jobs::connection_manager(&client).await.unwrap();
        let _: () =
            redis::AsyncCommands::set(&mut conn, velo_jobs::keys::job(&rec.id), rec.to_json())
                .await
                .unwrap();
        let mut queue = apalis_redis::RedisStorage::<velo_jobs::QueueMessage>::new(conn.clone())
            .with_config(velo_jobs::queue::config());
        let message = velo_jobs::QueueMessage {
            job_id: rec.id.clone(),
            task_name: rec.task_name.clone(),
            args: rec.args.clone(),
            queued_at: None,
        };
        queue.push(message).await.unwrap();
        let _: () = redis::AsyncCommands::lpush(&mut conn, velo_jobs::keys::WAKE, 1)
            .await
            .unwrap();
    });
    let done = sys.wait_final(&rec.id, Duration::from_secs(30));
    assert_eq!(done["status"], "finished", "{done}");
    assert_eq!(done["attempts"], 1, "{done}");
    assert_eq!(done["queued_at"], rec.queued_at, "{done}");
}
