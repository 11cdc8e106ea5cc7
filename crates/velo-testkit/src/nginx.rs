//! The shipped `deploy/nginx.conf` in a real nginx in front of a velo-web: for the deployment
//! test, and for the load benchmark's figures of the deployed path (where nginx's own work,
//! compressing answers, counts).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Where requests to a front's second port are judged to come from: a documentation address
/// (RFC 5737), outside every internal network. No packet goes there.
pub const OUTSIDE: &str = "203.0.113.9";

pub struct NginxFront {
    child: Child,
    dir: PathBuf,
    /// Where it listens (loopback).
    pub port: u16,
    /// A second port whose clients nginx judges as [`OUTSIDE`].
    pub outside_port: u16,
}

impl NginxFront {
    /// nginx with the shipped site in front of velo-web at `upstream` (`host:port`), its
    /// configuration checked (`nginx -t`) first; answering once this returns.
    pub fn start(tag: &str, upstream: &str) -> NginxFront {
        let dir = std::env::temp_dir().join(format!(
            "velo-nginx-{tag}-{}-{}",
            std::process::id(),
            crate::free_port()
        ));
        std::fs::create_dir_all(&dir).expect("nginx directory");
        let (port, outside_port) = (crate::free_port(), crate::free_port());
        let conf = config(&dir, port, outside_port, upstream);
        let check = Command::new(nginx())
            .args(["-t", "-p"])
            .arg(&dir)
            .arg("-c")
            .arg(&conf)
            .output()
            .unwrap_or_else(|e| panic!("nginx: {e} (./dev.sh test installs it)"));
        assert!(
            check.status.success(),
            "nginx -t:\n{}",
            String::from_utf8_lossy(&check.stderr)
        );
        let child = Command::new(nginx())
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx");
        let front = NginxFront {
            child,
            dir,
            port,
            outside_port,
        };
        let http = crate::http::Client::new(front.base());
        crate::wait_until("nginx to answer", Duration::from_secs(10), || {
            (http.get("/healthz").status == 200).then_some(())
        });
        front
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The one process that serves (no master: see [`config`]), for its CPU time.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for NginxFront {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn nginx() -> &'static str {
    if Path::new("/usr/sbin/nginx").exists() {
        "/usr/sbin/nginx"
    } else {
        "nginx"
    }
}

/// deploy/nginx.conf inside a minimal main configuration of its own, on two loopback ports, in
/// front of velo-web at `upstream`. Requests to `outside_port` are judged as if they came from
/// [`OUTSIDE`]: the tests send traffic to loopback only, and the site's own `geo` networks and
/// the rules built on them decide. One process, no master: the one whose CPU time is nginx's.
fn config(dir: &Path, port: u16, outside_port: u16, upstream: &str) -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let shipped = std::fs::read_to_string(repo.join("deploy/nginx.conf")).expect("the site");
    let geo = "geo $velo_internal {";
    assert!(shipped.contains(geo), "deploy/nginx.conf has no `{geo}`");
    let site = shipped
        .replace(
            geo,
            &format!(
                "map $server_port $velo_test_client {{ {outside_port} {OUTSIDE}; default $remote_addr; }}\n\
                 geo $velo_test_client $velo_internal {{"
            ),
        )
        .replace(
            "listen 80;",
            &format!("listen 127.0.0.1:{port}; listen 127.0.0.1:{outside_port};"),
        )
        .replace("listen [::]:80;", "")
        .replace("server 127.0.0.1:8000;", &format!("server {upstream};"));
    assert!(site.contains(&format!("listen 127.0.0.1:{port};")) && site.contains(upstream));
    std::fs::write(dir.join("velo.conf"), site).expect("the site");
    let d = dir.display();
    let main = format!(
        "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\n\
         error_log {d}/error.log;\nevents {{ worker_connections 256; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
         include {d}/velo.conf;\n}}\n"
    );
    let conf = dir.join("nginx.conf");
    std::fs::write(&conf, main).expect("nginx.conf");
    conf
}
