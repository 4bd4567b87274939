package dev.netinvert.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netinvert.kernels.Conv;
import dev.netinvert.kernels.ConvShape;
import dev.netinvert.kernels.ConvSupport;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.kernels.reference.ReferenceConv;
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
 * The SIMD and scalar convolution kernels ({@link ConvSupport}, raw) and the {@link Conv} facade (single images,
 * and batches on both the GEMM and the direct path) against an independent direct convolution written here in
 * double (the scatter form: every input pixel pushes its products into the outputs it touches), against
 * {@link ReferenceConv}, and against their own adjoints, at awkward shapes (odd sizes, H ≠ W, strides 1-3,
 * padding 0-2, C = 1/3/8, k = 1-5, 000's and LeNet's layers) and unaligned offsets with NaN sentinels.
 *
 * <p>Tolerance (u = 2⁻²⁴): an output is a float sum of m = C_in·k² + 1 terms (products rounded at most once,
 * none with FMA), in an order that depends on the path, so |computed − exact| ≤ γ_m·Σ|terms| whatever the order
 * (Higham, ch. 3); the GEMM path, per {@code Blas.gemmNT}'s contract, is within 2·γ_{m+3}·Σ|terms|. The
 * tests allow 2·γ_{m+3}·Σ|terms| with Σ|terms| computed here in double. Adjointness compares ⟨Ax, y⟩ and ⟨x, Aᵀy⟩
 * summed in double over the float outputs: both sides are within γ_m·Σ|x||K||y| of the exact bilinear form.
 */
@Tag("kernels")
class ConvCrossCheckTest {

    static final double U = 0x1p-24;
    static final int SENTINEL = 0x7fc0dead;
    static final ValueLayout.OfFloat LAYOUT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** {C_in, H, W, C_out, k, stride, padding}. */
    static final int[][] SHAPES = {
        {1, 28, 28, 8, 4, 2, 1}, {8, 14, 14, 16, 4, 2, 1}, // [000] sec. 5.2 encoder
        {3, 32, 32, 6, 5, 1, 0}, {6, 14, 14, 16, 5, 1, 0}, // LeNet
        {1, 1, 1, 1, 1, 1, 0}, {1, 1, 1, 2, 3, 1, 1}, {1, 2, 3, 1, 2, 1, 1}, {1, 7, 5, 3, 3, 1, 1},
        {3, 9, 13, 8, 3, 2, 1}, {3, 17, 11, 5, 5, 3, 2}, {8, 5, 19, 3, 2, 2, 0}, {1, 33, 31, 1, 3, 1, 2},
        {3, 16, 17, 8, 1, 1, 0}, {8, 6, 6, 8, 4, 3, 1}, {1, 40, 3, 2, 3, 2, 2}, {3, 3, 40, 2, 5, 1, 2},
        {2, 23, 37, 7, 3, 1, 0}, {1, 64, 70, 4, 5, 2, 2}, {5, 15, 16, 17, 2, 1, 1}, {8, 11, 33, 8, 3, 1, 1},
    };

    static List<ConvSupport> implementations() {
        List<ConvSupport> list = new ArrayList<>();
        list.add(KernelProvider.scalar().convSupport());
        KernelProvider.simd().ifPresent(p -> list.add(p.convSupport()));
        return list;
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (ConvSupport impl : implementations()) {
            for (int[] s : SHAPES) {
                out.add(Arguments.of(impl, new ConvShape(s[0], s[1], s[2], s[3], s[4], s[5], s[6])));
            }
        }
        return out.stream();
    }

    static Stream<Arguments> shapes() {
        return Stream.of(SHAPES).map(s -> Arguments.of(new ConvShape(s[0], s[1], s[2], s[3], s[4], s[5], s[6])));
    }

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

        FloatVec vec() {
            return FloatVec.wrap(seg, off, n);
        }

        float[] read() {
            for (int k = 0; k < pad; k++) {
                if (seg.get(ValueLayout.JAVA_INT_UNALIGNED, 4L * k) != SENTINEL
                        || seg.get(ValueLayout.JAVA_INT_UNALIGNED, off + 4L * (n + k)) != SENTINEL) {
                    fail("a kernel wrote outside its array (sentinel " + k + " of " + pad + " overwritten)");
                }
            }
            float[] a = new float[n];
            MemorySegment.copy(seg, LAYOUT, off, a, 0, n);
            return a;
        }
    }

    static float[] random(SplittableRandom rnd, int n, double scale) {
        float[] a = new float[n];
        for (int k = 0; k < n; k++) {
            a[k] = (float) ((2 * rnd.nextDouble() - 1) * scale);
        }
        return a;
    }

    static SplittableRandom rnd(ConvShape s, int salt) {
        return new SplittableRandom(s.hashCode() * 31L + salt);
    }

    /** The forward map in double, scattered from the inputs; abs[o] ← Σ|terms| of output o. */
    static double[] directForward(ConvShape s, float[] wt, float[] b, float[] x, double[] abs) {
        int ci = s.inChannels(), h = s.inHeight(), w = s.inWidth(), k = s.kernel(), st = s.stride(), p = s.padding();
        int ho = s.outHeight(), wo = s.outWidth();
        double[] y = new double[s.outputs()];
        for (int o = 0; o < s.outChannels(); o++) {
            for (int q = 0; q < ho * wo; q++) {
                y[o * ho * wo + q] = b == null ? 0 : b[o];
                abs[o * ho * wo + q] = b == null ? 0 : Math.abs(b[o]);
            }
        }
        for (int c = 0; c < ci; c++) {
            for (int r = 0; r < h; r++) {
                for (int q = 0; q < w; q++) {
                    double xv = x[(c * h + r) * w + q];
                    for (int ki = 0; ki < k; ki++) {
                        for (int kj = 0; kj < k; kj++) {
                            int ti = r + p - ki, tj = q + p - kj; // = i·s, j·s
                            if (ti < 0 || tj < 0 || ti % st != 0 || tj % st != 0 || ti / st >= ho || tj / st >= wo) {
                                continue;
                            }
                            for (int o = 0; o < s.outChannels(); o++) {
                                double t = wt[((o * ci + c) * k + ki) * k + kj] * xv;
                                int at = (o * ho + ti / st) * wo + tj / st;
                                y[at] += t;
                                abs[at] += Math.abs(t);
                            }
                        }
                    }
                }
            }
        }
        return y;
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int k = 0; k < a.length; k++) {
            s += (double) a[k] * b[k];
        }
        return s;
    }

    static double tol(int m, double abs) {
        double g = (m + 3) * U / (1 - (m + 3) * U);
        return 2 * g * abs + Double.MIN_NORMAL;
    }

    static void assertWithin(String what, double[] expected, float[] actual, double[] tol) {
        for (int k = 0; k < expected.length; k++) {
            if (!(Math.abs(expected[k] - actual[k]) <= tol[k])) {
                fail(what + ": element " + k + " expected " + expected[k] + " ± " + tol[k] + ", got " + actual[k]);
            }
        }
    }

    // ---------------------------------------------------------------- forward

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void forwardMatchesDirectDoubleConvolution(ConvSupport impl, ConvShape s) {
        SplittableRandom rnd = rnd(s, 1);
        float[] w = random(rnd, s.weightLength(), 1), b = random(rnd, s.outChannels(), 1), x = random(rnd, s.inputs(), 2);
        double[] abs = new double[s.outputs()];
        double[] expected = directForward(s, w, b, x, abs);
        double[] tol = new double[abs.length];
        for (int k = 0; k < tol.length; k++) {
            tol[k] = tol(s.patchLength() + 1, abs[k]);
        }
        for (boolean withBias : new boolean[] {true, false}) {
            Buf bw = new Buf(w, rnd), bb = new Buf(b, rnd), bx = new Buf(x, rnd);
            Buf by = new Buf(random(rnd, s.outputs(), 1), rnd);
            impl.forward(s, bw.seg, bw.off, withBias ? bb.seg : null, bb.off, bx.seg, bx.off, by.seg, by.off);
            double[] e = withBias ? expected : directForward(s, w, null, x, new double[s.outputs()]);
            assertWithin(impl.name() + " forward " + s + (withBias ? "" : " no bias"), e, by.read(), tol);
            assertEquals(0, java.util.Arrays.compare(x, bx.read()), "x must not change");
        }
        // The reference twin obeys the same bound (it is within one rounding of the exact sum).
        float[] ref = new float[s.outputs()];
        ReferenceConv.forward(s.inChannels(), s.inHeight(), s.inWidth(), s.outChannels(), s.kernel(), s.stride(),
                s.padding(), w, b, x, ref);
        assertWithin("ReferenceConv.forward " + s, expected, ref, tol);
    }

    // ---------------------------------------------------------------- adjoint

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void adjointIsTheTransposeInDouble(ConvSupport impl, ConvShape s) {
        SplittableRandom rnd = rnd(s, 2);
        float[] w = random(rnd, s.weightLength(), 1), x = random(rnd, s.inputs(), 1), y = random(rnd, s.outputs(), 1);
        Buf bw = new Buf(w, rnd), bx = new Buf(x, rnd), by = new Buf(random(rnd, s.outputs(), 1), rnd);
        impl.forward(s, bw.seg, bw.off, null, 0, bx.seg, bx.off, by.seg, by.off);
        float[] ax = by.read();
        Buf yb = new Buf(y, rnd), out = new Buf(random(rnd, s.inputs(), 1), rnd);
        impl.adjoint(s, bw.seg, bw.off, yb.seg, yb.off, out.seg, out.off, null, 0);
        float[] aty = out.read();
        double lhs = dot(ax, y), rhs = dot(x, aty);
        // Σ|x||K||y| over all the bilinear form's terms, bounded by Σ_o |y_o|·(Σ|terms| of (A|x|)_o).
        float[] absX = new float[x.length], absW = new float[w.length];
        for (int k = 0; k < x.length; k++) absX[k] = Math.abs(x[k]);
        for (int k = 0; k < w.length; k++) absW[k] = Math.abs(w[k]);
        double[] ignored = new double[s.outputs()];
        double[] ax1 = directForward(s, absW, null, absX, ignored);
        double mag = 0;
        for (int o = 0; o < y.length; o++) mag += Math.abs(y[o]) * ax1[o];
        double tol = 2 * (s.patchLength() + s.outChannels() * s.kernel() * s.kernel() + 4) * U * mag + 1e-30;
        assertEquals(lhs, rhs, tol, impl.name() + " ⟨Ax, y⟩ vs ⟨x, Aᵀy⟩ " + s);

        // And elementwise against the reference's gather form, with bias.
        float[] bias = random(rnd, s.inChannels(), 1);
        float[] ref = new float[s.inputs()];
        ReferenceConv.adjoint(s.inChannels(), s.inHeight(), s.inWidth(), s.outChannels(), s.kernel(), s.stride(),
                s.padding(), w, y, ref, bias);
        Buf bb = new Buf(bias, rnd), out2 = new Buf(random(rnd, s.inputs(), 1), rnd);
        impl.adjoint(s, bw.seg, bw.off, yb.seg, yb.off, out2.seg, out2.off, bb.seg, bb.off);
        float[] got = out2.read();
        // |terms| of Aᵀy at pixel (c, r, q): (Aᵀ|y|)(c, r, q) with |K|, via the reference on absolute values.
        float[] absY = new float[y.length];
        for (int k = 0; k < y.length; k++) absY[k] = Math.abs(y[k]);
        float[] absRef = new float[s.inputs()];
        ReferenceConv.adjoint(s.inChannels(), s.inHeight(), s.inWidth(), s.outChannels(), s.kernel(), s.stride(),
                s.padding(), absW, absY, absRef, null);
        int m = s.outChannels() * s.kernel() * s.kernel() + 1;
        for (int k = 0; k < got.length; k++) {
            double t = tol(m, absRef[k] * (1 + 1e-6) + Math.abs(bias[k / (s.inHeight() * s.inWidth())]));
            if (!(Math.abs((double) ref[k] - got[k]) <= t)) {
                fail(impl.name() + " adjoint " + s + ": element " + k + " expected " + ref[k] + " ± " + t + ", got "
                        + got[k]);
            }
        }
    }

    // ---------------------------------------------------------------- weight gradient

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void weightGradientIsTheDerivativeOfTheBilinearForm(ConvSupport impl, ConvShape s) {
        SplittableRandom rnd = rnd(s, 3);
        float[] x = random(rnd, s.inputs(), 1), dy = random(rnd, s.outputs(), 1);
        float[] dw0 = random(rnd, s.weightLength(), 1), db0 = random(rnd, s.outChannels(), 1);
        float beta = 0.75f;
        // ∂/∂K[t] of ⟨dy, K ⋆ x⟩ is ⟨dy, E_t ⋆ x⟩ for the unit weight E_t: the definition, via directForward.
        double[] expected = new double[s.weightLength()], absTerms = new double[s.weightLength()];
        float[] unit = new float[s.weightLength()];
        float[] absX = new float[x.length], absDy = new float[dy.length];
        for (int k = 0; k < x.length; k++) absX[k] = Math.abs(x[k]);
        for (int k = 0; k < dy.length; k++) absDy[k] = Math.abs(dy[k]);
        for (int t = 0; t < unit.length; t++) {
            unit[t] = 1f;
            double[] ex = directForward(s, unit, null, x, new double[s.outputs()]);
            double[] ea = directForward(s, unit, null, absX, new double[s.outputs()]);
            unit[t] = 0f;
            double g = 0, a = 0;
            for (int o = 0; o < ex.length; o++) {
                g += dy[o] * ex[o];
                a += absDy[o] * ea[o];
            }
            expected[t] = beta * (double) dw0[t] + g;
            absTerms[t] = Math.abs(beta * dw0[t]) + a;
        }
        double[] tol = new double[absTerms.length];
        for (int t = 0; t < tol.length; t++) tol[t] = tol(s.positions() + 2, absTerms[t]);
        Buf bx = new Buf(x, rnd), bdy = new Buf(dy, rnd), bdw = new Buf(dw0, rnd), bdb = new Buf(db0, rnd);
        impl.weightGradient(s, bx.seg, bx.off, bdy.seg, bdy.off, beta, bdw.seg, bdw.off, bdb.seg, bdb.off);
        assertWithin(impl.name() + " dW " + s, expected, bdw.read(), tol);
        float[] db = bdb.read();
        int pos = s.positions();
        for (int o = 0; o < s.outChannels(); o++) {
            double e = beta * (double) db0[o], a = Math.abs(beta * db0[o]);
            for (int q = 0; q < pos; q++) {
                e += dy[o * pos + q];
                a += Math.abs(dy[o * pos + q]);
            }
            if (!(Math.abs(e - db[o]) <= tol(pos + 2, a))) {
                fail(impl.name() + " dBias " + s + ": channel " + o + " expected " + e + ", got " + db[o]);
            }
        }
        // β = 0 must not read the old values (NaN there does not propagate).
        float[] nan = new float[s.weightLength()];
        java.util.Arrays.fill(nan, Float.NaN);
        Buf bn = new Buf(nan, rnd);
        impl.weightGradient(s, bx.seg, bx.off, bdy.seg, bdy.off, 0f, bn.seg, bn.off, null, 0);
        float[] got = bn.read();
        for (int t = 0; t < got.length; t++) {
            double e = expected[t] - beta * (double) dw0[t];
            if (!(Math.abs(e - got[t]) <= tol[t])) {
                fail(impl.name() + " dW with β = 0 " + s + ": element " + t + " expected " + e + ", got " + got[t]);
            }
        }
    }

    // ---------------------------------------------------------------- im2col / col2im

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void col2imIsTheAdjointOfIm2colAndIm2colIsACopy(ConvSupport impl, ConvShape s) {
        SplittableRandom rnd = rnd(s, 4);
        int kc = s.patchLength(), pos = s.positions();
        float[] x = random(rnd, s.inputs(), 1);
        Buf bx = new Buf(x, rnd), col = new Buf(random(rnd, kc * pos, 1), rnd);
        impl.im2col(s, bx.seg, bx.off, col.seg, col.off);
        float[] c = col.read();
        int k = s.kernel(), st = s.stride(), p = s.padding(), wo = s.outWidth();
        for (int t = 0; t < kc; t++) {
            int ch = t / (k * k), ki = t / k % k, kj = t % k;
            for (int q = 0; q < pos; q++) {
                int r = q / wo * st + ki - p, cc = q % wo * st + kj - p;
                boolean in = r >= 0 && r < s.inHeight() && cc >= 0 && cc < s.inWidth();
                float e = in ? x[(ch * s.inHeight() + r) * s.inWidth() + cc] : 0f;
                if (Float.floatToRawIntBits(e) != Float.floatToRawIntBits(c[t * pos + q])) {
                    fail(impl.name() + " im2col " + s + ": row " + t + " column " + q + " expected " + e + ", got "
                            + c[t * pos + q]);
                }
            }
        }
        float[] v = random(rnd, kc * pos, 1);
        Buf bv = new Buf(v, rnd), out = new Buf(random(rnd, s.inputs(), 1), rnd);
        impl.col2im(s, bv.seg, bv.off, null, 0, out.seg, out.off);
        double lhs = dot(c, v), rhs = dot(x, out.read());
        assertEquals(lhs, rhs, (kc + 2) * 4 * U * kc * pos, impl.name() + " ⟨im2col x, v⟩ vs ⟨x, col2im v⟩ " + s);
    }

    // ---------------------------------------------------------------- the facade: single and batched

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void batchedIsPerImageOnEveryPath(ConvShape s) {
        SplittableRandom rnd = rnd(s, 5);
        int batch = 3;
        FloatVec w = FloatVec.of(arena, random(rnd, s.weightLength(), 1));
        FloatVec b = FloatVec.of(arena, random(rnd, s.outChannels(), 1));
        FloatVec bt = FloatVec.of(arena, random(rnd, s.inChannels(), 1));
        // Padded leading dimensions: rows do not start where the previous one ends.
        FloatMatrix xs = FloatMatrix.allocate(arena, batch, s.inputs(), s.inputs() + 3);
        FloatMatrix ys = FloatMatrix.allocate(arena, batch, s.outputs(), s.outputs() + 5);
        FloatMatrix ysGemm = FloatMatrix.allocate(arena, batch, s.outputs(), s.outputs() + 1);
        FloatMatrix back = FloatMatrix.allocate(arena, batch, s.inputs(), s.inputs() + 1);
        FloatMatrix backGemm = FloatMatrix.allocate(arena, batch, s.inputs(), s.inputs() + 2);
        xs.copyFrom(random(rnd, batch * s.inputs(), 1));
        long need = Math.max(Conv.scratchLength(s, batch), Conv.im2colLength(s));
        FloatVec scratch = FloatVec.allocate(arena, (int) need + 7).slice(7, (int) need);
        Conv.forward(s, w, b, xs, ys, Conv.scratchLength(s, batch) == 0 ? null : scratch);
        Conv.forwardIm2col(s, w, b, xs, ysGemm, scratch);
        Conv.adjoint(s, w, ys, back, bt, Conv.scratchLength(s, batch) == 0 ? null : scratch);
        Conv.adjointIm2col(s, w, ys, backGemm, bt, scratch);
        FloatVec y1 = FloatVec.allocate(arena, s.outputs()), x1 = FloatVec.allocate(arena, s.inputs());
        float[] absW = w.toArray();
        for (int k = 0; k < absW.length; k++) absW[k] = Math.abs(absW[k]);
        for (int r = 0; r < batch; r++) {
            float[] x = xs.row(r).toArray();
            double[] abs = new double[s.outputs()];
            double[] e = directForward(s, w.toArray(), b.toArray(), x, abs);
            double[] tol = new double[abs.length];
            for (int k = 0; k < tol.length; k++) tol[k] = tol(s.patchLength() + 1, abs[k]);
            assertWithin("batched forward row " + r + " " + s, e, ys.row(r).toArray(), tol);
            assertWithin("im2col forward row " + r + " " + s, e, ysGemm.row(r).toArray(), tol);
            Conv.forward(s, w, b, xs.row(r), y1);
            assertWithin("single forward row " + r + " " + s, e, y1.toArray(), tol);
            Conv.forward(s, w, b, xs.row(r), y1, scratch);
            assertWithin("single im2col forward row " + r + " " + s, e, y1.toArray(), tol);

            float[] y = ys.row(r).toArray(), absY = new float[y.length];
            for (int k = 0; k < y.length; k++) absY[k] = Math.abs(y[k]);
            float[] ref = new float[s.inputs()], absRef = new float[s.inputs()];
            ReferenceConv.adjoint(s.inChannels(), s.inHeight(), s.inWidth(), s.outChannels(), s.kernel(), s.stride(),
                    s.padding(), w.toArray(), y, ref, bt.toArray());
            ReferenceConv.adjoint(s.inChannels(), s.inHeight(), s.inWidth(), s.outChannels(), s.kernel(), s.stride(),
                    s.padding(), absW, absY, absRef, null);
            Conv.adjoint(s, w, ys.row(r), x1, bt);
            float[] single = x1.toArray();
            Conv.adjoint(s, w, ys.row(r), x1, bt, scratch);
            int m = s.outChannels() * s.kernel() * s.kernel() + 1;
            float[][] got = {single, back.row(r).toArray(), backGemm.row(r).toArray(), x1.toArray()};
            String[] path = {"single", "batched", "im2col", "single im2col"};
            for (int g = 0; g < got.length; g++) {
                for (int k = 0; k < ref.length; k++) {
                    double t = tol(m, absRef[k] * (1 + 1e-6) + Math.abs(bt.get(k / (s.inHeight() * s.inWidth()))));
                    if (!(Math.abs((double) ref[k] - got[g][k]) <= t)) {
                        fail(path[g] + " adjoint row " + r + " " + s + ": element " + k + " expected " + ref[k]
                                + " ± " + t + ", got " + got[g][k]);
                    }
                }
            }
        }
    }

    @org.junit.jupiter.api.Test
    void facadeValidatesNamingTheArgument() {
        ConvShape s = new ConvShape(2, 6, 5, 3, 3, 2, 1); // 3×3×3 out
        FloatVec w = FloatVec.allocate(arena, 54), x = FloatVec.allocate(arena, 60), y = FloatVec.allocate(arena, 27);
        assertEquals(54, s.weightLength());
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Conv.forward(s, FloatVec.allocate(arena, 53), null, x, y));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith("weight: expected length 54"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Conv.adjoint(s, w, y, FloatVec.allocate(arena, 59), null));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith("x: expected length 60"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Conv.adjoint(s, w, y, x, FloatVec.allocate(arena, 3)));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith("bias: expected length 2"), e.getMessage());
        FloatVec big = FloatVec.allocate(arena, 100);
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Conv.forward(s, w, null, big.slice(0, 60), big.slice(50, 27)));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("overlap"), e.getMessage());
        FloatMatrix xs = FloatMatrix.allocate(arena, 2, 60), ys = FloatMatrix.allocate(arena, 2, 27);
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Conv.forwardIm2col(s, w, null, xs, ys, FloatVec.allocate(arena, 5)));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith("scratch: expected at least 162"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Conv.forward(s, w, null, xs, FloatMatrix.allocate(arena, 3, 27), null));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith("ys: expected 2 rows"), e.getMessage());
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) m = Math.max(m, Math.abs(v));
        return m;
    }
}
