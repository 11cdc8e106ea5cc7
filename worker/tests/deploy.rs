//! The deployment files: honcho's exports of the Procfile (systemd, upstart), the Vagrant
//! provisioning (what can be checked without a VM), and deploy/nginx.conf in front of a real
//! velo-web.

mod common;

use common::{System, TH2};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use velo_testkit::{free_port, wait_until, NginxFront, RUN};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("velo-{tag}-{}-{}", std::process::id(), free_port()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (./dev.sh test installs it)"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

/// `honcho export` as the README says; the generated files by name.
fn export(format: &str) -> BTreeMap<String, String> {
    export_with(format, ".env")
}

/// As [`export`], reading the environment files `env` (honcho's `-e a,b`: later files win).
fn export_with(format: &str, env: &str) -> BTreeMap<String, String> {
    let dir = temp_dir(&format!("export-{format}"));
    run(Command::new("honcho")
        .current_dir(repo())
        .args(["-e", env])
        .args([
            "export",
            "-a",
            "velo",
            "-u",
            "deploy",
            "-c",
            "web=1,worker=4,redis=1",
        ])
        .args(["-p", "8000", format])
        .arg(&dir));
    let files = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    files
}

fn env_of(unit: &str, prefix: &str) -> BTreeMap<String, String> {
    unit.lines()
        .filter_map(|l| l.strip_prefix(prefix)?.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The .env honcho bakes into every unit.
fn dot_env() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(repo().join(".env")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && l.contains('='))
        .map(|l| l.split_once('=').unwrap())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn check_units(files: &BTreeMap<String, String>, ext: &str, env_prefix: &str) {
    let count = |kind: &str| {
        files
            .keys()
            .filter(|n| n.starts_with(&format!("velo-{kind}-")) && n.ends_with(ext))
            .count()
    };
    assert_eq!(
        (count("web"), count("worker"), count("redis")),
        (1, 4, 1),
        "{:?}",
        files.keys()
    );
    let dotenv = dot_env();
    assert_eq!(
        dotenv["REDIS_URL"],
        format!("redis://127.0.0.1:{}", dotenv["REDIS_PORT"])
    );
    for (name, unit) in files
        .iter()
        .filter(|(n, _)| n.ends_with(ext) && n.contains('-'))
    {
        let Some(kind) = ["web", "worker", "redis"]
            .into_iter()
            .find(|k| name.starts_with(&format!("velo-{k}-")))
        else {
            continue;
        };
        let env = env_of(unit, env_prefix);
        for (k, v) in &dotenv {
            assert_eq!(env.get(k), Some(v), "{name}: {k}");
        }
        let command = match kind {
            "web" => "./target/release/velo-web",
            "worker" => "./target/release/velo-worker",
            _ => "redis-server --port $REDIS_PORT --bind 127.0.0.1",
        };
        assert!(
            unit.contains(command),
            "{name} does not run {command}:\n{unit}"
        );
        assert!(
            unit.contains(&repo().canonicalize().unwrap().display().to_string()),
            "{name}: working directory\n{unit}"
        );
        if kind == "web" {
            assert_eq!(env["PORT"], "8000", "{name}");
        }
    }
}

#[test]
fn honcho_exports_systemd_units() {
    let files = export("systemd");
    check_units(&files, ".service", "Environment=");
    for n in 1..=4 {
        let unit = &files[&format!("velo-worker-{n}.service")];
        assert!(
            unit.contains("User=deploy") && unit.contains("Restart=always"),
            "{unit}"
        );
    }
    assert!(files["velo.target"].contains("velo-web.target velo-worker.target velo-redis.target"));
}

/// docs/DEPLOYMENT.md: site settings in /etc/velo/velo.env, exported after the repository's .env.
#[test]
fn a_site_environment_file_overrides_the_repositorys() {
    let dir = temp_dir("site-env");
    let site = dir.join("velo.env");
    std::fs::write(
        &site,
        "REDIS_URL=redis://redis.example:6379\nVELO_RUN_DATA_DIR=/srv/velo/runs\n",
    )
    .unwrap();
    let files = export_with("systemd", &format!(".env,{}", site.display()));
    for n in 1..=4 {
        let env = env_of(&files[&format!("velo-worker-{n}.service")], "Environment=");
        assert_eq!(env["REDIS_URL"], "redis://redis.example:6379");
        assert_eq!(env["VELO_RUN_DATA_DIR"], "/srv/velo/runs");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn honcho_exports_upstart_jobs() {
    let files = export("upstart");
    check_units(&files, ".conf", "env ");
    assert!(files["velo-web-1.conf"].contains("su - deploy"));
    assert!(files.contains_key("velo.conf"));
}

#[test]
fn vagrant_files_pass_the_checks_ci_can_run() {
    let root = repo();
    assert!(
        run(Command::new("ruby").arg("-c").arg(root.join("Vagrantfile"))).contains("Syntax OK")
    );
    let scripts: Vec<PathBuf> = std::fs::read_dir(root.join("deploy"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sh"))
        .collect();
    assert!(!scripts.is_empty());
    for s in &scripts {
        run(Command::new("bash").arg("-n").arg(s));
        run(Command::new("shellcheck").arg(s));
    }
}

/// Every documented way to set the monitor up installs JSROOT (which velo-web serves to the
/// browsers) from the lockfile in web/, not from the repository root where there is none.
#[test]
fn every_documented_set_up_installs_jsroot_from_web() {
    let root = repo();
    assert!(root.join("web/package-lock.json").is_file());
    assert!(!root.join("package-lock.json").exists());
    for file in [
        "docs/DEPLOYMENT.md",
        "deploy/provision-vagrant.sh",
        "dev.sh",
    ] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        // Commands, not the messages that tell an operator to run one.
        let installs: Vec<&str> = text
            .lines()
            .filter(|l| {
                l.contains("npm ci") && !l.contains("run npm ci") && !l.contains("run `npm ci`")
            })
            .collect();
        assert!(!installs.is_empty(), "{file} never installs JSROOT");
        // web/.npmrc skips install scripts, npm ci's own prepare with them: the bundle velo-web
        // serves is built only when asked for by name.
        assert!(
            text.contains("npm run prepare") || text.contains("npm run --silent prepare"),
            "{file} never builds the JSROOT bundle (npm run prepare)"
        );
        for line in installs {
            assert!(
                line.contains("cd web &&"),
                "{file}: `{}` does not run where the lockfile is (web/)",
                line.trim()
            );
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// GET `url` with `Accept-Encoding: accept`: status, and each header's values by name.
fn fetch(url: &str, accept: &str) -> (u16, BTreeMap<String, Vec<String>>) {
    let resp = agent()
        .get(url)
        .header("Accept-Encoding", accept)
        .call()
        .unwrap();
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in resp.headers() {
        headers
            .entry(k.as_str().to_string())
            .or_default()
            .push(v.to_str().unwrap().to_string());
    }
    (resp.status().as_u16(), headers)
}

#[test]
fn nginx_proxies_jobs_and_gzips_json() {
    let sys = System::start("nginx", 1, &[]);
    let upstream = sys.http.base.trim_start_matches("http://").to_string();
    let nginx = NginxFront::start("deploy", &upstream);
    let (port, outside_port) = (nginx.port, nginx.outside_port);
    let front = velo_testkit::http::Client::new(nginx.base());

    // A job through nginx: submitted, long-polled to its end.
    let job = front.submit(common::PLOT, json!({"name": TH2, "run": RUN}));
    let id = job["id"].as_str().unwrap();
    let done = wait_until("the job through nginx", Duration::from_secs(60), || {
        let j = front.wait(id, 5.0);
        (j["status"] == "finished").then_some(j)
    });
    assert_eq!(done["id"], id);

    // Its JSON result (a 2D histogram, well over gzip_min_length) comes back gzipped: as the
    // worker compressed it, which nginx passes on as it is (once decompressed, it is the job).
    let r = front.raw(
        "GET",
        &format!("/jobs/{id}"),
        &[("Accept-Encoding", "gzip")],
        None,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(r.json()["job"], done);

    // Static files: the page's content-hashed URLs are cached for a year, plain names are
    // revalidated; one Cache-Control header each, as velo-web sent it; precompressed.
    let page = front.get("/run_view").body;
    let linked: Vec<&str> = page
        .split('"')
        .filter(|s| s.starts_with("/static/"))
        .collect();
    let script = linked
        .iter()
        .find(|u| u.ends_with("/velo_monitor.js"))
        .expect("the page links its script");
    let jsroot = linked
        .iter()
        .find(|u| u.starts_with("/static/jsroot/"))
        .expect("the page links JSROOT");
    for url in [script, jsroot] {
        let hash = url.split('/').nth(3).unwrap();
        assert!(
            hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
            "{url}"
        );
        // velo-web makes the brotli version in the background: wait for it.
        let headers = wait_until("brotli", Duration::from_secs(60), || {
            let (status, h) = fetch(&format!("http://127.0.0.1:{port}{url}"), "gzip, br");
            assert_eq!(status, 200, "{url}");
            (h.get("content-encoding") == Some(&vec!["br".to_string()])).then_some(h)
        });
        assert_eq!(
            headers["cache-control"],
            ["public, max-age=31536000, immutable"],
            "{url}"
        );
        assert!(!headers.contains_key("expires"), "{url}: {headers:?}");
        let (_, gz) = fetch(&format!("http://127.0.0.1:{port}{url}"), "gzip");
        assert_eq!(gz["content-encoding"], ["gzip"], "{url}");
    }
    let (status, plain) = fetch(
        &format!("http://127.0.0.1:{port}/static/velo/velo_monitor.js"),
        "identity",
    );
    assert_eq!(status, 200);
    assert_eq!(plain["cache-control"], ["no-cache"]);
    assert!(!plain.contains_key("content-encoding"), "{plain:?}");

    // Operator endpoints: only from the internal networks; shifters' use stays open.
    let outside_front = velo_testkit::http::Client::new(format!("http://127.0.0.1:{outside_port}"));
    assert_eq!(front.get("/metrics").status, 200);
    assert_eq!(front.get("/jobs").status, 200);
    assert_eq!(outside_front.get("/metrics").status, 403);
    assert_eq!(outside_front.get("/jobs").status, 403);
    assert_eq!(outside_front.get("/jobs/").status, 403);
    let job = outside_front.submit(common::PLOT, json!({"name": TH2, "run": RUN}));
    assert_eq!(
        outside_front.wait(job["id"].as_str().unwrap(), 0.0)["id"],
        job["id"]
    );
    assert_eq!(outside_front.get("/run_view").status, 200);
}

/// velo-worker takes no arguments: `--help` says so and what configures it; anything else is
/// refused rather than ignored.
#[test]
fn the_worker_explains_itself_and_refuses_arguments() {
    let worker = env!("CARGO_BIN_EXE_velo-worker");
    // A worker that took no notice of its arguments would fail on this URL, not run on.
    let nowhere = "not-a-redis-url";
    let help = run(Command::new(worker).arg("--help").env("REDIS_URL", nowhere));
    assert!(help.contains("usage: velo-worker"), "{help}");
    assert!(help.contains("config/velo.toml"), "{help}");
    let out = Command::new(worker)
        .arg("--concurrency=4")
        .env("REDIS_URL", nowhere)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    assert!(!out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("unknown argument --concurrency=4"), "{text}");
}
