//! PostgreSQL, for workers on several hosts. The synchronous `postgres` client: each connection
//! drives a small runtime of its own, which is why the store must not be called from inside an
//! async task (see the crate docs).

use crate::sql::{Cell, Conn, Param, Row};
use crate::url::redact;
use crate::StoreError;
use postgres::types::{ToSql, Type};
use std::str::FromStr;
use std::time::Duration;

/// Random, fixed: the advisory lock key under which openers apply migrations one at a time.
const MIGRATION_LOCK: i64 = 0x7665_6c6f_6471_0001;
/// Advisory lock keys of runs' records: this, or'ed with the run number (32 bits), apart from
/// [`MIGRATION_LOCK`].
const RUN_LOCKS: i64 = 0x7665_6c6e_0000_0000;

pub(crate) struct PgConn(postgres::Client);

pub(crate) fn config(url: &str) -> Result<postgres::Config, StoreError> {
    let mut config = postgres::Config::from_str(url).map_err(|e| StoreError::Url {
        url: redact(url),
        reason: e.to_string(),
    })?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    if config.get_application_name().is_none() {
        config.application_name("velo-dqstore");
    }
    Ok(config)
}

impl PgConn {
    pub(crate) fn connect(config: &postgres::Config, url: &str) -> Result<PgConn, StoreError> {
        config
            .connect(postgres::NoTls)
            .map(PgConn)
            .map_err(|e| StoreError::Open {
                url: redact(url),
                reason: StoreError::from(e).to_string(),
            })
    }
}

fn bind(p: &Param) -> &(dyn ToSql + Sync) {
    match p {
        Param::Int(v) => v,
        Param::Real(v) => v,
        Param::Text(v) => v,
        Param::Json(v) => v,
    }
}

fn cells(row: &postgres::Row) -> Result<Row, StoreError> {
    let mut out = Vec::with_capacity(row.len());
    for (i, col) in row.columns().iter().enumerate() {
        let t = col.type_();
        let c = if *t == Type::INT8 {
            row.try_get::<_, Option<i64>>(i)?.map(Cell::Int)
        } else if *t == Type::INT4 {
            row.try_get::<_, Option<i32>>(i)?
                .map(|v| Cell::Int(v.into()))
        } else if *t == Type::FLOAT8 {
            row.try_get::<_, Option<f64>>(i)?.map(Cell::Real)
        } else if [Type::TEXT, Type::VARCHAR, Type::NAME].contains(t) {
            row.try_get::<_, Option<String>>(i)?.map(Cell::Text)
        } else {
            return Err(StoreError::Corrupt(format!(
                "column {} has type {t}, which the store does not read",
                col.name()
            )));
        };
        out.push(c.unwrap_or(Cell::Null));
    }
    Ok(Row(out))
}

impl Conn for PgConn {
    fn exec(&mut self, sql: &str, params: &[Param]) -> Result<u64, StoreError> {
        let p: Vec<_> = params.iter().map(bind).collect();
        Ok(self.0.execute(sql, &p)?)
    }

    fn rows(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Row>, StoreError> {
        let p: Vec<_> = params.iter().map(bind).collect();
        self.0.query(sql, &p)?.iter().map(cells).collect()
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        Ok(self.0.batch_execute(sql)?)
    }

    fn begin_write(&mut self) -> Result<(), StoreError> {
        self.batch("BEGIN")
    }

    fn is_usable(&self) -> bool {
        !self.0.is_closed()
    }

    fn lock_migrations(&mut self) -> Result<(), StoreError> {
        self.exec(
            "SELECT pg_advisory_xact_lock($1)",
            &[Param::int(MIGRATION_LOCK)],
        )
        .map(drop)
    }

    fn lock_run(&mut self, run: u32) -> Result<(), StoreError> {
        self.exec(
            "SELECT pg_advisory_xact_lock($1)",
            &[Param::int(RUN_LOCKS | i64::from(run))],
        )
        .map(drop)
    }
}
