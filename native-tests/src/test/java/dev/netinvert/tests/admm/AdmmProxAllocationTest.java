package dev.netinvert.tests.admm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.admm.Box;
import dev.netinvert.solvers.admm.BoxQp;
import dev.netinvert.solvers.admm.OutputLoss;
import dev.netinvert.tests.AllocationBudget;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The prox-type updates of ADMM (eqs. (8) and (10) [004]) allocate nothing once warm: the cross-entropy
 * Newton method works in the caller's array, the box QP in the workspaces {@link BoxQp#of} made (EJML's
 * Cholesky in place on a matrix reshaped within its capacity, refactored whenever the free set changes; the
 * cold start from 0 makes it change within every solve here, as asserted).
 */
@Tag("allocation")
class AdmmProxAllocationTest {

    @Test
    void proxesAndBoxQpAllocateNothingOnceWarm() {
        SplittableRandom rnd = new SplittableRandom(21);
        try (Arena arena = Arena.ofConfined()) {
            int n = 40, m = 25;
            FloatVec c = FloatVec.allocate(arena, 10), out = FloatVec.allocate(arena, 10);
            for (int j = 0; j < 10; j++) {
                c.set(j, (float) (30 * rnd.nextGaussian()));
            }
            OutputLoss xent = new OutputLoss.CrossEntropy(3);
            OutputLoss mse = new OutputLoss.SquaredError(FloatVec.allocate(arena, 10));
            double[] work = new double[xent.workSize(10)];
            AllocationBudget.assertNothingOnceWarm(() -> {
                xent.prox(1e-3, c, out, work);
                mse.prox(1e-3, c, out, work);
            }, "bytes allocated by 200 cross-entropy and squared-error proxes");

            FloatMatrix w = FloatMatrix.allocate(arena, m, n);
            FloatVec p = FloatVec.allocate(arena, n), q = FloatVec.allocate(arena, m), z = FloatVec.allocate(arena, n);
            for (int i = 0; i < m; i++) {
                q.set(i, (float) (3 * rnd.nextGaussian()));
                for (int j = 0; j < n; j++) {
                    w.set(i, j, (float) (rnd.nextGaussian() / Math.sqrt(n)));
                }
            }
            for (int j = 0; j < n; j++) {
                p.set(j, (float) rnd.nextGaussian());
            }
            Box box = Box.around(arena, p, 0.2, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
            BoxQp qp = BoxQp.of(w, 0.1);
            int[] solves = {0};
            AllocationBudget.assertNothingOnceWarm(() -> {
                solves[0]++;
                for (int j = 0; j < n; j++) {
                    z.set(j, 0f);
                }
                qp.solve(p, q, box, z, 1e-10, 50);
            }, "bytes allocated by 200 box-QP solves");
            assertTrue(qp.factorizations() >= solves[0], qp.factorizations() + " Cholesky factorizations in " + solves[0]
                    + " solves: the test should exercise the refactoring");
        }
    }

}
