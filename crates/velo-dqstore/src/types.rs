//! The records the store takes and gives: plain data, independent of how veloview computes it.

use serde::{Deserialize, Serialize};

/// One evaluation of a run, as a worker records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEvaluation {
    pub run: u32,
    /// The run file evaluated and its identity when it was read: a change of any of them means
    /// the run needs evaluating again.
    pub file_path: String,
    pub file_size: u64,
    pub file_mtime_ns: i64,
    /// Identifies the data-quality configuration used: an evaluation with an older digest is
    /// out of date.
    pub config_digest: String,
    pub reference_run: Option<u32>,
    /// Milliseconds since 1970-01-01 UTC.
    pub evaluated_at_ms: i64,
    pub outcome: EvalOutcome,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum EvalOutcome {
    Evaluated {
        score: f64,
        /// "OK", "WARNING" or "ERROR".
        level: String,
        /// The tree, parents before children (the order [`crate::Store::current`] gives back).
        nodes: Vec<NodeRecord>,
        /// Trended quantities: (variable, value). Non-finite values are not stored.
        trends: Vec<(String, f64)>,
    },
    /// The run could not be evaluated (unreadable file, ...): recorded so that the scan does
    /// not retry it until its file or the configuration changes.
    Failed { message: String },
}

/// One node of an evaluation's tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeRecord {
    /// Dotted path from the top; "" for the top node.
    pub key: String,
    /// The parent's key; `None` for the top node, `Some("")` for a top-level branch.
    pub parent: Option<String>,
    pub title: String,
    pub sensor: Option<u32>,
    pub check: Option<String>,
    /// The histogram a leaf judged.
    pub path: Option<String>,
    pub score: f64,
    /// "OK", "WARNING" or "ERROR".
    pub level: String,
    pub warnings: u32,
    pub errors: u32,
    pub weight: f64,
    /// What the check measured: values, thresholds, bad channels, why it was skipped.
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EvalStatus {
    Evaluated,
    Failed,
}

impl EvalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EvalStatus::Evaluated => "evaluated",
            EvalStatus::Failed => "failed",
        }
    }
}

/// An evaluation without its tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationSummary {
    pub id: i64,
    pub run: u32,
    pub file_path: String,
    pub file_size: u64,
    pub file_mtime_ns: i64,
    pub config_digest: String,
    pub reference_run: Option<u32>,
    pub evaluated_at_ms: i64,
    pub status: EvalStatus,
    /// `None` when the evaluation failed.
    pub score: Option<f64>,
    pub level: Option<String>,
    /// Why the evaluation failed.
    pub message: Option<String>,
    /// Whether this is the run's current evaluation.
    pub current: bool,
}

/// An evaluation with its tree and trended values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    #[serde(flatten)]
    pub summary: EvaluationSummary,
    /// In recorded order.
    pub nodes: Vec<NodeRecord>,
    /// Sorted by variable.
    pub trends: Vec<(String, f64)>,
}

/// What the scan needs to decide whether a run must be evaluated again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvalState {
    pub evaluation_id: i64,
    pub file_path: String,
    pub file_size: u64,
    pub file_mtime_ns: i64,
    pub config_digest: String,
    pub status: EvalStatus,
    pub evaluated_at_ms: i64,
    /// The reference run it was compared with: another one now applying means it is out of date.
    pub reference_run: Option<u32>,
}

/// A page of the overview: which runs, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RunQuery {
    /// Lowest run number listed.
    pub first: Option<u32>,
    /// Highest run number listed.
    pub last: Option<u32>,
    /// "OK", "WARNING", "ERROR" or "FAILED" (evaluation failed).
    pub level: Option<String>,
    /// Runs per page, 1 to [`crate::MAX_PAGE`] (0 means 1, more means the maximum).
    pub limit: u32,
    /// Runs below this one: the `next` of the previous page.
    pub cursor: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunPage {
    pub runs: Vec<RunSummary>,
    /// The cursor of the next page; `None` on the last page.
    pub next: Option<u32>,
}

/// A run's current evaluation as the overview shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub run: u32,
    pub evaluation_id: i64,
    pub status: EvalStatus,
    pub level: Option<String>,
    pub score: Option<f64>,
    /// Why the evaluation failed.
    pub message: Option<String>,
    pub evaluated_at_ms: i64,
    pub reference_run: Option<u32>,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub fill: Option<u32>,
    pub magnet_polarity: Option<String>,
    /// The top-level branches (parent ""), in recorded order.
    pub branches: Vec<BranchScore>,
    /// The first few failing leaves, worst first (as [`failing_leaves`] orders them): where to
    /// look, for the overview.
    pub where_to_look: Vec<LeafBrief>,
    /// How many leaves fail in all.
    pub failing_leaves: u32,
}

/// A failing leaf in a line: what the overview names in a run's row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeafBrief {
    pub key: String,
    pub title: String,
    pub level: String,
    pub sensor: Option<u32>,
    /// Where the check found it worst or how many channels are bad ("channels 256-287",
    /// "sensor 7", "64 channels"), when it says.
    pub place: Option<String>,
    /// Since when it has been failing, run after run.
    pub streak: Option<crate::Streak>,
}

impl LeafBrief {
    pub fn of(n: &NodeRecord) -> LeafBrief {
        LeafBrief {
            key: n.key.clone(),
            title: n.title.clone(),
            level: n.level.clone(),
            sensor: n.sensor,
            place: n.place(),
            streak: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BranchScore {
    pub key: String,
    pub title: String,
    pub score: f64,
    pub level: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    pub run: u32,
    pub value: f64,
    /// The run's start (milliseconds since 1970-01-01 UTC), if its run info is known.
    pub time: Option<i64>,
}

/// What the run database knows of a run (the run-info file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInfo {
    pub run: u32,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub fill: Option<u32>,
    /// "up" or "down".
    pub magnet_polarity: Option<String>,
}

impl NodeRecord {
    /// The link or chip a `channel_groups` check found worst ("256-287"), from its details.
    pub fn worst_channels(&self) -> Option<&str> {
        self.details.get("worst_channels")?.as_str()
    }

    /// Where that worst group is, in words: "channels 256-287" for a link, "sensor 7" for a
    /// check over one bin per sensor (its details' `unit`).
    pub fn worst_place(&self) -> Option<String> {
        let at = self.worst_channels()?;
        let unit = match self.details.get("unit").and_then(|u| u.as_str()) {
            Some("sensor") => "sensor",
            _ => "channel",
        };
        let plural = if at.contains('-') { "s" } else { "" };
        Some(format!("{unit}{plural} {at}"))
    }

    /// What a shifter reads of where the leaf is wrong: its worst place, or its count of bad
    /// channels ("64 channels").
    pub fn place(&self) -> Option<String> {
        self.worst_place()
            .or_else(|| self.bad_channel_count().map(|c| format!("{c} channels")))
    }

    /// How many bad channels a channel check counted, from its details.
    pub fn bad_channel_count(&self) -> Option<u64> {
        self.details.get("count")?.as_u64()
    }
}

/// The failing leaves of a tree (level WARNING or ERROR) below the node `under` ("" for the
/// whole tree), worst first: ERROR before WARNING, then the lowest score. What the shift reads
/// as "where to look", in alarms and pages alike. A leaf is a node no other node names as its
/// parent (a per-sensor leaf's branch carries the check's name too, but has children).
pub fn failing_leaves<'a>(nodes: &'a [NodeRecord], under: &str) -> Vec<&'a NodeRecord> {
    let parents: std::collections::HashSet<&str> =
        nodes.iter().filter_map(|n| n.parent.as_deref()).collect();
    let rank = |level: &str| match level {
        "ERROR" => 0,
        "WARNING" => 1,
        _ => 2,
    };
    let mut out: Vec<&NodeRecord> = nodes
        .iter()
        .filter(|n| !parents.contains(n.key.as_str()))
        .filter(|n| {
            under.is_empty()
                || n.key
                    .strip_prefix(under)
                    .is_some_and(|rest| rest.starts_with('.'))
        })
        .filter(|n| rank(&n.level) < 2)
        .collect();
    out.sort_by(|a, b| {
        rank(&a.level)
            .cmp(&rank(&b.level))
            .then(a.score.total_cmp(&b.score))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(key: &str, parent: Option<&str>, level: &str, score: f64) -> NodeRecord {
        // Only what failing_leaves reads matters; the rest as serde would default it.
        serde_json::from_value(serde_json::json!({
            "key": key, "parent": parent, "title": key, "sensor": null, "check": "c",
            "path": null, "score": score, "level": level, "warnings": 0, "errors": 0,
            "weight": 1.0, "details": null,
        }))
        .unwrap()
    }

    #[test]
    fn failing_leaves_worst_first_below_a_node() {
        let nodes = [
            node("", None, "ERROR", 10.0),
            node("noise", Some(""), "ERROR", 10.0),
            node("noise.links", Some("noise"), "ERROR", 20.0),
            node(
                "noise.links.TELL1_005",
                Some("noise.links"),
                "WARNING",
                60.0,
            ),
            node("noise.links.TELL1_006", Some("noise.links"), "ERROR", 30.0),
            node("noise.links.TELL1_007", Some("noise.links"), "ERROR", 0.0),
            node("noise.links.TELL1_008", Some("noise.links"), "OK", 100.0),
            node("noisex.a", Some("noisex"), "ERROR", 0.0),
        ];
        let keys = |under| -> Vec<&str> {
            failing_leaves(&nodes, under)
                .iter()
                .map(|n| n.key.as_str())
                .collect()
        };
        let noise = [
            "noise.links.TELL1_007",
            "noise.links.TELL1_006",
            "noise.links.TELL1_005",
        ];
        assert_eq!(keys("noise"), noise);
        assert_eq!(keys("noise.links"), noise);
        assert_eq!(keys("").len(), 4);
        assert!(keys("noise.links.TELL1_007").is_empty());
    }

    #[test]
    fn the_worst_place_is_said_in_the_checks_unit() {
        let with = |details| NodeRecord {
            details,
            ..node("k", None, "ERROR", 0.0)
        };
        let place = |d| with(d).worst_place();
        use serde_json::json;
        assert_eq!(
            place(json!({"worst_channels": "256-287"})).as_deref(),
            Some("channels 256-287")
        );
        assert_eq!(
            place(json!({"worst_channels": "7", "unit": "sensor"})).as_deref(),
            Some("sensor 7")
        );
        // Stored text names no other unit.
        assert_eq!(
            place(json!({"worst_channels": "3", "unit": "<b>"})).as_deref(),
            Some("channel 3")
        );
        assert_eq!(place(json!({"count": 3})), None);
    }
}
