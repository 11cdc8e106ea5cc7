#!/usr/bin/env python3
"""Write the benchmark inputs: one small ROOT file per compression (zlib, LZ4, ZSTD), each
holding the three histogram shapes the benchmarks read, where VELO DQM output keeps them:

  Velo/VeloClusterMonitor/Cluster ADC               TH1F, 100 bins
  Vetra/NoiseMon/DecodedADC/TELL1_005/RMSNoise_vs_Strip  TProfile, 2048 bins
  Vetra/VeloPedestalSubtractorMoni/TELL1_005/Ped_Sub_ADCs_2D  TH2F, 256 x 61 bins

The values are drawn from a fixed seed, so running this again writes the same histograms.
Usage: python3 make_bench_files.py [OUTDIR]   (default: the directory of this script)
"""
import os
import sys

import numpy as np
import uproot
from uproot.writing.identify import to_TAxis, to_TH1x, to_TH2x, to_TProfile

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
COMPRESSIONS = {"zlib": uproot.ZLIB(1), "lz4": uproot.LZ4(4), "zstd": uproot.ZSTD(5)}
TH1 = "Velo/VeloClusterMonitor/Cluster ADC"
PROFILE = "Vetra/NoiseMon/DecodedADC/TELL1_005/RMSNoise_vs_Strip"
TH2 = "Vetra/VeloPedestalSubtractorMoni/TELL1_005/Ped_Sub_ADCs_2D"


def moments(x, w):
    return w.sum(), (w * w).sum(), (w * x).sum(), (w * x * x).sum()


def th1(rng):
    adc = rng.gamma(4.0, 8.0, 20000)
    counts, edges = np.histogram(adc, bins=100, range=(0, 100))
    inside = adc[(adc >= 0) & (adc < 100)]
    data = np.concatenate([[0], counts, [(adc >= 100).sum()]]).astype(np.float32)
    sw, sw2, swx, swx2 = moments(inside, np.ones_like(inside))
    return to_TH1x("Cluster ADC", "Cluster ADC;ADC;clusters", data, len(adc), sw, sw2, swx,
                   swx2, None, to_TAxis("xaxis", "", 100, 0.0, 100.0))


def profile(rng):
    n = 2048
    strips = np.arange(n) + 0.5
    noise = rng.normal(2.0, 0.3, (40, n))
    w = np.ones_like(noise)
    x = np.broadcast_to(strips, noise.shape)
    cells = lambda a: np.concatenate([[0.0], a, [0.0]])
    sumwy = cells((w * noise).sum(0))
    sumwy2 = cells((w * noise * noise).sum(0))
    entries = cells(w.sum(0))
    sw, sw2, swx, swx2 = moments(x.ravel(), w.ravel())
    return to_TProfile("RMSNoise_vs_Strip", "RMS noise vs strip;strip;ADC", sumwy,
                       w.size, sw, sw2, swx, swx2, (w * noise).sum(), (w * noise * noise).sum(),
                       sumwy2, entries, entries.copy(), to_TAxis("xaxis", "", n, 0.0, float(n)))


def th2(rng):
    nx, ny = 256, 61
    x = rng.uniform(0, 256, 200000)
    y = rng.normal(0, 6, 200000)
    counts, _, _ = np.histogram2d(x, y, bins=(nx, ny), range=((0, 256), (-30.5, 30.5)))
    data = np.zeros((ny + 2, nx + 2), dtype=np.float32)
    data[1:-1, 1:-1] = counts.T
    inside = (y >= -30.5) & (y < 30.5)
    xi, yi = x[inside], y[inside]
    w = np.ones_like(xi)
    sw, sw2, swx, swx2 = moments(xi, w)
    return to_TH2x("Ped_Sub_ADCs_2D", "Pedestal subtracted ADCs;channel;ADC", data.ravel(),
                   len(x), sw, sw2, swx, swx2, (w * yi).sum(), (w * yi * yi).sum(),
                   (w * xi * yi).sum(), None, to_TAxis("xaxis", "", nx, 0.0, 256.0),
                   to_TAxis("yaxis", "", ny, -30.5, 30.5))


def main():
    for name, compression in COMPRESSIONS.items():
        rng = np.random.default_rng(20260101)
        path = os.path.join(OUT, f"velo-bench-{name}.root")
        with uproot.recreate(path, compression=compression) as f:
            f[TH1] = th1(rng)
            f[PROFILE] = profile(rng)
            f[TH2] = th2(rng)
        print(path, os.path.getsize(path))


if __name__ == "__main__":
    main()
