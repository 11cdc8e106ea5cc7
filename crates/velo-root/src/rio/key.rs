//! TKey: the record in front of every object in a file, and the directory entry that points to it.

use super::rbytes::{corrupt, RBuffer, Result};

/// Keys written with a version above this store 64-bit seeks (files over 2 GB).
pub const LARGE_KEY_VERSION: i16 = 1000;

#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// Bytes on disk, header included.
    pub nbytes: i32,
    pub version: i16,
    /// Uncompressed size of the object.
    pub objlen: i32,
    pub datime: u32,
    /// Size of this header on disk.
    pub keylen: i16,
    pub cycle: i16,
    pub seek_key: u64,
    pub seek_pdir: u64,
    pub class: String,
    pub name: String,
    pub title: String,
}

impl Key {
    pub fn read(r: &mut RBuffer) -> Result<Key> {
        let nbytes = r.i32()?;
        let version = r.i16()?;
        let objlen = r.i32()?;
        let datime = r.u32()?;
        let keylen = r.i16()?;
        let cycle = r.i16()?;
        let (seek_key, seek_pdir) = if version > LARGE_KEY_VERSION {
            (r.i64()?, r.i64()?)
        } else {
            (r.i32()? as i64, r.i32()? as i64)
        };
        let class = r.tstring()?;
        let name = r.tstring()?;
        let title = r.tstring()?;
        if nbytes < 0 || objlen < 0 || keylen <= 0 || (nbytes as i64) < keylen as i64 {
            return Err(corrupt(format!(
                "key \"{name}\" has impossible sizes (nbytes {nbytes}, keylen {keylen}, objlen {objlen})"
            )));
        }
        if seek_key < 0 || seek_pdir < 0 {
            return Err(corrupt(format!("key \"{name}\" has a negative seek")));
        }
        Ok(Key {
            nbytes,
            version,
            objlen,
            datime,
            keylen,
            cycle,
            seek_key: seek_key as u64,
            seek_pdir: seek_pdir as u64,
            class,
            name,
            title,
        })
    }

    pub fn is_directory(&self) -> bool {
        matches!(self.class.as_str(), "TDirectory" | "TDirectoryFile")
    }

    /// Stored bytes after the header.
    pub fn payload_len(&self) -> usize {
        (self.nbytes - self.keylen as i32) as usize
    }

    pub fn is_compressed(&self) -> bool {
        self.objlen as usize != self.payload_len()
    }
}
