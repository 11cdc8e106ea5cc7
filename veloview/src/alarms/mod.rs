//! Alarms: rules (`config/alarms.toml`) that turn a run's evaluation, its trended values and
//! the state of the services into alarms for the shift. Evaluating the rules is pure (see
//! [`rules`]); the store keeps the alarms, the worker records them after each evaluation and
//! sends the notifications.

pub mod config;
pub mod glob;
pub mod record;
pub mod rules;

pub use config::{AlarmRules, Rule, RuleKind, TrendTest};
pub use rules::{evaluate_run, evaluate_system, Firing, History, RunFacts, Since, SystemFacts};
