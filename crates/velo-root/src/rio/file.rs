//! A ROOT file opened for random access: the header and the top directory's keys are read at
//! open, everything else on demand, so one object costs one key's bytes, not the file's. The
//! bytes come from a file on disk (positioned reads) or from memory (fuzzing, tests, uploads).

use super::compress;
use super::directory::{read_key_list, DirRecord};
use super::key::Key;
use super::rbytes::{corrupt, truncated, RBuffer};
use super::{Error, ReadOptions, RootError};
use std::borrow::Cow;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Files written with a version at or above this have 64-bit offsets in their header.
const LARGE_FILE_VERSION: i32 = 1_000_000;
/// Enough for the largest header and for a directory record.
const HEADER_READ: usize = 128;

/// What [`RootFile`] keeps of the file header (`TFile`'s first bytes).
struct Header {
    version: i32,
    begin: i64,
    nbytes_name: i64,
    compression: i32,
}

impl Header {
    fn read(head: &[u8]) -> Result<Header, RootError> {
        let mut r = RBuffer::new(head, 0);
        if r.take(4).ok() != Some(b"root".as_slice()) {
            return Err(RootError::NotRoot("no \"root\" magic at the start".into()));
        }
        let version = r.i32()?;
        let begin = r.i32()? as i64;
        let large = version >= LARGE_FILE_VERSION;
        let _end = if large { r.i64()? } else { r.i32()? as i64 };
        let _seek_free = if large { r.i64()? } else { r.i32()? as i64 };
        let _nbytes_free = r.i32()?;
        let _nfree = r.i32()?;
        let nbytes_name = r.i32()? as i64;
        let _units = r.u8()?;
        let compression = r.i32()?;
        Ok(Header {
            version,
            begin,
            nbytes_name,
            compression,
        })
    }
}

/// Where a key sits in the tree, for listings.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Directory names and the key's name joined with `/`.
    pub path: String,
    pub key: Key,
}

/// Where the bytes are.
enum Source {
    /// Read piece by piece with `pread`, never as a whole.
    Disk(File),
    Memory(Vec<u8>),
}

pub struct RootFile {
    /// The file's path, or for bytes in memory the name errors should give.
    path: PathBuf,
    source: Source,
    size: u64,
    version: i32,
    compression: i32,
    top: Vec<Key>,
    options: ReadOptions,
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
    /// Open a file on disk with the default [`ReadOptions`].
    pub fn open(path: impl AsRef<Path>) -> Result<RootFile, Error> {
        Self::open_with(path, ReadOptions::default())
    }

    /// Open a file on disk; every object read from it is held to `options`.
    pub fn open_with(path: impl AsRef<Path>, options: ReadOptions) -> Result<RootFile, Error> {
        let path = path.as_ref();
        Self::open_inner(path, options).map_err(|kind| Error::new(path, kind))
    }

    /// Read a ROOT file held in memory; `name` is what errors call it.
    pub fn from_bytes(name: impl Into<PathBuf>, bytes: Vec<u8>) -> Result<RootFile, Error> {
        Self::from_bytes_with(name, bytes, ReadOptions::default())
    }

    /// As [`Self::from_bytes`], with `options`.
    pub fn from_bytes_with(
        name: impl Into<PathBuf>,
        bytes: Vec<u8>,
        options: ReadOptions,
    ) -> Result<RootFile, Error> {
        let path = name.into();
        let size = bytes.len() as u64;
        Self::init(path.clone(), Source::Memory(bytes), size, options)
            .map_err(|kind| Error::new(&path, kind))
    }

    fn open_inner(path: &Path, options: ReadOptions) -> Result<RootFile, RootError> {
        let file = File::open(path)?;
        let size = file.metadata()?.len();
        Self::init(path.to_path_buf(), Source::Disk(file), size, options)
    }

    fn init(
        path: PathBuf,
        source: Source,
        size: u64,
        options: ReadOptions,
    ) -> Result<RootFile, RootError> {
        let mut f = RootFile {
            path,
            source,
            size,
            version: 0,
            compression: 0,
            top: Vec::new(),
            options,
        };
        let head = f.read_at(0, HEADER_READ.min(size as usize))?;
        let header = Header::read(&head).map_err(|e| e.context("file header"))?;
        drop(head);
        f.version = header.version;
        f.compression = header.compression;
        let (begin, nbytes_name) = (header.begin, header.nbytes_name);
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
        let record = DirRecord::read(&mut RBuffer::new(&dir_bytes, 0))
            .map_err(|e| e.context(format!("top directory record at byte {dir_at}")))?;
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

    /// The limits objects of this file are read with.
    pub fn options(&self) -> ReadOptions {
        self.options
    }

    pub fn keys(&self) -> &[Key] {
        &self.top
    }

    fn err(&self, kind: RootError) -> Error {
        Error::new(&self.path, kind)
    }

    /// Size in bytes of the file (or of the bytes in memory).
    pub fn size(&self) -> u64 {
        self.size
    }

    fn read_at(&self, offset: u64, len: usize) -> Result<Cow<'_, [u8]>, RootError> {
        if offset
            .checked_add(len as u64)
            .is_none_or(|end| end > self.size)
        {
            return Err(truncated(format!(
                "{len} bytes at byte {offset} run past the end of the {}-byte file",
                self.size
            )));
        }
        match &self.source {
            Source::Disk(file) => {
                let mut buf = vec![0u8; len];
                file.read_exact_at(&mut buf, offset)?;
                Ok(Cow::Owned(buf))
            }
            // In range: checked against `size` above, which is the vector's length.
            Source::Memory(bytes) => Ok(Cow::Borrowed(&bytes[offset as usize..][..len])),
        }
    }

    fn read_keys(&self, record: &DirRecord) -> Result<Vec<Key>, RootError> {
        if record.seek_keys == 0 {
            return Ok(Vec::new());
        }
        let in_list = |e: RootError| e.context(format!("key list at byte {}", record.seek_keys));
        let bytes = self
            .read_at(record.seek_keys, record.nbytes_keys as usize)
            .map_err(in_list)?;
        read_key_list(&mut RBuffer::new(&bytes, 0)).map_err(in_list)
    }

    /// The keys inside a directory key.
    pub fn dir_keys(&self, dir: &Key) -> Result<Vec<Key>, Error> {
        self.dir_keys_inner(dir)
            .map(|(keys, _)| keys)
            .map_err(|k| self.err(k))
    }

    /// The keys inside a directory key, and how many bytes its key list took in the file.
    fn dir_keys_inner(&self, dir: &Key) -> Result<(Vec<Key>, u64), RootError> {
        let bytes = self.payload(dir)?;
        let record = DirRecord::read(&mut RBuffer::new(&bytes, dir.keylen as u32))?;
        Ok((self.read_keys(&record)?, record.nbytes_keys as u64))
    }

    /// The object's bytes, decompressed. Buffer offsets in them start at `key.keylen`.
    pub fn object_bytes(&self, key: &Key) -> Result<Vec<u8>, Error> {
        self.payload(key)
            .map(Cow::into_owned)
            .map_err(|k| self.err(k))
    }

    /// Like [`Self::object_bytes`], without copying an uncompressed object held in memory.
    pub(crate) fn payload(&self, key: &Key) -> Result<Cow<'_, [u8]>, RootError> {
        let in_key = |e: RootError| e.context(format!("{} \"{}\"", key.class, key.name));
        let limit = self.options.max_object_bytes;
        if key.objlen as usize > limit {
            return Err(in_key(corrupt(format!(
                "object claims {} bytes uncompressed, over the {limit}-byte limit",
                key.objlen
            ))));
        }
        let at = key.seek_key + key.keylen as u64;
        let raw = self.read_at(at, key.payload_len()).map_err(in_key)?;
        if key.is_compressed() {
            compress::decompress_limited(&raw, key.objlen as usize, limit)
                .map(Cow::Owned)
                .map_err(in_key)
        } else {
            Ok(raw)
        }
    }

    /// Every key in the file, directories before their contents, in stored order.
    pub fn walk(&self) -> Result<Vec<Entry>, Error> {
        let mut out = Vec::new();
        // Directories never share bytes in a real file, so reading more directory bytes than
        // the file holds means a directory points back into one already read: a loop, which
        // would otherwise multiply with every level.
        let mut budget = self.size;
        self.walk_into("", &self.top, &mut out, 0, &mut budget)
            .map_err(|k| self.err(k))?;
        Ok(out)
    }

    fn walk_into(
        &self,
        prefix: &str,
        keys: &[Key],
        out: &mut Vec<Entry>,
        depth: usize,
        budget: &mut u64,
    ) -> Result<(), RootError> {
        // Real files are a few directories deep; this bounds the recursion.
        if depth > MAX_DEPTH {
            return Err(corrupt(format!(
                "directories nested more than {MAX_DEPTH} deep"
            )));
        }
        for key in keys {
            let path = join(prefix, &key.name);
            if key.is_directory() {
                let (inner, list_len) = self.dir_keys_inner(key)?;
                let cost = key.nbytes as u64 + list_len;
                *budget = budget.checked_sub(cost).ok_or_else(|| {
                    corrupt(format!(
                        "directory \"{path}\" points back into directories already read"
                    ))
                })?;
                out.push(Entry {
                    path: path.clone(),
                    key: key.clone(),
                });
                self.walk_into(&path, &inner, out, depth + 1, budget)?;
            } else {
                out.push(Entry {
                    path,
                    key: key.clone(),
                });
            }
        }
        Ok(())
    }

    /// Find a key by slash-separated path. A trailing `;N` picks a cycle; otherwise the highest
    /// cycle wins, as in ROOT.
    pub fn get(&self, path: &str) -> Result<Key, Error> {
        let not_found = || self.err(RootError::NotFound(path.to_string()));
        let mut parts = path.split('/').filter(|p| !p.is_empty()).peekable();
        // The top directory's keys are borrowed; only sub-directories' lists are read.
        let mut inner: Option<Vec<Key>> = None;
        while let Some(part) = parts.next() {
            let keys = inner.as_deref().unwrap_or(&self.top);
            let key = find(keys, part).ok_or_else(not_found)?;
            if parts.peek().is_none() {
                return Ok(key.clone());
            }
            if !key.is_directory() {
                return Err(not_found());
            }
            inner = Some(self.dir_keys(key)?);
        }
        Err(not_found())
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

fn find<'k>(keys: &'k [Key], spec: &str) -> Option<&'k Key> {
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
}
