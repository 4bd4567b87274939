package dev.netinvert.solvers.network;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The operator norm ‖W‖₂ = σ_max(W), or of a row-weighted W, ‖D^{1/2}W‖₂ = √λ_max(WᵀDW) with D = diag(d),
 * d ≥ 0, by power iteration on WᵀDW: the one power iteration of the project. Every step-size rule of the
 * papers needs it: τ_x = 1.99/‖W‖² for PDHG and Landweber (sec. 5.1.1 [000]), the FISTA step of Alg. 3
 * [002]; the weighted form gives α + β ≥ λ_max(W^{Sᵀ}W^S + ρW^{S^cᵀ}W^{S^c}) of eq. (12) [002]
 * ({@code LinearizedAdmm.lambdaMax}: d = 1 on S, ρ on S^c).
 *
 * <p>Iteration, from a Gaussian start v₀ drawn with {@link SeededGaussian}{@code (seed)} and normalized:
 * <pre>
 *   u_k = W v_{k−1},   s_k = ‖D^{1/2}u_k‖₂,   w_k = Wᵀ D u_k,   v_k = w_k / ‖w_k‖₂
 * </pre>
 * s_k is the square root of the Rayleigh quotient of WᵀDW at a unit vector, so s_k ≤ ‖D^{1/2}W‖₂ always
 * and s_k increases towards it (in exact arithmetic). It stops when {@code |s_k − s_{k−1}| ≤ relTol·s_k} or
 * after {@code maxIterations}; {@link OperatorNorm#converged()} says which. Because s_k approaches from
 * below, a step size 1.99/s² computed from it is slightly too large when the iteration stops early; the
 * gap is about the last relative change, and solvers that need a hard bound should multiply by a safety
 * factor (e.g. 1.01). The start vector is random, not constant, so it is not orthogonal to the top
 * singular vector except with probability 0.
 *
 * <p>Cost per iteration: one GEMV and one GEMVᵀ, i.e. two passes over W (and one over the rows when
 * weighted). Scratch vectors live in a confined arena opened and closed inside {@link #estimate};
 * nothing else is allocated per iteration.
 */
public final class PowerIteration {
    private PowerIteration() {}

    /** Relative tolerance on successive estimates used by {@link DenseLayer#operatorNorm()}. */
    public static final double DEFAULT_REL_TOL = 1e-6;

    /** Iteration cap used by {@link DenseLayer#operatorNorm()}. */
    public static final int DEFAULT_MAX_ITERATIONS = 2000;

    /** Seed of the start vector used by {@link DenseLayer#operatorNorm()}. */
    public static final long DEFAULT_SEED = 0x5EED_0F_4A11L;

    /**
     * The result of a power iteration.
     *
     * @param value      the estimate s_k of ‖W‖₂ or ‖D^{1/2}W‖₂ (a lower bound up to rounding)
     * @param iterations k, the number of GEMV/GEMVᵀ pairs done
     * @param converged  whether the relative change fell to the tolerance before the cap
     * @param relTol     the tolerance asked for
     */
    public record OperatorNorm(double value, int iterations, boolean converged, double relTol) {}

    /** {@link #estimate(FloatMatrix, long, double, int)} with the default seed, tolerance and cap. */
    public static OperatorNorm estimate(FloatMatrix w) {
        return estimate(w, DEFAULT_SEED, DEFAULT_REL_TOL, DEFAULT_MAX_ITERATIONS);
    }

    /** Estimates ‖W‖₂: {@link #estimate(FloatMatrix, FloatVec, long, double, int)} unweighted. */
    public static OperatorNorm estimate(FloatMatrix w, long seed, double relTol, int maxIterations) {
        return estimate(w, null, seed, relTol, maxIterations);
    }

    /**
     * Estimates ‖D^{1/2}W‖₂ = √λ_max(WᵀDW).
     *
     * @param w             W, {@code m × n} with m, n ≥ 1
     * @param rowWeights    d, m finite entries ≥ 0, or null for D = I (then the estimate is ‖W‖₂)
     * @param seed          seed of the Gaussian start vector
     * @param relTol        stop when successive estimates differ by at most {@code relTol} times the
     *                      latest; in (0, 1). Float rounding limits what is reachable to about 1e-7.
     * @param maxIterations cap, ≥ 1
     */
    public static OperatorNorm estimate(FloatMatrix w, FloatVec rowWeights, long seed, double relTol, int maxIterations) {
        Objects.requireNonNull(w, "w");
        if (w.rows() < 1 || w.cols() < 1) {
            throw new IllegalArgumentException("w: expected at least 1×1, got " + w.rows() + "×" + w.cols());
        }
        if (rowWeights != null && rowWeights.length() != w.rows()) {
            throw new IllegalArgumentException("rowWeights: expected length " + w.rows() + " (W's rows), got "
                    + rowWeights.length());
        }
        if (!(relTol > 0 && relTol < 1)) {
            throw new IllegalArgumentException("relTol must lie in (0, 1), got " + relTol);
        }
        if (maxIterations < 1) {
            throw new IllegalArgumentException("maxIterations must be >= 1, got " + maxIterations);
        }
        try (Arena arena = Arena.ofConfined()) {
            FloatVec v = FloatVec.allocate(arena, w.cols());
            FloatVec u = FloatVec.allocate(arena, w.rows());
            new SeededGaussian(seed).fill(v, 0.0, 1.0);
            float nv = Blas.norm2(v);
            Blas.scale(1f / nv, v);
            double previous = 0.0;
            for (int k = 1; k <= maxIterations; k++) {
                Blas.gemv(1f, w, v, 0f, u);
                double s = rowWeights == null ? Blas.norm2(u) : weigh(u, rowWeights); // u ← D u when weighted
                if (s == 0.0 || !Double.isFinite(s)) {
                    // W v = 0 for a random v means W = 0 (with probability 1); a non-finite s means W holds
                    // NaN/Inf or overflows float — both are answers, not reasons to iterate on.
                    return new OperatorNorm(s, k, s == 0.0, relTol);
                }
                if (Math.abs(s - previous) <= relTol * s) {
                    return new OperatorNorm(s, k, true, relTol);
                }
                previous = s;
                Blas.gemvT(1f, w, u, 0f, v);
                float nw = Blas.norm2(v);
                Blas.scale(1f / nw, v);
            }
            return new OperatorNorm(previous, maxIterations, false, relTol);
        }
    }

    /**
     * Estimates ‖A‖₂ of a linear layer's operator (bias excluded) by the same iteration, with
     * {@link Layer#apply} and {@link Layer#adjoint} in place of the GEMV pair, the default seed, tolerance
     * and cap. For a dense layer this is {@link #estimate(FloatMatrix)}.
     *
     * @throws IllegalArgumentException if the layer is not linear (max pooling has a bound, not an estimate)
     */
    public static OperatorNorm estimate(Layer layer) {
        Objects.requireNonNull(layer, "layer");
        if (!layer.linear()) {
            throw new IllegalArgumentException("layer: power iteration needs a linear operator, got " + layer.kind());
        }
        try (Arena arena = Arena.ofConfined()) {
            FloatVec v = FloatVec.allocate(arena, layer.inputs());
            FloatVec u = FloatVec.allocate(arena, layer.outputs());
            MemorySegment scratch = layer.scratchBytes() == 0 ? null : arena.allocate(layer.scratchBytes(), 64);
            new SeededGaussian(DEFAULT_SEED).fill(v, 0.0, 1.0);
            Blas.scale(1f / Blas.norm2(v), v);
            double previous = 0.0;
            for (int k = 1; k <= DEFAULT_MAX_ITERATIONS; k++) {
                layer.apply(v, u, scratch);
                double s = Blas.norm2(u);
                if (s == 0.0 || !Double.isFinite(s)) {
                    return new OperatorNorm(s, k, s == 0.0, DEFAULT_REL_TOL);
                }
                if (Math.abs(s - previous) <= DEFAULT_REL_TOL * s) {
                    return new OperatorNorm(s, k, true, DEFAULT_REL_TOL);
                }
                previous = s;
                layer.adjoint(u, v, scratch);
                Blas.scale(1f / Blas.norm2(v), v);
            }
            return new OperatorNorm(previous, DEFAULT_MAX_ITERATIONS, false, DEFAULT_REL_TOL);
        }
    }

    /**
     * Returns ‖D^{1/2}u‖₂ = √(Σ d_i u_i²), summed in double, and sets u ← D u. A scalar loop: it runs once per
     * power iteration, against two passes over W.
     */
    private static double weigh(FloatVec u, FloatVec d) {
        double q = 0;
        for (int i = 0; i < u.length(); i++) {
            float ui = u.get(i), di = d.get(i);
            q += (double) di * ui * ui;
            u.set(i, di * ui);
        }
        return Math.sqrt(q);
    }
}
