//! Versioned schema migrations (`migrations/{sqlite,postgres}/NNNN_name.sql`), applied in order
//! when a store is opened and recorded in `schema_migrations`. Openers take a lock first (SQLite's
//! write lock, PostgreSQL's advisory lock), so two processes starting at once migrate once.

use crate::sql::{Conn, Param};
use crate::StoreError;

/// One step of the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Which database a migration list is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// `migration!(VERSION, "NNNN_name", "sqlite"|"postgres")`: the file is compiled in.
macro_rules! migration {
    ($version:literal, $file:literal, $dir:literal) => {
        Migration {
            version: $version,
            name: $file,
            sql: include_str!(concat!("../migrations/", $dir, "/", $file, ".sql")),
        }
    };
}

const SQLITE: &[Migration] = &[
    migration!(1, "0001_results", "sqlite"),
    migration!(2, "0002_signoff", "sqlite"),
    migration!(3, "0003_alarms", "sqlite"),
    migration!(4, "0004_notify_resolutions", "sqlite"),
    migration!(5, "0005_digests_by_time", "sqlite"),
    migration!(6, "0006_failing_nodes", "sqlite"),
    migration!(7, "0007_failing_by_key", "sqlite"),
];
const POSTGRES: &[Migration] = &[
    migration!(1, "0001_results", "postgres"),
    migration!(2, "0002_signoff", "postgres"),
    migration!(3, "0003_alarms", "postgres"),
    migration!(4, "0004_notify_resolutions", "postgres"),
    migration!(5, "0005_digests_by_time", "postgres"),
    migration!(6, "0006_failing_nodes", "postgres"),
    migration!(7, "0007_failing_by_key", "postgres"),
];

/// The repository's migrations for `backend`, in order.
pub fn migrations(backend: Backend) -> &'static [Migration] {
    match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    }
}

/// Apply those of `list` the database has not had, in one transaction.
pub(crate) fn migrate(conn: &mut dyn Conn, list: &[Migration]) -> Result<(), StoreError> {
    conn.write(|c| {
        c.lock_migrations()?;
        c.batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version    BIGINT PRIMARY KEY,
                 name       TEXT   NOT NULL,
                 applied_ms BIGINT NOT NULL
             )",
        )?;
        let applied: Vec<i64> = c
            .rows(
                "SELECT version FROM schema_migrations ORDER BY version",
                &[],
            )?
            .iter()
            .map(|r| r.i64(0))
            .collect::<Result<_, _>>()?;
        let known = list.last().map_or(0, |m| m.version);
        if let Some(&found) = applied.last().filter(|&&v| v > known) {
            return Err(StoreError::SchemaTooNew { found, known });
        }
        for m in list.iter().filter(|m| !applied.contains(&m.version)) {
            let fail = |e: StoreError| StoreError::Migration {
                version: m.version,
                name: m.name.into(),
                reason: e.to_string(),
            };
            c.batch(m.sql).map_err(fail)?;
            c.exec(
                "INSERT INTO schema_migrations (version, name, applied_ms) VALUES ($1, $2, $3)",
                &[
                    Param::int(m.version),
                    Param::text(m.name),
                    Param::int(crate::now_ms()),
                ],
            )
            .map_err(fail)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_ascend_and_both_backends_have_the_same_steps() {
        for b in [Backend::Sqlite, Backend::Postgres] {
            let v: Vec<i64> = migrations(b).iter().map(|m| m.version).collect();
            assert!(v.windows(2).all(|w| w[0] < w[1]), "{b:?}: {v:?}");
            assert_eq!(v.first(), Some(&1));
        }
        let names = |b| migrations(b).iter().map(|m| m.name).collect::<Vec<_>>();
        assert_eq!(names(Backend::Sqlite), names(Backend::Postgres));
    }
}
