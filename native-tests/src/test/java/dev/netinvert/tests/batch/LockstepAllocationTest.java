package dev.netinvert.tests.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.batch.LockstepGradientDescent;
import dev.netinvert.solvers.batch.LockstepLandweber;
import dev.netinvert.solvers.batch.LockstepLiftedCoordinateDescent;
import dev.netinvert.solvers.batch.LockstepPdhgTv;
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
 * The lockstep iterations allocate nothing once warm, measured as SolverAllocationTest does: a solve of 2N
 * iterations against one of N (same inputs, same history capacity, no observation stops early), the
 * difference less the solution-dependent parts of the results must be 0 bytes in some round. Three
 * observations in one block (B = 3), sequential.
 *
 * <p>0 bytes at every width: the bound of 32 KB per GEMM call below 512 bits went when {@code simd.SimdGemm}'s
 * packing stopped using vectors (with the vector copies, the GD case boxed 38 MB per 40 iterations in some compile
 * orders even at 512 bits).
 */
@Tag("allocation")
class LockstepAllocationTest {
    private static final int N = 40, B = 3, B_PACKED = 20;
    private static final int NO_HISTORY = 1 << 30;


    @Test
    void lockstepPdhgTvAndLandweberIterationsAllocateNothing() {
        try (Arena arena = Arena.ofShared(); Parallelism seq = Parallelism.sequential()) {
            Network net = RandomNetworks.gaussianWithBias(arena, 11, new int[] {1024, 256}, List.of(Activation.RELU),
                    WeightScale.fanIn(), 0.1);
            FloatMatrix y = FloatMatrix.allocate(arena, B, 256);
            for (int i = 0; i < B; i++) {
                Blas.copy(net.forward(RandomNetworks.latent(arena, 1024, 12 + i, 1.0), arena), y.row(i));
            }
            for (PdhgTv.Tv tv : PdhgTv.Tv.values()) {
                assertNoAllocationPerIteration("lockstep PDHG-TV (" + tv + ")", k -> LockstepPdhgTv.solve(
                        net.dense(1), y, 1, 32, 32, PdhgTv.Options.builder(1e-2).tv(tv).tol(1e-30).maxIterations(k)
                                .historyInterval(NO_HISTORY).build(), B, seq));
            }
            assertNoAllocationPerIteration("lockstep Landweber", k -> LockstepLandweber.solve(net.dense(1), y,
                    Landweber.Options.builder(0).maxIterations(k).historyInterval(NO_HISTORY).build(), B, seq));
        }
    }

    /**
     * A block of {@value #B_PACKED} observations: past {@code LockstepGradient.FUSED_MAX_ROWS}, the iteration's
     * products are two GEMMs and G = R·W reads W packed once per solve ({@code PackedWeights}).
     */
    @Test
    void lockstepPdhgTvWithPackedWeightsAllocatesNothing() {
        try (Arena arena = Arena.ofShared(); Parallelism seq = Parallelism.sequential()) {
            Network net = RandomNetworks.gaussianWithBias(arena, 17, new int[] {256, 128}, List.of(Activation.RELU),
                    WeightScale.fanIn(), 0.1);
            FloatMatrix y = FloatMatrix.allocate(arena, B_PACKED, 128);
            for (int i = 0; i < B_PACKED; i++) {
                Blas.copy(net.forward(RandomNetworks.latent(arena, 256, 30 + i, 1.0), arena), y.row(i));
            }
            assertNoAllocationPerIteration("lockstep PDHG-TV, " + B_PACKED + " observations", B_PACKED, k ->
                    LockstepPdhgTv.solve(net.dense(1), y, 1, 16, 16, PdhgTv.Options.builder(1e-2).tol(1e-30)
                            .maxIterations(k).historyInterval(NO_HISTORY).build(), B_PACKED, seq));
        }
    }

    /**
     * Two layers, two PDHG steps per x₀-step: per outer iteration 2·2 GEMMs for x₀ and 3 for the hidden layer
     * (LockstepGradient's two and PRE₁).
     */
    @Test
    void lockstepLiftedCoordinateDescentIterationsAllocateNothing() {
        try (Arena arena = Arena.ofShared(); Parallelism seq = Parallelism.sequential()) {
            Network net = RandomNetworks.gaussianWithBias(arena, 13, new int[] {256, 384, 512},
                    List.of(Activation.RELU, Activation.RELU), WeightScale.fanIn(), 0.05);
            FloatMatrix y = FloatMatrix.allocate(arena, B, 512);
            for (int i = 0; i < B; i++) {
                Blas.copy(net.forward(RandomNetworks.latent(arena, 256, 14 + i, 1.0), arena), y.row(i));
            }
            for (PdhgTv.Tv tv : PdhgTv.Tv.values()) {
                assertNoAllocationPerIteration("lockstep lifted-cd (" + tv + ")", k ->
                        LockstepLiftedCoordinateDescent.solve(net, y, 1, 16, 16, LiftedCoordinateDescent.Options
                                .builder(1e-2).tv(tv).innerIterations(2).tol(1e-30).maxOuterIterations(k)
                                .historyInterval(NO_HISTORY).build(), B, seq));
            }
        }
    }

    @Test
    void lockstepGradientDescentAndAdamIterationsAllocateNothing() {
        try (Arena arena = Arena.ofShared(); Parallelism seq = Parallelism.sequential()) {
            Network net = RandomNetworks.generator002(arena, 7, 100, 300, 625);
            FloatMatrix y = FloatMatrix.allocate(arena, B, 625);
            for (int i = 0; i < B; i++) {
                FloatVec z = RandomNetworks.latent(arena, 100, 100 + i, RandomNetworks.latentStd(100, 300));
                Blas.copy(net.forward(z, arena), y.row(i));
            }
            for (GradientDescent.Method m : GradientDescent.Method.values()) {
                assertNoAllocationPerIteration("lockstep " + m, k -> LockstepGradientDescent.solve(net, y, null,
                        GradientDescent.Options.builder().method(m).seed(3).initStd(1.0).maxIterations(k).gradTol(0)
                                .build(), B, seq));
            }
        }
    }

    private static void assertNoAllocationPerIteration(String what, IntFunction<List<?>> solve) {
        assertNoAllocationPerIteration(what, B, solve);
    }

    private static void assertNoAllocationPerIteration(String what, int b, IntFunction<List<?>> solve) {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long best = Long.MAX_VALUE;
        long deadline = System.nanoTime() + AllocationBudget.NANOS;
        for (int round = 0; best > 0 && (round < 20 || System.nanoTime() < deadline); round++) {
            long t0 = mx.getCurrentThreadAllocatedBytes();
            List<?> shortRun = solve.apply(N);
            long t1 = mx.getCurrentThreadAllocatedBytes();
            List<?> longRun = solve.apply(2 * N);
            long t2 = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < b; i++) {
                assertEquals(N, iterations(shortRun.get(i)), what + ": the short run stopped early");
                assertEquals(2 * N, iterations(longRun.get(i)), what + ": the long run stopped early");
            }
            best = Math.min(best, Math.abs((t2 - t1 - resultDependentBytes(longRun))
                    - (t1 - t0 - resultDependentBytes(shortRun))));
        }
        if (best != 0) {
            fail(what + ": " + N + " extra lockstep iterations of " + b + " observations allocated " + best + " bytes"
                    + AllocationBudget.allocationSites(() -> solve.apply(2 * N), 20));
        }
    }

    /** The pursuits' support index arrays, whose size depends on the solution (as in SolverAllocationTest). */
    private static long resultDependentBytes(List<?> results) {
        long s = 0;
        for (Object o : results) {
            if (o instanceof InversionResult r) {
                s += r.supports().stream().mapToLong(a -> (16L + 4L * a.length + 7) & ~7L).sum();
            }
        }
        return s;
    }

    private static int iterations(Object result) {
        return switch (result) {
            case LiftedResult r -> r.iterations();
            case InversionResult r -> r.stages().getLast().iterations();
            default -> throw new IllegalArgumentException(result.getClass().getName());
        };
    }
}
