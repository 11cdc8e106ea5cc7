//! Writing a ROOT file: the header, the top directory and nested TDirectory records with their key
//! lists, one key per object (zlib-compressed), the StreamerInfo record and the free-segments
//! record — the layout `TFile::Close` leaves behind.
//!
//! The file is composed in memory and written in one go: VELO run files are a few MB, and
//! composing in memory lets every record be patched in place once its seeks are known. Offsets
//! are 32-bit (key version 4, file version below 1000000), so a file must stay under 2 GB.

use super::compress::compress;
use super::streamers;
use super::wbytes::WBuffer;
use super::RootError;
use crate::hist::{self, Histogram};
use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::Path;

/// Where the first record starts (ROOT's kBEGIN).
const BEGIN: usize = 100;
/// ROOT 6.28/06, the release whose class versions the streamers write.
const ROOT_VERSION: i32 = 62806;
const KEY_VERSION: i16 = 4;
const DIR_VERSION: i16 = 5;
/// TDirectory record, small-file form: version, two dates, two sizes, three seeks, the UUID and
/// three words ROOT reserves for growing the seeks to 64 bits.
const DIR_RECORD_LEN: usize = 2 + 4 + 4 + 4 + 4 + 3 * 4 + 18 + 3 * 4;
/// Beyond this the 32-bit seeks of the small-file format overflow.
const MAX_FILE: usize = 2_000_000_000;

/// `TDatime` packing of a date and time (year 1995 onwards).
pub fn datime(year: u32, month: u32, day: u32, hour: u32, min: u32, sec: u32) -> u32 {
    (year.saturating_sub(1995) << 26)
        | (month << 22)
        | (day << 17)
        | (hour << 12)
        | (min << 6)
        | sec
}

#[derive(Debug, Clone)]
pub struct Options {
    /// zlib level 1–9; 0 stores every object uncompressed.
    pub level: u32,
    /// Creation/modification time stamped on every key and directory, as [`datime`] packs it.
    /// A fixed value makes the output a pure function of the content.
    pub datime: u32,
    pub title: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            level: 6,
            datime: datime(2024, 1, 1, 0, 0, 0),
            title: String::new(),
        }
    }
}

/// A directory of the file being written; 0 is the top directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirId(usize);

pub const TOP: DirId = DirId(0);

struct Dir {
    name: String,
    title: String,
    /// Where the directory's own key starts.
    seek_dir: usize,
    seek_parent: usize,
    /// Where its TDirectory record sits, to patch at the end.
    record_at: usize,
    nbytes_name: usize,
    /// Headers of the keys it holds, as they appear in its key list.
    keys: Vec<Vec<u8>>,
    cycles: HashMap<String, i16>,
    children: HashMap<String, DirId>,
}

pub struct FileWriter {
    out: Vec<u8>,
    file_name: String,
    opts: Options,
    dirs: Vec<Dir>,
    classes: BTreeSet<String>,
}

/// A key header not yet placed: the fields known before the object's bytes are.
struct KeyHead<'a> {
    class: &'a str,
    name: &'a str,
    title: &'a str,
    cycle: i16,
    seek_pdir: usize,
}

impl KeyHead<'_> {
    fn len(&self) -> usize {
        26 + tstring_len(self.class) + tstring_len(self.name) + tstring_len(self.title)
    }

    fn bytes(&self, datime: u32, nbytes: usize, objlen: usize, seek_key: usize) -> Vec<u8> {
        let mut w = WBuffer::with_capacity(0, self.len());
        w.i32(nbytes as i32);
        w.i16(KEY_VERSION);
        w.i32(objlen as i32);
        w.u32(datime);
        w.i16(self.len() as i16);
        w.i16(self.cycle);
        w.i32(seek_key as i32);
        w.i32(self.seek_pdir as i32);
        w.tstring(self.class);
        w.tstring(self.name);
        w.tstring(self.title);
        w.into_inner()
    }
}

fn tstring_len(s: &str) -> usize {
    s.len() + if s.len() < 255 { 1 } else { 5 }
}

impl FileWriter {
    /// Start a file. `file_name` is what ROOT records as the file's name (its path when created).
    pub fn new(file_name: &str, opts: Options) -> FileWriter {
        let mut f = FileWriter {
            out: vec![0; BEGIN],
            file_name: file_name.to_string(),
            opts,
            dirs: Vec::new(),
            classes: BTreeSet::new(),
        };
        // The top directory's key: the file's name and title, then its directory record.
        let title = f.opts.title.clone();
        let head = KeyHead {
            class: "TFile",
            name: file_name,
            title: &title,
            cycle: 1,
            seek_pdir: 0,
        };
        let mut payload = WBuffer::new(head.len() as u32);
        payload.tstring(file_name);
        payload.tstring(&f.opts.title);
        let name_len = payload.pos();
        payload.bytes(&[0; DIR_RECORD_LEN]);
        let keylen = head.len();
        let top = Dir {
            name: file_name.to_string(),
            title: f.opts.title.clone(),
            seek_dir: BEGIN,
            seek_parent: 0,
            record_at: BEGIN + keylen + name_len,
            nbytes_name: keylen + name_len,
            keys: Vec::new(),
            cycles: HashMap::new(),
            children: HashMap::new(),
        };
        f.append_key(&head, payload.as_slice(), payload.pos());
        f.dirs.push(top);
        f
    }

    /// The subdirectory `name` of `parent`, created if it does not exist yet.
    pub fn mkdir(&mut self, parent: DirId, name: &str) -> Result<DirId, RootError> {
        if let Some(&id) = self.dirs[parent.0].children.get(name) {
            return Ok(id);
        }
        if name.is_empty() || name.contains('/') {
            return Err(RootError::Corrupt(format!(
                "cannot make a directory named {name:?}"
            )));
        }
        let head = KeyHead {
            class: "TDirectory",
            name,
            title: "",
            cycle: 1,
            seek_pdir: self.dirs[parent.0].seek_dir,
        };
        let seek = self.out.len();
        let keylen = head.len();
        let key = self.append_key(&head, &[0; DIR_RECORD_LEN], DIR_RECORD_LEN);
        let id = DirId(self.dirs.len());
        self.dirs.push(Dir {
            name: name.to_string(),
            title: String::new(),
            seek_dir: seek,
            seek_parent: self.dirs[parent.0].seek_dir,
            record_at: seek + keylen,
            nbytes_name: keylen,
            keys: Vec::new(),
            cycles: HashMap::new(),
            children: HashMap::new(),
        });
        let p = &mut self.dirs[parent.0];
        p.keys.push(key);
        p.children.insert(name.to_string(), id);
        Ok(id)
    }

    /// The directory at a slash-separated path under the top, creating what is missing.
    pub fn mkdir_all(&mut self, path: &str) -> Result<DirId, RootError> {
        let mut d = TOP;
        for part in path.split('/').filter(|p| !p.is_empty()) {
            d = self.mkdir(d, part)?;
        }
        Ok(d)
    }

    /// Write a histogram into `dir` under its own name. Writing a name twice adds a new cycle,
    /// which readers then prefer, as in ROOT.
    pub fn put(&mut self, dir: DirId, h: &Histogram) -> Result<(), RootError> {
        let cycle = self.dirs[dir.0].cycles.get(&h.name).copied().unwrap_or(0) + 1;
        let head = KeyHead {
            class: &h.class,
            name: &h.name,
            title: &h.title,
            cycle,
            seek_pdir: self.dirs[dir.0].seek_dir,
        };
        let data = hist::encode(h, head.len() as u32)?;
        let stored = compress(&data, self.opts.level);
        let key = self.append_key(&head, &stored, data.len());
        let d = &mut self.dirs[dir.0];
        d.keys.push(key);
        d.cycles.insert(h.name.clone(), cycle);
        self.classes.insert(h.class.clone());
        self.check_size()
    }

    /// Write a histogram at a slash-separated path (directories first, the histogram's name last;
    /// the name in the path wins over the histogram's own).
    pub fn put_at(&mut self, path: &str, h: &Histogram) -> Result<(), RootError> {
        let (dirs, name) = path.rsplit_once('/').unwrap_or(("", path));
        let d = self.mkdir_all(dirs)?;
        if name == h.name {
            self.put(d, h)
        } else {
            let mut renamed = h.clone();
            renamed.name = name.to_string();
            self.put(d, &renamed)
        }
    }

    fn check_size(&self) -> Result<(), RootError> {
        if self.out.len() > MAX_FILE {
            return Err(RootError::Unsupported(
                "files over 2 GB (veloview writes 32-bit offsets)".into(),
            ));
        }
        Ok(())
    }

    /// Append a key record; returns its header, for the directory's key list.
    fn append_key(&mut self, head: &KeyHead, stored: &[u8], objlen: usize) -> Vec<u8> {
        let seek = self.out.len();
        let bytes = head.bytes(self.opts.datime, head.len() + stored.len(), objlen, seek);
        self.out.extend_from_slice(&bytes);
        self.out.extend_from_slice(stored);
        bytes
    }

    /// Finish the file: StreamerInfo, key lists, directory records, free segments and header.
    pub fn finish(mut self) -> Result<Vec<u8>, RootError> {
        let top_seek = BEGIN;
        let title = self.opts.title.clone();

        // StreamerInfo: a key of the top directory that is not in its key list.
        let head = KeyHead {
            class: "TList",
            name: "StreamerInfo",
            title: "Doubly linked list",
            cycle: 1,
            seek_pdir: top_seek,
        };
        let info = streamers::streamer_info_list(
            self.classes.iter().map(String::as_str),
            head.len() as u32,
        );
        let seek_info = self.out.len();
        let stored = compress(&info, self.opts.level);
        self.append_key(&head, &stored, info.len());
        let nbytes_info = self.out.len() - seek_info;

        // Key lists, then each directory's record pointing at its list.
        for i in 0..self.dirs.len() {
            let d = &self.dirs[i];
            let mut list = WBuffer::new(0);
            list.i32(d.keys.len() as i32);
            for k in &d.keys {
                list.bytes(k);
            }
            let head = KeyHead {
                class: if i == 0 { "TFile" } else { "TDirectory" },
                name: &d.name.clone(),
                title: &d.title.clone(),
                cycle: 1,
                seek_pdir: if i == 0 { 0 } else { d.seek_parent },
            };
            let seek_keys = self.out.len();
            let payload = list.into_inner();
            let n = payload.len();
            self.append_key(&head, &payload, n);
            let nbytes_keys = self.out.len() - seek_keys;
            let d = &self.dirs[i];
            let record = dir_record(
                self.opts.datime,
                nbytes_keys,
                d.nbytes_name,
                d.seek_dir,
                d.seek_parent,
                seek_keys,
                &self.file_name,
                i,
            );
            let at = d.record_at;
            self.out[at..at + DIR_RECORD_LEN].copy_from_slice(&record);
        }

        // Free segments: one, from the end of the file to ROOT's 2 GB mark.
        let head = KeyHead {
            class: "TFile",
            name: &self.file_name.clone(),
            title: &title,
            cycle: 1,
            seek_pdir: top_seek,
        };
        let seek_free = self.out.len();
        let free_len = 2 + 4 + 4;
        let end = seek_free + head.len() + free_len;
        let mut free = WBuffer::new(0);
        free.i16(1);
        free.i32(end as i32);
        free.i32(MAX_FILE as i32);
        self.append_key(&head, free.as_slice(), free_len);
        let nbytes_free = self.out.len() - seek_free;
        debug_assert_eq!(self.out.len(), end);
        self.check_size()?;

        let top = &self.dirs[0];
        let mut h = WBuffer::new(0);
        h.bytes(b"root");
        h.i32(ROOT_VERSION);
        h.i32(BEGIN as i32);
        h.i32(end as i32);
        h.i32(seek_free as i32);
        h.i32(nbytes_free as i32);
        // nfree
        h.i32(1);
        h.i32(top.nbytes_name as i32);
        // fUnits: 4-byte seeks.
        h.u8(4);
        h.i32(if self.opts.level == 0 {
            0
        } else {
            100 + self.opts.level as i32
        });
        h.i32(seek_info as i32);
        h.i32(nbytes_info as i32);
        h.bytes(&uuid(&self.file_name, usize::MAX));
        let header = h.into_inner();
        self.out[..header.len()].copy_from_slice(&header);
        Ok(self.out)
    }

    /// Finish and write the file to `path` (through a temporary file renamed into place, so a
    /// reader never sees half a file).
    pub fn write_to(self, path: &Path) -> Result<(), RootError> {
        let bytes = self.finish()?;
        let tmp = path.with_extension("root.tmp");
        {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
        }
        std::fs::rename(&tmp, path)?;
        Ok(())
    }
}

#[allow(clippy::too_many_arguments)]
fn dir_record(
    datime: u32,
    nbytes_keys: usize,
    nbytes_name: usize,
    seek_dir: usize,
    seek_parent: usize,
    seek_keys: usize,
    file_name: &str,
    index: usize,
) -> Vec<u8> {
    let mut w = WBuffer::with_capacity(0, DIR_RECORD_LEN);
    w.i16(DIR_VERSION);
    w.u32(datime);
    w.u32(datime);
    w.i32(nbytes_keys as i32);
    w.i32(nbytes_name as i32);
    w.i32(seek_dir as i32);
    w.i32(seek_parent as i32);
    w.i32(seek_keys as i32);
    w.bytes(&uuid(file_name, index));
    w.bytes(&[0; 12]);
    debug_assert_eq!(w.pos(), DIR_RECORD_LEN);
    w.into_inner()
}

/// A TUUID (version word and 16 bytes), derived from the file name and directory so that equal
/// input gives equal files, yet distinct directories differ.
fn uuid(file_name: &str, index: usize) -> [u8; 18] {
    let mut out = [0u8; 18];
    out[1] = 1;
    // FNV-1a, twice with different seeds, fills the 16 bytes.
    for (half, seed) in [0xcbf2_9ce4_8422_2325u64, 0x9e37_79b9_7f4a_7c15]
        .into_iter()
        .enumerate()
    {
        let mut h = seed;
        for b in file_name.bytes().chain(index.to_le_bytes()) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        out[2 + half * 8..10 + half * 8].copy_from_slice(&h.to_be_bytes());
    }
    out
}
