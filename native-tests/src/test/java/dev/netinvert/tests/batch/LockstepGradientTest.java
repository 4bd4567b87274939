package dev.netinvert.tests.batch;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.batch.LockstepGradient;
import dev.netinvert.solvers.parallel.BlockedBregmanGradient;
import dev.netinvert.solvers.parallel.Parallelism;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link LockstepGradient#compute}'s two routes, the fused kernel (up to {@link LockstepGradient#FUSED_MAX_ROWS}
 * rows) and the two GEMMs (above), against each other on the same rows and against the single-observation
 * gradient ({@link BlockedBregmanGradient}, row by row): PRE, G and r² for a = FUSED_MAX_ROWS (fused) and
 * a = FUSED_MAX_ROWS + 1 (GEMMs), at awkward shapes and with a W larger than one block of the fused kernel.
 *
 * <p>Tolerance: each PRE entry is a sum of n products plus b and each G entry a sum of m products, in three
 * different orders; with float32 the difference is ≲ √k·2⁻²⁴ of the sum of |terms| per entry, and for these
 * random inputs the sums of |terms| are within a small factor of the vectors' norms, so 1e-5 relative in the
 * 2-norm of each row holds with a wide margin, while a wrong target row, bias or activation gives O(1).
 */
class LockstepGradientTest {

    @Test
    void fusedAndGemmRoutesAgreeWithEachOtherAndTheSingleGradient() {
        for (int[] mn : new int[][] {{37, 83}, {17, 1}, {600, 1023}}) {
            for (Activation sigma : new Activation[] {Activation.RELU, Activation.TANH}) {
                check(mn[0], mn[1], sigma);
            }
        }
    }

    private static void check(int m, int n, Activation sigma) {
        int rows = LockstepGradient.FUSED_MAX_ROWS + 1;
        try (Arena arena = Arena.ofConfined(); Parallelism seq = Parallelism.sequential()) {
            SplittableRandom rnd = new SplittableRandom(m * 31L + n);
            FloatMatrix w = random(arena, rnd, m, n, 1 / Math.sqrt(n)), x = random(arena, rnd, rows, n, 1);
            FloatMatrix t = random(arena, rnd, rows, m, 0.5);
            if (sigma == Activation.RELU) {
                for (int s = 0; s < rows; s++) {
                    for (int i = 0; i < m; i++) {
                        t.set(s, i, Math.abs(t.get(s, i)));
                    }
                }
            }
            FloatVec b = FloatVec.allocate(arena, m);
            for (int i = 0; i < m; i++) {
                b.set(i, (float) (rnd.nextDouble() - 0.5));
            }
            FloatVec[] tRows = new FloatVec[rows];
            for (int s = 0; s < rows; s++) {
                tRows[s] = t.row(s);
            }
            LockstepGradient fused = new LockstepGradient(arena, sigma, w, b, rows);
            LockstepGradient gemms = new LockstepGradient(arena, sigma, w, b, rows);
            FloatMatrix gf = FloatMatrix.allocatePadded(arena, rows - 1, n), gg = FloatMatrix.allocatePadded(arena, rows, n);
            fused.compute(x.rows(0, rows - 1), tRows, gf);
            gemms.compute(x, tRows, gg);
            BlockedBregmanGradient single = new BlockedBregmanGradient(arena, sigma, w, b, seq);
            FloatVec pre = FloatVec.allocate(arena, m), g = FloatVec.allocate(arena, n);
            for (int s = 0; s < rows - 1; s++) {
                String what = m + "×" + n + " " + sigma + ", row " + s;
                double r2 = single.compute(x.row(s), t.row(s), pre, g);
                close(pre, fused.pre(s), what + ": PRE fused vs single");
                close(pre, gemms.pre(s), what + ": PRE GEMMs vs single");
                close(g, gf.row(s), what + ": G fused vs single");
                close(g, gg.row(s), what + ": G GEMMs vs single");
                assertTrue(Math.abs(fused.residualSquared(s) - r2) <= 1e-5 * r2, what + ": r² fused "
                        + fused.residualSquared(s) + " vs " + r2);
                assertTrue(Math.abs(gemms.residualSquared(s) - r2) <= 1e-5 * r2, what + ": r² GEMMs "
                        + gemms.residualSquared(s) + " vs " + r2);
            }
        }
    }

    private static void close(FloatVec expected, FloatVec actual, String what) {
        double num = 0, den = 0;
        for (int i = 0; i < expected.length(); i++) {
            double d = expected.get(i) - actual.get(i);
            num += d * d;
            den += (double) expected.get(i) * expected.get(i);
        }
        assertTrue(Math.sqrt(num) <= 1e-5 * Math.sqrt(den) + 1e-30, what + ": ‖Δ‖ = " + Math.sqrt(num) + ", ‖·‖ = "
                + Math.sqrt(den));
    }

    private static FloatMatrix random(Arena arena, SplittableRandom rnd, int rows, int cols, double scale) {
        FloatMatrix a = FloatMatrix.allocatePadded(arena, rows, cols);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                a.set(i, j, (float) ((rnd.nextDouble() * 2 - 1) * scale));
            }
        }
        return a;
    }
}
