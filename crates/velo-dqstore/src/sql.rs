//! The little both databases share: typed parameters, rows of cells, one connection trait, and
//! a pool of idle connections. The store's queries are written once against [`Conn`], in the
//! SQL both understand, with `$1`-style placeholders.

use crate::StoreError;
use std::sync::Mutex;

/// A query parameter. Nulls carry their type, which PostgreSQL needs to bind them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Param {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
    Json(serde_json::Value),
}

impl Param {
    pub(crate) fn int(v: impl Into<i64>) -> Param {
        Param::Int(Some(v.into()))
    }
    pub(crate) fn opt_int<T: Into<i64>>(v: Option<T>) -> Param {
        Param::Int(v.map(Into::into))
    }
    pub(crate) fn text(v: &str) -> Param {
        Param::Text(Some(v.to_string()))
    }
}

/// A value read back.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

/// One result row; the getters turn a stored value of the wrong type into
/// [`StoreError::Corrupt`] rather than a panic.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row(pub(crate) Vec<Cell>);

impl Row {
    fn cell(&self, i: usize) -> Result<&Cell, StoreError> {
        self.0
            .get(i)
            .ok_or_else(|| StoreError::Corrupt(format!("column {i} missing")))
    }

    fn wrong(&self, i: usize, want: &str) -> StoreError {
        StoreError::Corrupt(format!(
            "column {i}: expected {want}, found {:?}",
            self.0[i]
        ))
    }

    pub(crate) fn opt_i64(&self, i: usize) -> Result<Option<i64>, StoreError> {
        match self.cell(i)? {
            Cell::Null => Ok(None),
            Cell::Int(v) => Ok(Some(*v)),
            _ => Err(self.wrong(i, "an integer")),
        }
    }

    pub(crate) fn i64(&self, i: usize) -> Result<i64, StoreError> {
        self.opt_i64(i)?.ok_or_else(|| self.wrong(i, "an integer"))
    }

    /// An integer that must fit a u32 (run, sensor, counts).
    pub(crate) fn opt_u32(&self, i: usize) -> Result<Option<u32>, StoreError> {
        self.opt_i64(i)?
            .map(|v| u32::try_from(v).map_err(|_| self.wrong(i, "a 32-bit unsigned integer")))
            .transpose()
    }

    pub(crate) fn u32(&self, i: usize) -> Result<u32, StoreError> {
        self.opt_u32(i)?.ok_or_else(|| self.wrong(i, "an integer"))
    }

    pub(crate) fn opt_f64(&self, i: usize) -> Result<Option<f64>, StoreError> {
        match self.cell(i)? {
            Cell::Null => Ok(None),
            Cell::Real(v) => Ok(Some(*v)),
            // SQLite may hand back a whole-numbered REAL as an integer.
            Cell::Int(v) => Ok(Some(*v as f64)),
            _ => Err(self.wrong(i, "a number")),
        }
    }

    pub(crate) fn f64(&self, i: usize) -> Result<f64, StoreError> {
        self.opt_f64(i)?.ok_or_else(|| self.wrong(i, "a number"))
    }

    pub(crate) fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        match self.cell(i)? {
            Cell::Null => Ok(None),
            Cell::Text(v) => Ok(Some(v.clone())),
            _ => Err(self.wrong(i, "text")),
        }
    }

    pub(crate) fn text(&self, i: usize) -> Result<String, StoreError> {
        self.opt_text(i)?.ok_or_else(|| self.wrong(i, "text"))
    }
}

/// One open connection to either database.
pub(crate) trait Conn: Send {
    /// Run one statement; the number of rows it changed.
    fn exec(&mut self, sql: &str, params: &[Param]) -> Result<u64, StoreError>;
    /// Run one statement and collect its rows.
    fn rows(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Row>, StoreError>;
    /// Run several statements without parameters (migrations).
    fn batch(&mut self, sql: &str) -> Result<(), StoreError>;
    /// Start a transaction that will write: SQLite takes the write lock now (`BEGIN
    /// IMMEDIATE`), so that two writers wait for each other instead of failing at commit.
    fn begin_write(&mut self) -> Result<(), StoreError>;
    /// Whether the connection can be reused after an error.
    fn is_usable(&self) -> bool;
    /// Take the lock that makes concurrent openers migrate one at a time, inside the current
    /// transaction (SQLite's write lock already is one).
    fn lock_migrations(&mut self) -> Result<(), StoreError>;
    /// Take the lock that makes recorders of one run take turns, inside the current write
    /// transaction, before they look at its current evaluation (SQLite's write lock already is
    /// one; PostgreSQL's row locks cannot lock a row that does not exist yet).
    fn lock_run(&mut self, run: u32) -> Result<(), StoreError>;
}

impl dyn Conn + '_ {
    /// Run `f` in a write transaction: committed if it returns Ok, rolled back otherwise.
    pub(crate) fn write<R>(
        &mut self,
        f: impl FnOnce(&mut dyn Conn) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        self.begin_write()?;
        match f(self) {
            Ok(r) => {
                self.batch("COMMIT")?;
                Ok(r)
            }
            Err(e) => {
                // A failed rollback leaves the connection unusable: `is_usable` drops it.
                let _ = self.batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// Insert `rows` (each with `columns.len()` values) into `table`, many rows a statement.
    pub(crate) fn insert_rows(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: impl IntoIterator<Item = Vec<Param>>,
        on_conflict: &str,
    ) -> Result<(), StoreError> {
        // Well under both databases' limit on parameters a statement (SQLite 32766, PostgreSQL
        // 65535), and large enough that a tree of a few thousand nodes takes a few statements.
        const MAX_PARAMS: usize = 8000;
        let per_chunk = (MAX_PARAMS / columns.len()).max(1);
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Param> = rows.by_ref().take(per_chunk).flatten().collect();
            let n = chunk.len() / columns.len();
            let tuples: Vec<String> = (0..n)
                .map(|r| {
                    let p: Vec<String> = (0..columns.len())
                        .map(|c| format!("${}", r * columns.len() + c + 1))
                        .collect();
                    format!("({})", p.join(", "))
                })
                .collect();
            let sql = format!(
                "INSERT INTO {table} ({}) VALUES {} {on_conflict}",
                columns.join(", "),
                tuples.join(", ")
            );
            self.exec(&sql, &chunk)?;
        }
        Ok(())
    }
}

/// Idle connections kept for reuse; a caller takes one (or a new one is made) and gives it back.
pub(crate) struct Pool<C> {
    connect: Box<dyn Fn() -> Result<C, StoreError> + Send + Sync>,
    idle: Mutex<Vec<C>>,
    max_idle: usize,
}

impl<C: Conn> Pool<C> {
    pub(crate) fn new(
        max_idle: usize,
        connect: impl Fn() -> Result<C, StoreError> + Send + Sync + 'static,
    ) -> Pool<C> {
        Pool {
            connect: Box::new(connect),
            idle: Mutex::new(Vec::new()),
            max_idle,
        }
    }

    /// Run `f` on a connection; it goes back to the pool afterwards if still usable.
    pub(crate) fn with<R>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let taken = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut conn = match taken {
            Some(c) => c,
            None => (self.connect)()?,
        };
        let r = f(&mut conn);
        if conn.is_usable() {
            let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
            if idle.len() < self.max_idle {
                idle.push(conn);
            }
        }
        r
    }
}

/// `$first, $first+1, ...` for `n` parameters.
pub(crate) fn marks(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}
