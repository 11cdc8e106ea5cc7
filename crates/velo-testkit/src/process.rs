//! A service process (velo-web, velo-worker) with a given environment; killed (SIGKILL) on drop.

use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

pub struct ServiceProcess {
    child: Child,
}

impl ServiceProcess {
    pub fn spawn(binary: &Path, env: &[(String, String)]) -> ServiceProcess {
        let mut cmd = Command::new(binary);
        // A backtrace asked for by the caller's shell turns each deliberate panic of a test job
        // into seconds of symbol resolution in a debug build: past a short job timeout, the
        // crash is then reported as a timeout.
        cmd.env_remove("RUST_LOG")
            .env_remove("RUST_BACKTRACE")
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        if std::env::var_os("VELO_TEST_LOGS").is_none() {
            cmd.stdout(Stdio::null()).stderr(Stdio::null());
        }
        ServiceProcess {
            child: cmd.spawn().expect("service binary"),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Send a signal by number (9 = SIGKILL, 15 = SIGTERM).
    pub fn signal(&self, sig: i32) {
        let ok = Command::new("kill")
            .args([format!("-{sig}"), self.pid().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill -{sig} {}", self.pid());
    }

    /// The exit status, waiting at most `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let end = std::time::Instant::now() + timeout;
        loop {
            if let Ok(Some(s)) = self.child.try_wait() {
                return Some(s);
            }
            if std::time::Instant::now() > end {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
