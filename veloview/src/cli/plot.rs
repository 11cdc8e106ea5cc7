//! `veloview plot`: one run view plot as the pages receive it (the original
//! retrieve_run_view_plot.py). The result goes to stdout; an invalid run, sensor or plot name, a
//! missing plot or a class that cannot be drawn is a message on stderr and exit status 1.

use std::io::Write;
use std::path::PathBuf;
use veloview::runview::{format, plot, PlotRequest, RunData};

pub const USAGE: &str =
    "  veloview plot RUN PLOT [SENSOR] [--reference] [--data-dir DIR] [--run-list FILE]
                [--references FILE]
                                print plot PLOT ({0}, {0:03d} = SENSOR, default 0) of run RUN
                                as JSON; paths default to the services' configuration";

#[derive(Debug, Default)]
struct Args {
    positional: Vec<String>,
    reference: bool,
    data_dir: Option<PathBuf>,
    run_list: Option<PathBuf>,
    references: Option<PathBuf>,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut a = Args::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "--" {
            a.positional.extend(it.by_ref().cloned());
            break;
        }
        if arg == "--reference" {
            a.reference = true;
            continue;
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let slot = match flag {
            "--data-dir" => &mut a.data_dir,
            "--run-list" => &mut a.run_list,
            "--references" => &mut a.references,
            f if f.starts_with("--") => return Err(format!("unknown option {f}")),
            _ => {
                a.positional.push(arg.clone());
                continue;
            }
        };
        let value = inline
            .or_else(|| it.next().cloned())
            .ok_or_else(|| format!("{flag} needs a value"))?;
        *slot = Some(PathBuf::from(value));
    }
    if !(2..=3).contains(&a.positional.len()) {
        return Err("plot takes RUN PLOT [SENSOR]".into());
    }
    Ok(a)
}

/// A run or sensor number: digits only, as `u32`.
fn number(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The paths not given on the command line, from the configuration the services use.
fn run_data(a: Args) -> Result<RunData, String> {
    let (data_dir, run_list, references) = match (a.data_dir, a.run_list, a.references) {
        (Some(d), Some(l), Some(r)) => (d, l, r),
        (d, l, r) => {
            let s = velo_config::Settings::load().map_err(|e| e.to_string())?;
            (
                d.unwrap_or(s.run_data_dir),
                l.unwrap_or(s.run_list_file),
                r.unwrap_or(s.references_file),
            )
        }
    };
    Ok(RunData::new(data_dir, run_list, references))
}

pub fn run(args: &[String]) -> Result<(), String> {
    let a = parse(args).map_err(|e| format!("{e}\nusage:\n{USAGE}"))?;
    let run_text = &a.positional[0];
    let run =
        number(run_text).ok_or_else(|| veloview::runview::runs::not_a_number_message(run_text))?;
    let name = a.positional[1].clone();
    let sensor = match a.positional.get(2) {
        None => 0,
        Some(t) => number(t)
            .ok_or_else(|| veloview::runview::sensors::invalid_message(format!("{t:?}")))?,
    };
    let req = PlotRequest {
        name,
        run,
        sensor,
        reference: a.reference,
    };
    let data = run_data(a)?;
    // A bad line in the run list does not stop the plot, but whoever runs this should know.
    if let Ok((_, skipped)) = data.runs() {
        for s in skipped {
            eprintln!("veloview: warning: {}: {s}", data.run_list.display());
        }
    }
    let read = plot::read_plot(&data, &req)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", format::plot_result_json(&read.result())).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_anywhere_in_both_forms() {
        let a = parse(&args(&[
            "--reference",
            "5",
            "--data-dir=/d",
            "p",
            "--run-list",
            "/l",
            "7",
        ]))
        .unwrap();
        assert_eq!(a.positional, ["5", "p", "7"]);
        assert!(a.reference);
        assert_eq!(a.data_dir, Some(PathBuf::from("/d")));
        assert_eq!(a.run_list, Some(PathBuf::from("/l")));
        assert_eq!(a.references, None);
        let a = parse(&args(&["5", "--", "--odd name"])).unwrap();
        assert_eq!(a.positional, ["5", "--odd name"]);
    }

    #[test]
    fn bad_arguments() {
        assert!(parse(&args(&["5"])).is_err());
        assert!(parse(&args(&["5", "p", "1", "2"])).is_err());
        assert!(parse(&args(&["5", "p", "--data-dir"])).is_err());
        assert!(parse(&args(&["5", "p", "--colour"])).is_err());
        assert_eq!(number("123987"), Some(123987));
        for bad in ["", "+1", "-1", "1.0", "abc!", "99999999999", " 1"] {
            assert_eq!(number(bad), None, "{bad:?}");
        }
    }
}
