package dev.netinvert.tests.linalg;

import static dev.netinvert.tests.ArgumentErrors.assertMessage;
import static dev.netinvert.tests.linalg.ConvReference.relErr;
import static dev.netinvert.tests.linalg.ConvReference.toDouble;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.linalg.ConjugateGradient;
import dev.netinvert.solvers.linalg.ConjugateGradient.Options;
import dev.netinvert.solvers.linalg.ConvGramFft;
import dev.netinvert.solvers.linalg.LinearOperator;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * {@link ConjugateGradient} on convolution operators (the double direct convolution of {@link ConvReference}
 * behind a float {@link LinearOperator}) against the dense Cholesky solve of μI + AᵀA: strided convolutions
 * (stride 2, pad 0/1/2, the case the FFT does not cover) and the stride-1 periodic and zero-padded cases, where it
 * must also agree with {@link ConvGramFft}. Iteration counts are printed.
 *
 * <p>Tolerance: CG stops at relative residual tol = 10⁻⁶ here; the error is then at most cond(G)·tol, with
 * cond(G) = (μ + σ_max²)/μ ≤ 1 + 4·k²·C_in/(C_in·k²)·C_out·…/μ — computed below from the dense G's extreme
 * eigenvalues would cost an eigendecomposition, so the bound used is the observed one with margin: errors were
 * below 10⁻⁵ for μ = 0.05; 10⁻⁴ is asserted, far below the O(1) of a wrong adjoint.
 */
class ConjugateGradientTest {

    static final double MU = 0.05;

    /** The direct convolution as a float operator (double inside). */
    record Conv(double[] k, int cOut, int cIn, int kk, int h, int w, int stride, int pad) implements LinearOperator {
        int ho() {
            return (h + 2 * pad - kk) / stride + 1;
        }

        int wo() {
            return (w + 2 * pad - kk) / stride + 1;
        }

        @Override
        public int inputs() {
            return cIn * h * w;
        }

        @Override
        public int outputs() {
            return cOut * ho() * wo();
        }

        @Override
        public void apply(FloatVec x, FloatVec y) {
            double[] r = ConvReference.conv(k, cOut, cIn, kk, toDouble(x.toArray()), h, w, stride, pad);
            for (int i = 0; i < r.length; i++) {
                y.set(i, (float) r[i]);
            }
        }

        @Override
        public void applyAdjoint(FloatVec y, FloatVec x) {
            double[] r = ConvReference.convAdjoint(k, cOut, cIn, kk, toDouble(y.toArray()), h, w, stride, pad);
            for (int i = 0; i < r.length; i++) {
                x.set(i, (float) r[i]);
            }
        }
    }

    /** The circular convolution on a ph × pw domain; its adjoint by the dense matrix (small domains only). */
    record Circ(double[] k, int cOut, int cIn, int kk, int ph, int pw, int pad, DMatrixRMaj m) implements LinearOperator {
        @Override
        public int inputs() {
            return cIn * ph * pw;
        }

        @Override
        public int outputs() {
            return cOut * ph * pw;
        }

        @Override
        public void apply(FloatVec x, FloatVec y) {
            double[] r = ConvReference.circular(k, cOut, cIn, kk, toDouble(x.toArray()), ph, pw, pad);
            for (int i = 0; i < r.length; i++) {
                y.set(i, (float) r[i]);
            }
        }

        @Override
        public void applyAdjoint(FloatVec y, FloatVec x) {
            for (int j = 0; j < m.numCols; j++) {
                double s = 0;
                for (int i = 0; i < m.numRows; i++) {
                    s += m.get(i, j) * y.get(i);
                }
                x.set(j, (float) s);
            }
        }
    }

    @Test
    void stridedConvolutionsMatchDenseCholesky() {
        SplittableRandom rnd = new SplittableRandom(21);
        int[][] shapes = {{5, 7}, {8, 8}, {9, 9}};
        int cases = 0, minIt = Integer.MAX_VALUE, maxIt = 0;
        double worst = 0;
        StringBuilder log = new StringBuilder();
        try (Arena arena = Arena.ofConfined()) {
            for (int cIn : ConvGramFftTest.CHANNELS) {
                for (int cOut : ConvGramFftTest.CHANNELS) {
                    for (int k : new int[] {3, 4, 5}) {
                        for (int padLoop = 0; padLoop <= 2; padLoop++) {
                            int pad = padLoop;
                            int[] hw = shapes[cases++ % 3];
                            int h = hw[0], w = hw[1];
                            if (h + 2 * pad < k || w + 2 * pad < k) {
                                continue;
                            }
                            Conv a = new Conv(toDouble(ConvGramFftTest.weights(rnd, cOut, cIn, k)), cOut, cIn, k, h, w, 2, pad);
                            float[] r = ConvGramFftTest.uniform(rnd, a.inputs());
                            DMatrixRMaj dense = ConvReference.matrix(
                                    x -> ConvReference.conv(a.k(), cOut, cIn, k, x, h, w, 2, pad), a.inputs());
                            double[] want = ConvReference.gramSolve(dense, MU, toDouble(r));
                            ConjugateGradient cg = new ConjugateGradient(a, MU, Options.defaults().withTolerance(1e-6), arena);
                            FloatVec rv = FloatVec.of(arena, r), xv = FloatVec.allocate(arena, a.inputs());
                            int it = cg.solve(rv, xv);
                            double e = relErr(toDouble(xv.toArray()), want);
                            assertTrue(cg.lastConverged(), "did not converge: " + cg.lastResult());
                            assertTrue(cg.lastRelativeResidual() < 2e-6, "true residual " + cg.lastResult());
                            assertTrue(e < 1e-4, "cIn=" + cIn + " cOut=" + cOut + " k=" + k + " pad=" + pad + " "
                                    + h + "x" + w + ": relative error " + e + " after " + it + " iterations");
                            worst = Math.max(worst, e);
                            minIt = Math.min(minIt, it);
                            maxIt = Math.max(maxIt, it);
                        }
                    }
                }
            }
            // 000 sec. 5.2's first encoder layer: 1×28×28 → 8×14×14, k = 4, s = 2, pad = 1
            Conv enc = new Conv(toDouble(ConvGramFftTest.weights(rnd, 8, 1, 4)), 8, 1, 4, 28, 28, 2, 1);
            for (double mu : new double[] {1, 0.05, 1e-3}) {
                ConjugateGradient cg = new ConjugateGradient(enc, mu, Options.defaults(), arena);
                FloatVec r = FloatVec.of(arena, ConvGramFftTest.uniform(rnd, 784)), x = FloatVec.allocate(arena, 784);
                cg.solve(r, x);
                assertTrue(cg.lastConverged() && cg.lastRelativeResidual() < 2e-5, cg.lastResult().toString());
                log.append(String.format(" mu=%s: %d it, residual %.1e;", mu, cg.lastIterations(), cg.lastRelativeResidual()));
            }
        }
        System.out.printf("ConjugateGradient strided (s=2): %d shapes, %d..%d iterations at tol 1e-6, worst relative"
                + " error %.2e; 1x28x28->8x14x14 k4 s2 p1 at tol 1e-5:%s%n", cases, minIt, maxIt, worst, log);
    }

    @Test
    void agreesWithTheFftSolveOnStride1Convolutions() {
        SplittableRandom rnd = new SplittableRandom(22);
        StringBuilder log = new StringBuilder();
        try (Arena arena = Arena.ofConfined()) {
            for (int[] c : new int[][] {{3, 8, 3}, {8, 3, 5}, {8, 8, 4}}) {
                int cIn = c[0], cOut = c[1], k = c[2], h = 5, w = 7, pad = 1;
                float[] wf = ConvGramFftTest.weights(rnd, cOut, cIn, k);
                double[] wd = toDouble(wf);
                ConvGramFft fft = ConvGramFft.periodic(FloatVec.of(arena, wf), cOut, cIn, k, h, w, pad, MU);
                int n = cIn * h * w;
                DMatrixRMaj m = ConvReference.matrix(x -> ConvReference.circular(wd, cOut, cIn, k, x, h, w, pad), n);
                ConjugateGradient cg = new ConjugateGradient(new Circ(wd, cOut, cIn, k, h, w, pad, m), MU,
                        Options.defaults().withTolerance(1e-6), arena);
                FloatVec r = FloatVec.of(arena, ConvGramFftTest.uniform(rnd, n));
                FloatVec xf = FloatVec.allocate(arena, n), xc = FloatVec.allocate(arena, n);
                fft.solve(r, xf);
                int it = cg.solve(r, xc);
                double e = relErr(toDouble(xc.toArray()), toDouble(xf.toArray()));
                assertTrue(e < 1e-4, "periodic cIn=" + cIn + " cOut=" + cOut + " k=" + k + ": " + e);
                log.append(String.format(" periodic %d->%d k%d: %d it;", cIn, cOut, k, it));
                // zero-padded: CG on A (the image) is the exact (μI + AᵀA)⁻¹ that the FFT only approximates
                Conv a = new Conv(wd, cOut, cIn, k, h, w, 1, pad);
                ConjugateGradient cgA = new ConjugateGradient(a, MU, Options.defaults().withTolerance(1e-6), arena);
                FloatVec ri = FloatVec.of(arena, ConvGramFftTest.uniform(rnd, n)), xi = FloatVec.allocate(arena, n);
                int itA = cgA.solve(ri, xi);
                DMatrixRMaj dense = ConvReference.matrix(x -> ConvReference.conv(wd, cOut, cIn, k, x, h, w, 1, pad), n);
                double eA = relErr(toDouble(xi.toArray()), ConvReference.gramSolve(dense, MU, toDouble(ri.toArray())));
                assertTrue(eA < 1e-4, "zero-padded cIn=" + cIn + " cOut=" + cOut + " k=" + k + ": " + eA);
                log.append(String.format(" zero-padded: %d it;", itA));
            }
        }
        System.out.println("ConjugateGradient stride 1 (5x7, pad 1, tol 1e-6):" + log);
    }

    @Test
    void warmStartFromTheSolutionTakesNoIterationsAndZeroRightHandSideGivesZero() {
        SplittableRandom rnd = new SplittableRandom(23);
        try (Arena arena = Arena.ofConfined()) {
            Conv a = new Conv(toDouble(ConvGramFftTest.weights(rnd, 3, 3, 3)), 3, 3, 3, 8, 8, 2, 1);
            ConjugateGradient cg = new ConjugateGradient(a, MU, Options.defaults(), arena);
            FloatVec r = FloatVec.of(arena, ConvGramFftTest.uniform(rnd, a.inputs())), x = FloatVec.allocate(arena, a.inputs());
            int cold = cg.solve(r, x);
            assertTrue(cold > 0 && cg.lastConverged());
            float[] sol = x.toArray();
            assertEquals(0, cg.solve(r, x), "warm start at the solution");
            assertTrue(cg.lastRelativeResidual() <= 1e-5, cg.lastResult().toString());
            assertEquals(0, relErr(toDouble(x.toArray()), toDouble(sol)));
            for (int i = 0; i < sol.length; i++) {
                x.set(i, sol[i] * 0.999f);
            }
            int warm = cg.solve(r, x);
            assertTrue(warm < cold, "warm start near the solution: " + warm + " iterations, cold " + cold);
            FloatVec zero = FloatVec.allocate(arena, a.inputs());
            assertEquals(0, cg.solve(zero, x));
            assertEquals(0, relErr(toDouble(x.toArray()), new double[a.inputs()]));
            ConjugateGradient one = new ConjugateGradient(a, MU, Options.defaults().withMaxIterations(1), arena);
            FloatVec x1 = FloatVec.allocate(arena, a.inputs());
            assertEquals(1, one.solve(r, x1));
            assertTrue(!one.lastConverged() && one.lastRelativeResidual() > 1e-5, one.lastResult().toString());
        }
    }

    @Test
    void refusesBadArguments() {
        try (Arena arena = Arena.ofConfined()) {
            Conv a = new Conv(new double[27], 1, 3, 3, 5, 5, 2, 0);
            assertMessage(() -> new Options(0, 10), "tolerance", "(0, 1)", "0.0");
            assertMessage(() -> new Options(1e-5, -1), "maxIterations", ">= 0", "-1");
            assertMessage(() -> new ConjugateGradient(a, -1, Options.defaults(), arena), "mu", ">= 0", "-1");
            assertMessage(() -> new ConjugateGradient(a, Double.NaN, Options.defaults(), arena), "mu", "NaN");
            ConjugateGradient cg = new ConjugateGradient(a, 1, Options.defaults(), arena);
            FloatVec ok = FloatVec.allocate(arena, 75), bad = FloatVec.allocate(arena, 74);
            assertMessage(() -> cg.solve(bad, ok), "r", "expected length 75", "got 74");
            assertMessage(() -> cg.solve(ok, bad), "x", "expected length 75", "got 74");
        }
    }
}
