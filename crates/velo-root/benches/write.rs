//! Writing: one 2048-channel noise profile serialised and compressed as a key's payload, and a
//! whole file of them. Writing a demo run file is veloview's `demo_write` bench.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use velo_root::hist::{encode, Axis, Histogram};
use velo_root::rio::compress::compress;
use velo_root::rio::writer::TOP;
use velo_root::rio::{FileWriter, WriteOptions};

fn noise_profile() -> Histogram {
    let mut p = Histogram::new_profile(
        "RMSNoise_vs_ChipChannel",
        "noise",
        Axis::uniform(2048, 0.0, 2048.0),
    );
    for ch in 0..2048 {
        let v = 2.0 + (ch % 128) as f64 / 256.0 + ((ch * 7919) % 13) as f64 / 32.0;
        p.fill_profile(ch as f64 + 0.5, v, 1.0);
    }
    p
}

fn bench(c: &mut Criterion) {
    let p = noise_profile();
    c.bench_function("encode TProfile 2048", |b| {
        b.iter(|| encode(black_box(&p), 60).unwrap())
    });
    let bytes = encode(&p, 60).unwrap();
    c.bench_function("zlib-4 TProfile 2048 payload", |b| {
        b.iter(|| compress(black_box(&bytes), 4))
    });
    c.bench_function("file of 84 TProfile 2048 (level 4)", |b| {
        b.iter(|| {
            let mut w = FileWriter::new(
                "bench.root",
                WriteOptions {
                    level: 4,
                    ..WriteOptions::default()
                },
            );
            for s in 0..84 {
                let d = w
                    .mkdir_all(&format!("Vetra/NoiseMon/TELL1_{s:03}"))
                    .unwrap();
                w.put(d, &p).unwrap();
            }
            let _ = w.mkdir(TOP, "end");
            w.finish().unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
