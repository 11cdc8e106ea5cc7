//! Alarms through the real stack: redis-server, velo-web, velo-worker processes, the demo
//! dataset with its injected problems, a webhook receiver and an SMTP server on loopback.

mod common;

use common::sinks::{SmtpSink, WebhookReceiver};
use common::System;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::time::Duration;
use velo_dqstore::{AlarmQuery, AlarmState, NewFiring, Store, SYSTEM_RUN};
use velo_testkit::{wait_until, PostgresServer, RunDataDir};

const SECRET: &str = "test-secret-not-for-production";
const TOKEN: &str = "alarm-test-token-0123456789";
/// Run 123972 of the demo has a noisy sensor: its noise and occupancy subsystems are ERROR.
const NOISY: u32 = 123972;
/// Run 123973 has shifted pedestals.
const PEDESTALS: u32 = 123973;

const LEVEL_RULES: &str = r#"
[[rule]]
name = "pedestals"
kind = "level"
nodes = "pedestals"

[[rule]]
name = "noise"
kind = "level"
nodes = "noise"

[[rule]]
name = "clusters"
kind = "level"
nodes = "clusters"

[[rule]]
name = "occupancy"
kind = "level"
nodes = "occupancy"
"#;

const WORKERS_RULE: &str = r#"
[[rule]]
name = "workers"
kind = "workers"
min = 2
level = "ERROR"
"#;

struct Stack {
    sys: System,
    store: Store,
    hook: WebhookReceiver,
    smtp: SmtpSink,
}

/// Six demo runs, one worker, `rules`, notifications to a receiver answering `status`.
fn stack(tag: &str, rules: &str, status: u16, extra: &[(&str, &str)]) -> Stack {
    stack_on(RunDataDir::demo_runs(tag, 6), rules, status, extra)
}

/// As [`stack`], on a data directory (and its store) the test prepared.
fn stack_on(data: RunDataDir, rules: &str, status: u16, extra: &[(&str, &str)]) -> Stack {
    let text = rules;
    let rules = data.root.join("alarms.toml");
    std::fs::write(&rules, text).unwrap();
    let hook = WebhookReceiver::start(status);
    let smtp = SmtpSink::start();
    let url = data.dq_database_url();
    let port = smtp.port.to_string();
    let mut env: Vec<(&str, &str)> = vec![
        ("VELO_ALARMS_CONFIG_FILE", rules.to_str().unwrap()),
        ("VELO_ALARM_CHECK_SECS", "1"),
        ("VELO_ALARM_DIGEST_SECS", "3600"),
        ("VELO_ALARM_WEBHOOK_URL", &hook.url),
        ("VELO_ALARM_WEBHOOK_SECRET", SECRET),
        ("VELO_ALARM_SMTP_HOST", "127.0.0.1"),
        ("VELO_ALARM_SMTP_PORT", &port),
        ("VELO_ALARM_EMAIL_TO", "shift@velo.test, expert@velo.test"),
        ("VELO_ALARM_ATTEMPTS", "3"),
        ("VELO_ALARM_RETRY_BASE_MS", "200"),
    ];
    let tokens = data.root.join("tokens.txt");
    let line = format!("shift-script {}\n", velo_web::dq::auth::hash_token(TOKEN));
    std::fs::write(&tokens, line).unwrap();
    env.push(("VELO_API_TOKENS_FILE", tokens.to_str().unwrap()));
    env.extend_from_slice(extra);
    let sys = System::start_with(data, 1, &env);
    // The store the services use: the directory's SQLite, or the one `extra` names.
    let url = extra
        .iter()
        .rev()
        .find(|(k, _)| *k == "VELO_DQ_DATABASE_URL")
        .map_or(url, |(_, v)| v.to_string());
    let store = Store::open(&url).expect("store");
    Stack {
        sys,
        store,
        hook,
        smtp,
    }
}

fn evaluate(sys: &System, run: u32, force: bool) -> Value {
    let done = sys.run("dq.evaluate_run", json!({"run": run, "force": force}));
    assert_eq!(done["status"], "finished", "{done}");
    assert_eq!(done["result"]["success"], true, "{done}");
    done["result"]["data"].clone()
}

fn hmac_hex(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every alarm of `run` as (rule, subject, level, state), sorted.
fn alarms_of(store: &Store, run: u32) -> Vec<(String, String, String, AlarmState)> {
    let q = AlarmQuery {
        run: Some(run),
        limit: 100,
        ..Default::default()
    };
    let mut v: Vec<_> = store
        .alarms(&q)
        .unwrap()
        .alarms
        .into_iter()
        .map(|a| (a.rule, a.subject, a.level, a.state))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

fn row(rule: &str, level: &str, state: AlarmState) -> (String, String, String, AlarmState) {
    (rule.into(), rule.into(), level.into(), state)
}

/// POST `body` to velo-web with extra headers: (status, JSON).
fn post(sys: &System, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut req = agent.post(format!("{}{path}", sys.http.base));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut r = req.send(body).expect("velo-web answers");
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The first `event: counts` of the live stream.
fn first_counts(sys: &System) -> Value {
    use std::io::BufRead;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let r = agent
        .get(format!("{}/api/alarms/events", sys.http.base))
        .call()
        .expect("stream");
    assert_eq!(
        r.headers().get("content-type").unwrap(),
        "text/event-stream"
    );
    let mut lines = std::io::BufReader::new(r.into_body().into_reader()).lines();
    while let Some(Ok(l)) = lines.next() {
        if l == "event: counts" {
            let data = lines.next().unwrap().unwrap();
            return serde_json::from_str(data.strip_prefix("data: ").unwrap()).unwrap();
        }
    }
    panic!("the stream ended without counts");
}

/// Reading is open; acknowledging and resolving need a user (here an API token), as sign-offs.
fn the_api_lists_and_changes_alarms_with_authentication(s: &Stack) {
    let open = s
        .sys
        .http
        .get(&format!("/api/alarms?state=open&run={NOISY}"));
    assert_eq!(open.status, 200, "{}", open.body);
    let open = open.json();
    assert_eq!(open["alarms"].as_array().unwrap().len(), 2, "{open}");
    assert_eq!(open["counts"]["open"], 3, "{open}");
    let counts = s.sys.http.get("/api/alarms/counts").json();
    assert_eq!(
        (counts["open"].as_u64(), counts["acknowledged"].as_u64()),
        (Some(3), Some(0))
    );
    let id = open["alarms"][0]["id"].as_i64().unwrap();
    let path = format!("/api/alarms/{id}/ack");
    let json = ("Content-Type", "application/json");
    let body = r#"{"comment": "on it <b>"}"#;
    // Nobody: 401, and nothing changes.
    let (st, v) = post(&s.sys, &path, &[json], body);
    assert_eq!(st, 401, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("authenticated"),
        "{v}"
    );
    // A bad token, a form post: refused.
    let bad = ("Authorization", "Bearer wrong");
    assert_eq!(post(&s.sys, &path, &[json, bad], body).0, 401);
    let auth = ("Authorization", format!("Bearer {TOKEN}"));
    let auth = (auth.0, auth.1.as_str());
    let form = ("Content-Type", "application/x-www-form-urlencoded");
    assert_eq!(post(&s.sys, &path, &[form, auth], "comment=x").0, 415);
    assert_eq!(first_counts(&s.sys)["open"], 3);
    // With the token: acknowledged, by whom, with the comment as sent.
    let (st, v) = post(&s.sys, &path, &[json, auth], body);
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["alarm"]["state"], "acknowledged");
    assert_eq!(v["alarm"]["by_user"], "shift-script");
    assert_eq!(v["alarm"]["comment"], "on it <b>");
    // Twice: a conflict. An unknown alarm: 404. Not a number: 400.
    assert_eq!(post(&s.sys, &path, &[json, auth], body).0, 409);
    assert_eq!(
        post(&s.sys, "/api/alarms/999999/ack", &[json, auth], body).0,
        404
    );
    assert_eq!(
        post(&s.sys, "/api/alarms/x/resolve", &[json, auth], body).0,
        400
    );
    let one = s.sys.http.get(&format!("/api/alarms/{id}")).json();
    let events: Vec<&str> = one["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["opened", "acknowledged"]);
    let acked = s.sys.http.get("/api/alarms?state=acknowledged").json();
    assert_eq!(acked["alarms"].as_array().unwrap().len(), 1);
    assert_eq!(first_counts(&s.sys)["acknowledged"], 1);
    for bad in ["state=closed", "limit=0", "run=x", "limit=100000"] {
        let r = s.sys.http.get(&format!("/api/alarms?{bad}"));
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
    }
    let page = s.sys.http.get("/api/alarms?limit=2").json();
    assert_eq!(page["alarms"].as_array().unwrap().len(), 2);
    let rest = s
        .sys
        .http
        .get(&format!("/api/alarms?limit=2&cursor={}", page["next"]))
        .json();
    assert_eq!(rest["alarms"].as_array().unwrap().len(), 1);
    assert_eq!(rest["next"], Value::Null);
}

/// Rule names of the webhook messages received, sorted.
fn hook_rules(hook: &WebhookReceiver) -> Vec<String> {
    let mut v: Vec<String> = hook
        .received()
        .iter()
        .map(|r| r.json()["rule"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn a_bad_run_fires_its_alarms_once_and_fixing_its_file_resolves_them() {
    bad_run_fires_and_clears(&stack("alarms-run", LEVEL_RULES, 200, &[]));
}

/// The same with the store on PostgreSQL (workers on several hosts): the evaluation's alarm
/// transaction, the duty's digests and the API on the other backend.
#[test]
fn a_bad_run_fires_and_clears_its_alarms_on_postgresql() {
    let pg = PostgresServer::start();
    let url = pg.create_database("alarms_run");
    let extra = [("VELO_DQ_DATABASE_URL", url.as_str())];
    bad_run_fires_and_clears(&stack("alarms-pg", LEVEL_RULES, 200, &extra));
}

fn bad_run_fires_and_clears(s: &Stack) {
    // The clean first run: no alarm.
    let data = evaluate(&s.sys, s.sys.data.run, false);
    assert_eq!(data["alarms"]["opened"], json!([]), "{data}");

    let data = evaluate(&s.sys, NOISY, false);
    assert_eq!(
        data["alarms"]["opened"].as_array().unwrap().len(),
        2,
        "{data}"
    );
    assert_eq!(
        alarms_of(&s.store, NOISY),
        [
            row("noise", "ERROR", AlarmState::Open),
            row("occupancy", "ERROR", AlarmState::Open)
        ]
    );

    // One webhook message and one e-mail per rule, signed, naming the run.
    wait_until("2 webhook messages", Duration::from_secs(30), || {
        (s.hook.received().len() >= 2).then_some(())
    });
    wait_until("2 e-mails", Duration::from_secs(30), || {
        (s.smtp.received().len() >= 2).then_some(())
    });
    assert_eq!(hook_rules(&s.hook), ["noise", "occupancy"]);
    for r in s.hook.received() {
        assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/hook"));
        assert_eq!(r.header("content-type"), Some("application/json"));
        let want = format!("sha256={}", hmac_hex(&r.body));
        assert_eq!(r.header("x-velo-signature"), Some(want.as_str()));
        let body = r.json();
        assert_eq!(body["runs"], json!([NOISY]), "{body}");
        assert_eq!(body["count"], 1);
        assert_eq!(body["alarms"][0]["level"], "ERROR");
        assert_eq!(body["alarms"][0]["state"], "open");
        // Where to look, and since when: the run before was clean.
        let message = body["alarms"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("new in this run"), "{body}");
    }
    let mut subjects: Vec<String> = s
        .smtp
        .received()
        .iter()
        .map(|m| m.subject().to_string())
        .collect();
    subjects.sort();
    assert_eq!(
        subjects,
        [
            format!("[VELO alarm] noise on run {NOISY}"),
            format!("[VELO alarm] occupancy on run {NOISY}")
        ]
    );
    for m in s.smtp.received() {
        assert_eq!(m.to, ["<shift@velo.test>", "<expert@velo.test>"]);
        assert!(
            m.data.contains(&format!("run {NOISY} [ERROR]")),
            "{}",
            m.data
        );
    }
    // A delivery is logged once its receiver has answered, so after the receiver saw it.
    let log = wait_until("4 deliveries logged", Duration::from_secs(30), || {
        let log = s.store.deliveries(100).unwrap();
        (log.len() >= 4).then_some(log)
    });
    assert_eq!(log.len(), 4);
    assert!(
        log.iter()
            .all(|d| d.status == "delivered" && d.attempts == 1),
        "{log:?}"
    );

    // Evaluated again: the same alarms, seen again, nothing new to send.
    let data = evaluate(&s.sys, NOISY, true);
    assert_eq!(data["alarms"]["opened"], json!([]), "{data}");
    assert_eq!(
        data["alarms"]["seen"].as_array().unwrap().len(),
        2,
        "{data}"
    );
    // Another bad run's message marks a later duty round: had the re-evaluation queued
    // anything, it would have gone out by then.
    evaluate(&s.sys, PEDESTALS, false);
    wait_until("the pedestals message", Duration::from_secs(30), || {
        hook_rules(&s.hook)
            .contains(&"pedestals".to_string())
            .then_some(())
    });
    wait_until("the pedestals e-mail", Duration::from_secs(30), || {
        (s.smtp.received().len() >= 3).then_some(())
    });
    assert_eq!(hook_rules(&s.hook), ["noise", "occupancy", "pedestals"]);
    assert_eq!(s.smtp.received().len(), 3);
    assert_eq!(
        s.store
            .alarms(&AlarmQuery {
                limit: 100,
                ..Default::default()
            })
            .unwrap()
            .alarms
            .len(),
        3
    );

    the_api_lists_and_changes_alarms_with_authentication(s);

    // Fix the run: its files rewritten without the problem. The file changed, so the next
    // evaluation judges it again, and its alarms resolve.
    // Beside this test's own data: the SQLite and PostgreSQL variants run at once.
    let clean = s.sys.data.root.join("clean-demo");
    let _ = std::fs::remove_dir_all(&clean);
    let opts = veloview::demo::Options {
        runs: 6,
        problems: veloview::demo::Problems::Explicit(Vec::new()),
        ..Default::default()
    };
    veloview::demo::generate(&clean, &opts).expect("clean demo data");
    let (from, to) = (
        veloview::runview::paths::run_dir(&clean, NOISY),
        veloview::runview::paths::run_dir(&s.sys.data.root, NOISY),
    );
    for f in std::fs::read_dir(&from).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, to.join(f.file_name().unwrap())).unwrap();
    }
    let _ = std::fs::remove_dir_all(&clean);
    let data = evaluate(&s.sys, NOISY, false);
    assert_eq!(data["reason"], "file_changed", "{data}");
    assert_eq!(data["level"], "OK", "{data}");
    assert_eq!(
        data["alarms"]["resolved"].as_array().unwrap().len(),
        2,
        "{data}"
    );
    // The acknowledged one too: the rules cleared it.
    assert_eq!(
        alarms_of(&s.store, NOISY),
        [
            row("noise", "ERROR", AlarmState::Resolved),
            row("occupancy", "ERROR", AlarmState::Resolved)
        ]
    );
    // Its history: opened by the rules, acknowledged by the script, resolved by the rules.
    let newest = s
        .store
        .alarms(&AlarmQuery {
            run: Some(NOISY),
            limit: 1,
            ..Default::default()
        })
        .unwrap()
        .alarms[0]
        .id;
    let events: Vec<(String, Option<String>)> = s
        .store
        .alarm_events(newest)
        .unwrap()
        .into_iter()
        .map(|e| (e.event, e.by_user))
        .collect();
    let ev = |e: &str, by: Option<&str>| (e.to_string(), by.map(str::to_string));
    assert_eq!(
        events,
        [
            ev("opened", None),
            ev("acknowledged", Some("shift-script")),
            ev("resolved", None)
        ]
    );
}

/// Redis away: the workers live but none can take a job, and nobody holds the duty's lock (it is
/// in Redis). velo-web records the workers alarm saying why, and the shift hears it; with Redis
/// back and the worker heartbeating again, the alarm is resolved.
#[test]
fn the_shift_hears_when_the_job_queue_is_away() {
    let rule = "[[rule]]\nname = \"workers\"\nkind = \"workers\"\nmin = 1\nlevel = \"ERROR\"\n";
    let mut s = stack(
        "alarms-queue-away",
        rule,
        200,
        &[("VELO_ALARM_DIGEST_SECS", "1")],
    );
    assert_eq!(
        s.sys.run("debug.sleep", json!({"ms": 1}))["status"],
        "finished"
    );
    assert!(alarms_of(&s.store, SYSTEM_RUN).is_empty());
    s.sys.redis.stop();
    let id = wait_until("the workers alarm", Duration::from_secs(30), || {
        let q = AlarmQuery {
            run: Some(SYSTEM_RUN),
            limit: 10,
            ..Default::default()
        };
        let open = s.store.alarms(&q).unwrap().alarms;
        open.into_iter()
            .find(|a| a.rule == "workers" && a.state == AlarmState::Open)
            .map(|a| (a.id, a.message))
    });
    assert!(
        id.1.contains("the job queue (Redis) has not answered"),
        "{}",
        id.1
    );
    let sent = wait_until("its message", Duration::from_secs(30), || {
        s.hook
            .received()
            .into_iter()
            .map(|r| r.json())
            .find(|m| m["rule"] == "workers")
    });
    assert_eq!(sent["alarms"][0]["state"], "open", "{sent}");
    assert!(
        sent["alarms"][0]["message"]
            .as_str()
            .unwrap()
            .contains("job queue (Redis)"),
        "{sent}"
    );
    s.sys.redis.restart();
    wait_until("the alarm resolved", Duration::from_secs(60), || {
        let a = s.store.alarm(id.0).unwrap()?;
        (a.state == AlarmState::Resolved).then_some(())
    });
}

/// velo-web started before its results store could be opened (as before its PostgreSQL, at a
/// host's boot) takes up its share of the duty once it can: with no worker alive, it records
/// the workers alarm itself.
#[test]
fn velo_web_takes_up_the_duty_once_its_store_opens() {
    let data = RunDataDir::demo_runs("alarms-late-store", 2);
    let rules = data.root.join("alarms.toml");
    std::fs::write(&rules, WORKERS_RULE).unwrap();
    // The store's directory cannot be made while a file stands in its place.
    let blocker = data.root.join("late");
    std::fs::write(&blocker, "not a directory").unwrap();
    let url = format!("sqlite://{}", blocker.join("dq.sqlite3").display());
    let env = [
        ("VELO_ALARMS_CONFIG_FILE", rules.to_str().unwrap()),
        ("VELO_ALARM_CHECK_SECS", "1"),
        ("VELO_DQ_DATABASE_URL", url.as_str()),
    ];
    let _sys = System::start_with(data, 0, &env);
    assert!(Store::open(&url).is_err(), "the store opened while blocked");
    std::fs::remove_file(&blocker).unwrap();
    let store = Store::open(&url).expect("store");
    wait_until("velo-web's workers alarm", Duration::from_secs(30), || {
        let a = alarms_of(&store, SYSTEM_RUN);
        (a == [row("workers", "ERROR", AlarmState::Open)]).then_some(())
    });
}

#[test]
fn the_duty_judges_the_workers_and_velo_web_reports_when_none_is_left() {
    let mut s = stack(
        "alarms-ops",
        WORKERS_RULE,
        200,
        &[("VELO_ALARM_DIGEST_SECS", "1")],
    );
    // One worker, two wanted: the duty opens the system alarm and notifies.
    wait_until("the workers alarm", Duration::from_secs(30), || {
        let a = alarms_of(&s.store, SYSTEM_RUN);
        (a == [row("workers", "ERROR", AlarmState::Open)]).then_some(())
    });
    wait_until("its message", Duration::from_secs(30), || {
        (hook_rules(&s.hook) == ["workers"]).then_some(())
    });
    let first = s.hook.received()[0].json();
    assert_eq!(first["runs"], json!([]));
    assert_eq!(first["alarms"][0]["value"], 1.0);
    s.sys.add_worker();
    wait_until(
        "the workers alarm resolved",
        Duration::from_secs(30),
        || {
            let a = alarms_of(&s.store, SYSTEM_RUN);
            (a == [row("workers", "ERROR", AlarmState::Resolved)]).then_some(())
        },
    );
    // The shift hears that it cleared, on both channels.
    let cleared = wait_until("the resolution message", Duration::from_secs(30), || {
        let got = s.hook.received();
        (got.len() >= 2).then(|| got[1].json())
    });
    assert_eq!(cleared["rule"], "workers", "{cleared}");
    assert_eq!(cleared["resolved"], 1, "{cleared}");
    assert_eq!(cleared["alarms"][0]["state"], "resolved", "{cleared}");
    let mail = wait_until("the resolution e-mail", Duration::from_secs(30), || {
        let got = s.smtp.received();
        (got.len() >= 2).then(|| got[1].clone())
    });
    assert!(mail.subject().ends_with("(resolved)"), "{}", mail.subject());
    assert!(mail.data.contains("[ERROR, resolved]"), "{}", mail.data);
    // Every worker killed: nobody heartbeats, the workers' duty lock lapses, and velo-web (still
    // up) reopens the alarm and sends the message itself (the reopening needs fewer than two
    // live workers, which only happens after the kill).
    s.sys.workers.clear();
    let again = wait_until("the third message", Duration::from_secs(60), || {
        let got = s.hook.received();
        (got.len() == 3).then(|| got[2].json())
    });
    assert_eq!(again["rule"], "workers");
    assert_eq!(again["alarms"][0]["state"], "open");
    let id = again["alarms"][0]["id"].as_i64().unwrap();
    // Once the last heartbeat has lapsed: no live worker at all.
    wait_until("no live worker", Duration::from_secs(30), || {
        let a = s.store.alarm(id).unwrap()?;
        (a.value == Some(0.0) && a.message == "0 live workers, fewer than 2").then_some(())
    });
    let events: Vec<String> = s
        .store
        .alarm_events(id)
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(events, ["opened", "resolved", "reopened"]);
}

#[test]
fn a_receiver_that_is_down_costs_retries_and_a_logged_failure_not_evaluation_time() {
    // Three attempts, 1 s then 2 s apart: a failure is logged 3 s after the first try at least.
    let s = stack(
        "alarms-down",
        LEVEL_RULES,
        503,
        &[
            ("VELO_ALARM_RETRY_BASE_MS", "1000"),
            ("VELO_ALARM_SMTP_PORT", "1"),
        ],
    );
    let data = evaluate(&s.sys, NOISY, false);
    // The evaluation and its alarms are stored before any notification has ended.
    assert_eq!(
        data["alarms"]["opened"].as_array().unwrap().len(),
        2,
        "{data}"
    );
    assert!(s.store.deliveries(100).unwrap().is_empty());
    let log = wait_until("4 failed deliveries", Duration::from_secs(60), || {
        let log = s.store.deliveries(100).unwrap();
        (log.len() == 4).then_some(log)
    });
    for d in &log {
        assert_eq!((d.status.as_str(), d.attempts), ("failed", 3), "{d:?}");
        let e = d.error.as_deref().unwrap();
        match d.channel.as_str() {
            "webhook" => assert_eq!(e, "HTTP 503"),
            _ => assert!(!e.is_empty()),
        }
    }
    // The receiver saw every attempt: 3 per rule.
    assert_eq!(s.hook.received().len(), 6);
    // Evaluations went on meanwhile, and nothing is sent twice.
    let data = evaluate(&s.sys, PEDESTALS, false);
    assert_eq!(
        data["alarms"]["opened"].as_array().unwrap().len(),
        1,
        "{data}"
    );
}

/// A synthetic evaluation of `run` with the noise subsystem at ERROR (and pedestals too on
/// every tenth run).
fn bad_outcome(run: u32) -> velo_dqstore::EvalOutcome {
    let node = |key: &str, level: &str| velo_dqstore::NodeRecord {
        key: key.into(),
        parent: Some(String::new()),
        title: key.into(),
        sensor: None,
        check: None,
        path: None,
        score: 10.0,
        level: level.into(),
        warnings: 1,
        errors: 1,
        weight: 1.0,
        details: json!({}),
    };
    let peds = if run.is_multiple_of(10) {
        "ERROR"
    } else {
        "OK"
    };
    velo_dqstore::EvalOutcome::Evaluated {
        score: 10.0,
        level: "ERROR".into(),
        nodes: vec![node("noise", "ERROR"), node("pedestals", peds)],
        trends: vec![],
    }
}

/// A storm: 100 bad runs recorded at once cost one message per rule and channel, listing every
/// run; more within the interval wait for it. Driven at the store and notifier level (the real
/// senders, receivers and store; synthetic evaluations, as 100 demo runs of ROOT files take
/// minutes to write on this machine).
#[test]
fn a_burst_of_100_bad_runs_gives_one_digest_per_rule_and_channel() {
    let hook = WebhookReceiver::start(200);
    let smtp = SmtpSink::start();
    let dir = std::env::temp_dir().join(format!("velo-alarms-burst-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&format!("sqlite://{}/dq.sqlite3", dir.display())).unwrap();
    let rules = veloview::alarms::AlarmRules::parse(LEVEL_RULES, "rules").unwrap();
    let port = smtp.port.to_string();
    let vars: std::collections::HashMap<String, String> = [
        ("VELO_ALARM_WEBHOOK_URL", hook.url.as_str()),
        ("VELO_ALARM_WEBHOOK_SECRET", SECRET),
        ("VELO_ALARM_SMTP_HOST", "127.0.0.1"),
        ("VELO_ALARM_SMTP_PORT", &port),
        ("VELO_ALARM_EMAIL_TO", "shift@velo.test"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let settings = velo_config::Settings::load_from(|k| vars.get(k).cloned()).unwrap();
    let channels = velo_alarms::notify::Channels::from_settings(&settings).unwrap();
    let interval = 300_000;
    let t0 = 1_800_000_000_000;
    for run in 1000..1100 {
        veloview::alarms::record::record_run(&store, &rules, run, &bad_outcome(run), t0).unwrap();
    }
    for d in store.take_digests(interval, t0 + 1000).unwrap() {
        channels.deliver(&store, &d).unwrap();
    }
    assert_eq!(hook_rules(&hook), ["noise", "pedestals"]);
    for r in hook.received() {
        let body = r.json();
        let want: Vec<u32> = match body["rule"].as_str().unwrap() {
            "noise" => (1000..1100).collect(),
            _ => (1000..1100).step_by(10).collect(),
        };
        assert_eq!(body["runs"], json!(want));
        assert_eq!(body["count"], want.len());
    }
    let mut subjects: Vec<String> = smtp
        .received()
        .iter()
        .map(|m| m.subject().to_string())
        .collect();
    subjects.sort();
    assert_eq!(
        subjects,
        [
            "[VELO alarm] noise on 100 runs (1000-1099)",
            "[VELO alarm] pedestals on 10 runs (1000-1090)"
        ]
    );
    // 50 more a minute later: held back until the interval has passed, then one digest.
    for run in 1100..1150 {
        veloview::alarms::record::record_run(&store, &rules, run, &bad_outcome(run), t0 + 60_000)
            .unwrap();
    }
    assert!(store
        .take_digests(interval, t0 + 61_000)
        .unwrap()
        .is_empty());
    let later = store
        .take_digests(interval, t0 + 1000 + interval + 1)
        .unwrap();
    let sizes: Vec<(String, usize)> = later
        .iter()
        .map(|d| (d.rule.clone(), d.alarms.len()))
        .collect();
    assert_eq!(sizes.len(), 2, "{sizes:?}");
    assert!(sizes.contains(&("noise".to_string(), 50)), "{sizes:?}");
    assert!(sizes.contains(&("pedestals".to_string(), 5)), "{sizes:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The scan's failures reach the duty: a run list that cannot be read fails every scan, the
/// `scan_failing` alarm opens; readable again, the next scan succeeds and the alarm resolves.
#[test]
fn a_failing_scan_raises_an_alarm_that_clears_when_it_works_again() {
    const SCAN_RULE: &str =
        "[[rule]]\nname = \"scan\"\nkind = \"scan_failing\"\nlevel = \"ERROR\"\n";
    let s = stack("alarms-scan", SCAN_RULE, 200, &[("VELO_DQ_SCAN_SECS", "1")]);
    let list = s.sys.data.run_list();
    let kept = std::fs::read(&list).unwrap();
    std::fs::remove_file(&list).unwrap();
    wait_until("the scan alarm", Duration::from_secs(30), || {
        let a = alarms_of(&s.store, SYSTEM_RUN);
        (a == [row("scan", "ERROR", AlarmState::Open)]).then_some(())
    });
    wait_until("its message", Duration::from_secs(30), || {
        (hook_rules(&s.hook) == ["scan"]).then_some(())
    });
    std::fs::write(&list, kept).unwrap();
    wait_until("the scan alarm resolved", Duration::from_secs(30), || {
        let a = alarms_of(&s.store, SYSTEM_RUN);
        (a == [row("scan", "ERROR", AlarmState::Resolved)]).then_some(())
    });
}

/// A digest taken by a process that stopped before sending it (here: taken by the test, ten
/// minutes ago, before any service ran) is sent by the next alarm duty, on every channel, once.
#[test]
fn a_digest_a_stopped_process_left_unsent_is_sent() {
    let data = RunDataDir::demo_runs("alarms-unsent", 6);
    let store = Store::open(&data.dq_database_url()).unwrap();
    let then = velo_jobs::record::now_ms() as i64 - 600_000;
    let firing = NewFiring {
        rule: "noise".into(),
        subject: "noise".into(),
        value: Some(1.0),
        level: "ERROR".into(),
        message: "noise is bad".into(),
    };
    store
        .record_alarms(NOISY, &["noise".to_string()], &[firing], then)
        .unwrap();
    let taken = store.take_digests(3_600_000, then).unwrap();
    assert_eq!(taken.len(), 1);
    drop(store);

    let s = stack_on(data, LEVEL_RULES, 200, &[]);
    let body = wait_until("the digest sent", Duration::from_secs(30), || {
        s.hook.received().first().map(|r| r.json())
    });
    assert_eq!(body["digest_id"], taken[0].id, "{body}");
    assert_eq!(body["runs"], json!([NOISY]), "{body}");
    wait_until("its e-mail", Duration::from_secs(30), || {
        (!s.smtp.received().is_empty()).then_some(())
    });
    let log = wait_until("both deliveries logged", Duration::from_secs(30), || {
        let log = s.store.deliveries(10).unwrap();
        (log.len() == 2).then_some(log)
    });
    assert!(
        log.iter()
            .all(|d| d.digest_id == taken[0].id && d.status == "delivered"),
        "{log:?}"
    );
    // Sent, logged: a later round leaves it alone. Another digest (a new bad run's) marks a
    // later round.
    evaluate(&s.sys, PEDESTALS, false);
    wait_until("the pedestals message", Duration::from_secs(30), || {
        hook_rules(&s.hook)
            .contains(&"pedestals".to_string())
            .then_some(())
    });
    assert_eq!(hook_rules(&s.hook), ["noise", "pedestals"]);
}
