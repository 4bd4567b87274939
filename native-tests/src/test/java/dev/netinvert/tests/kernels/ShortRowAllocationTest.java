package dev.netinvert.tests.kernels;

import static dev.netinvert.tests.UniformVectors.random;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Fused;
import dev.netinvert.kernels.PackedMatrix;
import dev.netinvert.tests.AllocationBudget;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Warm GEMV (on W and through its packed copy), GEMVᵀ and fused Bregman gradient calls allocate nothing at the shapes that take the short-row
 * kernels (the 8-row GEMV blocks for rows of L … 64L columns, the register-resident GEMVᵀ and the 8-row fused
 * gradient for rows of L … 16L columns, L ≥ 8) and at their edges: one and two register windows, rows a
 * multiple of L long and not, fewer rows than a block, and the long-row shapes next to them, after half-width
 * vectors went through the shared Vector API methods (the solvers' receiver profiles). Coverage of every path
 * at every width, not a reproduction of the first version's boxing: that version passed this test (its GEMVᵀ
 * boxed only with the solvers' compilation history; SolverAllocationTest is the regression test for it).
 * Measured with the thread's allocated-bytes counter in the surefire "allocation" executions (preferred width,
 * -XX:UseAVX=2, 128 bits), each a JVM of its own: 0 B at every width.
 */
@Tag("allocation")
class ShortRowAllocationTest {

    /**
     * rows × cols: 784×100 and 100×784 (the benchmark's), 300×100 and 625×300 (the [002] generator), the edges; past
     * the GEMVᵀ's windows, rows in groups of sixteen and eight with no tail (40×2048) and with one, after it
     * (29×1043: a slice passed to the tail's method once allocated 40 B per group there).
     */
    private static final int[][] SHAPES = {
        {784, 100}, {100, 784}, {300, 100}, {625, 300}, {36, 36}, {40, 129}, {24, 256}, {17, 64}, {9, 16},
        {13, 250}, {7, 33}, {64, 1000}, {40, 2048}, {29, 1043},
    };

    private static double sink;

    @Test
    void shortRowGemvGemvTAndFusedGradientAllocateNothingOnceWarm() {
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom rnd = new SplittableRandom(11);
            int n = SHAPES.length;
            FloatMatrix[] w = new FloatMatrix[n];
            PackedMatrix[] wp = new PackedMatrix[n];
            FloatVec[] x = new FloatVec[n], b = new FloatVec[n], y = new FloatVec[n], r = new FloatVec[n];
            FloatVec[] yt = new FloatVec[n], t = new FloatVec[n], z = new FloatVec[n], g = new FloatVec[n];
            for (int k = 0; k < n; k++) {
                int rows = SHAPES[k][0], cols = SHAPES[k][1];
                w[k] = FloatMatrix.allocate(arena, rows, cols);
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < cols; j++) {
                        w[k].set(i, j, (float) (rnd.nextDouble() * 2 - 1));
                    }
                }
                wp[k] = Blas.packForGemv(arena, w[k]);
                x[k] = random(arena, cols, rnd);
                b[k] = random(arena, rows, rnd);
                y[k] = FloatVec.allocate(arena, rows);
                r[k] = random(arena, rows, rnd);
                yt[k] = random(arena, cols, rnd);
                t[k] = random(arena, rows, rnd);
                z[k] = FloatVec.allocate(arena, rows);
                g[k] = FloatVec.allocate(arena, cols);
            }
            AllocationBudget.assertNothingOnceWarm(() -> {
                for (int k = 0; k < n; k++) {
                    // The solvers' residual kernels first, as in the solvers (they used to compute on half-width
                    // vectors, which made the receiver profiles of the shared Vector API methods bimorphic; see
                    // the comment above SimdKernelSupport.distanceSquared).
                    Fused.maskedResidual(z[k], t[k], null, y[k]);
                    sink += Blas.distanceSquared(z[k], t[k]);
                    Blas.gemv(1f, w[k], x[k], 0f, y[k], b[k]);
                    Blas.gemv(0.5f, w[k], x[k], 0.25f, y[k]);
                    Blas.gemv(1f, wp[k], x[k], 0f, y[k], b[k]); // through the packed copy (the short rows')
                    Blas.gemv(0.5f, wp[k], x[k], 0.25f, y[k], null);
                    Blas.gemvT(1f, w[k], r[k], 0f, yt[k]);
                    Blas.gemvT(-0.5f, w[k], r[k], 1f, yt[k]);
                    Fused.bregmanGradient(Activation.RELU, w[k], x[k], b[k], t[k], z[k], g[k]);
                    Fused.bregmanGradient(Activation.TANH, w[k], x[k], null, t[k], z[k], g[k]);
                }
            }, "bytes allocated by 200 rounds of GEMV, GEMVᵀ and fused gradients");
        }
    }
}
