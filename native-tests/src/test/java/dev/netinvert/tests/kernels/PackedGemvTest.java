package dev.netinvert.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.KernelSupport;
import dev.netinvert.kernels.PackedMatrix;
import dev.netinvert.tests.SameBits;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The GEMV through W's packed copy ({@link Blas#packForGemv}, {@link KernelSupport#gemvPacked}) against the GEMV
 * on W itself: the same bits for every shape, coefficient set and row range, since the packed kernel must do the
 * same FMAs in the same order (the SIMD kernels' panels of eight rows for {@code dot8}'s blocks). Every other
 * product that owes the GEMV its bits (the fused gradients, the batch forward pass) owes them to the packed GEMV
 * too. At the width this surefire execution forces; the 512-bit execution runs the 16-lane tree.
 */
@Tag("kernels")
class PackedGemvTest {

    /**
     * Shape.ODD and the shapes around the panels' limits: 8k ± 1 rows, 1 column past L, 320/321 (eight-row panels,
     * then two four-row ones at 256 bits) and 1024/1025; paired rows with an even and an odd count of full vectors.
     */
    static List<Shape> shapes() {
        return Stream.concat(Shape.ODD.stream(), Stream.of(
                new Shape(8, 8, 8, 0), new Shape(8, 9, 11, 3), new Shape(16, 17, 17, 0), new Shape(9, 16, 16, 4),
                new Shape(24, 15, 15, 0), new Shape(7, 100, 100, 0), new Shape(64, 320, 320, 0),
                new Shape(40, 319, 323, 5), new Shape(64, 1024, 1024, 0), new Shape(17, 1023, 1027, 1),
                new Shape(304, 200, 208, 0), new Shape(625, 300, 300, 0), new Shape(24, 329, 336, 0),
                new Shape(16, 337, 341, 2), new Shape(33, 512, 512, 0))).toList();
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Shape s : shapes()) {
            out.add(Arguments.of(s, 1f, 0f, false));
            out.add(Arguments.of(s, -0.75f, 1.5f, true));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} alpha={1} beta={2} bias={3}")
    @MethodSource("cases")
    void thePackedGemvIsTheGemvBitForBit(Shape s, float alpha, float beta, boolean bias) {
        try (Arena arena = Arena.ofShared()) {
            SplittableRandom rnd = new SplittableRandom(31L * s.rows() + s.cols());
            FloatMatrix w = matrix(arena, s, rnd);
            FloatVec x = vector(arena, s.cols(), rnd), y0 = vector(arena, s.rows(), rnd);
            FloatVec b = bias ? vector(arena, s.rows(), rnd) : null;
            PackedMatrix p = Blas.packForGemv(arena, w);
            FloatVec plain = FloatVec.allocate(arena, s.rows()), packed = FloatVec.allocate(arena, s.rows());
            SameBits.assertSameBits(() -> {
                Blas.copy(y0, plain);
                Blas.gemv(alpha, w, x, beta, plain, b);
                return plain.toArray();
            }, () -> {
                Blas.copy(y0, packed);
                Blas.gemv(alpha, p, x, beta, packed, b);
                return packed.toArray();
            }, s + " " + p);
        }
    }

    /**
     * The SPI on row ranges: ranges from a multiple of eight rows read the panels, the others W; either way the
     * GEMV's bits, and no element of y outside the range written (y is NaN poison around and outside it).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void rowRangesGiveTheGemvsBitsAndWriteOnlyTheirRows(Shape s) {
        KernelSupport k = Blas.active();
        try (Arena arena = Arena.ofShared()) {
            SplittableRandom rnd = new SplittableRandom(s.rows() + 7L * s.cols());
            FloatMatrix w = matrix(arena, s, rnd);
            FloatVec x = vector(arena, s.cols(), rnd);
            PackedMatrix p = Blas.packForGemv(arena, w);
            var packed = p.isPacked() ? arena.allocate(k.gemvPackedBytes(s.rows(), s.cols()), 64) : null;
            if (packed != null) {
                k.gemvPack(w.segment(), w.byteOffset(), w.ld(), s.rows(), s.cols(), packed);
            }
            List<int[]> ranges = new ArrayList<>(s.ranges());
            ranges.add(new int[] {Math.min(8, s.rows()), s.rows()});
            ranges.add(new int[] {0, s.rows() / 8 * 8});
            for (int[] r : ranges) {
                float[] expected = run(arena, r, s.rows(), y -> k.gemv(0.5f, w.segment(), w.byteOffset(), w.ld(), r[0],
                        r[1], s.cols(), x.segment(), x.byteOffset(), 0f, y.segment(), y.byteOffset(), null, 0));
                SameBits.assertSameBits(() -> expected, () -> run(arena, r, s.rows(), y -> k.gemvPacked(0.5f,
                        w.segment(), w.byteOffset(), w.ld(), packed, r[0], r[1], s.cols(), x.segment(), x.byteOffset(),
                        0f, y.segment(), y.byteOffset(), null, 0)), s + " rows [" + r[0] + ", " + r[1] + ")");
            }
        }
    }

    /** W of shape s with U(−1, 1) entries, its padding and the bytes around it NaN ({@link Mat}). */
    private static FloatMatrix matrix(Arena arena, Shape s, SplittableRandom rnd) {
        return Mat.of(arena, s, Data.uniform(rnd, s.rows() * s.cols(), -1, 1)).matrix();
    }

    private static FloatVec vector(Arena arena, int n, SplittableRandom rnd) {
        return FloatVec.of(arena, Data.uniform(rnd, n, -1, 1));
    }

    private static float[] run(Arena arena, int[] range, int rows, java.util.function.Consumer<FloatVec> gemv) {
        FloatVec y = FloatVec.allocate(arena, rows);
        Blas.fill(y, Float.NaN);
        gemv.accept(y);
        float[] out = y.toArray();
        for (int i = 0; i < rows; i++) {
            boolean inside = i >= range[0] && i < range[1];
            if (inside == Float.isNaN(out[i])) {
                throw new AssertionError("rows [" + range[0] + ", " + range[1] + "): element " + i + " is " + out[i]);
            }
        }
        return out;
    }

    /**
     * The copy exists exactly where the SIMD GEMV takes eight-row blocks (L ≥ 8, L ≤ cols ≤ 1 024: dot8's, or two
     * dot4Pairs past 320 columns at 256 bits), W takes at most 16 MiB and there is a whole panel, and takes one
     * panel per eight rows: so the fast path cannot be switched off unnoticed.
     */
    @Test
    void shortRowsArePackedWhereTheGemvTakesEightRowBlocks() {
        KernelSupport k = Blas.active();
        int lanes = k.name().equals("simd") ? k.vectorBitSize() / 32 : 0;
        for (int[] mn : new int[][] {{784, 100}, {7, 100}, {8, 100}, {17, 15}, {16, 8}, {64, 7}, {64, 320}, {64, 321},
                {64, 1024}, {64, 1025}, {625, 300}, {100, 784}, {16384, 256}, {16392, 256}, {4096, 1024}, {4104, 1024}}) {
            int m = mn[0], n = mn[1];
            boolean expected = lanes >= 8 && m >= 8 && n >= lanes && n <= 1024 && 4L * m * n <= 16 << 20;
            long panel = expected ? 8L * 4 * lanes * ((n - 1) / lanes + 1) : 0;
            assertEquals(m / 8 * panel, k.gemvPackedBytes(m, n), m + "×" + n + " at " + k.name() + " " + lanes);
            try (Arena arena = Arena.ofShared()) {
                PackedMatrix p = Blas.packForGemv(arena, FloatMatrix.allocate(arena, m, n));
                assertEquals(expected, p.isPacked(), p.toString());
                assertEquals(m / 8 * panel, p.packedBytes(), p.toString());
            }
        }
        if (k.name().equals("simd") && lanes >= 8) {
            assertTrue(k.gemvPackedBytes(784, 100) > 0, "the 784×100 layer of [000] sec. 5.1.2 must be packed");
            assertTrue(k.gemvPackedBytes(100, 784) > 0, "a 100×784 first layer must be packed");
        } else {
            assertFalse(k.gemvPackedBytes(784, 100) > 0, k.name() + " has no packed GEMV");
        }
    }

    @Test
    void aClosedCopyOrAWrongShapeIsANamedError() {
        try (Arena outer = Arena.ofShared()) {
            Arena arena = Arena.ofShared();
            FloatMatrix w = FloatMatrix.allocate(outer, 64, 100);
            PackedMatrix p = Blas.packForGemv(arena, w);
            FloatVec x = FloatVec.allocate(outer, 100), y = FloatVec.allocate(outer, 64);
            FloatVec shortY = FloatVec.allocate(outer, 63);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Blas.gemv(1f, p, x, 0f, shortY, null));
            assertTrue(e.getMessage().contains("y") && e.getMessage().contains("64") && e.getMessage().contains("63"),
                    e.getMessage());
            arena.close();
            if (p.isPacked()) {
                IllegalStateException c = assertThrows(IllegalStateException.class,
                        () -> Blas.gemv(1f, p, x, 0f, y, null));
                assertTrue(c.getMessage().contains("W (packed)"), c.getMessage());
            } else {
                Blas.gemv(1f, p, x, 0f, y, null); // nothing packed: W itself is read, and W's arena is open
            }
            assertThrows(NullPointerException.class, () -> Blas.gemv(1f, (PackedMatrix) null, x, 0f, y, null));
        }
    }
}
