//! A whole job system for one test: a private redis-server, the run data directory, velo-web
//! (in-process, on a free port) and real velo-worker processes.

#![allow(dead_code)]

pub mod sinks;

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;
use velo_config::Settings;
use velo_testkit::http::Client;
use velo_testkit::{RedisServer, RunDataDir, ServiceProcess};

pub const PLOT: &str = "runview.plots.get_run_plot";
/// A 100-bin TH1F of the corpus file, named with the sensor template.
pub const TH1_TEMPLATE: &str = "Velo/VeloOccupancyMonitor/OccPerChannelSens{0}";
pub const TH2: &str = "Vetra/VeloPedestalSubtractorMoni/TELL1_001/Ped_Sub_ADCs_2D";

pub struct System {
    pub redis: RedisServer,
    pub data: RunDataDir,
    pub http: Client,
    pub workers: Vec<ServiceProcess>,
    env: Vec<(String, String)>,
}

impl System {
    /// `extra` settings (VELO_* variables) apply to web and workers alike.
    pub fn start(tag: &str, workers: usize, extra: &[(&str, &str)]) -> System {
        System::start_with(RunDataDir::new(tag), workers, extra)
    }

    /// As [`System::start`], on a run data directory of the test's making.
    pub fn start_with(data: RunDataDir, workers: usize, extra: &[(&str, &str)]) -> System {
        let redis = RedisServer::start();
        let mut env = data.env();
        env.push(("REDIS_URL".into(), redis.url()));
        env.push(("VELO_DEBUG_TASKS".into(), "true".into()));
        env.push(("VELO_WORKER_HEARTBEAT_SECS".into(), "1".into()));
        env.push(("VELO_WORKER_MISSED_HEARTBEATS".into(), "2".into()));
        // Service logs stay with the test's data, not in the source tree.
        let log = data.root.join("log/velo_monitor.log");
        env.push(("VELO_LOG_FILE".into(), log.display().to_string()));
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let base = start_web(&env);
        let mut sys = System {
            redis,
            data,
            http: Client::new(base),
            workers: Vec::new(),
            env,
        };
        for _ in 0..workers {
            sys.add_worker();
        }
        sys
    }

    pub fn add_worker(&mut self) -> &ServiceProcess {
        let bin = Path::new(env!("CARGO_BIN_EXE_velo-worker"));
        self.workers.push(ServiceProcess::spawn(bin, &self.env));
        self.workers.last().unwrap()
    }

    /// Submit and wait for the end; panics if it does not end within a minute.
    pub fn run(&self, task: &str, args: serde_json::Value) -> serde_json::Value {
        let job = self.http.submit(task, args);
        self.wait_final(job["id"].as_str().unwrap(), Duration::from_secs(60))
    }

    pub fn wait_final(&self, id: &str, timeout: Duration) -> serde_json::Value {
        velo_testkit::wait_until(&format!("job {id} to end"), timeout, || {
            let job = self.http.wait(id, 5.0);
            matches!(job["status"].as_str(), Some("finished" | "failed")).then_some(job)
        })
    }

    pub fn wait_status(&self, id: &str, status: &str) -> serde_json::Value {
        velo_testkit::wait_until(
            &format!("job {id} {status}"),
            Duration::from_secs(30),
            || {
                let job = self.http.wait(id, 0.0);
                (job["status"] == status).then_some(job)
            },
        )
    }
}

fn start_web(env: &[(String, String)]) -> String {
    let vars: HashMap<String, String> = env
        .iter()
        .cloned()
        .chain([("PORT".to_string(), "0".to_string())])
        // The app also serves the pages, which read the run view configuration at start-up;
        // tests run in worker/, not the repository root.
        .chain([(
            "VELO_PAGES_FILE".to_string(),
            concat!(env!("CARGO_MANIFEST_DIR"), "/../config/pages.toml").to_string(),
        )])
        .chain([(
            "VELO_JSROOT_DIR".to_string(),
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../web/node_modules/jsroot/build"
            )
            .to_string(),
        )])
        // A test's own settings win.
        .chain(env.iter().cloned())
        .collect();
    let settings = Settings::load_from(|k| vars.get(k).cloned()).expect("settings");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        rt.block_on(async move {
            let app = velo_web::Application::build(settings)
                .await
                .expect("web app");
            tx.send(app.port()).unwrap();
            app.run_until_stopped().await.expect("web server");
        });
    });
    let port = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("web started");
    format!("http://127.0.0.1:{port}")
}
