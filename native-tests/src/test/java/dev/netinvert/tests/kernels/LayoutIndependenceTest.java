package dev.netinvert.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Fused;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The kernels' results depend on a matrix's shape and values, never on where its rows lie: contiguous rows
 * ({@code ld = cols}), rows padded to 64-byte lines ({@link FloatMatrix#copyPadded}), and rows starting 4 bytes
 * off a line with a leading dimension of cols + 3 give the same bits for GEMV, GEMVᵀ and the fused gradient. This
 * is what lets the loaders and the experiments' networks pad rows for speed ({@code ModelFiles.weightForKernels})
 * without changing any result; the test runs in every surefire execution, so at each vector width and under
 * {@code -XX:UseAVX=2}.
 */
@Tag("kernels")
class LayoutIndependenceTest {

    @ParameterizedTest(name = "{0}×{1}")
    @CsvSource({"1, 1", "15, 17", "17, 15", "8, 100", "37, 100", "300, 100", "64, 64", "13, 300", "9, 1023", "24, 259", "16, 400",
        "17, 512", "9, 1024", "11, 4096", "29, 1043", "40, 2048"})
    void gemvGemvTAndTheFusedGradientGiveTheSameBitsInEveryLayout(int rows, int cols) {
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom rnd = new SplittableRandom(31L * rows + cols);
            FloatMatrix packed = uniform(FloatMatrix.allocate(arena, rows, cols), rnd);
            FloatMatrix padded = packed.copyPadded(arena);
            // Element (0, 0) 4 bytes past a line, rows cols + 3 apart, the gaps NaN (no kernel may read them).
            int ld = cols + 3;
            MemorySegment raw = arena.allocate(4L * (1 + (long) rows * ld), 64).fill((byte) 0xFF);
            FloatMatrix shifted = new FloatMatrix(raw, 4, rows, cols, ld);
            packed.copyTo(shifted);
            IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                    () -> packed.copyTo(FloatMatrix.allocate(arena, rows, cols + 1)));
            assertTrue(wrong.getMessage().contains("dst: expected " + rows + "×" + cols), wrong.getMessage());
            assertTrue(padded.rowsAligned() && (cols % 16 != 0 || packed.rowsAligned()), padded + ", " + packed);
            assertEquals(rows > 1 && cols % 16 != 0, !packed.rowsAligned(), packed.toString());
            assertFalse(shifted.rowsAligned(), shifted.toString());
            // Rows a multiple of 2 KiB apart share L1's sets; the padded copy's are one line longer.
            assertEquals(rows > 1 && cols % 512 == 0, !packed.rowsStaggered(), packed.toString());
            assertTrue(padded.rowsStaggered() && shifted.rowsStaggered(), padded + ", " + shifted);
            assertEquals(FloatMatrix.paddedLd(cols), padded.ld());
            assertArrayEquals(packed.toArray(), padded.toArray());

            FloatVec x = vec(arena, rnd, cols), r = vec(arena, rnd, rows), b = vec(arena, rnd, rows);
            FloatVec t = FloatVec.allocate(arena, rows);
            for (int i = 0; i < rows; i++) {
                t.set(i, (float) Math.max(0, rnd.nextDouble(-0.5, 1))); // a third of the targets 0, as after ReLU
            }
            double[] sums = new double[2];
            float[][] expected = run(arena, packed, x, r, b, t, sums, 0);
            for (FloatMatrix w : new FloatMatrix[] {padded, shifted}) {
                float[][] got = run(arena, w, x, r, b, t, sums, 1);
                for (int k = 0; k < expected.length; k++) {
                    assertArrayEquals(expected[k], got[k], new String[] {"W x + b", "Wᵀ r", "z", "g"}[k] + " with " + w);
                }
                assertEquals(Double.doubleToRawLongBits(sums[0]), Double.doubleToRawLongBits(sums[1]), "Σ e² with " + w);
            }
        }
    }

    /**
     * The kernels' layout: rows rounded up to whole 64-byte lines, one line longer where the stride would be a
     * multiple of 2 KiB ({@link FloatMatrix#ALIASING_STRIDE}), so that no two rows of eight share an L1 set.
     */
    @ParameterizedTest(name = "{0} columns")
    @CsvSource({"0, 16", "1, 16", "16, 16", "17, 32", "100, 112", "496, 496", "497, 528", "500, 528", "512, 528",
        "513, 528", "1000, 1008", "1024, 1040", "1536, 1552", "4095, 4112", "4096, 4112", "2147483647, 2147483647"})
    void thePaddedLayoutRoundsRowsToLinesAndStaggersThem(int cols, int ld) {
        assertEquals(ld, FloatMatrix.paddedLd(cols));
        if (cols < Integer.MAX_VALUE) {
            assertTrue(ld >= cols && ld % 16 == 0 && (4L * ld) % FloatMatrix.ALIASING_STRIDE != 0, "ld " + ld);
        }
    }

    /**
     * Nor does a row's value depend on the rows computed with it: W x + b over all rows equals, bit for bit, the
     * same product over tiles of four rows (as the batch forward pass tiles W, {@code Network}) and the fused
     * gradient's z (whose rows go by eight up to 512 columns and by four past them). This is the GEMV's blocks of
     * eight, of four and the single rows agreeing on each row's arithmetic; past 320 columns at 256 bits, the
     * pairs of column vectors too.
     */
    @ParameterizedTest(name = "{0}×{1}")
    @CsvSource({"37, 100", "13, 8", "37, 321", "21, 344", "13, 400", "17, 513", "9, 1024", "12, 1023", "9, 1025"})
    void aRowGetsTheSameBitsInBlocksOfEightOrOfFour(int rows, int cols) {
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom rnd = new SplittableRandom(17L * rows + cols);
            FloatMatrix w = uniform(FloatMatrix.allocatePadded(arena, rows, cols), rnd);
            FloatVec x = vec(arena, rnd, cols), b = vec(arena, rnd, rows), t = vec(arena, rnd, rows);
            FloatVec y = FloatVec.allocate(arena, rows);
            Blas.gemv(1f, w, x, 0f, y, b);
            float[] whole = y.toArray();
            for (int i0 = 0; i0 < rows; i0 += 4) {
                int n = Math.min(4, rows - i0);
                FloatMatrix tile = new FloatMatrix(w.segment(), w.byteOffset() + 4L * i0 * w.ld(), n, cols, w.ld());
                FloatVec bt = FloatVec.allocate(arena, n), yt = FloatVec.allocate(arena, n);
                for (int k = 0; k < n; k++) {
                    bt.set(k, b.get(i0 + k));
                }
                Blas.gemv(1f, tile, x, 0f, yt, bt);
                for (int k = 0; k < n; k++) {
                    assertEquals(Float.floatToRawIntBits(whole[i0 + k]), Float.floatToRawIntBits(yt.get(k)),
                            "row " + (i0 + k) + " of " + rows + "×" + cols + " in a tile of " + n);
                }
            }
            FloatVec z = FloatVec.allocate(arena, rows), g = FloatVec.allocate(arena, cols);
            Fused.bregmanGradient(Activation.RELU, w, x, b, t, z, g);
            assertArrayEquals(whole, z.toArray(), "the fused gradient's z against W x + b");
        }
    }

    /**
     * With σ = identity and target 0 the fused gradient is the normal product WᵀW x in one pass over W, and it gives
     * the bits of Blas.gemv followed by Blas.gemvT on that result (z and g both): the contract that lets the
     * operator-norm estimate ({@code DenseLayer.linearOperator}, {@code Lanczos}) read W once per step without
     * changing its value. Short rows (the chunked fused gradient against the GEMVᵀ's column windows, up to 312
     * columns at 256 bits and 1 040 at 512), 4-row blocks past 512 and 1024 columns, one row, one column.
     */
    @ParameterizedTest(name = "{0}×{1}")
    @CsvSource({"1, 15", "15, 1", "37, 100", "5, 312", "13, 313", "192, 256", "64, 512", "17, 513", "7, 625", "9, 1023",
        "9, 1025", "5, 1040", "6, 1041", "64, 4096", "29, 1043", "33, 2055"})
    void theFusedNormalProductIsTheGemvThenTheGemvT(int rows, int cols) {
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom rnd = new SplittableRandom(13L * rows + cols);
            for (FloatMatrix w : new FloatMatrix[] {uniform(FloatMatrix.allocate(arena, rows, cols), rnd),
                uniform(FloatMatrix.allocatePadded(arena, rows, cols), rnd)}) {
                FloatVec x = vec(arena, rnd, cols), zero = FloatVec.allocate(arena, rows);
                FloatVec y = FloatVec.allocate(arena, rows), yt = FloatVec.allocate(arena, cols);
                Blas.gemv(1f, w, x, 0f, y);
                Blas.gemvT(1f, w, y, 0f, yt);
                FloatVec z = FloatVec.allocate(arena, rows), g = FloatVec.allocate(arena, cols);
                Fused.bregmanGradient(Activation.IDENTITY, w, x, null, zero, z, g);
                assertArrayEquals(y.toArray(), z.toArray(), "z against W x, " + w);
                assertArrayEquals(yt.toArray(), g.toArray(), "g against Wᵀ(W x), " + w);
            }
        }
    }

    /**
     * GEMVᵀ gives each y[j] one FMA per row, in row order, whatever groups of rows its kernel takes per pass over y
     * (sixteen, eight, four or one rows; column windows for short rows): the whole product has the bits of one
     * single-row GEMVᵀ after another with β = 1. The fused gradient's queue groups only the rows with a non-zero
     * residual, so its groups differ from the GEMVᵀ's; this contract is what keeps the two equal. Shapes: 29 rows
     * are 16 + 8 + 4 + 1 at 512 bits (12 + 12 + 4 + 1 at 256) with a 3-column tail past the windows' 1 040
     * columns, 33 × 2 055 two sixteen-row groups (at 256 bits two of twelve and one of eight) and one row with a
     * 7-column tail, 45 × 625 and 29 × 313 the windows (and, at 256 bits, the
     * eight-row axpys past 312 columns), 20 × 100 one window, 429 × 1000 the width of five windows over a W beyond
     * one and a half of Zen 4's L2, which at 512 bits takes sixteen rows per pass instead. In the kernels' layout
     * (ld 0 below) and with rows a multiple of 2 KiB apart (ld given), where twelve rows go in two groups of six,
     * one trailing the other (29 × 2 045: 12 + 12 + 4 + 1 with a tail; 33 × 1 536; 48 × 4 096, rows 16 KiB apart).
     */
    @ParameterizedTest(name = "{0}×{1}, ld {2}")
    @CsvSource({"29, 1043, 0", "33, 2055, 0", "48, 4096, 0", "45, 625, 0", "29, 313, 0", "20, 100, 0", "429, 1000, 0",
        "29, 2045, 2048", "33, 1536, 1536", "48, 4096, 4096"})
    void theGemvTIsOneAxpyPerRowInRowOrder(int rows, int cols, int ld) {
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom rnd = new SplittableRandom(7L * rows + cols);
            FloatMatrix w = uniform(ld == 0 ? FloatMatrix.allocatePadded(arena, rows, cols)
                    : new FloatMatrix(arena.allocate(4L * rows * ld, 64).fill((byte) 0xFF), 0, rows, cols, ld), rnd);
            assertEquals(ld == 0, w.rowsStaggered(), w.toString());
            FloatVec r = vec(arena, rnd, rows), whole = FloatVec.allocate(arena, cols);
            Blas.gemvT(0.75f, w, r, 0f, whole);
            FloatVec y = FloatVec.allocate(arena, cols), ri = FloatVec.allocate(arena, 1);
            for (int i = 0; i < rows; i++) {
                FloatMatrix row = new FloatMatrix(w.segment(), w.byteOffset() + 4L * i * w.ld(), 1, cols, w.ld());
                ri.set(0, r.get(i));
                Blas.gemvT(0.75f, row, ri, 1f, y);
            }
            assertArrayEquals(whole.toArray(), y.toArray(), rows + "×" + cols);
        }
    }

    /** W x + b, Wᵀ r, and the fused gradient's z and g; its Σ e² goes to sums[k]. */
    private static float[][] run(Arena arena, FloatMatrix w, FloatVec x, FloatVec r, FloatVec b, FloatVec t,
                                 double[] sums, int k) {
        FloatVec y = FloatVec.allocate(arena, w.rows()), yt = FloatVec.allocate(arena, w.cols());
        FloatVec z = FloatVec.allocate(arena, w.rows()), g = FloatVec.allocate(arena, w.cols());
        Blas.gemv(1f, w, x, 0f, y, b);
        Blas.gemvT(1f, w, r, 0f, yt);
        sums[k] = Fused.bregmanGradient(Activation.RELU, w, x, b, t, z, g);
        return new float[][] {y.toArray(), yt.toArray(), z.toArray(), g.toArray()};
    }

    /** m with every element uniform in [−1, 1), row by row. */
    private static FloatMatrix uniform(FloatMatrix m, SplittableRandom rnd) {
        for (int i = 0; i < m.rows(); i++) {
            for (int j = 0; j < m.cols(); j++) {
                m.set(i, j, (float) rnd.nextDouble(-1, 1));
            }
        }
        return m;
    }

    private static FloatVec vec(Arena arena, SplittableRandom rnd, int n) {
        FloatVec v = FloatVec.allocate(arena, n);
        for (int i = 0; i < n; i++) {
            v.set(i, (float) rnd.nextDouble(-1, 1));
        }
        return v;
    }
}
