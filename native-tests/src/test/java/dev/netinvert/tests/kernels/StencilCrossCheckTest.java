package dev.netinvert.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.kernels.StencilSupport;
import dev.netinvert.kernels.TotalVariation;
import dev.netinvert.kernels.reference.ReferenceStencils;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The SIMD and scalar stencil kernels against {@link ReferenceStencils}, called through the raw
 * {@link StencilSupport} contract on awkward shapes (1×1, 1×n, n×1, primes, 255×257, C = 1 and 3), at
 * unaligned offsets, with NaN sentinels around every array so that a write outside its rows or its
 * array is caught.
 *
 * <p>Tolerances (u = 2⁻²⁴, the unit roundoff):
 * <ul>
 *   <li>∇ and div are one subtraction / the same three additions in every implementation: exact.</li>
 *   <li>The scalar implementation repeats the reference's float operations one for one: its
 *       elementwise outputs must be bit-identical. SIMD may use FMA, each FMA saving one rounding of at
 *       most u relative to the magnitudes involved; the bounds below sum those per operation.</li>
 *   <li>Reductions: rows are summed in float lanes (at most ⌈W/L⌉ + L terms meet in float), rows in
 *       double: |Δ| ≤ (W + 4C + 16)·u·Σ|terms|.</li>
 * </ul>
 */
@Tag("kernels")
class StencilCrossCheckTest {

    static final double U = 0x1p-24;
    static final int SENTINEL = 0x7fc0dead;
    static final ValueLayout.OfFloat LAYOUT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static final int[][] SHAPES = {
        {1, 1, 1}, {1, 1, 2}, {1, 2, 1}, {1, 1, 17}, {1, 1, 33}, {1, 17, 1}, {1, 2, 2}, {1, 7, 13},
        {1, 17, 33}, {1, 64, 64}, {1, 5, 100}, {1, 255, 257},
        // Widths equal to a vector length (128/256/512-bit): one lane group both starts and ends each row.
        {1, 6, 4}, {1, 3, 8}, {1, 5, 16}, {1, 1, 16}, {3, 4, 16},
        {3, 1, 1}, {3, 1, 40}, {3, 40, 1}, {3, 7, 13}, {3, 17, 33}, {3, 64, 64},
        // Rows of at least 12 lane groups at every width, where the SIMD kernels loop over the interior groups apart.
        {3, 5, 200},
    };

    static List<StencilSupport> implementations() {
        List<StencilSupport> list = new ArrayList<>();
        list.add(KernelProvider.scalar().stencilSupport());
        KernelProvider.simd().ifPresent(p -> list.add(p.stencilSupport()));
        return list;
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (StencilSupport impl : implementations()) {
            for (int[] s : SHAPES) {
                out.add(Arguments.of(impl, s[0], s[1], s[2]));
            }
        }
        return out.stream();
    }

    /** One arena per test (JUnit makes a test instance per test and closes the field after it). */
    @AutoClose
    final Arena arena = Arena.ofConfined();

    /** A float array in native memory at a random unaligned offset, NaN sentinels on both sides. */
    final class Buf {
        final MemorySegment seg;
        final long off;
        final int n;
        final int pad;

        Buf(float[] data, SplittableRandom rnd) {
            this.n = data.length;
            this.pad = 1 + rnd.nextInt(17);
            this.seg = arena.allocate(4L * (n + 2L * pad), 64);
            this.off = 4L * pad;
            for (int k = 0; k < pad; k++) {
                seg.set(ValueLayout.JAVA_INT_UNALIGNED, 4L * k, SENTINEL);
                seg.set(ValueLayout.JAVA_INT_UNALIGNED, off + 4L * (n + k), SENTINEL);
            }
            MemorySegment.copy(data, 0, seg, LAYOUT, off, n);
        }

        float[] read() {
            checkSentinels();
            float[] a = new float[n];
            MemorySegment.copy(seg, LAYOUT, off, a, 0, n);
            return a;
        }

        void checkSentinels() {
            for (int k = 0; k < pad; k++) {
                if (seg.get(ValueLayout.JAVA_INT_UNALIGNED, 4L * k) != SENTINEL
                        || seg.get(ValueLayout.JAVA_INT_UNALIGNED, off + 4L * (n + k)) != SENTINEL) {
                    fail("a kernel wrote outside its array (sentinel " + k + " of " + pad + " overwritten)");
                }
            }
        }
    }

    static float[] random(SplittableRandom rnd, int n, double scale) {
        float[] a = new float[n];
        for (int k = 0; k < n; k++) {
            a[k] = (float) ((2 * rnd.nextDouble() - 1) * scale);
        }
        return a;
    }

    static SplittableRandom rnd(int c, int h, int w, int salt) {
        return new SplittableRandom(1_000_003L * c + 10_007L * h + 101L * w + salt);
    }

    static String where(StencilSupport impl, int c, int h, int w) {
        return impl.name() + " " + c + "×" + h + "×" + w;
    }

    /** Exact equality (−0 == 0 allowed), for outputs that every implementation computes with the same operations. */
    static void assertExact(float[] expected, float[] actual, String what) {
        for (int k = 0; k < expected.length; k++) {
            if (!(expected[k] == actual[k]) && !(Float.isNaN(expected[k]) && Float.isNaN(actual[k]))) {
                fail(what + ": element " + k + " expected " + expected[k] + ", got " + actual[k]);
            }
        }
    }

    /** |expected − actual| ≤ tol[k] (0 for the scalar implementation, which must be bit-identical). */
    static void assertClose(StencilSupport impl, float[] expected, float[] actual, double[] tol, String what) {
        boolean exact = impl.name().equals("scalar");
        for (int k = 0; k < expected.length; k++) {
            double d = Math.abs((double) expected[k] - actual[k]);
            if (exact ? !(expected[k] == actual[k]) : !(d <= tol[k])) {
                fail(what + ": element " + k + " expected " + expected[k] + ", got " + actual[k]
                        + (exact ? " (scalar must match the reference exactly)" : " (tolerance " + tol[k] + ")"));
            }
        }
    }

    static void assertSum(double expected, double actual, double magnitude, int c, int w, String what) {
        double tol = (w + 4.0 * c + 16) * U * magnitude + 1e-30;
        assertEquals(expected, actual, tol, what);
    }

    static double sumAbs(float[]... arrays) {
        double s = 0;
        for (float[] a : arrays) {
            for (float v : a) {
                s += Math.abs(v);
            }
        }
        return s;
    }

    static double squaredChange(float[] a, float[] b) {
        double s = 0;
        for (int k = 0; k < a.length; k++) {
            double d = (double) a[k] - b[k];
            s += d * d;
        }
        return s;
    }

    // ---------------------------------------------------------------- ∇, div

    @ParameterizedTest(name = "{0} {1}×{2}×{3}")
    @MethodSource("cases")
    void gradientMatchesReference(StencilSupport impl, int c, int h, int w) {
        SplittableRandom rnd = rnd(c, h, w, 1);
        int n = c * h * w;
        float[] x = random(rnd, n, 3);
        float[] e1 = new float[n], e2 = new float[n];
        ReferenceStencils.gradient(c, h, w, x, e1, e2);
        Buf bx = new Buf(x, rnd), b1 = new Buf(random(rnd, n, 1), rnd), b2 = new Buf(random(rnd, n, 1), rnd);
        impl.gradient(bx.seg, bx.off, c, h, w, 0, h, b1.seg, b1.off, b2.seg, b2.off);
        assertExact(e1, b1.read(), "d1 " + where(impl, c, h, w));
        assertExact(e2, b2.read(), "d2 " + where(impl, c, h, w));
        assertExact(x, bx.read(), "x must not change");
    }

    @ParameterizedTest(name = "{0} {1}×{2}×{3}")
    @MethodSource("cases")
    void divergenceMatchesReference(StencilSupport impl, int c, int h, int w) {
        SplittableRandom rnd = rnd(c, h, w, 2);
        int n = c * h * w;
        // Random p everywhere, including the last row of p1 and last column of p2 that div must ignore.
        float[] p1 = random(rnd, n, 2), p2 = random(rnd, n, 2);
        float[] expected = new float[n];
        ReferenceStencils.divergence(c, h, w, p1, p2, expected);
        Buf b1 = new Buf(p1, rnd), b2 = new Buf(p2, rnd), out = new Buf(random(rnd, n, 1), rnd);
        impl.divergence(b1.seg, b1.off, b2.seg, b2.off, c, h, w, 0, h, out.seg, out.off);
        assertExact(expected, out.read(), "div " + where(impl, c, h, w));
    }

    // ---------------------------------------------------------------- values

    @ParameterizedTest(name = "{0} {1}×{2}×{3}")
    @MethodSource("cases")
    void valuesMatchReference(StencilSupport impl, int c, int h, int w) {
        SplittableRandom rnd = rnd(c, h, w, 3);
        int n = c * h * w;
        float[] x = random(rnd, n, 2), p1 = random(rnd, n, 2), p2 = random(rnd, n, 2);
        Buf bx = new Buf(x, rnd), b1 = new Buf(p1, rnd), b2 = new Buf(p2, rnd);
        String at = where(impl, c, h, w);

        double iso = ReferenceStencils.tvIsotropic(c, h, w, x);
        double aniso = ReferenceStencils.tvAnisotropic(c, h, w, x);
        double n21 = ReferenceStencils.norm21(c, h, w, p1, p2);
        double n11 = ReferenceStencils.norm11(c, h, w, p1, p2);
        // The terms are non-negative, so Σ|terms| is the value itself.
        assertSum(iso, impl.tvIsotropic(bx.seg, bx.off, c, h, w, 0, h), iso, c, w, "isotropic TV " + at);
        assertSum(aniso, impl.tvAnisotropic(bx.seg, bx.off, c, h, w, 0, h), aniso, c, w, "anisotropic TV " + at);
        assertSum(n21, impl.norm21(b1.seg, b1.off, b2.seg, b2.off, c, h, w, 0, h), n21, c, w, "ℓ2,1 " + at);
        assertSum(n11, impl.norm11(b1.seg, b1.off, b2.seg, b2.off, c, h, w, 0, h), n11, c, w, "ℓ1,1 " + at);
        bx.checkSentinels();
        b1.checkSentinels();
        b2.checkSentinels();
    }

    // ---------------------------------------------------------------- projections

    @ParameterizedTest(name = "{0} {1}×{2}×{3}")
    @MethodSource("cases")
    void projectionsMatchReference(StencilSupport impl, int c, int h, int w) {
        SplittableRandom rnd = rnd(c, h, w, 4);
        int n = c * h * w;
        float r = 0.8f;
        // Components in [−1, 1]: for C = 1 about half the pixels lie outside the ball of radius 0.8.
        float[] p1 = random(rnd, n, 1), p2 = random(rnd, n, 1);
        float[] e1 = p1.clone(), e2 = p2.clone();
        ReferenceStencils.projectL2(c, h, w, e1, e2, r);
        Buf b1 = new Buf(p1, rnd), b2 = new Buf(p2, rnd);
        impl.projectL2(r, b1.seg, b1.off, b2.seg, b2.off, c, h, w, 0, h);
        // ‖p‖²: 2C products and sums, each FMA saves a rounding; sqrt, /r, 1/max, × add 4 more:
        // relative error ≤ (2C + 4)·u per evaluation, and two evaluations differ by at most twice that.
        double[] t1 = new double[n], t2 = new double[n];
        for (int k = 0; k < n; k++) {
            t1[k] = 2 * (2 * c + 4) * U * Math.abs(e1[k]) + Float.MIN_NORMAL;
            t2[k] = 2 * (2 * c + 4) * U * Math.abs(e2[k]) + Float.MIN_NORMAL;
        }
        assertClose(impl, e1, b1.read(), t1, "ℓ2 projection d1 " + where(impl, c, h, w));
        assertClose(impl, e2, b2.read(), t2, "ℓ2 projection d2 " + where(impl, c, h, w));

        float[] f1 = random(rnd, n, 1), f2 = random(rnd, n, 1);
        float[] g1 = f1.clone(), g2 = f2.clone();
        ReferenceStencils.projectLinf(c, h, w, g1, g2, 0.5f);
        Buf c1 = new Buf(f1, rnd), c2 = new Buf(f2, rnd);
        impl.projectLinf(0.5f, c1.seg, c1.off, c2.seg, c2.off, c, h, w, 0, h);
        assertExact(g1, c1.read(), "ℓ∞ projection d1 " + where(impl, c, h, w));
        assertExact(g2, c2.read(), "ℓ∞ projection d2 " + where(impl, c, h, w));
    }

    // ---------------------------------------------------------------- PDHG steps

    @ParameterizedTest(name = "{0} {1}×{2}×{3}")
    @MethodSource("cases")
    void primalStepMatchesComposition(StencilSupport impl, int c, int h, int w) {
        SplittableRandom rnd = rnd(c, h, w, 5);
        int n = c * h * w;
        float tau = 0.37f, alpha = 0.015f * 40;
        float[] x = random(rnd, n, 1), g = random(rnd, n, 1), z1 = random(rnd, n, 1), z2 = random(rnd, n, 1);
        float[] expected = new float[n];
        double expectedChange = ReferenceStencils.pdhgPrimal(c, h, w, tau, alpha, x, g, z1, z2, expected);
        float[] div = new float[n];
        ReferenceStencils.divergence(c, h, w, z1, z2, div);
        // t = g − α·div and x − τ·t: at most 2 roundings each, relative to the terms' magnitudes.
        double[] tol = new double[n];
        for (int k = 0; k < n; k++) {
            tol[k] = 4 * U * (Math.abs(x[k]) + tau * (Math.abs(g[k]) + alpha * Math.abs(div[k]))) + Float.MIN_NORMAL;
        }
        String at = where(impl, c, h, w);

        Buf bx = new Buf(x, rnd), bg = new Buf(g, rnd), b1 = new Buf(z1, rnd), b2 = new Buf(z2, rnd);
        Buf out = new Buf(random(rnd, n, 1), rnd);
        double change = impl.pdhgPrimal(tau, alpha, bx.seg, bx.off, bg.seg, bg.off, b1.seg, b1.off, b2.seg, b2.off,
                c, h, w, 0, h, out.seg, out.off);
        float[] got = out.read();
        assertClose(impl, expected, got, tol, "primal step " + at);
        assertExact(x, bx.read(), "x must not change");
        double actual = squaredChange(got, x);
        assertSum(actual, change, actual, c, w, "returned ‖x⁺ − x‖² vs the actual change " + at);
        assertSum(expectedChange, change, expectedChange, c, w, "‖x⁺ − x‖² vs the reference " + at);
        assertExact(g, bg.read(), "g must not change");
        assertExact(z1, b1.read(), "z1 must not change");
        assertExact(z2, b2.read(), "z2 must not change");
    }

    @ParameterizedTest(name = "{0} {1}×{2}×{3}")
    @MethodSource("cases")
    void dualStepsMatchComposition(StencilSupport impl, int c, int h, int w) {
        for (float tauZ : new float[] {1f / (8 * 0.015f), 200f}) { // the paper's τz = 1/(8α), and one that projects most pixels
            for (boolean iso : new boolean[] {true, false}) {
                dualStep(impl, c, h, w, tauZ, 0.015f, iso);
            }
        }
    }

    private void dualStep(StencilSupport impl, int c, int h, int w, float tauZ, float alpha, boolean iso) {
        SplittableRandom rnd = rnd(c, h, w, iso ? 6 : 7);
        int n = c * h * w;
        float[] xn = random(rnd, n, 1), xo = random(rnd, n, 1), z1 = random(rnd, n, 0.7), z2 = random(rnd, n, 0.7);
        float[] e1 = z1.clone(), e2 = z2.clone();
        double expectedChange = iso
                ? ReferenceStencils.pdhgDualIsotropic(c, h, w, tauZ, alpha, xn, xo, e1, e2)
                : ReferenceStencils.pdhgDualAnisotropic(c, h, w, tauZ, alpha, xn, xo, e1, e2);
        float sigma = tauZ * alpha;
        // Per pixel, m = the largest |z| + σ·|∂u| over its components bounds every |q|; q = z + σ·∂u
        // has 2 roundings, the ℓ2 projection adds the (2C + 4)·u of projectionsMatchReference. Both
        // evaluations err, hence twice the sum.
        float[] u = new float[n], d1 = new float[n], d2 = new float[n];
        for (int k = 0; k < n; k++) {
            u[k] = 2f * xn[k] - xo[k];
        }
        ReferenceStencils.gradient(c, h, w, u, d1, d2);
        double[] tol = new double[n];
        int hw = h * w;
        for (int p = 0; p < hw; p++) {
            double m = 0;
            for (int ch = 0; ch < c; ch++) {
                int k = ch * hw + p;
                m = Math.max(m, Math.max(Math.abs(z1[k]) + sigma * Math.abs(d1[k]), Math.abs(z2[k]) + sigma * Math.abs(d2[k])));
            }
            for (int ch = 0; ch < c; ch++) {
                tol[ch * hw + p] = 2 * (2 + 2 * c + 4) * U * m + Float.MIN_NORMAL;
            }
        }
        Buf bn = new Buf(xn, rnd), bo = new Buf(xo, rnd), b1 = new Buf(z1, rnd), b2 = new Buf(z2, rnd);
        double change = iso
                ? impl.pdhgDualIsotropic(sigma, bn.seg, bn.off, bo.seg, bo.off, b1.seg, b1.off, b2.seg, b2.off, c, h, w, 0, h)
                : impl.pdhgDualAnisotropic(sigma, bn.seg, bn.off, bo.seg, bo.off, b1.seg, b1.off, b2.seg, b2.off, c, h, w, 0, h);
        String at = (iso ? "isotropic" : "anisotropic") + " dual step τz=" + tauZ + " " + where(impl, c, h, w);
        float[] g1 = b1.read(), g2 = b2.read();
        assertClose(impl, e1, g1, tol, at + " z1");
        assertClose(impl, e2, g2, tol, at + " z2");
        assertExact(xn, bn.read(), "xNew must not change");
        assertExact(xo, bo.read(), "x must not change");
        double actual = squaredChange(g1, z1) + squaredChange(g2, z2);
        assertSum(actual, change, actual, c, w, "returned ‖z⁺ − z‖² vs the actual change, " + at);
        if (impl.name().equals("scalar")) {
            assertSum(expectedChange, change, expectedChange, c, w, "‖z⁺ − z‖² vs the reference, " + at);
        }
    }

    // ---------------------------------------------------------------- row blocks

    /**
     * Every operation run on row blocks [0, a), [a, b), [b, h) writes exactly what the whole-image call
     * writes (bit for bit) and only its own rows; the block sums add up to the whole sum.
     */
    @ParameterizedTest(name = "{0} {1}×{2}×{3}")
    @MethodSource("cases")
    void rowBlocksAreExact(StencilSupport impl, int c, int h, int w) {
        SplittableRandom rnd = rnd(c, h, w, 8);
        int n = c * h * w;
        int a = rnd.nextInt(h + 1), b = a + rnd.nextInt(h - a + 1);
        int[] cuts = {0, a, b, h};
        String at = where(impl, c, h, w) + " split at " + a + ", " + b;
        float[] x = random(rnd, n, 1), xn = random(rnd, n, 1), g = random(rnd, n, 1);
        float[] z1 = random(rnd, n, 1), z2 = random(rnd, n, 1);
        Buf bx = new Buf(x, rnd), bxn = new Buf(xn, rnd), bg = new Buf(g, rnd);

        // ∇ and div, each block into a fresh NaN-filled output: rows outside the block must stay NaN.
        Buf w1 = new Buf(new float[n], rnd), w2 = new Buf(new float[n], rnd);
        impl.gradient(bx.seg, bx.off, c, h, w, 0, h, w1.seg, w1.off, w2.seg, w2.off);
        Buf d = new Buf(new float[n], rnd);
        Buf bz1 = new Buf(z1, rnd), bz2 = new Buf(z2, rnd);
        impl.divergence(bz1.seg, bz1.off, bz2.seg, bz2.off, c, h, w, 0, h, d.seg, d.off);
        float[] whole1 = w1.read(), whole2 = w2.read(), wholeDiv = d.read();
        float[] got1 = new float[n], got2 = new float[n], gotDiv = new float[n];
        for (int k = 0; k < 3; k++) {
            int r0 = cuts[k], r1 = cuts[k + 1];
            float[] nan = new float[n];
            java.util.Arrays.fill(nan, Float.NaN);
            Buf o1 = new Buf(nan, rnd), o2 = new Buf(nan, rnd), od = new Buf(nan, rnd);
            impl.gradient(bx.seg, bx.off, c, h, w, r0, r1, o1.seg, o1.off, o2.seg, o2.off);
            impl.divergence(bz1.seg, bz1.off, bz2.seg, bz2.off, c, h, w, r0, r1, od.seg, od.off);
            copyRows(o1.read(), got1, c, h, w, r0, r1, at + " ∇ d1");
            copyRows(o2.read(), got2, c, h, w, r0, r1, at + " ∇ d2");
            copyRows(od.read(), gotDiv, c, h, w, r0, r1, at + " div");
        }
        assertBits(whole1, got1, at + " ∇ d1");
        assertBits(whole2, got2, at + " ∇ d2");
        assertBits(wholeDiv, gotDiv, at + " div");

        // Reductions.
        double iso = 0, aniso = 0, n21 = 0, n11 = 0;
        for (int k = 0; k < 3; k++) {
            iso += impl.tvIsotropic(bx.seg, bx.off, c, h, w, cuts[k], cuts[k + 1]);
            aniso += impl.tvAnisotropic(bx.seg, bx.off, c, h, w, cuts[k], cuts[k + 1]);
            n21 += impl.norm21(bz1.seg, bz1.off, bz2.seg, bz2.off, c, h, w, cuts[k], cuts[k + 1]);
            n11 += impl.norm11(bz1.seg, bz1.off, bz2.seg, bz2.off, c, h, w, cuts[k], cuts[k + 1]);
        }
        assertEquals(impl.tvIsotropic(bx.seg, bx.off, c, h, w, 0, h), iso, 1e-12 * (1 + iso), at + " iso TV");
        assertEquals(impl.tvAnisotropic(bx.seg, bx.off, c, h, w, 0, h), aniso, 1e-12 * (1 + aniso), at + " aniso TV");
        assertEquals(impl.norm21(bz1.seg, bz1.off, bz2.seg, bz2.off, c, h, w, 0, h), n21, 1e-12 * (1 + n21), at + " ℓ2,1");
        assertEquals(impl.norm11(bz1.seg, bz1.off, bz2.seg, bz2.off, c, h, w, 0, h), n11, 1e-12 * (1 + n11), at + " ℓ1,1");

        // PDHG steps and projections: in place on copies, whole vs blocks.
        for (int op = 0; op < 5; op++) {
            Buf wa = new Buf(z1, rnd), wb = new Buf(z2, rnd), ba = new Buf(z1, rnd), bb = new Buf(z2, rnd);
            Buf wo = new Buf(x, rnd), bo = new Buf(x, rnd);
            double whole = run(impl, op, bx, bxn, bg, wa, wb, wo, c, h, w, 0, h);
            double parts = 0;
            for (int k = 0; k < 3; k++) {
                parts += run(impl, op, bx, bxn, bg, ba, bb, bo, c, h, w, cuts[k], cuts[k + 1]);
            }
            assertBits(wa.read(), ba.read(), at + " op " + op + " z1");
            assertBits(wb.read(), bb.read(), at + " op " + op + " z2");
            assertBits(wo.read(), bo.read(), at + " op " + op + " out");
            assertEquals(whole, parts, 1e-12 * (1 + whole), at + " op " + op + " sum");
        }
    }

    private static double run(StencilSupport impl, int op, Buf x, Buf xn, Buf g, Buf z1, Buf z2, Buf out,
                              int c, int h, int w, int r0, int r1) {
        return switch (op) {
            case 0 -> impl.pdhgPrimal(0.3f, 0.7f, x.seg, x.off, g.seg, g.off, z1.seg, z1.off, z2.seg, z2.off,
                    c, h, w, r0, r1, out.seg, out.off);
            case 1 -> impl.pdhgDualIsotropic(2.5f, xn.seg, xn.off, x.seg, x.off, z1.seg, z1.off, z2.seg, z2.off,
                    c, h, w, r0, r1);
            case 2 -> impl.pdhgDualAnisotropic(2.5f, xn.seg, xn.off, x.seg, x.off, z1.seg, z1.off, z2.seg, z2.off,
                    c, h, w, r0, r1);
            case 3 -> {
                impl.projectL2(0.6f, z1.seg, z1.off, z2.seg, z2.off, c, h, w, r0, r1);
                yield 0;
            }
            default -> {
                impl.projectLinf(0.6f, z1.seg, z1.off, z2.seg, z2.off, c, h, w, r0, r1);
                yield 0;
            }
        };
    }

    /** Copies rows [r0, r1) of every channel from {@code block} and checks the other rows are still NaN. */
    private static void copyRows(float[] block, float[] into, int c, int h, int w, int r0, int r1, String what) {
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    int k = (ch * h + i) * w + j;
                    if (i >= r0 && i < r1) {
                        into[k] = block[k];
                    } else if (!Float.isNaN(block[k])) {
                        fail(what + ": rows [" + r0 + ", " + r1 + ") wrote row " + i + " (channel " + ch + ", column " + j + ")");
                    }
                }
            }
        }
    }

    private static void assertBits(float[] expected, float[] actual, String what) {
        for (int k = 0; k < expected.length; k++) {
            if (Float.floatToRawIntBits(expected[k]) != Float.floatToRawIntBits(actual[k])) {
                fail(what + ": element " + k + " whole-image " + expected[k] + ", blocks " + actual[k]);
            }
        }
    }
}
