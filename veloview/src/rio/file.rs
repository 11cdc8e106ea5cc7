//! A ROOT file opened for random access: the header and the top directory's keys are read at
//! open, everything else on demand, so one object costs one key's bytes, not the file's.

use super::compress;
use super::directory::{read_key_list, DirRecord};
use super::key::Key;
use super::rbytes::{corrupt, truncated, RBuffer};
use super::{Error, RootError};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Files written with a version at or above this have 64-bit offsets in their header.
const LARGE_FILE_VERSION: i32 = 1_000_000;
/// Enough for the largest header and for a directory record.
const HEADER_READ: usize = 128;

/// Where a key sits in the tree, for listings.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Directory names and the key's name joined with `/`.
    pub path: String,
    pub key: Key,
}

pub struct RootFile {
    path: PathBuf,
    file: File,
    size: u64,
    version: i32,
    compression: i32,
    top: Vec<Key>,
}

impl std::fmt::Debug for RootFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RootFile")
            .field("path", &self.path)
            .field("version", &self.version)
            .finish()
    }
}

impl RootFile {
    pub fn open(path: impl AsRef<Path>) -> Result<RootFile, Error> {
        let path = path.as_ref();
        Self::open_inner(path).map_err(|kind| Error::new(path, kind))
    }

    fn open_inner(path: &Path) -> Result<RootFile, RootError> {
        let file = File::open(path)?;
        let size = file.metadata()?.len();
        let mut f = RootFile {
            path: path.to_path_buf(),
            file,
            size,
            version: 0,
            compression: 0,
            top: Vec::new(),
        };
        let head = f.read_at(0, HEADER_READ.min(size as usize))?;
        let mut r = RBuffer::new(&head, 0);
        if r.take(4).ok() != Some(b"root".as_slice()) {
            return Err(RootError::NotRoot("no \"root\" magic at the start".into()));
        }
        f.version = r.i32()?;
        let begin = r.i32()? as i64;
        let large = f.version >= LARGE_FILE_VERSION;
        let _end = if large { r.i64()? } else { r.i32()? as i64 };
        let _seek_free = if large { r.i64()? } else { r.i32()? as i64 };
        let _nbytes_free = r.i32()?;
        let _nfree = r.i32()?;
        let nbytes_name = r.i32()? as i64;
        let _units = r.u8()?;
        f.compression = r.i32()?;
        let dir_at = begin + nbytes_name;
        if begin <= 0 || nbytes_name <= 0 || dir_at as u64 >= size {
            return Err(corrupt(format!(
                "top directory at byte {dir_at} is outside the {size}-byte file"
            )));
        }
        let dir_bytes = f.read_at(
            dir_at as u64,
            HEADER_READ.min((size - dir_at as u64) as usize),
        )?;
        let record = DirRecord::read(&mut RBuffer::new(&dir_bytes, 0))?;
        f.top = f.read_keys(&record)?;
        Ok(f)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The ROOT version that wrote the file (e.g. 62206 for 6.22/06).
    pub fn root_version(&self) -> i32 {
        self.version % LARGE_FILE_VERSION
    }

    /// `fCompress`: algorithm * 100 + level.
    pub fn compression(&self) -> i32 {
        self.compression
    }

    pub fn keys(&self) -> &[Key] {
        &self.top
    }

    fn err(&self, kind: RootError) -> Error {
        Error::new(&self.path, kind)
    }

    fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, RootError> {
        if offset
            .checked_add(len as u64)
            .is_none_or(|end| end > self.size)
        {
            return Err(truncated(format!(
                "{len} bytes at byte {offset} run past the end of the {}-byte file",
                self.size
            )));
        }
        let mut buf = vec![0u8; len];
        self.file.read_exact_at(&mut buf, offset)?;
        Ok(buf)
    }

    fn read_keys(&self, record: &DirRecord) -> Result<Vec<Key>, RootError> {
        if record.seek_keys == 0 {
            return Ok(Vec::new());
        }
        let bytes = self.read_at(record.seek_keys, record.nbytes_keys as usize)?;
        read_key_list(&mut RBuffer::new(&bytes, 0))
    }

    /// The keys inside a directory key.
    pub fn dir_keys(&self, dir: &Key) -> Result<Vec<Key>, Error> {
        self.dir_keys_inner(dir).map_err(|k| self.err(k))
    }

    fn dir_keys_inner(&self, dir: &Key) -> Result<Vec<Key>, RootError> {
        let bytes = self.payload(dir)?;
        let record = DirRecord::read(&mut RBuffer::new(&bytes, dir.keylen as u32))?;
        self.read_keys(&record)
    }

    /// The object's bytes, decompressed. Buffer offsets in them start at `key.keylen`.
    pub fn object_bytes(&self, key: &Key) -> Result<Vec<u8>, Error> {
        self.payload(key).map_err(|k| self.err(k))
    }

    fn payload(&self, key: &Key) -> Result<Vec<u8>, RootError> {
        let at = key.seek_key + key.keylen as u64;
        let raw = self.read_at(at, key.payload_len())?;
        if key.is_compressed() {
            compress::decompress(&raw, key.objlen as usize).map_err(|e| match e {
                RootError::Decompress(m) => {
                    RootError::Decompress(format!("key \"{}\": {m}", key.name))
                }
                other => other,
            })
        } else {
            Ok(raw)
        }
    }

    /// Every key in the file, directories before their contents, in stored order.
    pub fn walk(&self) -> Result<Vec<Entry>, Error> {
        let mut out = Vec::new();
        self.walk_into("", &self.top, &mut out, 0)?;
        Ok(out)
    }

    fn walk_into(
        &self,
        prefix: &str,
        keys: &[Key],
        out: &mut Vec<Entry>,
        depth: usize,
    ) -> Result<(), Error> {
        // A directory that contains itself would recurse forever; real files are a few deep.
        if depth > MAX_DEPTH {
            return Err(self.err(corrupt(format!(
                "directories nested more than {MAX_DEPTH} deep"
            ))));
        }
        for key in keys {
            let path = join(prefix, &key.name);
            out.push(Entry {
                path: path.clone(),
                key: key.clone(),
            });
            if key.is_directory() {
                let inner = self.dir_keys(key)?;
                self.walk_into(&path, &inner, out, depth + 1)?;
            }
        }
        Ok(())
    }

    /// Find a key by slash-separated path. A trailing `;N` picks a cycle; otherwise the highest
    /// cycle wins, as in ROOT.
    pub fn get(&self, path: &str) -> Result<Key, Error> {
        let not_found = || self.err(RootError::NotFound(path.to_string()));
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        let Some((last, dirs)) = parts.split_last() else {
            return Err(not_found());
        };
        let mut keys = self.top.clone();
        for dir in dirs {
            let key = find(&keys, dir)
                .filter(|k| k.is_directory())
                .ok_or_else(not_found)?;
            keys = self.dir_keys(&key)?;
        }
        find(&keys, last).ok_or_else(not_found)
    }
}

const MAX_DEPTH: usize = 64;

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}/{name}")
    }
}

fn find(keys: &[Key], spec: &str) -> Option<Key> {
    let (name, cycle) = match spec.rsplit_once(';') {
        Some((n, c)) => match c.parse::<i16>() {
            Ok(c) => (n, Some(c)),
            Err(_) => (spec, None),
        },
        None => (spec, None),
    };
    keys.iter()
        .filter(|k| k.name == name && cycle.is_none_or(|c| k.cycle == c))
        .max_by_key(|k| k.cycle)
        .cloned()
}
