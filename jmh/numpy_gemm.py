"""NumPy/OpenBLAS peer of GemmBench: Y = X·Wᵀ + b, G = Dᵀ·X, Z = D·W in float32 on one thread (numpy_common
pins the BLAS threads), and the batched Bregman gradient R = tanh(X·Wᵀ + b) − T, G = R·W (two sgemms and the
elementwise steps, into preallocated arrays). Prints the median microseconds and GFLOP/s per product and shape.

    python3 jmh/numpy_gemm.py [--reps 15] [--cpu]

--cpu times the thread's CPU time (time.thread_time) instead of wall time, and prints the best repeat too: the
peer of GemmCpuTime, for a machine shared with other jobs.
"""
import argparse

import numpy_common  # noqa: F401  (pins one BLAS thread before numpy loads)
from numpy_common import timed
import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("--reps", type=int, default=15)
ap.add_argument("--cpu", action="store_true")
args = ap.parse_args()
if args.cpu:
    import time
    time.perf_counter = time.thread_time  # the clock numpy_common.timed() reads, for this process only
rng = np.random.default_rng(1)
for rows, n, m in [(64, 784, 100), (512, 512, 512), (64, 4096, 512), (8, 4096, 512)]:
    x = rng.uniform(-1, 1, (rows, n)).astype(np.float32)
    w = rng.uniform(-1, 1, (m, n)).astype(np.float32)
    d = rng.uniform(-1, 1, (rows, m)).astype(np.float32)
    b = rng.uniform(-0.5, 0.5, m).astype(np.float32)
    t = (rng.uniform(0, 1, (rows, m)) - 0.5).astype(np.float32)
    r = np.empty((rows, m), np.float32)
    gx = np.empty((rows, n), np.float32)
    y = np.empty((rows, m), np.float32)
    g = np.empty((m, n), np.float32)
    z = np.empty((rows, n), np.float32)
    flops = 2.0 * rows * n * m
    number = max(1, int(2e8 / flops))
    steps = {
        "nt": lambda s: (np.add(np.matmul(x, w.T, out=y), b, out=y), None),
        "tn": lambda s: (np.matmul(d.T, x, out=g), None),
        "nn": lambda s: (np.matmul(d, w, out=z), None),
        "bregmanBatch": lambda s: (np.matmul(np.subtract(np.tanh(np.add(np.matmul(x, w.T, out=r), b, out=r), out=r),
                                                         t, out=r), w, out=gx), None),
    }
    for name, step in steps.items():
        f = 2 * flops if name == "bregmanBatch" else flops
        q = timed(lambda s: step(s), None, (), args.reps, number)
        print(f"{rows}x{n}x{m} {name}: median {q['median']:.2f} us  best {q['min']:.2f} us  "
              f"{f / q['median'] / 1e3:.1f} GFLOP/s")
