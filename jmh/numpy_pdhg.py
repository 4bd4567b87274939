#!/usr/bin/env python3
"""One PDHG iteration of the circle experiment (eq. (14) of the lifted-Bregman paper) in NumPy.

64x64 image, W 512x4096 (float32), ReLU, isotropic TV, the same update as netinvert's PdhgEngine:
    g  = W^T (relu(W x + b) - y)
    x+ = x - tau_x (g - alpha div p)
    p+ = proj_{|.|<=1}(p + tau_z alpha grad(2 x+ - x))
Two variants: 'plain' computes grad(x+) and grad(x) separately (as eq. (14b) is written), 'fused' takes
one gradient of the extrapolation 2x+ - x. OpenBLAS is pinned to one thread (set before numpy loads).

Usage: python3 jmh/numpy_pdhg.py [--repeats 7] [--json out.json]
"""
import argparse
import time

import numpy_common  # one BLAS thread: must precede the numpy import
import numpy as np


def grad(x):
    d1 = np.zeros_like(x)
    d2 = np.zeros_like(x)
    d1[:-1, :] = x[1:, :] - x[:-1, :]
    d2[:, :-1] = x[:, 1:] - x[:, :-1]
    return d1, d2


def div(p1, p2):
    # div = -grad^T for the forward differences with zero last row / column
    d = np.zeros_like(p1)
    d[:-1, :] += p1[:-1, :]
    d[1:, :] -= p1[:-1, :]
    d[:, :-1] += p2[:, :-1]
    d[:, 1:] -= p2[:, :-1]
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--iters", type=int, default=200, help="iterations per timed repeat")
    ap.add_argument("--json")
    a = ap.parse_args()
    rng = np.random.default_rng(1)
    H = Wd = 64
    n, m = H * Wd, 512
    W = (rng.standard_normal((m, n)) / 64).astype(np.float32)
    b = (rng.standard_normal(m) / 64).astype(np.float32)
    ii, jj = np.mgrid[0:H, 0:Wd]
    xt = (((ii - 31.5) ** 2 + (jj - 31.5) ** 2) <= 15.8 ** 2).astype(np.float32)
    y = np.maximum(W @ xt.ravel() + b, 0)
    y = np.maximum(y + 0.005 * rng.standard_normal(m).astype(np.float32), 0).astype(np.float32)
    L = np.linalg.norm(W, 2) ** 2
    alpha = np.float32(1.5e-2)
    tx, tz = np.float32(1.99 / L), np.float32(1 / (8 * alpha))

    def run(variant, iters):
        x = np.zeros((H, Wd), np.float32)
        p1 = np.zeros_like(x)
        p2 = np.zeros_like(x)
        for _ in range(iters):
            g = W.T @ (np.maximum(W @ x.ravel() + b, 0) - y)
            xn = x - tx * (g.reshape(H, Wd) - alpha * div(p1, p2))
            if variant == "plain":
                a1, a2 = grad(xn)
                c1, c2 = grad(x)
                q1 = p1 + tz * (2 * alpha * a1 - alpha * c1)
                q2 = p2 + tz * (2 * alpha * a2 - alpha * c2)
            else:
                e1, e2 = grad(2 * xn - x)
                q1 = p1 + tz * alpha * e1
                q2 = p2 + tz * alpha * e2
            nrm = np.maximum(1, np.sqrt(q1 * q1 + q2 * q2))
            p1, p2 = q1 / nrm, q2 / nrm
            x = xn
        return x

    out = {"numpy": np.__version__, "threads": 1, "shape": "512x4096", "image": "64x64"}
    for variant in ("plain", "fused"):
        run(variant, 20)  # warm-up
        times = []
        for _ in range(a.repeats):
            t0 = time.perf_counter()
            run(variant, a.iters)
            times.append((time.perf_counter() - t0) / a.iters * 1e6)
        q = numpy_common.quantiles(times)
        out[variant] = {"median_us": q["median"], "min_us": q["min"], "p25_us": q["p25"], "p75_us": q["p75"],
                        "max_us": q["max"]}
        print(f"PDHG iteration ({variant:5s}): median {q['median']:7.1f} us  [min {q['min']:.1f}, "
              f"p25 {q['p25']:.1f}, p75 {q['p75']:.1f}, max {q['max']:.1f}]  over {a.repeats} x {a.iters} iterations")
    numpy_common.write_json(a.json, out)


if __name__ == "__main__":
    main()
