//! Since when a failing leaf has been failing: the first run of its current streak, found by
//! walking back over the runs evaluated before it. The shift's first question about a problem
//! is whether it is new in this run or has been there for days (and is then likely known,
//! signed off or being fixed).

use crate::sql::{marks, Conn, Param, Row};
use crate::{NodeRecord, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

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
/// Runs whose evaluation failed are passed over: they say nothing about any leaf. A leaf that
/// an earlier run does not have (another configuration) or had OK ends its streak there. No
/// key in the tree (a clean run): nothing is read.
pub(crate) fn streaks(
    c: &mut dyn Conn,
    run: u32,
    nodes: &[NodeRecord],
    keys: &[&str],
    window: u32,
) -> Result<HashMap<String, Streak>, StoreError> {
    // Evaluations made with one configuration hold a leaf at the same position (`seq`, its
    // index in the recorded tree): probe there first, by primary key.
    let positions: HashMap<&str, i64> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.key.as_str(), i as i64))
        .collect();
    let mut open: Vec<(&str, Streak)> = keys
        .iter()
        .filter(|k| positions.contains_key(*k))
        .map(|&k| {
            let s = Streak {
                since_run: run,
                runs: 1,
                open: false,
                since_ms: None,
            };
            (k, s)
        })
        .collect();
    if open.is_empty() {
        return Ok(HashMap::new());
    }
    let earlier: Vec<(u32, i64)> = c
        .rows(
            "SELECT run, evaluation_id FROM current_evaluations
             WHERE run < $1 AND verdict <> 'FAILED' ORDER BY run DESC LIMIT $2",
            &[Param::int(run), Param::int(window)],
        )?
        .iter()
        .map(|r| Ok((r.u32(0)?, r.i64(1)?)))
        .collect::<Result<_, StoreError>>()?;
    let mut done: HashMap<String, Streak> = HashMap::new();
    // Most problems are new: look one run back first, then ever further.
    let mut at = 0;
    let mut batch = 1;
    while at < earlier.len() && !open.is_empty() {
        let runs = &earlier[at..(at + batch).min(earlier.len())];
        let ids: Vec<i64> = runs.iter().map(|&(_, id)| id).collect();
        let wanted: Vec<&str> = open.iter().map(|(k, _)| *k).collect();
        let levels = levels(c, &ids, &wanted, &positions)?;
        for &(r, id) in runs {
            let mut still = Vec::with_capacity(open.len());
            for (k, mut s) in open {
                if levels.get(&(id, k)).is_some_and(|l| failing(l)) {
                    s.since_run = r;
                    s.runs += 1;
                    still.push((k, s));
                } else {
                    done.insert(k.to_owned(), s);
                }
            }
            open = still;
        }
        at += runs.len();
        batch = (batch * 4).min(crate::MAX_PAGE as usize);
    }
    let reached_window = earlier.len() as u32 >= window;
    for (k, mut s) in open {
        s.open = reached_window;
        done.insert(k.to_owned(), s);
    }
    let mut starts: Vec<u32> = done.values().map(|s| s.since_run).collect();
    starts.sort_unstable();
    starts.dedup();
    let times = start_times(c, &starts)?;
    for s in done.values_mut() {
        s.since_ms = times.get(&s.since_run).copied();
    }
    Ok(done)
}

/// The level of each of `keys` in each evaluation of `ids`, by (evaluation, key): probed at
/// the key's position, then, for what was not found there, by key in those evaluations.
fn levels<'k>(
    c: &mut dyn Conn,
    ids: &[i64],
    keys: &[&'k str],
    positions: &HashMap<&str, i64>,
) -> Result<HashMap<(i64, &'k str), String>, StoreError> {
    let by_name: HashMap<&str, &'k str> = keys.iter().map(|&k| (k, k)).collect();
    let mut found = HashMap::new();
    let keep = |r: &Row, found: &mut HashMap<(i64, &'k str), String>| {
        let key = r.text(1)?;
        if let Some(&k) = by_name.get(key.as_str()) {
            found.insert((r.i64(0)?, k), r.text(2)?);
        }
        Ok::<_, StoreError>(())
    };
    for chunk in keys.chunks(crate::MAX_PAGE as usize) {
        let mut params: Vec<Param> = ids.iter().map(|&id| Param::int(id)).collect();
        let id_marks = marks(1, ids.len());
        params.extend(chunk.iter().map(|k| Param::int(positions[k])));
        let seq_marks = marks(ids.len() + 1, chunk.len());
        let sql = format!(
            "SELECT evaluation_id, key, level FROM nodes
             WHERE evaluation_id IN ({id_marks}) AND seq IN ({seq_marks})"
        );
        for r in c.rows(&sql, &params)? {
            keep(&r, &mut found)?;
        }
    }
    let missing: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|&id| keys.iter().any(|&k| !found.contains_key(&(id, k))))
        .collect();
    for &id in &missing {
        for chunk in keys.chunks(crate::MAX_PAGE as usize) {
            let mut params = vec![Param::int(id)];
            params.extend(chunk.iter().map(|k| Param::text(k)));
            let sql = format!(
                "SELECT evaluation_id, key, level FROM nodes
                 WHERE evaluation_id = $1 AND key IN ({})",
                marks(2, chunk.len())
            );
            for r in c.rows(&sql, &params)? {
                keep(&r, &mut found)?;
            }
        }
    }
    Ok(found)
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
