//! Reading a check's arguments: the original's scalar forms and the newer checks' JSON objects,
//! with messages that say what is accepted.

use serde::de::DeserializeOwned;
use serde_json::Value;

/// A finite number (floor, ceiling, mean_width_diff_ref).
pub fn number(check: &str, args: &Value, what: &str) -> Result<f64, String> {
    match args.as_f64() {
        Some(v) if v.is_finite() => Ok(v),
        _ => Err(format!(
            "{check} takes a finite number ({what}) as its argument, not {args}"
        )),
    }
}

/// An option string (kolmogorov, chi2); null means no options.
pub fn options(check: &str, args: &Value) -> Result<String, String> {
    match args {
        Value::Null => Ok(String::new()),
        Value::String(s) => Ok(s.to_ascii_uppercase()),
        _ => Err(format!(
            "{check} takes a ROOT option string as its argument, not {args}"
        )),
    }
}

/// A JSON object deserialised strictly: a key outside `keys` is refused, naming the accepted
/// ones (checked here rather than by serde, whose `deny_unknown_fields` cannot be combined with
/// the flattened ranges the checks share).
pub fn object<T: DeserializeOwned>(check: &str, args: &Value, keys: &[&str]) -> Result<T, String> {
    let accepted = keys.join(", ");
    let Some(map) = args.as_object() else {
        return Err(format!(
            "{check} takes a JSON object of arguments ({accepted}), not {args}"
        ));
    };
    if let Some(k) = map.keys().find(|k| !keys.contains(&k.as_str())) {
        return Err(format!(
            "{check}: unknown key {k:?}; accepted keys: {accepted}"
        ));
    }
    serde_json::from_value(args.clone())
        .map_err(|e| format!("{check}: {e} (accepted keys: {accepted})"))
}

/// Validation helpers shared by the object checks.
pub fn finite(check: &str, key: &str, v: Option<f64>) -> Result<(), String> {
    match v {
        Some(x) if !x.is_finite() => Err(format!("{check}: {key} must be a finite number")),
        _ => Ok(()),
    }
}

/// `min ≤ max` when both are given, both finite.
pub fn range(check: &str, min: Option<f64>, max: Option<f64>) -> Result<(), String> {
    finite(check, "min", min)?;
    finite(check, "max", max)?;
    match (min, max) {
        (Some(lo), Some(hi)) if lo > hi => Err(format!("{check}: min {lo} is above max {hi}")),
        _ => Ok(()),
    }
}

pub fn non_negative(check: &str, key: &str, v: f64) -> Result<(), String> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(format!(
            "{check}: {key} must be a finite number ≥ 0, not {v}"
        ))
    }
}
