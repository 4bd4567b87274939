#!/usr/bin/env python3
"""The PDHG-TV primal and dual steps of eq. (14) [000] in NumPy, float32, one size x size image: the peer of
PdhgStepBench's fused steps (primalFusedSimd, dualFusedSimd), written as numpy_pdhg.py writes them.

    dual:   e = grad(2 x+ - x);  q = z + s e;  z+ = q / max(1, |q|)      (isotropic, pointwise l2 ball)
    primal: x+ = x - t (g - a div z)

The benchmark's fused kernels also return the squared norm of the change (z+ - z, x+ - x); NumPy does not
compute it here, which favours NumPy. Arrays are fresh per call, as NumPy expressions make them.

Usage: python3 jmh/numpy_pdhg_steps.py [--sizes 64,512,2048] [--repeats 7] [--json out.json]
"""
import argparse
import numpy_common  # one BLAS thread: must precede the numpy import
import numpy as np
from numpy_bench import cpu_model
from numpy_pdhg import div, grad


def dual(x_new, x, z1, z2, s):
    e1, e2 = grad(2 * x_new - x)
    q1 = z1 + s * e1
    q2 = z2 + s * e2
    nrm = np.maximum(1, np.sqrt(q1 * q1 + q2 * q2))
    return q1 / nrm, q2 / nrm


def primal(x, g, z1, z2, t, a):
    return x - t * (g - a * div(z1, z2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="64,512,2048")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--json")
    a = ap.parse_args()
    rng = np.random.default_rng(1)
    out = {"numpy": np.__version__, "cpu": cpu_model(), "threads": 1}
    for size in (int(v) for v in a.sizes.split(",")):
        x, x_new, g, z1, z2 = (rng.standard_normal((size, size)).astype(np.float32) for _ in range(5))
        s, t, alpha = np.float32(0.5), np.float32(0.01), np.float32(0.015)
        number = max(1, int(2e7 // (size * size)))  # about 0.1-0.5 s per repeat
        steps = {"dual": lambda: dual(x_new, x, z1, z2, s), "primal": lambda: primal(x, g, z1, z2, t, alpha)}
        for name, step in steps.items():
            q = numpy_common.timed(lambda state: (state, step()), None, (), a.repeats, number)
            out[f"{name}_{size}"] = q
            print(f"{name:6s} {size:5d}^2: median {q['median']:10.1f} us  [min {q['min']:.1f}, max {q['max']:.1f}]"
                  f"  over {a.repeats} x {number} calls")
    numpy_common.write_json(a.json, out)


if __name__ == "__main__":
    main()
