package dev.netinvert.tests.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.PowerIteration;
import dev.netinvert.solvers.network.PowerIteration.OperatorNorm;
import dev.netinvert.solvers.network.SeededGaussian;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** ‖W‖₂ by power iteration: known spectra, a double-precision reference, the per-layer cache. */
class PowerIterationTest {

    /** Rows ±s_i·e_{π(i)} have singular values |s_i|; the ratio (2/3)² per step converges quickly. */
    @Test
    void knownSingularValues() {
        try (Arena arena = Arena.ofConfined()) {
            float[] s = {1f, -3f, 2f, 0.5f};
            int[] col = {4, 0, 2, 6};
            FloatMatrix w = FloatMatrix.allocate(arena, 4, 7);
            for (int i = 0; i < 4; i++) {
                w.set(i, col[i], s[i]);
            }
            OperatorNorm n = PowerIteration.estimate(w);
            assertTrue(n.converged());
            assertEquals(3.0, n.value(), 3.0 * 1e-5);
            assertTrue(n.value() <= 3.0 * (1 + 1e-6), "from below, up to rounding");
        }
    }

    /**
     * A Gaussian 60×90 matrix against power iteration in double run to a tolerance of 1e-13: with a
     * relative tolerance of 1e-6 on successive estimates the float estimate is within ~1e-4 (the gap to
     * the limit is about the last change divided by 1 − (σ₂/σ₁)², here ~10·1e-6).
     */
    @Test
    void gaussianMatrixAgainstADoubleReference() {
        try (Arena arena = Arena.ofConfined()) {
            FloatMatrix w = FloatMatrix.allocate(arena, 60, 90);
            new SeededGaussian(3).fill(w, 0, 1);
            OperatorNorm n = PowerIteration.estimate(w);
            double exact = referenceNorm(w);
            assertTrue(n.converged(), () -> "iterations " + n.iterations());
            assertEquals(exact, n.value(), 1e-4 * exact);
            assertTrue(n.value() <= exact * (1 + 1e-6));
            // √m + √n is the large-size limit of ‖W‖ for N(0, 1) entries
            assertTrue(n.value() > 12 && n.value() < 20, "‖W‖ = " + n.value());
        }
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
                    v[j] += w.get(i, j) * u[i];
                }
            }
        }
        return s;
    }

    /**
     * Row weights d: the estimate of ‖D^{1/2}W‖₂ equals the plain estimate of the matrix with row i scaled
     * by √d_i, to the tolerance both stop at (1e-6 on successive values, so ~1e-5 between two runs), and a
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
            OperatorNorm k = PowerIteration.estimate(w, FloatVec.of(arena, d), 5, 1e-6, 2000);
            assertTrue(k.converged());
            assertEquals(2.0, k.value(), 2.0 * 1e-5, "the unweighted norm 3 is removed by d = 0");

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
            OperatorNorm weighted = PowerIteration.estimate(g, weights, 5, 1e-6, 2000);
            OperatorNorm plain = PowerIteration.estimate(scaled, 5, 1e-6, 2000);
            assertTrue(weighted.converged() && plain.converged());
            assertEquals(plain.value(), weighted.value(), 1e-5 * plain.value());
            assertTrue(weighted.value() < PowerIteration.estimate(g).value(), "weights ≤ 1 shrink the norm");
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> PowerIteration.estimate(g, FloatVec.allocate(arena, 49), 5, 1e-6, 10));
            assertTrue(e.getMessage().contains("rowWeights") && e.getMessage().contains("50")
                    && e.getMessage().contains("49"), e.getMessage());
        }
    }

    @Test
    void capAndArgumentsAreReported() {
        try (Arena arena = Arena.ofConfined()) {
            FloatMatrix w = FloatMatrix.allocate(arena, 30, 30);
            new SeededGaussian(1).fill(w, 0, 1);
            OperatorNorm n = PowerIteration.estimate(w, 1, 1e-6, 2);
            assertFalse(n.converged());
            assertEquals(2, n.iterations());
            OperatorNorm zero = PowerIteration.estimate(FloatMatrix.allocate(arena, 3, 3));
            assertEquals(0.0, zero.value());
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> PowerIteration.estimate(w, 1, 0, 10));
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
                assertEquals(PowerIteration.estimate(w).value(), first.value(), 1e-6 * first.value());
            } finally {
                pool.shutdown();
            }
        }
    }
}
