//! Evaluating runs and keeping the results: which runs need an evaluation (new, file changed,
//! evaluated with another configuration or reference run), evaluating one and storing it. The
//! worker's scan and `veloview dq scan` both go through here, so they agree on what is due.

use super::{evaluate_run, DqConfig, NodeResult, RunEvaluation};
use crate::alarms::record::record_run;
use crate::alarms::AlarmRules;
use crate::runview::run_info;
use crate::runview::RunData;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};
use velo_dqstore::{EvalOutcome, EvalState, NewEvaluation, NodeRecord, Store};

/// Why a run is due for evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Never evaluated.
    New,
    /// Its newest file is another file, or was rewritten, since the stored evaluation.
    FileChanged,
    /// The stored evaluation used another data-quality configuration.
    ConfigChanged,
    /// The reference run that applies to it changed.
    ReferenceChanged,
    /// Asked for explicitly.
    Forced,
}

/// A run that needs an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub run: u32,
    pub reason: Reason,
}

/// What evaluating one run did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Stored {
    pub run: u32,
    /// The stored evaluation's id; `None` when the stored one was current and nothing was done.
    pub evaluation_id: Option<i64>,
    pub reason: Option<Reason>,
    /// "evaluated", "failed" (stored as a failed evaluation, e.g. an unreadable file) or
    /// "current" (nothing to do).
    pub status: &'static str,
    pub level: Option<String>,
    pub score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// What the alarm rules changed, when there are rules and the run was evaluated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alarms: Option<velo_dqstore::AlarmChanges>,
    /// Why the alarms could not be recorded (the evaluation itself is stored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alarm_error: Option<String>,
}

impl Stored {
    /// Nothing done: the run's stored evaluation is current.
    fn current(run: u32) -> Stored {
        Stored {
            run,
            evaluation_id: None,
            reason: None,
            status: "current",
            level: None,
            score: None,
            message: None,
            alarms: None,
            alarm_error: None,
        }
    }
}

/// The run file's identity as the store keeps it; all empty when the run has no file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct FileKey {
    path: String,
    size: u64,
    mtime_ns: i64,
}

/// Evaluates runs of one run data set with one configuration into one store.
pub struct Evaluator {
    pub data: RunData,
    pub config: DqConfig,
    digest: String,
    pub store: Store,
    run_info_file: Option<PathBuf>,
    /// The alarm rules judged after each evaluation; `None`: no alarms.
    pub alarms: Option<AlarmRules>,
}

/// Why [`Evaluator::open`] failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenError {
    /// The data-quality or alarm configuration does not load: wrong until someone edits it.
    Config(String),
    /// The results store cannot be opened: maybe not yet (a database still starting).
    Store(String),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::Config(e) | OpenError::Store(e) => f.write_str(e),
        }
    }
}

impl Evaluator {
    pub fn new(
        data: RunData,
        config: DqConfig,
        store: Store,
        run_info_file: Option<PathBuf>,
    ) -> Evaluator {
        let digest = config.digest();
        Evaluator {
            data,
            config,
            digest,
            store,
            run_info_file,
            alarms: None,
        }
    }

    /// From the services' settings: the configuration is parsed strictly (an error names the
    /// file and the place), and the store opened (and migrated).
    pub fn from_settings(s: &velo_config::Settings) -> Result<Evaluator, String> {
        Evaluator::open(s).map_err(|e| e.to_string())
    }

    /// As [`Evaluator::from_settings`], saying whether the configuration or the store failed: a
    /// service waits for a store that is not up yet, not for a configuration to mend itself.
    pub fn open(s: &velo_config::Settings) -> Result<Evaluator, OpenError> {
        let config = DqConfig::load(&s.dq_config_file).map_err(OpenError::Config)?;
        let alarms = AlarmRules::from_settings(s).map_err(OpenError::Config)?;
        let store = Store::open(&s.dq_database_url).map_err(|e| OpenError::Store(e.to_string()))?;
        let info = (!s.run_info_file.as_os_str().is_empty()).then(|| s.run_info_file.clone());
        let mut ev = Evaluator::new(RunData::from_settings(s), config, store, info);
        ev.alarms = alarms;
        Ok(ev)
    }

    pub fn config_digest(&self) -> &str {
        &self.digest
    }

    /// Load the run-info file into the store (start and end time, fill, magnet polarity), and
    /// say which of its lines were skipped. A missing file is not an error: a site without one
    /// simply has no run info.
    pub fn sync_run_info(&self) -> Result<Vec<String>, String> {
        let Some(path) = &self.run_info_file else {
            return Ok(Vec::new());
        };
        if !path.exists() {
            return Ok(Vec::new());
        }
        let file = run_info::RunInfoFile::load(path).map_err(|e| e.to_string())?;
        let infos: Vec<velo_dqstore::RunInfo> = file
            .runs
            .iter()
            .map(|r| velo_dqstore::RunInfo {
                run: r.run,
                start_ms: r.start_ms,
                end_ms: r.end_ms,
                fill: r.fill,
                magnet_polarity: r.magnet.map(|m| m.as_str().to_string()),
            })
            .collect();
        self.store.put_run_info(&infos).map_err(|e| e.to_string())?;
        Ok(file
            .problems
            .iter()
            .map(|p| format!("{}: {p}", path.display()))
            .collect())
    }

    /// The runs that need an evaluation, newest first (every run when `force`).
    pub fn plan(&self, force: bool) -> Result<Vec<Due>, String> {
        let (list, _) = self.data.runs()?;
        let states = self.store.states().map_err(|e| e.to_string())?;
        let references = self.data.references()?;
        let mut due = Vec::new();
        for &run in list.runs() {
            let reference = references.reference_for(run).filter(|r| list.contains(*r));
            let reason = if force {
                Some(Reason::Forced)
            } else {
                self.reason(states.get(&run), &self.file_key(run), reference)
            };
            if let Some(reason) = reason {
                due.push(Due { run, reason });
            }
        }
        Ok(due)
    }

    fn reason(
        &self,
        state: Option<&EvalState>,
        file: &FileKey,
        reference: Option<u32>,
    ) -> Option<Reason> {
        let Some(state) = state else {
            return Some(Reason::New);
        };
        if state.file_path != file.path
            || state.file_size != file.size
            || state.file_mtime_ns != file.mtime_ns
        {
            Some(Reason::FileChanged)
        } else if state.config_digest != self.digest {
            Some(Reason::ConfigChanged)
        } else if state.reference_run != reference {
            Some(Reason::ReferenceChanged)
        } else {
            None
        }
    }

    fn file_key(&self, run: u32) -> FileKey {
        let Ok(path) = self.data.run_file(run) else {
            return FileKey::default();
        };
        let Ok(meta) = std::fs::metadata(&path) else {
            return FileKey::default();
        };
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i64);
        FileKey {
            path: path.display().to_string(),
            size: meta.len(),
            mtime_ns,
        }
    }

    /// Evaluate `run` and store the result, unless its stored evaluation is current (and not
    /// `force`). A run that cannot be evaluated (no file, unreadable file) is stored as a failed
    /// evaluation with the message, so it is not retried until its file or the configuration
    /// changes. Errors are the store's (or the run list's): nothing was stored.
    pub fn evaluate(&self, run: u32, force: bool) -> Result<Stored, String> {
        let (list, _) = self.data.runs()?;
        let run = list.check(run)?;
        let reference = self
            .data
            .references()?
            .reference_for(run)
            .filter(|r| list.contains(*r));
        let file = self.file_key(run);
        // Unless forced, what the evaluation replaces (the run's current one, if any): it is
        // recorded only if that is still current.
        let state = if force {
            None
        } else {
            Some(self.store.state(run).map_err(|e| e.to_string())?)
        };
        let reason = match &state {
            None => Some(Reason::Forced),
            Some(current) => self.reason(current.as_ref(), &file, reference),
        };
        let Some(reason) = reason else {
            return Ok(Stored::current(run));
        };
        let result = evaluate_run(&self.data, &self.config, run);
        let (outcome, reference_run, stored) = match result {
            Ok(ev) => {
                let stored = Stored {
                    run,
                    evaluation_id: None,
                    reason: Some(reason),
                    status: "evaluated",
                    level: Some(ev.root.level.as_str().to_string()),
                    score: Some(ev.root.score.value()),
                    message: None,
                    alarms: None,
                    alarm_error: None,
                };
                (outcome_of(&ev), ev.reference_run, stored)
            }
            Err(message) => {
                let stored = Stored {
                    run,
                    evaluation_id: None,
                    reason: Some(reason),
                    status: "failed",
                    level: None,
                    score: None,
                    message: Some(message.clone()),
                    alarms: None,
                    alarm_error: None,
                };
                (EvalOutcome::Failed { message }, reference, stored)
            }
        };
        let new = NewEvaluation {
            run,
            file_path: file.path,
            file_size: file.size,
            file_mtime_ns: file.mtime_ns,
            config_digest: self.digest.clone(),
            reference_run,
            evaluated_at_ms: now_ms(),
            outcome,
        };
        let id = match &state {
            None => self.store.record(&new),
            Some(current) => {
                let seen = current.as_ref().map(|s| s.evaluation_id);
                match self.store.record_unless_superseded(&new, seen) {
                    Ok(Some(id)) => Ok(id),
                    // Another worker evaluated it meanwhile, from the same file or a newer one.
                    Ok(None) => return Ok(Stored::current(run)),
                    Err(e) => Err(e),
                }
            }
        }
        .map_err(|e| e.to_string())?;
        // After the evaluation is stored: a trend rule compares with the runs before, and an
        // alarm that cannot be recorded must not lose the evaluation.
        let (alarms, alarm_error) = match &self.alarms {
            None => (None, None),
            Some(rules) => {
                match record_run(&self.store, rules, run, &new.outcome, new.evaluated_at_ms) {
                    Ok(changes) => (changes, None),
                    Err(e) => (None, Some(e)),
                }
            }
        };
        Ok(Stored {
            evaluation_id: Some(id),
            alarms,
            alarm_error,
            ..stored
        })
    }
}

/// The store's form of an evaluated tree: every node, parents before children.
pub fn outcome_of(ev: &RunEvaluation) -> EvalOutcome {
    let mut nodes = Vec::new();
    flatten(&ev.root, None, &mut nodes);
    EvalOutcome::Evaluated {
        score: ev.root.score.value(),
        level: ev.root.level.as_str().to_string(),
        nodes,
        trends: ev.trends.iter().map(|(k, v)| (k.clone(), *v)).collect(),
    }
}

fn flatten(node: &NodeResult, parent: Option<&str>, out: &mut Vec<NodeRecord>) {
    let mut details = serde_json::Value::Object(node.details.clone());
    if !node.bad_channels.is_empty() {
        details["bad_channels"] = serde_json::to_value(&node.bad_channels).unwrap_or_default();
    }
    if let Some(reason) = &node.skipped {
        details["skipped"] = reason.clone().into();
    }
    out.push(NodeRecord {
        key: node.key.clone(),
        parent: parent.map(str::to_string),
        title: node.title.clone(),
        sensor: node.sensor,
        check: node.check.clone(),
        path: node.path.clone(),
        score: node.score.value(),
        level: node.level.as_str().to_string(),
        warnings: node.warnings,
        errors: node.errors,
        weight: node.weight,
        details,
    });
    for child in &node.children {
        flatten(child, Some(&node.key), out);
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
