//! A throw-away PostgreSQL cluster: `initdb` into a temporary directory, `postgres` on a port of
//! its own (trust authentication, loopback only, no durability), stopped and removed on drop.
//!
//! The server runs under a small shell that holds a pipe from this process: when the pipe closes
//! — on drop, or when the test process exits without dropping (a `static` server) — the shell
//! stops the server and removes its directory, so no cluster outlives its tests.
//!
//! `initdb` and `postgres` refuse to run as root: as root (CI), they run as the `postgres` user
//! that Debian's package creates.

use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// The cluster's superuser.
pub const USER: &str = "velo";

pub struct PostgresServer {
    pub port: u16,
    dir: PathBuf,
    bin: PathBuf,
    child: Option<Child>,
    lifeline: Option<ChildStdin>,
}

impl PostgresServer {
    /// Start a new cluster; panics with what to install if PostgreSQL's server binaries are
    /// missing.
    pub fn start() -> PostgresServer {
        let bin = bindir().unwrap_or_else(|| {
            panic!(
                "PostgreSQL server binaries (initdb, postgres) not found in PATH, \
                 /usr/lib/postgresql/*/bin or `pg_config --bindir`: apt install postgresql \
                 (./dev.sh test does), or set VELO_PG_BINDIR"
            )
        });
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "velo-pg-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("cluster directory");
        let as_user = running_as_root();
        if as_user {
            let ok = Command::new("chown")
                .args(["postgres:postgres", &dir.display().to_string()])
                .status()
                .is_ok_and(|s| s.success());
            assert!(
                ok,
                "chown postgres {}: running as root needs the `postgres` user \
                 (apt install postgresql creates it)",
                dir.display()
            );
        }
        let data = dir.join("data");
        let out = server_command(as_user, &bin.join("initdb"))
            .args(["-D", &data.display().to_string()])
            .args(["-U", USER, "--auth=trust", "--no-sync", "-E", "UTF8"])
            .args(["--locale=C"])
            .output()
            .expect("initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = crate::free_port();
        // `read` returns when our end of the pipe closes; then a fast shutdown, and the
        // directory goes.
        let script = r#"postgres="$1"; dir="$2"; shift 2
"$postgres" "$@" >"$dir/server.log" 2>&1 &
pid=$!
read -r _
kill -INT "$pid" 2>/dev/null
wait "$pid"
rm -rf "$dir""#;
        let mut child = server_command(as_user, Path::new("sh"))
            .args(["-c", script, "sh"])
            .arg(bin.join("postgres"))
            .arg(&dir)
            .args(["-D", &data.display().to_string()])
            .args(["-p", &port.to_string(), "-k", &dir.display().to_string()])
            .args(["-c", "listen_addresses=127.0.0.1"])
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
            .args(["-c", "full_page_writes=off", "-c", "max_connections=200"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sh");
        let lifeline = child.stdin.take();
        let s = PostgresServer {
            port,
            dir,
            bin,
            child: Some(child),
            lifeline,
        };
        crate::wait_until(
            "postgres to accept connections",
            Duration::from_secs(60),
            || s.ready().then_some(()),
        );
        s
    }

    fn ready(&self) -> bool {
        Command::new(self.bin.join("pg_isready"))
            .args(["-q", "-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", USER, "-d", "postgres"])
            .status()
            .is_ok_and(|s| s.success())
    }

    /// The URL of `database` on this server.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{database}", self.port)
    }

    /// Create an empty database (each test its own).
    pub fn create_database(&self, name: &str) -> String {
        self.psql("postgres", &format!("CREATE DATABASE \"{name}\""));
        self.url(name)
    }

    /// Run SQL through `psql`, panicking with its message on failure; its output (unaligned,
    /// tuples only).
    pub fn psql(&self, database: &str, sql: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args([
                "-U",
                USER,
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-At",
                "-c",
                sql,
            ])
            .output()
            .expect("psql");
        assert!(
            out.status.success(),
            "psql {sql:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The server's log so far, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        // Closing the pipe is the shell's signal to stop the server and remove the directory.
        drop(self.lifeline.take());
        if let Some(mut c) = self.child.take() {
            let _ = c.wait();
        }
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// `program` run directly, or as the `postgres` user when we are root.
fn server_command(as_postgres: bool, program: &Path) -> Command {
    if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// Where the server binaries (and `pg_isready`, `psql`) are: `VELO_PG_BINDIR`, `PATH`, Debian's
/// versioned directories (newest first), then `pg_config --bindir`.
fn bindir() -> Option<PathBuf> {
    let has = |d: &Path| {
        ["initdb", "postgres", "pg_isready", "psql"]
            .iter()
            .all(|b| d.join(b).is_file())
    };
    if let Some(d) = std::env::var_os("VELO_PG_BINDIR").map(PathBuf::from) {
        return has(&d).then_some(d);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    if let Some(d) = std::env::split_paths(&path).find(|d| has(d)) {
        return Some(d);
    }
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse().ok()?;
            Some((v, e.path().join("bin")))
        })
        .filter(|(_, d)| has(d))
        .collect();
    debian.sort();
    debian.pop().map(|(_, d)| d).or_else(|| {
        let out = Command::new("pg_config").arg("--bindir").output().ok()?;
        let d = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
        has(&d).then_some(d)
    })
}
