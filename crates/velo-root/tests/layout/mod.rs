//! Hand-made ROOT file structures in the 64-bit layout (key version 1004, directory record
//! version 1005), for tests that need files no writer would produce.
#![allow(dead_code)]

/// Big-endian writing, just enough for file headers, directory records and keys.
#[derive(Default)]
pub struct W(pub Vec<u8>);
impl W {
    pub fn i16(&mut self, v: i16) -> &mut Self {
        self.0.extend(v.to_be_bytes());
        self
    }
    pub fn i32(&mut self, v: i32) -> &mut Self {
        self.0.extend(v.to_be_bytes());
        self
    }
    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.0.extend(v.to_be_bytes());
        self
    }
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }
    pub fn tstring(&mut self, s: &str) -> &mut Self {
        assert!(s.len() < 255);
        self.0.push(s.len() as u8);
        self.0.extend(s.as_bytes());
        self
    }
}

/// A 64-bit key header (version 1004). `keylen` is its length, which the caller must know
/// beforehand for nbytes; `title` pads it to that length.
pub fn key(
    nbytes: i32,
    objlen: i32,
    keylen: i16,
    seek: u64,
    pdir: u64,
    class: &str,
    name: &str,
) -> W {
    let fixed = 4 + 2 + 4 + 4 + 2 + 2 + 8 + 8 + 1 + class.len() + 1 + name.len() + 1;
    let pad = (keylen as usize)
        .checked_sub(fixed)
        .expect("key header longer than keylen");
    let mut w = W::default();
    w.i32(nbytes)
        .i16(1004)
        .i32(objlen)
        .i32(0x7a5c_0000)
        .i16(keylen)
        .i16(1)
        .i64(seek as i64)
        .i64(pdir as i64)
        .tstring(class)
        .tstring(name)
        .tstring(&"t".repeat(pad));
    assert_eq!(w.0.len(), keylen as usize);
    w
}

/// A 64-bit directory record (version 1005) pointing at a key list.
pub fn dir_record(nbytes_keys: i32, seek_dir: u64, seek_keys: u64) -> W {
    let mut w = W::default();
    w.i16(1005)
        .i32(0)
        .i32(0)
        .i32(nbytes_keys)
        .i32(60)
        .i64(seek_dir as i64)
        .i64(0)
        .i64(seek_keys as i64);
    w.0.resize(60, 0);
    w
}

/// A key list: the header of the key holding it, the count, the keys.
pub fn key_list(at: u64, pdir: u64, keys: &[&W]) -> W {
    let body: usize = 4 + keys.iter().map(|k| k.0.len()).sum::<usize>();
    let keylen = 60;
    let mut w = key(
        keylen as i32 + body as i32,
        body as i32,
        keylen,
        at,
        pdir,
        "TFile",
        "big.root",
    );
    w.i32(keys.len() as i32);
    for k in keys {
        w.0.extend(&k.0);
    }
    w
}

/// A 64-bit file header (version 1000000 + ROOT 6.22/06) whose top directory record sits at
/// `begin + nbytes_name`.
pub fn file_header(begin: u64, nbytes_name: i32, end: u64) -> W {
    let mut w = W::default();
    w.0.extend(b"root");
    w.i32(1_000_000 + 62206)
        .i32(begin as i32)
        .i64(end as i64)
        .i64(0)
        .i32(0)
        .i32(0)
        .i32(nbytes_name)
        .u8(8)
        .i32(101);
    w
}
