package dev.netinvert.solvers.linalg;

import dev.netinvert.kernels.FloatVec;

/**
 * A real linear map A: ℝ^inputs → ℝ^outputs given by its forward and adjoint products, the least that
 * {@link ConjugateGradient} needs to solve (μI + AᵀA) x = r without forming AᵀA (a strided convolution, a
 * transposed convolution, a chain of them), and that {@code network.Lanczos} needs to estimate ‖A‖₂.
 * Implementations overwrite their output and allocate nothing. A network layer's linear part is one through
 * {@code Layer.linearOperator}.
 */
public interface LinearOperator {

    /** n, the length of x. */
    int inputs();

    /** m, the length of y. */
    int outputs();

    /** y ← A x (x: n floats, y: m floats, not overlapping). */
    void apply(FloatVec x, FloatVec y);

    /** x ← Aᵀ y (y: m floats, x: n floats, not overlapping); ⟨A u, v⟩ = ⟨u, Aᵀ v⟩ for all u, v. */
    void applyAdjoint(FloatVec y, FloatVec x);

    /**
     * y ← A q and x ← Aᵀ y (q, x: n floats, y: m floats, none overlapping): the normal operator's product, with the
     * same bits as {@link #apply} then {@link #applyAdjoint}, which is what it does unless an implementation can
     * do both in one pass over A (a dense matrix: {@code Layer.linearOperator} of a dense layer).
     */
    default void applyNormal(FloatVec q, FloatVec y, FloatVec x) {
        apply(q, y);
        applyAdjoint(y, x);
    }
}
