//! Crafted size claims: objects and files written with the repository's own writer, then given
//! one number that claims far more than the bytes hold — bins with labels, a bin array, Sumw2,
//! a profile's bin entries and their Sumw2, a string, a key list's count, directories, compressed
//! blocks, an object's size. Random damage (robustness.rs) rarely makes such claims; a file of
//! 199 KB claiming 2·10⁸ labelled bins once took a worker to 4.9 GB. Each claim must end in an
//! error while the reading thread holds no more than the bytes really there: the `alloc`
//! allocator measures it, and refuses outright a request over 1 GiB, which aborts the test.

mod alloc;
mod layout;

use velo_root::hist::{self, Axis, Histogram};
use velo_root::rio::compress::{compress, decompress};
use velo_root::rio::{FileWriter, ReadOptions, RootError, WriteOptions};
use velo_root::verify::read_everything;
use velo_root::RootFile;

/// What decoding a rejected claim may hold: its error message and a few small vectors.
const SMALL: usize = 256 << 10;
/// Key length the objects are encoded for (back references count from it).
const ORIGIN: u32 = 100;
/// Bins of the crafted histograms: a number whose 4 bytes occur nowhere else in them.
const NBINS: usize = 4099;
const NCELLS: usize = NBINS + 2;
/// Zeros after an object, so that a claim also passes any check against the bytes left.
const PAD: usize = 16 << 20;

/// Where `value` is written as a big-endian i32 in `bytes`.
fn positions(bytes: &[u8], value: i32) -> Vec<usize> {
    let pat = value.to_be_bytes();
    bytes
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == pat)
        .map(|(i, _)| i)
        .collect()
}

/// Overwrite the `nth` of `expect` big-endian i32s equal to `old` with `new`.
fn patch(bytes: &mut [u8], old: usize, nth: usize, expect: usize, new: usize) {
    let at = positions(bytes, old as i32);
    assert_eq!(at.len(), expect, "occurrences of {old}: {at:?}");
    bytes[at[nth]..at[nth] + 4].copy_from_slice(&(new as i32).to_be_bytes());
}

fn labelled_th1d() -> Histogram {
    let mut h = Histogram::new_1d("TH1D", "h", "t", Axis::uniform(NBINS, 0.0, 1.0));
    h.x.labels = vec![String::new(); NBINS];
    for (i, l) in ["R", "Phi", "PU"].iter().enumerate() {
        h.x.labels[i] = l.to_string();
    }
    h
}

fn profile() -> Histogram {
    let mut h = Histogram::new_profile("p", "t", Axis::uniform(NBINS, 0.0, 1.0));
    h.profile.as_mut().unwrap().bin_sumw2 = vec![0.0; NCELLS];
    h
}

fn encoded(h: &Histogram) -> Vec<u8> {
    let bytes = hist::encode(h, ORIGIN).unwrap();
    hist::decode(&h.class, &bytes, ORIGIN).expect("the uncrafted object reads");
    bytes
}

fn padded(mut bytes: Vec<u8>, pad: usize) -> Vec<u8> {
    bytes.resize(bytes.len() + pad, 0);
    bytes
}

/// Decode `bytes` as `class`, measuring; returns the error and what was held.
fn decode_claim(class: &str, bytes: &[u8]) -> (RootError, alloc::Usage) {
    let (r, usage) = alloc::measure(|| hist::decode(class, bytes, ORIGIN).map(|h| h.ncells()));
    (r.expect_err("a crafted claim must not decode"), usage)
}

fn assert_small(what: &str, usage: alloc::Usage, err: &dyn std::fmt::Display) {
    assert!(
        usage.peak <= SMALL,
        "{what}: held {} bytes (largest request {}) before: {err}",
        usage.peak,
        usage.largest
    );
}

#[test]
fn two_hundred_million_labelled_bins_are_refused_before_any_label() {
    // The reported file's object: bins and cells claim 2·10⁸, as many bytes follow (so the
    // claim passes a check of one byte per bin), and three labels. Read as a TH1C, one byte a
    // cell, nothing in the buffer contradicts the claim until its array.
    let mut bytes = encoded(&labelled_th1d());
    patch(&mut bytes, NBINS, 0, 1, 200_000_000);
    patch(&mut bytes, NCELLS, 0, 2, 200_000_002);
    let bytes = padded(bytes, 200_000_000);
    let (err, usage) = decode_claim("TH1C", &bytes);
    assert!(err.to_string().contains("over the limit"), "{err}");
    assert_small("2e8 labelled bins", usage, &err);
}

#[test]
fn labels_wait_for_the_cells_they_label() {
    // A million bins fit the cell limit and the bytes that follow, but the bin array that should
    // hold them is 4101 cells: no label slot may be paid for before the cells are there.
    let mut bytes = encoded(&labelled_th1d());
    patch(&mut bytes, NBINS, 0, 1, 1_000_000);
    patch(&mut bytes, NCELLS, 0, 2, 1_000_002);
    let bytes = padded(bytes, 2_000_000);
    let (err, usage) = decode_claim("TH1C", &bytes);
    assert!(err.to_string().contains("cells"), "{err}");
    assert_small("labels of a million bins", usage, &err);
}

#[test]
fn a_bin_array_longer_than_the_cells_is_refused_before_it_is_read() {
    let h = Histogram::new_1d("TH1D", "h", "t", Axis::uniform(NBINS, 0.0, 1.0));
    let mut bytes = encoded(&h);
    // [fNcells, fArray]: the array claims every byte that follows, one a cell as a TH1C.
    patch(&mut bytes, NCELLS, 1, 2, PAD);
    let bytes = padded(bytes, PAD);
    let (err, usage) = decode_claim("TH1C", &bytes);
    assert!(err.to_string().contains("cells in its array"), "{err}");
    assert_small("bin array", usage, &err);
}

#[test]
fn sumw2_longer_than_the_cells_is_refused_before_it_is_read() {
    let mut h = Histogram::new_1d("TH1D", "h", "t", Axis::uniform(NBINS, 0.0, 1.0));
    h.enable_sumw2();
    let mut bytes = encoded(&h);
    // [fNcells, fSumw2, fArray]
    patch(&mut bytes, NCELLS, 1, 3, PAD / 8);
    let bytes = padded(bytes, PAD);
    let (err, usage) = decode_claim("TH1D", &bytes);
    assert!(err.to_string().contains("sumw2 entries"), "{err}");
    assert_small("Sumw2", usage, &err);
}

#[test]
fn profile_bin_entries_and_their_sumw2_are_checked_before_they_are_read() {
    // [fNcells, fSumw2, fArray, fBinEntries, fBinSumw2]
    for (nth, what) in [(3, "bin entries"), (4, "bin sumw2 entries")] {
        let mut bytes = encoded(&profile());
        patch(&mut bytes, NCELLS, nth, 5, PAD / 8);
        let bytes = padded(bytes, PAD);
        let (err, usage) = decode_claim("TProfile", &bytes);
        assert!(err.to_string().contains(what), "{what}: {err}");
        assert_small(what, usage, &err);
    }
}

#[test]
fn a_string_longer_than_its_buffer_is_refused_before_it_is_copied() {
    let h = Histogram::new_1d("TH1D", "h", "TTTT", Axis::uniform(NBINS, 0.0, 1.0));
    let bytes = encoded(&h);
    // The title in its long form (255, then a 32-bit length) claiming 2 GiB.
    let at = bytes.windows(5).position(|w| w == b"\x04TTTT").unwrap();
    let mut crafted = bytes[..at].to_vec();
    crafted.extend([255, 0x7f, 0xff, 0xff, 0xff]);
    crafted.extend(&bytes[at + 1..]);
    let (err, usage) = decode_claim("TH1D", &crafted);
    assert!(matches!(err, RootError::Truncated(_)), "{err}");
    assert_small("string length", usage, &err);
}

#[test]
fn cells_over_the_configured_limit_are_refused() {
    let h = Histogram::new_1d("TH1D", "h", "t", Axis::uniform(40_000, 0.0, 1.0));
    let bytes = hist::encode(&h, ORIGIN).unwrap();
    // 1 MiB of object allows 32768 cells.
    let small = ReadOptions {
        max_object_bytes: 1 << 20,
    };
    let err = hist::decode_with("TH1D", &bytes, ORIGIN, &small).unwrap_err();
    assert!(
        err.to_string().contains("over the limit of 32768 cells"),
        "{err}"
    );
    assert_eq!(
        hist::decode_with("TH1D", &bytes, ORIGIN, &ReadOptions::default())
            .unwrap()
            .ncells(),
        40_002
    );
}

/// A file of one histogram at the top, uncompressed, and the key it is under.
fn file_of(h: &Histogram, level: u32) -> Vec<u8> {
    let mut w = FileWriter::new(
        "crafted.root",
        WriteOptions {
            level,
            ..WriteOptions::default()
        },
    );
    w.put_at(&h.name, h).unwrap();
    w.finish().unwrap()
}

#[test]
fn objects_over_the_configured_size_are_refused_before_they_are_read() {
    let h = Histogram::new_1d("TH1D", "big", "t", Axis::uniform(20_000, 0.0, 1.0));
    for level in [0, 1] {
        let bytes = file_of(&h, level);
        let f = RootFile::from_bytes("big.root", bytes.clone()).unwrap();
        assert_eq!(f.histogram("big").unwrap().ncells(), 20_002);
        let opts = ReadOptions {
            max_object_bytes: 100 << 10,
        };
        let f = RootFile::from_bytes_with("big.root", bytes, opts).unwrap();
        let (r, usage) = alloc::measure(|| f.histogram("big").map(|h| h.ncells()));
        let err = r.unwrap_err().to_string();
        assert!(err.contains("over the 102400-byte limit"), "{err}");
        assert_small("object size", usage, &err);
    }
}

#[test]
fn compressed_blocks_may_not_claim_more_than_their_algorithm_expands_to() {
    // A 9-byte header claiming a 16 MiB block, then a few bytes, for each algorithm whose
    // output is reserved up front.
    for magic in [b"ZL\x08", b"L4\x01", b"ZS\x01"] {
        let stored = [0u8; 16];
        let mut block = magic.to_vec();
        block.extend(&(stored.len() as u32).to_le_bytes()[..3]);
        block.extend(&0xff_ffffu32.to_le_bytes()[..3]);
        block.extend(stored);
        let (r, usage) = alloc::measure(|| decompress(&block, 0xff_ffff).map(|o| o.len()));
        let err = r.unwrap_err();
        assert!(err.to_string().contains("more than"), "{err}");
        assert_small(&String::from_utf8_lossy(magic), usage, &err);
    }
}

#[test]
fn a_key_list_count_beyond_its_keys_is_refused_as_they_are_read() {
    // A top directory whose key list claims one key per 26 bytes of 16 MiB of zeros.
    const BEGIN: u64 = 100;
    const NBYTES_NAME: i32 = 50;
    const LIST_AT: u64 = 1000;
    let mut list = layout::key_list(LIST_AT, BEGIN, &[]);
    let count_at = list.0.len() - 4;
    list.0[count_at..].copy_from_slice(&((PAD / 26) as i32).to_be_bytes());
    let list_len = list.0.len() + PAD;
    let mut file = vec![0u8; LIST_AT as usize + list_len];
    let mut put = |at: u64, w: &layout::W| {
        file[at as usize..at as usize + w.0.len()].copy_from_slice(&w.0);
    };
    put(
        0,
        &layout::file_header(BEGIN, NBYTES_NAME, LIST_AT + list_len as u64),
    );
    put(
        BEGIN + NBYTES_NAME as u64,
        &layout::dir_record(list_len as i32, BEGIN, LIST_AT),
    );
    put(LIST_AT, &list);
    let (r, usage) = alloc::measure(|| RootFile::from_bytes("keys.root", file).map(|_| ()));
    let err = r.unwrap_err().to_string();
    assert!(
        err.starts_with("keys.root: corrupt data: key list"),
        "{err}"
    );
    // The file itself (16 MiB) was moved in, not copied; nothing near its size was added.
    assert_small("key count", usage, &err);
}

#[test]
fn a_directory_that_contains_itself_ends_in_an_error() {
    // The top list holds directory "d", whose record points back at the top list.
    const BEGIN: u64 = 100;
    const NBYTES_NAME: i32 = 50;
    const DIR_AT: u64 = 400;
    const LIST_AT: u64 = 1000;
    const KEYLEN: i16 = 64;
    let dir_key = layout::key(
        KEYLEN as i32 + 60,
        60,
        KEYLEN,
        DIR_AT,
        BEGIN,
        "TDirectory",
        "d",
    );
    let list = layout::key_list(LIST_AT, BEGIN, &[&dir_key]);
    let mut dir = dir_key;
    dir.0
        .extend(&layout::dir_record(list.0.len() as i32, DIR_AT, LIST_AT).0);
    let mut file = vec![0u8; 2000];
    let mut put = |at: u64, w: &layout::W| {
        file[at as usize..at as usize + w.0.len()].copy_from_slice(&w.0);
    };
    put(0, &layout::file_header(BEGIN, NBYTES_NAME, 2000));
    put(
        BEGIN + NBYTES_NAME as u64,
        &layout::dir_record(list.0.len() as i32, BEGIN, LIST_AT),
    );
    put(DIR_AT, &dir);
    put(LIST_AT, &list);
    let f = RootFile::from_bytes("loop.root", file).unwrap();
    let (r, usage) = alloc::measure(|| read_everything(&f).map(|s| s.keys));
    let err = r.unwrap_err().to_string();
    assert!(err.starts_with("loop.root: corrupt data"), "{err}");
    assert_small("directory loop", usage, &err);
}

/// The reported attack as a file: a 2·10⁸-bin labelled TH1D whose object, 2·10⁸ zeros after
/// its claims, zlib-compresses to about 200 KB. Written for the record under
/// target/tmp/crafted-labels-2e8.root (docs/PERFORMANCE.md measures `veloview dump` on it).
fn labels_bomb_file() -> Vec<u8> {
    let h = labelled_th1d();
    let plain = file_of(&h, 0);
    let f = RootFile::from_bytes("plain.root", plain.clone()).unwrap();
    let key = f.get("h").unwrap();
    let mut object = f.object_bytes(&key).unwrap();
    patch(&mut object, NBINS, 0, 1, 200_000_000);
    patch(&mut object, NCELLS, 0, 2, 200_000_002);
    let object = padded(object, 200_000_000);
    let stored = compress(&object, 6);
    assert!(stored.len() < 400_000, "{} bytes", stored.len());
    // The key, moved to the end of the file with its new sizes, in its own header and in the
    // top directory's key list (which holds a copy of the header).
    let keylen = key.keylen as usize;
    let header = plain[key.seek_key as usize..][..keylen].to_vec();
    let mut new_header = header.clone();
    let seek = plain.len();
    new_header[0..4].copy_from_slice(&((keylen + stored.len()) as i32).to_be_bytes());
    new_header[6..10].copy_from_slice(&(object.len() as i32).to_be_bytes());
    assert!(key.version < 1000, "a 32-bit key");
    new_header[18..22].copy_from_slice(&(seek as i32).to_be_bytes());
    let copies: Vec<usize> = plain
        .windows(keylen)
        .enumerate()
        .filter(|(_, w)| *w == header.as_slice())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(copies.len(), 2, "the key and its copy in the key list");
    let mut file = plain;
    for at in copies {
        file[at..at + keylen].copy_from_slice(&new_header);
    }
    file.extend(&new_header);
    file.extend(&stored);
    file
}

#[test]
fn the_reported_file_of_199_kb_holds_no_more_than_its_object() {
    let file = labels_bomb_file();
    let keep = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("crafted-labels-2e8.root");
    std::fs::write(&keep, &file).unwrap();
    let f = RootFile::from_bytes("labels.root", file).unwrap();
    let objlen = f.get("h").unwrap().objlen as usize;
    let (r, usage) = alloc::measure(|| read_everything(&f).map(|s| s.histograms));
    let err = r.unwrap_err().to_string();
    assert!(err.starts_with("labels.root: "), "{err}");
    // The object decompresses (it is under the 256 MiB cap); nothing is built from its claims.
    assert!(
        usage.peak <= objlen + SMALL,
        "held {} bytes for a {objlen}-byte object: {err}",
        usage.peak
    );
}
