//! TDirectory records and the key lists they point to.

use super::key::Key;
use super::rbytes::{corrupt, RBuffer, Result};

/// Directory records written with a version above this store 64-bit seeks.
const LARGE_DIR_VERSION: i16 = 1000;

#[derive(Debug, Clone)]
pub struct DirRecord {
    pub nbytes_keys: i32,
    pub seek_keys: u64,
}

impl DirRecord {
    pub fn read(r: &mut RBuffer) -> Result<DirRecord> {
        let version = r.i16()?;
        let _ctime = r.u32()?;
        let _mtime = r.u32()?;
        let nbytes_keys = r.i32()?;
        let _nbytes_name = r.i32()?;
        let (_seek_dir, _seek_parent, seek_keys) = if version > LARGE_DIR_VERSION {
            (r.i64()?, r.i64()?, r.i64()?)
        } else {
            (r.i32()? as i64, r.i32()? as i64, r.i32()? as i64)
        };
        if nbytes_keys < 0 || seek_keys < 0 {
            return Err(corrupt(format!(
                "directory record has impossible key list (at {seek_keys}, {nbytes_keys} bytes)"
            )));
        }
        Ok(DirRecord {
            nbytes_keys,
            seek_keys: seek_keys as u64,
        })
    }
}

/// The keys of one directory, in the order they are stored.
pub fn read_key_list(r: &mut RBuffer) -> Result<Vec<Key>> {
    // The list opens with the header of the key that holds it.
    let _self_key = Key::read(r)?;
    let n = r.i32()?;
    // The smallest possible key header is 26 bytes; anything more can't fit.
    let n = r.check_count(n, 26)?;
    // Grown as keys are read, not reserved for the count: a parsed key is several times the
    // size of its smallest header.
    let mut keys = Vec::new();
    for _ in 0..n {
        keys.push(Key::read(r)?);
    }
    Ok(keys)
}
