//! Since when a failing leaf has been failing: the first run of its current streak, found by
//! walking back over the runs evaluated before it. The shift's first question about a problem
//! is whether it is new in this run or has been there for days (and is then likely known,
//! signed off or being fixed).
//!
//! The walk reads the failing nodes of the earlier evaluations through the index of failing
//! nodes (`nodes_failing`), by key: a leaf that is OK there, or that an evaluation made with
//! another configuration does not have, ends its streak. A page of runs (the overview) walks
//! all its runs' leaves together, in a handful of queries, since neighbouring runs share most
//! of the runs before them.

use crate::sql::{marks, Conn, Param};
use crate::{NodeRecord, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// How many earlier runs a streak is followed back through; a longer one is reported `open`.
pub const STREAK_WINDOW: u32 = 500;

/// A leaf's unbroken run of failures (WARNING or ERROR) up to and including the run asked about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Streak {
    /// The first failing run of the streak: the run itself for a problem new in it.
    pub since_run: u32,
    /// How many evaluated runs in a row, the run asked about included, the leaf has failed.
    pub runs: u32,
    /// The streak reaches back past [`STREAK_WINDOW`] earlier runs: it began at `since_run`
    /// or before.
    pub open: bool,
    /// When `since_run` started, if its run info is known (milliseconds since 1970).
    pub since_ms: Option<i64>,
}

fn failing(level: &str) -> bool {
    matches!(level, "WARNING" | "ERROR")
}

/// The streaks of the leaves `keys` of `run`'s evaluation `nodes` (its current one), by key.
/// Keys not in the tree are left out; no key in it (a clean run): nothing is read.
pub(crate) fn streaks(
    c: &mut dyn Conn,
    run: u32,
    nodes: &[NodeRecord],
    keys: &[&str],
    window: u32,
) -> Result<HashMap<String, Streak>, StoreError> {
    let in_tree: HashSet<&str> = nodes.iter().map(|n| n.key.as_str()).collect();
    let keys: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|k| in_tree.contains(k))
        .collect();
    Ok(of_runs(c, &[(run, keys)], window)?
        .pop()
        .unwrap_or_default())
}

/// The streaks of several runs' failing leaves, one map per `(run, keys)` asked, in order: the
/// caller knows that each key fails in its run's current evaluation. Runs whose evaluation
/// failed are passed over: they say nothing about any leaf.
pub(crate) fn of_runs(
    c: &mut dyn Conn,
    asks: &[(u32, Vec<&str>)],
    window: u32,
) -> Result<Vec<HashMap<String, Streak>>, StoreError> {
    let mut out = vec![HashMap::new(); asks.len()];
    let mut lists: Vec<Earlier> = Vec::new();
    let mut walks: Vec<Walk> = Vec::new();
    let mut order: Vec<usize> = (0..asks.len()).filter(|&i| !asks[i].1.is_empty()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(asks[i].0));
    for i in order {
        let (run, keys) = &asks[i];
        let (list, start) = place(c, &mut lists, *run, window)?;
        let mut seen = HashSet::new();
        let open = keys
            .iter()
            .filter(|k| seen.insert(**k))
            .map(|&k| {
                (
                    k,
                    Streak {
                        since_run: *run,
                        runs: 1,
                        open: false,
                        since_ms: None,
                    },
                )
            })
            .collect();
        walks.push(Walk {
            ask: i,
            list,
            next: start,
            limit: start + window as usize,
            open,
        });
    }
    // Failing (evaluation, key) pairs, for the evaluations read so far and the keys still
    // followed: those only shrink, so an evaluation read once is never read again.
    let mut read: HashSet<i64> = HashSet::new();
    let mut failed: HashSet<(i64, &str)> = HashSet::new();
    // Most problems are new: look one run back first, then ever further.
    let mut batch = 1;
    while walks.iter().any(|w| !w.open.is_empty()) {
        let mut ids = Vec::new();
        for w in walks.iter().filter(|w| !w.open.is_empty()) {
            let upto = (w.next + batch).min(w.limit);
            let list = &mut lists[w.list];
            list.fill(c, upto)?;
            let end = upto.min(list.runs.len());
            ids.extend(
                list.runs[w.next.min(end)..end]
                    .iter()
                    .map(|&(_, id)| id)
                    .filter(|id| read.insert(*id)),
            );
        }
        let keys: HashSet<&str> = walks
            .iter()
            .flat_map(|w| w.open.iter().map(|(k, _)| *k))
            .collect();
        failing_pairs(c, &ids, &keys.into_iter().collect::<Vec<_>>(), &mut failed)?;
        for w in walks.iter_mut().filter(|w| !w.open.is_empty()) {
            let list = &lists[w.list];
            let end = (w.next + batch).min(w.limit).min(list.runs.len());
            for &(r, id) in &list.runs[w.next.min(end)..end] {
                let out = &mut out[w.ask];
                w.open.retain_mut(|(k, s)| {
                    let still = failed.contains(&(id, *k));
                    if still {
                        s.since_run = r;
                        s.runs += 1;
                    } else {
                        out.insert((*k).to_owned(), s.clone());
                    }
                    still
                });
            }
            w.next = end;
            let reached_window = w.next >= w.limit;
            if reached_window || (list.end && w.next >= list.runs.len()) {
                for (k, mut s) in w.open.drain(..) {
                    s.open = reached_window;
                    out[w.ask].insert(k.to_owned(), s);
                }
            }
        }
        batch = (batch * 4).min(crate::MAX_PAGE as usize);
    }
    let mut starts: Vec<u32> = out
        .iter()
        .flat_map(|m| m.values().map(|s| s.since_run))
        .collect();
    starts.sort_unstable();
    starts.dedup();
    let times = start_times(c, &starts)?;
    for s in out.iter_mut().flat_map(|m| m.values_mut()) {
        s.since_ms = times.get(&s.since_run).copied();
    }
    Ok(out)
}

/// One run's leaves being followed back through a list of earlier runs.
struct Walk<'k> {
    ask: usize,
    list: usize,
    /// The next entry of the list to look at, and the first one past the window.
    next: usize,
    limit: usize,
    open: Vec<(&'k str, Streak)>,
}

/// The evaluated runs below `top`, newest first, read from the store as far as a walk needs.
struct Earlier {
    top: u32,
    runs: Vec<(u32, i64)>,
    /// Every such run is read.
    end: bool,
}

impl Earlier {
    fn fill(&mut self, c: &mut dyn Conn, upto: usize) -> Result<(), StoreError> {
        while !self.end && self.runs.len() < upto {
            let below = self.runs.last().map_or(self.top, |&(r, _)| r);
            let want = (upto - self.runs.len()).max(64);
            let rows = c.rows(
                "SELECT run, evaluation_id FROM current_evaluations
                 WHERE run < $1 AND verdict <> 'FAILED' ORDER BY run DESC LIMIT $2",
                &[Param::int(below), Param::int(want as i64)],
            )?;
            self.end = rows.len() < want;
            for r in rows {
                self.runs.push((r.u32(0)?, r.i64(1)?));
            }
        }
        Ok(())
    }
}

/// Where the runs before `run` start: in the list of a newer run asked about when it reaches
/// down to `run` within `window` more runs (neighbours on a page share their past), else in a
/// new list. Runs are placed newest first.
fn place(
    c: &mut dyn Conn,
    lists: &mut Vec<Earlier>,
    run: u32,
    window: u32,
) -> Result<(usize, usize), StoreError> {
    if let Some(list) = lists.last_mut() {
        let bottom = list.runs.last().map_or(list.top, |&(r, _)| r);
        if list.end || bottom <= run || bottom - run <= window {
            while !list.end && list.runs.last().is_none_or(|&(r, _)| r >= run) {
                let more = list.runs.len() + 64;
                list.fill(c, more)?;
            }
            let start = list.runs.partition_point(|&(r, _)| r >= run);
            return Ok((lists.len() - 1, start));
        }
    }
    lists.push(Earlier {
        top: run,
        runs: Vec::new(),
        end: false,
    });
    Ok((lists.len() - 1, 0))
}

/// Add to `failed` which of `keys` fail in the evaluations `ids`.
fn failing_pairs<'k>(
    c: &mut dyn Conn,
    ids: &[i64],
    keys: &[&'k str],
    failed: &mut HashSet<(i64, &'k str)>,
) -> Result<(), StoreError> {
    let by_name: HashMap<&str, &'k str> = keys.iter().map(|&k| (k, k)).collect();
    for ids in ids.chunks(crate::MAX_PAGE as usize) {
        for keys in keys.chunks(crate::MAX_PAGE as usize) {
            let mut params: Vec<Param> = ids.iter().map(|&id| Param::int(id)).collect();
            params.extend(keys.iter().map(|k| Param::text(k)));
            // `level <> 'OK'` as the partial index `nodes_failing` says it, so that it is used.
            let sql = format!(
                "SELECT evaluation_id, key, level FROM nodes
                 WHERE level <> 'OK' AND evaluation_id IN ({}) AND key IN ({})",
                marks(1, ids.len()),
                marks(ids.len() + 1, keys.len())
            );
            for r in c.rows(&sql, &params)? {
                if let Some(&k) = by_name.get(r.text(1)?.as_str()) {
                    if failing(&r.text(2)?) {
                        failed.insert((r.i64(0)?, k));
                    }
                }
            }
        }
    }
    Ok(())
}

/// The start times of `runs` that have run info with one.
fn start_times(c: &mut dyn Conn, runs: &[u32]) -> Result<HashMap<u32, i64>, StoreError> {
    let mut out = HashMap::new();
    for chunk in runs.chunks(crate::MAX_PAGE as usize) {
        let params: Vec<Param> = chunk.iter().map(|&r| Param::int(r)).collect();
        let sql = format!(
            "SELECT run, start_ms FROM run_info WHERE start_ms IS NOT NULL AND run IN ({})",
            marks(1, chunk.len())
        );
        for r in c.rows(&sql, &params)? {
            out.insert(r.u32(0)?, r.i64(1)?);
        }
    }
    Ok(out)
}
