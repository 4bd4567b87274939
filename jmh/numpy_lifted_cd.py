#!/usr/bin/env python3
"""The lifted coordinate descent of sec. 4.2 [000] in plain NumPy float64: the peer of
`netinvert invert --method lifted-cd` for issue 10's small-problem comparison.

Same loop as dev.netinvert.solvers.lifted.LiftedCoordinateDescent for ReLU layers: per outer iteration,
`--inner` PDHG iterations on x0 (eq. (16) [000]: x+ = x - tx*(W1^T(relu(W1 x + b1) - x1) - a*div z),
z+ = proj_{|.|<=1}(z + tz*a*grad(2x+ - x)), isotropic TV), then one proximal-gradient step per hidden layer
(eq. (17) [000]: x_l <- max(0, (x_l - t*(W_{l+1}^T(relu(W_{l+1}x_l + b_{l+1}) - x_{l+1}) - (W_l x_{l-1} + b_l)))/(1 + t))).
tx = 1.99/||W1||^2, tz = 1/(8a), t_l = 1.99/||W_{l+1}||^2. No stopping test: exactly --outer iterations, as
the Java run does with --tol 1e-30.

    python3 jmh/numpy_lifted_cd.py model.json y.npy 16 16 [--outer 2000] [--inner 10] [--alpha 0.015]
"""
import argparse
import json
import os
import struct
import time

import numpy_common  # one BLAS thread: must precede the numpy import
import numpy as np
from numpy_pdhg import div, grad


def safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        a, b = meta["data_offsets"]
        dt = {"F32": np.float32, "F64": np.float64}[meta["dtype"]]
        out[name] = np.frombuffer(data[a:b], dtype=dt).reshape(meta["shape"]).astype(np.float64)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("observed")
    ap.add_argument("height", type=int)
    ap.add_argument("width", type=int)
    ap.add_argument("--outer", type=int, default=2000)
    ap.add_argument("--inner", type=int, default=10)
    ap.add_argument("--alpha", type=float, default=1.5e-2)
    ap.add_argument("--save", help="write x0 to this .npy (to compare with netinvert's solution.npy)")
    a = ap.parse_args()
    desc = json.load(open(a.model))
    t = safetensors(os.path.join(os.path.dirname(a.model), desc["tensors"]))
    Ws = [t[l["weight"]] for l in desc["layers"]]
    bs = [t[l["bias"]] for l in desc["layers"]]
    y = np.load(a.observed).astype(np.float64)
    L = len(Ws)
    h, w = a.height, a.width
    tx = 1.99 / np.linalg.norm(Ws[0], 2) ** 2
    tz = 1.0 / (8 * a.alpha)
    tl = [None] + [1.99 / np.linalg.norm(Ws[l], 2) ** 2 for l in range(1, L)]
    t0 = time.perf_counter()
    x0 = np.zeros(Ws[0].shape[1])
    z1 = np.zeros((h, w))
    z2 = np.zeros((h, w))
    xs = [x0]
    for l in range(1, L):
        xs.append(np.maximum(0, Ws[l - 1] @ xs[l - 1] + bs[l - 1]))
    xs.append(y)
    for _ in range(a.outer):
        for _ in range(a.inner):
            g = Ws[0].T @ (np.maximum(0, Ws[0] @ xs[0] + bs[0]) - xs[1])
            xn = xs[0] - tx * (g - a.alpha * div(z1, z2).ravel())
            d1, d2 = grad((2 * xn - xs[0]).reshape(h, w))
            z1 = z1 + tz * a.alpha * d1
            z2 = z2 + tz * a.alpha * d2
            nrm = np.maximum(1.0, np.sqrt(z1 * z1 + z2 * z2))
            z1 /= nrm
            z2 /= nrm
            xs[0] = xn
        for l in range(1, L):
            gl = Ws[l].T @ (np.maximum(0, Ws[l] @ xs[l] + bs[l]) - xs[l + 1])
            pre = Ws[l - 1] @ xs[l - 1] + bs[l - 1]
            xs[l] = np.maximum(0, (xs[l] - tl[l] * (gl - pre)) / (1 + tl[l]))
    secs = time.perf_counter() - t0
    r = np.linalg.norm(np.maximum(0, Ws[-1] @ xs[-2] + bs[-1]) - y)
    print(f"numpy {np.__version__}: {a.outer} outer x {a.inner} inner iterations in {secs:.3f} s "
          f"({1e6 * secs / a.outer:.1f} us per outer iteration); ||x0|| = {np.linalg.norm(xs[0]):.4f}, "
          f"discrepancy {r:.4g}")
    if a.save:
        np.save(a.save, xs[0])


if __name__ == "__main__":
    main()
