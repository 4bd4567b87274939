package dev.netinvert.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
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
 * The batched Bregman gradient {@code R = σ(X·Wᵀ + 1·bᵀ) − T, G = R·W, sums[s] = ‖R_s‖²} of every implementation in
 * this JVM (scalar, SIMD at this execution's width, and the {@link Fused} facade) against
 * {@link ReferenceKernels#bregmanGradientBatch}, which does it observation by observation. Batch sizes B ∈ {1, 2,
 * 3, 8, 16, 17, 33} (up to 8 observations, 16 at 512 bits, the SIMD kernel reads W in place in groups of four, one or
 * two left over by the single-observation kernel; above it packs), inputs n ∈ {1, 15, 31, 100} and
 * outputs m ∈ {1, 7, 16, 37} in every combination, plus the training layer (64 × 784 → 100), a W of several row
 * blocks (8 × 200 → 600, 5 × 4096 → 70, 7 × 333 → 301 with an odd last block), a row of two-vector, one-vector
 * and scalar column groups at 256 and 512 bits (5 × 57 → 19), groups of four with two rows left over (6 × 100 → 37,
 * 10 × 31 → 16) and primes (13 × 257 → 61). Each case runs twice: packed at aligned offsets without Z, and with padded leading dimensions at
 * unaligned offsets with Z. Outputs start as signaling NaNs (never read), and padding, guards and inputs must keep
 * their bytes.
 *
 * <p>Tolerances, in double from the data (u = 2⁻²⁴, γ_k as in {@link Tol}), as in
 * {@link BregmanGradientCrossCheckTest} with a batch:
 * <ul>
 *   <li>z_si = Σ_j w_ij x_sj + b_i: n products, the bias and at most ⌈n/128⌉ block additions on either side, so
 *       |Δz_si| ≤ dz_si = 2·γ_{n+2+n/128}·(Σ_j|w_ij x_sj| + |b_i|).</li>
 *   <li>e_si = σ(z_si) − t_si, σ 1-Lipschitz (tanh, ReLU, leaky ReLU, clip; sigmoid is ¼-Lipschitz). The SIMD
 *       implementation evaluates σ with the vector kernel of {@code Prox.apply}, within 3 ulp (≤ 6u·|σ|) of the
 *       exact value for tanh and sigmoid (ProxKernelsTest), the reference rounds once; the difference is rounded
 *       once on each side: de_si = (dz_si + 6u·(|σ_f| + |σ_r|) + u·(|e_f| + |e_r|))·(1 + 2⁻²⁰).</li>
 *   <li>g_sj = Σ_i e_si w_ij: |Δg_sj| ≤ Σ_i de_si·|w_ij| + γ_{m+2+m/6}·Σ_i (|e_f| + |e_r|)·|w_ij| (the SIMD
 *       implementation adds the partial sums of blocks of at least 6 rows of W).</li>
 *   <li>sums[s] = Σ_i e_si² in double: |ΔS| ≤ Σ_i de_si·(2|e_r| + de_si) + 4m·2⁻⁵³·S.</li>
 * </ul>
 * With integer data and ReLU or identity everything is exact, and the outputs must equal the reference bit for bit.
 */
@Tag("kernels")
class BregmanBatchCrossCheckTest {

    static final int[] BATCH = {1, 2, 3, 8, 16, 17, 33}, INPUTS = {1, 15, 31, 100}, OUTPUTS = {1, 7, 16, 37};

    static final List<Activation> ACTIVATIONS = List.of(Activation.IDENTITY, Activation.RELU,
            Activation.leakyRelu(0.1f), Activation.TANH, Activation.SIGMOID, Activation.CLIP);

    /** A raw implementation, or the facade when {@code k} is null. */
    record Impl3(String name, KernelSupport k) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Impl3> impls() {
        List<Impl3> out = new ArrayList<>();
        out.add(new Impl3("scalar", KernelProvider.scalar().kernelSupport()));
        KernelProvider.simd().ifPresent(p -> out.add(new Impl3("simd-" + p.kernelSupport().vectorBitSize(),
                p.kernelSupport())));
        out.add(new Impl3("facade", null));
        return out;
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Impl3 impl : impls()) {
            int c = 0;
            for (int bt : BATCH) {
                for (int n : INPUTS) {
                    for (int m : OUTPUTS) {
                        out.add(Arguments.of(impl, bt, n, m, ACTIVATIONS.get(c++ % ACTIVATIONS.size())));
                    }
                }
            }
            out.add(Arguments.of(impl, 64, 784, 100, Activation.RELU));
            out.add(Arguments.of(impl, 8, 200, 600, Activation.TANH));
            out.add(Arguments.of(impl, 5, 4096, 70, Activation.leakyRelu(0.1f)));
            out.add(Arguments.of(impl, 13, 257, 61, Activation.SIGMOID));
            out.add(Arguments.of(impl, 7, 333, 301, Activation.TANH));
            out.add(Arguments.of(impl, 5, 57, 19, Activation.CLIP));
            out.add(Arguments.of(impl, 6, 100, 37, Activation.leakyRelu(0.1f)));
            out.add(Arguments.of(impl, 10, 31, 16, Activation.SIGMOID));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} B={1} n={2} m={3} {4}")
    @MethodSource("cases")
    void againstReference(Impl3 impl, int bt, int n, int m, Activation sigma) {
        SplittableRandom rnd = Data.random("bregmanBatch", bt, n, m, sigma.toString());
        try (Arena arena = Arena.ofConfined()) {
            check(arena, rnd, impl, bt, n, m, sigma, false, false);
            check(arena, rnd, impl, bt, n, m, sigma, true, false);
            check(arena, rnd, impl, bt, n, m, Activation.RELU, true, true);
        }
    }

    static void check(Arena arena, SplittableRandom rnd, Impl3 impl, int bt, int n, int m, Activation sigma,
                      boolean padded, boolean ints) {
        float[] w, x, t, b;
        if (ints) {
            w = Data.ints(rnd, m * n, -1, 1);
            x = Data.ints(rnd, bt * n, -1, 1);
            t = Data.ints(rnd, bt * m, -1, 1);
            b = Data.ints(rnd, m, -1, 1);
        } else {
            // Rows of W scaled by 1/√n keep z of order 1, so every activation sees its kinks and saturation.
            w = Data.uniform(rnd, m * n, -1, 1);
            float scale = (float) (1.7 / Math.sqrt(n));
            for (int i = 0; i < w.length; i++) {
                w[i] *= scale;
            }
            x = Data.uniform(rnd, bt * n, -1, 1);
            t = Data.uniform(rnd, bt * m, -0.5, 1);
            b = padded ? Data.uniform(rnd, m, -0.5, 0.5) : null;
        }
        Mat mw = Mat.of(arena, shape(m, n, padded, 3), w), mx = Mat.of(arena, shape(bt, n, padded, 5), x);
        Mat mt = Mat.of(arena, shape(bt, m, padded, 7), t);
        Mat mz = padded ? Mat.garbage(arena, shape(bt, m, true, 9)) : null;
        Mat mr = Mat.garbage(arena, shape(bt, m, padded, 11)), mg = Mat.garbage(arena, shape(bt, n, padded, 13));
        Buf bb = b == null ? null : Buf.of(arena, b, padded ? 2 : 0);
        double[] sums = new double[bt + 1];
        sums[bt] = 42.0; // past the batch: must stay

        float[] ez = new float[bt * m], er = new float[bt * m], eg = new float[bt * n];
        double[] es = new double[bt];
        ReferenceKernels.bregmanGradientBatch(sigma, w, n, m, n, x, n, bt, b, t, m, ez, m, er, m, eg, n, es);

        KernelSupport k = impl.k();
        if (k == null) {
            Fused.bregmanGradientBatch(sigma, mw.matrix(), mx.matrix(), bb == null ? null : bb.vec(), mt.matrix(),
                    mz == null ? null : mz.matrix(), mr.matrix(), mg.matrix(), sums);
        } else {
            k.bregmanGradientBatch(sigma, mw.buf.seg, mw.buf.off, mw.ld, m, n, mx.buf.seg, mx.buf.off, mx.ld, bt,
                    bb == null ? null : bb.seg, bb == null ? 0 : bb.off, mt.buf.seg, mt.buf.off, mt.ld,
                    mz == null ? null : mz.buf.seg, mz == null ? 0 : mz.buf.off, mz == null ? 0 : mz.ld,
                    mr.buf.seg, mr.buf.off, mr.ld, mg.buf.seg, mg.buf.off, mg.ld, sums);
        }

        String what = impl + " B=" + bt + " n=" + n + " m=" + m + " " + sigma + (padded ? " padded" : "")
                + (ints ? " ints" : "");
        float[] az = mz == null ? null : mz.packed(), ar = mr.packed(), ag = mg.packed();
        mw.buf.assertUnchanged(what + ": W");
        mx.buf.assertUnchanged(what + ": X");
        mt.buf.assertUnchanged(what + ": T");
        if (bb != null) {
            bb.assertUnchanged(what + ": b");
        }
        mr.assertWrittenOnlyElements(what + ": R");
        mg.assertWrittenOnlyElements(what + ": G");
        if (mz != null) {
            mz.assertWrittenOnlyElements(what + ": Z");
        }
        assertEquals(42.0, sums[bt], what + ": sums past the batch");
        if (ints) {
            if (az != null) {
                Tol.assertAllExact(what + ": Z", ez, az, 0, ez.length);
            }
            Tol.assertAllExact(what + ": R", er, ar, 0, er.length);
            Tol.assertAllExact(what + ": G", eg, ag, 0, eg.length);
            for (int s = 0; s < bt; s++) {
                assertEquals(es[s], sums[s], what + ": sums[" + s + "]");
            }
            return;
        }

        double u = Tol.U, gz = 2 * Tol.gamma(n + 2 + n / 128), gg = Tol.gamma(m + 2 + m / 6);
        double[] dz = new double[bt * m], de = new double[bt * m], dg = new double[bt * n];
        for (int s = 0; s < bt; s++) {
            double ds = 0, sum = 0;
            for (int i = 0; i < m; i++) {
                int e = s * m + i;
                double mag = b == null ? 0 : Math.abs(b[i]);
                for (int j = 0; j < n; j++) {
                    mag += Math.abs((double) w[i * n + j] * x[s * n + j]);
                }
                dz[e] = gz * mag;
                double sr = Math.abs(sigma.apply(ez[e]));
                // |σ_f| from the fast Z when it was stored, else bounded by |σ_r| + dz (σ is 1-Lipschitz).
                double sf = az != null ? Math.abs(sigma.apply(az[e])) : sr + dz[e];
                de[e] = (dz[e] + 6 * u * (sf + sr) + u * (Math.abs(ar[e]) + Math.abs(er[e]))) * (1 + 0x1p-20);
                ds += de[e] * (2 * Math.abs(er[e]) + de[e]);
                sum += (double) er[e] * er[e];
            }
            Tol.assertWithin(what + ": sums[" + s + "]", es[s], sums[s], ds + 4 * m * 0x1p-53 * sum);
            for (int j = 0; j < n; j++) {
                double a = 0, c = 0;
                for (int i = 0; i < m; i++) {
                    int e = s * m + i;
                    double wij = Math.abs(w[i * n + j]);
                    a += de[e] * wij;
                    c += (Math.abs(ar[e]) + Math.abs(er[e])) * wij;
                }
                dg[s * n + j] = a + gg * c;
            }
        }
        if (az != null) {
            Tol.assertAllWithin(what + ": Z", ez, az, dz, 0, ez.length);
        }
        Tol.assertAllWithin(what + ": R", er, ar, de, 0, er.length);
        Tol.assertAllWithin(what + ": G", eg, ag, dg, 0, eg.length);
    }

    /** The facade names the argument, the expected and the actual shape, and rejects outputs that overlap inputs. */
    @Test
    void facadeRejectsWrongShapesAndOverlaps() {
        try (Arena arena = Arena.ofConfined()) {
            FloatMatrix w = FloatMatrix.allocate(arena, 5, 7), x = FloatMatrix.allocate(arena, 3, 7);
            FloatMatrix t = FloatMatrix.allocate(arena, 3, 5), r = FloatMatrix.allocate(arena, 3, 5);
            FloatMatrix g = FloatMatrix.allocate(arena, 3, 7);
            FloatVec b = FloatVec.allocate(arena, 5);
            expectMessage(() -> Fused.bregmanGradientBatch(Activation.RELU, w, FloatMatrix.allocate(arena, 3, 6), b, t,
                    null, r, g, null), "X: expected 3×7");
            expectMessage(() -> Fused.bregmanGradientBatch(Activation.RELU, w, x, b, FloatMatrix.allocate(arena, 3, 4),
                    null, r, g, null), "T: expected 3×5");
            expectMessage(() -> Fused.bregmanGradientBatch(Activation.RELU, w, x, b, t, null,
                    FloatMatrix.allocate(arena, 2, 5), g, null), "R: expected 3×5");
            expectMessage(() -> Fused.bregmanGradientBatch(Activation.RELU, w, x, b, t, null, r,
                    FloatMatrix.allocate(arena, 3, 5), null), "G: expected 3×7");
            expectMessage(() -> Fused.bregmanGradientBatch(Activation.RELU, w, x, b, t,
                    FloatMatrix.allocate(arena, 3, 4), r, g, null), "Z: expected 3×5");
            expectMessage(() -> Fused.bregmanGradientBatch(Activation.RELU, w, x, FloatVec.allocate(arena, 4), t, null,
                    r, g, null), "b");
            expectMessage(() -> Fused.bregmanGradientBatch(Activation.RELU, w, x, b, t, null, r, g, new double[2]),
                    "sums: expected at least 3");
            expectMessage(() -> Fused.bregmanGradientBatch(Activation.RELU, w, x, b, t, null, t, g, null),
                    "must not overlap");
            expectMessage(() -> Fused.bregmanGradientBatch(Activation.RELU, w, x, b, t, r, r, g, null),
                    "must not overlap");
        }
    }

    private static void expectMessage(Runnable call, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }

    private static Shape shape(int rows, int cols, boolean padded, int misalign) {
        return padded ? new Shape(rows, cols, cols + 3, misalign) : new Shape(rows, cols, cols, 0);
    }
}
