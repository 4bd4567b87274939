#!/usr/bin/env python3
"""The peer measurement for jmh/RESULTS.md: the GEMV shapes of GemvBench/FusedGradientBench timed in
NumPy on single-threaded OpenBLAS, in the same session as the JMH runs.

Ops per shape (W is rows x cols, float32, C order; the same names as the JMH methods):
  gemv   y = W @ x                        np.matmul(W, x, out=y)      (OpenBLAS sgemv 'T' on C order)
  gemvT  y = W.T @ r                      np.matmul(W.T, r, out=yt)   (OpenBLAS sgemv 'N')
  fused  g = W.T @ (relu(W @ x + b) - t)  written plainly, temporaries included: two passes over W
plus, for the Level1Bench sizes, dot (np.dot), sumOfSquares (np.dot(x, x)) and
maxAbs (np.abs into a buffer, then max: two passes).

Each op is warmed up, then timed in `--reps` repetitions of `number` back-to-back calls, `number`
chosen so that one repetition lasts about `--rep-ms`; the per-call times of the repetitions give
min / p25 / median / p75 / max in microseconds. GB/s is bytes of W (4 * rows * cols) per call at the
median; the fused equivalent is also quoted per byte of W read once, like the Java fused kernel.

Usage:  python3 jmh/numpy_bench.py [--shapes 512x4096,100x784] [--sizes 17,4096]
                                   [--reps 31] [--rep-ms 20] [--json jmh/target/numpy-result.json]
"""
import os

import numpy_common  # noqa: F401  one BLAS thread: must precede the numpy import
import argparse  # noqa: E402
import ctypes  # noqa: E402
import glob  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

SHAPES = ["512x4096", "100x784", "784x100", "128x392", "625x1000", "4096x4096", "1023x517"]
SIZES = [17, 4096, 4097, 1_000_003]


def openblas_info():
    """OpenBLAS version string and the kernel family it picked at run time (best effort)."""
    info = {}
    try:
        cfg = np.show_config(mode="dicts")
        info["config"] = cfg["Build Dependencies"]["blas"].get("openblas configuration", "")
    except Exception as e:  # older numpy: no dict mode
        info["config"] = "unknown (%s)" % e
    libdir = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in glob.glob(os.path.join(libdir, "*openblas*")):
        lib = ctypes.CDLL(path)
        for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename"):
            fn = getattr(lib, name, None)
            if fn is not None:
                fn.restype = ctypes.c_char_p
                info["corename"] = fn().decode()
                return info
    return info


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def measure(fn, reps, rep_ms):
    """Per-call times in microseconds, one per repetition."""
    # Warm-up: page in the operands, let OpenBLAS settle, and estimate one call.
    t0 = time.perf_counter_ns()
    calls = 0
    while time.perf_counter_ns() - t0 < 200e6 or calls < 3:
        fn()
        calls += 1
    per_call_ns = (time.perf_counter_ns() - t0) / calls
    number = max(1, int(rep_ms * 1e6 / per_call_ns))
    times = []
    for _ in range(reps):
        s = time.perf_counter_ns()
        for _ in range(number):
            fn()
        times.append((time.perf_counter_ns() - s) / number / 1e3)
    return times, number


def summary(times):
    q = np.percentile(np.asarray(times), [0, 25, 50, 75, 100])
    return {"min": q[0], "p25": q[1], "median": q[2], "p75": q[3], "max": q[4]}


def matrix_ops(shape, rng):
    m, n = (int(v) for v in shape.split("x"))
    W = rng.uniform(-1, 1, (m, n)).astype(np.float32)
    x = rng.uniform(-1, 1, n).astype(np.float32)
    r = rng.uniform(-1, 1, m).astype(np.float32)
    b = rng.uniform(-1, 1, m).astype(np.float32)
    t = rng.uniform(0, 1, m).astype(np.float32)
    y = np.empty(m, np.float32)
    yt = np.empty(n, np.float32)
    wt = W.T

    def fused():
        return wt @ (np.maximum(W @ x + b, 0) - t)

    w_bytes = 4 * m * n
    return [
        ("gemv", "W@x", lambda: np.matmul(W, x, out=y), w_bytes),
        ("gemvT", "W.T@r", lambda: np.matmul(wt, r, out=yt), w_bytes),
        ("fused", "W.T@(relu(W@x+b)-t)", fused, w_bytes),
    ]


def level1_ops(size, rng):
    x = rng.uniform(-1, 1, size).astype(np.float32)
    y = rng.uniform(-1, 1, size).astype(np.float32)
    buf = np.empty(size, np.float32)
    return [
        ("dot", "np.dot(x,y)", lambda: np.dot(x, y), 8 * size),
        ("sumOfSquares", "np.dot(x,x)", lambda: np.dot(x, x), 4 * size),
        ("maxAbs", "np.abs(x,out=buf).max()", lambda: np.abs(x, out=buf).max(), 4 * size),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated ROWSxCOLS ('' for none)")
    ap.add_argument("--sizes", default=",".join(str(s) for s in SIZES), help="Level-1 sizes ('' for none)")
    ap.add_argument("--reps", type=int, default=31, help="timed repetitions per op")
    ap.add_argument("--rep-ms", type=float, default=20.0, help="target length of one repetition, ms")
    ap.add_argument("--json", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "target", "numpy-result.json"))
    args = ap.parse_args()

    rng = np.random.default_rng(20260417)
    meta = {
        "numpy": np.__version__,
        "openblas": openblas_info(),
        "python": platform.python_version(),
        "cpu": cpu_model(),
        "threads": os.environ["OPENBLAS_NUM_THREADS"],
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "loadavg_start": os.getloadavg(),
        "reps": args.reps,
        "rep_ms": args.rep_ms,
    }
    print("numpy %s, %s, corename %s, OPENBLAS_NUM_THREADS=%s" % (
        meta["numpy"], meta["openblas"].get("config", "?"), meta["openblas"].get("corename", "?"), meta["threads"]))
    print("load average at start: %.2f %.2f %.2f" % meta["loadavg_start"])
    header = "%-14s %-10s %-24s %9s %9s %9s %9s %9s %8s %7s" % (
        "op", "size", "numpy", "min", "p25", "median", "p75", "max", "GB/s", "calls")
    results = []

    def run(op, size, expr, fn, nbytes):
        times, number = measure(fn, args.reps, args.rep_ms)
        s = summary(times)
        gbs = nbytes / (s["median"] * 1e-6) / 1e9
        results.append({"op": op, "size": size, "expr": expr, "unit": "us/call", **s,
                        "bytes": nbytes, "gb_per_s_median": gbs, "calls_per_rep": number, "reps": args.reps})
        print("%-14s %-10s %-24s %9.3f %9.3f %9.3f %9.3f %9.3f %8.1f %7d" % (
            op, size, expr, s["min"], s["p25"], s["median"], s["p75"], s["max"], gbs, number), flush=True)

    shapes = [s for s in args.shapes.split(",") if s]
    if shapes:
        print("\nmicroseconds per call (GB/s = bytes of W per call / median)")
        print(header)
        for shape in shapes:
            for op, expr, fn, nbytes in matrix_ops(shape, rng):
                run(op, shape, expr, fn, nbytes)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if sizes:
        print("\nmicroseconds per call (GB/s = bytes of the operands read / median)")
        print(header)
        for size in sizes:
            for op, expr, fn, nbytes in level1_ops(size, rng):
                run(op, str(size), expr, fn, nbytes)

    meta["loadavg_end"] = os.getloadavg()
    meta["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    print("\nload average at end: %.2f %.2f %.2f" % meta["loadavg_end"])
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump({"meta": meta, "results": results}, f, indent=1)
    print("JSON written to %s" % args.json)


if __name__ == "__main__":
    main()
