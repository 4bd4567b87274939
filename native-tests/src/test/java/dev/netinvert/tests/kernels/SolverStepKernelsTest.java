package dev.netinvert.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Fused;
import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.kernels.KernelSupport;
import dev.netinvert.kernels.reference.ReferenceKernels;
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
 * The elementwise solver-step kernels ({@code distanceSquared}, {@code maskedResidual}, {@code extrapolate},
 * {@code scaledGradientStep}, {@code adamStep}, {@code admmStart}) of every implementation in this JVM and of
 * the facades, against {@link ReferenceKernels}, at awkward lengths (1, primes, 15/17 around a vector, 1023,
 * 4097) and at views that start 0, 12 and 5 bytes off a cache line (the last not even float-aligned), in
 * guarded buffers so that a write outside an output or into an input fails.
 *
 * <p>Tolerances: the float arithmetic of each kernel is specified operation by operation (no FMA, the
 * same association as the reference; √ is correctly rounded in both forms), so every float output must
 * equal the reference <b>bit for bit</b> (NaN: any NaN). The double sums add non-negative terms that are
 * exact in double, in an order of the implementation's choosing; any order of n additions
 * is within γ_n·Σ terms of the exact sum (Higham, Tol's class comment) with u = 2⁻⁵³, so two orders differ by at
 * most 2γ_{n+1}·Σ terms, which is what is allowed (with u = 2⁻²⁴ for scaledGradientStep's float-lane sums).
 */
@Tag("kernels")
class SolverStepKernelsTest {

    private static final int[] SIZES = {1, 2, 3, 7, 15, 16, 17, 31, 33, 61, 97, 251, 1023, 4097};
    private static final int[] MISALIGN = {0, 12, 5};

    /** The raw implementations (the facade's own runs are the {@code null} entry: see {@link Ops#of}). */
    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        List<KernelSupport> impls = new ArrayList<>();
        impls.add(KernelProvider.scalar().kernelSupport());
        KernelProvider.simd().ifPresent(p -> impls.add(p.kernelSupport()));
        impls.add(null);
        for (KernelSupport k : impls) {
            for (int n : SIZES) {
                for (int mis : MISALIGN) {
                    out.add(Arguments.of(k == null ? "facade" : k.name() + "-" + k.vectorBitSize(), k, n, mis));
                }
            }
        }
        return out.stream();
    }

    /** One way of calling the kernels: a raw implementation, or the validating facades over FloatVec views. */
    private interface Ops {
        double distanceSquared(Buf x, Buf y);

        double maskedResidual(Buf x, Buf y, Buf m, Buf r);

        void extrapolate(float beta, Buf u, Buf p, Buf x);

        void scaledGradientStep(float keep, float step, Buf z, Buf g, double[] sums);

        void adamStep(float b1, float b2, float etaHat, float sHat, float eps, Buf z, Buf g, Buf m, Buf s);

        void admmStart(int s, Buf v, Buf t, float rho, Buf a, Buf u, Buf r);

        static Ops of(KernelSupport k) {
            return k == null ? new Facade() : new Raw(k);
        }
    }

    private record Raw(KernelSupport k) implements Ops {
        @Override public double distanceSquared(Buf x, Buf y) { return k.distanceSquared(x.seg, x.off, y.seg, y.off, x.n); }

        @Override
        public double maskedResidual(Buf x, Buf y, Buf m, Buf r) {
            return k.maskedResidual(x.seg, x.off, y.seg, y.off, m == null ? null : m.seg, m == null ? 0 : m.off, r.seg,
                    r.off, x.n);
        }

        @Override
        public void extrapolate(float beta, Buf u, Buf p, Buf x) {
            k.extrapolate(beta, u.seg, u.off, p.seg, p.off, x.seg, x.off, u.n);
        }

        @Override
        public void scaledGradientStep(float keep, float step, Buf z, Buf g, double[] sums) {
            k.scaledGradientStep(keep, step, z.seg, z.off, g.seg, g.off, z.n, sums);
        }

        @Override
        public void adamStep(float b1, float b2, float etaHat, float sHat, float eps, Buf z, Buf g, Buf m, Buf s) {
            k.adamStep(b1, b2, etaHat, sHat, eps, z.seg, z.off, g.seg, g.off, m.seg, m.off, s.seg, s.off, z.n);
        }

        @Override
        public void admmStart(int s, Buf v, Buf t, float rho, Buf a, Buf u, Buf r) {
            k.admmStart(v.n, s, v.seg, v.off, t.seg, t.off, rho, a.seg, a.off, u.seg, u.off, r.seg, r.off);
        }
    }

    private record Facade() implements Ops {
        @Override public double distanceSquared(Buf x, Buf y) { return Blas.distanceSquared(x.vec(), y.vec()); }

        @Override
        public double maskedResidual(Buf x, Buf y, Buf m, Buf r) {
            return Fused.maskedResidual(x.vec(), y.vec(), m == null ? null : m.vec(), r.vec());
        }

        @Override
        public void extrapolate(float beta, Buf u, Buf p, Buf x) { Fused.extrapolate(beta, u.vec(), p.vec(), x.vec()); }

        @Override
        public void scaledGradientStep(float keep, float step, Buf z, Buf g, double[] sums) {
            Fused.scaledGradientStep(keep, step, z.vec(), g.vec(), sums);
        }

        @Override
        public void adamStep(float b1, float b2, float etaHat, float sHat, float eps, Buf z, Buf g, Buf m, Buf s) {
            Fused.adamStep(b1, b2, etaHat, sHat, eps, z.vec(), g.vec(), m.vec(), s.vec());
        }

        @Override
        public void admmStart(int s, Buf v, Buf t, float rho, Buf a, Buf u, Buf r) {
            Fused.admmStart(s, v.vec(), t.vec(), rho, a.vec(), u.vec(), r.vec());
        }
    }

    /** Uniform data with a NaN planted at a position that lands in the vector loop for long inputs. */
    private static float[] withNaN(float[] a, boolean plant) {
        if (plant) {
            a[a.length / 2] = Float.NaN;
        }
        return a;
    }

    /** Bit for bit, except that any NaN matches any NaN (payloads are the hardware's choice). */
    private static void assertSameFloats(String what, float[] expected, float[] actual) {
        for (int i = 0; i < expected.length; i++) {
            boolean same = Float.isNaN(expected[i]) ? Float.isNaN(actual[i])
                    : Float.floatToRawIntBits(expected[i]) == Float.floatToRawIntBits(actual[i]);
            if (!same) {
                fail(what + "[" + i + "]: expected " + expected[i] + " (bits " + Integer.toHexString(
                        Float.floatToRawIntBits(expected[i])) + "), got " + actual[i] + " (bits "
                        + Integer.toHexString(Float.floatToRawIntBits(actual[i])) + ")");
            }
        }
    }

    /** The output matches the reference as {@link #assertSameFloats} says, and nothing outside it was written. */
    private static void assertOutput(String what, float[] expected, Buf out) {
        assertSameFloats(what, expected, out.read());
        out.assertWrittenOnlyWithin(what, 0, out.n);
    }

    /** Two summation orders of n non-negative double terms: within 2γ_{n+1}·Σ terms (u = 2⁻⁵³); NaN only as NaN. */
    private static void assertSum(String what, double expected, double actual, int n) {
        if (Double.isNaN(expected)) {
            assertTrue(Double.isNaN(actual), what + ": expected NaN, got " + actual);
            return;
        }
        double tol = 2 * (n + 1) * 0x1p-53 * expected / (1 - (n + 1) * 0x1p-53);
        Tol.assertWithin(what, expected, actual, tol);
    }

    @ParameterizedTest(name = "{0} n={2} misalign={3}")
    @MethodSource("cases")
    void distanceSquaredMatchesReference(String label, KernelSupport k, int n, int mis) {
        SplittableRandom rnd = Data.random("distanceSquared", n, mis);
        Ops ops = Ops.of(k);
        try (Arena arena = Arena.ofConfined()) {
            for (boolean nan : new boolean[] {false, true}) {
                float[] x = withNaN(Data.uniform(rnd, n, -3, 3), nan), y = Data.uniform(rnd, n, -3, 3);
                Buf xb = Buf.of(arena, x, mis), yb = Buf.of(arena, y, 4);
                double got = ops.distanceSquared(xb, yb);
                assertSum(label + " nan=" + nan, ReferenceKernels.distanceSquared(x, y), got, n);
                xb.assertUnchanged("x");
                yb.assertUnchanged("y");
            }
            // A view against itself is exactly 0.
            Buf x = Buf.of(arena, Data.uniform(rnd, n, -3, 3), mis);
            assertEquals(0.0, ops.distanceSquared(x, x), label + ": ‖x − x‖²");
        }
    }

    @ParameterizedTest(name = "{0} n={2} misalign={3}")
    @MethodSource("cases")
    void maskedResidualMatchesReference(String label, KernelSupport k, int n, int mis) {
        SplittableRandom rnd = Data.random("maskedResidual", n, mis);
        Ops ops = Ops.of(k);
        try (Arena arena = Arena.ofConfined()) {
            for (boolean masked : new boolean[] {false, true}) {
                for (boolean nan : new boolean[] {false, true}) {
                    String at = label + " masked=" + masked + " nan=" + nan;
                    float[] x = withNaN(Data.uniform(rnd, n, -3, 3), nan), y = Data.uniform(rnd, n, -3, 3);
                    float[] m = masked ? Data.ints(rnd, n, 0, 1) : null;
                    float[] ref = new float[n];
                    double refSum = ReferenceKernels.maskedResidual(x, y, m, ref);
                    Buf xb = Buf.of(arena, x, mis), yb = Buf.of(arena, y, 8), mb = masked ? Buf.of(arena, m, 1) : null;
                    Buf rb = Buf.alloc(arena, n, mis);
                    assertSum(at, refSum, ops.maskedResidual(xb, yb, mb, rb), n);
                    assertOutput(at + " r", ref, rb);
                    xb.assertUnchanged("x");
                    yb.assertUnchanged("y");
                    // In place over x, and over y: the same r and sum.
                    for (boolean overX : new boolean[] {true, false}) {
                        Buf in = Buf.of(arena, overX ? x : y, mis);
                        double s = overX ? ops.maskedResidual(in, yb, mb, in) : ops.maskedResidual(xb, in, mb, in);
                        assertSum(at + " in place", refSum, s, n);
                        assertSameFloats(at + " in place r", ref, in.read());
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} n={2} misalign={3}")
    @MethodSource("cases")
    void extrapolateMatchesReference(String label, KernelSupport k, int n, int mis) {
        SplittableRandom rnd = Data.random("extrapolate", n, mis);
        Ops ops = Ops.of(k);
        try (Arena arena = Arena.ofConfined()) {
            for (float beta : new float[] {0f, 0.37f, 0.999f}) {
                String at = label + " beta=" + beta;
                float[] u = withNaN(Data.uniform(rnd, n, -2, 2), beta > 0.5f), p = Data.uniform(rnd, n, -2, 2);
                float[] refX = new float[n], refP = p.clone();
                ReferenceKernels.extrapolate(beta, u, refP, refX);
                Buf ub = Buf.of(arena, u, mis), pb = Buf.of(arena, p, 4), xb = Buf.alloc(arena, n, mis);
                ops.extrapolate(beta, ub, pb, xb);
                assertOutput(at + " x", refX, xb);
                assertOutput(at + " uPrev", refP, pb);
                ub.assertUnchanged("u");
            }
        }
    }

    @ParameterizedTest(name = "{0} n={2} misalign={3}")
    @MethodSource("cases")
    void scaledGradientStepMatchesReference(String label, KernelSupport k, int n, int mis) {
        SplittableRandom rnd = Data.random("scaledGradientStep", n, mis);
        Ops ops = Ops.of(k);
        try (Arena arena = Arena.ofConfined()) {
            for (boolean nan : new boolean[] {false, true}) {
                String at = label + " nan=" + nan;
                float keep = 0.9731f, step = 0.0417f;
                float[] z = Data.uniform(rnd, n, -2, 2), g = withNaN(Data.uniform(rnd, n, -5, 5), nan);
                float[] ref = z.clone();
                double[] refSums = new double[2], sums = {Double.NaN, Double.NaN};
                ReferenceKernels.scaledGradientStep(keep, step, ref, g, refSums);
                Buf zb = Buf.of(arena, z, mis), gb = Buf.of(arena, g, 12);
                ops.scaledGradientStep(keep, step, zb, gb, sums);
                assertOutput(at + " z", ref, zb);
                gb.assertUnchanged("g");
                // Summed in float lanes by the SIMD kernel: each term rounds once more (the FMA's add), and any order
                // of n float additions is within γ_n·Σ terms (u = 2⁻²⁴) of the exact sum.
                double change = refSums[0], norm = refSums[1];
                if (Double.isNaN(change)) {
                    assertTrue(Double.isNaN(sums[0]) && Double.isNaN(sums[1]), at + ": NaN sums expected, got "
                            + sums[0] + ", " + sums[1]);
                } else {
                    Tol.assertWithin(at + " ‖Δz‖²", change, sums[0], 2 * Tol.gamma(n + 1) * change);
                    Tol.assertWithin(at + " ‖z⁺‖²", norm, sums[1], 2 * Tol.gamma(n + 1) * norm);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} n={2} misalign={3}")
    @MethodSource("cases")
    void adamStepMatchesReference(String label, KernelSupport k, int n, int mis) {
        SplittableRandom rnd = Data.random("adamStep", n, mis);
        Ops ops = Ops.of(k);
        try (Arena arena = Arena.ofConfined()) {
            // A first step (m = s = 0, large bias corrections) and a later one, with a NaN gradient element.
            for (int step = 1; step <= 2; step++) {
                String at = label + " step=" + step;
                float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
                float etaHat = step == 1 ? 0.1f : 0.0123f, sHat = step == 1 ? 1000f : 3.7f;
                float[] z = Data.uniform(rnd, n, -1, 1), g = withNaN(Data.uniform(rnd, n, -3, 3), step == 2);
                float[] m = step == 1 ? new float[n] : Data.uniform(rnd, n, -1, 1);
                float[] s = step == 1 ? new float[n] : Data.uniform(rnd, n, 0, 2);
                float[] rz = z.clone(), rm = m.clone(), rs = s.clone();
                ReferenceKernels.adamStep(b1, b2, etaHat, sHat, eps, rz, g, rm, rs);
                Buf zb = Buf.of(arena, z, mis), gb = Buf.of(arena, g, 4), mb = Buf.of(arena, m, 1), sb = Buf.of(arena, s, 0);
                ops.adamStep(b1, b2, etaHat, sHat, eps, zb, gb, mb, sb);
                assertOutput(at + " z", rz, zb);
                assertOutput(at + " m", rm, mb);
                assertOutput(at + " s", rs, sb);
                gb.assertUnchanged("g");
            }
        }
    }

    @ParameterizedTest(name = "{0} n={2} misalign={3}")
    @MethodSource("cases")
    void admmStartMatchesReference(String label, KernelSupport k, int rows, int mis) {
        SplittableRandom rnd = Data.random("admmStart", rows, mis);
        Ops ops = Ops.of(k);
        try (Arena arena = Arena.ofConfined()) {
            for (int s : new int[] {0, rows / 3, rows}) {
                String at = label + " s=" + s;
                float[] v = Data.uniform(rnd, rows, -2, 2), t = Data.uniform(rnd, s, -2, 2);
                // Signed zeros and a NaN in the split rows: min(−0, 0) = −0, min(+0, 0) = +0, min(NaN, 0) = NaN.
                if (rows - s >= 3) {
                    v[s] = -0f;
                    v[s + 1] = 0f;
                    v[rows - 1] = Float.NaN;
                }
                float rho = 0.0731f;
                float[] ra = new float[rows - s], ru = new float[rows - s], rr = new float[rows];
                ReferenceKernels.admmStart(v, t, rho, ra, ru, rr);
                Buf vb = Buf.of(arena, v, mis), tb = Buf.of(arena, t, 4);
                Buf ab = Buf.alloc(arena, rows - s, 8), ub = Buf.alloc(arena, rows - s, mis), rb = Buf.alloc(arena, rows, 1);
                ops.admmStart(s, vb, tb, rho, ab, ub, rb);
                assertOutput(at + " a", ra, ab);
                assertOutput(at + " u", ru, ub);
                assertOutput(at + " r", rr, rb);
                vb.assertUnchanged("v");
                tb.assertUnchanged("t");
            }
        }
    }

    @Test
    void facadesNameTheArgumentAndWhatWasExpected() {
        try (Arena arena = Arena.ofConfined()) {
            FloatVec a5 = FloatVec.allocate(arena, 5), b5 = FloatVec.allocate(arena, 5), c4 = FloatVec.allocate(arena, 4);
            FloatVec d5 = FloatVec.allocate(arena, 5);
            assertMessage(() -> Blas.distanceSquared(a5, c4), "y: expected length 5", "got 4");
            assertMessage(() -> Fused.maskedResidual(a5, b5, c4, d5), "mask: expected length 5", "got 4");
            assertMessage(() -> Fused.maskedResidual(a5, b5, null, c4), "r: expected length 5", "got 4");
            assertMessage(() -> Fused.extrapolate(0.5f, a5, b5, c4), "x: expected length 5", "got 4");
            assertMessage(() -> Fused.extrapolate(Float.NaN, a5, b5, d5), "beta must be finite", "NaN");
            assertMessage(() -> Fused.extrapolate(0.5f, a5, b5, a5), "x and u must not overlap");
            assertMessage(() -> Fused.scaledGradientStep(1f, 1f, a5, b5, new double[1]), "sums: expected at least 2",
                    "got 1");
            assertMessage(() -> Fused.scaledGradientStep(1f, 1f, a5, a5.slice(1, 4), new double[2]), "g: expected length 5");
            assertMessage(() -> Fused.adamStep(0.9f, 0.999f, 1f, 1f, 1e-8f, a5, b5, d5, c4), "s: expected length 5",
                    "got 4");
            assertMessage(() -> Fused.adamStep(0.9f, 0.999f, 1f, 1f, 1e-8f, a5, b5, d5, d5), "m and s must not overlap");
            assertMessage(() -> Fused.admmStart(6, a5, c4, 1f, c4, c4, a5), "s: expected a value in [0, 5]", "got 6");
            assertMessage(() -> Fused.admmStart(2, a5, c4, 1f, c4, c4, d5), "t: expected length 2", "got 4");
            FloatVec t2 = FloatVec.allocate(arena, 2), a3 = FloatVec.allocate(arena, 3), u3 = FloatVec.allocate(arena, 3);
            assertMessage(() -> Fused.admmStart(2, a5, t2, 1f, a3, u3, a5), "r and v must not overlap");
            assertMessage(() -> Fused.admmStart(2, a5, t2, 1f, a3, a3, d5), "a and u must not overlap");
        }
    }

    private static void assertMessage(Runnable call, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' should contain '" + p + "'");
        }
    }
}
