//! Judging by the rules: pure functions of the rules, one run's stored evaluation (its nodes and
//! trended values) and the history of the trended values, or of the facts about the services.
//! No I/O here, so the worker, `veloview alarms check` and the tests agree by construction.

use super::config::{AlarmRules, RuleKind, TrendTest};
use crate::dq::Level;
use serde::Serialize;
use std::collections::HashMap;
use velo_dqstore::NodeRecord;

/// One run's evaluation as stored.
#[derive(Debug, Clone, Copy)]
pub struct RunFacts<'a> {
    pub run: u32,
    pub nodes: &'a [NodeRecord],
    pub trends: &'a [(String, f64)],
}

/// Trended variable → its values in the previous evaluated runs, oldest first.
pub type History = HashMap<String, Vec<f64>>;

/// Failing leaf → since when it has failed (from the store, as the pages show it); a leaf
/// missing here is named without it.
pub type Since = HashMap<String, velo_dqstore::Streak>;

/// A rule that fires, on one subject (a node key, a variable, or a part of the system).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Firing {
    pub rule: String,
    pub subject: String,
    pub value: Option<f64>,
    pub level: Level,
    /// Why, for people.
    pub message: String,
}

/// A robust deviation is this times the median absolute deviation: the standard deviation,
/// for normally distributed values.
pub const MAD_SCALE: f64 = 1.4826;

/// Which variables' history the run's trend rules need, with how many previous runs each.
pub fn history_needed(rules: &AlarmRules, facts: &RunFacts) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for r in &rules.rules {
        let RuleKind::Trend {
            variable,
            test: TrendTest::Mad { runs, .. },
        } = &r.kind
        else {
            continue;
        };
        for (var, _) in facts.trends.iter().filter(|(v, _)| variable.matches(v)) {
            match out.iter_mut().find(|(v, _)| v == var) {
                Some((_, n)) => *n = (*n).max(*runs),
                None => out.push((var.clone(), *runs)),
            }
        }
    }
    out
}

/// How many failing leaves an alarm's message names.
const LEAVES_NAMED: usize = 3;

/// The failing leaves below `key`, worst first, as the shift reads them in an alarm: where to
/// look without opening every sensor. Empty when `key` is itself a leaf or none fails.
fn where_to_look(nodes: &[NodeRecord], key: &str, since: &Since) -> String {
    let failing = velo_dqstore::failing_leaves(nodes, key);
    let named: Vec<String> = failing
        .iter()
        .take(LEAVES_NAMED)
        .map(|n| {
            let mut facts = Vec::new();
            facts.extend(n.place());
            if let Some(s) = since.get(&n.key) {
                facts.push(streak_words(s));
            }
            if facts.is_empty() {
                format!("{} {}", n.title, n.level)
            } else {
                format!("{} {} ({})", n.title, n.level, facts.join(", "))
            }
        })
        .collect();
    match failing.len() {
        0 => String::new(),
        n if n > LEAVES_NAMED => {
            format!(": {}; and {} more", named.join("; "), n - LEAVES_NAMED)
        }
        _ => format!(": {}", named.join("; ")),
    }
}

/// "new in this run", or "failing for K runs, since run N": what the pages say of a streak.
fn streak_words(s: &velo_dqstore::Streak) -> String {
    match (s.runs, s.open) {
        (0..=1, false) => "new in this run".into(),
        (k, false) => format!("failing for {k} runs, since run {}", s.since_run),
        (k, true) => format!(
            "failing for {k}+ runs, since run {} or earlier",
            s.since_run
        ),
    }
}

/// The per-run rules that fire on this run, in rule order then node or variable order.
pub fn evaluate_run(
    rules: &AlarmRules,
    facts: &RunFacts,
    history: &History,
    since: &Since,
) -> Vec<Firing> {
    let mut out = Vec::new();
    for r in &rules.rules {
        match &r.kind {
            RuleKind::Level { nodes } => {
                for n in facts.nodes.iter().filter(|n| nodes.matches(&n.key)) {
                    let Some(level) = Level::parse(&n.level) else {
                        continue;
                    };
                    if level >= r.level {
                        out.push(Firing {
                            rule: r.name.clone(),
                            subject: n.key.clone(),
                            value: Some(n.score),
                            level,
                            message: format!(
                                "{} ({}) is {level}, score {:.1}{}",
                                n.title,
                                n.key,
                                n.score,
                                where_to_look(facts.nodes, &n.key, since)
                            ),
                        });
                    }
                }
            }
            RuleKind::Trend { variable, test } => {
                for (var, value) in facts.trends.iter().filter(|(v, _)| variable.matches(v)) {
                    let before = history.get(var).map_or(&[][..], Vec::as_slice);
                    if let Some(message) = judge(test, *value, before) {
                        out.push(Firing {
                            rule: r.name.clone(),
                            subject: var.clone(),
                            value: Some(*value),
                            level: r.level,
                            message: format!("{var} = {value:.4}: {message}"),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Why `value` breaks `test` given the previous values, or `None` when it does not.
fn judge(test: &TrendTest, value: f64, before: &[f64]) -> Option<String> {
    match *test {
        TrendTest::Range { min, max } => {
            if min.is_some_and(|m| value < m) || max.is_some_and(|m| value > m) {
                let show = |v: Option<f64>| v.map_or("-".to_string(), |v| v.to_string());
                Some(format!("outside [{}, {}]", show(min), show(max)))
            } else {
                None
            }
        }
        TrendTest::Mad {
            k,
            runs,
            min_runs,
            min_spread,
        } => {
            let recent = &before[before.len().saturating_sub(runs)..];
            if recent.len() < min_runs {
                return None;
            }
            let median = median(recent.to_vec());
            let mad = median_of(recent.iter().map(|v| (v - median).abs()));
            let spread = (MAD_SCALE * mad).max(min_spread);
            let off = (value - median).abs();
            // With no spread at all (identical history) any change is news.
            let deviations = if spread > 0.0 {
                off / spread
            } else if off > 0.0 {
                f64::INFINITY
            } else {
                0.0
            };
            (deviations > k).then(|| {
                format!(
                    "{deviations:.1} robust deviations from the median {median:.4} of the previous {} runs (limit {k})",
                    recent.len()
                )
            })
        }
    }
}

fn median_of(values: impl Iterator<Item = f64>) -> f64 {
    median(values.collect())
}

/// The median of non-empty `v`.
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// What the operational rules look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SystemFacts {
    /// Workers whose heartbeat is recent.
    pub live_workers: u32,
    /// For how long every scan has failed; `None` when the last one succeeded.
    pub scan_failing_secs: Option<u64>,
    /// Runs in the run list never evaluated.
    pub waiting_runs: usize,
    /// Since the newest evaluation; `None` when nothing was ever evaluated.
    pub idle_secs: Option<u64>,
}

/// What the `workers` rules say while the job queue (Redis) cannot be reached: whatever the
/// workers' heartbeats (kept in Redis too) would say, no worker can take a job. The other
/// operational rules' facts are in Redis as well, so they are not judged meanwhile.
pub fn queue_away(rules: &AlarmRules, away_secs: u64) -> (Vec<String>, Vec<Firing>) {
    let mut judged = Vec::new();
    let mut fired = Vec::new();
    for r in &rules.rules {
        if let RuleKind::Workers { min } = r.kind {
            judged.push(r.name.clone());
            fired.push(Firing {
                rule: r.name.clone(),
                subject: "workers".into(),
                value: Some(0.0),
                level: r.level,
                message: format!(
                    "the job queue (Redis) has not answered for {away_secs} s: no worker can take \
                     a job, fewer than {min}"
                ),
            });
        }
    }
    (judged, fired)
}

/// The operational rules that fire now (subjects "workers", "scan", "evaluations").
pub fn evaluate_system(rules: &AlarmRules, f: &SystemFacts) -> Vec<Firing> {
    let mut out = Vec::new();
    for r in &rules.rules {
        let fired = match r.kind {
            RuleKind::Workers { min } => (f.live_workers < min).then(|| {
                (
                    "workers",
                    f.live_workers as f64,
                    format!("{} live workers, fewer than {min}", f.live_workers),
                )
            }),
            RuleKind::ScanFailing { after_secs } => {
                f.scan_failing_secs.filter(|&s| s >= after_secs).map(|s| {
                    (
                        "scan",
                        s as f64,
                        format!("the data-quality scan has failed for {s} s"),
                    )
                })
            }
            RuleKind::Stalled { after_secs } => {
                let idle = f.idle_secs.unwrap_or(u64::MAX);
                (f.waiting_runs > 0 && idle >= after_secs).then(|| {
                    (
                        "evaluations",
                        f.waiting_runs as f64,
                        format!(
                            "{} runs wait for evaluation and nothing was evaluated for {}",
                            f.waiting_runs,
                            f.idle_secs.map_or("ever".to_string(), |s| format!("{s} s"))
                        ),
                    )
                })
            }
            _ => None,
        };
        if let Some((subject, value, message)) = fired {
            out.push(Firing {
                rule: r.name.clone(),
                subject: subject.to_string(),
                value: Some(value),
                level: r.level,
                message,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &str = r#"
[[rule]]
name = "noise"
kind = "level"
nodes = "noise.*"
level = "ERROR"

[[rule]]
name = "any_warning"
kind = "level"
nodes = "pedestals.*"

[[rule]]
name = "range"
kind = "trend"
variable = "*.mean_content"
min = 1.0
max = 3.0
level = "ERROR"

[[rule]]
name = "drift"
kind = "trend"
variable = "noise.*.mean_content"
mad_k = 3
runs = 5
min_runs = 3

[[rule]]
name = "workers"
kind = "workers"
min = 2

[[rule]]
name = "scan"
kind = "scan_failing"
after_secs = 60

[[rule]]
name = "stalled"
kind = "stalled"
after_secs = 600
"#;

    fn rules() -> AlarmRules {
        AlarmRules::parse(RULES, "alarms.toml").unwrap()
    }

    fn node(key: &str, level: &str, score: f64) -> NodeRecord {
        NodeRecord {
            key: key.into(),
            parent: None,
            title: key.into(),
            sensor: None,
            check: None,
            path: None,
            score,
            level: level.into(),
            warnings: 0,
            errors: 0,
            weight: 1.0,
            details: serde_json::Value::Null,
        }
    }

    fn fired(f: &[Firing]) -> Vec<(String, String)> {
        f.iter()
            .map(|f| (f.rule.clone(), f.subject.clone()))
            .collect()
    }

    #[test]
    fn level_rules_fire_at_their_level_or_worse() {
        let nodes = [
            node("", "ERROR", 10.0),
            node("noise", "ERROR", 10.0),
            node("noise.level", "ERROR", 10.0),
            node("noise.other", "WARNING", 70.0),
            node("pedestals", "WARNING", 70.0),
            node("pedestals.level", "WARNING", 70.0),
            node("pedestals.ok", "OK", 100.0),
        ];
        let facts = RunFacts {
            run: 1,
            nodes: &nodes,
            trends: &[],
        };
        let f = evaluate_run(&rules(), &facts, &History::new(), &Since::new());
        let s = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            fired(&f),
            [
                s("noise", "noise.level"),
                s("any_warning", "pedestals.level")
            ]
        );
        assert_eq!(f[0].level, Level::Error);
        assert_eq!(f[1].level, Level::Warning);
        assert_eq!(f[0].value, Some(10.0));
    }

    #[test]
    fn a_subsystem_alarm_says_where_to_look() {
        // As the bundled config/alarms.toml: a subsystem at WARNING or worse.
        let subsystem = AlarmRules::parse(
            "[[rule]]\nname = \"noise\"\nkind = \"level\"\nnodes = \"noise\"\nlevel = \"WARNING\"\n",
            "alarms.toml",
        )
        .unwrap();
        let leaf = |key: &str, title: &str, level: &str, score: f64, details| NodeRecord {
            title: title.into(),
            check: Some("c".into()),
            parent: key.rsplit_once('.').map(|(p, _)| p.to_string()),
            details,
            ..node(key, level, score)
        };
        let mut nodes = vec![
            node("noise", "WARNING", 97.0),
            // A per-sensor leaf's branch: named by its leaves, not itself.
            NodeRecord {
                check: Some("c".into()),
                parent: Some("noise".into()),
                ..node("noise.noise_links", "WARNING", 98.0)
            },
            leaf(
                "noise.noise_links.TELL1_005",
                "Noise per link, sensor 5",
                "ERROR",
                25.0,
                serde_json::json!({"worst_channels": "256-287"}),
            ),
            leaf(
                "noise.dead_channels.TELL1_014",
                "Dead channels, sensor 14",
                "WARNING",
                60.0,
                serde_json::json!({"count": 32}),
            ),
            leaf(
                "noise.noise_level.TELL1_001",
                "Mean noise, sensor 1",
                "OK",
                100.0,
                serde_json::Value::Null,
            ),
            // Another subsystem's failing leaf is not this alarm's business.
            leaf(
                "noisex.a",
                "Elsewhere",
                "ERROR",
                0.0,
                serde_json::Value::Null,
            ),
        ];
        let noise_message = |nodes: &[NodeRecord]| {
            let facts = RunFacts {
                run: 1,
                nodes,
                trends: &[],
            };
            let f = evaluate_run(&subsystem, &facts, &History::new(), &Since::new());
            f.into_iter()
                .find(|f| f.subject == "noise")
                .unwrap()
                .message
        };
        assert_eq!(
            noise_message(&nodes),
            "noise (noise) is WARNING, score 97.0: Noise per link, sensor 5 ERROR (channels \
             256-287); Dead channels, sensor 14 WARNING (32 channels)"
        );
        for k in 0..3 {
            nodes.push(leaf(
                &format!("noise.x.TELL1_{k:03}"),
                "More",
                "WARNING",
                70.0,
                serde_json::Value::Null,
            ));
        }
        let message = noise_message(&nodes);
        assert!(message.ends_with("; and 2 more"), "{message}");
        // A leaf's own alarm has nothing below it to name.
        assert_eq!(
            where_to_look(&nodes, "noise.noise_links.TELL1_005", &Since::new()),
            ""
        );
        // Since when, as the pages say it: a streak of runs, or new in this run.
        let streak = |since_run, runs, open| velo_dqstore::Streak {
            since_run,
            runs,
            open,
            since_ms: None,
        };
        let since: Since = [
            (
                "noise.noise_links.TELL1_005".to_string(),
                streak(7, 3, false),
            ),
            (
                "noise.dead_channels.TELL1_014".to_string(),
                streak(9, 1, false),
            ),
            ("noise.x.TELL1_000".to_string(), streak(2, 500, true)),
        ]
        .into();
        assert_eq!(
            where_to_look(&nodes[..5], "noise", &since),
            ": Noise per link, sensor 5 ERROR (channels 256-287, failing for 3 runs, since run 7); \
             Dead channels, sensor 14 WARNING (32 channels, new in this run)"
        );
        assert!(where_to_look(&nodes, "noise", &since)
            .contains("More WARNING (failing for 500+ runs, since run 2 or earlier)"));
    }

    #[test]
    fn trend_rules_fixed_range_and_robust_deviation() {
        let trends = vec![
            ("noise.a.mean_content".to_string(), 2.0),
            ("noise.b.mean_content".to_string(), 2.9),
            ("ped.c.mean_content".to_string(), 3.5),
            ("noise.a.rms_content".to_string(), 100.0),
        ];
        let facts = RunFacts {
            run: 9,
            nodes: &[],
            trends: &trends,
        };
        let r = rules();
        let mut needed = history_needed(&r, &facts);
        needed.sort();
        assert_eq!(
            needed,
            [
                ("noise.a.mean_content".to_string(), 5),
                ("noise.b.mean_content".to_string(), 5)
            ]
        );
        let mut h = History::new();
        // a: steady around 2.0 with small spread: 2.0 is fine.
        h.insert(
            "noise.a.mean_content".into(),
            vec![1.98, 2.0, 2.02, 2.01, 1.99],
        );
        // b: steady around 2.0, so 2.9 is far off: many deviations. Older values beyond
        // `runs` are ignored (a wild one here would widen the spread).
        h.insert(
            "noise.b.mean_content".into(),
            vec![50.0, 1.98, 2.0, 2.02, 2.01, 1.99],
        );
        let f = evaluate_run(&r, &facts, &h, &Since::new());
        let s = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            fired(&f),
            [
                s("range", "ped.c.mean_content"),
                s("drift", "noise.b.mean_content")
            ]
        );
        assert!(
            f[1].message.contains("robust deviations"),
            "{}",
            f[1].message
        );
        // Too little history: not judged.
        h.insert("noise.b.mean_content".into(), vec![2.0, 2.0]);
        assert_eq!(
            fired(&evaluate_run(&r, &facts, &h, &Since::new())),
            [s("range", "ped.c.mean_content")]
        );
        // Identical history: any change fires, none does not.
        h.insert("noise.b.mean_content".into(), vec![2.9; 5]);
        h.insert("noise.a.mean_content".into(), vec![2.1; 5]);
        assert_eq!(
            fired(&evaluate_run(&r, &facts, &h, &Since::new())),
            [
                s("range", "ped.c.mean_content"),
                s("drift", "noise.a.mean_content")
            ]
        );
    }

    #[test]
    fn median_and_mad() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        // 1, 2, 3, 4, 100: median 3, deviations 2, 1, 0, 1, 97: MAD 1.
        let v = [1.0, 2.0, 3.0, 4.0, 100.0];
        let m = median(v.to_vec());
        assert_eq!(median_of(v.iter().map(|x| (x - m).abs())), 1.0);
        let test = TrendTest::Mad {
            k: 3.0,
            runs: 5,
            min_runs: 5,
            min_spread: 0.0,
        };
        // 3 + 3 × 1.4826 = 7.45: 7 is inside, 8 outside.
        assert!(judge(&test, 7.0, &v).is_none());
        assert!(judge(&test, 8.0, &v).is_some());
        let floored = TrendTest::Mad {
            k: 3.0,
            runs: 5,
            min_runs: 5,
            min_spread: 2.0,
        };
        assert!(judge(&floored, 8.0, &v).is_none());
    }

    #[test]
    fn with_the_queue_away_the_workers_rules_alone_are_judged_and_fire() {
        let r = rules();
        let (judged, fired_now) = queue_away(&r, 42);
        assert_eq!(judged, ["workers"]);
        let s = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(fired(&fired_now), [s("workers", "workers")]);
        assert_eq!(fired_now[0].value, Some(0.0));
        assert!(
            fired_now[0].message.contains("has not answered for 42 s"),
            "{}",
            fired_now[0].message
        );
    }

    #[test]
    fn operational_rules() {
        let r = rules();
        let quiet = SystemFacts {
            live_workers: 2,
            scan_failing_secs: None,
            waiting_runs: 0,
            idle_secs: Some(10_000),
        };
        assert!(evaluate_system(&r, &quiet).is_empty());
        let bad = SystemFacts {
            live_workers: 1,
            scan_failing_secs: Some(61),
            waiting_runs: 3,
            idle_secs: None,
        };
        let f = evaluate_system(&r, &bad);
        let s = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            fired(&f),
            [
                s("workers", "workers"),
                s("scan", "scan"),
                s("stalled", "evaluations")
            ]
        );
        // The scan failing for less than its time, runs waiting while evaluations go on.
        let young = SystemFacts {
            scan_failing_secs: Some(59),
            idle_secs: Some(5),
            ..bad
        };
        assert_eq!(
            fired(&evaluate_system(&r, &young)),
            [s("workers", "workers")]
        );
    }
}
