package dev.netinvert.tests.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.IterationListener;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.batch.LockstepLiftedCoordinateDescent;
import dev.netinvert.solvers.lifted.LiftedCoordinateDescent;
import dev.netinvert.solvers.lifted.LiftedResult;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.Observations;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.parallel.Parallelism;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Lockstep lifted coordinate descent against one {@link LiftedCoordinateDescent#solve} per observation on a
 * 3-layer ReLU network (so that a hidden layer's target is itself a hidden variable), at the odd batch sizes 1,
 * 3 (uneven last block) and 17, with observations that stop at many different outer iterations and one that stops
 * at the first; a 1-layer network; determinism across thread counts.
 *
 * <p>Tolerance: every product of the lockstep solver is the single solver's GEMV done as a GEMM, the same sums of
 * 64 to 256 terms in another order (≲ √n·2⁻²⁴ relative to Σ|terms|, about 1e-6); the per-row arithmetic around
 * them (axpy, prox, PDHG stencils) is the same kernels. The coordinate descent damps such perturbations (the
 * PDHG step and the proximal-gradient step are non-expansive for these step sizes), so the iterates stay within
 * 1e-3 relative (measured 2e-7 to 1e-6 on x₀ at B = 9); the single solves stop between about 400 and 800
 * outer iterations. The stopping test compares ‖x⁺ − x‖ with tol at the end of a geometric decay with rate ρ
 * per outer iteration: a relative perturbation ε of the change moves the crossing by about ε / ln(1/ρ) iterations, a fraction of one here, so the count is the same or off by one where the change sits
 * within rounding of tol at the crossing; ±1 is allowed, and most counts must match exactly.
 */
class LockstepLiftedCoordinateDescentTest {
    static Arena arena;
    static Network net;
    static FloatMatrix observations;
    static final int N = 17, SIDE = 8, FIXED = 5;

    @BeforeAll
    static void setUp() {
        arena = Arena.ofShared();
        // widening layers (fan-in scaling) keep the lifted problem well enough conditioned to converge
        net = RandomNetworks.gaussianWithBias(arena, 31, new int[] {SIDE * SIDE, 128, 192, 256},
                List.of(Activation.RELU, Activation.RELU, Activation.RELU), RandomNetworks.WeightScale.fanIn(), 0.05);
        observations = observe(net, N, arena);
    }

    /** N noisy observations of random images; row FIXED is N(0), where the start x₀ = 0 is already the solution. */
    static FloatMatrix observe(Network net, int n, Arena arena) {
        FloatMatrix y = FloatMatrix.allocate(arena, n, net.outputSize());
        for (int i = 0; i < n; i++) {
            FloatVec yi = i == FIXED
                    ? net.forward(FloatVec.allocate(arena, net.inputSize()), arena)
                    : Observations.noisy(net, RandomNetworks.latent(arena, net.inputSize(), 100 + i, 0.5),
                            new Observations.Noise.Gaussian(0.002 * (1 + i % 4)), 200 + i, true, arena);
            Blas.copy(yi, y.row(i));
        }
        return y;
    }

    @AfterAll
    static void tearDown() {
        arena.close();
    }

    static LiftedCoordinateDescent.Options options() {
        return LiftedCoordinateDescent.Options.builder(1e-2).innerIterations(3).maxOuterIterations(1500).tol(1e-4)
                .historyInterval(20).build();
    }

    @Test
    void equalsSingleSolvesAtOddBatchSizes() {
        LiftedCoordinateDescent.Options o = options();
        try (Parallelism seq = Parallelism.sequential()) {
            LiftedResult[] single = new LiftedResult[N];
            TreeSet<Integer> stops = new TreeSet<>();
            for (int i = 0; i < N; i++) {
                single[i] = LiftedCoordinateDescent.solve(net.layers(), observations.row(i), 1, SIDE, SIDE, o, seq,
                        IterationListener.NONE);
                if (single[i].stopReason() == StopReason.TOLERANCE) {
                    stops.add(single[i].iterations());
                }
            }
            assertEquals(StopReason.TOLERANCE, single[FIXED].stopReason());
            assertEquals(1, single[FIXED].iterations());
            // the active set shrinks many times: most observations converge, at different outer iterations
            assertTrue(stops.size() >= N / 2, "distinct stopping iterations of the single solves: " + stops);
            for (int b : new int[] {1, 3, 17}) {
                List<LiftedResult> lock = LockstepLiftedCoordinateDescent.solve(net, observations, 1, SIDE, SIDE, o, b,
                        seq);
                assertEquals(N, lock.size());
                int exact = 0;
                for (int i = 0; i < N; i++) {
                    LiftedResult s = single[i], l = lock.get(i);
                    String what = "B = " + b + ", observation " + i;
                    assertEquals("lifted-cd", l.method());
                    assertEquals(s.stopReason(), l.stopReason(), what);
                    assertTrue(Math.abs(s.iterations() - l.iterations()) <= 1,
                            what + ": iterations " + l.iterations() + " vs single " + s.iterations());
                    exact += s.iterations() == l.iterations() ? 1 : 0;
                    assertTrue(relDiff(l.x(), s.x()) <= 1e-3, what + ": relative difference of x " + relDiff(l.x(), s.x()));
                    assertEquals(s.hidden().size(), l.hidden().size(), what);
                    for (int h = 0; h < s.hidden().size(); h++) {
                        double rel = relDiff(l.hidden().get(h), s.hidden().get(h));
                        assertTrue(rel <= 1e-3, what + ": relative difference of x_" + (h + 1) + " " + rel);
                    }
                    assertTrue(Math.abs(l.objective() - s.objective()) <= 1e-3 * Math.abs(s.objective()) + 1e-9,
                            what + ": objective " + l.objective() + " vs " + s.objective());
                    assertTrue(Math.abs(l.discrepancy() - s.discrepancy()) <= 1e-3 * s.discrepancy() + 1e-6,
                            what + ": discrepancy " + l.discrepancy() + " vs " + s.discrepancy());
                    assertEquals(s.layerResiduals().length, l.layerResiduals().length, what);
                    for (int k = 0; k < s.layerResiduals().length; k++) {
                        assertTrue(Math.abs(l.layerResiduals()[k] - s.layerResiduals()[k])
                                        <= 1e-3 * Math.abs(s.layerResiduals()[k]) + 1e-9,
                                what + ": residual of layer " + (k + 1));
                    }
                    assertTrue(Math.abs(s.history().size() - l.history().size()) <= 1, what + ": history samples");
                    assertEquals(l.iterations(), l.history().iterations()[l.history().size() - 1], what);
                    assertTrue(l.seconds() >= 0 && l.threads() == 1, what);
                }
                assertTrue(exact >= N - 3, "B = " + b + ": only " + exact + " of " + N + " iteration counts match exactly");
                assertArrayEquals(new float[SIDE * SIDE], lock.get(FIXED).x(), "the N(0) observation stays at x₀ = 0");
                assertEquals(1, lock.get(FIXED).iterations());
            }
        }
    }

    @Test
    void oneLayerEqualsSingleSolves() {
        try (Arena a = Arena.ofShared(); Parallelism seq = Parallelism.sequential()) {
            Network one = RandomNetworks.gaussianWithBias(a, 41, new int[] {SIDE * SIDE, 160}, List.of(Activation.RELU),
                    RandomNetworks.WeightScale.fanIn(), 0.05);
            FloatMatrix y = observe(one, 7, a);
            LiftedCoordinateDescent.Options o = options();
            List<LiftedResult> lock = LockstepLiftedCoordinateDescent.solve(one, y, 1, SIDE, SIDE, o, 3, seq);
            for (int i = 0; i < 7; i++) {
                LiftedResult s = LiftedCoordinateDescent.solve(one.layers(), y.row(i), 1, SIDE, SIDE, o, seq,
                        IterationListener.NONE);
                String what = "observation " + i;
                assertEquals(s.stopReason(), lock.get(i).stopReason(), what);
                assertTrue(Math.abs(s.iterations() - lock.get(i).iterations()) <= 1, what + ": iterations "
                        + lock.get(i).iterations() + " vs " + s.iterations());
                assertTrue(relDiff(lock.get(i).x(), s.x()) <= 1e-3, what);
                assertEquals(0, lock.get(i).hidden().size());
                assertEquals(1, lock.get(i).layerResiduals().length);
            }
        }
    }

    @Test
    void resultsAreBitIdenticalForAnyThreadCount() {
        LiftedCoordinateDescent.Options o = options().toBuilder().maxOuterIterations(200).build();
        List<LiftedResult> one, three;
        try (Parallelism p = Parallelism.sequential()) {
            one = LockstepLiftedCoordinateDescent.solve(net, observations, 1, SIDE, SIDE, o, 4, p);
        }
        try (Parallelism p = Parallelism.of(3)) {
            three = LockstepLiftedCoordinateDescent.solve(net, observations, 1, SIDE, SIDE, o, 4, p);
        }
        for (int i = 0; i < N; i++) {
            LiftedResult a = one.get(i), b = three.get(i);
            assertArrayEquals(a.x(), b.x(), "observation " + i);
            for (int h = 0; h < a.hidden().size(); h++) {
                assertArrayEquals(a.hidden().get(h), b.hidden().get(h), "observation " + i + ", x_" + (h + 1));
            }
            assertEquals(a.iterations(), b.iterations());
            assertEquals(a.stopReason(), b.stopReason());
            assertEquals(a.objective(), b.objective());
        }
    }

    @Test
    void rejectsBadArguments() {
        try (Parallelism seq = Parallelism.sequential()) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> LockstepLiftedCoordinateDescent.solve(net, observations, 1, SIDE, SIDE, options(), 0, seq));
            assertTrue(e.getMessage().contains("batchSize must be >= 1, got 0"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> LockstepLiftedCoordinateDescent.solve(net, observations, 1, SIDE, SIDE + 1, options(), 4, seq));
            assertTrue(e.getMessage().contains("pixels but W_1 has 64 columns"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> LockstepLiftedCoordinateDescent.solve(net,
                    FloatMatrix.allocate(arena, 2, 192), 1, SIDE, SIDE, options(), 4, seq));
            assertTrue(e.getMessage().contains("expected 256 columns"), e.getMessage());
            FloatMatrix bad = FloatMatrix.allocate(arena, 2, 256);
            bad.set(1, 3, -1f);
            e = assertThrows(IllegalArgumentException.class,
                    () -> LockstepLiftedCoordinateDescent.solve(net, bad, 1, SIDE, SIDE, options(), 4, seq));
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
