//! One run's evaluation: open its file (and its reference run's) once, read each configured
//! histogram once, run every leaf's check, combine by the tree's rules, collect trended values.

use super::config::{Branch, DqConfig, Leaf, Node};
use super::tree::{self, LeafResult};
use super::trend;
use super::{Level, NodeResult, Outcome, RunEvaluation};
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

    let mut vetting = HashMap::new();
    reference_free_siblings(&config.root, &mut vetting);
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
        let vet = vetting
            .get(leaf.key.as_str())
            .map_or(&[][..], Vec::as_slice);
        judge_leaf(leaf, sensor, hist, &reference, &source, &name, vet)
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

/// For each leaf that compares with the reference run in a branch that vets its reference, the
/// leaves of its branch that judge a run on its own: what the reference run must pass for a
/// comparison with it to mean anything.
fn reference_free_siblings<'a>(b: &'a Branch, out: &mut HashMap<&'a str, Vec<&'a Leaf>>) {
    let leaves = || {
        b.children.iter().filter_map(|c| match c {
            Node::Leaf(l) => Some(&**l),
            Node::Branch(_) => None,
        })
    };
    if b.vet_reference {
        let own: Vec<&Leaf> = leaves().filter(|l| !l.reference).collect();
        for l in leaves().filter(|l| l.reference) {
            out.insert(l.key.as_str(), own.clone());
        }
    }
    for c in &b.children {
        if let Node::Branch(sub) = c {
            reference_free_siblings(sub, out);
        }
    }
}

/// Why a comparison with reference run `run` cannot judge: at every place it found wrong
/// (`suspects`: its sensor, or `None` for run-wide), the reference fails one of `vet` (its
/// branch's reference-free checks) there. A problem in the reference would otherwise show,
/// mirrored, in every run compared with it. `None` when the reference passes somewhere: the
/// run's departure there is its own.
fn reference_fails(
    reference: &Source,
    run: u32,
    vet: &[&Leaf],
    suspects: &[Option<u32>],
) -> Option<String> {
    let fails_at = |sensor: Option<u32>| {
        let covers = |l: &Leaf| match (l.sensors, sensor) {
            (None, None) => true,
            (Some(set), Some(s)) => set.sensors().contains(&s),
            _ => false,
        };
        vet.iter().filter(|l| covers(l)).find_map(|l| {
            let h = reference
                .get(&l.template.render(sensor.unwrap_or(0)))
                .ok()?;
            let level = l
                .check
                .evaluate(&h, None)
                .level_with(l.error_threshold, l.warning_threshold);
            let on = sensor.map_or(String::new(), |s| format!(", sensor {s}"));
            (level > Level::Ok).then(|| format!("{level} on {}{on}", l.title))
        })
    };
    let found: Vec<String> = suspects
        .iter()
        .map(|&s| fails_at(s))
        .collect::<Option<_>>()?;
    Some(format!(
        "reference run {run} is itself {}: a comparison with it cannot judge this run",
        found.join("; ")
    ))
}

/// Where a failing comparison found the run wrong: the leaf's sensor; for a run-wide check over
/// one bin per sensor, the sensors that depart; else the run as a whole (`None`).
fn suspects(sensor: Option<u32>, outcome: &Outcome) -> Vec<Option<u32>> {
    if sensor.is_some() {
        return vec![sensor];
    }
    let mut sensors: Vec<Option<u32>> = Vec::new();
    if outcome.details.get("unit").and_then(Value::as_str) == Some("sensor") {
        for b in &outcome.bad_channels {
            let s = Some(b.x.floor()).filter(|x| (0.0..=u32::MAX as f64).contains(x));
            if let Some(s) = s.map(|x| x as u32) {
                if !sensors.contains(&Some(s)) {
                    sensors.push(Some(s));
                }
            }
        }
    }
    if sensors.is_empty() {
        sensors.push(None);
    }
    sensors
}

fn judge_leaf(
    leaf: &Leaf,
    sensor: Option<u32>,
    hist: Result<Rc<Histogram>, String>,
    reference: &Reference,
    own: &Source,
    name: &str,
    vet: &[&Leaf],
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
        // Only a failing comparison asks whether the reference itself was sound: clean runs pay
        // nothing for it. A run that is its own reference compares equal and is never asked.
        if let Reference::Present(_, Some(ref_source)) = reference {
            let level = outcome.level_with(leaf.error_threshold, leaf.warning_threshold);
            if level > Level::Ok {
                let suspects = suspects(sensor, &outcome);
                if let Some(reason) = reference_fails(ref_source, r, vet, &suspects) {
                    return LeafResult::Skipped(reason);
                }
            }
        }
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
