package dev.netinvert.tests.solvers;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.IterationListener;
import dev.netinvert.solvers.lifted.Landweber;
import dev.netinvert.solvers.lifted.LiftedCoordinateDescent;
import dev.netinvert.solvers.lifted.LiftedResult;
import dev.netinvert.solvers.lifted.PdhgTv;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.network.RandomNetworks.WeightScale;
import dev.netinvert.solvers.parallel.Parallelism;
import dev.netinvert.solvers.pursuit.GradientDescent;
import dev.netinvert.solvers.pursuit.InversionResult;
import dev.netinvert.tests.AllocationBudget;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The iteration loops of every solver behind the public API allocate nothing once warm: PDHG-TV,
 * Landweber, lifted coordinate descent, gradient descent and Adam. A whole solve allocates its workspace
 * and its result once; what one iteration allocates is what a solve of 2N iterations allocates beyond a
 * solve of N (same inputs, same history capacity, no early stop), divided by N. That difference, less the
 * parts of the result whose size depends on the solution found, must be 0 bytes: one boxed 256-bit vector
 * per iteration would show as 48·N.
 *
 * <p>Runs in the "allocation" surefire executions (their own JVMs, at the preferred width, under
 * {@code -XX:UseAVX=2} and at 128 bits). Each solve is repeated until C2 has compiled its loop; the
 * smallest difference over the rounds is judged, since compilation finishes asynchronously.
 */
@Tag("allocation")
class SolverAllocationTest {

    private static final int N = 40;
    /** Longer than any run: the history keeps the same two samples (first and last) in both runs. */
    private static final int NO_HISTORY = 1 << 30;
    /** How long one assertion may wait for C2 before a non-zero difference counts as allocation. */
    static final long BUDGET_NANOS = AllocationBudget.NANOS;

    @Test
    void pdhgTvAndLandweberIterationsAllocateNothing() {
        try (Arena arena = Arena.ofShared(); Parallelism seq = Parallelism.sequential()) {
            // A circle-shaped problem at a quarter of the size: 32×32 image, 256 × 1024 ReLU perceptron.
            Network net = RandomNetworks.gaussianWithBias(arena, 11, new int[] {1024, 256}, List.of(Activation.RELU),
                    WeightScale.fanIn(), 0.1);
            FloatVec y = net.forward(RandomNetworks.latent(arena, 1024, 12, 1.0), arena);
            for (PdhgTv.Tv tv : PdhgTv.Tv.values()) {
                assertNoAllocationPerIteration("PDHG-TV (" + tv + ")", k -> PdhgTv.solve(net.layer(1), y, 1, 32, 32,
                        PdhgTv.Options.builder(1e-2).tv(tv).tol(1e-30).maxIterations(k)
                                .historyInterval(NO_HISTORY).build(), seq, IterationListener.NONE));
            }
            assertNoAllocationPerIteration("Landweber", k -> Landweber.solve(net.layer(1), y,
                    Landweber.Options.builder(0).maxIterations(k).historyInterval(NO_HISTORY).build(), seq, IterationListener.NONE));
        }
    }

    @Test
    void liftedCoordinateDescentIterationsAllocateNothing() {
        try (Arena arena = Arena.ofShared(); Parallelism seq = Parallelism.sequential()) {
            // The small two-layer case of issue "speed everywhere": 256 → 192 → 384 ReLU, 16×16 image.
            Network net = RandomNetworks.gaussianWithBias(arena, 21, new int[] {256, 192, 384},
                    List.of(Activation.RELU, Activation.RELU), WeightScale.fanIn(), 0.1);
            FloatVec y = net.forward(RandomNetworks.latent(arena, 256, 22, 1.0), arena);
            assertNoAllocationPerIteration("lifted coordinate descent", k -> LiftedCoordinateDescent.solve(net.layers(),
                    y, 1, 16, 16, LiftedCoordinateDescent.Options.builder(1e-2).innerIterations(10).maxOuterIterations(k)
                            .tol(1e-30).historyInterval(NO_HISTORY).build(),
                    seq, IterationListener.NONE));
        }
    }

    @Test
    void gradientDescentAndAdamIterationsAllocateNothing() {
        try (Arena arena = Arena.ofConfined()) {
            // Sec. 6.1 [002] sizes: 100 → 300 → 625 generator.
            Network net = RandomNetworks.generator002(arena, 7, 100, 300, 625);
            FloatVec y = net.forward(RandomNetworks.latent(arena, 100, 100, RandomNetworks.latentStd(100, 300)), arena);
            assertNoAllocationPerIteration("gradient descent", k -> GradientDescent.solve(net, y, null,
                    GradientDescent.Options.builder().seed(3).initStd(1.0).maxIterations(k).gradTol(0).build()));
            assertNoAllocationPerIteration("Adam", k -> GradientDescent.solve(net, y, null,
                    GradientDescent.Options.builder().method(GradientDescent.Method.ADAM).seed(3).initStd(1.0)
                            .maxIterations(k).gradTol(0).build()));
        }
    }

    /**
     * Bytes allocated by {@code solve(2N)} beyond {@code solve(N)} must be 0 in some round. Rounds go on until
     * that happens or {@link #BUDGET_NANOS} has passed: how long C2 takes to compile a loop depends on the
     * machine's load, so the budget is time, not a round count (a loaded 2-core CI machine needed seconds).
     */
    private static void assertNoAllocationPerIteration(String what, IntFunction<Object> solve) {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long best = Long.MAX_VALUE;
        long deadline = System.nanoTime() + BUDGET_NANOS;
        for (int round = 0; best != 0 && (round < 20 || System.nanoTime() < deadline); round++) {
            long t0 = mx.getCurrentThreadAllocatedBytes();
            Object shortRun = solve.apply(N);
            long t1 = mx.getCurrentThreadAllocatedBytes();
            Object longRun = solve.apply(2 * N);
            long t2 = mx.getCurrentThreadAllocatedBytes();
            assertEquals(N, iterations(shortRun), what + ": the short run stopped early");
            assertEquals(2 * N, iterations(longRun), what + ": the long run stopped early");
            best = Math.min(best, Math.abs((t2 - t1 - resultDependentBytes(longRun)) - (t1 - t0 - resultDependentBytes(shortRun))));
        }
        if (best != 0) {
            fail(what + ": " + N + " extra iterations allocated " + best + " bytes"
                    + AllocationBudget.allocationSites(() -> solve.apply(2 * N), 20));
        }
    }

    /**
     * Bytes of a result whose size depends on the solution, not on the iteration count: the pursuits' support
     * index arrays (an int[k] takes 16 + 4k bytes rounded up to 8 with compressed class pointers).
     */
    private static long resultDependentBytes(Object result) {
        return result instanceof InversionResult r
                ? r.supports().stream().mapToLong(s -> (16L + 4L * s.length + 7) & ~7L).sum()
                : 0;
    }

    private static int iterations(Object result) {
        return switch (result) {
            case LiftedResult r -> r.iterations();
            case InversionResult r -> r.stages().getLast().iterations();
            default -> throw new IllegalArgumentException(result.getClass().getName());
        };
    }
}
