//! Recording evaluations and run info. Input is checked before any transaction starts, so a
//! refused record leaves the store as it was.

use crate::sql::{Conn, Param};
use crate::{EvalOutcome, NewEvaluation, RunInfo, StoreError, LEVELS};
use std::collections::{BTreeMap, HashSet};

/// What [`check`] derived from a valid evaluation.
pub(crate) struct Checked<'a> {
    /// The trends to store: finite values only.
    trends: Vec<(&'a str, f64)>,
}

fn invalid(run: u32, what: String) -> StoreError {
    StoreError::Invalid(format!("evaluation of run {run}: {what}"))
}

fn check_level(run: u32, level: &str, whose: &str) -> Result<(), StoreError> {
    if LEVELS.contains(&level) {
        Ok(())
    } else {
        Err(invalid(
            run,
            format!("{whose} level {level:?} is not OK, WARNING or ERROR"),
        ))
    }
}

fn check_finite(run: u32, v: f64, what: &str) -> Result<(), StoreError> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(invalid(run, format!("{what} is {v}")))
    }
}

pub(crate) fn check(e: &NewEvaluation) -> Result<Checked<'_>, StoreError> {
    let run = e.run;
    if i64::try_from(e.file_size).is_err() {
        return Err(invalid(run, format!("file size {} too large", e.file_size)));
    }
    let EvalOutcome::Evaluated {
        score,
        level,
        nodes,
        trends,
    } = &e.outcome
    else {
        return Ok(Checked { trends: Vec::new() });
    };
    check_finite(run, *score, "the score")?;
    check_level(run, level, "the run's")?;
    for n in nodes {
        check_level(run, &n.level, &format!("node {:?}'s", n.key))?;
        check_finite(run, n.score, &format!("node {:?}'s score", n.key))?;
        check_finite(run, n.weight, &format!("node {:?}'s weight", n.key))?;
    }
    let mut seen = HashSet::new();
    for (var, _) in trends {
        if !seen.insert(var.as_str()) {
            return Err(invalid(run, format!("trend variable {var:?} given twice")));
        }
    }
    // An undefined quantity (the mean of an empty histogram) is a gap in the trend, not a point.
    let trends = trends
        .iter()
        .filter(|(_, v)| v.is_finite())
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    Ok(Checked { trends })
}

/// The id of the run's current evaluation, if it has one.
pub(crate) fn current_id(c: &mut dyn Conn, run: u32) -> Result<Option<i64>, StoreError> {
    let rows = c.rows(
        "SELECT evaluation_id FROM current_evaluations WHERE run = $1",
        &[Param::int(run)],
    )?;
    rows.first().map(|r| r.i64(0)).transpose()
}

pub(crate) fn record(
    c: &mut dyn Conn,
    e: &NewEvaluation,
    checked: &Checked<'_>,
) -> Result<i64, StoreError> {
    let (status, score, level, message, verdict) = match &e.outcome {
        EvalOutcome::Evaluated { score, level, .. } => (
            "evaluated",
            Some(*score),
            Some(level.clone()),
            None,
            level.as_str(),
        ),
        EvalOutcome::Failed { message } => ("failed", None, None, Some(message.clone()), "FAILED"),
    };
    let id = c
        .rows(
            "INSERT INTO evaluations (run, file_path, file_size, file_mtime_ns, config_digest,
                 reference_run, evaluated_at_ms, status, score, level, message)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            &[
                Param::int(e.run),
                Param::text(&e.file_path),
                Param::int(e.file_size as i64),
                Param::int(e.file_mtime_ns),
                Param::text(&e.config_digest),
                Param::opt_int(e.reference_run),
                Param::int(e.evaluated_at_ms),
                Param::text(status),
                Param::Real(score),
                Param::Text(level),
                Param::Text(message),
            ],
        )?
        .first()
        .ok_or_else(|| StoreError::Database("INSERT ... RETURNING gave no id".into()))?
        .i64(0)?;

    if let EvalOutcome::Evaluated { nodes, .. } = &e.outcome {
        let rows = nodes.iter().enumerate().map(|(seq, n)| {
            vec![
                Param::int(id),
                Param::int(seq as i64),
                Param::text(&n.key),
                Param::Text(n.parent.clone()),
                Param::text(&n.title),
                Param::opt_int(n.sensor),
                Param::Text(n.check.clone()),
                Param::Text(n.path.clone()),
                Param::Real(Some(n.score)),
                Param::text(&n.level),
                Param::int(n.warnings),
                Param::int(n.errors),
                Param::Real(Some(n.weight)),
                Param::Json(n.details.clone()),
            ]
        });
        c.insert_rows(
            "nodes",
            &[
                "evaluation_id",
                "seq",
                "key",
                "parent",
                "title",
                "sensor",
                "check_name",
                "path",
                "score",
                "level",
                "warnings",
                "errors",
                "weight",
                "details",
            ],
            rows,
            "",
        )?;
        let rows = checked
            .trends
            .iter()
            .map(|(var, v)| vec![Param::int(id), Param::text(var), Param::Real(Some(*v))]);
        c.insert_rows("trends", &["evaluation_id", "var", "value"], rows, "")?;
    }

    // The pointer first: on PostgreSQL its row lock makes two recorders of one run take turns
    // for the rest of the transaction, so their current_trends never collide.
    c.exec(
        "INSERT INTO current_evaluations (run, evaluation_id, verdict) VALUES ($1, $2, $3)
         ON CONFLICT (run) DO UPDATE
         SET evaluation_id = excluded.evaluation_id, verdict = excluded.verdict",
        &[Param::int(e.run), Param::int(id), Param::text(verdict)],
    )?;
    c.exec(
        "DELETE FROM current_trends WHERE run = $1",
        &[Param::int(e.run)],
    )?;
    c.exec(
        "INSERT INTO current_trends (var, run, value)
         SELECT var, CAST($1 AS BIGINT), value FROM trends WHERE evaluation_id = $2",
        &[Param::int(e.run), Param::int(id)],
    )?;
    Ok(id)
}

pub(crate) fn check_run_info(info: &[RunInfo]) -> Result<(), StoreError> {
    for i in info {
        if let Some(p) = i.magnet_polarity.as_deref() {
            if p != "up" && p != "down" {
                return Err(StoreError::Invalid(format!(
                    "run info of run {}: magnet polarity {p:?} is not \"up\" or \"down\"",
                    i.run
                )));
            }
        }
    }
    Ok(())
}

pub(crate) fn put_run_info(c: &mut dyn Conn, info: &[RunInfo]) -> Result<(), StoreError> {
    // One row per run: PostgreSQL refuses a statement that updates a row twice.
    let latest: BTreeMap<u32, &RunInfo> = info.iter().map(|i| (i.run, i)).collect();
    let rows = latest.values().map(|i| {
        vec![
            Param::int(i.run),
            Param::Int(i.start_ms),
            Param::Int(i.end_ms),
            Param::opt_int(i.fill),
            Param::Text(i.magnet_polarity.clone()),
        ]
    });
    c.insert_rows(
        "run_info",
        &["run", "start_ms", "end_ms", "fill", "magnet_polarity"],
        rows,
        "ON CONFLICT (run) DO UPDATE SET start_ms = excluded.start_ms, end_ms = excluded.end_ms,
         fill = excluded.fill, magnet_polarity = excluded.magnet_polarity",
    )
}
