#!/usr/bin/env python3
"""The lockstep PDHG-TV iteration (eq. (14) of the lifted-Bregman paper) for B observations in NumPy: the peer
of LockstepBench.lockstep. X holds one image per row (B x n), so the data term is two sgemm calls,
    PRE = X @ W.T + b,   G = (relu(PRE) - Y) @ W,
followed by the primal and dual TV steps on the (B, H, W) stack (isotropic TV, one gradient of the
extrapolation 2x+ - x, as numpy_pdhg.py's 'fused' variant). OpenBLAS is pinned to one thread.

Usage: python3 jmh/numpy_lockstep.py [--shapes 512x4096,100x784] [--batches 1,8,32,64,256] [--json out.json]
"""
import argparse
import time

import numpy_common  # one BLAS thread: must precede the numpy import
import numpy as np


def grad(x):
    d1 = np.zeros_like(x)
    d2 = np.zeros_like(x)
    d1[:, :-1, :] = x[:, 1:, :] - x[:, :-1, :]
    d2[:, :, :-1] = x[:, :, 1:] - x[:, :, :-1]
    return d1, d2


def div(p1, p2):
    d = np.zeros_like(p1)
    d[:, :-1, :] += p1[:, :-1, :]
    d[:, 1:, :] -= p1[:, :-1, :]
    d[:, :, :-1] += p2[:, :, :-1]
    d[:, :, 1:] -= p2[:, :, :-1]
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shapes", default="512x4096,100x784")
    ap.add_argument("--batches", default="1,8,32,64,256")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=0.5, help="about this long per timed repeat")
    ap.add_argument("--json")
    a = ap.parse_args()
    out = {"numpy": np.__version__, "threads": 1, "results": []}
    for shape in a.shapes.split(","):
        m, n = map(int, shape.split("x"))
        side = int(round(n ** 0.5))
        rng = np.random.default_rng(1)
        W = (rng.standard_normal((m, n)) / np.sqrt(n)).astype(np.float32)
        bias = (rng.standard_normal(m) / np.sqrt(n)).astype(np.float32)
        L = np.linalg.norm(W, 2) ** 2
        alpha = np.float32(1.5e-2)
        tx, tz = np.float32(1.99 / L), np.float32(1 / (8 * alpha))
        for B in map(int, a.batches.split(",")):
            X0 = (0.5 * rng.standard_normal((B, n))).astype(np.float32)
            Y = np.maximum(X0 @ W.T + bias + 0.005 * rng.standard_normal((B, m)).astype(np.float32), 0)
            state = [np.zeros((B, side, side), np.float32), np.zeros((B, side, side), np.float32),
                     np.zeros((B, side, side), np.float32)]

            def step():
                x, p1, p2 = state
                g = (np.maximum(x.reshape(B, n) @ W.T + bias, 0) - Y) @ W  # the two sgemm calls
                xn = x - tx * (g.reshape(B, side, side) - alpha * div(p1, p2))
                e1, e2 = grad(2 * xn - x)
                q1 = p1 + tz * alpha * e1
                q2 = p2 + tz * alpha * e2
                nrm = np.maximum(1, np.sqrt(q1 * q1 + q2 * q2))
                state[0], state[1], state[2] = xn, q1 / nrm, q2 / nrm

            t0 = time.perf_counter()
            step()
            one = max(time.perf_counter() - t0, 1e-6)
            number = max(1, int(a.seconds / one))
            for _ in range(number):
                step()
            times = []
            for _ in range(a.repeats):
                t0 = time.perf_counter()
                for _ in range(number):
                    step()
                times.append((time.perf_counter() - t0) / number * 1e6)
            q = numpy_common.quantiles(times)
            rate = B / q["median"] * 1e6
            out["results"].append({"shape": shape, "B": B, "median_us": q["median"], "min_us": q["min"],
                                   "max_us": q["max"], "obs_iter_per_s": rate})
            print(f"{shape:9s} B={B:4d}: median {q['median']:10.1f} us per lockstep iteration "
                  f"[min {q['min']:.1f}, max {q['max']:.1f}]  {rate:12.0f} observation-iterations/s")
    numpy_common.write_json(a.json, out)


if __name__ == "__main__":
    main()
