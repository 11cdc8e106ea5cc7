//! `veloview dq evaluate RUN`: evaluate one run's data quality and print the tree as JSON,
//! without storing it. Paths not given default to the services' configuration, as for
//! `veloview plot`. A bad run, a bad configuration or an unreadable file: a message on stderr
//! and exit status 1.

use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;
use veloview::dq::{evaluate_run, DqConfig, NodeResult, RunEvaluation};
use veloview::runview::RunData;

#[derive(Debug, Default)]
struct Args {
    run: Option<String>,
    data_dir: Option<PathBuf>,
    run_list: Option<PathBuf>,
    config: Option<PathBuf>,
    references: Option<PathBuf>,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut a = Args::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let slot = match flag {
            "--data-dir" => &mut a.data_dir,
            "--run-list" => &mut a.run_list,
            "--config" => &mut a.config,
            "--references" => &mut a.references,
            f if f.starts_with("--") => return Err(format!("unknown option {f}")),
            _ if a.run.is_none() => {
                a.run = Some(arg.clone());
                continue;
            }
            _ => return Err(format!("unexpected argument {arg:?}")),
        };
        let value = inline
            .or_else(|| it.next().cloned())
            .ok_or_else(|| format!("{flag} needs a value"))?;
        *slot = Some(PathBuf::from(value));
    }
    if a.run.is_none() {
        return Err("dq evaluate takes RUN".into());
    }
    Ok(a)
}

pub fn run(args: &[String]) -> Result<(), String> {
    let usage = "usage: veloview dq evaluate RUN [--data-dir D] [--run-list F] [--config F] [--references F]";
    let a = parse(args).map_err(|e| format!("{e}\n{usage}"))?;
    let run_text = a.run.as_deref().unwrap_or_default();
    let run = Some(run_text)
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|t| t.parse::<u32>().ok())
        .ok_or_else(|| veloview::runview::runs::not_a_number_message(run_text))?;
    let settings = match (&a.data_dir, &a.run_list, &a.config, &a.references) {
        (Some(_), Some(_), Some(_), Some(_)) => None,
        _ => Some(velo_config::Settings::load().map_err(|e| e.to_string())?),
    };
    let pick = |given: Option<PathBuf>, default: fn(&velo_config::Settings) -> &PathBuf| {
        given.unwrap_or_else(|| settings.as_ref().map(default).cloned().unwrap_or_default())
    };
    let data = RunData::new(
        pick(a.data_dir, |s| &s.run_data_dir),
        pick(a.run_list, |s| &s.run_list_file),
        pick(a.references, |s| &s.references_file),
    );
    let config = DqConfig::load(&pick(a.config, |s| &s.dq_config_file))?;
    let eval = evaluate_run(&data, &config, run)?;
    let mut out = std::io::stdout().lock();
    let text = serde_json::to_string_pretty(&to_json(&eval)).map_err(|e| e.to_string())?;
    writeln!(out, "{text}").map_err(|e| e.to_string())
}

/// The printed form: the top node's fields at the top with the run and its reference run.
fn to_json(e: &RunEvaluation) -> Value {
    let mut top = node(&e.root);
    let obj = top.as_object_mut().expect("a node is an object");
    obj.insert("run".into(), json!(e.run));
    obj.insert("reference_run".into(), json!(e.reference_run));
    obj.insert("trends".into(), json!(e.trends));
    top
}

fn node(n: &NodeResult) -> Value {
    let mut v = serde_json::to_value(n).unwrap_or(Value::Null);
    if let Some(obj) = v.as_object_mut() {
        // Every node lists its children, leaves an empty list, so readers need no special case.
        obj.insert(
            "children".into(),
            Value::Array(n.children.iter().map(node).collect()),
        );
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_in_both_forms() {
        let a = parse(&args(&["5", "--config=/c", "--data-dir", "/d"])).unwrap();
        assert_eq!(a.run.as_deref(), Some("5"));
        assert_eq!(a.config, Some(PathBuf::from("/c")));
        assert_eq!(a.data_dir, Some(PathBuf::from("/d")));
        assert!(parse(&args(&[])).is_err());
        assert!(parse(&args(&["5", "6"])).is_err());
        assert!(parse(&args(&["5", "--config"])).is_err());
        assert!(parse(&args(&["5", "--colour", "x"])).is_err());
    }
}
