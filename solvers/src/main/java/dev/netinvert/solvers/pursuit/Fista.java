package dev.netinvert.solvers.pursuit;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Fused;
import dev.netinvert.kernels.PackedMatrix;
import dev.netinvert.kernels.Prox;
import dev.netinvert.solvers.StopReason;
import java.lang.foreign.Arena;
import java.util.Objects;

/**
 * FISTA [Beck–Teboulle 2009] for
 * <pre>
 *   min_x  ½‖M(y − φ(A x + b))‖² + λ‖x‖₁            (optionally s.t. x ≥ 0, where λ‖x‖₁ = λ1ᵀx)
 * </pre>
 * — Alg. 3 [002] (the last layer of Latent-Pursuit: φ the output activation, x ≥ 0) and the per-layer
 * LASSO of Alg. 2 [002] (φ = identity). M is a 0/1 diagonal mask (partial observations). One iteration,
 * line for line against Alg. 3:
 * <pre>
 *   1. g ← Aᵀ [M φ′(A x + b) ⊙ (φ(A x + b) − y)]             (GEMV, {@link Prox#leastSquaresGradient}, GEMVᵀ)
 *   2. u⁺ ← prox_{μλ‖·‖₁ (+ ι_{≥0})}(x − μ g)                 (ReLU(x − μ(g + λ)) with x ≥ 0, soft-threshold without)
 *   3. t⁺ ← (1 + √(1 + 4t²))/2
 *   4. x ← u⁺ + ((t − 1)/t⁺)(u⁺ − u)
 * </pre>
 * Step μ = 1/(c_φ·‖A‖²·1.02) with c_φ the curvature bound of {@link OutputActivation} (identity: 1): the
 * gradient of the smooth part is (c_φ‖A‖²)-Lipschitz, and 1.02 covers the Lanczos estimate approaching
 * ‖A‖ from below. Adaptive restart (O'Donoghue–Candès 2015, gradient scheme: reset t when
 * ⟨x − u⁺, u⁺ − u⟩ &gt; 0) is added: it keeps the method's O(1/k²) guarantee and restores linear
 * convergence on the strongly convex problems of full-column-rank layers, which is what lets float32
 * iterates reach ~1e-7 relative accuracy in hundreds rather than tens of thousands of iterations.
 *
 * <p>Stops when ‖u⁺ − u‖₂ ≤ tol·‖u⁺‖₂ (TOLERANCE), after maxIterations (MAX_ITERATIONS), or when an
 * iterate is not finite (DIVERGED). Nothing is allocated inside the loop.
 *
 * <p>An instance is one solve's workspace (allocated in the caller's arena, with A's packed copy for the GEMV,
 * {@link Blas#packForGemv}: A must not change while it lives) and steps one iteration at a time — the unit
 * the benchmark measures; {@link ReferenceFista} is its plain-array twin.
 */
public final class Fista {
    /** A, with the GEMV's packed copy (the same bits, read faster at short rows) made once per solve. */
    private final PackedMatrix a;
    private final FloatVec b, y, mask;
    private final OutputActivation phi;
    private final boolean nonNeg;
    private final float mu, muLambda;
    private final FloatVec x, u, uPrev, g, pre, r;
    private final double[] acc = new double[3];
    private double t = 1;
    private double change, norm;

    /**
     * A workspace for FISTA on one problem.
     *
     * @param a      A, m × n
     * @param b      b (m elements) or null
     * @param y      the target (m)
     * @param mask   null or m entries of 0/1
     * @param phi    φ: identity, tanh, sigmoid or leaky ReLU
     * @param lambda λ ≥ 0
     * @param nonNeg whether to constrain x ≥ 0
     * @param normA  ‖A‖₂ (e.g. from {@code Lanczos}), &gt; 0
     */
    public Fista(Arena arena, FloatMatrix a, FloatVec b, FloatVec y, FloatVec mask, Activation phi, double lambda,
                 boolean nonNeg, double normA) {
        Objects.requireNonNull(arena, "arena");
        Objects.requireNonNull(a, "a");
        int m = a.rows(), n = a.cols();
        this.a = Blas.packForGemv(arena, a);
        checkLength("b", b, m, true);
        checkLength("y", y, m, false);
        checkLength("mask", mask, m, true);
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("lambda must be finite and >= 0, got " + lambda);
        }
        if (!(normA > 0) || Double.isInfinite(normA)) {
            throw new IllegalArgumentException("normA must be finite and > 0, got " + normA);
        }
        this.b = b;
        this.y = y;
        this.mask = mask;
        this.phi = OutputActivation.of(Objects.requireNonNull(phi, "phi"));
        this.nonNeg = nonNeg;
        mu = (float) (1.0 / (this.phi.curvature() * normA * normA * 1.02));
        muLambda = (float) (mu * lambda);
        x = FloatVec.allocate(arena, n);
        u = FloatVec.allocate(arena, n);
        uPrev = FloatVec.allocate(arena, n);
        g = FloatVec.allocate(arena, n);
        pre = FloatVec.allocate(arena, m);
        r = FloatVec.allocate(arena, m);
    }

    private static void checkLength(String name, FloatVec v, int expected, boolean nullable) {
        if (v == null && nullable) {
            return;
        }
        Objects.requireNonNull(v, name);
        if (v.length() != expected) {
            throw new IllegalArgumentException(name + ": expected length " + expected + " (A's rows), got " + v.length());
        }
    }

    /** Restarts from x⁰ (n elements; t = 1). */
    public void reset(FloatVec x0) {
        Blas.copy(x0, uPrev);
        Blas.copy(x0, x);
        t = 1;
    }

    /** One iteration (steps 1–4 of Alg. 3); returns false if the iterate became non-finite. */
    public boolean step() {
        Blas.gemv(1f, a, x, 0f, pre, b);
        Prox.leastSquaresGradient(phi.sigma(), y, pre, mask, r);
        Blas.gemvT(1f, a.matrix(), r, 0f, g);
        double tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
        Prox.l1ProxStep(mu, muLambda, nonNeg, x, g, uPrev, u, acc);
        change = acc[0];
        norm = acc[1];
        if (!Double.isFinite(change) || !Double.isFinite(norm)) {
            return false;
        }
        float beta;
        if (acc[2] > 0) {
            t = 1;
            beta = 0f;
        } else {
            beta = (float) ((t - 1) / tNext);
            t = tNext;
        }
        // Step 4: x ← u⁺ + β(u⁺ − u), β = (t − 1)/t⁺, and u⁺ becomes the previous iterate.
        Fused.extrapolate(beta, u, uPrev, x);
        return true;
    }

    /** ‖u⁺ − u‖₂ of the last step. */
    public double lastChange() {
        return Math.sqrt(change);
    }

    /** ‖u⁺‖₂ of the last step. */
    public double lastNorm() {
        return Math.sqrt(norm);
    }

    /** The current iterate u (n elements), a view into the workspace. */
    public FloatVec solution() {
        return uPrev;
    }

    /**
     * Runs FISTA from {@code xInOut} (n elements, overwritten by the result) until the tolerance, the budget
     * or divergence.
     */
    static Stage solve(String name, int layer, FloatMatrix a, FloatVec b, FloatVec y, FloatVec mask, OutputActivation phi,
                       double lambda, boolean nonNeg, double normA, double tol, int maxIter, FloatVec xInOut) {
        long t0 = System.nanoTime();
        try (Arena arena = Arena.ofShared()) {
            Fista f = new Fista(arena, a, b, y, mask, phi.sigma(), lambda, nonNeg, normA);
            f.reset(xInOut);
            StopReason reason = StopReason.MAX_ITERATIONS;
            int k = 0;
            while (k < maxIter) {
                k++;
                if (!f.step()) {
                    reason = StopReason.DIVERGED;
                    break;
                }
                if (f.lastChange() <= tol * f.lastNorm()) {
                    reason = StopReason.TOLERANCE;
                    break;
                }
            }
            Blas.copy(f.uPrev, xInOut);
            Blas.gemv(1f, f.a, f.uPrev, 0f, f.pre, b);
            double res = dataResidual(phi, f.pre, y, mask);
            return new Stage(name, layer, k, reason, res, (System.nanoTime() - t0) * 1e-9, lambda);
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
}
