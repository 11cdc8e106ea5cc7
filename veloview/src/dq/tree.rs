//! The combiner tree: leaf outcomes into a score and a level per branch, as the original's
//! `Combiner.calc_results` did.
//!
//! - A branch's score is the weighted mean of its counting children's scores, computed in f64
//!   and clamped to [0, 100] (the original raised on float round-off above 100).
//! - `warnings` counts leaves at WARNING or ERROR, `errors` leaves at ERROR, summed over the
//!   whole subtree: only leaf outcomes count, a branch's own level is ignored by its parent.
//! - A branch's level is the worse of `map(warnings; min_ww, min_we)` and
//!   `map(errors; min_ew, min_ee)`, where `map(n; lo, hi)` is OK below `lo`, WARNING below
//!   `hi`, ERROR from `hi`.
//! - A skipped leaf (a reference check on a run without a reference run) counts nothing and
//!   carries no weight; a branch whose children are all skipped is skipped too.

use super::config::{Branch, Leaf, Limits, Node};
use super::{Level, NodeResult, Outcome, Score};
use serde_json::{Map, Value};

/// What became of one (expanded) leaf.
#[derive(Debug, Clone)]
pub enum LeafResult {
    Evaluated(Outcome),
    /// Not evaluated, and why.
    Skipped(String),
}

/// `map(n; lo, hi)` of the original.
pub fn map_count(n: u32, lo: u32, hi: u32) -> Level {
    if n < lo {
        Level::Ok
    } else if n < hi {
        Level::Warning
    } else {
        Level::Error
    }
}

/// A leaf's node, from its check's outcome or the reason it was skipped.
#[allow(clippy::too_many_arguments)]
pub fn leaf_node(
    key: String,
    title: String,
    weight: f64,
    error_threshold: f64,
    warning_threshold: f64,
    result: LeafResult,
) -> NodeResult {
    let (score, level, details, bad_channels, skipped) = match result {
        LeafResult::Evaluated(o) => {
            let level = o.level_with(error_threshold, warning_threshold);
            (o.score, level, o.details, o.bad_channels, None)
        }
        LeafResult::Skipped(reason) => {
            (Score::MAX, Level::Ok, Map::new(), Vec::new(), Some(reason))
        }
    };
    let counted = skipped.is_none();
    NodeResult {
        key,
        title,
        score,
        level,
        warnings: (counted && level >= Level::Warning) as u32,
        errors: (counted && level == Level::Error) as u32,
        sensor: None,
        check: None,
        path: None,
        details,
        bad_channels,
        skipped,
        weight,
        children: Vec::new(),
    }
}

/// A branch's node from its children's, by the combiner rules above.
pub fn branch_node(
    key: String,
    title: String,
    weight: f64,
    limits: Limits,
    children: Vec<NodeResult>,
) -> NodeResult {
    let counting = || children.iter().filter(|c| c.skipped.is_none());
    let total_weight: f64 = counting().map(|c| c.weight).sum();
    let warnings: u32 = counting().map(|c| c.warnings).sum();
    let errors: u32 = counting().map(|c| c.errors).sum();
    let (score, skipped) = if total_weight > 0.0 {
        let sum: f64 = counting().map(|c| c.score.value() * c.weight).sum();
        (Score::new(sum / total_weight), None)
    } else {
        (
            Score::MAX,
            Some("every check below was skipped".to_string()),
        )
    };
    let level = map_count(warnings, limits.min_ww, limits.min_we).max(map_count(
        errors,
        limits.min_ew,
        limits.min_ee,
    ));
    let mut details = Map::new();
    details.insert("min_ww".into(), Value::from(limits.min_ww));
    details.insert("min_we".into(), Value::from(limits.min_we));
    details.insert("min_ew".into(), Value::from(limits.min_ew));
    details.insert("min_ee".into(), Value::from(limits.min_ee));
    NodeResult {
        key,
        title,
        score,
        level,
        warnings,
        errors,
        sensor: None,
        check: None,
        path: None,
        details,
        bad_channels: Vec::new(),
        skipped,
        weight,
        children,
    }
}

/// The key of a per-sensor leaf's child for `sensor`.
pub fn sensor_key(leaf_key: &str, sensor: u32) -> String {
    format!("{leaf_key}.TELL1_{sensor:03}")
}

/// Evaluate the configured tree. `judge(leaf, sensor)` evaluates one leaf (for a per-sensor
/// leaf, once per sensor) and returns its result; the tree decides the rest.
pub fn evaluate_tree(
    root: &Branch,
    judge: &mut dyn FnMut(&Leaf, Option<u32>) -> LeafResult,
) -> NodeResult {
    evaluate_branch(root, judge)
}

fn evaluate_branch(
    b: &Branch,
    judge: &mut dyn FnMut(&Leaf, Option<u32>) -> LeafResult,
) -> NodeResult {
    let children = b
        .children
        .iter()
        .map(|c| match c {
            Node::Branch(sub) => evaluate_branch(sub, judge),
            Node::Leaf(l) => evaluate_leaf(l, judge),
        })
        .collect();
    branch_node(b.key.clone(), b.title.clone(), b.weight, b.limits, children)
}

fn evaluate_leaf(l: &Leaf, judge: &mut dyn FnMut(&Leaf, Option<u32>) -> LeafResult) -> NodeResult {
    let one = |sensor: Option<u32>, key: String, title: String, weight: f64, r: LeafResult| {
        let mut n = leaf_node(
            key,
            title,
            weight,
            l.error_threshold,
            l.warning_threshold,
            r,
        );
        n.sensor = sensor;
        n.check = Some(l.check_name.clone());
        n.path = Some(match sensor {
            Some(s) => l.template.render(s),
            None => l.path.clone(),
        });
        n
    };
    match l.sensors {
        None => {
            let r = judge(l, None);
            one(None, l.key.clone(), l.title.clone(), l.weight, r)
        }
        Some(set) => {
            // As the original's per-TELL1 combiners: a branch named after the leaf, one equally
            // weighted leaf per sensor, the leaf's own limits.
            let children = set
                .sensors()
                .into_iter()
                .map(|s| {
                    let r = judge(l, Some(s));
                    one(
                        Some(s),
                        sensor_key(&l.key, s),
                        format!("{}, sensor {s}", l.title),
                        1.0,
                        r,
                    )
                })
                .collect();
            let mut n = branch_node(l.key.clone(), l.title.clone(), l.weight, l.limits, children);
            n.check = Some(l.check_name.clone());
            n.path = Some(l.path.clone());
            n
        }
    }
}
