//! The store keeps a tree as a flat list of nodes, each naming its parent; the API gives it back
//! nested, as `veloview dq evaluate` prints it, each leaf with the run-view page of its plot.

use super::plots::PlotIndex;
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use velo_dqstore::{Evaluation, NodeRecord, Streak};

#[derive(Debug, Serialize)]
pub struct TreeNode<'a> {
    pub key: &'a str,
    pub title: &'a str,
    pub score: f64,
    pub level: &'a str,
    pub warnings: u32,
    pub errors: u32,
    pub sensor: Option<u32>,
    pub check: Option<&'a str>,
    pub path: Option<&'a str>,
    pub weight: f64,
    pub details: &'a Value,
    /// The run view showing this leaf's histogram with the reference overlaid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plot_url: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<TreeNode<'a>>,
}

/// The top node with its descendants nested; `None` for an evaluation without nodes (failed).
/// Nodes whose parent is missing are attached to the top rather than lost.
pub fn nest<'a>(e: &'a Evaluation, plots: &PlotIndex) -> Option<TreeNode<'a>> {
    let mut children: HashMap<&str, Vec<&NodeRecord>> = HashMap::new();
    let mut top = None;
    for n in &e.nodes {
        match &n.parent {
            None if top.is_none() => top = Some(n),
            None => children.entry("").or_default().push(n),
            Some(p) => children.entry(p.as_str()).or_default().push(n),
        }
    }
    let top = top?;
    let keys: std::collections::HashSet<&str> = e.nodes.iter().map(|n| n.key.as_str()).collect();
    let orphans: Vec<&str> = children
        .keys()
        .copied()
        .filter(|p| !keys.contains(p))
        .collect();
    for p in orphans {
        if let Some(list) = children.remove(p) {
            children.entry(top.key.as_str()).or_default().extend(list);
        }
    }
    Some(build(top, &mut children, e.summary.run, plots, 0))
}

/// Deeper than any configured tree: a cycle in stored data stops here instead of overflowing.
const MAX_DEPTH: usize = 64;

fn build<'a>(
    n: &'a NodeRecord,
    children: &mut HashMap<&'a str, Vec<&'a NodeRecord>>,
    run: u32,
    plots: &PlotIndex,
    depth: usize,
) -> TreeNode<'a> {
    let kids = if depth < MAX_DEPTH {
        children.remove(n.key.as_str()).unwrap_or_default()
    } else {
        Vec::new()
    };
    TreeNode {
        key: &n.key,
        title: &n.title,
        score: n.score,
        level: &n.level,
        warnings: n.warnings,
        errors: n.errors,
        sensor: n.sensor,
        check: n.check.as_deref(),
        path: n.path.as_deref(),
        weight: n.weight,
        details: &n.details,
        plot_url: n.path.as_deref().and_then(|p| plots.url(run, p, n.sensor)),
        children: kids
            .into_iter()
            .map(|k| build(k, children, run, plots, depth + 1))
            .collect(),
    }
}

/// A failing leaf as the run view's plots and the DQ page's "where to look" show it.
#[derive(Debug, Serialize)]
pub struct Problem<'a> {
    pub key: &'a str,
    pub title: &'a str,
    pub level: &'a str,
    pub score: f64,
    pub sensor: Option<u32>,
    pub check: Option<&'a str>,
    pub path: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plot_url: Option<String>,
    /// The link or chip a `channel_groups` check found worst.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worst_channels: Option<&'a str>,
    /// The same in words: "channels 256-287", or "sensor 7" for a check over sensors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worst_place: Option<String>,
    /// How many bad channels a channel check counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// Where to look, in words, as the pages say it: `worst_place`, else "64 channels".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Since when the leaf has been failing, run after run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub streak: Option<Streak>,
}

/// The evaluation's failing leaves, worst first, each with since when it has been failing.
pub fn problems<'a>(
    store: &velo_dqstore::Store,
    e: &'a Evaluation,
    plots: &PlotIndex,
) -> Result<Vec<Problem<'a>>, velo_dqstore::StoreError> {
    let failing = velo_dqstore::failing_leaves(&e.nodes, "");
    let keys: Vec<&str> = failing.iter().map(|n| n.key.as_str()).collect();
    let mut streaks = store.streaks(e.summary.run, &e.nodes, &keys, velo_dqstore::STREAK_WINDOW)?;
    Ok(failing
        .into_iter()
        .map(|n| Problem {
            key: &n.key,
            title: &n.title,
            level: &n.level,
            score: n.score,
            sensor: n.sensor,
            check: n.check.as_deref(),
            path: n.path.as_deref(),
            plot_url: n
                .path
                .as_deref()
                .and_then(|p| plots.url(e.summary.run, p, n.sensor)),
            worst_channels: n.worst_channels(),
            worst_place: n.worst_place(),
            count: n.bad_channel_count(),
            place: n.place(),
            streak: streaks.remove(&n.key),
        })
        .collect())
}
