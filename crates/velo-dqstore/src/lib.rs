//! The data-quality results store: every evaluation of every run (the newest is the run's
//! current one, older ones are history), each with its whole tree and its trended values, and
//! what the run database knows of each run. Used by `velo-worker` (writes) and `velo-web`
//! (reads); independent of `veloview`, whose results the callers convert into these records.
//!
//! # Backends
//! `dq_database_url` chooses: `sqlite://PATH` (default; one file, created on first use, shared
//! safely by the workers of one host) or `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (workers
//! on several hosts). One schema, in versioned migrations under `migrations/` applied by
//! [`Store::open`].
//!
//! # Blocking
//! Every method blocks on disk or network I/O: call them from a blocking thread
//! (`tokio::task::spawn_blocking`, `actix_web::web::block`), never directly inside an async
//! task. The PostgreSQL client runs a small runtime of its own per connection and panics if
//! driven from inside another runtime's task.
//!
//! Why `rusqlite` and the synchronous `postgres` client rather than `sqlx`: both are the
//! maintained drivers of their database made for exactly this, with no macros checking queries
//! against a live database at build time, no async runtime of their own in our API, and far
//! fewer crates to build; the store's few queries are plain SQL shared by both backends.

mod alarms;
mod error;
mod migrate;
mod pg;
mod range;
mod read;
mod signoff;
mod sql;
mod sqlite;
mod streaks;
mod types;
mod url;
mod write;

pub use alarms::{
    Alarm, AlarmChanges, AlarmCounts, AlarmEvent, AlarmPage, AlarmQuery, AlarmState, Delivery,
    Digest, NewFiring, MAX_ALARM_PAGE, SYSTEM_RUN,
};
pub use error::StoreError;
pub use migrate::{migrations, Backend, Migration};
pub use range::{node_of, RunRange, SeriesPoint, VarValue, MAX_RANGE};
pub use signoff::{Changes, NewSignoff, Signoff, SignoffStatus, MAX_COMMENT_CHARS};
pub use streaks::{Streak, STREAK_WINDOW};
pub use types::*;
pub use url::redact;

use sql::{Conn, Pool};
use std::sync::Arc;

/// The most runs [`Store::runs`] returns in one page.
pub const MAX_PAGE: u32 = 1000;

/// A handle on the results store; cheap to clone, shared by threads. See the crate docs: every
/// method blocks.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

enum Inner {
    Sqlite(Pool<sqlite::SqliteConn>),
    Postgres(Pool<pg::PgConn>),
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match *self.inner {
            Inner::Sqlite(_) => "Store(sqlite)",
            Inner::Postgres(_) => "Store(postgres)",
        })
    }
}

/// Connections kept open between calls, per store handle.
const MAX_IDLE: usize = 8;

impl Store {
    /// Open the store at `url` (`sqlite://PATH` or `postgres://...`), bringing its schema up to
    /// date. A SQLite file and its directory are created if missing.
    pub fn open(url: &str) -> Result<Store, StoreError> {
        let backend = match url::DatabaseUrl::parse(url)? {
            url::DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            url::DatabaseUrl::Postgres(_) => Backend::Postgres,
        };
        Store::open_with_migrations(url, migrations(backend))
    }

    /// As [`Store::open`], migrating to `list` instead of the repository's migrations: for
    /// testing how a database made by an older version is upgraded.
    #[doc(hidden)]
    pub fn open_with_migrations(url: &str, list: &[Migration]) -> Result<Store, StoreError> {
        let inner = match url::DatabaseUrl::parse(url)? {
            url::DatabaseUrl::Sqlite(path) => {
                Inner::Sqlite(Pool::new(MAX_IDLE, move || sqlite::SqliteConn::open(&path)))
            }
            url::DatabaseUrl::Postgres(url) => {
                let config = pg::config(&url)?;
                Inner::Postgres(Pool::new(MAX_IDLE, move || {
                    pg::PgConn::connect(&config, &url)
                }))
            }
        };
        let store = Store {
            inner: Arc::new(inner),
        };
        store.with(|c| migrate::migrate(c, list))?;
        Ok(store)
    }

    /// The schema migrations the database has had, in order.
    pub fn applied_migrations(&self) -> Result<Vec<i64>, StoreError> {
        self.with(|c| {
            c.rows(
                "SELECT version FROM schema_migrations ORDER BY version",
                &[],
            )?
            .iter()
            .map(|r| r.i64(0))
            .collect()
        })
    }

    /// Which database this store is in.
    pub fn backend(&self) -> Backend {
        match *self.inner {
            Inner::Sqlite(_) => Backend::Sqlite,
            Inner::Postgres(_) => Backend::Postgres,
        }
    }

    fn with<R>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        match &*self.inner {
            Inner::Sqlite(p) => p.with(f),
            Inner::Postgres(p) => p.with(f),
        }
    }

    /// Record an evaluation in one transaction; it becomes the run's current one (the previous
    /// current one stays, as history). Returns its id.
    pub fn record(&self, e: &NewEvaluation) -> Result<i64, StoreError> {
        let checked = write::check(e)?;
        self.with(|c| {
            c.write(|c| {
                c.lock_run(e.run)?;
                write::record(c, e, &checked)
            })
        })
    }

    /// Record an evaluation made from the run's current one being `seen` (`None`: it had none),
    /// unless another was recorded since: then nothing is recorded, and `None` is returned. Two
    /// workers that evaluated one run at once (one took the other for dead) record it once.
    pub fn record_unless_superseded(
        &self,
        e: &NewEvaluation,
        seen: Option<i64>,
    ) -> Result<Option<i64>, StoreError> {
        let checked = write::check(e)?;
        self.with(|c| {
            c.write(|c| {
                c.lock_run(e.run)?;
                if write::current_id(c, e.run)? != seen {
                    return Ok(None);
                }
                write::record(c, e, &checked).map(Some)
            })
        })
    }

    /// The run's current evaluation with its tree; `None` if the run was never evaluated.
    pub fn current(&self, run: u32) -> Result<Option<Evaluation>, StoreError> {
        self.with(|c| read::current(c, run))
    }

    /// One evaluation by id (current or history).
    pub fn evaluation(&self, id: i64) -> Result<Option<Evaluation>, StoreError> {
        self.with(|c| read::evaluation(c, id))
    }

    /// Every evaluation of the run, newest first.
    pub fn history(&self, run: u32) -> Result<Vec<EvaluationSummary>, StoreError> {
        self.with(|c| read::history(c, run))
    }

    /// For every run with an evaluation, what its current one was made from.
    pub fn states(&self) -> Result<std::collections::HashMap<u32, EvalState>, StoreError> {
        self.with(read::states)
    }

    /// What `run`'s current evaluation was made from, if it has one.
    pub fn state(&self, run: u32) -> Result<Option<EvalState>, StoreError> {
        self.with(|c| read::state_of(c, run))
    }

    /// A page of runs with a current evaluation, newest first.
    pub fn runs(&self, q: &RunQuery) -> Result<RunPage, StoreError> {
        self.with(|c| read::runs(c, q))
    }

    /// The current summaries of the given runs (those evaluated), newest first: for a page
    /// that lists runs from the run list, evaluated or not.
    pub fn summaries(&self, runs: &[u32]) -> Result<Vec<RunSummary>, StoreError> {
        self.with(|c| read::summaries(c, runs))
    }

    /// One trended variable over the runs' current evaluations, by run.
    pub fn trend(
        &self,
        var: &str,
        first: Option<u32>,
        last: Option<u32>,
    ) -> Result<Vec<TrendPoint>, StoreError> {
        self.with(|c| read::trend(c, var, first, last))
    }

    /// The variables trended by current evaluations, sorted.
    pub fn variables(&self) -> Result<Vec<String>, StoreError> {
        self.with(read::variables)
    }

    /// One trended variable over a range of runs, oldest first, each point with the level of
    /// the node it belongs to, the reference run and the magnet polarity. A range of more than
    /// [`MAX_RANGE`] runs is refused ([`StoreError::Invalid`]).
    pub fn series(&self, var: &str, range: &RunRange) -> Result<Vec<SeriesPoint>, StoreError> {
        self.with(|c| range::series(c, var, range))
    }

    /// The runs with a current evaluation in the range, oldest first (refused as
    /// [`Store::series`] beyond [`MAX_RANGE`]).
    pub fn run_window(&self, range: &RunRange) -> Result<Vec<u32>, StoreError> {
        self.with(|c| range::run_window(c, range))
    }

    /// The values of `vars` for the runs from `lo` to `hi`, by variable then run.
    pub fn values(&self, vars: &[String], lo: u32, hi: u32) -> Result<Vec<VarValue>, StoreError> {
        self.with(|c| range::values(c, vars, lo, hi))
    }

    /// The nodes judging `sensor` in the current evaluations of `runs`: (run, node), by run
    /// then in tree order.
    pub fn sensor_nodes(
        &self,
        sensor: u32,
        runs: &[u32],
    ) -> Result<Vec<(u32, NodeRecord)>, StoreError> {
        self.with(|c| range::sensor_nodes(c, sensor, runs))
    }

    /// Since when each of `keys`, failing leaves of `run`'s current evaluation `current`, has
    /// been failing without a break, by key: walked back over up to `window` earlier evaluated
    /// runs (the pages use [`STREAK_WINDOW`]). Keys not in `current` are left out.
    pub fn streaks(
        &self,
        run: u32,
        current: &[NodeRecord],
        keys: &[&str],
        window: u32,
    ) -> Result<std::collections::HashMap<String, Streak>, StoreError> {
        if window == 0 {
            return Err(StoreError::Invalid(
                "a streak's window must be at least one run".into(),
            ));
        }
        self.with(|c| streaks::streaks(c, run, current, keys, window))
    }

    /// Insert or replace the run info of these runs (the last of a run given twice wins).
    pub fn put_run_info(&self, info: &[RunInfo]) -> Result<(), StoreError> {
        write::check_run_info(info)?;
        self.with(|c| c.write(|c| write::put_run_info(c, info)))
    }

    pub fn run_info(&self, run: u32) -> Result<Option<RunInfo>, StoreError> {
        self.with(|c| read::run_info(c, run))
    }
}

/// Callers share one store between threads and tasks: keep it so.
const _: fn() = || {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    shareable::<Store>();
};

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

pub(crate) const LEVELS: [&str; 3] = ["OK", "WARNING", "ERROR"];
