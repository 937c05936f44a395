#!/usr/bin/python3
"""Baseline for `go test -bench MetricPass ./nrclib/measure`: the same Deep NRC
metric pass (8 layers of width 512, t = 4) computed the direct way in NumPy,
holding every layer's full N x d feature matrix in memory.

Usage: /usr/bin/python3 bench/numpy_metrics.py [N ...]   (default: 10000 192000)
Prints one line per N: seconds, peak resident memory, and which BLAS NumPy uses.
"""
import resource
import sys
import time

import numpy as np

D, T, LAYERS, BLOCK = 512, 4, 8, 4096


def metrics(h, y, k=T, rtol=1e-3):
    n = h.shape[0]
    hc = h - h.mean(0)
    yc = y - y.mean(0)
    cov_h = hc.T @ hc / n
    cov_hy = hc.T @ yc / n
    cov_y = yc.T @ yc / n
    lam, vec = np.linalg.eigh(cov_h)
    lam, vec = lam[::-1], vec[:, ::-1]
    noise = 1 - lam[:k].sum() / lam.sum()
    cka = (cov_hy ** 2).sum() / (np.linalg.norm(cov_h) * np.linalg.norm(cov_y))
    srank = lam.sum() / lam[0]
    srank_paper = (lam ** 2).sum() / lam[0] ** 2
    # Linear probe with intercept (pinv with relative cutoff), as deepnrc does.
    x = np.hstack([np.ones((n, 1)), hc])
    beta = np.linalg.pinv(x, rcond=rtol) @ y
    probe = ((x @ beta - y) ** 2).mean()
    # The authors' variant: uncentred H, centred Y, no intercept.
    p = np.linalg.pinv(h, rcond=rtol) @ yc
    probe_paper = ((h @ p - yc) ** 2).mean()
    return noise, cka, srank, srank_paper, probe, probe_paper


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 192_000]
    rng = np.random.default_rng(1)
    block_h = rng.standard_normal((BLOCK, D))
    block_y = rng.standard_normal((BLOCK, T))
    blas = "unknown"
    try:  # the BLAS library actually loaded into this process
        with open("/proc/self/maps") as maps:
            libs = {line.split()[-1] for line in maps if "blas" in line.lower()}
        blas = ", ".join(sorted(libs)) or blas
    except OSError:
        pass
    for n in sizes:
        reps = -(-n // BLOCK)
        h = np.tile(block_h, (reps, 1))[:n]
        y = np.tile(block_y, (reps, 1))[:n]
        start = time.perf_counter()
        for _ in range(LAYERS):
            metrics(h, y)
        elapsed = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"numpy N={n}: {elapsed:.2f} s for {LAYERS} layers, peak RSS {peak_mb:.0f} MB (blas: {blas})")


if __name__ == "__main__":
    main()
