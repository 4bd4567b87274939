package dev.netinvert.tests.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.solvers.IterationListener;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.batch.LockstepLandweber;
import dev.netinvert.solvers.lifted.Landweber;
import dev.netinvert.solvers.lifted.LiftedResult;
import dev.netinvert.solvers.parallel.Parallelism;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Lockstep Landweber against one {@link Landweber#solve} per observation, each with its own discrepancy
 * target (the same problem set as {@link LockstepPdhgTvTest}). Tolerance as there: the iterates agree to
 * 1e-3 relative and the discrepancy stop may fire one iteration apart (±1 %).
 */
class LockstepLandweberTest {

    @BeforeAll
    static void setUp() {
        LockstepPdhgTvTest.setUp();
    }

    @AfterAll
    static void tearDown() {
        LockstepPdhgTvTest.tearDown();
    }

    @Test
    void equalsSingleSolvesWithPerObservationDeltas() {
        int n = LockstepPdhgTvTest.N;
        double[] deltas = new double[n];
        for (int i = 0; i < n; i++) {
            deltas[i] = 0.01 * Math.sqrt(192) * (1 + 0.25 * (i % 4)); // different targets: different stopping times
        }
        Landweber.Options o = Landweber.Options.builder(0).maxIterations(4000).historyInterval(10).build();
        try (Parallelism seq = Parallelism.sequential()) {
            int discrepancy = 0;
            for (int b : new int[] {1, 3, 17}) {
                List<LiftedResult> lock = LockstepLandweber.solve(LockstepPdhgTvTest.layer,
                        LockstepPdhgTvTest.observations, o, deltas, b, seq);
                for (int i = 0; i < n; i++) {
                    LiftedResult s = Landweber.solve(LockstepPdhgTvTest.layer, LockstepPdhgTvTest.observations.row(i),
                            o.toBuilder().delta(deltas[i]).build(), seq, IterationListener.NONE);
                    LiftedResult l = lock.get(i);
                    String what = "B = " + b + ", observation " + i;
                    assertEquals(s.stopReason(), l.stopReason(), what);
                    assertTrue(Math.abs(s.iterations() - l.iterations()) <= 1 + 0.01 * s.iterations(),
                            what + ": iterations " + l.iterations() + " vs " + s.iterations());
                    double rel = LockstepPdhgTvTest.relDiff(l.x(), s.x());
                    assertTrue(rel <= 1e-3 || s.iterations() == 0, what + ": relative difference " + rel);
                    assertTrue(l.discrepancy() <= 1.05 * deltas[i] || l.stopReason() != StopReason.DISCREPANCY, what);
                    if (l.stopReason() == StopReason.DISCREPANCY) {
                        discrepancy++;
                    }
                }
                // observation 4 is σ(b): x = 0 already meets every discrepancy, after 0 iterations
                assertEquals(0, lock.get(4).iterations());
                assertArrayEquals(new float[256], lock.get(4).x());
            }
            assertTrue(discrepancy == 3 * n, "every observation should meet its discrepancy: " + discrepancy);
            int[] its = lockIterations(deltas, o);
            assertTrue(Arrays.stream(its).distinct().count() > 3, "stopping times should differ: " + Arrays.toString(its));
        }
    }

    private static int[] lockIterations(double[] deltas, Landweber.Options o) {
        try (Parallelism two = Parallelism.of(2)) {
            return LockstepLandweber.solve(LockstepPdhgTvTest.layer, LockstepPdhgTvTest.observations, o, deltas, 4, two)
                    .stream().mapToInt(LiftedResult::iterations).toArray();
        }
    }
}
