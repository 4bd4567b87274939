#!/usr/bin/env python3
"""HiGHS (scipy.optimize.linprog(method='highs')) on the LPs of LpBench, for jmh/RESULTS.md.

Reads the instance LpBench's setup writes (target/lp-instance/W.npy, x.npy: the last layer of Fig. 2's
network [003], 600 x 250, y = G(z*) + 1e-3*U(-1, 1)) and builds the same LPs as
dev.netinvert.solvers.lp.LayerLps, z >= 0:
  linfInfeasible  Alg. 1's LP (6) with delta <= eps, eps = 1e-5 (infeasible)
  linfFree        the same LP with delta unbounded
  l1              Alg. 2's LP at eps = 1e-3
  relaxed         the relaxed LP (8) at eps = 1e-3
Prints the median time of --reps solves of each, and the status. Optional: needs numpy and scipy.

    python3 jmh/scipy_lp.py [--dir jmh/target/lp-instance] [--reps 7]
"""
import argparse
import statistics
import time

import numpy as np
from scipy.optimize import linprog


def rows_linf(W, x, eps, slack_cols, slack_index):
    """A_ub, b_ub for the ReLU rows of (6) with slack column slack_index(j)."""
    n, k = W.shape
    A, b = [], []
    for j in range(n):
        s = np.zeros(slack_cols)
        s[slack_index(j)] = 1.0
        A.append(np.concatenate([W[j], -s]))          # u - s <= x
        b.append(x[j])
        if x[j] > eps:
            A.append(np.concatenate([-W[j], -s]))     # -(u + s) <= -x
            b.append(-x[j])
    return np.array(A), np.array(b)


def programs(W, x):
    n, k = W.shape
    out = {}
    A, b = rows_linf(W, x, 1e-5, 1, lambda j: 0)
    c = np.zeros(k + 1)
    c[k] = 1
    out["linfInfeasible"] = (c, A, b, [(0, None)] * k + [(0, 1e-5)])
    out["linfFree"] = (c, A, b, [(0, None)] * k + [(0, None)])
    A, b = rows_linf(W, x, 1e-3, n, lambda j: j)
    c = np.concatenate([np.zeros(k), np.ones(n)])
    out["l1"] = (c, A, b, [(0, None)] * (k + n))
    c = -(np.maximum(0, x)[:, None] * W).sum(axis=0)
    out["relaxed"] = (c, W, np.maximum(0, x + 1e-3), [(0, None)] * k)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="jmh/target/lp-instance")
    ap.add_argument("--reps", type=int, default=7)
    a = ap.parse_args()
    W = np.load(f"{a.dir}/W.npy").astype(np.float64)
    x = np.load(f"{a.dir}/x.npy").astype(np.float64)
    print(f"instance {W.shape[0]} x {W.shape[1]}, scipy linprog(method='highs')")
    for name, (c, A, b, bounds) in programs(W, x).items():
        times, status = [], None
        for _ in range(a.reps):
            t0 = time.perf_counter()
            r = linprog(c, A_ub=A, b_ub=b, bounds=bounds, method="highs")
            times.append(time.perf_counter() - t0)
            status = r.status
        print(f"{name:15s} median {1e3 * statistics.median(times):8.1f} ms  (min {1e3 * min(times):7.1f}, "
              f"max {1e3 * max(times):7.1f})  status {status} ({'optimal' if status == 0 else 'infeasible' if status == 2 else 'other'})"
              f"  rows {A.shape[0]}")


if __name__ == "__main__":
    main()
