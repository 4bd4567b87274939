package dev.netinvert.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.kernels.KernelSupport;
import dev.netinvert.kernels.PackedMatrix;
import dev.netinvert.kernels.reference.ReferenceKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The three batch GEMMs (Y = α·X·Wᵀ + β·Y + 1·bᵀ, G = α·Dᵀ·X + β·G, Z = α·D·W + β·Z) of every implementation in
 * this JVM and of the {@link Blas} facade against {@link ReferenceKernels}, at every combination of the awkward
 * sizes 1, 3, 15, 17, 33, 127 in each of the three dimensions, plus the training shapes (B = 64 with 784 and
 * 100) and a depth that crosses the SIMD kernel's k-blocks. Each case runs twice: packed rows at an aligned
 * offset with β = 0 over NaN garbage (which must not leak), and padded leading dimensions at unaligned offsets
 * with β ≠ 0 (and a bias for NT); then once more padded and unaligned with α = 1, β = 0 and the bias, the form of
 * the solvers' passes, which the SIMD kernels serve in place for a few rows (NT and NN). Padding and guards are
 * signaling NaNs that must keep their bytes.
 *
 * <p>Tolerance: every entry is α times a sum of k products, plus β·c (+ b). Any summation order gives a
 * result within γ_{k+2}·M of the exact value (Higham, Thm. 3.1 and its corollaries), M = |α|·Σ|terms| + |β c|
 * + |b|; the SIMD kernel also adds each k-block (at least 128 deep) to the stored partial result, at most one more
 * rounding per block, so k + 4 + ⌈k/128⌉ roundings bound every implementation, and |fast − ref| ≤
 * 2·γ_{k+5+k/128}·M.
 */
@Tag("kernels")
class GemmCrossCheckTest {

    static final int[] SIZES = {1, 3, 15, 17, 33, 127};

    /**
     * NN_PACKED, NT_PACKED: NN and NT with W packed first (Blas.pack, KernelSupport.gemmPack); also bit-identical
     * to NN and NT.
     */
    enum Op { NT, TN, NN, NN_PACKED, NT_PACKED }

    /** A raw implementation, or the facade when {@code k} is null. */
    record Impl3(String name, KernelSupport k) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Impl3> impls() {
        List<Impl3> out = new ArrayList<>();
        KernelSupport scalar = KernelProvider.scalar().kernelSupport();
        out.add(new Impl3("scalar", scalar));
        KernelProvider.simd().ifPresent(p -> out.add(new Impl3("simd-" + p.kernelSupport().vectorBitSize(),
                p.kernelSupport())));
        out.add(new Impl3("facade(" + Blas.active().name() + "-" + Blas.active().vectorBitSize() + ")", null));
        return out;
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Impl3 impl : impls()) {
            for (Op op : Op.values()) {
                for (int b : SIZES) {
                    for (int k : SIZES) {
                        for (int m : SIZES) {
                            out.add(Arguments.of(impl, op, b, k, m));
                        }
                    }
                }
                out.add(Arguments.of(impl, op, 64, 784, 100));
                out.add(Arguments.of(impl, op, 64, 100, 784));
                out.add(Arguments.of(impl, op, 37, 300, 129));
                out.add(Arguments.of(impl, op, 5, 1021, 70));
                // Depth 3001 (NN) and 2900 (TN): several k-blocks of the SIMD packed product.
                out.add(Arguments.of(impl, op, 3, 40, 3001));
                out.add(Arguments.of(impl, op, 2900, 20, 9));
                // Sizes at and one below the strips of 2 vectors (16 and 32 floats) and a prime.
                out.add(Arguments.of(impl, op, 16, 31, 32));
                out.add(Arguments.of(impl, op, 31, 16, 13));
                // NT with W taller than X (X packed whole): a batch of exactly one 256-bit vector (the narrow
                // strips) and of 17 rows at depths past the 512-deep k-blocks whose accumulators stay in tiles,
                // and more rows of W than one block of tiles holds (1020 below 512 bits at B = 64).
                out.add(Arguments.of(impl, op, 8, 600, 50));
                // A few rows (NN reads W in place, four rows at a time, one or two rows by GEMVᵀ): every count
                // from 2 to 8 not above, with column counts that end in 3-, 2- and 1-vector groups and a tail.
                out.add(Arguments.of(impl, op, 2, 57, 33));
                out.add(Arguments.of(impl, op, 4, 17, 100));
                out.add(Arguments.of(impl, op, 6, 100, 57));
                out.add(Arguments.of(impl, op, 7, 333, 81));
                out.add(Arguments.of(impl, op, 17, 1100, 40));
                out.add(Arguments.of(impl, op, 64, 530, 1300));
                // NN with D packed once for every panel of W (below 512 bits): 4 blocks of rows, the last partial,
                // 3 k-blocks, 3 panels.
                out.add(Arguments.of(impl, op, 20, 300, 1100));
            }
        }
        return out.stream();
    }

    /**
     * Dimensions as the operation names them: NT: X {@code b × k}, W {@code m × k}, Y {@code b × m}; TN: D
     * {@code b × m}, X {@code b × k}... see {@link #check}.
     */
    @ParameterizedTest(name = "{0} {1} B={2} k={3} m={4}")
    @MethodSource("cases")
    void againstReference(Impl3 impl, Op op, int b, int k, int m) {
        SplittableRandom rnd = Data.random("gemm", op, b, k, m);
        try (Arena arena = Arena.ofConfined()) {
            check(arena, rnd, impl, op, b, k, m, false, false);
            check(arena, rnd, impl, op, b, k, m, true, false);
            check(arena, rnd, impl, op, b, k, m, true, true);
        }
    }

    /**
     * One product. The operands, in the operation's own terms:
     * <ul>
     *   <li>NT: A = X {@code b × k}, B = W {@code m × k}, C = Y {@code b × m}, depth k, bias b (m);</li>
     *   <li>TN: A = D {@code b × m}, B = X {@code b × k}, C = G {@code m × k}, depth b;</li>
     *   <li>NN: A = D {@code b × m}, B = W {@code m × k}, C = Z {@code b × k}, depth m.</li>
     * </ul>
     */
    static void check(Arena arena, SplittableRandom rnd, Impl3 impl, Op op, int bt, int k, int m, boolean padded,
                      boolean unitScale) {
        int aRows, aCols, bRows, bCols, cRows, cCols, depth;
        switch (op) {
            case NT, NT_PACKED -> { aRows = bt; aCols = k; bRows = m; bCols = k; cRows = bt; cCols = m; depth = k; }
            case TN -> { aRows = bt; aCols = m; bRows = bt; bCols = k; cRows = m; cCols = k; depth = bt; }
            default -> { aRows = bt; aCols = m; bRows = m; bCols = k; cRows = bt; cCols = k; depth = m; }
        }
        float alpha = padded && !unitScale ? -0.75f : 1f, beta = padded && !unitScale ? 1.5f : 0f;
        boolean withBias = (op == Op.NT || op == Op.NT_PACKED) && padded;
        Shape sa = shape(aRows, aCols, padded, 3), sb = shape(bRows, bCols, padded, 17), sc = shape(cRows, cCols, padded, 9);
        float[] a = Data.uniform(rnd, aRows * aCols, -1, 1), b = Data.uniform(rnd, bRows * bCols, -1, 1);
        float[] bias = withBias ? Data.uniform(rnd, cCols, -1, 1) : null;
        Mat ma = Mat.of(arena, sa, a), mb = Mat.of(arena, sb, b);
        Mat mc = beta == 0f ? Mat.garbage(arena, sc) : Mat.of(arena, sc, Data.uniform(rnd, cRows * cCols, -1, 1));
        Buf bb = bias == null ? null : Buf.of(arena, bias, padded ? 5 : 0);
        float[] cBefore = mc.packed();
        float[] expected = cBefore.clone();
        switch (op) {
            case NT, NT_PACKED -> ReferenceKernels.gemmNT(alpha, a, k, bt, k, b, k, m, beta, expected, m, bias);
            case TN -> ReferenceKernels.gemmTN(alpha, a, m, bt, m, b, k, k, beta, expected, k);
            default -> ReferenceKernels.gemmNN(alpha, a, m, bt, m, b, k, k, beta, expected, k);
        }

        run(arena, impl, op, alpha, ma, mb, beta, mc, bb);

        String what = impl + " " + op + " B=" + bt + " k=" + k + " m=" + m + (padded ? " padded" : "");
        float[] actual = mc.packed();
        double[] tol = new double[cRows * cCols];
        double g = 2 * Tol.gamma(depth + 5 + depth / 128);
        for (int r = 0; r < cRows; r++) {
            for (int c = 0; c < cCols; c++) {
                double sum = 0;
                for (int p = 0; p < depth; p++) {
                    double x = switch (op) {
                        case NT, NT_PACKED -> (double) a[r * k + p] * b[c * k + p];
                        case TN -> (double) a[p * m + r] * b[p * k + c];
                        case NN, NN_PACKED -> (double) a[r * m + p] * b[p * k + c];
                    };
                    sum += Math.abs(x);
                }
                int e = r * cCols + c;
                double mag = Math.abs(alpha) * sum + Math.abs((double) beta * (beta == 0f ? 0f : cBefore[e]))
                        + (bias == null ? 0 : Math.abs(bias[c]));
                tol[e] = g * mag;
            }
        }
        Tol.assertAllWithin(what, expected, actual, tol, 0, expected.length);
        mc.assertWrittenOnlyElements(what + ": C");
        ma.buf.assertUnchanged(what + ": A");
        mb.buf.assertUnchanged(what + ": B");
        if (bb != null) {
            bb.assertUnchanged(what + ": bias");
        }
        if (op == Op.NN_PACKED || op == Op.NT_PACKED) {
            // the packed operand changes where W is read from, not the panels, k-blocks or kernels
            Mat plain = beta == 0f ? Mat.garbage(arena, sc) : Mat.of(arena, sc, cBefore);
            run(arena, impl, op == Op.NN_PACKED ? Op.NN : Op.NT, alpha, ma, mb, beta, plain, bb);
            assertArrayEquals(plain.packed(), actual, what + ": against the unpacked product, bit for bit");
        }
    }

    private static Shape shape(int rows, int cols, boolean padded, int misalign) {
        return padded ? new Shape(rows, cols, cols + 3, misalign) : new Shape(rows, cols, cols, 0);
    }

    static void run(Arena arena, Impl3 impl, Op op, float alpha, Mat a, Mat b, float beta, Mat c, Buf bias) {
        KernelSupport k = impl.k();
        if (k == null) {
            switch (op) {
                case NT -> Blas.gemmNT(alpha, a.matrix(), b.matrix(), beta, c.matrix(), bias == null ? null : bias.vec());
                case TN -> Blas.gemmTN(alpha, a.matrix(), b.matrix(), beta, c.matrix());
                case NN -> Blas.gemmNN(alpha, a.matrix(), b.matrix(), beta, c.matrix());
                case NN_PACKED -> {
                    PackedMatrix packed = Blas.pack(arena, b.matrix());
                    assertEquals(Blas.active().gemmPackedBytes(b.rows, b.cols) > 0, packed.isPacked(), "isPacked");
                    Blas.gemmNN(alpha, a.matrix(), packed, beta, c.matrix());
                }
                case NT_PACKED -> Blas.gemmNT(alpha, a.matrix(), Blas.pack(arena, b.matrix()), beta, c.matrix(),
                        bias == null ? null : bias.vec());
            }
            return;
        }
        switch (op) {
            case NT -> k.gemmNT(alpha, a.buf.seg, a.buf.off, a.ld, a.rows, a.cols, b.buf.seg, b.buf.off, b.ld, b.rows,
                    beta, c.buf.seg, c.buf.off, c.ld, bias == null ? null : bias.seg, bias == null ? 0 : bias.off);
            case TN -> k.gemmTN(alpha, a.buf.seg, a.buf.off, a.ld, a.rows, a.cols, b.buf.seg, b.buf.off, b.ld, b.cols,
                    beta, c.buf.seg, c.buf.off, c.ld);
            case NN -> k.gemmNN(alpha, a.buf.seg, a.buf.off, a.ld, a.rows, a.cols, b.buf.seg, b.buf.off, b.ld, b.cols,
                    beta, c.buf.seg, c.buf.off, c.ld);
            case NN_PACKED -> k.gemmNNPacked(alpha, a.buf.seg, a.buf.off, a.ld, a.rows, a.cols, b.buf.seg, b.buf.off,
                    b.ld, packed(arena, k, b), b.cols, beta, c.buf.seg, c.buf.off, c.ld);
            case NT_PACKED -> k.gemmNTPacked(alpha, a.buf.seg, a.buf.off, a.ld, a.rows, a.cols, b.buf.seg, b.buf.off,
                    b.ld, packed(arena, k, b), b.rows, beta, c.buf.seg, c.buf.off, c.ld, bias == null ? null : bias.seg,
                    bias == null ? 0 : bias.off);
        }
    }

    /** W packed by {@code k} into a fresh segment first filled with NaN bytes, or null if k has no packed form. */
    private static MemorySegment packed(Arena arena, KernelSupport k, Mat w) {
        long bytes = k.gemmPackedBytes(w.rows, w.cols);
        if (bytes == 0) {
            return null;
        }
        MemorySegment packed = arena.allocate(bytes, 64);
        packed.fill((byte) 0xff); // NaN bytes: whatever the packing leaves unwritten must not be read
        k.gemmPack(w.buf.seg, w.buf.off, w.ld, w.rows, w.cols, packed);
        return packed;
    }
}
