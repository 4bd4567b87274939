#!/usr/bin/env python3
"""The NumPy peer of PursuitIterationBench: one FISTA step of Alg. 3 [002] on the last layer of the sec. 6.1
generator (W2: 625 x n1, tanh, n1 = 300) and one linearized-ADMM step of eq. (18) on the first layer
(W1 partitioned: n1 x 100, |S| = n1/2), written the way a NumPy user would, in float64 (the issue's
baseline) and in float32. Single-threaded OpenBLAS.

Usage: python3 jmh/numpy_pursuit.py [--n1 300] [--reps 15] [--json out.json]
"""
import argparse

import numpy_common  # one BLAS thread: must precede the numpy import
import numpy as np


def fista_step(state, W2, y, mu, lam):
    """x: extrapolated point; u: previous iterate. Gradient of 1/2||tanh(W2 x) - y||^2, prox (non-negative l1)."""
    x, u_prev, t = state
    s = np.tanh(W2 @ x)
    g = W2.T @ ((s - y) * (1 - s * s))
    u = np.maximum(x - mu * g - mu * lam, 0)
    change = float(np.dot(u - u_prev, u - u_prev))
    t_next = 0.5 * (1 + np.sqrt(1 + 4 * t * t))
    x_next = u + ((t - 1) / t_next) * (u - u_prev)
    return (x_next, u, t_next), change


def admm_step(state, P, s, target, rho, eta):
    """Linearized ADMM on [W_S; W_Sc] z = [t; a], a <= 0: v = Pz, split/multiplier updates, g = P^T r."""
    z, a, u = state
    v = P @ z
    r = np.empty_like(v)
    r[:s] = v[:s] - target
    vc = v[s:]
    a = -np.maximum(u - vc, 0)
    u = u + a - vc
    r[s:] = rho * (vc - a - u)
    g = P.T @ r
    z = z - eta * g
    return (z, a, u), float(np.dot(a - vc, a - vc))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n1", type=int, default=300)
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--number", type=int, default=400)
    ap.add_argument("--json")
    a = ap.parse_args()
    rng = np.random.default_rng(7)
    n0, n1, n = 100, a.n1, 625
    out = {"n0": n0, "n1": n1, "n": n, "numpy": np.__version__}
    for dtype in (np.float64, np.float32):
        W2 = (rng.standard_normal((n, n1)) / np.sqrt(n1)).astype(dtype)
        y = np.tanh(W2 @ np.maximum(rng.standard_normal(n1), 0)).astype(dtype)
        x0 = np.zeros(n1, dtype)
        mu = dtype(1.0 / np.linalg.norm(W2, 2) ** 2)
        f = numpy_common.timed(fista_step, (x0, x0.copy(), 1.0), (W2, y, mu, dtype(0)), a.reps, a.number)
        P = (rng.standard_normal((n1, n0)) / np.sqrt(n0)).astype(dtype)
        s = n1 // 2
        target = (0.1 * (np.arange(s) % 7)).astype(dtype)
        eta = dtype(1.0 / (1.02 * np.linalg.norm(P, 2) ** 2))
        st = (np.zeros(n0, dtype), np.zeros(n1 - s, dtype), np.zeros(n1 - s, dtype))
        m = numpy_common.timed(admm_step, st, (P, s, target, dtype(1e-2), eta), a.reps, a.number)
        name = np.dtype(dtype).name
        out[name] = {"fista_us": f, "admm_us": m}
        print(f"{name}: FISTA step median {f['median']:.1f} us [min {f['min']:.1f}, max {f['max']:.1f}];"
              f" linearized-ADMM step median {m['median']:.1f} us [min {m['min']:.1f}, max {m['max']:.1f}]")
    numpy_common.write_json(a.json, out)


if __name__ == "__main__":
    main()
