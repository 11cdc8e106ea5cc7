//! `veloview dq compare CHECK DATA_FILE DATA_PATH [REF_FILE REF_PATH] [--args JSON]`: run one
//! check on one histogram (and the reference's) and print its outcome as one JSON object:
//! `score`, `level`, the measured details (`p` among them for the statistical tests) and the
//! bad channels of a channel check.

use serde_json::{Map, Value};
use veloview::dq::checks::Check;
use veloview::{Histogram, RootFile};

const USAGE: &str =
    "usage: veloview dq compare CHECK DATA_FILE DATA_PATH [REF_FILE REF_PATH] [--args JSON]";

/// The original's leaf defaults (maxError 50, maxWarning 80).
const DEFAULT_ERROR_BELOW: f64 = 50.0;
const DEFAULT_WARNING_BELOW: f64 = 80.0;

fn read(file: &str, path: &str) -> Result<Histogram, String> {
    let f = RootFile::open(file).map_err(|e| e.to_string())?;
    f.histogram(path).map_err(|e| e.to_string())
}

/// `--args` is JSON, except that an option string may be given bare (`--args chi2/ndf`), as
/// the original's configuration wrote it.
fn parse_args(s: &str) -> Result<Value, String> {
    match serde_json::from_str(s) {
        Ok(v) => Ok(v),
        Err(e) if s.trim_start().starts_with(['{', '[', '"']) => {
            Err(format!("--args is not JSON: {e}"))
        }
        Err(_) => Ok(Value::String(s.to_string())),
    }
}

pub fn run(argv: &[String]) -> Result<(), String> {
    let mut positional = Vec::new();
    let mut args_json: Option<&str> = None;
    let mut it = argv.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--args" => {
                let v = it.next().ok_or("--args needs a JSON value")?;
                args_json = Some(v);
            }
            s if s.starts_with("--args=") => args_json = Some(&s["--args=".len()..]),
            s if s.starts_with("--") => return Err(format!("unknown option {s}\n{USAGE}")),
            _ => positional.push(a.as_str()),
        }
    }
    let (check, data_file, data_path, reference) = match positional.as_slice() {
        [c, f, p] => (*c, *f, *p, None),
        [c, f, p, rf, rp] => (*c, *f, *p, Some((*rf, *rp))),
        _ => return Err(USAGE.into()),
    };
    let args: Value = match args_json {
        None => Value::Null,
        Some(s) => parse_args(s)?,
    };
    let check = Check::parse(check, &args)?;
    let data = read(data_file, data_path)?;
    let reference = match reference {
        Some((f, p)) => Some(read(f, p)?),
        None if check.uses_reference() => {
            return Err(format!(
                "{} compares with a reference: give REF_FILE REF_PATH\n{USAGE}",
                check.name()
            ))
        }
        None => None,
    };
    let outcome = check.evaluate(&data, reference.as_ref());
    let mut doc = Map::new();
    doc.insert("check".into(), check.name().into());
    doc.insert("args".into(), check.args());
    doc.insert("score".into(), outcome.score.value().into());
    // Score-only checks get the level a leaf with the default thresholds would give them.
    let level = outcome.level_with(DEFAULT_ERROR_BELOW, DEFAULT_WARNING_BELOW);
    doc.insert("level".into(), level.as_str().into());
    if outcome.level.is_none() {
        doc.insert(
            "level_from".into(),
            format!(
                "score: ERROR below {DEFAULT_ERROR_BELOW}, WARNING below {DEFAULT_WARNING_BELOW}"
            )
            .into(),
        );
    }
    for (k, v) in outcome.details {
        doc.entry(k).or_insert(v);
    }
    if !outcome.bad_channels.is_empty() {
        doc.insert(
            "bad_channels".into(),
            serde_json::to_value(&outcome.bad_channels).map_err(|e| e.to_string())?,
        );
    }
    let text = serde_json::to_string_pretty(&Value::Object(doc)).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(())
}
