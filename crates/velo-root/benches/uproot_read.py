#!/usr/bin/env python3
"""Time with uproot the work `cargo bench -p velo-root --bench read` times with veloview (open the
file, read one histogram into memory), and print both side by side with their ratio.

Run after the Rust benchmark, from the repository root:
    cargo bench -p velo-root --bench read
    python3 crates/velo-root/benches/uproot_read.py
Both sides report their best figure per call, the one least disturbed by other processes on a
shared machine: for veloview the fastest of criterion's 100 samples (target/criterion/.../sample.json,
each sample many iterations), for uproot the fastest of 7 timeit repeats. Criterion's own mean is
printed alongside.
"""
import json
import os
import platform
import sys
import timeit

import uproot

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHAPES = [
    ("th1_100", "TH1F 100 bins", "Velo/VeloClusterMonitor/Cluster ADC"),
    ("profile_2048", "TProfile 2048 bins", "Vetra/NoiseMon/DecodedADC/TELL1_005/RMSNoise_vs_Strip"),
    ("th2_256x61", "TH2F 256x61 bins", "Vetra/VeloPedestalSubtractorMoni/TELL1_005/Ped_Sub_ADCs_2D"),
]
COMPRESSIONS = [("zlib", "zlib"), ("lz4", "LZ4"), ("zstd", "ZSTD")]


def bench_file(comp):
    return os.path.join(ROOT, "tests", "data", "bench", f"velo-bench-{comp}.root")


def uproot_us(path, hist):
    def work():
        with uproot.open(path) as f:
            h = f[hist]
            # The arrays veloview decodes: bin contents (and errors/entries, which uproot keeps
            # on the same object), with under- and overflow.
            h.values(flow=True)

    work()
    timer = timeit.Timer(work)
    n, _ = timer.autorange()
    return min(timer.repeat(repeat=7, number=n)) / n * 1e6


def criterion_dir(group, bench_id):
    return os.path.join(ROOT, "target", "criterion", group, bench_id, "new")


def criterion_us(group, bench_id):
    """The fastest sample's time per iteration."""
    with open(os.path.join(criterion_dir(group, bench_id), "sample.json")) as f:
        s = json.load(f)
    return min(t / n for t, n in zip(s["times"], s["iters"])) / 1e3


def criterion_mean_us(group, bench_id):
    with open(os.path.join(criterion_dir(group, bench_id), "estimates.json")) as f:
        return json.load(f)["mean"]["point_estimate"] / 1e3


def main():
    print(f"uproot {uproot.__version__}, Python {platform.python_version()}, "
          f"{os.cpu_count()} cores ({platform.processor() or platform.machine()})\n")
    print("| histogram | compression | veloview µs | (mean) | uproot µs | uproot / veloview |")
    print("|---|---|---:|---:|---:|---:|")
    worst = None
    for shape, label, hist in SHAPES:
        for comp, comp_label in COMPRESSIONS:
            ours = criterion_us(f"open_read_{shape}", comp)
            mean = criterion_mean_us(f"open_read_{shape}", comp)
            theirs = uproot_us(bench_file(comp), hist)
            ratio = theirs / ours
            worst = ratio if worst is None else min(worst, ratio)
            print(f"| {label} | {comp_label} | {ours:.1f} | ({mean:.0f}) | {theirs:.0f} | {ratio:.0f}× |")
    print("\nParts (veloview, fastest sample, µs):\n")
    print("| histogram | compression | open | get | decompress | decode |")
    print("|---|---|---:|---:|---:|---:|")
    for comp, comp_label in COMPRESSIONS:
        g = f"parts_{comp}"
        for shape, label, _ in SHAPES:
            row = [criterion_us(g, "open")] + [criterion_us(g, f"{p}_{shape}")
                                               for p in ("get", "decompress", "decode")]
            print(f"| {label} | {comp_label} | " + " | ".join(f"{v:.1f}" for v in row) + " |")
    print(f"\nSmallest ratio: {worst:.0f}×")
    return 0 if worst >= 20 else 1


if __name__ == "__main__":
    sys.exit(main())
