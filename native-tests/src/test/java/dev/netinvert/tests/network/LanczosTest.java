package dev.netinvert.tests.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.linalg.LinearOperator;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Lanczos;
import dev.netinvert.solvers.network.OperatorNorm;
import dev.netinvert.solvers.network.SeededGaussian;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.SingularOps_DDRM;
import org.junit.jupiter.api.Test;

/**
 * ‖W‖₂ by the Lanczos iteration: known spectra, EJML's double-precision SVD and a double power iteration as
 * independent references, the monotone lower bound of nested Krylov spaces, the per-layer cache.
 */
class LanczosTest {

    /**
     * Rows ±s_i·e_{π(i)} have singular values |s_i| = 3, 2, 1, 0.5 and WᵀW has five distinct eigenvalues
     * (with 0), so in exact arithmetic the Krylov space of a random start is invariant after five steps. In
     * float the vectors lose orthogonality (β₅ ≈ 6e-3, not 0), so the iteration stops a step later on two
     * unchanged estimates; the value is exact to rounding either way.
     */
    @Test
    void knownSingularValuesAreFoundInAsManyStepsAsDistinctEigenvalues() {
        try (Arena arena = Arena.ofConfined()) {
            float[] s = {1f, -3f, 2f, 0.5f};
            int[] col = {4, 0, 2, 6};
            FloatMatrix w = FloatMatrix.allocate(arena, 4, 7);
            for (int i = 0; i < 4; i++) {
                w.set(i, col[i], s[i]);
            }
            OperatorNorm n = Lanczos.estimate(w);
            assertTrue(n.converged());
            assertTrue(n.iterations() <= 7, () -> "iterations " + n.iterations());
            assertEquals(3.0, n.value(), 3.0 * 1e-6);
        }
    }

    /**
     * Gaussian matrices, among them the shapes of the lifted-CD and circle problems, against EJML's SVD in
     * double: the float iteration ends within 2e-6 relative (rounding of the float GEMVs is ~1e-7 per pair;
     * the tolerance 1e-6 on successive estimates is met long after the error is below it), never above ‖W‖₂
     * by more than rounding, and in at most 45 GEMV pairs where power iteration to the same tolerance needs
     * 69-196 on these shapes.
     */
    @Test
    void gaussianMatricesAgainstEjmlsSvd() {
        int[][] shapes = {{60, 90}, {192, 256}, {384, 192}, {100, 784}, {784, 100}, {17, 1023}, {1, 15}, {15, 1}};
        for (int[] shape : shapes) {
            try (Arena arena = Arena.ofConfined()) {
                FloatMatrix w = FloatMatrix.allocate(arena, shape[0], shape[1]);
                new SeededGaussian(3 + shape[0]).fill(w, 0, 1 / Math.sqrt(shape[1]));
                OperatorNorm n = Lanczos.estimate(w);
                double exact = svdNorm(w);
                String where = shape[0] + "×" + shape[1] + ": " + n + " against " + exact;
                assertTrue(n.converged(), where);
                assertTrue(n.iterations() <= 45, where);
                assertEquals(exact, n.value(), 2e-6 * exact, where);
                assertTrue(n.value() <= exact * (1 + 1e-6), where);
            }
        }
    }

    /**
     * No gap at the top: W = diag(√(i/n)), so WᵀW has the eigenvalues i/n, evenly spaced up to 1, the hardest
     * spectrum for both Krylov methods. The change-based stop is then not a bound: the estimate ends 6e-6 below 1
     * (Lanczos, 53 pairs; power iteration ended 1.7e-4 below after 308), inside the 1 % margin of every step rule.
     */
    @Test
    void aSpectrumWithoutAGapStillEndsClose() {
        int n = 500;
        try (Arena arena = Arena.ofConfined()) {
            FloatMatrix w = FloatMatrix.allocate(arena, n, n);
            for (int i = 0; i < n; i++) {
                w.set(i, i, (float) Math.sqrt((i + 1.0) / n));
            }
            OperatorNorm e = Lanczos.estimate(w);
            assertTrue(e.converged() && e.iterations() <= 120, e::toString);
            assertTrue(e.value() <= 1 + 1e-6 && e.value() >= 1 - 2e-5, e::toString);
        }
    }

    /** A double power iteration run to 1e-13 agrees with EJML's SVD: the two references check each other. */
    @Test
    void theTwoReferencesAgree() {
        try (Arena arena = Arena.ofConfined()) {
            FloatMatrix w = FloatMatrix.allocate(arena, 60, 90);
            new SeededGaussian(3).fill(w, 0, 1);
            double exact = svdNorm(w);
            assertEquals(exact, referenceNorm(w), 1e-9 * exact);
            // √m + √n is the large-size limit of ‖W‖ for N(0, 1) entries
            assertTrue(exact > 12 && exact < 20, "‖W‖ = " + exact);
            assertEquals(exact, Lanczos.estimate(w).value(), 2e-6 * exact);
        }
    }

    /**
     * The Krylov spaces are nested, so the estimate after k steps never decreases in k and never exceeds
     * ‖W‖₂ (up to float rounding), and a capped run says it did not converge.
     */
    @Test
    void estimatesRiseMonotonicallyToTheNormFromBelow() {
        try (Arena arena = Arena.ofConfined()) {
            FloatMatrix w = FloatMatrix.allocate(arena, 80, 120);
            new SeededGaussian(11).fill(w, 0, 1);
            double exact = svdNorm(w), previous = 0;
            for (int k = 1; k <= 12; k++) {
                OperatorNorm capped = Lanczos.estimate(w, 5, 1e-7, k);
                assertFalse(capped.converged(), capped::toString);
                assertEquals(k, capped.iterations());
                assertTrue(capped.value() >= previous * (1 - 1e-6), k + ": " + capped.value() + " after " + previous);
                assertTrue(capped.value() <= exact * (1 + 1e-6), capped + " above " + exact);
                previous = capped.value();
            }
            assertTrue(previous > 0.99 * exact, "12 steps of Lanczos get within 1 %: " + previous + " / " + exact);
        }
    }

    /**
     * Any {@link LinearOperator}: the chain A = W₂W₁ applied factor by factor (never formed) against EJML's SVD
     * of the product formed in double, and an operator without inputs is refused with its shape.
     */
    @Test
    void aChainOfMatricesAsAnOperator() {
        try (Arena arena = Arena.ofConfined()) {
            FloatMatrix w1 = FloatMatrix.allocate(arena, 40, 70), w2 = FloatMatrix.allocate(arena, 30, 40);
            new SeededGaussian(21).fill(w1, 0, 1);
            new SeededGaussian(22).fill(w2, 0, 1);
            FloatVec mid = FloatVec.allocate(arena, 40);
            LinearOperator chain = new LinearOperator() {
                @Override
                public int inputs() {
                    return 70;
                }

                @Override
                public int outputs() {
                    return 30;
                }

                @Override
                public void apply(FloatVec x, FloatVec y) {
                    Blas.gemv(1f, w1, x, 0f, mid);
                    Blas.gemv(1f, w2, mid, 0f, y);
                }

                @Override
                public void applyAdjoint(FloatVec y, FloatVec x) {
                    Blas.gemvT(1f, w2, y, 0f, mid);
                    Blas.gemvT(1f, w1, mid, 0f, x);
                }
            };
            DMatrixRMaj product = new DMatrixRMaj(30, 70);
            for (int i = 0; i < 30; i++) {
                for (int j = 0; j < 70; j++) {
                    double sum = 0;
                    for (int k = 0; k < 40; k++) {
                        sum += (double) w2.get(i, k) * w1.get(k, j);
                    }
                    product.set(i, j, sum);
                }
            }
            double exact = java.util.Arrays.stream(SingularOps_DDRM.singularValues(product)).max().orElseThrow();
            OperatorNorm n = Lanczos.estimate(chain, 4, 1e-6, 200);
            assertTrue(n.converged(), n::toString);
            assertEquals(exact, n.value(), 2e-6 * exact, n + " against " + exact);

            LinearOperator empty = new LinearOperator() {
                @Override
                public int inputs() {
                    return 0;
                }

                @Override
                public int outputs() {
                    return 3;
                }

                @Override
                public void apply(FloatVec x, FloatVec y) {}

                @Override
                public void applyAdjoint(FloatVec y, FloatVec x) {}
            };
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Lanczos.estimate(empty, 1, 1e-6, 10));
            assertTrue(e.getMessage().startsWith("a:") && e.getMessage().contains("0 → 3"), e.getMessage());
        }
    }

    private static double svdNorm(FloatMatrix w) {
        DMatrixRMaj a = new DMatrixRMaj(w.rows(), w.cols());
        for (int i = 0; i < w.rows(); i++) {
            for (int j = 0; j < w.cols(); j++) {
                a.set(i, j, w.get(i, j));
            }
        }
        return java.util.Arrays.stream(SingularOps_DDRM.singularValues(a)).max().orElseThrow();
    }

    private static double referenceNorm(FloatMatrix w) {
        int m = w.rows(), n = w.cols();
        double[] v = new double[n];
        java.util.Arrays.fill(v, 1.0);
        v[0] = 2;
        double prev = 0, s = 0;
        for (int k = 0; k < 100000; k++) {
            double[] u = new double[m];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    u[i] += w.get(i, j) * v[j];
                }
            }
            double nv = 0;
            for (double x : v) {
                nv += x * x;
            }
            double nu = 0;
            for (double x : u) {
                nu += x * x;
            }
            s = Math.sqrt(nu / nv);
            if (Math.abs(s - prev) <= 1e-13 * s) {
                break;
            }
            prev = s;
            java.util.Arrays.fill(v, 0);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    v[j] += w.get(i, j) * u[i] / (s * s); // ÷ s² per step: ‖v‖ stays of order 1
                }
            }
        }
        return s;
    }

    /**
     * Row weights d: the estimate of ‖D^{1/2}W‖₂ equals the plain estimate of the matrix with row i scaled
     * by √d_i, to 2e-6 (both runs end within ~1e-7 of the limit, see {@link #gaussianMatricesAgainstEjmlsSvd}), and a
     * zero weight removes its row. Known case: rows ±s_i·e_{π(i)} weighted by d_i have singular values
     * √d_i·|s_i|.
     */
    @Test
    void rowWeightsScaleTheRows() {
        try (Arena arena = Arena.ofConfined()) {
            float[] s = {1f, -3f, 2f, 0.5f}, d = {4f, 0f, 1f, 9f}; // √d·|s| = 2, 0, 2, 1.5
            int[] col = {4, 0, 2, 6};
            FloatMatrix w = FloatMatrix.allocate(arena, 4, 7);
            for (int i = 0; i < 4; i++) {
                w.set(i, col[i], s[i]);
            }
            OperatorNorm k = Lanczos.estimate(w, FloatVec.of(arena, d), 5, 1e-6, 2000);
            assertTrue(k.converged());
            assertEquals(2.0, k.value(), 2.0 * 1e-6, "the unweighted norm 3 is removed by d = 0");

            FloatMatrix g = FloatMatrix.allocate(arena, 50, 40), scaled = FloatMatrix.allocate(arena, 50, 40);
            new SeededGaussian(8).fill(g, 0, 1);
            FloatVec weights = FloatVec.allocate(arena, 50);
            for (int i = 0; i < 50; i++) {
                float di = i < 20 ? 1f : 1e-2f; // LinearizedAdmm's shape: 1 on S, ρ on S^c
                weights.set(i, di);
                for (int j = 0; j < 40; j++) {
                    scaled.set(i, j, (float) Math.sqrt(di) * g.get(i, j));
                }
            }
            OperatorNorm weighted = Lanczos.estimate(g, weights, 5, 1e-6, 2000);
            OperatorNorm plain = Lanczos.estimate(scaled, 5, 1e-6, 2000);
            assertTrue(weighted.converged() && plain.converged());
            assertEquals(plain.value(), weighted.value(), 2e-6 * plain.value());
            assertTrue(weighted.value() < Lanczos.estimate(g).value(), "weights ≤ 1 shrink the norm");
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Lanczos.estimate(g, FloatVec.allocate(arena, 49), 5, 1e-6, 10));
            assertTrue(e.getMessage().contains("rowWeights") && e.getMessage().contains("50")
                    && e.getMessage().contains("49"), e.getMessage());
        }
    }

    @Test
    void capAndArgumentsAreReported() {
        try (Arena arena = Arena.ofConfined()) {
            FloatMatrix w = FloatMatrix.allocate(arena, 30, 30);
            new SeededGaussian(1).fill(w, 0, 1);
            OperatorNorm n = Lanczos.estimate(w, 1, 1e-6, 2);
            assertFalse(n.converged());
            assertEquals(2, n.iterations());
            OperatorNorm zero = Lanczos.estimate(FloatMatrix.allocate(arena, 3, 3));
            assertEquals(0.0, zero.value());
            assertTrue(zero.converged(), zero::toString);
            FloatMatrix bad = FloatMatrix.allocate(arena, 4, 5);
            bad.set(2, 3, Float.NaN);
            OperatorNorm nan = Lanczos.estimate(bad);
            assertTrue(Double.isNaN(nan.value()) && !nan.converged(), nan::toString);
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Lanczos.estimate(w, 1, 0, 10));
            IllegalArgumentException cap = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Lanczos.estimate(w, 1, 1e-6, 0));
            assertTrue(cap.getMessage().contains("maxIterations") && cap.getMessage().contains("0"), cap.getMessage());
        }
    }

    @Test
    void layerCachesItsNormOnceAcrossThreads() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            FloatMatrix w = FloatMatrix.allocate(arena, 50, 40);
            new SeededGaussian(2).fill(w, 0, 1);
            DenseLayer layer = new DenseLayer(w, null, Activation.RELU);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Callable<OperatorNorm>> tasks = new ArrayList<>();
                for (int k = 0; k < 8; k++) {
                    tasks.add(layer::operatorNorm);
                }
                List<Future<OperatorNorm>> results = pool.invokeAll(tasks);
                OperatorNorm first = results.get(0).get();
                for (Future<OperatorNorm> f : results) {
                    assertSame(first, f.get());
                }
                assertSame(first, layer.operatorNorm());
                // Recomputing gives the same value up to the kernels' JIT-dependent lane-reduction order (SameBits).
                assertEquals(Lanczos.estimate(w).value(), first.value(), 1e-6 * first.value());
            } finally {
                pool.shutdown();
            }
        }
    }

    /**
     * The dense operator's normal product (one pass over W through the fused gradient) gives the bits of its
     * apply followed by its applyAdjoint, so the estimate does not depend on which of them runs (the kernels' side
     * of it, at more shapes and in every surefire execution: {@code LayoutIndependenceTest}).
     */
    @Test
    void theDenseNormalProductIsApplyThenAdjointBitForBit() {
        int[][] shapes = {{17, 1023}, {784, 100}, {64, 4096}};
        try (Arena arena = Arena.ofShared()) {
            for (int[] shape : shapes) {
                for (boolean padded : new boolean[] {false, true}) {
                    int m = shape[0], n = shape[1];
                    FloatMatrix w = padded ? FloatMatrix.allocatePadded(arena, m, n) : FloatMatrix.allocate(arena, m, n);
                    new SeededGaussian(m * 31L + n).fill(w, 0, 1);
                    FloatVec q = FloatVec.allocate(arena, n);
                    new SeededGaussian(n).fill(q, 0, 1);
                    LinearOperator a = new DenseLayer(w, null, Activation.IDENTITY).linearOperator(null);
                    FloatVec u1 = FloatVec.allocate(arena, m), z1 = FloatVec.allocate(arena, n);
                    FloatVec u2 = FloatVec.allocate(arena, m), z2 = FloatVec.allocate(arena, n);
                    a.apply(q, u1);
                    a.applyAdjoint(u1, z1);
                    a.applyNormal(q, u2, z2);
                    String at = m + "×" + n + (padded ? " padded" : "");
                    for (int i = 0; i < m; i++) {
                        assertEquals(Float.floatToRawIntBits(u1.get(i)), Float.floatToRawIntBits(u2.get(i)),
                                at + ": u[" + i + "]");
                    }
                    for (int j = 0; j < n; j++) {
                        assertEquals(Float.floatToRawIntBits(z1.get(j)), Float.floatToRawIntBits(z2.get(j)),
                                at + ": z[" + j + "]");
                    }
                }
            }
        }
    }
}
