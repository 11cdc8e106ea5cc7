//! Files over 2 GB: ROOT switches the file header, directory records and keys to 64-bit seeks
//! (file version + 1000000, record and key versions + 1000). This builds a sparse file of about
//! 6 GiB whose directory and histogram sit beyond 4 GiB, holding a histogram copied byte for byte
//! from a small file, and checks that it reads back identically. Only a few KiB are written.

mod common;
mod layout;

use layout::{dir_record, file_header, key, key_list};
use std::fs::File;
use std::os::unix::fs::{FileExt, MetadataExt};
use velo_root::RootFile;

const GIB: u64 = 1 << 30;
const SOURCE: &str = "bench/velo-bench-zlib.root";
const SOURCE_PATH: &str = "Velo/VeloClusterMonitor/Cluster ADC";

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
    let header = file_header(begin, nbytes_name, end);

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
