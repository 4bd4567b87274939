"""NumPy/OpenBLAS peer of ConvBench: conv forward (im2col + sgemm) and adjoint (sgemm + col2im) in float32 on one
thread (numpy_common pins the BLAS threads), at [000] sec. 5.2's and LeNet's layers, batch 1 and 64. Prints the
median microseconds and GFLOP/s (2·B·C_out·H_out·W_out·C_in·k² flops per call).

im2col is the Caffe layout ConvBench's im2col path uses: patches (C_in·k²) × (H_out·W_out) per image, built with
one strided view of the zero-padded image; for a batch the patches of all images go through one sgemm
(C_out × C_in·k² times C_in·k² × B·H_out·W_out), which favours NumPy over the per-image GEMMs of ConvBench.
The adjoint is Kᵀ·Y with one sgemm, then col2im as k² strided slice additions.

    python3 jmh/numpy_conv.py [--reps 15]
"""
import argparse

import numpy_common  # noqa: F401  (pins one BLAS thread before numpy loads)
from numpy_common import timed
import numpy as np
from numpy.lib.stride_tricks import as_strided

ap = argparse.ArgumentParser()
ap.add_argument("--reps", type=int, default=15)
args = ap.parse_args()
rng = np.random.default_rng(1)

LAYERS = [  # C_in, H, W, C_out, k, s, p
    ("1x28x28-8k4s2p1", 1, 28, 28, 8, 4, 2, 1),
    ("8x14x14-16k4s2p1", 8, 14, 14, 16, 4, 2, 1),
    ("3x32x32-6k5s1p0", 3, 32, 32, 6, 5, 1, 0),
    ("6x14x14-16k5s1p0", 6, 14, 14, 16, 5, 1, 0),
]

for name, ci, h, w, co, k, s, p in LAYERS:
    ho, wo = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    for batch in (1, 64):
        x = rng.uniform(-1, 1, (batch, ci, h, w)).astype(np.float32)
        y = rng.uniform(-1, 1, (batch, co, ho, wo)).astype(np.float32)
        wt = rng.uniform(-1, 1, (co, ci * k * k)).astype(np.float32)
        b = rng.uniform(-1, 1, (co, 1)).astype(np.float32)
        xp = np.zeros((batch, ci, h + 2 * p, w + 2 * p), np.float32)
        xb = np.zeros((batch, ci, h + 2 * p, w + 2 * p), np.float32)
        col = np.empty((ci, k, k, batch, ho, wo), np.float32)

        def forward(state):
            xp[:, :, p:p + h, p:p + w] = x
            bs, cs, hs, ws = xp.strides
            view = as_strided(xp, (ci, k, k, batch, ho, wo), (cs, hs, ws, bs, hs * s, ws * s))
            np.copyto(col, view)
            out = wt @ col.reshape(ci * k * k, batch * ho * wo) + b  # C_out × B·P
            return out.reshape(co, batch, ho, wo).transpose(1, 0, 2, 3), None

        def adjoint(state):
            g = wt.T @ y.transpose(1, 0, 2, 3).reshape(co, batch * ho * wo)  # C_in·k² × B·P
            g = g.reshape(ci, k, k, batch, ho, wo)
            xb.fill(0)
            for ki in range(k):
                for kj in range(k):
                    xb[:, :, ki:ki + s * ho:s, kj:kj + s * wo:s] += g[:, ki, kj].transpose(1, 0, 2, 3)
            return xb[:, :, p:p + h, p:p + w], None

        flops = 2.0 * batch * co * ho * wo * ci * k * k
        number = max(1, int(2e7 / flops))
        for what, step in (("forward", forward), ("adjoint", adjoint)):
            q = timed(lambda st: step(st), None, (), args.reps, number)
            print(f"{name} batch {batch} {what}: median {q['median']:.2f} us  "
                  f"{flops / q['median'] / 1e3:.2f} GFLOP/s  (p25 {q['p25']:.2f}, p75 {q['p75']:.2f})")
