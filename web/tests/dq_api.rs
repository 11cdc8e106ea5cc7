//! The data-quality JSON API over HTTP, through the real app on a free port with a real Redis
//! and a SQLite results store: listing and filters, the nested tree, trends (JSON and CSV),
//! errors (400/401/403/404/415), and who may sign off (proxy header from an allowed and a
//! refused address, API token, cross-site requests).

mod support;

use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::dq::{clusters, evaluation, failed, noise, with_sensor_leaf};
use velo_config::Settings;
use velo_dqstore::{RunInfo, Store};
use velo_testkit::RedisServer;

struct Site {
    base: String,
    agent: ureq::Agent,
    store: Store,
    dir: PathBuf,
    _redis: RedisServer,
}

struct Reply {
    status: u16,
    body: String,
    content_type: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {:?}", self.body))
    }
    fn message(&self) -> String {
        self.json()["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

const TOKEN: &str = "test-token-0123456789";

impl Site {
    /// Runs 100..=110 listed; 101..=108 evaluated (101 failed), 110 signed off by nobody yet.
    /// Evaluated runs judge the noise of sensors 5 (OK) and 64 (ERROR in run 104); run 102 has
    /// run info (magnet up); each run's reference is the run before it.
    fn start(tag: &str, proxies: &str) -> Site {
        let redis = RedisServer::start();
        let dir = std::env::temp_dir().join(format!("velo-dq-api-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let runs: Vec<String> = (100..=110).map(|r| r.to_string()).collect();
        std::fs::write(dir.join("RunList.txt"), runs.join("\n")).unwrap();
        std::fs::write(
            dir.join("tokens.txt"),
            format!(
                "# test\ncron-script {}\n",
                velo_web::dq::auth::hash_token(TOKEN)
            ),
        )
        .unwrap();
        let url = format!("sqlite://{}", dir.join("dq.sqlite3").display());
        let store = Store::open(&url).unwrap();
        store
            .record(&failed(101, 1_000, "unreadable file"))
            .unwrap();
        for run in 102..=108 {
            let level = match run % 3 {
                0 => "OK",
                1 => "WARNING",
                _ => "ERROR",
            };
            let score = if level == "OK" { 95.0 } else { 40.0 };
            let sensor_64 = if run == 104 { "ERROR" } else { "OK" };
            store
                .record(&with_sensor_leaf(
                    evaluation(
                        run,
                        run as i64 * 1000,
                        &[noise(score, level), clusters(90.0, "OK")],
                    ),
                    "noise",
                    "noise_level",
                    "Mean noise",
                    "Vetra/NoiseMon/DecodedADC/TELL1_{}/RMSNoise_vs_ChipChannel",
                    &[(5, run as f64 / 100.0, "OK"), (64, 2.0, sensor_64)],
                ))
                .unwrap();
        }
        store
            .put_run_info(&[RunInfo {
                run: 102,
                start_ms: Some(1_700_000_000_000),
                end_ms: None,
                fill: Some(7),
                magnet_polarity: Some("up".into()),
            }])
            .unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let vars: HashMap<&str, String> = [
            ("REDIS_URL", redis.url()),
            ("PORT", "0".into()),
            ("VELO_RUN_DATA_DIR", dir.display().to_string()),
            (
                "VELO_RUN_LIST_FILE",
                dir.join("RunList.txt").display().to_string(),
            ),
            (
                "VELO_PAGES_FILE",
                root.join("config/pages.toml").display().to_string(),
            ),
            ("VELO_DQ_DATABASE_URL", url),
            ("VELO_AUTH_PROXY_ADDRESSES", proxies.into()),
            (
                "VELO_API_TOKENS_FILE",
                dir.join("tokens.txt").display().to_string(),
            ),
            ("VELO_LOG_FILE", String::new()),
        ]
        .into_iter()
        .collect();
        let settings = Settings::load_from(|k| vars.get(k).cloned()).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            tokio::runtime::Runtime::new()
                .unwrap()
                .block_on(async move {
                    let app = velo_web::Application::build(settings).await.unwrap();
                    tx.send(app.port()).unwrap();
                    app.run_until_stopped().await.unwrap();
                });
        });
        let port = rx.recv_timeout(Duration::from_secs(30)).unwrap();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Site {
            base: format!("http://127.0.0.1:{port}"),
            agent,
            store,
            dir,
            _redis: redis,
        }
    }

    fn get(&self, path: &str) -> Reply {
        reply(self.agent.get(format!("{}{path}", self.base)).call())
    }

    fn post(&self, path: &str, content_type: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        let mut req = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Content-Type", content_type);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        reply(req.send(body))
    }

    fn sign(&self, run: u32, headers: &[(&str, &str)], body: Value) -> Reply {
        self.post(
            &format!("/api/dq/runs/{run}/signoff"),
            "application/json",
            headers,
            &body.to_string(),
        )
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn reply(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut r = r.expect("HTTP transport");
    let content_type = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    Reply {
        status: r.status().as_u16(),
        body: r.body_mut().read_to_string().unwrap(),
        content_type,
    }
}

fn runs_of(v: &Value) -> Vec<u64> {
    v["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["run"].as_u64().unwrap())
        .collect()
}

#[test]
fn listing_filters_pages_and_marks_unevaluated_runs() {
    let site = Site::start("list", "");
    let all = site.get("/api/dq/runs").json();
    assert_eq!(runs_of(&all), (100..=110).rev().collect::<Vec<_>>());
    assert_eq!(all["next"], Value::Null);
    let by_run: HashMap<u64, &Value> = all["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["run"].as_u64().unwrap(), r))
        .collect();
    assert_eq!(by_run[&110]["status"], "unevaluated");
    assert_eq!(by_run[&101]["status"], "failed");
    assert_eq!(by_run[&101]["message"], "unreadable file");
    assert_eq!(by_run[&102]["level"], "OK");
    assert_eq!(by_run[&102]["low_scores"], json!([]));
    assert_eq!(by_run[&102]["start_ms"], 1_700_000_000_000i64);
    assert_eq!(by_run[&104]["level"], "ERROR");
    assert_eq!(by_run[&104]["low_scores"][0]["title"], "Noise");
    assert_eq!(by_run[&104]["low_scores"].as_array().unwrap().len(), 1);
    assert_eq!(by_run[&104]["branches"].as_array().unwrap().len(), 2);

    // Pages of 4 follow each other without gaps or repeats.
    let mut seen = Vec::new();
    let mut url = "/api/dq/runs?limit=4".to_string();
    loop {
        let page = site.get(&url).json();
        seen.extend(runs_of(&page));
        match page["next"].as_u64() {
            Some(n) => url = format!("/api/dq/runs?limit=4&cursor={n}"),
            None => break,
        }
    }
    assert_eq!(seen, (100..=110).rev().collect::<Vec<_>>());

    let range = site.get("/api/dq/runs?first=103&last=105").json();
    assert_eq!(runs_of(&range), [105, 104, 103]);
    let errors = site.get("/api/dq/runs?level=ERROR").json();
    assert_eq!(runs_of(&errors), [107, 104]);
    let failed = site.get("/api/dq/runs?level=failed").json();
    assert_eq!(runs_of(&failed), [101]);
    let none = site.get("/api/dq/runs?level=UNEVALUATED&limit=2").json();
    assert_eq!(runs_of(&none), [110, 109]);
    let rest = site
        .get(&format!(
            "/api/dq/runs?level=UNEVALUATED&limit=2&cursor={}",
            none["next"]
        ))
        .json();
    assert_eq!(runs_of(&rest), [100]);
}

#[test]
fn a_run_is_its_nested_tree_with_links_to_the_run_view() {
    let site = Site::start("tree", "");
    let r = site.get("/api/dq/runs/104");
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["run"], 104);
    assert_eq!(v["reference_run"], 103);
    assert_eq!(v["level"], "ERROR");
    assert_eq!(v["status"], "evaluated");
    let noise = &v["children"][0];
    assert_eq!(noise["key"], "noise");
    let leaf = &noise["children"][0];
    assert_eq!(leaf["key"], "noise.leaf");
    assert_eq!(leaf["sensor"], 5);
    assert_eq!(leaf["check"], "mean_width_diff_ref");
    assert_eq!(leaf["details"]["bad_channels"][0]["bin"], 12);
    assert_eq!(
        leaf["plot_url"],
        "/run_view/104/noise/5#/vetra_noisemon_decodedadc_tell1__0_03d__rmsnoise_vs_strip"
    );
    assert!(leaf.get("children").is_none());
    let clusters_leaf = &v["children"][1]["children"][0];
    assert_eq!(
        clusters_leaf["plot_url"],
        "/run_view/104/clusters/0#/velo_veloclustermonitor_cluster_size"
    );
    assert_eq!(v["evaluations"].as_array().unwrap().len(), 1);
    assert_eq!(v["signoffs"], json!([]));

    let un = site.get("/api/dq/runs/110").json();
    assert_eq!(un["status"], "unevaluated");
    assert!(un.get("children").is_none());
    let missing = site.get("/api/dq/runs/999");
    assert_eq!(missing.status, 404);
    assert!(missing.message().contains("999"));
    assert_eq!(site.get("/api/dq/runs/abc").status, 404);
}

#[test]
fn a_runs_problems_are_its_failing_leaves_worst_first_with_their_plots() {
    let site = Site::start("problems", "");
    let v = site.get("/api/dq/runs/104/problems").json();
    assert_eq!(
        (v["run"].as_u64(), v["status"].as_str()),
        (Some(104), Some("evaluated"))
    );
    assert_eq!(v["level"], "ERROR");
    let keys: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    // Sensor 64's leaf (ERROR, score 30) before the noise leaf (ERROR, 40); not the per-sensor
    // leaves' branch, not the OK sensor 5, not the OK clusters.
    assert_eq!(keys, ["noise.noise_level.TELL1_064", "noise.leaf"]);
    let worst = &v["problems"][0];
    assert_eq!(worst["title"], "Mean noise, sensor 64");
    assert_eq!(worst["sensor"], 64);
    assert_eq!(
        worst["path"],
        "Vetra/NoiseMon/DecodedADC/TELL1_064/RMSNoise_vs_ChipChannel"
    );
    assert_eq!(
        v["problems"][1]["plot_url"],
        "/run_view/104/noise/5#/vetra_noisemon_decodedadc_tell1__0_03d__rmsnoise_vs_strip"
    );
    // Since when: sensor 64 went wrong in this run; the noise leaf has failed since run 103
    // (WARNING there, OK in 102).
    assert_eq!(
        worst["streak"],
        json!({"since_run": 104, "runs": 1, "open": false, "since_ms": null})
    );
    assert_eq!(
        (
            &v["problems"][1]["streak"]["since_run"],
            &v["problems"][1]["streak"]["runs"]
        ),
        (&json!(103), &json!(2))
    );
    // The run's whole answer carries the same list.
    let whole = site.get("/api/dq/runs/104").json();
    assert_eq!(whole["problems"], v["problems"]);
    // A clean run has none; an unevaluated one says so; unknown runs are 404s.
    let ok = site.get("/api/dq/runs/105/problems").json();
    assert_eq!(
        (
            ok["level"].as_str(),
            ok["problems"].as_array().map(Vec::len)
        ),
        (Some("OK"), Some(0))
    );
    let un = site.get("/api/dq/runs/110/problems").json();
    assert_eq!(un["status"], "unevaluated");
    assert_eq!(un["problems"], json!([]));
    let missing = site.get("/api/dq/runs/999/problems");
    assert_eq!(missing.status, 404);
    assert!(missing.message().contains("999"));
    assert_eq!(site.get("/api/dq/runs/abc/problems").status, 404);
}

/// The overview's rows name where to look: the first three failing leaves, worst first, and how
/// many more; titles as text in the page.
#[test]
fn the_overview_says_where_to_look_in_each_run() {
    let site = Site::start("look", "");
    let sensors = [
        (1, 2.0, "ERROR"),
        (2, 2.0, "ERROR"),
        (3, 2.0, "WARNING"),
        (4, 2.0, "ERROR"),
        (5, 2.0, "OK"),
    ];
    // Sensor 1 failed in the run before too, sensor 2 did not.
    let before = [(1, 2.0, "WARNING"), (2, 2.0, "OK")];
    for (run, sensors) in [(107, &before[..]), (108, &sensors[..])] {
        site.store
            .record(&with_sensor_leaf(
                evaluation(run, 200_000, &[noise(40.0, "ERROR"), clusters(90.0, "OK")]),
                "noise",
                "noise_level",
                "Mean <noise>",
                "Vetra/NoiseMon/DecodedADC/TELL1_{}/RMSNoise_vs_ChipChannel",
                sensors,
            ))
            .unwrap();
    }
    let v = site.get("/api/dq/runs?first=108&last=108").json();
    let row = &v["runs"][0];
    assert_eq!(
        (row["failing_leaves"].as_u64(), row["more_failing"].as_u64()),
        (Some(5), Some(2)),
        "{row}"
    );
    let named: Vec<&str> = row["where_to_look"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        named,
        [
            "noise.noise_level.TELL1_001",
            "noise.noise_level.TELL1_002",
            "noise.noise_level.TELL1_004"
        ]
    );
    assert_eq!(row["where_to_look"][0]["sensor"], 1);
    // Since when each has failed: sensor 1 since run 107, sensor 2 new in this run.
    let since: Vec<(u64, u64)> = row["where_to_look"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let s = &l["streak"];
            (
                s["since_run"].as_u64().unwrap(),
                s["runs"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(since, [(107, 2), (108, 1), (108, 1)], "{row}");
    let page = site.get("/velo_view/overview?first=108&last=108");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(
            "Where to look: <span class=\"where-leaf\">Mean &lt;noise&gt;, sensor 1</span> \
             (<span class=\"where-since\" title=\"failing for 2 runs\">since run \
             <a href=\"/run_view/107/dqs\">107</a></span>); \
             <span class=\"where-leaf\">Mean &lt;noise&gt;, sensor 2</span> \
             (<span class=\"where-new\">new</span>); "
        ) && page.body.contains("; and 2 more"),
        "{}",
        page.body
    );
    // A clean run names nothing.
    let clean = site.get("/api/dq/runs?first=105&last=105").json();
    assert_eq!(clean["runs"][0]["where_to_look"], json!([]));
}

#[test]
fn trends_variables_and_bad_queries() {
    let site = Site::start("trend", "");
    let vars = site.get("/api/dq/variables").json();
    assert!(vars["variables"]
        .as_array()
        .unwrap()
        .contains(&json!("noise.score")));
    let t = site
        .get("/api/dq/trend?var=noise.score&first=103&last=105")
        .json();
    assert_eq!(t["var"], "noise.score");
    let points: Vec<u64> = t["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["run"].as_u64().unwrap())
        .collect();
    assert_eq!(points, [103, 104, 105]);
    let csv = site.get("/api/dq/trend?var=noise.score&first=102&last=103&format=csv");
    assert_eq!(csv.status, 200);
    assert!(csv.content_type.starts_with("text/csv"));
    assert_eq!(
        csv.body,
        "run,value,time,level,reference_run,magnet_polarity\n\
         102,95,1700000000000,OK,101,up\n103,40,,WARNING,102,\n"
    );

    for (url, word) in [
        ("/api/dq/trend", "var"),
        ("/api/dq/trend?var=x&format=xml", "format"),
        ("/api/dq/runs?first=abc", "first"),
        ("/api/dq/runs?level=BAD", "level"),
        ("/api/dq/runs?limit=0", "limit"),
        ("/api/dq/runs?limit=5000", "limit"),
        ("/api/runs?q=1a", "q"),
    ] {
        let r = site.get(url);
        assert_eq!(r.status, 400, "{url}");
        assert!(r.message().contains(word), "{url}: {}", r.message());
    }
    assert_eq!(site.get("/api/dq/nothing").status, 404);
    assert_eq!(site.get("/api/dq/nothing").message(), "Resource not found");
}

#[test]
fn a_trend_gives_each_run_its_level_reference_and_polarity_over_a_bounded_range() {
    let site = Site::start("series", "");
    let t = site.get("/api/dq/trend?var=noise.score&newest=3").json();
    assert_eq!(t["node"], "noise");
    let points = t["points"].as_array().unwrap();
    let got: Vec<(u64, &str, u64)> = points
        .iter()
        .map(|p| {
            (
                p["run"].as_u64().unwrap(),
                p["level"].as_str().unwrap(),
                p["reference_run"].as_u64().unwrap(),
            )
        })
        .collect();
    // The newest 3, oldest first, each with the level of node `noise` in that run.
    assert_eq!(
        got,
        [(106, "WARNING", 105), (107, "ERROR", 106), (108, "OK", 107)]
    );
    // A per-sensor quantity belongs to its sensor's leaf: sensor 64 was ERROR in run 104 only.
    let t = site
        .get("/api/dq/trend?var=noise.noise_level.TELL1_064.mean_content&first=103&last=105")
        .json();
    let levels: Vec<&str> = t["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["OK", "ERROR", "OK"]);
    let p102 = &site.get("/api/dq/trend?var=score&last=102").json()["points"][0];
    assert_eq!(
        (p102["run"].as_u64(), p102["magnet_polarity"].as_str()),
        (Some(102), Some("up"))
    );

    for (url, word) in [
        ("/api/dq/trend?var=score&newest=0", "newest"),
        ("/api/dq/trend?var=score&newest=5001", "5000"),
        ("/api/dq/trend?var=score&newest=x", "newest"),
        ("/api/dq/trend?var=score&first=105&last=104", "first"),
    ] {
        let r = site.get(url);
        assert_eq!(r.status, 400, "{url}");
        assert!(r.content_type.starts_with("application/json"), "{url}");
        assert!(r.message().contains(word), "{url}: {}", r.message());
    }
}

#[test]
fn the_heat_map_is_one_run_by_sensor_matrix_with_the_run_view_of_each_sensor() {
    let site = Site::start("heatmap", "");
    let r = site.get("/api/dq/heatmap?var=noise.noise_level.mean_content&first=103&last=105");
    assert_eq!(r.status, 200, "{}", r.body);
    let m = r.json();
    assert_eq!(m["runs"], json!([103, 104, 105]));
    assert_eq!(m["sensors"], json!([5, 64]));
    assert_eq!(m["values"], json!([[1.03, 2.0], [1.04, 2.0], [1.05, 2.0]]));
    // A cell leads where the DQ page's leaf link does: the page and tab of the histogram judged.
    assert_eq!(m["plots"]["64"]["page"], "noise");
    assert_eq!(
        m["plots"]["64"]["tab"],
        "vetra_noisemon_decodedadc_tell1__0_03d__rmsnoise_vs_chipchannel"
    );
    let newest = site
        .get("/api/dq/heatmap?var=noise.noise_level.mean_content&newest=2")
        .json();
    assert_eq!(newest["runs"], json!([107, 108]));

    let unknown = site.get("/api/dq/heatmap?var=noise.nothing.mean_content");
    assert_eq!(unknown.status, 404);
    assert!(unknown.message().contains("noise.nothing.mean_content"));
    for (url, word) in [
        ("/api/dq/heatmap", "var"),
        ("/api/dq/heatmap?var=score", "<leaf>.<quantity>"),
        ("/api/dq/heatmap?var=a.b&newest=-1", "newest"),
        ("/api/dq/heatmap?var=a.b&newest=100000", "5000"),
    ] {
        let r = site.get(url);
        assert_eq!(r.status, 400, "{url}");
        assert!(r.message().contains(word), "{url}: {}", r.message());
    }
}

#[test]
fn a_sensor_strip_gives_its_checks_levels_per_run_and_quantities() {
    let site = Site::start("strip", "");
    let r = site.get("/api/dq/sensors/64?first=103&last=105");
    assert_eq!(r.status, 200, "{}", r.body);
    let s = r.json();
    assert_eq!(
        (s["sensor"].as_u64(), s["tell1"].as_u64()),
        (Some(64), Some(64))
    );
    assert_eq!(s["kind"], "Φ");
    assert_eq!(s["partner"], 0);
    assert_eq!(
        s["checks"],
        json!([{"key": "noise.noise_level", "title": "Mean noise"}])
    );
    let levels: Vec<(u64, &str)> = s["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["run"].as_u64().unwrap(),
                r["cells"]["noise.noise_level"]["level"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(levels, [(103, "OK"), (104, "ERROR"), (105, "OK")]);
    assert_eq!(
        s["variables"],
        json!(["noise.noise_level.TELL1_064.mean_content"])
    );
    // Sensor 5 also has a (non per-sensor) leaf with sensor 5: only its per-sensor leaf counts.
    let five = site.get("/api/dq/sensors/5").json();
    assert_eq!(five["checks"].as_array().unwrap().len(), 1);
    // Every run with an evaluation, the failed one (101) too, without cells.
    assert_eq!(five["runs"].as_array().unwrap().len(), 8);
    assert_eq!(five["runs"][0], json!({"run": 101, "cells": {}}));

    for url in [
        "/api/dq/sensors/50",
        "/api/dq/sensors/abc",
        "/api/dq/sensors/132",
    ] {
        let r = site.get(url);
        assert_eq!(r.status, 404, "{url}");
        assert!(
            r.message().contains("sensors are R 0-41"),
            "{url}: {}",
            r.message()
        );
    }
    let bad = site.get("/api/dq/sensors/5?newest=0");
    assert_eq!(bad.status, 400);
    assert!(bad.message().contains("newest"));
}

#[test]
fn run_search_suggests_listed_runs_by_prefix() {
    let site = Site::start("search", "");
    assert_eq!(
        site.get("/api/runs?q=10&limit=3").json()["runs"],
        json!([109, 108, 107])
    );
    assert_eq!(site.get("/api/runs?q=105").json()["runs"], json!([105]));
    assert_eq!(site.get("/api/runs?q=11").json()["runs"], json!([110]));
    assert_eq!(site.get("/api/runs?q=2").json()["runs"], json!([]));
}

#[test]
fn proxy_user_from_an_allowed_address_signs_off_and_history_is_kept() {
    let site = Site::start("proxy", "127.0.0.1");
    let before = site.get("/api/dq/changes").json();
    let user = [("X-Remote-User", "alice")];
    let r = site.sign(
        104,
        &user,
        json!({"status": "BAD", "comment": "<b>noisy</b> sensor 5"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["signoff"]["author"], "alice");
    assert_eq!(r.json()["signoff"]["via"], "proxy");
    let r = site.sign(104, &user, json!({"status": "OK", "comment": "masked"}));
    assert_eq!(r.status, 201);
    let v = site.get("/api/dq/runs/104").json();
    assert_eq!(v["signoff"]["status"], "OK");
    let history: Vec<&str> = v["signoffs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["comment"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["masked", "<b>noisy</b> sensor 5"]);
    let listed = site.get("/api/dq/runs?first=104&last=104").json();
    assert_eq!(listed["runs"][0]["signoff"]["comment"], "masked");
    assert_ne!(site.get("/api/dq/changes").json(), before);
    // A listed run never evaluated can be signed off; an unknown one cannot.
    assert_eq!(
        site.sign(110, &user, json!({"status": "unchecked"})).status,
        201
    );
    assert_eq!(site.sign(999, &user, json!({"status": "OK"})).status, 404);
    // Same-origin browser requests pass the cross-site check.
    let host = site.base.trim_start_matches("http://").to_owned();
    let origin = site.base.clone();
    let same = [
        ("X-Remote-User", "alice"),
        ("Origin", origin.as_str()),
        ("Sec-Fetch-Site", "same-origin"),
        ("Host", host.as_str()),
    ];
    assert_eq!(site.sign(103, &same, json!({"status": "OK"})).status, 201);
    assert_eq!(site.store.signoffs(104).unwrap().len(), 2);
}

#[test]
fn the_proxy_header_from_elsewhere_is_ignored() {
    let site = Site::start("noproxy", "10.1.2.3");
    let r = site.sign(
        104,
        &[("X-Remote-User", "mallory")],
        json!({"status": "OK"}),
    );
    assert_eq!(r.status, 401);
    assert!(
        r.message().contains("authenticated user"),
        "{}",
        r.message()
    );
    let r = site.sign(104, &[], json!({"status": "OK"}));
    assert_eq!(r.status, 401);
    assert!(site.store.signoffs(104).unwrap().is_empty());
}

#[test]
fn api_tokens_authenticate_scripts() {
    let site = Site::start("token", "");
    let bearer = format!("Bearer {TOKEN}");
    let r = site.sign(
        105,
        &[("Authorization", bearer.as_str())],
        json!({"status": "BAD", "comment": "from cron"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["signoff"]["author"], "cron-script");
    assert_eq!(r.json()["signoff"]["via"], "token");
    for auth in ["Bearer wrong", "Basic YWxpY2U6eA==", "Bearer "] {
        let r = site.sign(105, &[("Authorization", auth)], json!({"status": "OK"}));
        assert_eq!(r.status, 401, "{auth}");
    }
    // Revoked: the line removed from the tokens file counts at once.
    std::fs::write(site.dir.join("tokens.txt"), "").unwrap();
    let r = site.sign(
        105,
        &[("Authorization", bearer.as_str())],
        json!({"status": "OK"}),
    );
    assert_eq!(r.status, 401);
    assert_eq!(site.store.signoffs(105).unwrap().len(), 1);
}

#[test]
fn cross_site_and_malformed_writes_are_refused() {
    let site = Site::start("csrf", "127.0.0.1");
    let user = ("X-Remote-User", "alice");
    let path = "/api/dq/runs/104/signoff";
    let body = r#"{"status": "OK"}"#;
    // A form post (what another site's page can send without asking).
    let r = site.post(
        path,
        "application/x-www-form-urlencoded",
        &[user],
        "status=OK",
    );
    assert_eq!(r.status, 415);
    assert!(r.message().contains("JSON"));
    let r = site.post(path, "text/plain", &[user], body);
    assert_eq!(r.status, 415);
    for headers in [
        vec![user, ("Sec-Fetch-Site", "cross-site")],
        vec![user, ("Sec-Fetch-Site", "same-site")],
        vec![user, ("Origin", "http://evil.example")],
        vec![user, ("Origin", "null")],
    ] {
        let r = site.post(path, "application/json", &headers, body);
        assert_eq!(r.status, 403, "{headers:?}");
        assert!(r.message().contains("Cross-site"));
    }
    for bad in [
        "not json",
        r#"{"status": "GOOD"}"#,
        r#"{"comment": "no status"}"#,
        r#"{"status": "OK", "extra": 1}"#,
        r#"["OK"]"#,
    ] {
        let r = site.post(path, "application/json", &[user], bad);
        assert_eq!(r.status, 400, "{bad}");
        assert!(r.message().contains("status"), "{bad}: {}", r.message());
    }
    let long = json!({"status": "OK", "comment": "x".repeat(2001)});
    assert_eq!(site.sign(104, &[user], long).status, 400);
    assert_eq!(site.get(path).status, 405);
    assert!(site.store.signoffs(104).unwrap().is_empty());
}
