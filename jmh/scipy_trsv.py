#!/usr/bin/env python3
"""The NumPy/SciPy peer of TriangularBench: scipy.linalg.solve_triangular on float32 with one BLAS thread.

Same problem as the JMH benchmark: L is n x n lower triangular, L_ii = 1 + |N(0,1)|, L_ij = N(0,1)/sqrt(n)
below the diagonal, float32 in C order; b ~ U(-1, 1). Ops (the JMH method names):
  lower            x = L^-1 b    solve_triangular(L, b, lower=True)               (LAPACK strtrs -> strsv)
  lowerTransposed  x = L^-T b    solve_triangular(L, b, lower=True, trans='T')
check_finite=False and overwrite_b=False as a caller would use it in a loop: each call copies b (n floats), as
the JMH methods do. The wrapper's own overhead (argument checks, dtype dispatch) is part of the figure; at
n = 64 it dominates. Prints min / p25 / median / p75 / max microseconds per call, and GB/s = 2 n^2 bytes
(the lower triangle read once) at the median.

    python3 jmh/scipy_trsv.py [--sizes 64,512,1024] [--reps 31] [--rep-ms 20] [--json out.json]
"""
import numpy_common  # noqa: F401  one BLAS thread: must precede the numpy import
import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from scipy.linalg import solve_triangular  # noqa: E402


def problem(n, seed=20260601):
    rng = np.random.default_rng(seed + n)
    lo = np.tril(rng.standard_normal((n, n)) / np.sqrt(n), -1)
    lo += np.diag(1 + np.abs(rng.standard_normal(n)))
    return np.ascontiguousarray(lo, dtype=np.float32), rng.uniform(-1, 1, n).astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="64,512,1024")
    ap.add_argument("--reps", type=int, default=31)
    ap.add_argument("--rep-ms", type=float, default=20)
    ap.add_argument("--json")
    a = ap.parse_args()
    out = {}
    for n in (int(s) for s in a.sizes.split(",")):
        L, b = problem(n)
        ops = {
            "lower": lambda s: (solve_triangular(L, b, lower=True, check_finite=False), None),
            "lowerTransposed": lambda s: (solve_triangular(L, b, lower=True, trans="T", check_finite=False), None),
        }
        # The residual says the call solved the right system, in float32.
        for name, t in (("lower", L), ("lowerTransposed", L.T)):
            x = ops[name](None)[0]
            assert x.dtype == np.float32, x.dtype
            res = np.abs(t.astype(np.float64) @ x - b).max()
            assert res < 1e-4, (name, n, res)
        for name, op in ops.items():
            t0 = time.perf_counter()
            number = 0
            while time.perf_counter() - t0 < a.rep_ms / 1e3:
                op(None)
                number += 1
            q = numpy_common.timed(lambda s: op(s), None, (), a.reps, max(1, number))
            gbs = 2.0 * n * n / (q["median"] * 1e-6) / 1e9
            out[f"{name} n={n}"] = {**q, "GB/s": gbs}
            print(f"{name:16s} n={n:5d}  median {q['median']:9.2f} us  "
                  f"[min {q['min']:.2f}, p25 {q['p25']:.2f}, p75 {q['p75']:.2f}, max {q['max']:.2f}]  {gbs:6.2f} GB/s")
    numpy_common.write_json(a.json, out)


if __name__ == "__main__":
    main()
