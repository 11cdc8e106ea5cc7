//! `veloview dq scan [--force]`: evaluate and store every run that needs it (new runs, changed
//! files, another configuration or reference run), for cron jobs and backfills. Uses the
//! services' settings (config/velo.toml, VELO_*), so it writes where the workers write.

use std::io::{IsTerminal, Write};
use veloview::dq::scan::Evaluator;

pub fn run(args: &[String]) -> Result<(), String> {
    let mut force = false;
    for a in args {
        match a.as_str() {
            "--force" => force = true,
            other => {
                return Err(format!(
                    "unexpected argument {other:?}\nusage:\n{}",
                    super::USAGE
                ))
            }
        }
    }
    let settings = velo_config::Settings::load().map_err(|e| e.to_string())?;
    let ev = Evaluator::from_settings(&settings)?;
    for line in ev.sync_run_info()? {
        eprintln!("veloview: run info: {line}");
    }
    let due = ev.plan(force)?;
    let bar = std::io::stderr().is_terminal();
    let (mut failed, mut levels) = (0, [0usize; 3]);
    for (i, d) in due.iter().enumerate() {
        if bar {
            let width = 30;
            let done = width * i / due.len().max(1);
            eprint!(
                "\r[{}{}] {i}/{} run {}   ",
                "#".repeat(done),
                " ".repeat(width - done),
                due.len(),
                d.run
            );
            let _ = std::io::stderr().flush();
        }
        let stored = ev.evaluate(d.run, force)?;
        match stored.level.as_deref() {
            Some("OK") => levels[0] += 1,
            Some("WARNING") => levels[1] += 1,
            Some("ERROR") => levels[2] += 1,
            _ if stored.status == "failed" => failed += 1,
            _ => {}
        }
        if stored.status == "failed" {
            let message = stored.message.unwrap_or_default();
            if bar {
                eprintln!();
            }
            eprintln!("veloview: run {}: {message}", d.run);
        }
    }
    if bar {
        eprint!("\r{}\r", " ".repeat(60));
    }
    eprintln!(
        "veloview: evaluated {} runs: {} OK, {} WARNING, {} ERROR, {failed} failed",
        due.len(),
        levels[0],
        levels[1],
        levels[2]
    );
    Ok(())
}
