//! An evaluated tree: what `veloview dq evaluate` prints and the store keeps.

use super::{BadChannel, Level, Score};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One node of an evaluated tree: a branch (children non-empty) or a leaf (a check's outcome).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeResult {
    /// Dotted path from the top node's children down, e.g. `noise.noise_per_sensor.TELL1_005`.
    pub key: String,
    pub title: String,
    pub score: Score,
    pub level: Level,
    /// Leaf outcomes at WARNING or worse below (and including) this node, as the original
    /// counted them: errors count as warnings too.
    pub warnings: u32,
    /// Leaf outcomes at ERROR below (and including) this node.
    pub errors: u32,
    /// The sensor a per-sensor leaf (or its expansion branch's leaf) judges; null otherwise.
    pub sensor: Option<u32>,
    /// The check's name, for leaves.
    pub check: Option<String>,
    /// The histogram path in the run file, for leaves.
    pub path: Option<String>,
    /// Measured values, arguments, thresholds; for a skipped leaf its "reason".
    pub details: Map<String, Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bad_channels: Vec<BadChannel>,
    /// Set when the leaf did not count (a reference check on a run with no reference run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    pub weight: f64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<NodeResult>,
}

/// One run's evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunEvaluation {
    pub run: u32,
    pub reference_run: Option<u32>,
    /// The top node; its key is "" and its children are the subsystems.
    pub root: NodeResult,
    /// Trended quantities: `<node key>.<quantity>` → value (every node's `.score` included).
    pub trends: BTreeMap<String, f64>,
}
