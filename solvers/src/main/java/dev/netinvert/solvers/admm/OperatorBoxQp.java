package dev.netinvert.solvers.admm;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.Layer;
import java.lang.foreign.Arena;
import java.util.Locale;

/**
 * The box-constrained input update of ADMM (eq. (10) [004]) when the first layer is not dense (a convolution):
 *
 * <pre>
 *   minimize   ½ zᵀQz − cᵀz     subject to  lo ≤ z ≤ hi,
 *   Q = μI + AᵀA,   c = μp + Aᵀq,
 * </pre>
 * the QP of {@link BoxQp} with the layer's operator A in place of the matrix W₁ (μ = λ/ρ, p = x̄, q = ṽ₁ + ũ₁ − b₁).
 * {@link BoxQp} forms Q and factors its free block; for a convolution on a 28×28 image that is a 784² matrix refactored
 * whenever the active set changes, so here the QP is solved by operator products only.
 *
 * <h2>Method: FISTA on the box (Beck &amp; Teboulle 2009)</h2>
 * With L = μ + ‖A‖₂² (the Lipschitz constant of ∇ = Qz − c; ‖A‖₂ by the Lanczos iteration, times 1.01 for its error),
 * from the warm start z⁰ (the previous ADMM iterate, projected), y¹ = z⁰, t₁ = 1:
 * <pre>
 *   zᵏ = P(yᵏ − (Q yᵏ − c)/L),   t_{k+1} = (1 + √(1 + 4t_k²))/2,   y^{k+1} = zᵏ + ((t_k − 1)/t_{k+1})(zᵏ − z^{k−1})
 * </pre>
 * P the projection on the box. It stops when the gradient mapping L‖zᵏ − yᵏ‖ (zero exactly at the QP's solution) is at
 * most {@code tolerance}·‖c‖, or after {@code maxIterations}. Every iterate is feasible (a projection), so the box holds
 * exactly whatever the inner accuracy; only the QP's optimality is inexact, and ADMM tolerates inexact subproblem
 * solves that improve as its iterates settle (the warm start makes the later solves short). Each iteration costs one
 * A and one Aᵀ product. Nothing is allocated by {@link #solve}.
 */
final class OperatorBoxQp {
    private final Layer layer;
    private final double mu, lipschitz;
    private final FloatVec c, y, zPrev, grad, ay;
    private long inner;
    private int lastIterations;

    OperatorBoxQp(Layer layer, double mu, Arena arena) {
        if (!layer.linear()) {
            throw new IllegalArgumentException("a box on the input needs a linear first layer, got " + layer.kind());
        }
        this.layer = layer;
        this.mu = mu;
        double norm = layer.operatorNorm().value();
        this.lipschitz = mu + 1.01 * norm * norm;
        int n = layer.inputs();
        c = FloatVec.allocate(arena, n);
        y = FloatVec.allocate(arena, n);
        zPrev = FloatVec.allocate(arena, n);
        grad = FloatVec.allocate(arena, n);
        ay = FloatVec.allocate(arena, layer.outputs());
    }

    /**
     * z ← the QP's solution (to the tolerance), wz ← A z.
     *
     * @param z the warm start on entry (projected into the box first)
     */
    void solve(FloatVec p, FloatVec q, Box box, FloatVec z, FloatVec wz, double tolerance, int maxIterations) {
        layer.adjoint(q, c, null); // c = Aᵀq + μp
        Blas.axpy((float) mu, p, c);
        double stop = tolerance * Math.sqrt(Blas.sumOfSquares(c));
        box.project(z);
        Blas.copy(z, y);
        Blas.copy(z, zPrev);
        double t = 1;
        float step = (float) (1 / lipschitz);
        int k = 0;
        while (k < maxIterations) {
            k++;
            // grad = μy + Aᵀ(Ay) − c at the extrapolated point
            layer.apply(y, ay, null);
            layer.adjoint(ay, grad, null);
            Blas.axpy((float) mu, y, grad);
            Blas.axpy(-1f, c, grad);
            Blas.copy(y, z);
            Blas.axpy(-step, grad, z);
            box.project(z);
            double mapping = lipschitz * Math.sqrt(Blas.distanceSquared(z, y));
            if (mapping <= stop) {
                break;
            }
            double tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
            float beta = (float) ((t - 1) / tNext);
            // y = z + β(z − zPrev); then zPrev = z
            Blas.copy(z, y);
            Blas.axpy(beta, z, y);
            Blas.axpy(-beta, zPrev, y);
            Blas.copy(z, zPrev);
            t = tNext;
        }
        lastIterations = k;
        inner += k;
        layer.apply(z, wz, null);
    }

    /** FISTA iterations summed over all solves. */
    long innerIterations() {
        return inner;
    }

    /** FISTA iterations of the last solve. */
    int lastIterations() {
        return lastIterations;
    }

    String describe() {
        return String.format(Locale.ROOT, "z1: box QP by FISTA on mu I + A^T A (%s, %d -> %d, L = %.4g), warm start, mu = lambda/rho "
                + "= %.6g", layer.kind(), layer.inputs(), layer.outputs(), lipschitz, mu);
    }
}
