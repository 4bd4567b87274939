package dev.netinvert.tests.solvers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.IterationListener;
import dev.netinvert.solvers.PdhgSteps;
import dev.netinvert.solvers.StepRules;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.experiments.Phantoms;
import dev.netinvert.solvers.lifted.Landweber;
import dev.netinvert.solvers.lifted.LiftedResult;
import dev.netinvert.solvers.lifted.PdhgTv;
import dev.netinvert.solvers.lifted.ReferencePdhgTv;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.Observations;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.parallel.Parallelism;
import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fast PDHG-TV and Landweber solvers against their reference twin, across thread counts, and on bad input. */
class PdhgTvTest {
    static Arena arena;
    static DenseLayer circleLayer;
    static FloatVec circleY;

    @BeforeAll
    static void setUp() {
        arena = Arena.ofShared();
        Network net = RandomNetworks.gaussianWithBias(arena, 7, new int[] {4096, 512}, List.of(Activation.RELU),
                RandomNetworks.WeightScale.constant(1 / 64.0), 1 / 64.0);
        circleLayer = net.dense(1);
        circleY = Observations.noisy(net, FloatVec.of(arena, Phantoms.paperCircle()),
                new Observations.Noise.Gaussian(0.005), 8, true, arena);
    }

    @AfterAll
    static void tearDown() {
        arena.close();
    }

    /**
     * The first 200 iterates of the fast solver and of the plain-array reference agree to a relative
     * difference ≤ 1e-4 at the circle's size. Why that bound: the two differ only in the summation order
     * of the reductions (lanes and 4 accumulators vs one sequential accumulator); each gradient entry is a
     * 512-term sum, whose float result differs by at most ~512·2⁻²⁴ ≈ 3e-5 of Σ|terms| and in practice
     * by ~√512·2⁻²⁴ ≈ 1.4e-6. PDHG with these steps is non-expansive, so differences injected per
     * iteration add up at most linearly: 200 · 1e-6·‖g‖τ stays well below 1e-4 of ‖x‖ (measured: ~1e-6).
     */
    @Test
    void fastIteratesMatchTheReferenceForTheFirst200Iterations() {
        double alpha = 1.5e-2, tauX = StepRules.gradient(circleLayer.operatorNorm().value()), tauZ = StepRules.pdhgDual(alpha);
        int[] checkpoints = {1, 2, 10, 50, 100, 200};
        Map<Integer, float[]> ref = new HashMap<>();
        new ReferencePdhgTv(circleLayer.weight().toArray(), 512, 4096, circleLayer.bias().toArray(), Activation.RELU,
                circleY.toArray(), 1, 64, 64, (float) alpha, (float) tauX, (float) tauZ, true)
                .run(200, (k, x) -> ref.put(k, x));
        try (Parallelism par = Parallelism.sequential()) {
            for (int k : checkpoints) {
                PdhgTv.Options o = PdhgTv.Options.builder(alpha).maxIterations(k).tol(1e-30).build();
                float[] fast = PdhgTv.solve(circleLayer, circleY, 1, 64, 64, o, par, IterationListener.NONE).x();
                double rel = relDiff(fast, ref.get(k));
                assertTrue(rel <= 1e-4, "iteration " + k + ": relative difference " + rel);
            }
        }
    }

    /**
     * Sampling the history (objective, TV and the certified gap, which passes over W at the x the next step starts
     * from; the step then reuses that gradient) changes nothing the iteration computes: the same bits of x, the same
     * final objective, discrepancy and gap whether a sample is taken every step, every 7 or never.
     */
    @Test
    void historySamplesDoNotChangeTheIterates() {
        try (Parallelism par = Parallelism.sequential()) {
            LiftedResult never = solveWithHistory(1_000_000, par);
            for (int interval : new int[] {1, 7}) {
                LiftedResult r = solveWithHistory(interval, par);
                assertArrayEquals(never.x(), r.x(), "x with a history sample every " + interval);
                assertEquals(never.objective(), r.objective(), 0.0, "objective, sample every " + interval);
                assertEquals(never.discrepancy(), r.discrepancy(), 0.0, "discrepancy, sample every " + interval);
                double[] gaps = r.history().gap(), last = never.history().gap();
                assertEquals(last[last.length - 1], gaps[gaps.length - 1], 0.0, "final gap, sample every " + interval);
                assertTrue(gaps.length >= 120 / interval, "samples taken: " + gaps.length);
            }
        }
    }

    private static LiftedResult solveWithHistory(int interval, Parallelism par) {
        PdhgTv.Options o = PdhgTv.Options.builder(1.5e-2).maxIterations(120).tol(1e-30).historyInterval(interval).build();
        return PdhgTv.solve(circleLayer, circleY, 1, 64, 64, o, par, IterationListener.NONE);
    }

    @Test
    void resultIsBitIdenticalForAnyThreadCount() {
        PdhgTv.Options o = PdhgTv.Options.builder(1.5e-2).maxIterations(300).build();
        float[] one;
        try (Parallelism par = Parallelism.of(1)) {
            one = PdhgTv.solve(circleLayer, circleY, 1, 64, 64, o, par, IterationListener.NONE).x();
        }
        for (int threads : new int[] {2, 3, 5}) {
            try (Parallelism par = Parallelism.of(threads)) {
                LiftedResult r = PdhgTv.solve(circleLayer, circleY, 1, 64, 64, o, par, IterationListener.NONE);
                assertEquals(threads, r.threads());
                assertArrayEquals(one, r.x(), "PDHG with " + threads + " threads");
            }
        }
        Landweber.Options lo = Landweber.Options.builder(0).maxIterations(40).build();
        float[] lw1, lw2;
        try (Parallelism par = Parallelism.of(1)) {
            lw1 = Landweber.solve(circleLayer, circleY, lo, par, IterationListener.NONE).x();
        }
        try (Parallelism par = Parallelism.of(2)) {
            lw2 = Landweber.solve(circleLayer, circleY, lo, par, IterationListener.NONE).x();
        }
        assertArrayEquals(lw1, lw2, "Landweber with 2 threads");
    }

    @Test
    void resultTellsTheTruthAboutConvergence() {
        try (Parallelism par = Parallelism.sequential()) {
            PdhgTv.Options o = PdhgTv.Options.builder(1.5e-2).maxIterations(30).historyInterval(10).build();
            LiftedResult r = PdhgTv.solve(circleLayer, circleY, 1, 64, 64, o, par, IterationListener.NONE);
            assertEquals(StopReason.MAX_ITERATIONS, r.stopReason());
            assertEquals(30, r.iterations());
            assertTrue(r.primalChange() > 1e-5 && Double.isFinite(r.dualChange()));
            assertArrayEquals(new int[] {1, 10, 20, 30}, r.history().iterations());
            assertTrue(r.seconds() > 0);
            // A loose tolerance is met early and reported as such.
            LiftedResult loose = PdhgTv.solve(circleLayer, circleY, 1, 64, 64, o.toBuilder().maxIterations(5000).tol(1e-2).build(),
                    par, IterationListener.NONE);
            assertEquals(StopReason.TOLERANCE, loose.stopReason());
            assertTrue(loose.primalChange() < 1e-2 && loose.dualChange() < 1e-2);
        }
    }

    /**
     * The certified primal-dual gap on the circle instance: ≥ 0 at every sample, falling by two orders of
     * magnitude over 3000 iterations, and a true certificate — the objective of the 3000-iteration x is at most
     * its gap above that of a 12 000-iteration x inside the same box (‖x‖∞ ≤ 1 here), and an early x's gap
     * covers its distance to the late objective. With {@code gapStop} the solve stops with GAP once
     * gap ≤ ε·max(1, P).
     */
    @Test
    void theCertifiedGapIsNonNegativeFallsAndBoundsTheSuboptimality() {
        try (Parallelism par = Parallelism.sequential()) {
            PdhgTv.Options o = PdhgTv.Options.builder(1.5e-2).maxIterations(3000).tol(1e-30).historyInterval(100).build();
            LiftedResult r = PdhgTv.solve(circleLayer, circleY, 1, 64, 64, o, par, IterationListener.NONE);
            double[] gap = r.history().gap(), obj = r.history().objective();
            for (int i = 0; i < gap.length; i++) {
                assertTrue(gap[i] >= 0 && Double.isFinite(gap[i]), "gap at sample " + i + ": " + gap[i]);
            }
            assertTrue(gap[gap.length - 1] < 0.01 * gap[0], "gap " + gap[0] + " -> " + gap[gap.length - 1]);
            LiftedResult late = PdhgTv.solve(circleLayer, circleY, 1, 64, 64, o.toBuilder().maxIterations(12_000).build(), par,
                    IterationListener.NONE);
            double maxAbs = 0;
            for (float v : late.x()) {
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
            assertTrue(maxAbs <= 1.0 + 1e-6, "the late x lies in the certificate's box, max |x| = " + maxAbs);
            assertTrue(r.objective() - late.objective() <= gap[gap.length - 1] + 1e-6 * r.objective(),
                    "suboptimality " + (r.objective() - late.objective()) + " within the certified gap " + gap[gap.length - 1]);
            assertTrue(obj[1] - late.objective() <= gap[1] + 1e-6, "an early sample's gap covers it too");
            LiftedResult stopped = PdhgTv.solve(circleLayer, circleY, 1, 64, 64,
                    o.toBuilder().maxIterations(20_000).gapStop(1e-2).historyInterval(10).build(), par, IterationListener.NONE);
            assertEquals(StopReason.GAP, stopped.stopReason());
            double[] sg = stopped.history().gap();
            assertTrue(sg[sg.length - 1] <= 1e-2 * Math.max(1, stopped.objective()) * 1.0001, "final gap " + sg[sg.length - 1]);
            assertTrue(stopped.iterations() < 20_000);
        }
    }

    @Test
    void aStepFarTooLargeIsReportedAsDivergence() {
        double tauX = 500 / Math.pow(circleLayer.operatorNorm().value(), 2);
        PdhgTv.Options o = PdhgTv.Options.builder(1.5e-2).steps(PdhgSteps.fixed(tauX, StepRules.pdhgDual(1.5e-2)))
                .maxIterations(2000).historyInterval(1).build();
        try (Parallelism par = Parallelism.sequential()) {
            LiftedResult r = PdhgTv.solve(circleLayer, circleY, 1, 64, 64, o, par, IterationListener.NONE);
            assertEquals(StopReason.DIVERGED, r.stopReason());
            assertTrue(r.iterations() < 2000);
            for (float v : r.x()) {
                assertTrue(Float.isFinite(v), "the returned iterate is the last finite one");
            }
        }
    }

    @Test
    void badInputIsRejectedWithTheArgumentNamed() {
        try (Parallelism par = Parallelism.sequential()) {
            PdhgTv.Options o = PdhgTv.Options.builder(1.5e-2).build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PdhgTv.solve(circleLayer, circleY, 1, 32, 64, o, par, IterationListener.NONE));
            assertTrue(e.getMessage().contains("1×32×64") && e.getMessage().contains("4096"), e.getMessage());
            FloatVec shortY = FloatVec.allocate(arena, 100);
            e = assertThrows(IllegalArgumentException.class,
                    () -> PdhgTv.solve(circleLayer, shortY, 1, 64, 64, o, par, IterationListener.NONE));
            assertTrue(e.getMessage().contains("y") && e.getMessage().contains("512"), e.getMessage());
            FloatVec negative = FloatVec.allocate(arena, 512);
            negative.set(17, -0.5f);
            e = assertThrows(IllegalArgumentException.class,
                    () -> PdhgTv.solve(circleLayer, negative, 1, 64, 64, o, par, IterationListener.NONE));
            assertTrue(e.getMessage().contains("17") && e.getMessage().contains("-0.5"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> PdhgTv.Options.builder(0).build());
            assertTrue(e.getMessage().contains("alpha"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> PdhgTv.Options.builder(1).maxIterations(0).build());
            assertTrue(e.getMessage().contains("maxIterations"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Landweber.Options.defaults(-1));
            assertTrue(e.getMessage().contains("delta"), e.getMessage());
        }
    }

    static double relDiff(float[] a, float[] b) {
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            num += d * d;
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num / Math.max(den, 1e-300));
    }
}
