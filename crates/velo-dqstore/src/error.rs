//! What can go wrong, in messages an operator can act on. A database URL is only ever shown
//! with its password replaced.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `dq_database_url` is not a URL the store understands.
    #[error("dq_database_url {url:?}: {reason}")]
    Url { url: String, reason: String },
    #[error("cannot open the results store {url}: {reason}")]
    Open { url: String, reason: String },
    #[error("results store migration {version:04} ({name}): {reason}")]
    Migration {
        version: i64,
        name: String,
        reason: String,
    },
    #[error(
        "the results store's schema is at version {found}, newer than this program's {known}: \
         upgrade the program"
    )]
    SchemaTooNew { found: i64, known: i64 },
    /// A query failed (connection lost, database locked for too long, disk full, ...).
    #[error("results store: {0}")]
    Database(String),
    /// The caller's input was refused (an unknown level, a non-finite score, ...).
    #[error("{0}")]
    Invalid(String),
    /// Stored data that does not decode: written by something else, or damaged.
    #[error("results store holds unreadable data: {0}")]
    Corrupt(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        // The server's own message (`as_db_error`) is the useful part; the Display of a
        // client-side error is already free of connection parameters.
        match e.as_db_error() {
            Some(db) => StoreError::Database(format!("{}: {}", db.severity(), db.message())),
            None => StoreError::Database(e.to_string()),
        }
    }
}
