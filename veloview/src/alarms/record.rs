//! The rules meet the store: judging a run's stored evaluation (with its trend history and its
//! failing leaves' streaks from the store) and recording what fired as alarms.

use super::rules::{
    evaluate_run, evaluate_system, history_needed, Firing, History, RunFacts, SystemFacts,
};
use super::AlarmRules;
use velo_dqstore::{AlarmChanges, EvalOutcome, NewFiring, Store, SYSTEM_RUN};

/// What the per-run rules find on `facts`, the trend history read from the store.
pub fn judge_run(
    store: &Store,
    rules: &AlarmRules,
    facts: &RunFacts,
) -> Result<Vec<Firing>, String> {
    let mut history = History::new();
    for (var, n) in history_needed(rules, facts) {
        let values = store
            .trend_before(&var, facts.run, n)
            .map_err(|e| e.to_string())?;
        history.insert(var, values);
    }
    let failing: Vec<&str> = velo_dqstore::failing_leaves(facts.nodes, "")
        .iter()
        .map(|n| n.key.as_str())
        .collect();
    let since = store
        .streaks(
            facts.run,
            facts.nodes,
            &failing,
            velo_dqstore::STREAK_WINDOW,
        )
        .map_err(|e| e.to_string())?;
    Ok(evaluate_run(rules, facts, &history, &since))
}

/// What the per-run rules find on `run`'s current evaluation; `None` when it has none that
/// was evaluated (never evaluated, or the evaluation failed).
pub fn judge_stored(
    store: &Store,
    rules: &AlarmRules,
    run: u32,
) -> Result<Option<Vec<Firing>>, String> {
    let Some(ev) = store.current(run).map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    if ev.summary.status != velo_dqstore::EvalStatus::Evaluated {
        return Ok(None);
    }
    let facts = RunFacts {
        run,
        nodes: &ev.nodes,
        trends: &ev.trends,
    };
    judge_run(store, rules, &facts).map(Some)
}

/// Judge a just-stored evaluation of `run` and record its alarms; a failed evaluation changes
/// nothing (the file could not be read: that says nothing about the alarms).
pub fn record_run(
    store: &Store,
    rules: &AlarmRules,
    run: u32,
    outcome: &EvalOutcome,
    now_ms: i64,
) -> Result<Option<AlarmChanges>, String> {
    let EvalOutcome::Evaluated { nodes, trends, .. } = outcome else {
        return Ok(None);
    };
    let facts = RunFacts { run, nodes, trends };
    let fired = judge_run(store, rules, &facts)?;
    let judged: Vec<String> = rules.per_run().map(|r| r.name.clone()).collect();
    store
        .record_alarms(run, &judged, &new_firings(&fired), now_ms)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// Judge the system and record (or resolve) the operational alarms.
pub fn record_system(
    store: &Store,
    rules: &AlarmRules,
    facts: &SystemFacts,
    now_ms: i64,
) -> Result<AlarmChanges, String> {
    let fired = evaluate_system(rules, facts);
    let judged: Vec<String> = rules
        .rules
        .iter()
        .filter(|r| !r.kind.per_run())
        .map(|r| r.name.clone())
        .collect();
    store
        .record_alarms(SYSTEM_RUN, &judged, &new_firings(&fired), now_ms)
        .map_err(|e| e.to_string())
}

/// Record the `workers` rules as [`super::rules::queue_away`] judges them (velo-web, while
/// Redis does not answer).
pub fn record_queue_away(
    store: &Store,
    rules: &AlarmRules,
    away_secs: u64,
    now_ms: i64,
) -> Result<AlarmChanges, String> {
    let (judged, fired) = super::rules::queue_away(rules, away_secs);
    store
        .record_alarms(SYSTEM_RUN, &judged, &new_firings(&fired), now_ms)
        .map_err(|e| e.to_string())
}

fn new_firings(fired: &[Firing]) -> Vec<NewFiring> {
    fired
        .iter()
        .map(|f| NewFiring {
            rule: f.rule.clone(),
            subject: f.subject.clone(),
            value: f.value,
            level: f.level.as_str().to_string(),
            message: f.message.clone(),
        })
        .collect()
}
