package dev.netinvert.solvers.admm;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.ConvShape;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.linalg.ConjugateGradient;
import dev.netinvert.solvers.linalg.ConvGramFft;
import dev.netinvert.solvers.linalg.GramSystem;
import dev.netinvert.solvers.linalg.LinearOperator;
import dev.netinvert.solvers.network.ConvLayer;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Layer;

import java.lang.foreign.Arena;
import java.util.Locale;

/**
 * The z-update of ADMM, eqs. (9)/(10) [004], for one layer's operator A:
 * <pre>
 *   z ← (μI + AᵀA)⁻¹ (μ p + Aᵀ q),    wz ← A z
 * </pre>
 * Dense layers factor μI + WᵀW once ({@link GramSystem}: Cholesky, or Woodbury when wide). Every other linear layer
 * (convolution, transposed convolution, average pooling) is solved by conjugate gradients on the operator, warm-started
 * from the current z; for a stride-1 convolution the CG is <em>preconditioned by the FFT solve</em> of [004]
 * ({@link ConvGramFft#zeroPadded}): (μI + CᵀC)⁻¹ for the circular convolution C on the zero-extended domain, restricted
 * back to the image. That is [004]'s "element-wise multiplication in the FFT space", applied to the exact zero-padded
 * layer rather than to a circulant surrogate: C and the layer differ only by the outputs that wrap around the image's
 * border, so the preconditioned system is the identity plus a border-sized term, while the solution is that of the
 * layer itself (to the CG tolerance) and ADMM's splitting keeps the layer's own variables and projections. Measured
 * (ConvAdmmTest): 37 iterations instead of 92 for a cold solve at 4 → 6 channels, 3×3, 12×12, μ = 0.05, tolerance
 * 1e-6; warm-started inside ADMM, 8-10 per ADMM iteration. Max pooling is not linear and has no Gram system here:
 * ADMM refuses it.
 */
abstract sealed class LayerGram {

    /** z ← (μI + AᵀA)⁻¹ (μ p + Aᵀ q), wz ← A z; z holds the warm start on entry (used by the iterative forms). */
    abstract void solve(FloatVec p, FloatVec q, FloatVec z, FloatVec wz);

    /** One line for the report: how the update is solved. */
    abstract String describe(int i);

    /** Inner iterations (CG) summed over all solves so far; 0 for direct forms. */
    long innerIterations() {
        return 0;
    }

    /** The solve for {@code layer} with μ, its workspace in {@code arena}. */
    static LayerGram of(Layer layer, double mu, ConjugateGradient.Options cg, Arena arena) {
        if (layer instanceof DenseLayer d) {
            return new Dense(GramSystem.factor(d.weight(), mu, arena), d);
        }
        if (!layer.linear()) {
            throw new IllegalArgumentException("ADMM needs linear layer operators, but this layer is " + layer.kind()
                    + " (its graph projection is not implemented); use pgd or adam on this network");
        }
        return new Iterative(layer, mu, cg, arena);
    }

    static final class Dense extends LayerGram {
        private final GramSystem gram;
        private final DenseLayer layer;

        Dense(GramSystem gram, DenseLayer layer) {
            this.gram = gram;
            this.layer = layer;
        }

        @Override
        void solve(FloatVec p, FloatVec q, FloatVec z, FloatVec wz) {
            gram.solve(p, q, z, wz);
        }

        @Override
        String describe(int i) {
            int m = layer.outputs(), n = layer.inputs();
            int order = gram.form() == GramSystem.Form.WOODBURY ? m : n;
            return String.format(Locale.ROOT, "z%d: %s, Cholesky of order %d (W%d is %dx%d), mu = %.6g", i,
                    gram.form() == GramSystem.Form.WOODBURY ? "Woodbury (mu I + W W^T)" : "direct (mu I + W^T W)", order, i,
                    m, n, gram.mu());
        }
    }

    static final class Iterative extends LayerGram {
        private final Layer layer;
        private final double mu;
        private final ConjugateGradient cg;
        private final ConvGramFft fft; // the preconditioner, for stride-1 convolutions
        private final FloatVec rhs, domainIn, domainOut;
        private long inner;

        Iterative(Layer layer, double mu, ConjugateGradient.Options options, Arena arena) {
            this.layer = layer;
            this.mu = mu;
            ConvGramFft f = null;
            if (layer instanceof ConvLayer c && c.shape().stride() == 1 && mu > 0) {
                ConvShape s = c.shape();
                f = ConvGramFft.zeroPadded(c.weight(), s.outChannels(), s.inChannels(), s.kernel(), s.inHeight(),
                        s.inWidth(), s.padding(), mu);
            }
            this.fft = f;
            this.domainIn = f == null ? null : FloatVec.allocate(arena, f.domainLength());
            this.domainOut = f == null ? null : FloatVec.allocate(arena, f.domainLength());
            LinearOperator a = layer.linearOperator(null);
            this.cg = f == null ? new ConjugateGradient(a, mu, options, arena)
                    : new ConjugateGradient(a, mu, options, this::precondition, arena);
            this.rhs = FloatVec.allocate(arena, layer.inputs());
        }

        /** out ← Eᵀ (μI + CᵀC)⁻¹ E r: the FFT solve on the extended domain, back on the image. */
        private void precondition(FloatVec r, FloatVec out) {
            fft.embed(r, domainIn);
            fft.solve(domainIn, domainOut);
            fft.restrict(domainOut, out);
        }

        @Override
        void solve(FloatVec p, FloatVec q, FloatVec z, FloatVec wz) {
            layer.adjoint(q, rhs, null); // rhs = Aᵀ q + μ p
            Blas.axpy((float) mu, p, rhs);
            cg.solve(rhs, z); // warm start: z holds the previous iterate
            inner += cg.lastIterations();
            layer.apply(z, wz, null);
        }

        @Override
        long innerIterations() {
            return inner;
        }

        @Override
        String describe(int i) {
            ConjugateGradient.Options o = cg.options();
            return String.format(Locale.ROOT, "z%d: conjugate gradients on mu I + A^T A (%s, %d -> %d)%s, tolerance %.1e, "
                            + "at most %d iterations, warm start, mu = %.6g", i, layer.kind(), layer.inputs(), layer.outputs(),
                    fft == null ? "" : ", preconditioned by the FFT solve of the circular convolution on a "
                            + fft.domainHeight() + "x" + fft.domainWidth() + " domain ([004]'s padding trick)",
                    o.tolerance(), o.maxIterations(), mu);
        }
    }
}
