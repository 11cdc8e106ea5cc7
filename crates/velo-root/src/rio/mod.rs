//! ROOT file I/O: buffers ([`rbytes`]), compression ([`compress`]), and files, directories and
//! keys ([`file`], [`directory`], [`key`]); writing: buffers ([`wbytes`]) and whole files with
//! their StreamerInfo ([`writer`]).

pub mod compress;
pub mod directory;
mod error;
pub mod file;
pub mod key;
mod options;
pub mod rbytes;
mod streamers;
pub mod wbytes;
pub mod writer;

pub use error::{Error, RootError};
pub use file::{Entry, RootFile};
pub use key::Key;
pub use options::{ReadOptions, DEFAULT_MAX_OBJECT_BYTES};
pub use writer::{FileWriter, Options as WriteOptions};
