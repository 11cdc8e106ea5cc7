//! The overview's rows: the run list's runs (newest first, evaluated or not) joined with their
//! current evaluation and sign-off. The API's `/api/dq/runs` and the overview page share it.

use serde::Serialize;
use std::collections::HashMap;
use velo_dqstore::{
    BranchScore, LeafBrief, RunQuery, RunSummary, Signoff, Store, StoreError, MAX_PAGE,
};
use veloview::runview::RunList;

/// Runs per page when the request does not say.
pub const DEFAULT_LIMIT: u32 = 50;

/// Which runs: a range, a verdict, a page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub first: Option<u32>,
    pub last: Option<u32>,
    pub level: Option<Verdict>,
    pub limit: u32,
    /// Runs below this one: the previous page's `next`.
    pub cursor: Option<u32>,
}

/// What the level filter selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    Warning,
    Error,
    /// The evaluation failed.
    Failed,
    /// In the run list, never evaluated.
    Unevaluated,
}

impl Verdict {
    pub const NAMES: &'static [&'static str] = &["OK", "WARNING", "ERROR", "FAILED", "UNEVALUATED"];

    pub fn parse(s: &str) -> Option<Verdict> {
        Some(match s {
            "OK" => Verdict::Ok,
            "WARNING" => Verdict::Warning,
            "ERROR" => Verdict::Error,
            "FAILED" => Verdict::Failed,
            "UNEVALUATED" => Verdict::Unevaluated,
            _ => return None,
        })
    }

    fn store_name(self) -> Option<&'static str> {
        match self {
            Verdict::Ok => Some("OK"),
            Verdict::Warning => Some("WARNING"),
            Verdict::Error => Some("ERROR"),
            Verdict::Failed => Some("FAILED"),
            Verdict::Unevaluated => None,
        }
    }
}

/// One row of the overview.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub run: u32,
    /// "evaluated", "failed" or "unevaluated".
    pub status: &'static str,
    pub level: Option<String>,
    pub score: Option<f64>,
    /// Why the evaluation failed.
    pub message: Option<String>,
    pub evaluated_at_ms: Option<i64>,
    pub reference_run: Option<u32>,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub fill: Option<u32>,
    pub magnet_polarity: Option<String>,
    pub branches: Vec<BranchScore>,
    /// The top-level branches at WARNING or ERROR: the automatic comment.
    pub low_scores: Vec<BranchScore>,
    /// The first failing leaves, worst first, and how many fail in all: where to look.
    pub where_to_look: Vec<LeafBrief>,
    pub failing_leaves: u32,
    /// Failing leaves beyond those named ("and N more").
    pub more_failing: u32,
    pub signoff: Option<Signoff>,
}

impl Row {
    fn unevaluated(run: u32) -> Row {
        Row {
            run,
            status: "unevaluated",
            level: None,
            score: None,
            message: None,
            evaluated_at_ms: None,
            reference_run: None,
            start_ms: None,
            end_ms: None,
            fill: None,
            magnet_polarity: None,
            branches: Vec::new(),
            low_scores: Vec::new(),
            where_to_look: Vec::new(),
            failing_leaves: 0,
            more_failing: 0,
            signoff: None,
        }
    }

    fn from_summary(s: RunSummary) -> Row {
        let low_scores = s
            .branches
            .iter()
            .filter(|b| b.level != "OK")
            .cloned()
            .collect();
        Row {
            run: s.run,
            status: s.status.as_str(),
            level: s.level,
            score: s.score,
            message: s.message,
            evaluated_at_ms: Some(s.evaluated_at_ms),
            reference_run: s.reference_run,
            start_ms: s.start_ms,
            end_ms: s.end_ms,
            fill: s.fill,
            magnet_polarity: s.magnet_polarity,
            branches: s.branches,
            low_scores,
            more_failing: s
                .failing_leaves
                .saturating_sub(s.where_to_look.len() as u32),
            where_to_look: s.where_to_look,
            failing_leaves: s.failing_leaves,
            signoff: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Listing {
    pub runs: Vec<Row>,
    /// The cursor of the next page; `None` on the last.
    pub next: Option<u32>,
}

/// Unevaluated runs are found by looking this many listed runs up at a time.
const CHUNK: usize = 1000;

pub fn list(store: &Store, runs: &RunList, q: &ListQuery) -> Result<Listing, StoreError> {
    let limit = q.limit.clamp(1, MAX_PAGE) as usize;
    let mut listing = match q.level.and_then(Verdict::store_name) {
        Some(level) => {
            let page = store.runs(&RunQuery {
                first: q.first,
                last: q.last,
                level: Some(level.into()),
                limit: limit as u32,
                cursor: q.cursor,
            })?;
            Listing {
                runs: page.runs.into_iter().map(Row::from_summary).collect(),
                next: page.next,
            }
        }
        None => from_run_list(store, runs, q, limit)?,
    };
    let numbers: Vec<u32> = listing.runs.iter().map(|r| r.run).collect();
    let mut signoffs = store.current_signoffs(&numbers)?;
    for r in &mut listing.runs {
        r.signoff = signoffs.remove(&r.run);
    }
    Ok(listing)
}

/// The listed runs in range below the cursor, newest first.
fn candidates<'a>(runs: &'a RunList, q: &ListQuery) -> impl Iterator<Item = u32> + 'a {
    let (first, last, cursor) = (q.first, q.last, q.cursor);
    // Newest first: skip to the range's top with a binary search rather than a walk.
    let top = match (last, cursor) {
        (Some(l), Some(c)) => Some(l.min(c.saturating_sub(1))),
        (Some(l), None) => Some(l),
        (None, Some(c)) => c.checked_sub(1),
        (None, None) => None,
    };
    let list = runs.runs();
    let start = match (top, cursor) {
        (_, Some(0)) => list.len(),
        (Some(t), _) => list.partition_point(|&r| r > t),
        (None, _) => 0,
    };
    list[start..]
        .iter()
        .copied()
        .take_while(move |&r| first.is_none_or(|f| r >= f))
}

fn from_run_list(
    store: &Store,
    runs: &RunList,
    q: &ListQuery,
    limit: usize,
) -> Result<Listing, StoreError> {
    let only_unevaluated = q.level == Some(Verdict::Unevaluated);
    let mut rows = Vec::new();
    let mut more = false;
    let mut it = candidates(runs, q).peekable();
    while it.peek().is_some() && !more {
        // Without a filter one page (and one more run, to know if there is a next) suffices.
        let take = if only_unevaluated { CHUNK } else { limit + 1 };
        let chunk: Vec<u32> = it.by_ref().take(take).collect();
        let mut found: HashMap<u32, RunSummary> = store
            .summaries(&chunk)?
            .into_iter()
            .map(|s| (s.run, s))
            .collect();
        for run in chunk {
            let row = match found.remove(&run) {
                Some(_) if only_unevaluated => continue,
                Some(s) => Row::from_summary(s),
                None => Row::unevaluated(run),
            };
            if rows.len() == limit {
                more = true;
                break;
            }
            rows.push(row);
        }
        if !only_unevaluated {
            break;
        }
    }
    let next = if more {
        rows.last().map(|r| r.run)
    } else {
        None
    };
    Ok(Listing { runs: rows, next })
}
