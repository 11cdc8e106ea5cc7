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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dq::config::{BRANCH_LIMITS, TOP_LIMITS};

    fn leaf(key: &str, score: f64, level: Option<Level>, weight: f64) -> NodeResult {
        leaf_node(
            key.into(),
            key.into(),
            weight,
            50.0,
            80.0,
            LeafResult::Evaluated(Outcome::new(score, level)),
        )
    }

    fn skipped(key: &str) -> NodeResult {
        leaf_node(
            key.into(),
            key.into(),
            1.0,
            50.0,
            80.0,
            LeafResult::Skipped("no reference run".into()),
        )
    }

    fn branch(children: Vec<NodeResult>, limits: Limits) -> NodeResult {
        branch_node("b".into(), "b".into(), 1.0, limits, children)
    }

    #[test]
    fn count_mapping_is_the_originals() {
        assert_eq!(map_count(0, 5, 10), Level::Ok);
        assert_eq!(map_count(4, 5, 10), Level::Ok);
        assert_eq!(map_count(5, 5, 10), Level::Warning);
        assert_eq!(map_count(9, 5, 10), Level::Warning);
        assert_eq!(map_count(10, 5, 10), Level::Error);
        assert_eq!(map_count(1, 1, 2), Level::Warning);
        assert_eq!(map_count(2, 1, 2), Level::Error);
    }

    #[test]
    fn score_only_leaves_map_through_their_thresholds() {
        let l = |s| leaf("l", s, None, 1.0).level;
        assert_eq!(l(49.9), Level::Error);
        assert_eq!(l(50.0), Level::Warning);
        assert_eq!(l(79.9), Level::Warning);
        assert_eq!(l(80.0), Level::Ok);
        // A check's own level wins over the thresholds.
        assert_eq!(leaf("l", 10.0, Some(Level::Ok), 1.0).level, Level::Ok);
        let w = leaf("l", 60.0, None, 1.0);
        assert_eq!((w.warnings, w.errors), (1, 0));
        let e = leaf("l", 10.0, None, 1.0);
        assert_eq!((e.warnings, e.errors), (1, 1));
    }

    #[test]
    fn weighted_mean_of_scores() {
        let b = branch(
            vec![
                leaf("a", 100.0, Some(Level::Ok), 3.0),
                leaf("b", 20.0, Some(Level::Ok), 1.0),
            ],
            BRANCH_LIMITS,
        );
        assert!((b.score.value() - 80.0).abs() < 1e-12);
    }

    #[test]
    fn round_off_is_clamped() {
        // The original raised here: 7 equal children of 100 summed to 100.00000000000001.
        for n in [6, 7, 9, 11, 15] {
            let children = (0..n)
                .map(|i| leaf(&i.to_string(), 100.0, Some(Level::Ok), 1.0 / n as f64))
                .collect();
            let b = branch(children, BRANCH_LIMITS);
            assert!(b.score.value() <= 100.0 && b.score.value() > 99.999, "{n}");
        }
    }

    #[test]
    fn counts_are_of_leaves_and_errors_count_as_warnings() {
        let inner = branch(
            vec![
                leaf("w", 70.0, Some(Level::Warning), 1.0),
                leaf("e", 0.0, Some(Level::Error), 1.0),
                leaf("o", 100.0, Some(Level::Ok), 1.0),
            ],
            BRANCH_LIMITS,
        );
        assert_eq!((inner.warnings, inner.errors), (2, 1));
        // 1 error: WARNING by minEW = 1.
        assert_eq!(inner.level, Level::Warning);
        let outer = branch(
            vec![inner, leaf("e2", 0.0, Some(Level::Error), 1.0)],
            BRANCH_LIMITS,
        );
        assert_eq!((outer.warnings, outer.errors), (3, 2));
        // 2 errors: ERROR by minEE = 2, although no child branch is ERROR.
        assert_eq!(outer.level, Level::Error);
    }

    #[test]
    fn warnings_alone_need_min_ww() {
        let warnings = |n: usize| {
            branch(
                (0..n)
                    .map(|i| leaf(&i.to_string(), 70.0, None, 1.0))
                    .collect(),
                BRANCH_LIMITS,
            )
            .level
        };
        assert_eq!(warnings(4), Level::Ok);
        assert_eq!(warnings(5), Level::Warning);
        assert_eq!(warnings(9), Level::Warning);
        assert_eq!(warnings(10), Level::Error);
    }

    #[test]
    fn a_branch_level_does_not_count_for_its_parent() {
        // A branch at WARNING from 5 warnings adds 5 warnings to its parent, not one more.
        let inner = branch(
            (0..5)
                .map(|i| leaf(&i.to_string(), 70.0, None, 1.0))
                .collect(),
            BRANCH_LIMITS,
        );
        assert_eq!(inner.level, Level::Warning);
        let top = branch(vec![inner], TOP_LIMITS);
        assert_eq!((top.warnings, top.errors), (5, 0));
        assert_eq!(top.level, Level::Ok);
    }

    #[test]
    fn skipped_leaves_neither_count_nor_weigh() {
        let b = branch(
            vec![
                leaf("a", 60.0, Some(Level::Ok), 1.0),
                skipped("r1"),
                skipped("r2"),
            ],
            BRANCH_LIMITS,
        );
        assert_eq!(b.score.value(), 60.0);
        assert_eq!((b.warnings, b.errors), (0, 0));
        assert!(b.skipped.is_none());
        let s = &b.children[1];
        assert_eq!(s.skipped.as_deref(), Some("no reference run"));
        assert_eq!((s.warnings, s.errors), (0, 0));
        // All skipped: the branch is skipped too and weighs nothing above.
        let all = branch(vec![skipped("r1"), skipped("r2")], BRANCH_LIMITS);
        assert!(all.skipped.is_some());
        assert_eq!(all.level, Level::Ok);
        let top = branch(vec![all, leaf("x", 40.0, Some(Level::Ok), 1.0)], TOP_LIMITS);
        assert_eq!(top.score.value(), 40.0);
    }

    #[test]
    fn the_worse_of_the_two_counts() {
        // 3 warnings (< minWW 5) but 1 error (>= minEW 1): WARNING.
        let b = branch(
            vec![
                leaf("w1", 70.0, None, 1.0),
                leaf("w2", 70.0, None, 1.0),
                leaf("e", 10.0, None, 1.0),
            ],
            BRANCH_LIMITS,
        );
        assert_eq!(b.level, Level::Warning);
        // Under the top node's limits 1 error is still WARNING, 2 ERROR.
        let top = branch(
            vec![leaf("e1", 0.0, None, 1.0), leaf("e2", 0.0, None, 1.0)],
            TOP_LIMITS,
        );
        assert_eq!(top.level, Level::Error);
    }
}
