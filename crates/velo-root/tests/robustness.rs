//! Hostile input: every corpus file, cut short at many offsets and with bytes flipped at many
//! places (in its key headers and key lists above all, where a flip changes what gets read), is
//! read as `veloview dump` would read it. Each case must end in an error naming the file or in a
//! valid result: no panic, no hang (each case runs under a watchdog), and no allocation larger
//! than the data could justify (the global allocator of `alloc` records the largest request).
//! Crafted size claims, which random damage rarely makes, are in crafted.rs.

mod alloc;
mod common;
mod layout;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;
use velo_root::verify::read_everything;
use velo_root::RootFile;

/// The corpus's largest object is well under 1 MiB and its largest file 1.2 MB; one compressed
/// block may make the reader reserve up to 16 MiB before finding out it is bad.
const ALLOCATION_LIMIT: usize = 24 << 20;
/// No case takes more than a fraction of a second; a case this slow is stuck.
const WATCHDOG: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy)]
enum Damage {
    Truncate(usize),
    Flip(usize, u8),
}

struct Case {
    file: usize,
    damage: Damage,
}

/// Deterministic xorshift, so a failing case is the same case on every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Byte ranges the reader interprets rather than just copies: the file header, the top directory
/// record, and every key header and directory key list.
fn structure(bytes: &[u8], name: &str) -> Vec<std::ops::Range<usize>> {
    let f = RootFile::from_bytes(name, bytes.to_vec()).unwrap();
    let mut ranges = Vec::new();
    ranges.push(0..200.min(bytes.len()));
    for e in f.walk().unwrap() {
        let at = e.key.seek_key as usize;
        ranges.push(at..at + e.key.keylen as usize);
        if e.key.is_directory() && !e.key.is_compressed() {
            ranges.push(at..at + e.key.nbytes as usize);
        }
    }
    ranges
}

fn cases(file: usize, bytes: &[u8], name: &str, rng: &mut Rng) -> Vec<Case> {
    let len = bytes.len();
    let mut damage = Vec::new();
    // Cuts: everywhere in the header, then spread over the file, then at random.
    damage.extend((0..len.min(300)).step_by(11).map(Damage::Truncate));
    damage.extend((1..40).map(|i| Damage::Truncate(len * i / 40)));
    damage.extend((0..20).map(|_| Damage::Truncate(rng.below(len))));
    damage.push(Damage::Truncate(len - 1));
    // Flips: a sample of the interpreted bytes, and a few anywhere.
    let ranges = structure(bytes, name);
    for _ in 0..160 {
        let r = &ranges[rng.below(ranges.len())];
        let at = r.start + rng.below(r.len().max(1));
        damage.push(Damage::Flip(at.min(len - 1), 1 << rng.below(8)));
    }
    for _ in 0..40 {
        damage.push(Damage::Flip(rng.below(len), 0xff));
    }
    damage
        .into_iter()
        .map(|damage| Case { file, damage })
        .collect()
}

fn apply(bytes: &[u8], d: Damage) -> Vec<u8> {
    match d {
        Damage::Truncate(n) => bytes[..n].to_vec(),
        Damage::Flip(at, mask) => {
            let mut b = bytes.to_vec();
            b[at] ^= mask;
            b
        }
    }
}

/// One damaged file, read all the way through. Returns a description of a failure.
fn run(name: &str, bytes: Vec<u8>) -> Result<(), String> {
    let check = |e: velo_root::Error| {
        let msg = e.to_string();
        if e.file.as_path() == std::path::Path::new(name) && msg.contains(name) {
            Ok(())
        } else {
            Err(format!("error does not name the file: {msg}"))
        }
    };
    let f = match RootFile::from_bytes(name, bytes) {
        Ok(f) => f,
        Err(e) => return check(e),
    };
    match read_everything(&f) {
        Ok(_) => Ok(()),
        Err(e) => check(e),
    }
}

#[test]
fn damaged_files_give_errors_naming_them_never_panics_or_hangs() {
    let files: Vec<(String, Vec<u8>)> = common::corpus()
        .into_iter()
        .map(|(path, _)| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    let mut rng = Rng(0x5eed_0f7e_1010);
    let all: Vec<Case> = files
        .iter()
        .enumerate()
        .flat_map(|(i, (name, bytes))| cases(i, bytes, name, &mut rng))
        .collect();
    let n = all.len();
    let files = Arc::new(files);
    let all = Arc::new(all);
    let next = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::channel::<(usize, bool, Result<(), String>)>();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    for _ in 0..workers {
        let (files, all, next, tx) = (files.clone(), all.clone(), next.clone(), tx.clone());
        std::thread::spawn(move || loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(case) = all.get(i) else { break };
            let (name, bytes) = &files[case.file];
            let label = format!("{name} [{:?}]", case.damage);
            let damaged = apply(bytes, case.damage);
            if tx.send((i, false, Ok(()))).is_err() {
                break;
            }
            let outcome = catch_unwind(AssertUnwindSafe(|| run(&label, damaged)))
                .unwrap_or_else(|_| Err("panicked".into()));
            let _ = tx.send((i, true, outcome));
        });
    }
    drop(tx);
    let mut running = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    let mut done = 0;
    while done < n {
        match rx.recv_timeout(WATCHDOG) {
            Ok((i, false, _)) => {
                running.insert(i);
            }
            Ok((i, true, outcome)) => {
                running.remove(&i);
                done += 1;
                if let Err(msg) = outcome {
                    let c = &all[i];
                    failures.push(format!("{} {:?}: {msg}", files[c.file].0, c.damage));
                }
            }
            Err(_) => {
                let stuck: Vec<String> = running
                    .iter()
                    .map(|&i| format!("{} {:?}", files[all[i].file].0, all[i].damage))
                    .collect();
                panic!("no case finished in {WATCHDOG:?}; still running: {stuck:?}");
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(n > 3000, "only {n} cases");
    let largest = alloc::largest_ever();
    // The recorder must be live: the largest file was copied into one buffer.
    let biggest_file = files.iter().map(|(_, b)| b.len()).max().unwrap();
    assert!(largest >= biggest_file, "allocation recorder not installed");
    assert!(
        largest <= ALLOCATION_LIMIT,
        "an allocation of {largest} bytes, over the {ALLOCATION_LIMIT}-byte limit"
    );
}

/// A file of `levels` directory levels in which each level's key list holds two directory keys
/// that both point at the next level's one directory: no loop, no deep nesting, but 2^levels
/// paths through it. Returns the bytes.
fn diamond(levels: usize) -> Vec<u8> {
    const BEGIN: u64 = 100;
    const NBYTES_NAME: i32 = 50;
    const KEYLEN: i16 = 64;
    // Level i's directory key (header and record) at dir_at(i), its key list right after.
    const STRIDE: u64 = 512;
    let dir_at = |i: usize| 1000 + STRIDE * i as u64;
    let list_at = |i: usize| dir_at(i) + 200;
    let parent = |i: usize| if i == 0 { BEGIN } else { dir_at(i - 1) };
    let mut file = vec![0u8; (dir_at(levels) + STRIDE) as usize];
    let mut put = |at: u64, w: &layout::W| {
        file[at as usize..at as usize + w.0.len()].copy_from_slice(&w.0);
    };
    // The list at level i holds two keys for the directory of level i + 1 (none at the bottom).
    let list = |i: usize| {
        let sub = |name: &str| {
            layout::key(
                KEYLEN as i32 + 60,
                60,
                KEYLEN,
                dir_at(i + 1),
                parent(i + 1),
                "TDirectory",
                name,
            )
        };
        let (a, b) = (sub("a"), sub("b"));
        let keys: Vec<&layout::W> = if i < levels { vec![&a, &b] } else { vec![] };
        layout::key_list(list_at(i), parent(i), &keys)
    };
    for i in 0..=levels {
        let l = list(i);
        let mut d = layout::key(
            KEYLEN as i32 + 60,
            60,
            KEYLEN,
            dir_at(i),
            parent(i),
            "TDirectory",
            "d",
        );
        d.0.extend(&layout::dir_record(l.0.len() as i32, dir_at(i), list_at(i)).0);
        put(dir_at(i), &d);
        put(list_at(i), &l);
    }
    let top = list(0);
    put(
        BEGIN + NBYTES_NAME as u64,
        &layout::dir_record(top.0.len() as i32, BEGIN, list_at(0)),
    );
    put(
        0,
        &layout::file_header(BEGIN, NBYTES_NAME, dir_at(levels) + STRIDE),
    );
    file
}

#[test]
fn directories_reached_many_ways_are_an_error_not_an_endless_walk() {
    // Two keys for one directory once is harmless, and reads; lookups by path never walk.
    let f = RootFile::from_bytes("diamond1.root", diamond(1)).unwrap();
    assert_eq!(f.walk().unwrap().len(), 2);
    let f = RootFile::from_bytes("diamond9.root", diamond(9)).unwrap();
    assert!(f.get("a/b/a/b/a/b/a/b/a").unwrap().is_directory());
    // Forty levels would be 2^41 directories to walk.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let f = RootFile::from_bytes("diamond40.root", diamond(40)).unwrap();
        let _ = tx.send(f.walk().map(|entries| entries.len()));
    });
    let err = rx
        .recv_timeout(WATCHDOG)
        .expect("the walk did not finish")
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("diamond40.root: corrupt data"), "{msg}");
    assert!(
        msg.contains("points back into directories already read"),
        "{msg}"
    );
}
