//! Reading: evaluations with their trees, the scan's states, the overview's pages, trends.

use crate::sql::{marks, Conn, Param, Row};
use crate::{
    BranchScore, EvalState, EvalStatus, Evaluation, EvaluationSummary, LeafBrief, NodeRecord,
    RunInfo, RunPage, RunQuery, RunSummary, StoreError, TrendPoint, LEVELS, MAX_PAGE,
    STREAK_WINDOW,
};
use std::collections::HashMap;

fn status(s: &str) -> Result<EvalStatus, StoreError> {
    match s {
        "evaluated" => Ok(EvalStatus::Evaluated),
        "failed" => Ok(EvalStatus::Failed),
        other => Err(StoreError::Corrupt(format!("evaluation status {other:?}"))),
    }
}

const SUMMARY: &str = "SELECT e.id, e.run, e.file_path, e.file_size, e.file_mtime_ns,
        e.config_digest, e.reference_run, e.evaluated_at_ms, e.status, e.score, e.level,
        e.message, c.evaluation_id
    FROM evaluations e
    LEFT JOIN current_evaluations c ON c.run = e.run AND c.evaluation_id = e.id";

fn summary(r: &Row) -> Result<EvaluationSummary, StoreError> {
    Ok(EvaluationSummary {
        id: r.i64(0)?,
        run: r.u32(1)?,
        file_path: r.text(2)?,
        file_size: r.i64(3)? as u64,
        file_mtime_ns: r.i64(4)?,
        config_digest: r.text(5)?,
        reference_run: r.opt_u32(6)?,
        evaluated_at_ms: r.i64(7)?,
        status: status(&r.text(8)?)?,
        score: r.opt_f64(9)?,
        level: r.opt_text(10)?,
        message: r.opt_text(11)?,
        current: r.opt_i64(12)?.is_some(),
    })
}

fn with_tree(c: &mut dyn Conn, rows: Vec<Row>) -> Result<Option<Evaluation>, StoreError> {
    let Some(r) = rows.first() else {
        return Ok(None);
    };
    let summary = summary(r)?;
    let id = [Param::int(summary.id)];
    let nodes = c
        .rows(
            "SELECT key, parent, title, sensor, check_name, path, score, level, warnings,
                 errors, weight, CAST(details AS TEXT)
             FROM nodes WHERE evaluation_id = $1 ORDER BY seq",
            &id,
        )?
        .iter()
        .map(node)
        .collect::<Result<_, _>>()?;
    let mut trends: Vec<(String, f64)> = c
        .rows(
            "SELECT var, value FROM trends WHERE evaluation_id = $1",
            &id,
        )?
        .iter()
        .map(|r| Ok((r.text(0)?, r.f64(1)?)))
        .collect::<Result<_, StoreError>>()?;
    // Byte order, the same whatever the database's collation.
    trends.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Some(Evaluation {
        summary,
        nodes,
        trends,
    }))
}

pub(crate) fn node(r: &Row) -> Result<NodeRecord, StoreError> {
    let details = r.text(11)?;
    Ok(NodeRecord {
        key: r.text(0)?,
        parent: r.opt_text(1)?,
        title: r.text(2)?,
        sensor: r.opt_u32(3)?,
        check: r.opt_text(4)?,
        path: r.opt_text(5)?,
        score: r.f64(6)?,
        level: r.text(7)?,
        warnings: r.u32(8)?,
        errors: r.u32(9)?,
        weight: r.f64(10)?,
        details: serde_json::from_str(&details)
            .map_err(|e| StoreError::Corrupt(format!("node details: {e}")))?,
    })
}

pub(crate) fn current(c: &mut dyn Conn, run: u32) -> Result<Option<Evaluation>, StoreError> {
    let sql = format!(
        "{SUMMARY} WHERE e.id = (SELECT evaluation_id FROM current_evaluations WHERE run = $1)"
    );
    let rows = c.rows(&sql, &[Param::int(run)])?;
    with_tree(c, rows)
}

pub(crate) fn evaluation(c: &mut dyn Conn, id: i64) -> Result<Option<Evaluation>, StoreError> {
    let rows = c.rows(&format!("{SUMMARY} WHERE e.id = $1"), &[Param::int(id)])?;
    with_tree(c, rows)
}

pub(crate) fn history(c: &mut dyn Conn, run: u32) -> Result<Vec<EvaluationSummary>, StoreError> {
    c.rows(
        &format!("{SUMMARY} WHERE e.run = $1 ORDER BY e.id DESC"),
        &[Param::int(run)],
    )?
    .iter()
    .map(summary)
    .collect()
}

const STATE: &str = "SELECT c.run, e.id, e.file_path, e.file_size, e.file_mtime_ns,
        e.config_digest, e.status, e.evaluated_at_ms, e.reference_run
    FROM current_evaluations c JOIN evaluations e ON e.id = c.evaluation_id";

fn state(r: &Row) -> Result<(u32, EvalState), StoreError> {
    Ok((
        r.u32(0)?,
        EvalState {
            evaluation_id: r.i64(1)?,
            file_path: r.text(2)?,
            file_size: r.i64(3)? as u64,
            file_mtime_ns: r.i64(4)?,
            config_digest: r.text(5)?,
            status: status(&r.text(6)?)?,
            evaluated_at_ms: r.i64(7)?,
            reference_run: r.opt_u32(8)?,
        },
    ))
}

pub(crate) fn states(c: &mut dyn Conn) -> Result<HashMap<u32, EvalState>, StoreError> {
    c.rows(STATE, &[])?.iter().map(state).collect()
}

pub(crate) fn state_of(c: &mut dyn Conn, run: u32) -> Result<Option<EvalState>, StoreError> {
    let rows = c.rows(&format!("{STATE} WHERE c.run = $1"), &[Param::int(run)])?;
    rows.first()
        .map(state)
        .transpose()
        .map(|s| s.map(|(_, s)| s))
}

/// The overview's columns of current evaluations; `{where}` filters `c` (current_evaluations).
const RUN_SUMMARY: &str = "SELECT c.run, e.id, e.status, e.score, e.level, e.message,
        e.evaluated_at_ms, e.reference_run, ri.start_ms, ri.end_ms, ri.fill, ri.magnet_polarity
    FROM current_evaluations c
    JOIN evaluations e ON e.id = c.evaluation_id
    LEFT JOIN run_info ri ON ri.run = c.run";

fn run_summary(r: &Row) -> Result<RunSummary, StoreError> {
    Ok(RunSummary {
        run: r.u32(0)?,
        evaluation_id: r.i64(1)?,
        status: status(&r.text(2)?)?,
        score: r.opt_f64(3)?,
        level: r.opt_text(4)?,
        message: r.opt_text(5)?,
        evaluated_at_ms: r.i64(6)?,
        reference_run: r.opt_u32(7)?,
        start_ms: r.opt_i64(8)?,
        end_ms: r.opt_i64(9)?,
        fill: r.opt_u32(10)?,
        magnet_polarity: r.opt_text(11)?,
        branches: Vec::new(),
        where_to_look: Vec::new(),
        failing_leaves: 0,
    })
}

/// How many failing leaves a run's summary names.
const WHERE_TO_LOOK: usize = 3;

/// Fill in each summary's worst failing leaves and since when they fail: which leaves, from
/// the index of failing nodes (a clean run reads nothing), then those few whole by primary key,
/// then their streaks, the page's runs together.
fn add_where_to_look(c: &mut dyn Conn, runs: &mut [RunSummary]) -> Result<(), StoreError> {
    if runs.is_empty() {
        return Ok(());
    }
    // First which leaves, from the narrow index of failing nodes (`nodes_failing`, migration
    // 0007): what ranks them and tells a leaf from a branch. `level <> 'OK'` exactly as the
    // partial index says it, so that it is used.
    let ids: Vec<Param> = runs.iter().map(|r| Param::int(r.evaluation_id)).collect();
    let sql = format!(
        "SELECT evaluation_id, seq, key, parent, level, score FROM nodes
         WHERE level <> 'OK' AND evaluation_id IN ({})",
        marks(1, ids.len())
    );
    let mut by_eval: HashMap<i64, Vec<(i64, NodeRecord)>> = HashMap::new();
    for r in c.rows(&sql, &ids)? {
        let brief = NodeRecord {
            key: r.text(2)?,
            parent: r.opt_text(3)?,
            title: String::new(),
            sensor: None,
            check: None,
            path: None,
            score: r.f64(5)?,
            level: r.text(4)?,
            warnings: 0,
            errors: 0,
            weight: 0.0,
            details: serde_json::Value::Null,
        };
        by_eval
            .entry(r.i64(0)?)
            .or_default()
            .push((r.i64(1)?, brief));
    }
    let mut chosen: Vec<(i64, Vec<i64>)> = Vec::new();
    for s in runs.iter_mut() {
        let mut nodes = by_eval.remove(&s.evaluation_id).unwrap_or_default();
        // In tree order, as the tree is recorded: it breaks ties between equal leaves.
        nodes.sort_unstable_by_key(|(seq, _)| *seq);
        let (seqs, nodes): (Vec<i64>, Vec<NodeRecord>) = nodes.into_iter().unzip();
        let seq_of: HashMap<&str, i64> = nodes.iter().map(|n| n.key.as_str()).zip(seqs).collect();
        let failing = crate::failing_leaves(&nodes, "");
        s.failing_leaves = failing.len() as u32;
        let named = failing
            .iter()
            .take(WHERE_TO_LOOK)
            .map(|n| seq_of[n.key.as_str()])
            .collect();
        chosen.push((s.evaluation_id, named));
    }
    // Then those leaves whole, by primary key: title, sensor and details say what and where.
    let mut full = named_nodes(c, &chosen)?;
    for (s, (id, seqs)) in runs.iter_mut().zip(&chosen) {
        s.where_to_look = seqs
            .iter()
            .filter_map(|seq| full.remove(&(*id, *seq)))
            .map(|n| LeafBrief::of(&n))
            .collect();
    }
    // Since when: the page's runs walked back together.
    let asks: Vec<(u32, Vec<&str>)> = runs
        .iter()
        .map(|s| {
            (
                s.run,
                s.where_to_look.iter().map(|l| l.key.as_str()).collect(),
            )
        })
        .collect();
    let mut streaks = crate::streaks::of_runs(c, &asks, STREAK_WINDOW)?;
    for (s, found) in runs.iter_mut().zip(streaks.iter_mut()) {
        for l in &mut s.where_to_look {
            l.streak = found.remove(&l.key);
        }
    }
    Ok(())
}

/// The nodes at `seqs` of each evaluation, by (evaluation, seq). Evaluations made with one
/// configuration name leaves at the same positions: one term for each set of positions keeps
/// the query short (SQLite plans a term per evaluation slowly).
fn named_nodes(
    c: &mut dyn Conn,
    chosen: &[(i64, Vec<i64>)],
) -> Result<HashMap<(i64, i64), NodeRecord>, StoreError> {
    let mut by_seqs: HashMap<&[i64], Vec<i64>> = HashMap::new();
    for (id, seqs) in chosen.iter().filter(|(_, seqs)| !seqs.is_empty()) {
        by_seqs.entry(seqs).or_default().push(*id);
    }
    let mut out = HashMap::new();
    if by_seqs.is_empty() {
        return Ok(out);
    }
    let mut params = Vec::new();
    let mut terms = Vec::new();
    for (seqs, ids) in by_seqs {
        let first = params.len() + 1;
        params.extend(ids.iter().map(|&id| Param::int(id)));
        params.extend(seqs.iter().map(|&s| Param::int(s)));
        terms.push(format!(
            "(evaluation_id IN ({}) AND seq IN ({}))",
            marks(first, ids.len()),
            marks(first + ids.len(), seqs.len())
        ));
    }
    let sql = format!(
        "SELECT key, parent, title, sensor, check_name, path, score, level, warnings, errors,
             weight, CAST(details AS TEXT), evaluation_id, seq
         FROM nodes WHERE {}",
        terms.join(" OR ")
    );
    for r in c.rows(&sql, &params)? {
        out.insert((r.i64(12)?, r.i64(13)?), node(&r)?);
    }
    Ok(out)
}

/// Fill in each summary's top-level branches, in one query.
fn add_branches(c: &mut dyn Conn, runs: &mut [RunSummary]) -> Result<(), StoreError> {
    if runs.is_empty() {
        return Ok(());
    }
    let ids: Vec<Param> = runs.iter().map(|r| Param::int(r.evaluation_id)).collect();
    let sql = format!(
        "SELECT evaluation_id, key, title, score, level FROM nodes
         WHERE parent = '' AND evaluation_id IN ({}) ORDER BY evaluation_id, seq",
        marks(1, ids.len())
    );
    let mut by_eval: HashMap<i64, Vec<BranchScore>> = HashMap::new();
    for r in c.rows(&sql, &ids)? {
        by_eval.entry(r.i64(0)?).or_default().push(BranchScore {
            key: r.text(1)?,
            title: r.text(2)?,
            score: r.f64(3)?,
            level: r.text(4)?,
        });
    }
    for s in runs {
        s.branches = by_eval.remove(&s.evaluation_id).unwrap_or_default();
    }
    Ok(())
}

pub(crate) fn runs(c: &mut dyn Conn, q: &RunQuery) -> Result<RunPage, StoreError> {
    let mut cond = Vec::new();
    let mut params = Vec::new();
    let mut add = |sql: &str, p: Param| {
        params.push(p);
        cond.push(format!("{sql} ${}", params.len()));
    };
    if let Some(cursor) = q.cursor {
        add("c.run <", Param::int(cursor));
    }
    if let Some(first) = q.first {
        add("c.run >=", Param::int(first));
    }
    if let Some(last) = q.last {
        add("c.run <=", Param::int(last));
    }
    if let Some(level) = &q.level {
        if !LEVELS.contains(&level.as_str()) && level != "FAILED" {
            return Err(StoreError::Invalid(format!(
                "level {level:?} is not OK, WARNING, ERROR or FAILED"
            )));
        }
        add("c.verdict =", Param::text(level));
    }
    let limit = q.limit.clamp(1, MAX_PAGE);
    // One more than the page, to know whether there is a next one.
    params.push(Param::int(limit + 1));
    let sql = format!(
        "{RUN_SUMMARY} {} {} ORDER BY c.run DESC LIMIT ${}",
        if cond.is_empty() { "" } else { "WHERE" },
        cond.join(" AND "),
        params.len()
    );
    let mut runs: Vec<RunSummary> = c
        .rows(&sql, &params)?
        .iter()
        .map(run_summary)
        .collect::<Result<_, _>>()?;
    let next = if runs.len() > limit as usize {
        runs.truncate(limit as usize);
        runs.last().map(|r| r.run)
    } else {
        None
    };
    add_branches(c, &mut runs)?;
    add_where_to_look(c, &mut runs)?;
    Ok(RunPage { runs, next })
}

pub(crate) fn summaries(c: &mut dyn Conn, runs: &[u32]) -> Result<Vec<RunSummary>, StoreError> {
    let mut out = Vec::new();
    // In slices, to stay within the databases' parameter limits.
    for chunk in runs.chunks(MAX_PAGE as usize) {
        let params: Vec<Param> = chunk.iter().map(|&r| Param::int(r)).collect();
        let sql = format!("{RUN_SUMMARY} WHERE c.run IN ({})", marks(1, params.len()));
        let mut part: Vec<RunSummary> = c
            .rows(&sql, &params)?
            .iter()
            .map(run_summary)
            .collect::<Result<_, _>>()?;
        add_branches(c, &mut part)?;
        add_where_to_look(c, &mut part)?;
        out.append(&mut part);
    }
    out.sort_by_key(|s| std::cmp::Reverse(s.run));
    out.dedup_by_key(|s| s.run);
    Ok(out)
}

pub(crate) fn trend(
    c: &mut dyn Conn,
    var: &str,
    first: Option<u32>,
    last: Option<u32>,
) -> Result<Vec<TrendPoint>, StoreError> {
    let mut sql = "SELECT t.run, t.value, ri.start_ms FROM current_trends t
        LEFT JOIN run_info ri ON ri.run = t.run WHERE t.var = $1"
        .to_string();
    let mut params = vec![Param::text(var)];
    for (op, bound) in [(">=", first), ("<=", last)] {
        if let Some(b) = bound {
            params.push(Param::int(b));
            sql.push_str(&format!(" AND t.run {op} ${}", params.len()));
        }
    }
    sql.push_str(" ORDER BY t.run");
    c.rows(&sql, &params)?
        .iter()
        .map(|r| {
            Ok(TrendPoint {
                run: r.u32(0)?,
                value: r.f64(1)?,
                time: r.opt_i64(2)?,
            })
        })
        .collect()
}

pub(crate) fn variables(c: &mut dyn Conn) -> Result<Vec<String>, StoreError> {
    // A skip scan of the (var, run) key: one index probe per distinct variable, however many
    // runs each has, where DISTINCT would read every row.
    let mut vars: Vec<String> = c
        .rows(
            "WITH RECURSIVE v(var) AS (
                 SELECT MIN(var) FROM current_trends
                 UNION ALL
                 SELECT (SELECT MIN(t.var) FROM current_trends t WHERE t.var > v.var)
                 FROM v WHERE v.var IS NOT NULL
             )
             SELECT var FROM v WHERE var IS NOT NULL",
            &[],
        )?
        .iter()
        .map(|r| r.text(0))
        .collect::<Result<_, _>>()?;
    vars.sort();
    Ok(vars)
}

pub(crate) fn run_info(c: &mut dyn Conn, run: u32) -> Result<Option<RunInfo>, StoreError> {
    c.rows(
        "SELECT run, start_ms, end_ms, fill, magnet_polarity FROM run_info WHERE run = $1",
        &[Param::int(run)],
    )?
    .first()
    .map(|r| {
        Ok(RunInfo {
            run: r.u32(0)?,
            start_ms: r.opt_i64(1)?,
            end_ms: r.opt_i64(2)?,
            fill: r.opt_u32(3)?,
            magnet_polarity: r.opt_text(4)?,
        })
    })
    .transpose()
}
