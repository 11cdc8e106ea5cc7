//! The checks. Placeholder: replaced by the checks module (dq/checks/).

use super::Outcome;
use crate::hist::Histogram;
use serde_json::Value;

/// A configured check: which comparison, with which arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub name: String,
    pub args: Value,
}

impl Check {
    /// Parse a check from its name and its argument in the original's form (an option string,
    /// a number, null, or an object for the newer checks). Unknown names and bad arguments are
    /// errors that say what is accepted.
    pub fn parse(name: &str, args: &Value) -> Result<Check, String> {
        Err(format!("unknown check {name:?} (args {args})"))
    }

    /// Whether the check compares with the reference run's histogram.
    pub fn uses_reference(&self) -> bool {
        false
    }

    /// Judge `data` (and `reference`, for reference checks). Never panics; any input gives an
    /// outcome with a score in [0, 100].
    pub fn evaluate(&self, _data: &Histogram, _reference: Option<&Histogram>) -> Outcome {
        Outcome::error("not implemented")
    }
}
