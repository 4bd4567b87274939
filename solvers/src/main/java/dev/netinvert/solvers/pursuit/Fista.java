package dev.netinvert.solvers.pursuit;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.StopReason;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * FISTA [Beck–Teboulle 2009] for
 * <pre>
 *   min_x  ½‖M(y − φ(A x + b))‖² + λ‖x‖₁            (optionally s.t. x ≥ 0, where λ‖x‖₁ = λ1ᵀx)
 * </pre>
 * — Alg. 3 [002] (the last layer of Latent-Pursuit: φ the output activation, x ≥ 0) and the per-layer
 * LASSO of Alg. 2 [002] (φ = identity). M is a 0/1 diagonal mask (partial observations). One iteration,
 * line for line against Alg. 3:
 * <pre>
 *   1. g ← Aᵀ [M φ′(A x + b) ⊙ (φ(A x + b) − y)]             (one GEMV, one GEMVᵀ)
 *   2. u⁺ ← prox_{μλ‖·‖₁ (+ ι_{≥0})}(x − μ g)                 (ReLU(x − μ(g + λ)) with x ≥ 0, soft-threshold without)
 *   3. t⁺ ← (1 + √(1 + 4t²))/2
 *   4. x ← u⁺ + ((t − 1)/t⁺)(u⁺ − u)
 * </pre>
 * Step μ = 1/(c_φ·‖A‖²·1.02) with c_φ the curvature bound of {@link OutputActivation} (identity: 1): the
 * gradient of the smooth part is (c_φ‖A‖²)-Lipschitz, and 1.02 covers the power iteration approaching
 * ‖A‖ from below. Adaptive restart (O'Donoghue–Candès 2015, gradient scheme: reset t when
 * ⟨x − u⁺, u⁺ − u⟩ &gt; 0) is added: it keeps the method's O(1/k²) guarantee and restores linear
 * convergence on the strongly convex problems of full-column-rank layers, which is what lets float32
 * iterates reach ~1e-7 relative accuracy in hundreds rather than tens of thousands of iterations.
 *
 * <p>Stops when ‖u⁺ − u‖₂ ≤ tol·‖u⁺‖₂ (TOLERANCE), after maxIterations (MAX_ITERATIONS), or when an
 * iterate is not finite (DIVERGED). Nothing is allocated inside the loop.
 */
final class Fista {
    private Fista() {}

    /** Workspace vectors of one solve: n-element x, u, uPrev, g and m-element pre and r. */
    private record Work(FloatVec x, FloatVec u, FloatVec g, FloatVec pre, FloatVec r) {}

    /**
     * Runs FISTA from {@code xInOut} (n elements, overwritten by the result).
     *
     * @param a       A, m × n
     * @param b       b (m elements) or null
     * @param y       the target (m)
     * @param mask    null or m entries of 0/1
     * @param phi     φ
     * @param lambda  λ ≥ 0
     * @param nonNeg  whether to constrain x ≥ 0
     * @param normA   ‖A‖₂ (an estimate from power iteration)
     * @param tol     relative change tolerance
     * @param maxIter iteration budget
     */
    static Stage solve(String name, int layer, FloatMatrix a, FloatVec b, FloatVec y, FloatVec mask, OutputActivation phi,
                       double lambda, boolean nonNeg, double normA, double tol, int maxIter, FloatVec xInOut) {
        long t0 = System.nanoTime();
        int m = a.rows(), n = a.cols();
        try (Arena arena = Arena.ofConfined()) {
            Work w = new Work(FloatVec.allocate(arena, n), FloatVec.allocate(arena, n), FloatVec.allocate(arena, n),
                    FloatVec.allocate(arena, m), FloatVec.allocate(arena, m));
            FloatVec uPrev = xInOut;
            Blas.copy(uPrev, w.x);
            float mu = (float) (1.0 / (phi.curvature() * normA * normA * 1.02));
            float muLambda = (float) (mu * lambda);
            double t = 1;
            double[] acc = new double[3];
            StopReason reason = StopReason.MAX_ITERATIONS;
            int k = 0;
            while (k < maxIter) {
                k++;
                Blas.gemv(1f, a, w.x, 0f, w.pre, b);
                smoothResidual(phi, w.pre, y, mask, w.r);
                Blas.gemvT(1f, a, w.r, 0f, w.g);
                double tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
                // Steps 2 and 4 and the restart test in one pass over x, u, uPrev, g.
                proxStep(w.x, w.g, mu, muLambda, nonNeg, uPrev, w.u, acc);
                double change = acc[0], norm = acc[1], restart = acc[2];
                if (!Double.isFinite(change) || !Double.isFinite(norm)) {
                    reason = StopReason.DIVERGED;
                    break;
                }
                float beta;
                if (restart > 0) {
                    t = 1;
                    beta = 0f;
                } else {
                    beta = (float) ((t - 1) / tNext);
                    t = tNext;
                }
                extrapolate(w.u, uPrev, beta, w.x);
                Blas.copy(w.u, uPrev);
                if (Math.sqrt(change) <= tol * Math.sqrt(norm)) {
                    reason = StopReason.TOLERANCE;
                    break;
                }
            }
            Blas.gemv(1f, a, uPrev, 0f, w.pre, b);
            double res = dataResidual(phi, w.pre, y, mask);
            return new Stage(name, layer, k, reason, res, (System.nanoTime() - t0) * 1e-9);
        }
    }

    /** r ← M φ′(p) ⊙ (φ(p) − y). */
    private static void smoothResidual(OutputActivation phi, FloatVec pre, FloatVec y, FloatVec mask, FloatVec r) {
        MemorySegment ps = pre.segment(), ys = y.segment(), rs = r.segment();
        long po = pre.byteOffset(), yo = y.byteOffset(), ro = r.byteOffset();
        MemorySegment ms = mask == null ? null : mask.segment();
        long mo = mask == null ? 0 : mask.byteOffset();
        for (int i = 0; i < pre.length(); i++) {
            long o = 4L * i;
            float p = ps.get(FloatVec.LAYOUT, po + o);
            float v = phi.derivative(p) * (phi.apply(p) - ys.get(FloatVec.LAYOUT, yo + o));
            if (ms != null) {
                v *= ms.get(FloatVec.LAYOUT, mo + o);
            }
            rs.set(FloatVec.LAYOUT, ro + o, v);
        }
    }

    /** ‖M(φ(p) − y)‖₂. */
    static double dataResidual(OutputActivation phi, FloatVec pre, FloatVec y, FloatVec mask) {
        double s = 0;
        for (int i = 0; i < pre.length(); i++) {
            if (mask == null || mask.get(i) == 1f) {
                double d = phi.apply(pre.get(i)) - y.get(i);
                s += d * d;
            }
        }
        return Math.sqrt(s);
    }

    /**
     * u ← prox(x − μg); acc ← {‖u − uPrev‖², ‖u‖², ⟨x − u, u − uPrev⟩} summed in double.
     */
    private static void proxStep(FloatVec x, FloatVec g, float mu, float muLambda, boolean nonNeg, FloatVec uPrev,
                                 FloatVec u, double[] acc) {
        MemorySegment xs = x.segment(), gs = g.segment(), ps = uPrev.segment(), us = u.segment();
        long xo = x.byteOffset(), go = g.byteOffset(), po = uPrev.byteOffset(), uo = u.byteOffset();
        double change = 0, norm = 0, dir = 0;
        for (int i = 0; i < x.length(); i++) {
            long o = 4L * i;
            float xi = xs.get(FloatVec.LAYOUT, xo + o);
            float v = xi - mu * gs.get(FloatVec.LAYOUT, go + o);
            float ui;
            if (nonNeg) {
                ui = Math.max(v - muLambda, 0f);
            } else {
                ui = v > muLambda ? v - muLambda : (v < -muLambda ? v + muLambda : 0f);
            }
            us.set(FloatVec.LAYOUT, uo + o, ui);
            float d = ui - ps.get(FloatVec.LAYOUT, po + o);
            change += (double) d * d;
            norm += (double) ui * ui;
            dir += (double) (xi - ui) * d;
        }
        acc[0] = change;
        acc[1] = norm;
        acc[2] = dir;
    }

    /** x ← u + β(u − uPrev). */
    private static void extrapolate(FloatVec u, FloatVec uPrev, float beta, FloatVec x) {
        MemorySegment us = u.segment(), ps = uPrev.segment(), xs = x.segment();
        long uo = u.byteOffset(), po = uPrev.byteOffset(), xo = x.byteOffset();
        for (int i = 0; i < u.length(); i++) {
            long o = 4L * i;
            float ui = us.get(FloatVec.LAYOUT, uo + o);
            xs.set(FloatVec.LAYOUT, xo + o, ui + beta * (ui - ps.get(FloatVec.LAYOUT, po + o)));
        }
    }
}
