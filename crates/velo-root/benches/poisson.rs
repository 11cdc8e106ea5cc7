//! Poisson error intervals (`bin_error_low_up` of a histogram asking for them): the cost per bin
//! at counts of several sizes, exact (Newton on the incomplete gamma function) below 10^4 and
//! by the Cornish-Fisher expansion above.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use velo_root::hist::{Axis, BinErrorOption, Histogram};

const BINS: usize = 1000;

fn histogram(count: f64) -> Histogram {
    let mut h = Histogram::new_1d("TH1D", "h", "", Axis::uniform(BINS, 0.0, 1.0));
    h.bin_error_option = BinErrorOption::Poisson;
    for (i, c) in h.array.iter_mut().enumerate() {
        *c = count + (i % 7) as f64;
    }
    h
}

fn poisson(c: &mut Criterion) {
    let mut g = c.benchmark_group("poisson_intervals");
    g.throughput(Throughput::Elements(BINS as u64));
    for count in [3.0, 100.0, 5_000.0, 1e6, 1e12] {
        let h = histogram(count);
        g.bench_function(format!("{BINS}_bins_count_{count:e}"), |b| {
            b.iter(|| {
                let mut s = 0.0;
                for bin in 1..=BINS {
                    let (lo, up) = h.bin_error_low_up(black_box(bin));
                    s += lo + up;
                }
                s
            })
        });
    }
    g.finish();
}

criterion_group!(benches, poisson);
criterion_main!(benches);
