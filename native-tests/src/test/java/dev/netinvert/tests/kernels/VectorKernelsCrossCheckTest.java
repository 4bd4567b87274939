package dev.netinvert.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.kernels.KernelSupport;
import dev.netinvert.kernels.reference.ReferenceKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The vector (BLAS level 1) kernels of every implementation in this JVM against
 * {@link ReferenceKernels}, on seeded U(−1, 1) data and on small integers (exact), for lengths around
 * every vector width and unroll factor (4, 8, 16 lanes × 1, 2, 4 accumulators), primes, and 4097; each
 * vector at byte offsets that are 64-aligned, 4-aligned only, and not even 4-aligned.
 */
@Tag("kernels")
class VectorKernelsCrossCheckTest {

    static final int[] SIZES = {0, 1, 2, 3, 15, 16, 17, 31, 32, 33, 61, 63, 64, 65, 127, 257, 1021, 1023, 4096, 4097};

    /** Byte misalignment of (x, y) after the 64-byte guard: aligned; 4-aligned only; not 4-aligned. */
    static final int[][] MISALIGN = {{0, 0}, {4, 40}, {3, 57}};

    static Stream<Arguments> cases() {
        return Impl.all().stream().flatMap(impl -> IntStream.of(SIZES).boxed()
                .flatMap(n -> Stream.of(MISALIGN).map(m -> Arguments.of(impl, n, m[0], m[1]))));
    }

    private static double sumAbsProducts(float[] x, float[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += Math.abs((double) x[i] * y[i]);
        }
        return s;
    }

    @ParameterizedTest(name = "{0} n={1} misalign=({2},{3})")
    @MethodSource("cases")
    void dot(Impl impl, int n, int mx, int my) {
        SplittableRandom rnd = Data.random("dot", n, mx, my);
        try (Arena arena = Arena.ofConfined()) {
            float[] x = Data.uniform(rnd, n, -1, 1), y = Data.uniform(rnd, n, -1, 1);
            Buf bx = Buf.of(arena, x, mx), by = Buf.of(arena, y, my);
            // A length-n reduction in any order: |fast − ref| ≤ 2·γ_n·Σ|x_i y_i| (see Tol).
            double tol = 2 * Tol.gamma(n) * sumAbsProducts(x, y);
            Tol.assertWithin(impl + " dot", ReferenceKernels.dot(x, y), impl.dot(bx, by), tol);
            bx.assertUnchanged(impl + " dot n=" + n + ": x");
            by.assertUnchanged(impl + " dot n=" + n + ": y");

            // Integers in [−8, 8]: |partial sums| ≤ 64·4097 < 2^24, exact in every order.
            float[] xi = Data.ints(rnd, n, -8, 8), yi = Data.ints(rnd, n, -8, 8);
            bx.rewrite(xi);
            by.rewrite(yi);
            assertEquals(ReferenceKernels.dot(xi, yi), impl.dot(bx, by), 0f, impl + " dot on integers");
        }
    }

    @ParameterizedTest(name = "{0} n={1} misalign=({2},{3})")
    @MethodSource("cases")
    void axpy(Impl impl, int n, int mx, int my) {
        SplittableRandom rnd = Data.random("axpy", n, mx, my);
        try (Arena arena = Arena.ofConfined()) {
            float a = (float) (4 * rnd.nextDouble() - 2);
            float[] x = Data.uniform(rnd, n, -1, 1), y = Data.uniform(rnd, n, -1, 1);
            Buf bx = Buf.of(arena, x, mx), by = Buf.of(arena, y, my);
            float[] expected = y.clone();
            ReferenceKernels.axpy(a, x, expected);
            impl.axpy(a, bx, by);
            float[] actual = by.read();
            if (!impl.usesFma()) {
                // Same two roundings, fl(fl(a·x) + y), in the same order: bit-identical.
                Tol.assertAllBits(impl + " axpy", expected, actual, 0, n);
            } else {
                // FMA rounds once, the reference twice. With p = a·x exact: ref = (p(1+δ1) + y)(1+δ2) and
                // fma = (p + y)(1+δ3), so |ref − fma| ≤ u|p|(1+u) + u|ref|·2/(1−u) ≤ 2u(|p| + |ref|)/(1−u).
                // Not "1 ulp of the result": when a·x ≈ −y the result is small and u|p| is many of its ulps.
                // The 2·MIN_VALUE covers the absolute rounding of subnormal results.
                double[] tol = new double[n];
                for (int i = 0; i < n; i++) {
                    tol[i] = 2 * Tol.U * (Math.abs((double) a * x[i]) + Math.abs(expected[i])) / (1 - Tol.U)
                            + 2 * Float.MIN_VALUE;
                }
                Tol.assertAllWithin(impl + " axpy (FMA)", expected, actual, tol, 0, n);
            }
            by.assertWrittenOnlyWithin(impl + " axpy n=" + n + ": y", 0, n);
            bx.assertUnchanged(impl + " axpy n=" + n + ": x");

            // a = −1.5 on integers: every product and sum is exact, with or without FMA.
            float[] xi = Data.ints(rnd, n, -8, 8), yi = Data.ints(rnd, n, -8, 8);
            bx.rewrite(xi);
            by.rewrite(yi);
            float[] ei = yi.clone();
            ReferenceKernels.axpy(-1.5f, xi, ei);
            impl.axpy(-1.5f, bx, by);
            Tol.assertAllExact(impl + " axpy on integers", ei, by.read(), 0, n);
        }
    }

    @ParameterizedTest(name = "{0} n={1} misalign=({2},{3})")
    @MethodSource("cases")
    void scale(Impl impl, int n, int mx, int my) {
        SplittableRandom rnd = Data.random("scale", n, mx, my);
        try (Arena arena = Arena.ofConfined()) {
            for (float a : new float[] {(float) (4 * rnd.nextDouble() - 2), -1f, 0f}) {
                float[] x = Data.uniform(rnd, n, -1, 1);
                Buf bx = Buf.of(arena, x, mx);
                float[] expected = x.clone();
                ReferenceKernels.scale(a, expected);
                impl.scale(a, bx);
                // One correctly rounded multiply per element in every implementation: bit-identical.
                Tol.assertAllBits(impl + " scale by " + a, expected, bx.read(), 0, n);
                bx.assertWrittenOnlyWithin(impl + " scale n=" + n + ": x", 0, n);
            }
        }
    }

    @ParameterizedTest(name = "{0} n={1} misalign=({2},{3})")
    @MethodSource("cases")
    void copy(Impl impl, int n, int mx, int my) {
        SplittableRandom rnd = Data.random("copy", n, mx, my);
        try (Arena arena = Arena.ofConfined()) {
            float[] src = Data.uniform(rnd, n, -1, 1);
            if (n > 2) {
                // Copies move bits: a NaN payload and a negative zero must survive.
                src[n / 2] = Float.intBitsToFloat(0x7FA0_0001);
                src[n - 1] = -0f;
            }
            Buf bs = Buf.of(arena, src, mx), bd = Buf.alloc(arena, n, my);
            float[] expected = new float[n];
            ReferenceKernels.copy(src, expected);
            impl.copy(bs, bd);
            Tol.assertAllBits(impl + " copy", expected, bd.read(), 0, n);
            bd.assertWrittenOnlyWithin(impl + " copy n=" + n + ": dst", 0, n);
            bs.assertUnchanged(impl + " copy n=" + n + ": src");
        }
    }

    @ParameterizedTest(name = "{0} n={1} misalign=({2},{3})")
    @MethodSource("cases")
    void fill(Impl impl, int n, int mx, int my) {
        try (Arena arena = Arena.ofConfined()) {
            Buf bx = Buf.alloc(arena, n, mx);
            // −0 must not be taken for +0 (a byte-zeroing shortcut applies to +0 only).
            for (float v : new float[] {1.25f, 0f, -0f, -3.0e38f, Float.NaN}) {
                bx.seal();
                float[] expected = new float[n];
                ReferenceKernels.fill(expected, v);
                impl.fill(v, bx);
                Tol.assertAllBits(impl + " fill with " + v, expected, bx.read(), 0, n);
                bx.assertWrittenOnlyWithin(impl + " fill n=" + n + ": x", 0, n);
            }
        }
    }

    @ParameterizedTest(name = "{0} n={1} misalign=({2},{3})")
    @MethodSource("cases")
    void sumOfSquaresAndNorm2(Impl impl, int n, int mx, int my) {
        SplittableRandom rnd = Data.random("sumOfSquares", n, mx, my);
        try (Arena arena = Arena.ofConfined()) {
            float[] x = Data.uniform(rnd, n, -1, 1);
            Buf bx = Buf.of(arena, x, mx);
            double s = 0;
            for (float v : x) {
                s += (double) v * v;
            }
            // All terms are ≥ 0, so Σ|terms| = Σx² = s: |fast − ref| ≤ 2·γ_n·s.
            Tol.assertWithin(impl + " sumOfSquares", ReferenceKernels.sumOfSquares(x), impl.sumOfSquares(bx),
                    2 * Tol.gamma(n) * s);
            // ‖x‖ = √(Σx²). Each implementation's Σx² is within γ_n·s of s, and √ has derivative 1/(2√s),
            // so before rounding each norm is within γ_n·√s/(2·√(1 − γ_n)) of √s; the sqrt and the cast
            // to float add u·√s each (relative). Hence |fast − ref| ≤ (γ_n/√(1 − γ_n) + 2u)(1 + u)·√s.
            double g = Tol.gamma(n);
            Tol.assertWithin(impl + " norm2", ReferenceKernels.norm2(x), impl.norm2(bx),
                    (g / Math.sqrt(1 - g) + 2 * Tol.U) * (1 + Tol.U) * Math.sqrt(s));
            bx.assertUnchanged(impl + " sumOfSquaresAndNorm2 n=" + n + ": x");

            float[] xi = Data.ints(rnd, n, -8, 8);
            bx.rewrite(xi);
            assertEquals(ReferenceKernels.sumOfSquares(xi), impl.sumOfSquares(bx), 0f, impl + " sumOfSquares on integers");
            assertEquals(ReferenceKernels.norm2(xi), impl.norm2(bx), 0f, impl + " norm2 on integers");
        }
    }

    @ParameterizedTest(name = "{0} n={1} misalign=({2},{3})")
    @MethodSource("cases")
    void maxAbs(Impl impl, int n, int mx, int my) {
        SplittableRandom rnd = Data.random("maxAbs", n, mx, my);
        try (Arena arena = Arena.ofConfined()) {
            float[] x = Data.uniform(rnd, n, -1, 1);
            Buf bx = Buf.of(arena, x, mx);
            // Comparisons and |·| are exact: the same bits as the reference.
            assertEquals(Float.floatToRawIntBits(ReferenceKernels.maxAbs(x)), Float.floatToRawIntBits(impl.maxAbs(bx)),
                    () -> impl + " maxAbs of " + n + " values in (-1, 1)");
            bx.assertUnchanged(impl + " maxAbs n=" + n + ": x");
            float[] negative = Data.uniform(rnd, n, -5, -0.5);
            bx.rewrite(negative);
            assertEquals(ReferenceKernels.maxAbs(negative), impl.maxAbs(bx), 0f, impl + " maxAbs of negative values");
            float[] zeros = new float[n];
            java.util.Arrays.fill(zeros, -0f);
            bx.rewrite(zeros);
            assertEquals(0f, impl.maxAbs(bx), 0f, impl + " maxAbs of -0.0s");
        }
    }

    /** Lengths whose positions are probed one by one: every part of the loops (unrolled, single-vector, tail). */
    static Stream<Arguments> probeCases() {
        int[] sizes = {1, 2, 17, 31, 33, 64, 67, 130, 1023};
        return Impl.all().stream().flatMap(impl -> IntStream.of(sizes).mapToObj(n -> Arguments.of(impl, n)));
    }

    private static int[] positions(int n) {
        if (n <= 130) {
            return IntStream.range(0, n).toArray();
        }
        TreeSet<Integer> p = new TreeSet<>();
        for (int q : new int[] {0, 1, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, n / 2, n - 17, n - 16, n - 9, n - 2,
                n - 1}) {
            p.add(Math.min(n - 1, Math.max(0, q)));
        }
        return p.stream().mapToInt(Integer::intValue).toArray();
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("probeCases")
    void maxAbsFindsANegativeExtremeOrNaNAtEveryPosition(Impl impl, int n) {
        SplittableRandom rnd = Data.random("maxAbsProbe", n);
        try (Arena arena = Arena.ofConfined()) {
            float[] base = Data.uniform(rnd, n, -1, 1);
            Buf bx = Buf.of(arena, base, 3);
            for (int p : positions(n)) {
                float[] x = base.clone();
                x[p] = -7.5f;
                bx.rewrite(x);
                assertEquals(7.5f, impl.maxAbs(bx), 0f, impl + " maxAbs with -7.5 at " + p);
                x[p] = Float.NEGATIVE_INFINITY;
                bx.rewrite(x);
                assertEquals(Float.POSITIVE_INFINITY, impl.maxAbs(bx), 0f, impl + " maxAbs with -inf at " + p);
                x[p] = Float.NaN;
                bx.rewrite(x);
                assertTrue(Float.isNaN(ReferenceKernels.maxAbs(x)), "reference maxAbs must propagate NaN");
                float m = impl.maxAbs(bx);
                assertTrue(Float.isNaN(m), () -> impl + " maxAbs with NaN at " + p + " of " + n + ": got " + m);
                // A NaN next to a larger value must still win.
                if (p + 1 < n) {
                    x[p + 1] = 1e30f;
                    bx.rewrite(x);
                    float m2 = impl.maxAbs(bx);
                    assertTrue(Float.isNaN(m2), () -> impl + " maxAbs with NaN at " + p + " then 1e30: got " + m2);
                }
            }
        }
    }

    /** Overlapping source and destination through the raw SPI, which promises memmove semantics. */
    static Stream<Arguments> overlapCases() {
        List<Arguments> out = new ArrayList<>();
        List<KernelSupport> ks = new ArrayList<>();
        ks.add(KernelProvider.scalar().kernelSupport());
        KernelProvider.simd().ifPresent(p -> ks.add(p.kernelSupport()));
        for (KernelSupport k : ks) {
            for (int n : new int[] {1, 2, 17, 33, 1023}) {
                for (long shift : new long[] {4, -4, 3, -5, 4L * (n / 2), -4L * (n / 2) + 1, 4L * n - 4}) {
                    out.add(Arguments.of(new Impl.Raw(k), n, shift));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} n={1} dst = src + {2} bytes")
    @MethodSource("overlapCases")
    void copyWithOverlappingRanges(Impl.Raw impl, int n, long shift) {
        SplittableRandom rnd = Data.random("copyOverlap", n, shift);
        try (Arena arena = Arena.ofConfined()) {
            long margin = Buf.GUARD + 4L * n;
            MemorySegment seg = arena.allocate(2 * margin + 4L * n + 3, 64);
            byte[] before = new byte[(int) seg.byteSize()];
            for (int i = 0; i < before.length; i++) {
                before[i] = (byte) rnd.nextInt(256);
            }
            MemorySegment.copy(before, 0, seg, ValueLayout.JAVA_BYTE, 0, before.length);
            long src = margin + 1, dst = src + shift;
            byte[] expected = before.clone();
            System.arraycopy(before, (int) src, expected, (int) dst, 4 * n);
            impl.k().copy(seg, src, seg, dst, n);
            assertArrayEquals(expected, seg.toArray(ValueLayout.JAVA_BYTE),
                    impl + " copy of " + n + " floats onto itself shifted by " + shift + " bytes");
        }
    }
}
