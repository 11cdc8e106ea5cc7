//! Open a file and read one histogram, the unit of work behind every plot, for the three shapes
//! VELO monitor draws most and the three compressions ROOT writes most. The parts are timed on
//! their own too (open, find the key, decompress, decode), to show what bounds the whole.
//!
//! Inputs: tests/data/bench/velo-bench-{zlib,lz4,zstd}.root (made by make_bench_files.py there).
//! `python3 crates/velo-root/benches/uproot_read.py` times the same work with uproot and prints both.

use criterion::{criterion_group, criterion_main, Criterion};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use velo_root::{hist, rio, RootFile};

/// Counts allocations, so the run can say how many one open-and-read makes.
struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

pub const SHAPES: [(&str, &str); 3] = [
    ("th1_100", "Velo/VeloClusterMonitor/Cluster ADC"),
    (
        "profile_2048",
        "Vetra/NoiseMon/DecodedADC/TELL1_005/RMSNoise_vs_Strip",
    ),
    (
        "th2_256x61",
        "Vetra/VeloPedestalSubtractorMoni/TELL1_005/Ped_Sub_ADCs_2D",
    ),
];
pub const COMPRESSIONS: [&str; 3] = ["zlib", "lz4", "zstd"];

fn file(compression: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!(
        "../../tests/data/bench/velo-bench-{compression}.root"
    ))
}

fn open_and_read(path: &PathBuf, hist: &str) -> velo_root::Histogram {
    let f = RootFile::open(path).unwrap();
    f.histogram(hist).unwrap()
}

fn report_allocations() {
    for (shape, hist) in SHAPES {
        let path = file("zstd");
        let (a, b) = (
            ALLOCS.load(Ordering::Relaxed),
            BYTES.load(Ordering::Relaxed),
        );
        black_box(open_and_read(&path, hist));
        eprintln!(
            "{shape}: one open+read makes {} allocations, {} bytes",
            ALLOCS.load(Ordering::Relaxed) - a,
            BYTES.load(Ordering::Relaxed) - b
        );
    }
}

fn bench(c: &mut Criterion) {
    report_allocations();
    for (shape, hist) in SHAPES {
        let mut g = c.benchmark_group(format!("open_read/{shape}"));
        for comp in COMPRESSIONS {
            let path = file(comp);
            g.bench_function(comp, |b| b.iter(|| open_and_read(&path, black_box(hist))));
        }
        g.finish();
    }
    // The parts, on the zstd, zlib and LZ4 files: what does the whole spend its time on?
    for comp in COMPRESSIONS {
        let path = file(comp);
        let mut g = c.benchmark_group(format!("parts/{comp}"));
        g.bench_function("open", |b| b.iter(|| RootFile::open(&path).unwrap()));
        let f = RootFile::open(&path).unwrap();
        for (shape, hist) in SHAPES {
            g.bench_function(format!("get/{shape}"), |b| {
                b.iter(|| f.get(black_box(hist)).unwrap())
            });
            let key = f.get(hist).unwrap();
            let stored = std::fs::read(&path).unwrap();
            let at = key.seek_key as usize + key.keylen as usize;
            let raw = stored[at..at + key.payload_len()].to_vec();
            g.bench_function(format!("decompress/{shape}"), |b| {
                b.iter(|| rio::compress::decompress(black_box(&raw), key.objlen as usize).unwrap())
            });
            let bytes = f.object_bytes(&key).unwrap();
            g.bench_function(format!("decode/{shape}"), |b| {
                b.iter(|| hist::decode(&key.class, black_box(&bytes), key.keylen as u32).unwrap())
            });
        }
        g.finish();
    }
}

criterion_group! {
    name = benches;
    // Short runs: the figures settle within a second and the machine is shared.
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
