package dev.netinvert.solvers.pursuit;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Prox;
import dev.netinvert.kernels.Fused;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.network.Lanczos;
import dev.netinvert.solvers.network.OperatorNorm;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The linearized ADMM (alternating direction proximal method of multipliers, [Beck 2017, ch. 15]) of
 * Alg. 4 [002] for the mid layers,
 * <pre>
 *   min_x ½‖x^S_next − W^S x − b^S‖² + λ1ᵀx   s.t.  x ≥ 0,  W^{S^c} x + b^{S^c} ≤ 0                (9) [002]
 * </pre>
 * and its first-layer variant, eq. (16)–(18) [002] (no x ≥ 0, no λ, a Gaussian prior γ/2‖z‖²), with the
 * split a = W^{S^c} x + b^{S^c} ≤ 0 and scaled multiplier u. With P = [W^S; W^{S^c}] (the rows copied into
 * one contiguous matrix, {@link Supports#partitionRows}) and v = P x + b:
 * <pre>
 *   r  ← [v^S − x^S_next ;  ρ(v^{S^c} − a − u)]                     g = Pᵀ r
 *   x ← ReLU(x − (g + λ)/(α+β))                                       step 1 of Alg. 4 (mid layers)
 *   z ← ((α+β) z − g)/(α+β+γ)                                          eq. (18) [002] (first layer)
 *   v ← P x + b
 *   a ← −ReLU(u − v^{S^c})                                             step 2, eq. (14) [002]
 *   u ← u + a − v^{S^c}                                                step 3, eq. (15) [002]
 * </pre>
 * Note that the complement term of step 1 is ρ(W^{S^c})ᵀ(W^{S^c}x − a − u): the algorithm box prints
 * W^{S^c} without the transpose, but eq. (13) [002], from which it is derived, has (W^{S^c})ᵀ — the only
 * dimensionally consistent reading (W^{S^c} is |S^c| × n). Here both terms are one GEMVᵀ of P with the
 * stacked residual r.
 *
 * <p>α + β = 1.02·λ_max(W^{Sᵀ}W^S + ρW^{S^cᵀ}W^{S^c}) (eq. (12) [002]), the largest eigenvalue by the
 * Lanczos iteration on that matrix (the 2% cover the estimate approaching from below), so Q of eq. (11) [002] is
 * positive semidefinite and the method converges. Should the Lanczos iteration not converge, the guaranteed
 * bound ‖D^{1/2}P‖_F² is used instead and the stage says so ({@link Stage#warnings()}). Cost per iteration: one GEMV and one GEMVᵀ over P and
 * vector passes over x and the rows, in {@link Fused#admmGradient} (which ends an iteration — v = P x + b,
 * the a and u updates — and computes the gradient g = Pᵀ r the next one starts from) and the x-step.
 *
 * <p>Stops when ‖x⁺ − x‖ ≤ tol·‖x⁺‖ and the constraint residual ‖a − v^{S^c}‖ ≤ tol·‖v‖ (TOLERANCE), after
 * maxIterations, or on a non-finite iterate (DIVERGED). Nothing is allocated inside the loop.
 *
 * <p>An instance is one solve's workspace and steps one iteration at a time (the benchmark's unit);
 * {@link ReferenceLinearizedAdmm} is its plain-array twin.
 */
public final class LinearizedAdmm {
    private final FloatMatrix p;
    private final int s;
    private final FloatVec b, target;
    private final boolean first;
    private final float rho, step, lamStep, keep, gStep;
    private final FloatVec v, r, g, a, u, x;
    private final double[] acc = new double[3];
    private double change, norm, cons;

    /**
     * A workspace for the ADMM of one layer.
     *
     * @param p            P = [W^S; W^{S^c}], m × n
     * @param s            |S|, the first s rows of P (0 ≤ s ≤ m)
     * @param b            the bias in P's row order (m) or null
     * @param target       x^S_next, s elements
     * @param first        whether this is the first layer (eq. (18) [002]) rather than a mid layer (Alg. 4)
     * @param lambda       λ ≥ 0 (mid layers)
     * @param gamma        γ ≥ 0 (first layer)
     * @param rho          ρ &gt; 0
     * @param alphaPlusBeta α + β ≥ λ_max(PᵀDP) (eq. (12) [002]), e.g. 1.02·{@link #lambdaMax}{@code .value()} when
     *                      it converged
     */
    public LinearizedAdmm(Arena arena, FloatMatrix p, int s, FloatVec b, FloatVec target, boolean first, double lambda,
                          double gamma, double rho, double alphaPlusBeta) {
        Objects.requireNonNull(arena, "arena");
        this.p = Objects.requireNonNull(p, "p");
        int m = p.rows(), n = p.cols();
        if (s < 0 || s > m) {
            throw new IllegalArgumentException("s must lie in [0, " + m + "] (P's rows), got " + s);
        }
        if (b != null && b.length() != m) {
            throw new IllegalArgumentException("b: expected length " + m + " (P's rows), got " + b.length());
        }
        Objects.requireNonNull(target, "target");
        if (target.length() != s) {
            throw new IllegalArgumentException("target: expected length " + s + " (= s), got " + target.length());
        }
        if (!(lambda >= 0) || !(gamma >= 0) || !(rho > 0) || !(alphaPlusBeta > 0)) {
            throw new IllegalArgumentException("expected lambda >= 0, gamma >= 0, rho > 0, alphaPlusBeta > 0, got "
                    + lambda + ", " + gamma + ", " + rho + ", " + alphaPlusBeta);
        }
        this.s = s;
        this.b = b;
        this.target = target;
        this.first = first;
        this.rho = (float) rho;
        step = (float) (1.0 / alphaPlusBeta);
        lamStep = (float) (lambda / alphaPlusBeta);
        keep = (float) (alphaPlusBeta / (alphaPlusBeta + gamma));
        gStep = (float) (1.0 / (alphaPlusBeta + gamma));
        int c = m - s;
        v = FloatVec.allocate(arena, m);
        r = FloatVec.allocate(arena, m);
        g = FloatVec.allocate(arena, n);
        x = FloatVec.allocate(arena, n);
        a = FloatVec.allocate(arena, Math.max(c, 1)).slice(0, c);
        u = FloatVec.allocate(arena, Math.max(c, 1)).slice(0, c);
    }

    /**
     * Restarts from x⁰ (n elements), u = 0 and a⁰ = min(W^{S^c}x⁰ + b, 0) (feasible, zero constraint
     * residual), and computes the first gradient.
     */
    public void reset(FloatVec x0) {
        Blas.copy(x0, x);
        Blas.gemv(1f, p, x, 0f, v, b);
        Fused.admmStart(s, v, target, rho, a, u, r);
        Blas.gemvT(1f, p, r, 0f, g);
    }

    /** One iteration (steps 1–3 of Alg. 4, or eq. (18) [002] for the first layer); false if non-finite. */
    public boolean step() {
        if (first) {
            // Eq. (18) [002]: z ← ((α+β)z − g)/(α+β+γ) = keep·z − gStep·g, in place; acc ← {‖Δz‖², ‖z⁺‖²}.
            Fused.scaledGradientStep(keep, gStep, x, g, acc);
        } else {
            // Step 1 of Alg. 4 [002]: x ← ReLU(x − step·g − λ·step), in place; acc ← {‖Δx‖², ‖x⁺‖², ·}.
            Prox.l1ProxStep(step, lamStep, true, x, g, x, x, acc);
        }
        cons = Fused.admmGradient(p, s, x, b, target, rho, a, u, v, r, g);
        change = acc[0];
        norm = acc[1];
        return Double.isFinite(change) && Double.isFinite(cons);
    }

    /** Whether ‖x⁺ − x‖ ≤ tol·‖x⁺‖ and ‖a − v^{S^c}‖ ≤ tol·‖v‖ after the last step. */
    public boolean converged(double tol) {
        return Math.sqrt(change) <= tol * Math.sqrt(norm)
                && Math.sqrt(cons) <= tol * Math.max(Blas.norm2(v), Float.MIN_NORMAL);
    }

    /** The current x (n elements), a view into the workspace. */
    public FloatVec solution() {
        return x;
    }

    static Stage solve(String name, int layer, FloatMatrix p, int s, FloatVec b, FloatVec target, boolean first,
                       double lambda, double gamma, double rho, double tol, int maxIter, FloatVec xInOut) {
        return solve(name, layer, p, s, b, target, first, lambda, gamma, rho, tol, maxIter, xInOut,
                LAMBDA_MAX_ITERATIONS);
    }

    /**
     * One layer's stage. α + β = 1.02·{@link #lambdaMax} when its Lanczos iteration converged; otherwise the
     * estimate (a lower bound that approaches λ_max from below) may be more than 2% short, and α + β &lt; λ_max
     * would break Q ⪰ 0 of eq. (11) [002] on which the method's convergence rests, so the guaranteed bound
     * λ_max(PᵀDP) ≤ ‖D^{1/2}P‖_F² is used instead (smaller steps, at most rank(P) times) and the stage
     * carries a warning saying so.
     *
     * @param normIterations the cap of {@link #lambdaMax}'s Lanczos iteration
     */
    static Stage solve(String name, int layer, FloatMatrix p, int s, FloatVec b, FloatVec target, boolean first,
                       double lambda, double gamma, double rho, double tol, int maxIter, FloatVec xInOut,
                       int normIterations) {
        long t0 = System.nanoTime();
        try (Arena arena = Arena.ofShared()) {
            LambdaMax lm = lambdaMax(p, s, (float) rho, normIterations, arena);
            List<String> warnings = new ArrayList<>();
            double ab;
            if (lm.converged()) {
                ab = 1.02 * lm.value();
            } else {
                ab = frobeniusSquared(p, s, rho);
                warnings.add(String.format(Locale.ROOT, "the Lanczos iteration for lambda_max(P^T D P) (eq. (12) [002]) "
                        + "did not converge in %d iterations (last estimate %.6g); alpha + beta = %.6g, the Frobenius "
                        + "bound, was used instead of 1.02 * the estimate (smaller steps)", lm.iterations(), lm.value(), ab));
            }
            LinearizedAdmm admm = new LinearizedAdmm(arena, p, s, b, target, first, lambda, gamma, rho, ab);
            admm.reset(xInOut);
            StopReason reason = StopReason.MAX_ITERATIONS;
            int k = 0;
            while (k < maxIter) {
                k++;
                if (!admm.step()) {
                    reason = StopReason.DIVERGED;
                    break;
                }
                if (admm.converged(tol)) {
                    reason = StopReason.TOLERANCE;
                    break;
                }
            }
            Blas.copy(admm.x, xInOut);
            double res = Blas.distanceSquared(admm.v.slice(0, s), target); // ‖v^S − x^S_next‖²
            return new Stage(name, layer, k, reason, Math.sqrt(res), (System.nanoTime() - t0) * 1e-9, lambda, warnings);
        }
    }

    /** ‖D^{1/2}P‖_F² = Σ_i d_i‖p_i‖² ≥ λ_max(PᵀDP), d = 1 on the first s rows and ρ on the rest (in double). */
    private static double frobeniusSquared(FloatMatrix p, int s, double rho) {
        double sum = 0;
        for (int i = 0; i < p.rows(); i++) {
            double row = 0;
            for (int j = 0; j < p.cols(); j++) {
                double v = p.get(i, j);
                row += v * v;
            }
            sum += (i < s ? 1 : rho) * row;
        }
        return sum;
    }

    /** Seed of the Lanczos iteration's start vector in {@link #lambdaMax}. */
    private static final long LAMBDA_MAX_SEED = 0x1ADD_A1L;

    /** The Lanczos iteration cap of {@link #lambdaMax(FloatMatrix, int, float, Arena)}. */
    public static final int LAMBDA_MAX_ITERATIONS = Lanczos.DEFAULT_MAX_ITERATIONS;

    /**
     * An estimate of λ_max(PᵀDP).
     *
     * @param value      θ_k, the largest Ritz value of PᵀDP, i.e. the square of {@link Lanczos}'s estimate of
     *                   ‖D^{1/2}P‖₂: a lower bound of λ_max up to rounding, approaching it from below
     * @param iterations Lanczos steps done (P/Pᵀ pairs)
     * @param converged  whether the iteration met its relative tolerance 5e-7 before the cap; when
     *                   false, {@code value} may be far below λ_max and is not a safe α + β
     */
    public record LambdaMax(double value, int iterations, boolean converged) {}

    /**
     * λ_max(PᵀDP), D = diag(1 on the first s rows, ρ on the rest), the bound of eq. (12) [002], as the square
     * of {@link Lanczos}'s ‖D^{1/2}P‖₂ (relative tolerance 5e-7 on the norm, i.e. about 1e-6 on λ_max;
     * at most {@link #LAMBDA_MAX_ITERATIONS} iterations). The result says whether the iteration converged:
     * a caller must not take an unconverged estimate for a bound.
     */
    public static LambdaMax lambdaMax(FloatMatrix p, int s, float rho, Arena arena) {
        return lambdaMax(p, s, rho, LAMBDA_MAX_ITERATIONS, arena);
    }

    /** {@link #lambdaMax(FloatMatrix, int, float, Arena)} with a given Lanczos iteration cap (≥ 1). */
    public static LambdaMax lambdaMax(FloatMatrix p, int s, float rho, int maxIterations, Arena arena) {
        FloatVec d = FloatVec.allocate(arena, p.rows());
        Blas.fill(d.slice(0, s), 1f);
        Blas.fill(d.slice(s, p.rows() - s), rho);
        OperatorNorm n = Lanczos.estimate(p, d, LAMBDA_MAX_SEED, 5e-7, maxIterations);
        return new LambdaMax(n.value() * n.value(), n.iterations(), n.converged());
    }
}
