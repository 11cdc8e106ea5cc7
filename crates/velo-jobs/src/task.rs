//! The task registry: a task name and its JSON arguments resolve to a [`Task`], or to an error
//! that velo-web answers with 400 before anything is queued.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use veloview::runview::{get_run_plot_json, PlotRequest, RunData};

pub const GET_RUN_PLOT: &str = "runview.plots.get_run_plot";
/// Evaluate one run's data quality and store the result (velo-worker runs it with its store).
pub const DQ_EVALUATE_RUN: &str = "dq.evaluate_run";
/// Test-only: sleeps, so tests can kill a worker in the middle of a job.
pub const DEBUG_SLEEP: &str = "debug.sleep";

/// Plot object paths are short; anything longer is not a plot name.
const MAX_NAME_LEN: usize = 1024;
/// The debug task never sleeps longer than this, whatever it is asked.
const MAX_DEBUG_SLEEP_MS: u64 = 600_000;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ArgsError {
    #[error("Invalid task name `{0}`")]
    UnknownTask(String),
    #[error("Invalid arguments for `{task}`: {message}")]
    BadArgs { task: String, message: String },
}

/// The arguments of `runview.plots.get_run_plot`, as the original's keyword arguments: unknown
/// keys are refused rather than ignored, so a typo is a 400 and not a silently wrong plot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlotArgs {
    pub name: String,
    pub run: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensor: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<bool>,
}

/// The arguments of `dq.evaluate_run`: the run, and whether to evaluate it even when its stored
/// evaluation is current (same file, same configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluateArgs {
    pub run: u32,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub force: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SleepArgs {
    pub ms: u64,
    /// Panic after sleeping, to exercise the crash path.
    #[serde(default)]
    pub panic: bool,
}

/// A validated task, ready to run.
#[derive(Debug, Clone, PartialEq)]
pub enum Task {
    GetRunPlot(PlotArgs),
    EvaluateRun(EvaluateArgs),
    DebugSleep(SleepArgs),
}

impl Task {
    /// Resolve `task_name` with `args` (`null` meaning no arguments). `debug_tasks` admits the
    /// test-only tasks.
    pub fn resolve(task_name: &str, args: &Value, debug_tasks: bool) -> Result<Task, ArgsError> {
        let args = if args.is_null() {
            Value::Object(Default::default())
        } else {
            args.clone()
        };
        let bad = |message: String| ArgsError::BadArgs {
            task: task_name.to_string(),
            message,
        };
        match task_name {
            GET_RUN_PLOT => {
                let a: PlotArgs = serde_json::from_value(args).map_err(|e| bad(e.to_string()))?;
                if a.name.is_empty() || a.name.len() > MAX_NAME_LEN {
                    return Err(bad(format!(
                        "name must be 1 to {MAX_NAME_LEN} characters long"
                    )));
                }
                Ok(Task::GetRunPlot(a))
            }
            DQ_EVALUATE_RUN => {
                let a: EvaluateArgs =
                    serde_json::from_value(args).map_err(|e| bad(e.to_string()))?;
                Ok(Task::EvaluateRun(a))
            }
            DEBUG_SLEEP if debug_tasks => {
                let a: SleepArgs = serde_json::from_value(args).map_err(|e| bad(e.to_string()))?;
                if a.ms > MAX_DEBUG_SLEEP_MS {
                    return Err(bad(format!("ms must be at most {MAX_DEBUG_SLEEP_MS}")));
                }
                Ok(Task::DebugSleep(a))
            }
            _ => Err(ArgsError::UnknownTask(task_name.to_string())),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Task::GetRunPlot(_) => GET_RUN_PLOT,
            Task::EvaluateRun(_) => DQ_EVALUATE_RUN,
            Task::DebugSleep(_) => DEBUG_SLEEP,
        }
    }

    /// The arguments in one canonical JSON form (keys sorted, defaults left out), so that
    /// requests meaning the same thing share a cache entry.
    pub fn canonical_args(&self) -> Value {
        match self {
            Task::GetRunPlot(a) => serde_json::to_value(a),
            Task::EvaluateRun(a) => serde_json::to_value(a),
            Task::DebugSleep(a) => serde_json::to_value(a),
        }
        .expect("task arguments always serialise")
    }

    /// The run whose file the result is computed from, if any (for the cache key).
    pub fn run(&self) -> Option<u32> {
        match self {
            Task::GetRunPlot(a) => Some(a.run),
            Task::EvaluateRun(a) => Some(a.run),
            Task::DebugSleep(_) => None,
        }
    }

    /// Run the task, returning its result as JSON text: a plot is written straight from the
    /// histogram, never built as a [`Value`] tree (see docs/PERFORMANCE.md, "Plot formatting").
    /// This is CPU and file work: call it off the async runtime, inside a
    /// `veloview::cancel::scope` when it may be given up. A task-level failure (no such plot) is
    /// a `{"success": false}` result, not an error. `dq.evaluate_run` needs the data-quality
    /// store and configuration: velo-worker runs it itself and never calls this for it.
    pub fn execute(&self, data: &RunData) -> String {
        match self {
            Task::GetRunPlot(a) => get_run_plot_json(data, &a.to_request()),
            Task::EvaluateRun(_) => serde_json::json!({
                "success": false,
                "message": "dq.evaluate_run runs only in velo-worker, with its data-quality store"
            })
            .to_string(),
            Task::DebugSleep(a) => {
                sleep_unless_cancelled(std::time::Duration::from_millis(a.ms));
                if a.panic {
                    panic!("debug.sleep asked to panic");
                }
                serde_json::json!({"success": true, "data": {"slept_ms": a.ms}}).to_string()
            }
        }
    }
}

/// Sleep in short slices, ending early once the job is given up, as real work does.
fn sleep_unless_cancelled(total: std::time::Duration) {
    const SLICE: std::time::Duration = std::time::Duration::from_millis(20);
    let end = std::time::Instant::now() + total;
    while !veloview::cancel::is_cancelled() {
        let left = end.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            break;
        }
        std::thread::sleep(left.min(SLICE));
    }
}

impl PlotArgs {
    pub fn to_request(&self) -> PlotRequest {
        PlotRequest {
            name: self.name.clone(),
            run: self.run,
            sensor: self.sensor.unwrap_or(0),
            reference: self.reference.unwrap_or(false),
        }
    }
}

/// What travels through the apalis queue: the job to run. Arguments were validated by velo-web
/// and are resolved again by the worker (it may run a different version).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueMessage {
    pub job_id: String,
    pub task_name: String,
    pub args: Value,
    /// The record's queue time (ms), so that the worker can write the started record without
    /// reading the queued one first. Absent in messages queued by an earlier velo-web.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_at: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plot_args_resolve_with_optional_fields() {
        let t = Task::resolve(GET_RUN_PLOT, &json!({"name": "a/b", "run": 7}), false).unwrap();
        assert_eq!(t.canonical_args(), json!({"name": "a/b", "run": 7}));
        let t = Task::resolve(
            GET_RUN_PLOT,
            &json!({"sensor": 3, "run": 7, "name": "a/{0}", "reference": true}),
            false,
        )
        .unwrap();
        assert_eq!(
            t.canonical_args().to_string(),
            r#"{"name":"a/{0}","reference":true,"run":7,"sensor":3}"#
        );
    }

    #[test]
    fn bad_plot_args_are_refused() {
        for args in [
            json!({}),
            json!({"name": "x"}),
            json!({"name": "x", "run": -1}),
            json!({"name": "x", "run": "12"}),
            json!({"name": "", "run": 1}),
            json!({"name": "x", "run": 1, "colour": "red"}),
            json!([1, 2]),
            json!("x"),
        ] {
            let e = Task::resolve(GET_RUN_PLOT, &args, false).unwrap_err();
            assert!(matches!(e, ArgsError::BadArgs { .. }), "{args}: {e:?}");
        }
    }

    #[test]
    fn evaluate_args_resolve_and_bad_ones_are_refused() {
        let t = Task::resolve(DQ_EVALUATE_RUN, &json!({"run": 7}), false).unwrap();
        assert_eq!(
            t,
            Task::EvaluateRun(EvaluateArgs {
                run: 7,
                force: false
            })
        );
        assert_eq!(t.canonical_args(), json!({"run": 7}));
        let t = Task::resolve(DQ_EVALUATE_RUN, &json!({"run": 7, "force": true}), false).unwrap();
        assert_eq!(t.canonical_args(), json!({"force": true, "run": 7}));
        for args in [
            json!({}),
            json!({"run": -1}),
            json!({"run": 1, "sensor": 2}),
        ] {
            assert!(
                Task::resolve(DQ_EVALUATE_RUN, &args, false).is_err(),
                "{args}"
            );
        }
    }

    #[test]
    fn debug_tasks_exist_only_when_enabled() {
        let args = json!({"ms": 1});
        assert_eq!(
            Task::resolve(DEBUG_SLEEP, &args, false),
            Err(ArgsError::UnknownTask(DEBUG_SLEEP.into()))
        );
        assert!(Task::resolve(DEBUG_SLEEP, &args, true).is_ok());
        assert!(Task::resolve("os.system", &args, true).is_err());
    }
}
