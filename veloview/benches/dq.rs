//! Evaluating one demo run's data quality with the bundled configuration (config/dq.toml): open
//! the run's and its reference run's files, read the ~250 histograms the tree names, run ~760
//! checks, combine. The aim is under 100 ms on one core (docs/PERFORMANCE.md).

use criterion::{criterion_group, criterion_main, Criterion};
use std::path::Path;
use veloview::demo::{self, Options, Problems};
use veloview::dq::{evaluate_run, DqConfig};
use veloview::runview::RunData;

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("veloview-bench-dq-{}", std::process::id()));
    // Run 123980 and its reference run 123981 (config/references.toml), without problems.
    demo::generate(
        &dir,
        &Options {
            runs: 2,
            first_run: 123980,
            seed: 1,
            problems: Problems::Explicit(Vec::new()),
            events: None,
        },
    )
    .unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let data = RunData::new(
        &dir,
        dir.join("RunList.txt"),
        repo.join("config/references.toml"),
    );
    let config = DqConfig::load(&repo.join("config/dq.toml")).unwrap();
    assert_eq!(
        evaluate_run(&data, &config, 123980).unwrap().reference_run,
        Some(123981)
    );
    let mut g = c.benchmark_group("dq");
    g.sample_size(20);
    g.bench_function("evaluate one demo run (bundled config)", |b| {
        b.iter(|| evaluate_run(&data, &config, 123980).unwrap())
    });
    g.bench_function("load config/dq.toml", |b| {
        b.iter(|| DqConfig::load(&repo.join("config/dq.toml")).unwrap())
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
