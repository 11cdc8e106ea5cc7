//! The `veloview` command: list and dump ROOT files, print run view plots, write the demo
//! dataset.

// Subcommands live in src/cli/, one module each, so this file stays a dispatcher.
#[path = "../cli/alarms.rs"]
mod alarms;
#[path = "../cli/dq.rs"]
mod dq;
#[path = "../cli/plot.rs"]
mod plot;

use std::io::Write;
use std::process::ExitCode;
use veloview::{dump, hist, RootFile};

const USAGE: &str = "usage:
  veloview ls FILE              list every key: PATH<TAB>CLASS
  veloview dump FILE [PATH...]  print histograms as JSON
  veloview demo-data OUT_DIR [--runs N] [--first-run R] [--seed S]
                    [--problem KIND:RUN[:SENSOR[:FIRST-LAST]][=MAGNITUDE]]... [--no-problems]
                    [--events N]
                                write the demo VELO DQM dataset (RunList.txt, run directories,
                                demo-problems.json); KIND: noisy_sensor, dead_strips,
                                shifted_pedestal, low_clusters, high_occupancy; FIRST-LAST
                                narrows a sensor's problem to those chip channels (a link: 32,
                                a chip: 128); --events N: every run N events (default
                                10,000-15,000), for short runs
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ls") if args.len() == 2 => ls(&args[1]),
        Some("dump") if args.len() >= 2 => dump(&args[1], &args[2..]),
        Some("plot") => plot::run(&args[1..]),
        Some("dq") => dq::run(&args[1..]),
        Some("alarms") => alarms::run(&args[1..]),
        Some("demo-data") => veloview::demo::run_command(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}{}\n{}\n{}", plot::USAGE, dq::USAGE, alarms::USAGE);
            Ok(())
        }
        _ => Err(format!(
            "{USAGE}{}\n{}\n{}",
            plot::USAGE,
            dq::USAGE,
            alarms::USAGE
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("veloview: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn ls(file: &str) -> Result<(), String> {
    let f = RootFile::open(file).map_err(|e| e.to_string())?;
    let entries = f.walk().map_err(|e| e.to_string())?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for e in entries {
        // A name holding a tab or newline would break the line format; ROOT allows neither in
        // practice, but the file is untrusted.
        let path = e.path.replace(['\t', '\n'], " ");
        writeln!(out, "{path}\t{}", e.key.class).map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())
}

fn dump(file: &str, paths: &[String]) -> Result<(), String> {
    let f = RootFile::open(file).map_err(|e| e.to_string())?;
    let mut hists = Vec::new();
    if paths.is_empty() {
        for e in f.walk().map_err(|e| e.to_string())? {
            if e.key.is_directory() {
                continue;
            }
            if !hist::is_supported(&e.key.class) {
                eprintln!(
                    "veloview: skipping {} ({}): unsupported class",
                    e.path, e.key.class
                );
                continue;
            }
            // Several cycles of one name: ROOT reads the highest, and so do we.
            let newest = f.get(&e.path).map_err(|e| e.to_string())?;
            if newest.cycle != e.key.cycle {
                continue;
            }
            let h = f.histogram_of(&e.key).map_err(|e| e.to_string())?;
            hists.push(dump::histogram(&e.path, &h));
        }
    } else {
        for p in paths {
            let h = f.histogram(p).map_err(|e| e.to_string())?;
            hists.push(dump::histogram(p.trim_start_matches('/'), &h));
        }
    }
    let doc = serde_json::json!({ "file": file, "histograms": hists });
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    serde_json::to_writer(&mut out, &doc).map_err(|e| e.to_string())?;
    writeln!(out).map_err(|e| e.to_string())
}
