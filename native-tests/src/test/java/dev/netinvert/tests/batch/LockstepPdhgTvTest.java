package dev.netinvert.tests.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.IterationListener;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.batch.LockstepPdhgTv;
import dev.netinvert.solvers.lifted.LiftedResult;
import dev.netinvert.solvers.lifted.PdhgTv;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.Observations;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.parallel.Parallelism;
import java.lang.foreign.Arena;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Lockstep PDHG-TV against one {@link PdhgTv#solve} per observation, at batch sizes 1, 3, 5 (uneven last block)
 * and 17, with one observation that stops at the first iteration; determinism across thread counts.
 *
 * <p>Tolerance: the lockstep data term comes from two GEMMs, the single solver's from a fused GEMV over row
 * blocks; each gradient entry is the same 192- or 512-term sum in another order (≲ √m·2⁻²⁴ relative to
 * Σ|terms|, about 1e-6). PDHG is non-expansive, so these add up at most linearly over the iterations; to
 * convergence at tol 1e-5 the iterates stay within 1e-3 relative (measured ≲ 1e-5), and the tolerance test,
 * which compares ‖x⁺ − x‖ with 1e-5 near the end of a slow decay, may fire a few iterations apart (±2 % + 2).
 */
class LockstepPdhgTvTest {
    static Arena arena;
    static DenseLayer layer;
    static FloatMatrix observations;
    static final int N = 17, SIDE = 16;

    @BeforeAll
    static void setUp() {
        arena = Arena.ofShared();
        Network net = RandomNetworks.gaussianWithBias(arena, 5, new int[] {SIDE * SIDE, 192}, List.of(Activation.RELU),
                RandomNetworks.WeightScale.fanIn(), 0.1);
        layer = net.dense(1);
        observations = FloatMatrix.allocate(arena, N, 192);
        for (int i = 0; i < N; i++) {
            FloatVec y = i == 4
                    // σ(b): x = 0 is exact, so this observation meets the tolerance at iteration 1
                    ? net.forward(FloatVec.allocate(arena, SIDE * SIDE), arena)
                    : Observations.noisy(net, RandomNetworks.latent(arena, SIDE * SIDE, 100 + i, 1.0),
                            new Observations.Noise.Gaussian(0.01), 200 + i, true, arena);
            Blas(y, i);
        }
    }

    private static void Blas(FloatVec y, int row) {
        dev.netinvert.kernels.Blas.copy(y, observations.row(row));
    }

    @AfterAll
    static void tearDown() {
        arena.close();
    }

    static PdhgTv.Options options() {
        return PdhgTv.Options.builder(2e-2).maxIterations(3000).historyInterval(25).build();
    }

    @Test
    void equalsSingleSolvesAtEveryBatchSize() {
        PdhgTv.Options o = options();
        try (Parallelism seq = Parallelism.sequential()) {
            LiftedResult[] single = new LiftedResult[N];
            for (int i = 0; i < N; i++) {
                single[i] = PdhgTv.solve(layer, observations.row(i), 1, SIDE, SIDE, o, seq, IterationListener.NONE);
            }
            assertEquals(StopReason.TOLERANCE, single[4].stopReason());
            assertEquals(1, single[4].iterations());
            int converged = 0;
            for (int b : new int[] {1, 3, 5, 17}) {
                List<LiftedResult> lock = LockstepPdhgTv.solve(layer, observations, 1, SIDE, SIDE, o, b, seq);
                assertEquals(N, lock.size());
                for (int i = 0; i < N; i++) {
                    LiftedResult s = single[i], l = lock.get(i);
                    String what = "B = " + b + ", observation " + i;
                    assertEquals(s.stopReason(), l.stopReason(), what);
                    assertTrue(Math.abs(s.iterations() - l.iterations()) <= 2 + 0.02 * s.iterations(),
                            what + ": iterations " + l.iterations() + " vs single " + s.iterations());
                    double rel = relDiff(l.x(), s.x());
                    assertTrue(rel <= 1e-3, what + ": relative difference of x " + rel);
                    assertTrue(Math.abs(l.objective() - s.objective()) <= 1e-4 * Math.abs(s.objective()) + 1e-9,
                            what + ": objective " + l.objective() + " vs " + s.objective());
                    assertTrue(Math.abs(s.history().size() - l.history().size()) <= 1, what + ": history samples");
                    if (s.stopReason() == StopReason.TOLERANCE) {
                        converged++;
                    }
                }
                assertArrayEquals(new float[SIDE * SIDE], lock.get(4).x(), "the σ(b) observation stays at x = 0");
                assertEquals(1, lock.get(4).iterations());
            }
            // most stop on the tolerance at different iterations (the active set shrinks), a few use the budget
            assertTrue(converged >= 4 * N / 2, "most observations should converge within the budget: " + converged);
        }
    }

    @Test
    void resultsAreBitIdenticalForAnyThreadCount() {
        PdhgTv.Options o = options().toBuilder().maxIterations(400).build();
        List<LiftedResult> one, two;
        try (Parallelism p = Parallelism.sequential()) {
            one = LockstepPdhgTv.solve(layer, observations, 1, SIDE, SIDE, o, 4, p);
        }
        try (Parallelism p = Parallelism.of(3)) {
            two = LockstepPdhgTv.solve(layer, observations, 1, SIDE, SIDE, o, 4, p);
        }
        for (int i = 0; i < N; i++) {
            assertArrayEquals(one.get(i).x(), two.get(i).x(), "observation " + i);
            assertEquals(one.get(i).iterations(), two.get(i).iterations());
        }
    }

    @Test
    void circleSizeIteratesAgreeWithSingleSolves() {
        try (Arena a = Arena.ofShared(); Parallelism seq = Parallelism.sequential()) {
            Network net = RandomNetworks.gaussianWithBias(a, 7, new int[] {4096, 512}, List.of(Activation.RELU),
                    RandomNetworks.WeightScale.constant(1 / 64.0), 1 / 64.0);
            FloatMatrix y = FloatMatrix.allocate(a, 3, 512);
            for (int i = 0; i < 3; i++) {
                dev.netinvert.kernels.Blas.copy(Observations.noisy(net, RandomNetworks.latent(a, 4096, 300 + i, 0.3),
                        new Observations.Noise.Gaussian(0.005), 400 + i, true, a), y.row(i));
            }
            PdhgTv.Options o = PdhgTv.Options.builder().maxIterations(150).tol(1e-30).build();
            List<LiftedResult> lock = LockstepPdhgTv.solve(net.dense(1), y, 1, 64, 64, o, 3, seq);
            for (int i = 0; i < 3; i++) {
                LiftedResult s = PdhgTv.solve(net.dense(1), y.row(i), 1, 64, 64, o, seq, IterationListener.NONE);
                assertEquals(150, lock.get(i).iterations());
                double rel = relDiff(lock.get(i).x(), s.x());
                assertTrue(rel <= 1e-4, "observation " + i + ": relative difference " + rel);
            }
        }
    }

    @Test
    void defaultBatchSizeGivesEveryThreadABlock() {
        int b = dev.netinvert.solvers.batch.LockstepDefaults.BATCH_SIZE;
        assertEquals(b, dev.netinvert.solvers.batch.LockstepDefaults.batchSize(100 * b, 2));
        assertEquals(9, dev.netinvert.solvers.batch.LockstepDefaults.batchSize(17, 2));
        assertEquals(1, dev.netinvert.solvers.batch.LockstepDefaults.batchSize(1, 8));
        assertEquals(Math.min(b, 17), dev.netinvert.solvers.batch.LockstepDefaults.batchSize(17, 1));
        assertThrows(IllegalArgumentException.class, () -> dev.netinvert.solvers.batch.LockstepDefaults.batchSize(0, 1));
    }

    @Test
    void rejectsBadArguments() {
        try (Parallelism seq = Parallelism.sequential()) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> LockstepPdhgTv.solve(layer, observations, 1, SIDE, SIDE, options(), 0, seq));
            assertTrue(e.getMessage().contains("batchSize must be >= 1, got 0"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> LockstepPdhgTv.solve(layer, observations, 1, SIDE, SIDE + 1, options(), 4, seq));
            assertTrue(e.getMessage().contains("pixels but W has 256 columns"), e.getMessage());
            FloatMatrix bad = FloatMatrix.allocate(arena, 2, 192);
            bad.set(1, 3, -1f);
            e = assertThrows(IllegalArgumentException.class,
                    () -> LockstepPdhgTv.solve(layer, bad, 1, SIDE, SIDE, options(), 4, seq));
            assertTrue(e.getMessage().startsWith("observations row 1: "), e.getMessage());
        }
    }

    static double relDiff(float[] a, float[] b) {
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (double) (a[i] - b[i]) * (a[i] - b[i]);
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num / Math.max(den, 1e-30));
    }
}
