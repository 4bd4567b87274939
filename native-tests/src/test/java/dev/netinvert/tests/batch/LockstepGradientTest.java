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
 * {@link LockstepGradient#compute}'s routes: row by row (up to {@link LockstepGradient#ROW_BY_ROW_MAX_ROWS}), the
 * fused kernel (up to {@link LockstepGradient#FUSED_MAX_ROWS} rows; W read in place for a few rows) and the two
 * GEMMs (above), each against the single-observation gradient ({@link BlockedBregmanGradient}, row by row): PRE, G
 * and r² for a = FUSED_MAX_ROWS (fused) and a = FUSED_MAX_ROWS + 1 (GEMMs), and for a = 3 … 8, at awkward shapes
 * and with a W larger than one block of the fused kernel.
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
                check(mn[0], mn[1], sigma, LockstepGradient.FUSED_MAX_ROWS + 1);
            }
        }
    }

    /**
     * The fused route at row counts where the SIMD kernel reads W in place (3, 4, 5, 6, 7 and 8 rows: groups of
     * four, one or two rows left to the single kernel, three in a padded group) against the single gradient.
     */
    @Test
    void fewRowsRouteAgreesWithTheSingleGradient() {
        for (int rows : new int[] {4, 6, 8}) { // and rows − 1: 3, 5, 7
            check(600, 1023, Activation.TANH, rows);
            check(37, 83, Activation.RELU, rows);
        }
    }

    /**
     * The row-by-row route (up to {@link LockstepGradient#ROW_BY_ROW_MAX_ROWS} rows) against the single gradient,
     * at a = 1 and a = ROW_BY_ROW_MAX_ROWS, and with the caller switching between two workspaces of X and G
     * (the route keeps row views of the last ones: a stale view would give the other workspace's rows, O(1) off).
     */
    @Test
    void rowByRowRouteAgreesWithTheSingleGradientAcrossWorkspaces() {
        int m = 37, n = 83, rows = LockstepGradient.ROW_BY_ROW_MAX_ROWS;
        try (Arena arena = Arena.ofConfined(); Parallelism seq = Parallelism.sequential()) {
            SplittableRandom rnd = new SplittableRandom(7);
            FloatMatrix w = random(arena, rnd, m, n, 1 / Math.sqrt(n));
            FloatMatrix x1 = random(arena, rnd, rows, n, 1), x2 = random(arena, rnd, rows, n, 1);
            FloatMatrix t = random(arena, rnd, rows, m, 0.5);
            FloatVec[] tRows = new FloatVec[rows];
            for (int s = 0; s < rows; s++) {
                tRows[s] = t.row(s);
            }
            LockstepGradient lg = new LockstepGradient(arena, Activation.TANH, w, null, rows);
            BlockedBregmanGradient single = new BlockedBregmanGradient(arena, Activation.TANH, w, null, seq);
            FloatVec pre = FloatVec.allocate(arena, m), g = FloatVec.allocate(arena, n);
            FloatMatrix g1 = FloatMatrix.allocatePadded(arena, rows, n), g2 = FloatMatrix.allocatePadded(arena, rows, n);
            for (FloatMatrix[] xg : new FloatMatrix[][] {{x1, g1}, {x2, g2}, {x1.rows(0, 1), g1.rows(0, 1)}, {x2, g2}}) {
                int a = xg[0].rows();
                lg.compute(xg[0], tRows, xg[1]);
                for (int s = 0; s < a; s++) {
                    String what = "a = " + a + ", row " + s + (xg[0] == x2 ? " of the second workspace" : "");
                    double r2 = single.compute(xg[0].row(s), t.row(s), pre, g);
                    close(pre, lg.pre(s), what + ": PRE");
                    close(g, xg[1].row(s), what + ": G");
                    assertTrue(Math.abs(lg.residualSquared(s) - r2) <= 1e-5 * r2, what + ": r² " + lg.residualSquared(s)
                            + " vs " + r2);
                }
            }
        }
    }

    /** {@link LockstepGradient#compute} on rows − 1 and on rows observations, each against the single gradient. */
    private static void check(int m, int n, Activation sigma, int rows) {
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
            LockstepGradient fewer = new LockstepGradient(arena, sigma, w, b, rows);
            LockstepGradient all = new LockstepGradient(arena, sigma, w, b, rows);
            FloatMatrix gf = FloatMatrix.allocatePadded(arena, rows - 1, n), gg = FloatMatrix.allocatePadded(arena, rows, n);
            fewer.compute(x.rows(0, rows - 1), tRows, gf); // at FUSED_MAX_ROWS + 1 rows: fused, then the GEMMs
            all.compute(x, tRows, gg);
            BlockedBregmanGradient single = new BlockedBregmanGradient(arena, sigma, w, b, seq);
            FloatVec pre = FloatVec.allocate(arena, m), g = FloatVec.allocate(arena, n);
            String a1 = "a = " + (rows - 1), a2 = "a = " + rows;
            for (int s = 0; s < rows; s++) {
                String what = m + "×" + n + " " + sigma + ", row " + s;
                double r2 = single.compute(x.row(s), t.row(s), pre, g);
                if (s < rows - 1) {
                    close(pre, fewer.pre(s), what + ": PRE at " + a1 + " vs single");
                    close(g, gf.row(s), what + ": G at " + a1 + " vs single");
                    assertTrue(Math.abs(fewer.residualSquared(s) - r2) <= 1e-5 * r2, what + ": r² at " + a1 + " "
                            + fewer.residualSquared(s) + " vs " + r2);
                }
                close(pre, all.pre(s), what + ": PRE at " + a2 + " vs single");
                close(g, gg.row(s), what + ": G at " + a2 + " vs single");
                assertTrue(Math.abs(all.residualSquared(s) - r2) <= 1e-5 * r2, what + ": r² at " + a2 + " "
                        + all.residualSquared(s) + " vs " + r2);
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
