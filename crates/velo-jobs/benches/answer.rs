//! A plot job's answer on its way out: the worker's record JSON and its compression, velo-web's
//! gzip member per request, and the decompression for a client without gzip. The record is a
//! finished job holding the demo run's 2048-strip noise profile (66 kB of JSON), the plot of
//! `../shared/bench/side-by-side`.
//!
//! cargo bench -p velo-jobs --bench answer

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;
use std::hint::black_box;
use velo_jobs::compressed::Compressed;
use velo_jobs::JobRecord;
use veloview::runview::{get_run_plot_json, PlotRequest};

/// A finished job's record, as the worker stores it, for the demo's 2048-bin noise profile.
fn finished_record() -> JobRecord {
    let demo = velo_testkit::RunDataDir::demo("answer-bench");
    let run = demo.run;
    let req = PlotRequest {
        name: "Vetra/NoiseMon/DecodedADC/TELL1_{0:03d}/RMSNoise_vs_Strip".into(),
        run,
        sensor: 1,
        reference: false,
    };
    let result = get_run_plot_json(&demo.run_data(), &req);
    assert!(result.starts_with("{\"success\":true"), "{result}");
    let args = json!({"name": req.name, "run": run, "sensor": 1});
    let mut rec = JobRecord::queued(
        "01M8J7MYCFSV4CGS3YS7DY68MQ".into(),
        "runview.plots.get_run_plot",
        args,
    );
    rec.start("bench");
    rec.finish(result);
    rec
}

fn bench(c: &mut Criterion) {
    let rec = finished_record();
    let json = rec.to_json();
    let tail = Compressed::of_record(&json).expect("large enough to compress");
    let head = r#"{"job":{"uri":"http://127.0.0.1:5000/jobs/01M8J7MYCFSV4CGS3YS7DY68MQ","#;
    eprintln!(
        "record: {} bytes of JSON, {} compressed",
        json.len(),
        tail.size()
    );
    let mut g = c.benchmark_group("plot_answer_2048_bins");
    // The worker, once per job.
    g.bench_function("record_to_json", |b| b.iter(|| black_box(&rec).to_json()));
    g.bench_function("compress_record (libdeflate level 1)", |b| {
        b.iter(|| Compressed::of_record(black_box(&json)))
    });
    // velo-web, once per answer.
    g.bench_function("gzip_with_head", |b| {
        b.iter(|| black_box(&tail).gzip_with_head(black_box(head)))
    });
    g.bench_function("decompress (client without gzip)", |b| {
        b.iter(|| black_box(&tail).record())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
