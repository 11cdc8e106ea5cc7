//! Files over 2 GB: ROOT switches the file header, directory records and keys to 64-bit seeks
//! (file version + 1000000, record and key versions + 1000). This builds a sparse file of about
//! 6 GiB whose directory and histogram sit beyond 4 GiB, holding a histogram copied byte for byte
//! from a small file, and checks that it reads back identically. Only a few KiB are written.

mod common;

use std::fs::File;
use std::os::unix::fs::{FileExt, MetadataExt};
use veloview::RootFile;

const GIB: u64 = 1 << 30;
const SOURCE: &str = "bench/velo-bench-zlib.root";
const SOURCE_PATH: &str = "Velo/VeloClusterMonitor/Cluster ADC";

/// Big-endian writing, just enough for file headers, directory records and keys.
#[derive(Default)]
struct W(Vec<u8>);
impl W {
    fn i16(&mut self, v: i16) -> &mut Self {
        self.0.extend(v.to_be_bytes());
        self
    }
    fn i32(&mut self, v: i32) -> &mut Self {
        self.0.extend(v.to_be_bytes());
        self
    }
    fn i64(&mut self, v: i64) -> &mut Self {
        self.0.extend(v.to_be_bytes());
        self
    }
    fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }
    fn tstring(&mut self, s: &str) -> &mut Self {
        assert!(s.len() < 255);
        self.0.push(s.len() as u8);
        self.0.extend(s.as_bytes());
        self
    }
}

/// A 64-bit key header (version 1004). `keylen` is its length, which the caller must know
/// beforehand for nbytes; `title` pads it to that length.
fn key(nbytes: i32, objlen: i32, keylen: i16, seek: u64, pdir: u64, class: &str, name: &str) -> W {
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
fn dir_record(nbytes_keys: i32, seek_dir: u64, seek_keys: u64) -> W {
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
fn key_list(at: u64, pdir: u64, keys: &[&W]) -> W {
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

#[test]
fn histogram_beyond_4_gib_in_a_64_bit_file_reads_like_the_original() {
    let data = common::data_dir();
    let small = RootFile::open(data.join(SOURCE)).unwrap();
    let orig = small.get(SOURCE_PATH).unwrap();
    assert!(orig.version < 1000, "the source must be a 32-bit-seek file");
    let stored = std::fs::read(data.join(SOURCE)).unwrap();
    let payload = &stored[(orig.seek_key as usize + orig.keylen as usize)..]
        [..(orig.nbytes - orig.keylen as i32) as usize];

    // Where things go: the top directory's list just past 4 GiB, the sub-directory at 4.5 GiB,
    // its list at 5 GiB and the histogram at 6 GiB, as a file that grew past 2 GB would have them.
    let (top_list_at, dir_at, dir_list_at, hist_at) =
        (4 * GIB + 17, 4 * GIB + GIB / 2, 5 * GIB + 3, 6 * GIB + 5);
    let begin = 100u64;

    // The histogram keeps its key length, so back references inside the object still match.
    let hist_key = key(
        orig.nbytes,
        orig.objlen,
        orig.keylen,
        hist_at,
        dir_at,
        &orig.class,
        "Cluster ADC",
    );
    let dir_list = key_list(dir_list_at, dir_at, &[&hist_key]);
    let dir_keylen = 64;
    let mut dir_key = key(
        dir_keylen as i32 + 60,
        60,
        dir_keylen,
        dir_at,
        begin,
        "TDirectory",
        "Velo",
    );
    let top_list = key_list(top_list_at, begin, &[&dir_key]);
    dir_key
        .0
        .extend(&dir_record(dir_list.0.len() as i32, dir_at, dir_list_at).0);

    let nbytes_name = 50;
    let top_record = dir_record(top_list.0.len() as i32, begin, top_list_at);
    let end = hist_at + orig.nbytes as u64;
    let mut header = W::default();
    header.0.extend(b"root");
    header
        .i32(1_000_000 + 62206)
        .i32(begin as i32)
        .i64(end as i64)
        .i64(0)
        .i32(0)
        .i32(0)
        .i32(nbytes_name)
        .u8(8)
        .i32(101);

    let tmp = common::TempDir::new("large");
    let path = tmp.0.join("big.root");
    let f = File::create(&path).unwrap();
    f.write_all_at(&header.0, 0).unwrap();
    f.write_all_at(&top_record.0, begin + nbytes_name as u64)
        .unwrap();
    f.write_all_at(&top_list.0, top_list_at).unwrap();
    f.write_all_at(&dir_key.0, dir_at).unwrap();
    f.write_all_at(&dir_list.0, dir_list_at).unwrap();
    f.write_all_at(&hist_key.0, hist_at).unwrap();
    f.write_all_at(payload, hist_at + orig.keylen as u64)
        .unwrap();
    drop(f);
    let meta = std::fs::metadata(&path).unwrap();
    assert!(meta.len() > 6 * GIB);
    assert!(
        meta.blocks() * 512 < 64 << 20,
        "the test file should be sparse, not {} bytes on disk",
        meta.blocks() * 512
    );

    let big = RootFile::open(&path).unwrap();
    let listed: Vec<(String, String, u64)> = big
        .walk()
        .unwrap()
        .into_iter()
        .map(|e| (e.path, e.key.class, e.key.seek_key))
        .collect();
    assert_eq!(
        listed,
        [
            ("Velo".to_string(), "TDirectory".to_string(), dir_at),
            ("Velo/Cluster ADC".into(), orig.class.clone(), hist_at),
        ]
    );
    let read = big.histogram("Velo/Cluster ADC").unwrap();
    let expected = small.histogram(SOURCE_PATH).unwrap();
    assert_eq!(read, expected);
    assert_eq!(read.x.nbins, 100);
}
