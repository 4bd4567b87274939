package dev.netinvert.tests.kernels;

import java.util.ArrayList;
import java.util.List;

/**
 * A matrix shape for the cross-checks: {@code rows × cols}, leading dimension {@code ld}, and the
 * misalignment in bytes of element (0, 0) after the guard (see {@link Buf}). The vectors of a test on
 * this shape are misaligned by {@link #vecMisalign(int)}.
 */
record Shape(int rows, int cols, int ld, int misalign) {

    /**
     * Odd shapes: 1×n and n×1, a 7×13 with ld = cols and ld > cols at offsets that are and are not multiples
     * of 4, sizes around the vector widths (4, 8, 16 floats) and the 4-row blocking of the matrix kernels,
     * primes, the papers' 100×784 / 784×100 (MNIST autoencoder layers, sec. 5.1.2 [000]), and the limits of
     * the SIMD short-row paths (see the last entries).
     */
    static final List<Shape> ODD = List.of(
            new Shape(1, 1, 1, 0),
            new Shape(1, 4097, 4097, 0),
            new Shape(1, 33, 40, 5),
            new Shape(4097, 1, 1, 0),
            new Shape(33, 1, 3, 6),
            new Shape(2, 2, 2, 4),
            new Shape(7, 13, 13, 0),
            new Shape(7, 13, 16, 12),
            new Shape(7, 13, 19, 3),
            new Shape(5, 17, 17, 1),
            new Shape(15, 31, 32, 8),
            new Shape(17, 16, 16, 0),
            new Shape(31, 33, 33, 2),
            new Shape(61, 257, 263, 7),
            new Shape(100, 784, 784, 0),
            new Shape(100, 784, 800, 20),
            new Shape(784, 100, 100, 0),
            new Shape(784, 100, 101, 7),
            new Shape(33, 1021, 1023, 9),
            // The short-row paths: 8-row blocks (rows 8k ± 1), GEMVᵀ's register windows of 8 vectors (64 / 128
            // columns at 256 / 512 bits; 65 and 129 need a narrower first window so that the last one is ≥ L
            // wide, 256 is exactly two windows of 8 at 512 bits, 257 two of 144 and 113 columns there), and just past
            // the panels' limit and, at 256 bits, the 8-row blocks' (1025 columns).
            new Shape(23, 65, 67, 3),
            new Shape(9, 129, 129, 0),
            new Shape(17, 256, 260, 4),
            new Shape(25, 257, 257, 0),
            new Shape(41, 24, 24, 8),
            new Shape(15, 1025, 1031, 5),
            // dot8's blocks as two dot4Pairs past 320 columns at 256 bits: an even number of vectors before the
            // last one and a 1-column tail (321), and an even number with no tail (344).
            new Shape(9, 321, 323, 1),
            new Shape(16, 344, 344, 0),
            // GEMVᵀ's one-pass window of 13 vectors (gemvTWide): exactly 13 at 256 bits (104), one column past it
            // (105: two windows again), and 13 at 512 bits (208).
            new Shape(11, 104, 104, 0),
            new Shape(13, 105, 109, 2),
            new Shape(7, 208, 211, 1),
            // GEMVᵀ's column windows at 256 bits: three of 13 vectors exactly (312), one column past the windowed
            // limit (313: four-row axpys), three windows whose last is narrower (217: 80, 80, 57 columns; 256 above:
            // 96, 96, 64), and a first window rounded down to a line with the last of 13 vectors (200: 96, 104).
            new Shape(5, 312, 312, 0),
            new Shape(19, 313, 317, 3),
            new Shape(12, 217, 217, 6),
            new Shape(6, 200, 203, 1),
            // At 512 bits, up to five windows of 13 vectors: exactly five (1040), one column past the limit (1041:
            // four-row axpys), four whose last is narrower (625: 160, 160, 160, 145), two (300: 160, 140).
            new Shape(3, 1040, 1040, 0),
            new Shape(5, 1041, 1045, 3),
            new Shape(9, 625, 627, 1),
            new Shape(11, 300, 304, 4),
            // Past the windows at 512 bits, sixteen rows per pass over y, then eight, four and one (29 rows), with a
            // 3-column tail; at 256 bits past 1 024 columns twelve, twelve, four and one.
            new Shape(29, 1043, 1049, 5),
            // Five windows' width over a W of 1.7 MB, beyond one and a half of Zen 4's L2: at 512 bits the GEMVᵀ
            // streams whole rows there instead (26 sixteen-row passes, then eight, four and one row; 1000 columns
            // are 62.5 vectors).
            new Shape(429, 1000, 1004, 4));

    /** The 64×64-image perceptron of sec. 5.1.1 [000]: W is 512×4096 (8 MiB). Used sparingly. */
    static final Shape BIG = new Shape(512, 4096, 4096, 0);

    /** The same with padded rows at an offset that is not a multiple of 4. */
    static final Shape BIG_PADDED = new Shape(512, 4096, 4100, 6);

    /** Misalignment of the k-th vector argument of a test on this shape. */
    int vecMisalign(int k) {
        return (misalign + 4 * k + (misalign == 0 ? 0 : 1)) % 64;
    }

    /** A fixed block size for partitioned runs: not a multiple of the 4-row blocking, so tails occur. */
    int blockRows() {
        return rows < 100 ? 5 : 61;
    }

    /** Row ranges to test: empty at both ends, the last row, interior ranges. */
    List<int[]> ranges() {
        List<int[]> out = new ArrayList<>();
        add(out, 0, 0);
        add(out, rows, rows);
        add(out, rows - 1, rows);
        add(out, 1, rows - 1);
        add(out, rows / 3, 2 * rows / 3 + 1);
        add(out, 0, Math.min(rows, 5));
        return out;
    }

    private static void add(List<int[]> out, int r0, int r1) {
        if (r0 < 0 || r0 > r1) {
            return;
        }
        for (int[] r : out) {
            if (r[0] == r0 && r[1] == r1) {
                return;
            }
        }
        out.add(new int[] {r0, r1});
    }

    @Override
    public String toString() {
        return rows + "x" + cols + (ld != cols ? " ld=" + ld : "") + (misalign != 0 ? " +" + misalign + "B" : "");
    }
}
