//! The alarm rules (`config/alarms.toml`): which evaluated nodes, trended variables and
//! operational conditions raise an alarm. Read strictly, like `config/dq.toml`: an unknown field,
//! a field that does not apply to the rule's kind, a bad pattern or a bad number is an error at
//! load naming the file, the line and the rule. The format is documented in docs/DATA_QUALITY.md.

use super::glob::Glob;
use crate::dq::Level;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

/// Largest rules file read: a few hundred rules are a few tens of KiB.
const MAX_FILE_BYTES: u64 = 1 << 20;

/// The rules, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmRules {
    pub rules: Vec<Rule>,
    /// Where they were read from, for messages.
    pub origin: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Unique; names the rule in alarms, notifications and URLs.
    pub name: String,
    /// For level rules the lowest node level that fires; for the others the level the alarm
    /// is raised at.
    pub level: Level,
    pub kind: RuleKind,
    /// The line of the rule's table in the file, for messages.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RuleKind {
    /// Every node whose key matches, at `level` or worse.
    Level { nodes: Glob },
    /// Every trended variable that matches, judged by `test`.
    Trend { variable: Glob, test: TrendTest },
    /// Fewer live workers (heartbeat within the dead-worker time) than `min`.
    Workers { min: u32 },
    /// The data-quality scan has failed for `after_secs` (every attempt since the last success).
    ScanFailing { after_secs: u64 },
    /// Runs in the run list are waiting for their first evaluation and nothing has been
    /// evaluated for `after_secs`.
    Stalled { after_secs: u64 },
}

impl RuleKind {
    /// What the file calls it.
    pub fn name(&self) -> &'static str {
        match self {
            RuleKind::Level { .. } => "level",
            RuleKind::Trend { .. } => "trend",
            RuleKind::Workers { .. } => "workers",
            RuleKind::ScanFailing { .. } => "scan_failing",
            RuleKind::Stalled { .. } => "stalled",
        }
    }

    /// Whether the rule judges one run's evaluation (the others judge the system).
    pub fn per_run(&self) -> bool {
        matches!(self, RuleKind::Level { .. } | RuleKind::Trend { .. })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum TrendTest {
    /// Outside [min, max] (either may be open).
    Range { min: Option<f64>, max: Option<f64> },
    /// More than `k` robust deviations from the median of the previous `runs` evaluated runs;
    /// a robust deviation is 1.4826 × the median absolute deviation (the standard deviation,
    /// for normally distributed values), at least `min_spread`. Not judged with fewer than
    /// `min_runs` previous values.
    Mad {
        k: f64,
        runs: usize,
        min_runs: usize,
        min_spread: f64,
    },
}

/// The fields each kind takes (besides `name`, `kind` and `level`).
fn fields_of(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "level" => &["nodes"],
        "trend" => &[
            "variable",
            "min",
            "max",
            "mad_k",
            "runs",
            "min_runs",
            "min_spread",
        ],
        "workers" => &["min"],
        "scan_failing" | "stalled" => &["after_secs"],
        _ => return None,
    })
}
const KINDS: &str = "level, trend, workers, scan_failing, stalled";

type RawRule = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

impl AlarmRules {
    /// Read and check `path`; the error names the file and the line.
    pub fn load(path: &Path) -> Result<AlarmRules, String> {
        let origin = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {origin}: {e}"))?;
        if meta.len() > MAX_FILE_BYTES {
            return Err(format!(
                "{origin}: larger than {} MiB, not an alarm rules file",
                MAX_FILE_BYTES >> 20
            ));
        }
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read {origin}: {e}"))?;
        AlarmRules::parse(&text, &origin)
    }

    /// Parse rules; `origin` (a file name) starts every error message.
    pub fn parse(text: &str, origin: &str) -> Result<AlarmRules, String> {
        let line = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            #[serde(default)]
            rule: Vec<Spanned<RawRule>>,
        }
        let file: File = toml::from_str(text).map_err(|e: toml::de::Error| {
            let at = e.span().map(|s| format!(" line {}:", line(s.start)));
            format!("{origin}:{} {}", at.unwrap_or_default(), e.message().trim())
        })?;
        let raw = file
            .rule
            .into_iter()
            .map(|r| (line(r.span().start), r.into_inner()));
        let mut rules: Vec<Rule> = Vec::new();
        for (at, r) in raw {
            let rule = rule(r, at, &line).map_err(|e| format!("{origin}: {e}"))?;
            if let Some(first) = rules.iter().find(|o| o.name == rule.name) {
                return Err(format!(
                    "{origin}: line {}: rule {:?}: name already used by the rule on line {}",
                    rule.line, rule.name, first.line
                ));
            }
            rules.push(rule);
        }
        Ok(AlarmRules {
            rules,
            origin: origin.to_string(),
        })
    }

    /// The rules `alarms_config_file` names; `None` when the setting is empty or the file does
    /// not exist (no alarms). A file that exists must parse.
    pub fn from_settings(s: &velo_config::Settings) -> Result<Option<AlarmRules>, String> {
        let path = &s.alarms_config_file;
        if path.as_os_str().is_empty() || !path.exists() {
            return Ok(None);
        }
        AlarmRules::load(path).map(Some)
    }

    pub fn rule(&self, name: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.name == name)
    }

    /// The rules that judge runs.
    pub fn per_run(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(|r| r.kind.per_run())
    }
}

/// One `[[rule]]` table, starting on line `at`.
fn rule(mut r: RawRule, at: usize, line: &dyn Fn(usize) -> usize) -> Result<Rule, String> {
    let take = |r: &mut RawRule, k: &str| -> Option<(usize, toml::Value)> {
        let key = r.keys().find(|s| s.get_ref() == k)?.clone();
        r.remove(&key)
            .map(|v| (line(v.span().start), v.into_inner()))
    };
    let name = match take(&mut r, "name") {
        Some((_, toml::Value::String(s))) if key_like(&s) => s,
        Some((l, v)) => {
            return Err(format!(
                "line {l}: field `name`: {} is not 1-64 of A-Z, a-z, 0-9, '_' and '-'",
                show(&v)
            ))
        }
        None => return Err(format!("line {at}: a [[rule]] without `name`")),
    };
    let here = |l: usize| format!("line {l}: rule {name:?}");
    let kind = match take(&mut r, "kind") {
        Some((_, toml::Value::String(s))) => s,
        Some((l, _)) => return Err(format!("{}: field `kind` must be a string", here(l))),
        None => return Err(format!("{}: no `kind` ({KINDS})", here(at))),
    };
    let Some(allowed) = fields_of(&kind) else {
        return Err(format!("{}: kind {kind:?} is not one of {KINDS}", here(at)));
    };
    let level = match take(&mut r, "level") {
        None => Level::Warning,
        Some((l, toml::Value::String(s))) => match Level::parse(&s) {
            Some(Level::Ok) | None => {
                return Err(format!(
                    "{}: field `level`: {s:?} is not \"WARNING\" or \"ERROR\"",
                    here(l)
                ))
            }
            Some(level) => level,
        },
        Some((l, _)) => return Err(format!("{}: field `level` must be a string", here(l))),
    };
    if let Some(k) = r.keys().find(|k| !allowed.contains(&k.get_ref().as_str())) {
        return Err(format!(
            "{}: unknown field `{}` for a {kind} rule (it takes name, kind, level, {})",
            here(line(k.span().start)),
            k.get_ref(),
            allowed.join(", ")
        ));
    }
    let mut f = Fields {
        r,
        here: &here,
        line,
    };
    let kind = match kind.as_str() {
        "level" => RuleKind::Level {
            nodes: f.glob("nodes", at)?,
        },
        "trend" => trend(&mut f, at)?,
        "workers" => RuleKind::Workers {
            min: f.int("min", 1, 1000)?.unwrap_or(1) as u32,
        },
        "scan_failing" => RuleKind::ScanFailing {
            after_secs: f.int("after_secs", 0, 86_400 * 30)?.unwrap_or(0) as u64,
        },
        _ => RuleKind::Stalled {
            after_secs: f
                .int("after_secs", 1, 86_400 * 30)?
                .ok_or_else(|| format!("{}: a stalled rule needs `after_secs`", here(at)))?
                as u64,
        },
    };
    Ok(Rule {
        name,
        level,
        kind,
        line: at,
    })
}

fn trend(f: &mut Fields, at: usize) -> Result<RuleKind, String> {
    let variable = f.glob("variable", at)?;
    let (min, max) = (f.num("min")?, f.num("max")?);
    let k = f.num("mad_k")?;
    let runs = f.int("runs", 1, 10_000)?;
    let min_runs = f.int("min_runs", 1, 10_000)?;
    let min_spread = f.num("min_spread")?;
    let here = f.here;
    let test = match (min.is_some() || max.is_some(), k) {
        (true, Some(_)) => {
            return Err(format!(
                "{}: either a range (min/max) or mad_k, not both",
                here(at)
            ))
        }
        (false, None) => {
            return Err(format!(
                "{}: a trend rule needs min and/or max, or mad_k",
                here(at)
            ))
        }
        (true, None) => {
            if runs.is_some() || min_runs.is_some() || min_spread.is_some() {
                return Err(format!(
                    "{}: runs, min_runs and min_spread go with mad_k, not with a range",
                    here(at)
                ));
            }
            if let (Some(a), Some(b)) = (min, max) {
                if a > b {
                    return Err(format!("{}: min ({a}) is above max ({b})", here(at)));
                }
            }
            TrendTest::Range { min, max }
        }
        (false, Some(k)) => {
            if k <= 0.0 {
                return Err(format!("{}: mad_k ({k}) must be positive", here(at)));
            }
            let runs = runs.unwrap_or(20) as usize;
            let min_runs = min_runs.unwrap_or(5.min(runs as i64)) as usize;
            if min_runs > runs {
                return Err(format!(
                    "{}: min_runs ({min_runs}) is above runs ({runs})",
                    here(at)
                ));
            }
            let min_spread = min_spread.unwrap_or(0.0);
            if min_spread < 0.0 {
                return Err(format!("{}: min_spread must not be negative", here(at)));
            }
            TrendTest::Mad {
                k,
                runs,
                min_runs,
                min_spread,
            }
        }
    };
    Ok(RuleKind::Trend { variable, test })
}

/// A rule's remaining fields, taken one by one with typed errors naming their line.
struct Fields<'a> {
    r: RawRule,
    here: &'a dyn Fn(usize) -> String,
    line: &'a dyn Fn(usize) -> usize,
}

impl Fields<'_> {
    fn take(&mut self, k: &str) -> Option<(usize, toml::Value)> {
        let key = self.r.keys().find(|s| s.get_ref() == k)?.clone();
        let line = self.line;
        self.r
            .remove(&key)
            .map(|v| (line(v.span().start), v.into_inner()))
    }

    fn glob(&mut self, k: &str, at: usize) -> Result<Glob, String> {
        match self.take(k) {
            Some((l, toml::Value::String(s))) => {
                Glob::parse(&s).map_err(|e| format!("{}: field `{k}`: {e}", (self.here)(l)))
            }
            Some((l, _)) => Err(format!("{}: field `{k}` must be a string", (self.here)(l))),
            None => Err(format!("{}: no `{k}`", (self.here)(at))),
        }
    }

    fn num(&mut self, k: &str) -> Result<Option<f64>, String> {
        match self.take(k) {
            None => Ok(None),
            Some((_, toml::Value::Float(v))) if v.is_finite() => Ok(Some(v)),
            Some((_, toml::Value::Integer(v))) => Ok(Some(v as f64)),
            Some((l, v)) => Err(format!(
                "{}: field `{k}`: {} is not a finite number",
                (self.here)(l),
                show(&v)
            )),
        }
    }

    fn int(&mut self, k: &str, lo: i64, hi: i64) -> Result<Option<i64>, String> {
        match self.take(k) {
            None => Ok(None),
            Some((_, toml::Value::Integer(v))) if (lo..=hi).contains(&v) => Ok(Some(v)),
            Some((l, v)) => Err(format!(
                "{}: field `{k}`: {} is not a whole number in [{lo}, {hi}]",
                (self.here)(l),
                show(&v)
            )),
        }
    }
}

/// A value as a message shows it (this build of `toml` does not print values).
fn show(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("{s:?}"),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::Array(_) => "an array".into(),
        toml::Value::Table(_) => "a table".into(),
    }
}

fn key_like(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[rule]]
name = "noise"
kind = "level"
nodes = "noise.*"
level = "ERROR"

[[rule]]
name = "pedestal_range"
kind = "trend"
variable = "pedestals.*.mean_content"
min = 505
max = 519.5

[[rule]]
name = "noise_drift"
kind = "trend"
variable = "noise.noise_level.*.mean_content"
mad_k = 5.0
runs = 10

[[rule]]
name = "workers"
kind = "workers"
level = "ERROR"

[[rule]]
name = "stalled"
kind = "stalled"
after_secs = 600
"#;

    fn err(text: &str) -> String {
        AlarmRules::parse(text, "alarms.toml").unwrap_err()
    }

    #[test]
    fn a_good_file() {
        let r = AlarmRules::parse(GOOD, "alarms.toml").unwrap();
        assert_eq!(r.rules.len(), 5);
        assert_eq!(r.rules[0].level, Level::Error);
        assert_eq!(r.rules[0].line, 2);
        assert_eq!(
            r.rules[1].kind,
            RuleKind::Trend {
                variable: Glob::parse("pedestals.*.mean_content").unwrap(),
                test: TrendTest::Range {
                    min: Some(505.0),
                    max: Some(519.5)
                }
            }
        );
        assert_eq!(r.rules[1].level, Level::Warning);
        let RuleKind::Trend {
            test: TrendTest::Mad { runs, min_runs, .. },
            ..
        } = r.rules[2].kind
        else {
            panic!()
        };
        assert_eq!((runs, min_runs), (10, 5));
        assert_eq!(r.rules[3].kind, RuleKind::Workers { min: 1 });
        assert_eq!(r.per_run().count(), 3);
        assert!(AlarmRules::parse("", "x").unwrap().rules.is_empty());
    }

    #[test]
    fn errors_name_the_file_the_line_and_the_rule() {
        let cases: Vec<(String, &[&str])> = vec![
            (
                GOOD.replace("nodes = \"noise.*\"", "node = \"noise.*\""),
                &["line 5", "\"noise\"", "`node`"],
            ),
            (
                GOOD.replace(
                    "level = \"ERROR\"\n\n[[rule]]\nname = \"pedestal_range\"",
                    "level = \"BAD\"\n\n[[rule]]\nname = \"pedestal_range\"",
                ),
                &["line 6", "BAD"],
            ),
            (
                GOOD.replace("max = 519.5", "max = 500"),
                &["line 8", "pedestal_range", "above"],
            ),
            (
                GOOD.replace("mad_k = 5.0", "mad_k = 5.0\nmin = 1"),
                &["noise_drift", "not both"],
            ),
            (GOOD.replace("runs = 10", "runs = 0"), &["line 20", "runs"]),
            (
                GOOD.replace("kind = \"stalled\"", "kind = \"stale\""),
                &["stale", "level, trend"],
            ),
            (
                GOOD.replace("after_secs = 600", ""),
                &["stalled", "after_secs"],
            ),
            (
                GOOD.replace("name = \"stalled\"", "name = \"noise\""),
                &["line 27", "line 2", "already"],
            ),
            (
                GOOD.replace("nodes = \"noise.*\"", "nodes = \"noise/*\""),
                &["line 5", "pattern"],
            ),
            (
                GOOD.replace(
                    "variable = \"noise.noise",
                    "mad_k = 1\nvariable = \"noise.noise",
                ),
                &["line 20", "duplicate"],
            ),
            (format!("colour = 1\n{GOOD}"), &["line 1", "colour"]),
            (
                GOOD.replace("name = \"workers\"\n", ""),
                &["line 22", "without `name`"],
            ),
            (
                GOOD.replace("min = 505", "min = 505\nnodes = \"x\""),
                &["line 13", "`nodes`", "trend"],
            ),
            (
                GOOD.replace("level = \"ERROR\"", "level = ERROR"),
                &["line 6"],
            ),
        ];
        for (text, wanted) in cases {
            let e = err(&text);
            assert!(e.starts_with("alarms.toml:"), "{e}");
            for w in wanted {
                assert!(e.contains(w), "{wanted:?} not in: {e}");
            }
        }
    }

    #[test]
    fn the_shipped_rules_load() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/alarms.toml");
        let r = AlarmRules::load(&path).unwrap();
        assert!(r.rule("noise").is_some() && r.rule("no_worker").is_some());
    }

    #[test]
    fn load_names_the_file() {
        let e = AlarmRules::load(Path::new("/nonexistent/alarms.toml")).unwrap_err();
        assert!(e.contains("/nonexistent/alarms.toml"), "{e}");
    }
}
