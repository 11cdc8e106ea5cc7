//! velo-web's command line: what it says it takes, and arguments it does not take refused
//! rather than ignored (a server started on other settings than the user typed).

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Run velo-web with `args`; it must exit within 30 s (a server that starts instead fails).
fn velo_web(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_velo-web"))
        .args(args)
        // Were it to serve after all: a free port, and no backtrace in what it prints.
        .env("PORT", "0")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("velo-web");
    let end = Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > end {
            let _ = child.kill();
            panic!("velo-web {args:?} did not exit: it started serving");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

#[test]
fn help_names_every_command() {
    for flag in ["--help", "-h"] {
        let out = velo_web(&[flag]);
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        for command in [
            "velo-web token NAME",
            "velo-web import-dq FILE",
            "config/velo.toml",
        ] {
            assert!(text.contains(command), "{flag}: {text}");
        }
    }
}

#[test]
fn an_unknown_argument_is_refused_not_ignored() {
    let out = velo_web(&["--port", "8000"]);
    assert!(!out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("unknown argument --port"), "{text}");
    assert!(text.contains("usage:"), "{text}");
}
