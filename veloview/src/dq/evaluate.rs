//! One run's evaluation: open its file (and its reference run's) once, read each configured
//! histogram once, run every leaf's check, combine by the tree's rules, collect trended values.

use super::config::{DqConfig, Leaf};
use super::tree::{self, LeafResult};
use super::trend;
use super::{NodeResult, Outcome, RunEvaluation};
use crate::runview::{paths, RunData};
use crate::{Histogram, RootFile};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// One opened run file and the histograms read from it so far.
struct Source {
    file: RootFile,
    /// "run file N" or "reference run file R", for messages.
    origin: String,
    cache: RefCell<HashMap<String, Result<Rc<Histogram>, String>>>,
}

impl Source {
    fn open(data: &RunData, run: u32, origin: String) -> Result<Source, String> {
        let path = data.run_file(run).map_err(|e| {
            format!(
                "{e} (no *.root file in {})",
                paths::run_dir(&data.data_dir, run).display()
            )
        })?;
        let file = RootFile::open(&path).map_err(|e| e.to_string())?;
        Ok(Source {
            file,
            origin,
            cache: RefCell::new(HashMap::new()),
        })
    }

    /// The histogram at `name`, read on first use.
    fn get(&self, name: &str) -> Result<Rc<Histogram>, String> {
        if let Some(h) = self.cache.borrow().get(name) {
            return h.clone();
        }
        let h = self.read(name).map(Rc::new);
        self.cache.borrow_mut().insert(name.to_string(), h.clone());
        h
    }

    fn read(&self, name: &str) -> Result<Histogram, String> {
        let key = self.file.get(name).map_err(|e| {
            if e.is_not_found() {
                format!("histogram {name:?} not found in {}", self.origin)
            } else {
                e.to_string()
            }
        })?;
        self.file.histogram_of(&key).map_err(|e| {
            if e.is_unsupported() {
                format!(
                    "{name:?} in {} is a {}, not a histogram",
                    self.origin, key.class
                )
            } else {
                e.to_string()
            }
        })
    }
}

/// The reference run as far as it could be found.
enum Reference {
    /// No reference run (no range holds the run, or it is not processed): reference checks are
    /// skipped with this reason.
    Absent(String),
    /// A reference run whose file cannot be read: reference checks are ERROR with this reason.
    Unreadable(u32, String),
    /// The reference run and its file (`None`: the run's own).
    Present(u32, Option<Source>),
}

/// Evaluate `run` by `config`. An error only when the run cannot be judged at all: not in the
/// run list, no run file, a file that is not readable ROOT (the message names it), or a bad
/// reference ranges file. Anything wrong inside a readable file is an ERROR leaf saying why.
pub fn evaluate_run(data: &RunData, config: &DqConfig, run: u32) -> Result<RunEvaluation, String> {
    let (list, _) = data.runs()?;
    let run = list.check(run)?;
    let source = Source::open(data, run, format!("run file {run}"))?;
    let refs = data.references()?;
    let reference = match refs.reference_for(run) {
        None => Reference::Absent(format!("no reference run is configured for run {run}")),
        Some(r) if !list.contains(r) => Reference::Absent(format!(
            "reference run {r} of run {run} is not in the processed run list"
        )),
        // A reference run is its own reference: its file is open already.
        Some(r) if r == run => Reference::Present(r, None),
        Some(r) => match Source::open(data, r, format!("reference run file {r}")) {
            Ok(s) => Reference::Present(r, Some(s)),
            Err(e) => Reference::Unreadable(r, format!("reference run {r}: {e}")),
        },
    };
    let reference_run = match &reference {
        Reference::Absent(_) => None,
        Reference::Unreadable(r, _) | Reference::Present(r, _) => Some(*r),
    };

    let mut trends = BTreeMap::new();
    let mut judge = |leaf: &Leaf, sensor: Option<u32>| -> LeafResult {
        let name = leaf.template.render(sensor.unwrap_or(0));
        let hist = source.get(&name);
        if let Ok(h) = &hist {
            let key = match sensor {
                Some(s) => tree::sensor_key(&leaf.key, s),
                None => leaf.key.clone(),
            };
            for &q in &leaf.trend {
                if let Some(v) = trend::quantity(h, q) {
                    trends.insert(format!("{key}.{}", q.as_str()), v);
                }
            }
        }
        judge_leaf(leaf, hist, &reference, &source, &name)
    };
    let root = tree::evaluate_tree(&config.root, &mut judge);
    collect_scores(&root, &mut trends);
    Ok(RunEvaluation {
        run,
        reference_run,
        root,
        trends,
    })
}

fn judge_leaf(
    leaf: &Leaf,
    hist: Result<Rc<Histogram>, String>,
    reference: &Reference,
    own: &Source,
    name: &str,
) -> LeafResult {
    let ref_hist = if leaf.reference {
        match reference {
            Reference::Absent(reason) => return LeafResult::Skipped(reason.clone()),
            Reference::Unreadable(_, reason) => {
                return LeafResult::Evaluated(Outcome::error(reason.clone()))
            }
            Reference::Present(r, s) => match s.as_ref().unwrap_or(own).get(name) {
                Ok(h) => Some((h, *r)),
                Err(e) => return LeafResult::Evaluated(Outcome::error(e)),
            },
        }
    } else {
        None
    };
    let hist = match hist {
        Ok(h) => h,
        Err(e) => return LeafResult::Evaluated(Outcome::error(e)),
    };
    let mut outcome = leaf
        .check
        .evaluate(&hist, ref_hist.as_ref().map(|(h, _)| &**h));
    if outcome.level.is_none() {
        // Score-only check: say which thresholds made the level.
        for (k, v) in [
            ("error_threshold", leaf.error_threshold),
            ("warning_threshold", leaf.warning_threshold),
        ] {
            outcome.details.entry(k).or_insert(Value::from(v));
        }
    }
    if let Some((_, r)) = ref_hist {
        outcome
            .details
            .entry("reference_run")
            .or_insert(Value::from(r));
    }
    LeafResult::Evaluated(outcome)
}

/// `<key>.score` for every evaluated node; the top node's is plain `score`.
fn collect_scores(n: &NodeResult, trends: &mut BTreeMap<String, f64>) {
    if n.skipped.is_none() {
        let key = if n.key.is_empty() {
            "score".to_string()
        } else {
            format!("{}.score", n.key)
        };
        trends.insert(key, n.score.value());
    }
    for c in &n.children {
        collect_scores(c, trends);
    }
}
