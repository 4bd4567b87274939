package dev.netinvert.tests.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.batch.LockstepGradientDescent;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.network.SeededGaussian;
import dev.netinvert.solvers.parallel.Parallelism;
import dev.netinvert.solvers.pursuit.GradientDescent;
import dev.netinvert.solvers.pursuit.InversionResult;
import dev.netinvert.solvers.pursuit.ObservationMasks;
import java.lang.foreign.Arena;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Lockstep gradient descent and Adam against {@link GradientDescent#solve} per observation on a sec. 6.1
 * [002]-shaped generator (30 → 80 → 150), with and without a mask, at batch sizes 1, 3 and 7 over 7
 * observations, one of which is N(z⁰) itself (by the GEMV passes), whose residual must stay at rounding level.
 * Tolerance: the forward and backward products are reassociated (GEMM vs GEMV, ≲ 1e-6 relative per entry);
 * over 300 steps of a smooth descent they stay within 1e-3 relative on z and on the residual (measured ≲ 1e-5).
 */
class LockstepGradientDescentTest {
    static final int N = 7;
    /** Rows of the repeated batch (row i is observation i mod N): one block of 18 takes the GEMM route, W packed. */
    static final int REPEATED = 18;

    @Test
    void gdAndAdamEqualSingleSolves() {
        try (Arena arena = Arena.ofShared(); Parallelism seq = Parallelism.sequential()) {
            Network net = RandomNetworks.generator002(arena, 3, 30, 80, 150);
            FloatMatrix y = FloatMatrix.allocate(arena, N, 150);
            for (int i = 0; i < N; i++) {
                FloatVec z = FloatVec.allocate(arena, 30);
                if (i == 2) {
                    new SeededGaussian(5).fill(z, 0, 1.0); // the solver's start (seed 5): residual 0
                } else {
                    new SeededGaussian(50 + i).fill(z, 0, RandomNetworks.latentStd(30, 80));
                }
                Blas.copy(net.forward(z, arena), y.row(i));
            }
            FloatMatrix repeated = FloatMatrix.allocate(arena, REPEATED, 150);
            for (int i = 0; i < REPEATED; i++) {
                Blas.copy(y.row(i % N), repeated.row(i));
            }
            FloatVec mask = ObservationMasks.random(arena, 150, 0.7, 9);
            for (GradientDescent.Method method : GradientDescent.Method.values()) {
                for (FloatVec m : new FloatVec[] {null, mask}) {
                    GradientDescent.Options o = GradientDescent.Options.builder().method(method).seed(5).initStd(1.0)
                            .maxIterations(300).gradTol(1e-12).build();
                    InversionResult[] single = new InversionResult[N];
                    for (int i = 0; i < N; i++) {
                        single[i] = GradientDescent.solve(net, y.row(i), m, o);
                    }
                    for (int b : new int[] {1, 3, 7, REPEATED}) {
                        FloatMatrix batch = b == REPEATED ? repeated : y;
                        List<InversionResult> lock = LockstepGradientDescent.solve(net, batch, m, o, b, seq);
                        for (int i = 0; i < batch.rows(); i++) {
                            String what = method + (m == null ? "" : " masked") + ", B = " + b + ", row " + i;
                            InversionResult s = single[i % N], l = lock.get(i);
                            if (i % N == 2) {
                                // y = N(z⁰) by the GEMV passes; the lockstep GEMMs reassociate, so their residual at z⁰
                                // is rounding, not exactly 0, and whether ‖g‖ ≤ 1e-12 at iteration 0 is not a contract
                                assertTrue(l.residual() <= 1e-4 && s.residual() <= 1e-4,
                                        what + ": residuals " + l.residual() + ", " + s.residual() + " at the start's image");
                                continue;
                            }
                            assertEquals(s.stages().getLast().stopReason(), l.stages().getLast().stopReason(), what);
                            assertEquals(s.stages().getLast().iterations(), l.stages().getLast().iterations(), what);
                            double rel = LockstepPdhgTvTest.relDiff(l.z(), s.z());
                            assertTrue(rel <= 1e-3, what + ": relative difference of z " + rel);
                            assertTrue(Math.abs(l.residual() - s.residual()) <= 1e-3 * s.residual() + 1e-6,
                                    what + ": residual " + l.residual() + " vs " + s.residual());
                        }
                    }
                }
            }
        }
    }
}
