//! Reading over a range of runs, for the trends, the detailed trends and the sensor pages: one
//! variable with each run's level and what it was compared with, many variables at once (a run
//! × sensor matrix), and one sensor's nodes. Every read is bounded by [`MAX_RANGE`] runs.

use crate::sql::{marks, Conn, Param, Row};
use crate::{NodeRecord, StoreError};
use serde::{Deserialize, Serialize};

/// The most runs one range read covers: a wider range is refused, not truncated silently.
pub const MAX_RANGE: u32 = 5000;

/// Which runs: those from `first` to `last` (each optional), or only the `newest` N of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RunRange {
    pub first: Option<u32>,
    pub last: Option<u32>,
    pub newest: Option<u32>,
}

impl RunRange {
    /// `AND {col} >= $n AND {col} <= $m` for the bounds given, with their parameters added.
    fn bounds(&self, col: &str, params: &mut Vec<Param>) -> String {
        let mut sql = String::new();
        for (op, bound) in [(">=", self.first), ("<=", self.last)] {
            if let Some(b) = bound {
                params.push(Param::int(b));
                sql.push_str(&format!(" AND {col} {op} ${}", params.len()));
            }
        }
        sql
    }

    /// How many rows to ask for: the N newest, or one more than allowed to see an overflow.
    fn limit(&self) -> Result<u32, StoreError> {
        match self.newest {
            Some(0) => Err(StoreError::Invalid(
                "the number of runs must be at least 1".into(),
            )),
            Some(n) if n > MAX_RANGE => Err(StoreError::Invalid(format!(
                "at most {MAX_RANGE} runs at once, not {n}"
            ))),
            Some(n) => Ok(n),
            None => Ok(MAX_RANGE + 1),
        }
    }

    /// `rows` newest first, checked against the cap and turned oldest first.
    fn take<T>(&self, mut rows: Vec<T>) -> Result<Vec<T>, StoreError> {
        if self.newest.is_none() && rows.len() > MAX_RANGE as usize {
            return Err(StoreError::Invalid(format!(
                "the range has more than {MAX_RANGE} runs: narrow it (first, last) or ask for the newest N"
            )));
        }
        rows.reverse();
        Ok(rows)
    }
}

/// One run's value of a trended variable, with what the pages mark on a trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesPoint {
    pub run: u32,
    pub value: f64,
    /// The run's start (milliseconds since 1970-01-01 UTC), if its run info is known.
    pub time: Option<i64>,
    /// The level, in this run, of the node the variable belongs to (`noise.score` and
    /// `noise.noise_level.TELL1_005.mean_content` belong to `noise` and
    /// `noise.noise_level.TELL1_005`; plain `score` to the top node).
    pub level: Option<String>,
    pub reference_run: Option<u32>,
    /// "up" or "down".
    pub magnet_polarity: Option<String>,
}

/// The node a trended variable belongs to: its key without the last part.
pub fn node_of(var: &str) -> &str {
    var.rsplit_once('.').map_or("", |(node, _)| node)
}

pub(crate) fn series(
    c: &mut dyn Conn,
    var: &str,
    range: &RunRange,
) -> Result<Vec<SeriesPoint>, StoreError> {
    let limit = range.limit()?;
    let mut params = vec![Param::text(var)];
    let bounds = range.bounds("t.run", &mut params);
    params.push(Param::int(limit));
    let sql = format!(
        "SELECT t.run, t.value, ri.start_ms, e.reference_run, ri.magnet_polarity, c.evaluation_id
         FROM current_trends t
         JOIN current_evaluations c ON c.run = t.run
         JOIN evaluations e ON e.id = c.evaluation_id
         LEFT JOIN run_info ri ON ri.run = t.run
         WHERE t.var = $1{bounds}
         ORDER BY t.run DESC LIMIT ${}",
        params.len()
    );
    let mut evaluations = Vec::new();
    let rows = c
        .rows(&sql, &params)?
        .iter()
        .map(|r: &Row| {
            evaluations.push(r.i64(5)?);
            Ok(SeriesPoint {
                run: r.u32(0)?,
                value: r.f64(1)?,
                time: r.opt_i64(2)?,
                level: None,
                reference_run: r.opt_u32(3)?,
                magnet_polarity: r.opt_text(4)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let mut rows = range.take(rows)?;
    let mut levels = node_levels(c, node_of(var), &evaluations)?;
    evaluations.reverse();
    for (p, id) in rows.iter_mut().zip(&evaluations) {
        p.level = levels.remove(id);
    }
    Ok(rows)
}

/// The level of node `key` in each of `evaluations` (those that have it), by evaluation id.
///
/// Nodes are keyed by (evaluation, position in the tree); a key is found by scanning an
/// evaluation's nodes (hundreds). Evaluations made with one configuration have the node at the
/// same position, so it is looked up once, in the newest, and then probed by position in every
/// evaluation; only those where the position holds another node (another configuration) are
/// scanned.
fn node_levels(
    c: &mut dyn Conn,
    key: &str,
    evaluations: &[i64],
) -> Result<std::collections::HashMap<i64, String>, StoreError> {
    let mut levels = std::collections::HashMap::new();
    let Some(&newest) = evaluations.first() else {
        return Ok(levels);
    };
    let seq = c
        .rows(
            "SELECT seq FROM nodes WHERE evaluation_id = $1 AND key = $2",
            &[Param::int(newest), Param::text(key)],
        )?
        .first()
        .map(|r| r.i64(0))
        .transpose()?;
    if let Some(seq) = seq {
        probe(c, key, evaluations, Some(seq), &mut levels)?;
    }
    let rest: Vec<i64> = evaluations
        .iter()
        .copied()
        .filter(|id| !levels.contains_key(id))
        .collect();
    probe(c, key, &rest, None, &mut levels)?;
    Ok(levels)
}

/// Node `key`'s level in each of `ids`, at position `seq` (a key probe) or anywhere (a scan).
fn probe(
    c: &mut dyn Conn,
    key: &str,
    ids: &[i64],
    seq: Option<i64>,
    levels: &mut std::collections::HashMap<i64, String>,
) -> Result<(), StoreError> {
    for chunk in ids.chunks(crate::MAX_PAGE as usize) {
        let mut params = vec![Param::text(key)];
        let by_seq = seq.map(|s| {
            params.push(Param::int(s));
            format!(" AND seq = ${}", params.len())
        });
        let first = params.len() + 1;
        params.extend(chunk.iter().map(|&id| Param::int(id)));
        let sql = format!(
            "SELECT evaluation_id, level FROM nodes
             WHERE key = $1{} AND evaluation_id IN ({})",
            by_seq.unwrap_or_default(),
            marks(first, chunk.len())
        );
        for r in c.rows(&sql, &params)? {
            levels.insert(r.i64(0)?, r.text(1)?);
        }
    }
    Ok(())
}

/// The runs with a current evaluation in the range, oldest first.
pub(crate) fn run_window(c: &mut dyn Conn, range: &RunRange) -> Result<Vec<u32>, StoreError> {
    let limit = range.limit()?;
    let mut params = Vec::new();
    let bounds = range.bounds("run", &mut params);
    params.push(Param::int(limit));
    let sql = format!(
        "SELECT run FROM current_evaluations WHERE 1 = 1{bounds} ORDER BY run DESC LIMIT ${}",
        params.len()
    );
    let rows = c
        .rows(&sql, &params)?
        .iter()
        .map(|r| r.u32(0))
        .collect::<Result<Vec<_>, _>>()?;
    range.take(rows)
}

/// One cell of a matrix of variables by run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VarValue {
    pub var: String,
    pub run: u32,
    pub value: f64,
}

/// The values of `vars` for the runs `lo..=hi`, by variable then run: one index range per
/// variable.
pub(crate) fn values(
    c: &mut dyn Conn,
    vars: &[String],
    lo: u32,
    hi: u32,
) -> Result<Vec<VarValue>, StoreError> {
    let mut out = Vec::new();
    for chunk in vars.chunks(crate::MAX_PAGE as usize) {
        let mut params = vec![Param::int(lo), Param::int(hi)];
        params.extend(chunk.iter().map(|v| Param::text(v)));
        let sql = format!(
            "SELECT var, run, value FROM current_trends
             WHERE var IN ({}) AND run >= $1 AND run <= $2 ORDER BY var, run",
            marks(3, chunk.len())
        );
        for r in c.rows(&sql, &params)? {
            out.push(VarValue {
                var: r.text(0)?,
                run: r.u32(1)?,
                value: r.f64(2)?,
            });
        }
    }
    Ok(out)
}

/// The nodes judging `sensor` in the current evaluations of `runs`, by run then tree order.
pub(crate) fn sensor_nodes(
    c: &mut dyn Conn,
    sensor: u32,
    runs: &[u32],
) -> Result<Vec<(u32, NodeRecord)>, StoreError> {
    let mut out = Vec::new();
    for chunk in runs.chunks(crate::MAX_PAGE as usize) {
        let mut params = vec![Param::int(sensor)];
        params.extend(chunk.iter().map(|&r| Param::int(r)));
        let sql = format!(
            "SELECT n.key, n.parent, n.title, n.sensor, n.check_name, n.path, n.score, n.level,
                 n.warnings, n.errors, n.weight, CAST(n.details AS TEXT), c.run
             FROM current_evaluations c JOIN nodes n ON n.evaluation_id = c.evaluation_id
             WHERE n.sensor = $1 AND c.run IN ({}) ORDER BY c.run, n.seq",
            marks(2, chunk.len())
        );
        for r in c.rows(&sql, &params)? {
            out.push((r.u32(12)?, crate::read::node(&r)?));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_wider_than_the_cap_is_refused_and_the_newest_n_are_bounded() {
        let open = RunRange::default();
        assert_eq!(open.limit().unwrap(), MAX_RANGE + 1);
        let at_cap: Vec<u32> = (0..MAX_RANGE).rev().collect();
        assert_eq!(open.take(at_cap).unwrap().first(), Some(&0));
        let over: Vec<u32> = (0..=MAX_RANGE).rev().collect();
        let e = open.take(over).unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(m) if m.contains("more than 5000 runs")),
            "{e}"
        );
        let newest = |n| RunRange {
            newest: Some(n),
            ..RunRange::default()
        };
        assert_eq!(newest(10).limit().unwrap(), 10);
        assert!(newest(0).limit().is_err());
        assert!(newest(MAX_RANGE + 1).limit().is_err());
        // The newest N, asked for newest first, come back oldest first.
        assert_eq!(newest(3).take(vec![9, 8, 7]).unwrap(), [7, 8, 9]);
    }

    #[test]
    fn a_variable_belongs_to_the_node_before_its_last_part() {
        assert_eq!(node_of("score"), "");
        assert_eq!(node_of("noise.score"), "noise");
        assert_eq!(
            node_of("noise.noise_level.TELL1_005.mean_content"),
            "noise.noise_level.TELL1_005"
        );
    }
}
