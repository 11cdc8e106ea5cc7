//! Writing one demo run file (84 sensors × 6 plots + 8 global plots, written to disk), on
//! velo-root's writer (whose own benches are `cargo bench -p velo-root --bench write`).

use criterion::{criterion_group, criterion_main, Criterion};

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("veloview-bench-demo-{}", std::process::id()));
    let mut g = c.benchmark_group("demo");
    g.sample_size(10);
    g.bench_function("demo-data, one run file", |b| {
        b.iter(|| {
            veloview::demo::generate(
                &dir,
                &veloview::demo::Options {
                    runs: 1,
                    first_run: 123987,
                    seed: 1,
                    ..Default::default()
                },
            )
            .unwrap()
        })
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
