package dev.netinvert.tests.linalg;


import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.linalg.GramSystem;
import dev.netinvert.solvers.linalg.GramSystem.Form;
import dev.netinvert.tests.AllocationBudget;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Once warm, {@link GramSystem#solve} in both forms, and the triangular solves behind it, allocate nothing:
 * the ADMM loop calls them once per layer per iteration. Measured with the thread's allocated-bytes counter in
 * the JVMs of the "allocation" executions (see NetworkAllocationTest for why those are separate JVMs); the best
 * of repeated rounds of 200 calls is judged, because C2 compiles asynchronously.
 */
@Tag("allocation")
class GramSystemAllocationTest {

    @Test
    void solvesAllocateNothingOnceWarm() {
        try (Arena arena = Arena.ofConfined()) {
            // 37 × 61: tails at every vector width and in the 4-row blocks; DIRECT factors 61 × 61, WOODBURY 37 × 37.
            int m = 37, n = 61;
            SplittableRandom rnd = new SplittableRandom(4);
            float[] wv = new float[m * n];
            for (int i = 0; i < wv.length; i++) {
                wv[i] = (float) ((rnd.nextDouble() - 0.5) / 4);
            }
            FloatMatrix w = FloatMatrix.of(arena, m, n, wv);
            GramSystem direct = GramSystem.factor(w, 0.1, Form.DIRECT, arena);
            GramSystem woodbury = GramSystem.factor(w, 0.1, Form.WOODBURY, arena);
            FloatVec p = FloatVec.allocate(arena, n), q = FloatVec.allocate(arena, m);
            FloatVec z = FloatVec.allocate(arena, n), wz = FloatVec.allocate(arena, m);
            Blas.fill(p, 0.25f);
            Blas.fill(q, -0.5f);
            AllocationBudget.assertNothingOnceWarm(() -> direct.solve(p, q, z, wz), "bytes allocated by 200 DIRECT solves");
            AllocationBudget.assertNothingOnceWarm(() -> woodbury.solve(p, q, z, wz), "bytes allocated by 200 WOODBURY solves");
            // In place (z = p), as an ADMM loop may call it; p stays bounded since the map is a contraction.
            AllocationBudget.assertNothingOnceWarm(() -> direct.solve(p, q, p, wz), "bytes allocated by 200 in-place solves");
            FloatMatrix l = FloatMatrix.allocatePadded(arena, n, n);
            for (int i = 0; i < n; i++) {
                l.set(i, i, 2f);
                for (int j = 0; j < i; j++) {
                    l.set(i, j, 1f / n);
                }
            }
            AllocationBudget.assertNothingOnceWarm(() -> {
                Blas.trsvLower(l, z);
                Blas.trsvLowerTransposed(l, z);
                Blas.fill(z, 1f);
            }, "bytes allocated by 200 pairs of triangular solves");
        }
    }

}
