package dev.netinvert.solvers.linalg;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatVec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Conjugate gradient (Hestenes &amp; Stiefel 1952; Saad, <i>Iterative Methods for Sparse Linear Systems</i>,
 * Alg. 6.18) for the ADMM z-update of eq. (9) of [004] when the layer's map A is known only through its
 * products (strided convolutions, which the FFT does not diagonalise — {@link ConvGramFft} covers stride 1):
 * <pre>
 *   G x = r,   G = μI + AᵀA   (symmetric positive definite when μ &gt; 0 or A has full column rank)
 *   res₀ = r − G x₀,  p₀ = res₀
 *   α_k = ‖res_k‖² / ⟨p_k, G p_k⟩,   ⟨p, Gp⟩ = μ‖p‖² + ‖Ap‖²  (both terms ≥ 0, summed in double)
 *   x_{k+1} = x_k + α_k p_k,   res_{k+1} = res_k − α_k G p_k
 *   β_k = ‖res_{k+1}‖² / ‖res_k‖²,   p_{k+1} = res_{k+1} + β_k p_k
 * </pre>
 * One product with A and one with Aᵀ per iteration. x on entry is the starting point (warm start: in ADMM
 * the previous iterate's z is close). The iteration stops when ‖res_k‖ ≤ tol·‖r‖ or after maxIterations.
 *
 * <p>Default tolerance 10⁻⁵ (relative residual): the vectors are float (u = 2⁻²⁴ ≈ 6·10⁻⁸), so the residual
 * of a float iterate cannot be trusted much below √n·u·cond(G) (≈ 10⁻⁶ for n ~ 10³ and cond ~ 10), and the
 * ADMM residuals this solve serves are themselves far larger (10⁻³ to 10⁻⁴ at the stopping points of
 * {@code Admm}); the error ‖x − x*‖/‖x*‖ ≤ cond(G)·tol. Default maxIterations 1000: in exact arithmetic CG ends
 * in at most n steps, and it needs about ½√cond·ln(2/tol) (Saad, Thm. 6.29), ≈ 10 for cond = 10 and 200 for
 * cond = 10⁴; 1000 is a guard, reported through {@link #lastConverged()}.
 *
 * <p>Accuracy bookkeeping: inner products and norms are accumulated in double, the updates are float
 * {@link Blas#axpy}s. The recursively updated residual drifts from the true one by rounding; after the loop
 * the true residual ‖r − G x‖/‖r‖ is computed once more (one more A and Aᵀ product) and reported by
 * {@link #lastRelativeResidual()}, while {@link #lastConverged()} says whether the recursive one reached tol.
 *
 * <p>The workspace (3n + m floats) is allocated once, in the constructor's arena; {@link #solve} allocates
 * nothing (if A's products do not) and keeps the report of the last solve in the instance, so one instance
 * serves one thread.
 */
public final class ConjugateGradient {

    /**
     * @param tolerance     stop when ‖r − Gx‖ ≤ tolerance·‖r‖; in (0, 1)
     * @param maxIterations at most this many iterations (products with A); ≥ 0
     */
    public record Options(double tolerance, int maxIterations) {
        public Options {
            if (!(tolerance > 0 && tolerance < 1)) {
                throw new IllegalArgumentException("tolerance: expected a value in (0, 1), got " + tolerance);
            }
            if (maxIterations < 0) {
                throw new IllegalArgumentException("maxIterations: expected >= 0, got " + maxIterations);
            }
        }

        /** tolerance 10⁻⁵, maxIterations 1000 (see the class comment for why). */
        public static Options defaults() {
            return new Options(1e-5, 1000);
        }

        public Options withTolerance(double tolerance) {
            return new Options(tolerance, maxIterations);
        }

        public Options withMaxIterations(int maxIterations) {
            return new Options(tolerance, maxIterations);
        }
    }

    /** A copy of the report of one solve. */
    public record Result(int iterations, double relativeResidual, boolean converged) {}

    private final LinearOperator a;
    private final double mu;
    private final Options options;
    private final FloatVec res, p, gp, ap;
    /** M⁻¹ and its output s = M⁻¹ res, or null for plain CG. */
    private final Preconditioner m;
    private final FloatVec s;

    /**
     * A symmetric positive definite approximation M of G given by its inverse: out ← M⁻¹ r (r and out of
     * A.inputs() floats, not overlapping; allocates nothing). E.g. the FFT solve of a circulant surrogate of a
     * convolution's Gram matrix ({@link ConvGramFft}), which makes M⁻¹G the identity plus a small-rank term.
     */
    @FunctionalInterface
    public interface Preconditioner {
        void apply(FloatVec r, FloatVec out);
    }
    private int iterations;
    private double relativeResidual;
    private boolean converged;

    /**
     * @param a       the operator A (n inputs, m outputs); used at every solve
     * @param mu      μ, finite, ≥ 0 (0 only if A has full column rank)
     * @param options tolerance and iteration limit
     * @param arena   where the workspace is allocated
     */
    public ConjugateGradient(LinearOperator a, double mu, Options options, Arena arena) {
        this(a, mu, options, null, arena);
    }

    /**
     * Preconditioned CG (Saad, Alg. 9.1): the same iteration on M⁻¹G in the M-inner product — α_k = ⟨res, s⟩ / ⟨p, Gp⟩,
     * β_k = ⟨res⁺, s⁺⟩ / ⟨res, s⟩ with s = M⁻¹res, p₀ = s₀ — one application of M⁻¹ more per iteration. The stopping
     * test stays on the unpreconditioned ‖res‖ ≤ tol·‖r‖, so the tolerance means the same with and without M.
     *
     * @param m M⁻¹, or null for plain CG
     */
    public ConjugateGradient(LinearOperator a, double mu, Options options, Preconditioner m, Arena arena) {
        this.a = Objects.requireNonNull(a, "a must not be null");
        this.options = Objects.requireNonNull(options, "options must not be null");
        Objects.requireNonNull(arena, "arena must not be null");
        if (!(mu >= 0) || !Float.isFinite((float) mu)) {
            throw new IllegalArgumentException("mu: expected a finite value >= 0 (at most " + Float.MAX_VALUE
                    + ", the vectors are float), got " + mu);
        }
        if (a.inputs() < 0 || a.outputs() < 0) {
            throw new IllegalArgumentException("a: expected inputs() >= 0 and outputs() >= 0, got " + a.inputs()
                    + " and " + a.outputs());
        }
        this.mu = mu;
        int n = a.inputs();
        this.res = FloatVec.allocate(arena, n);
        this.p = FloatVec.allocate(arena, n);
        this.gp = FloatVec.allocate(arena, n);
        this.ap = FloatVec.allocate(arena, a.outputs());
        this.m = m;
        this.s = m == null ? null : FloatVec.allocate(arena, n);
    }

    public double mu() {
        return mu;
    }

    public Options options() {
        return options;
    }

    /**
     * x ← an approximate solution of (μI + AᵀA) x = r, starting from x as given (warm start; zero it for a cold
     * start). r and x have A.inputs() floats and must not overlap. Returns the number of iterations (products
     * with A inside the loop, not counting the two for the initial and the final residual).
     */
    public int solve(FloatVec r, FloatVec x) {
        int n = a.inputs();
        length("r", r, n);
        length("x", x, n);
        float muF = (float) mu;
        double rNorm = Math.sqrt(dot(r, r));
        if (rNorm == 0) {
            Blas.fill(x, 0f);
            iterations = 0;
            relativeResidual = 0;
            converged = true;
            return 0;
        }
        double stop = options.tolerance() * rNorm;
        residual(r, x, muF); // res ← r − G x
        FloatVec z = precondition(); // z = M⁻¹ res (res itself without M)
        double rho = dot(res, z);
        Blas.copy(z, p);
        int k = 0;
        boolean done = Math.sqrt(dot(res, res)) <= stop;
        while (!done && k < options.maxIterations()) {
            a.apply(p, ap);
            double pGp = mu * dot(p, p) + dot(ap, ap);
            if (!(pGp > 0)) {
                break; // G p = 0: μ = 0 and p in the null space of A; no descent left
            }
            a.applyAdjoint(ap, gp);
            Blas.axpy(muF, p, gp); // G p = Aᵀ(A p) + μ p
            double alpha = rho / pGp;
            Blas.axpy((float) alpha, p, x);
            Blas.axpy((float) -alpha, gp, res);
            k++;
            done = Math.sqrt(dot(res, res)) <= stop;
            z = precondition();
            double rhoNext = dot(res, z);
            float beta = (float) (rhoNext / rho);
            rho = rhoNext;
            Blas.scale(beta, p);
            Blas.axpy(1f, z, p);
        }
        converged = done;
        iterations = k;
        residual(r, x, muF);
        relativeResidual = Math.sqrt(dot(res, res)) / rNorm;
        return k;
    }

    /** s ← M⁻¹ res and returns s, or res itself without a preconditioner. */
    private FloatVec precondition() {
        if (m == null) {
            return res;
        }
        m.apply(res, s);
        return s;
    }

    /** res ← r − (μI + AᵀA) x. */
    private void residual(FloatVec r, FloatVec x, float muF) {
        a.apply(x, ap);
        a.applyAdjoint(ap, res);
        Blas.axpy(muF, x, res);
        Blas.scale(-1f, res);
        Blas.axpy(1f, r, res);
    }

    /** Iterations of the last {@link #solve}. */
    public int lastIterations() {
        return iterations;
    }

    /** ‖r − (μI + AᵀA) x‖ / ‖r‖ of the last {@link #solve}'s x, recomputed from x (not the recursive residual). */
    public double lastRelativeResidual() {
        return relativeResidual;
    }

    /** Whether the last {@link #solve} reached the tolerance (by the recursive residual) within maxIterations. */
    public boolean lastConverged() {
        return converged;
    }

    /** The last solve's report as a record (allocates; for logs and tests). */
    public Result lastResult() {
        return new Result(iterations, relativeResidual, converged);
    }

    /** Σ a[i]·b[i] accumulated in double (each product is exact in double). */
    private static double dot(FloatVec x, FloatVec y) {
        MemorySegment xs = x.segment(), ys = y.segment();
        long xo = x.byteOffset(), yo = y.byteOffset();
        int n = x.length(), i = 0;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0; // four chains hide the add latency
        for (; i + 4 <= n; i += 4) {
            s0 += (double) xs.get(FloatVec.LAYOUT, xo + 4L * i) * ys.get(FloatVec.LAYOUT, yo + 4L * i);
            s1 += (double) xs.get(FloatVec.LAYOUT, xo + 4L * i + 4) * ys.get(FloatVec.LAYOUT, yo + 4L * i + 4);
            s2 += (double) xs.get(FloatVec.LAYOUT, xo + 4L * i + 8) * ys.get(FloatVec.LAYOUT, yo + 4L * i + 8);
            s3 += (double) xs.get(FloatVec.LAYOUT, xo + 4L * i + 12) * ys.get(FloatVec.LAYOUT, yo + 4L * i + 12);
        }
        for (; i < n; i++) {
            s0 += (double) xs.get(FloatVec.LAYOUT, xo + 4L * i) * ys.get(FloatVec.LAYOUT, yo + 4L * i);
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static void length(String name, FloatVec v, int expected) {
        if (v == null) { // not requireNonNull(v, () -> …): the capturing lambda is an allocation per call
            throw new NullPointerException(name + " must not be null");
        }
        if (v.length() != expected) {
            throw new IllegalArgumentException(
                    name + ": expected length " + expected + " (A.inputs()), got " + v.length());
        }
    }
}
