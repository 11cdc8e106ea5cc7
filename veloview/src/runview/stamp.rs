//! When a copy of what a file or directory held may be reused: its stamp is unchanged, and it
//! had been left alone for a while before the copy was made.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// What identifies a version of a file or directory. Inode and change time too: one replaced by
/// a rename, or rewritten to the same length, is still seen as new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    inode: u64,
    changed: (i64, i64),
}

/// File times tick coarsely (a few ms): a write in the same tick as an earlier read could leave
/// the stamp unchanged. A copy is only trusted once its source had been left alone this long
/// before it was read.
const SETTLED: Duration = Duration::from_secs(2);

impl Stamp {
    pub(crate) fn of(meta: &std::fs::Metadata) -> Stamp {
        use std::os::unix::fs::MetadataExt;
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            inode: meta.ino(),
            changed: (meta.ctime(), meta.ctime_nsec()),
        }
    }

    /// Whether a copy read at `read_at` of what had this stamp can stand for it, by the change
    /// time (which, unlike the modification time, no one can set back).
    pub(crate) fn settled_at(&self, read_at: SystemTime) -> bool {
        let (secs, nanos) = self.changed;
        let changed = u64::try_from(secs)
            .ok()
            .map(|s| SystemTime::UNIX_EPOCH + Duration::new(s, nanos.clamp(0, 999_999_999) as u32));
        changed
            .and_then(|c| read_at.duration_since(c).ok())
            .is_some_and(|age| age > SETTLED)
    }
}

/// What was made from files or directories (parsed, listed), by path, each kept while its
/// source's stamp is unchanged and had settled before it was read.
pub(crate) struct StampedCache<T> {
    entries: Mutex<HashMap<PathBuf, Entry<T>>>,
    /// Paths kept at most; past it the memory starts afresh.
    max: usize,
}

struct Entry<T> {
    stamp: Stamp,
    read_at: SystemTime,
    value: T,
}

impl<T: Clone> StampedCache<T> {
    pub(crate) fn new(max: usize) -> Self {
        StampedCache {
            entries: Mutex::default(),
            max,
        }
    }

    /// The value kept for `path` if it can stand for the source now stamped `stamp`, else
    /// `load`'s, kept with the time `clock` says it was read (`load` errors are not kept).
    pub(crate) fn get_or_load<E>(
        &self,
        path: &Path,
        stamp: Stamp,
        clock: impl Fn() -> SystemTime,
        load: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        if let Some(hit) = self.entries.lock().expect("stamped cache").get(path) {
            if hit.stamp == stamp && stamp.settled_at(hit.read_at) {
                return Ok(hit.value.clone());
            }
        }
        let read_at = clock();
        let value = load()?;
        let mut entries = self.entries.lock().expect("stamped cache");
        if entries.len() >= self.max {
            entries.clear();
        }
        let entry = Entry {
            stamp,
            read_at,
            value: value.clone(),
        };
        entries.insert(path.to_path_buf(), entry);
        Ok(value)
    }
}
