//! SQLite: one file, several processes. WAL lets readers run beside the one writer; a writer
//! waits (busy timeout) rather than fails while another holds the write lock; transactions are
//! kept short so that the wait stays short.

use crate::sql::{Cell, Conn, Param, Row};
use crate::StoreError;
use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use std::path::Path;
use std::time::{Duration, Instant};

/// How long a writer waits for another's transaction. Transactions last milliseconds; this is
/// for a loaded machine with many workers.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) struct SqliteConn(rusqlite::Connection);

impl SqliteConn {
    /// Open (creating the file and its directory if needed) and set the connection up.
    pub(crate) fn open(path: &Path) -> Result<SqliteConn, StoreError> {
        let fail = |reason: String| StoreError::Open {
            url: format!("sqlite://{}", path.display()),
            reason,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| fail(format!("cannot create {}: {e}", dir.display())))?;
        }
        let conn = rusqlite::Connection::open(path).map_err(|e| fail(e.to_string()))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| fail(e.to_string()))?;
        // WAL is a property of the file (set once, kept). Setting it on a new file takes the
        // file's exclusive lock, and SQLite answers "database is locked" at once instead of
        // calling the busy handler when another opener holds a lock: web and workers starting
        // together on a fresh checkout failed so. Retried, within the same bound.
        let since = Instant::now();
        while let Err(e) = conn.execute_batch("PRAGMA journal_mode = WAL;") {
            if !is_busy(&e) || since.elapsed() > BUSY_TIMEOUT {
                return Err(fail(e.to_string()));
            }
            // A retry, not a synchronisation: the other opener's lock lasts milliseconds.
            std::thread::sleep(Duration::from_millis(5));
        }
        // NORMAL sync is safe with WAL (a power cut may lose the last commits, never corrupt
        // the file); foreign keys are per connection.
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(|e| fail(e.to_string()))?;
        Ok(SqliteConn(conn))
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// `$N` placeholders (the store's common form) to SQLite's `?N`.
fn sqlite_sql(sql: &str) -> std::borrow::Cow<'_, str> {
    if sql.contains('$') {
        sql.replace('$', "?").into()
    } else {
        sql.into()
    }
}

impl rusqlite::ToSql for Param {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Param::Int(v) => ToSqlOutput::Owned(v.map_or(Value::Null, Value::Integer)),
            Param::Real(v) => ToSqlOutput::Owned(v.map_or(Value::Null, Value::Real)),
            Param::Text(v) => match v {
                Some(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
                None => ToSqlOutput::Owned(Value::Null),
            },
            Param::Json(v) => ToSqlOutput::Owned(Value::Text(v.to_string())),
        })
    }
}

fn cell(v: ValueRef<'_>) -> Result<Cell, StoreError> {
    Ok(match v {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(i) => Cell::Int(i),
        ValueRef::Real(f) => Cell::Real(f),
        ValueRef::Text(t) => Cell::Text(
            String::from_utf8(t.to_vec())
                .map_err(|_| StoreError::Corrupt("text that is not UTF-8".into()))?,
        ),
        ValueRef::Blob(_) => return Err(StoreError::Corrupt("unexpected blob".into())),
    })
}

impl Conn for SqliteConn {
    fn exec(&mut self, sql: &str, params: &[Param]) -> Result<u64, StoreError> {
        let mut stmt = self.0.prepare_cached(&sqlite_sql(sql))?;
        Ok(stmt.execute(rusqlite::params_from_iter(params))? as u64)
    }

    fn rows(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Row>, StoreError> {
        let mut stmt = self.0.prepare_cached(&sqlite_sql(sql))?;
        let n = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let cells = (0..n)
                .map(|i| cell(r.get_ref(i)?))
                .collect::<Result<Vec<Cell>, StoreError>>()?;
            out.push(Row(cells));
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        Ok(self.0.execute_batch(sql)?)
    }

    fn begin_write(&mut self) -> Result<(), StoreError> {
        self.batch("BEGIN IMMEDIATE")
    }

    fn is_usable(&self) -> bool {
        // A transaction left open by a failed rollback would block every other writer.
        self.0.is_autocommit()
    }

    fn lock_migrations(&mut self) -> Result<(), StoreError> {
        Ok(())
    }

    fn lock_run(&mut self, _run: u32) -> Result<(), StoreError> {
        Ok(())
    }
}

impl From<rusqlite::types::FromSqlError> for StoreError {
    fn from(e: rusqlite::types::FromSqlError) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}
