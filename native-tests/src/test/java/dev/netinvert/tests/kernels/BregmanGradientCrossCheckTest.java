package dev.netinvert.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.reference.ReferenceKernels;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fused Bregman-loss gradient {@code z = Wx + b, g = Wᵀ(σ(z) − t), Σ(σ(z) − t)²} (eq. (4) [000]) of every
 * implementation in this JVM against {@link ReferenceKernels#bregmanGradient}, which does it as two
 * separate passes: whole, on row ranges, and as partial gradients over a fixed block partition, for every
 * {@link Activation} (the kernel applies any σ per row).
 *
 * <p>Tolerances, derived from the data in double (u = 2⁻²⁴, γ_k as in {@link Tol}; σ_f, e_f are from the
 * fast kernel's z, σ_r, e_r from the reference's):
 * <ul>
 *   <li>z_i = Σ_j w_ij x_j + b_i: cols + 1 terms, so |Δz_i| ≤ dz_i = 2·γ_{cols+1}·(Σ_j|w_ij x_j| + |b_i|).</li>
 *   <li>e_i = σ(z_i) − t_i: every σ here is 1-Lipschitz (tanh, clip, soft-threshold, (leaky) ReLU with slope
 *       ≤ 1; sigmoid is ¼-Lipschitz). The reference rounds σ(z) to float once (≤ u·|σ_r|); the fast kernel's
 *       σ is within k_σ ulps of the exact value, k_σ = ½ where it is {@link Activation#apply} and
 *       {@link FloatSigmaTest}'s bounds for the SIMD kernels' tanh and sigmoid ({@code FloatSigma}), and an ulp is at
 *       most 2u·|σ_f| (or the smallest subnormal); the subtraction rounds once on each side:
 *       |Δe_i| ≤ de_i = dz_i + k_σ·(2u·|σ_f| + 2⁻¹⁴⁹) + u·|σ_r| + u·(|e_f| + |e_r|), times (1 + 2⁻²⁰) for the
 *       double-precision error inside tanh/exp and second-order terms.</li>
 *   <li>g_j = Σ_i e_i w_ij: the residuals differ by de_i, and each side's sum of k rows rounds by γ_k:
 *       |Δg_j| ≤ Σ_i de_i·|w_ij| + γ_k·Σ_i (|e_f,i| + |e_r,i|)·|w_ij|; summing B block partials in float adds
 *       B − 1 roundings per term (k = rows + B).</li>
 *   <li>Σe² is accumulated in double from float residuals (each e² exact in double): |ΔS| ≤
 *       Σ_i de_i·(2|e_r,i| + de_i) + 2·γ^{double}_{k}·S.</li>
 * </ul>
 * With integer data and activations that map integers to quarters (identity, ReLU, leaky ReLU(½),
 * soft-threshold(¼), clip) everything is exact, and z, g and Σe² must equal the reference exactly.
 */
@Tag("kernels")
class BregmanGradientCrossCheckTest {

    static final List<Activation> ACTIVATIONS = List.of(
            Activation.IDENTITY,
            Activation.RELU,
            Activation.leakyRelu(0.1f),
            Activation.leakyRelu(0.5f),
            Activation.TANH,
            Activation.SIGMOID,
            Activation.softThreshold(0.25f),
            Activation.CLIP);

    private static boolean exactOnIntegers(Activation a) {
        return switch (a) {
            case Activation.Identity _ -> true;
            case Activation.Relu _ -> true;
            case Activation.LeakyRelu l -> l.slope() == 0.5f;
            case Activation.SoftThreshold st -> st.lambda() == 0.25f;
            case Activation.Clip _ -> true;
            case Activation.Tanh _ -> false;
            case Activation.Sigmoid _ -> false;
        };
    }

    private static String name(Activation a) {
        return a.toString();
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Impl impl : Impl.all()) {
            int k = 0;
            for (Shape s : Shape.ODD) {
                for (Activation a : ACTIVATIONS) {
                    out.add(Arguments.of(impl, s, a, (k++ % 2) == 0));
                }
            }
            out.add(Arguments.of(impl, Shape.BIG, Activation.RELU, true));
            out.add(Arguments.of(impl, Shape.BIG_PADDED, Activation.leakyRelu(0.1f), false));
        }
        return out.stream();
    }

    static Stream<Arguments> rangeCases() {
        List<Arguments> out = new ArrayList<>();
        for (Impl impl : Impl.all()) {
            int k = 0;
            for (Shape s : Shape.ODD) {
                for (int[] r : s.ranges()) {
                    out.add(Arguments.of(impl, s, r[0], r[1], ACTIVATIONS.get(k++ % ACTIVATIONS.size())));
                }
            }
        }
        return out.stream();
    }

    static Stream<Arguments> partitionCases() {
        List<Arguments> out = new ArrayList<>();
        for (Impl impl : Impl.all()) {
            int k = 0;
            for (Shape s : Shape.ODD) {
                out.add(Arguments.of(impl, s, ACTIVATIONS.get(k++ % ACTIVATIONS.size())));
            }
            out.add(Arguments.of(impl, Shape.BIG_PADDED, Activation.RELU));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2} bias={3}")
    @MethodSource("cases")
    void wholeMatrix(Impl impl, Shape s, Activation sigma, boolean bias) {
        SplittableRandom rnd = Data.random("bregman", s.toString(), name(sigma), bias);
        try (Arena arena = Arena.ofConfined()) {
            check(arena, rnd, impl, s, sigma, bias, 0, s.rows(), false);
            if (exactOnIntegers(sigma)) {
                check(arena, rnd, impl, s, sigma, bias, 0, s.rows(), true);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} rows [{2}, {3}) {4}")
    @MethodSource("rangeCases")
    void rowRanges(Impl impl, Shape s, int r0, int r1, Activation sigma) {
        SplittableRandom rnd = Data.random("bregmanRows", s.toString(), r0, r1);
        try (Arena arena = Arena.ofConfined()) {
            check(arena, rnd, impl, s, sigma, true, r0, r1, false);
            check(arena, rnd, impl, s, Activation.RELU, false, r0, r1, true);
        }
    }

    /** The inputs of one fused-gradient call. */
    record Problem(float[] w, float[] x, float[] b, float[] t) {
        static Problem random(SplittableRandom rnd, Shape s, boolean bias, boolean ints) {
            int m = s.rows(), n = s.cols();
            if (ints) {
                return new Problem(Data.ints(rnd, m * n, -1, 1), Data.ints(rnd, n, -1, 1),
                        bias ? Data.ints(rnd, m, -1, 1) : null, Data.ints(rnd, m, -1, 1));
            }
            // Rows scaled by 1/√cols keep z = Wx + b of order 1, so every activation sees both of its
            // regimes (ReLU's kink, tanh's linear part and its saturation).
            float[] w = Data.uniform(rnd, m * n, -1, 1);
            float scale = (float) (1.7 / Math.sqrt(n));
            for (int i = 0; i < w.length; i++) {
                w[i] *= scale;
            }
            return new Problem(w, Data.uniform(rnd, n, -1, 1), bias ? Data.uniform(rnd, m, -0.5, 0.5) : null,
                    Data.uniform(rnd, m, -0.5, 1));
        }
    }

    /** Buffers of one problem placed at misaligned offsets. */
    record Bufs(Mat w, Buf x, Buf b, Buf t, Buf z, Buf g) {
        static Bufs of(Arena arena, Shape s, Problem p) {
            return new Bufs(Mat.of(arena, s, p.w()), Buf.of(arena, p.x(), s.vecMisalign(0)),
                    p.b() == null ? null : Buf.of(arena, p.b(), s.vecMisalign(1)), Buf.of(arena, p.t(), s.vecMisalign(2)),
                    Buf.alloc(arena, s.rows(), s.vecMisalign(3)), Buf.alloc(arena, s.cols(), s.vecMisalign(4)));
        }

        void assertInputsUnchanged(String what) {
            w.buf.assertUnchanged(what + ": W");
            x.assertUnchanged(what + ": x");
            t.assertUnchanged(what + ": t");
            if (b != null) {
                b.assertUnchanged(what + ": b");
            }
        }
    }

    /** Per-row bound on |Δz_i| (see the class comment). */
    static double[] zTolerance(Shape s, Problem p, int r0, int r1) {
        int n = s.cols();
        double[] dz = new double[s.rows()];
        for (int i = r0; i < r1; i++) {
            double a = p.b() == null ? 0 : Math.abs(p.b()[i]);
            for (int j = 0; j < n; j++) {
                a += Math.abs((double) p.w()[i * n + j] * p.x()[j]);
            }
            dz[i] = 2 * Tol.gamma(n + 1) * a;
        }
        return dz;
    }

    /** k_σ: how many ulps the fast kernels' float σ may be from the exact σ. */
    private static double sigmaUlps(Activation sigma) {
        return switch (sigma) {
            case Activation.Tanh _ -> FloatSigmaTest.TANH_ULPS;
            case Activation.Sigmoid _ -> FloatSigmaTest.SIGMOID_ULPS;
            default -> 0.5;
        };
    }

    /** Per-row bound on |Δe_i| given the two z's. */
    static double[] eTolerance(Activation sigma, Problem p, float[] zFast, float[] zRef, double[] dz, int r0, int r1) {
        double[] de = new double[zRef.length];
        for (int i = r0; i < r1; i++) {
            float sf = sigma.apply(zFast[i]), sr = sigma.apply(zRef[i]);
            float ef = sf - p.t()[i], er = sr - p.t()[i];
            de[i] = (dz[i] + sigmaUlps(sigma) * (2 * Tol.U * Math.abs(sf) + Float.MIN_VALUE) + Tol.U * Math.abs(sr)
                    + Tol.U * (Math.abs(ef) + Math.abs(er))) * (1 + 0x1p-20);
        }
        return de;
    }

    static float[] residuals(Activation sigma, Problem p, float[] z, int r0, int r1) {
        float[] e = new float[z.length];
        for (int i = r0; i < r1; i++) {
            e[i] = sigma.apply(z[i]) - p.t()[i];
        }
        return e;
    }

    /** Per-column bound on |Δg_j| for k rounding stages per term. */
    static double[] gTolerance(Shape s, Problem p, float[] eFast, float[] eRef, double[] de, int r0, int r1, int k) {
        int n = s.cols();
        double[] dg = new double[n];
        double gk = Tol.gamma(k);
        for (int j = 0; j < n; j++) {
            double d = 0;
            for (int i = r0; i < r1; i++) {
                double aw = Math.abs(p.w()[i * n + j]);
                d += de[i] * aw + gk * (Math.abs(eFast[i]) + Math.abs(eRef[i])) * aw;
            }
            dg[j] = d;
        }
        return dg;
    }

    /** Bound on |ΔΣe²| when each term meets at most k double roundings. */
    static double sTolerance(float[] eRef, double[] de, double sRef, int r0, int r1, int k) {
        double d = 0;
        for (int i = r0; i < r1; i++) {
            d += de[i] * (2 * Math.abs(eRef[i]) + de[i]);
        }
        double gammaDouble = k * 0x1p-53 / (1 - k * 0x1p-53);
        return d + 2 * gammaDouble * sRef * 1.01;
    }

    /**
     * Rows [r0, r1) of the fused gradient against the reference: z only in those rows (elsewhere the NaN
     * garbage stays), g entirely overwritten (it starts as NaN garbage), inputs untouched.
     */
    static void check(Arena arena, SplittableRandom rnd, Impl impl, Shape s, Activation sigma, boolean bias, int r0,
                      int r1, boolean ints) {
        int m = s.rows(), n = s.cols();
        Problem p = Problem.random(rnd, s, bias, ints);
        Bufs bufs = Bufs.of(arena, s, p);
        float[] zRef = Data.nan(m), gRef = Data.nan(n);
        double sRef = ReferenceKernels.bregmanGradient(sigma, bufs.w().strided(), s.ld(), r0, r1, n, p.x(), p.b(),
                p.t(), zRef, gRef);

        double sFast = impl.bregmanGradient(sigma, bufs.w(), r0, r1, bufs.x(), bufs.b(), bufs.t(), bufs.z(), bufs.g());

        String what = impl + " bregmanGradient " + s + " " + name(sigma) + (bias ? " +b" : "") + " rows [" + r0 + ", "
                + r1 + ")" + (ints ? " integers" : "");
        float[] zFast = bufs.z().read(), gFast = bufs.g().read();
        if (ints) {
            // |z| ≤ cols + 1, |e| ≤ cols + 2.25 and |g| ≤ rows·|e| ≤ 512·4098.25 < 2^22 in steps of ¼, so
            // every partial sum fits in 24 bits; e² in steps of 1/16 sums far below 2^53 in double. Exact.
            Tol.assertAllExact(what + " z", zRef, zFast, r0, r1);
            Tol.assertAllExact(what + " g", gRef, gFast, 0, n);
            assertEquals(sRef, sFast, 0.0, what + " sum of squares");
        } else {
            double[] dz = zTolerance(s, p, r0, r1);
            Tol.assertAllWithin(what + " z", zRef, zFast, dz, r0, r1);
            double[] de = eTolerance(sigma, p, zFast, zRef, dz, r0, r1);
            float[] eFast = residuals(sigma, p, zFast, r0, r1), eRef = residuals(sigma, p, zRef, r0, r1);
            Tol.assertAllWithin(what + " g", gRef, gFast, gTolerance(s, p, eFast, eRef, de, r0, r1, r1 - r0 + 1), 0, n);
            Tol.assertWithin(what + " sum of squares", sRef, sFast, sTolerance(eRef, de, sRef, r0, r1, r1 - r0 + 1));
        }
        bufs.z().assertWrittenOnlyWithin(what + ": z", r0, r1);
        bufs.g().assertWrittenOnlyWithin(what + ": g", 0, n);
        bufs.assertInputsUnchanged(what);
    }

    /**
     * The partial gradients of a fixed block partition, added in block order, equal the whole gradient;
     * the blocks' z rows assemble z, and their Σe² add up to the whole one.
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("partitionCases")
    void blockPartitionSumsToTheWhole(Impl impl, Shape s, Activation sigma) {
        SplittableRandom rnd = Data.random("bregmanPartition", s.toString(), name(sigma));
        int m = s.rows(), n = s.cols(), blk = s.blockRows();
        int blocks = (m + blk - 1) / blk;
        try (Arena arena = Arena.ofConfined()) {
            Problem p = Problem.random(rnd, s, true, false);
            Bufs bufs = Bufs.of(arena, s, p);
            float[] gSum = new float[n];
            double sSum = 0;
            for (int r0 = 0; r0 < m; r0 += blk) {
                sSum += impl.bregmanGradient(sigma, bufs.w(), r0, Math.min(m, r0 + blk), bufs.x(), bufs.b(), bufs.t(),
                        bufs.z(), bufs.g());
                float[] part = bufs.g().read();
                for (int j = 0; j < n; j++) {
                    gSum[j] = r0 == 0 ? part[j] : gSum[j] + part[j];
                }
            }
            float[] zRef = Data.nan(m), gRef = Data.nan(n);
            double sRef = ReferenceKernels.bregmanGradient(sigma, bufs.w().strided(), s.ld(), 0, m, n, p.x(), p.b(),
                    p.t(), zRef, gRef);

            String what = impl + " bregmanGradient " + s + " " + name(sigma) + " over blocks of " + blk;
            float[] zFast = bufs.z().read();
            double[] dz = zTolerance(s, p, 0, m);
            Tol.assertAllWithin(what + " z", zRef, zFast, dz, 0, m);
            double[] de = eTolerance(sigma, p, zFast, zRef, dz, 0, m);
            float[] eFast = residuals(sigma, p, zFast, 0, m), eRef = residuals(sigma, p, zRef, 0, m);
            Tol.assertAllWithin(what + " g", gRef, gSum, gTolerance(s, p, eFast, eRef, de, 0, m, m + blocks), 0, n);
            Tol.assertWithin(what + " sum of squares", sRef, sSum, sTolerance(eRef, de, sRef, 0, m, m + blocks));
        }
    }
}
