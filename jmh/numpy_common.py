"""What the NumPy peers of the JMH benchmarks share (numpy_bench.py, numpy_pdhg.py, numpy_pursuit.py).

Import it before numpy: it pins OpenBLAS (and OpenMP, MKL) to one thread, which only works before the
library loads, because OpenBLAS sizes its thread pool then. The JMH figures they are compared with are
single-threaded too.
"""
import json
import os
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"


def quantiles(times):
    """min, p25, median, p75, max of the per-step times: the nearest-rank order statistics of the sorted
    list (no interpolation), so that every figure is one measured repeat."""
    t = sorted(times)
    q = lambda f: t[min(len(t) - 1, int(f * (len(t) - 1) + 0.5))]  # noqa: E731
    return {"min": t[0], "p25": q(0.25), "median": q(0.5), "p75": q(0.75), "max": t[-1]}


def timed(step, state, args, reps, number):
    """Times `state, _ = step(state, *args)`: `number` warm-up calls, then `reps` repeats of `number` calls;
    returns quantiles() of the microseconds per call."""
    for _ in range(number):
        state, _ = step(state, *args)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(number):
            state, _ = step(state, *args)
        times.append((time.perf_counter() - t0) / number * 1e6)
    return quantiles(times)


def write_json(path, out):
    """Writes `out` to `path` (indented) when a path was given."""
    if path:
        with open(path, "w") as f:
            json.dump(out, f, indent=2)
