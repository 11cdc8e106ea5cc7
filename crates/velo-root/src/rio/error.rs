use std::path::{Path, PathBuf};

/// What went wrong inside a ROOT file, without saying which file (see [`Error`]).
#[derive(Debug, thiserror::Error)]
pub enum RootError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("not a ROOT file ({0})")]
    NotRoot(String),
    #[error("truncated data: {0}")]
    Truncated(String),
    #[error("corrupt data: {0}")]
    Corrupt(String),
    #[error("cannot decompress: {0}")]
    Decompress(String),
    #[error("no object at path \"{0}\"")]
    NotFound(String),
    #[error("unsupported class {0}")]
    Unsupported(String),
    /// The caller gave up on the work (see [`crate::cancel`]).
    #[error("stopped: the work was cancelled")]
    Cancelled,
}

impl RootError {
    /// Say where in the file it happened: `what` goes in front of the message.
    pub fn context(self, what: impl std::fmt::Display) -> RootError {
        match self {
            Self::Truncated(m) => Self::Truncated(format!("{what}: {m}")),
            Self::Corrupt(m) => Self::Corrupt(format!("{what}: {m}")),
            Self::Decompress(m) => Self::Decompress(format!("{what}: {m}")),
            other => other,
        }
    }
}

/// An error that names the file it happened in, as every error a user sees should.
#[derive(Debug, thiserror::Error)]
#[error("{}: {kind}", file.display())]
pub struct Error {
    pub file: PathBuf,
    #[source]
    pub kind: RootError,
}

impl Error {
    pub fn new(file: &Path, kind: RootError) -> Self {
        Self {
            file: file.to_path_buf(),
            kind,
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self.kind, RootError::NotFound(_))
    }

    pub fn is_unsupported(&self) -> bool {
        matches!(self.kind, RootError::Unsupported(_))
    }
}
