//! Data quality: checks that judge one histogram (optionally against the reference run's), the
//! combiner tree that turns leaf outcomes into a verdict per subsystem and per run, and the
//! configuration that says which histogram gets which check (`config/dq.toml`).
//!
//! The semantics are the original veloview's (`veloview/core`, `veloview/analysis`) and ROOT's;
//! docs/DATA_QUALITY.md gives each check's formula and the tree rules.

pub mod checks;
pub mod config;
mod evaluate;
mod level;
mod outcome;
mod result;
pub mod tree;
pub mod trend;

pub use config::DqConfig;
pub use evaluate::evaluate_run;
pub use level::{Level, Score};
pub use outcome::{BadChannel, Outcome};
pub use result::{NodeResult, RunEvaluation};
pub mod scan;
