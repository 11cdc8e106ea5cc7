//! What velo-web enforces on every request, against the real server, Redis and workers: JSON
//! for writes, browser security headers, operator endpoints for internal networks only, and
//! error messages without server paths.

mod common;

use common::{System, PLOT, TH1_TEMPLATE};
use serde_json::json;
use std::time::Duration;
use velo_testkit::{wait_until, RUN};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// Status and every value of the header `name` of a GET.
fn header_values(base: &str, path: &str, name: &str) -> (u16, Vec<String>) {
    let resp = agent().get(format!("{base}{path}")).call().unwrap();
    let values = resp
        .headers()
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    (resp.status().as_u16(), values)
}

#[test]
fn writes_must_be_json_and_refusals_queue_nothing() {
    let sys = System::start("policy-json", 0, &[]);
    let h = &sys.http;
    let body = json!({"task_name": PLOT, "args": {"name": TH1_TEMPLATE, "run": RUN}}).to_string();
    for content_type in [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "text/plain",
        "application/jsonx",
    ] {
        let r = h.post_raw("/jobs", content_type, &body);
        assert_eq!(r.status, 415, "{content_type}: {}", r.body);
        assert!(r.json()["message"]
            .as_str()
            .unwrap()
            .contains("application/json"));
    }
    // Without any Content-Type header at all.
    let r = agent()
        .post(format!("{}/jobs", h.base))
        .send(body.as_str())
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    // Every method that writes, with a body, on any path.
    for method in ["PUT", "PATCH", "DELETE"] {
        for path in ["/jobs", "/run_view"] {
            let req = ureq::http::Request::builder()
                .method(method)
                .uri(format!("{}{path}", h.base))
                .header("Content-Type", "text/plain")
                .body("task_name=debug.sleep")
                .unwrap();
            let r = agent().run(req).unwrap();
            assert_eq!(r.status().as_u16(), 415, "{method} {path}");
        }
    }
    assert_eq!(
        h.get("/jobs").json()["jobs"],
        json!([]),
        "nothing was queued"
    );
    assert_eq!(
        h.post_raw("/jobs", "application/json; charset=utf-8", &body)
            .status,
        201
    );
}

#[test]
fn every_response_carries_the_security_headers() {
    let sys = System::start("policy-headers", 0, &[]);
    let base = &sys.http.base;
    let page = sys.http.get("/run_view").body;
    let script = page
        .split('"')
        .find(|s| s.starts_with("/static/velo/") && s.ends_with("/velo_monitor.js"))
        .expect("the page links its script")
        .to_string();
    for path in [
        "/",
        "/run_view",
        "/nowhere",
        "/healthz",
        "/jobs/nosuchjob",
        script.as_str(),
        "/static/jsroot/nothing.js",
    ] {
        let (status, csp) = header_values(base, path, "content-security-policy");
        assert_eq!(csp.len(), 1, "{path} ({status})");
        // Scripts from this origin, and inline only the run view's own by its hash.
        let scripts = csp[0]
            .split(';')
            .map(str::trim)
            .find_map(|d| d.strip_prefix("script-src "))
            .unwrap_or_else(|| panic!("{path}: no script-src in {csp:?}"));
        let mut sources = scripts.split_whitespace();
        assert_eq!(sources.next(), Some("'self'"), "{path}: {csp:?}");
        assert!(
            sources.all(|s| s.starts_with("'sha256-") && s.ends_with("='")),
            "{path}: {csp:?}"
        );
        assert!(csp[0].contains("frame-ancestors 'none'"), "{path}: {csp:?}");
        for (name, value) in [
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "same-origin"),
            ("x-frame-options", "DENY"),
        ] {
            assert_eq!(header_values(base, path, name).1, [value], "{path}: {name}");
        }
    }
    // Refusals too.
    let r = agent()
        .post(format!("{base}/jobs"))
        .header("Content-Type", "text/plain")
        .send("x")
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    assert!(r.headers().contains_key("content-security-policy"));
}

#[test]
fn operator_endpoints_answer_only_internal_networks() {
    // Loopback (where the test connects from) is not internal here.
    let sys = System::start(
        "policy-networks",
        1,
        &[("VELO_INTERNAL_NETWORKS", "10.255.0.0/16, fd00:ffff::/32")],
    );
    let h = &sys.http;
    for path in ["/metrics", "/jobs", "/jobs/"] {
        let r = h.get(path);
        assert_eq!(r.status, 403, "{path}: {}", r.body);
        assert!(r.json()["message"]
            .as_str()
            .unwrap()
            .contains("internal networks"));
    }
    assert_eq!(h.request("HEAD", "/jobs").status, 403);
    // Shifters' own use stays open: submitting, following a job, the pages, the health check.
    let job = h.submit(PLOT, json!({"name": TH1_TEMPLATE, "run": RUN}));
    let id = job["id"].as_str().unwrap();
    let done = sys.wait_final(id, Duration::from_secs(60));
    assert_eq!(done["status"], "finished", "{done}");
    assert_eq!(h.get("/run_view").status, 200);
    assert_eq!(h.get("/healthz").status, 200);

    // The default: loopback is internal.
    let local = System::start("policy-networks-default", 0, &[]);
    assert_eq!(local.http.get("/metrics").status, 200);
    assert_eq!(local.http.get("/jobs").status, 200);
}

#[test]
fn plot_failures_name_files_without_server_paths() {
    let sys = System::start("policy-paths", 1, &[]);
    let root = sys.data.root.display().to_string();
    let file = sys.data.run_file();
    let file_name = file.file_name().unwrap().to_string_lossy().to_string();
    let failure = |args: serde_json::Value| {
        let done = sys.run(PLOT, args);
        let result = &done["result"];
        assert_eq!(result["success"], false, "{done}");
        result["message"].as_str().unwrap().to_string()
    };

    // A file that is not ROOT at all.
    let good = std::fs::read(&file).unwrap();
    std::fs::write(&file, b"not a ROOT file, just text").unwrap();
    let msg = failure(json!({"name": TH1_TEMPLATE, "run": RUN}));
    assert!(msg.contains(&file_name) && !msg.contains(&root), "{msg}");
    std::fs::write(&file, good).unwrap();

    // The run list gone.
    let list = sys.data.run_list();
    let moved = list.with_extension("moved");
    std::fs::rename(&list, &moved).unwrap();
    let msg = failure(json!({"name": TH1_TEMPLATE, "run": RUN, "sensor": 1}));
    assert!(msg.contains("RunList") && !msg.contains(&root), "{msg}");
    let health = sys.http.get("/healthz");
    assert_eq!(health.status, 503);
    assert!(
        health.body.contains("RunList") && !health.body.contains(&root),
        "{}",
        health.body
    );
    std::fs::rename(&moved, &list).unwrap();
    wait_until("healthy again", Duration::from_secs(10), || {
        (sys.http.get("/healthz").status == 200).then_some(())
    });
}
