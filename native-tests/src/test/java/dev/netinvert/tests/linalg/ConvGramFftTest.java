package dev.netinvert.tests.linalg;

import static dev.netinvert.tests.ArgumentErrors.assertMessage;
import static dev.netinvert.tests.linalg.ConvReference.relErr;
import static dev.netinvert.tests.linalg.ConvReference.toDouble;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.linalg.ConvGramFft;
import dev.netinvert.solvers.linalg.ConvGramFft.Form;
import dev.netinvert.solvers.linalg.Fft2D;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * {@link ConvGramFft} against a dense Cholesky of μI + CᵀC built from the double direct convolution of
 * {@link ConvReference}, at C_in, C_out ∈ {1, 3, 8}, k ∈ {1, 3, 4, 5}, 5×7 and 8×8 images, pad 0/1/2, both
 * forms; [004]'s padding trick checked statement by statement; {@link Fft2D} (JTransforms) against an O(N²) DFT.
 *
 * <p>Tolerance of the solves: everything after reading r runs in double and x is rounded to float once, so the
 * relative error is 2⁻²⁴ (rounding of x, ≤ 6·10⁻⁸ per element) plus cond·O(log N)·2⁻⁵³ (the FFTs and the
 * per-frequency solves, cond ≤ 1 + max‖K̂‖²/μ ≈ 10² here): 10⁻⁶ has room for both and is far below the O(1)
 * error of a wrong conjugation or a misplaced frequency (which these shapes, with C_in &gt; 1 and odd sizes, expose).
 */
class ConvGramFftTest {

    static final int[] CHANNELS = {1, 3, 8};
    static final int[] KERNELS = {1, 3, 4, 5};
    static final int[][] SHAPES = {{5, 7}, {8, 8}};
    static final double MU = 0.05;

    static float[] weights(SplittableRandom rnd, int cOut, int cIn, int k) {
        float[] w = new float[cOut * cIn * k * k];
        double scale = 2 / Math.sqrt(cIn * k * k);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((rnd.nextDouble() - 0.5) * scale);
        }
        return w;
    }

    static float[] uniform(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return v;
    }

    @Test
    void periodicSolveMatchesDenseCholesky() {
        SplittableRandom rnd = new SplittableRandom(14);
        double worst = 0;
        int cases = 0;
        try (Arena arena = Arena.ofConfined()) {
            for (int cIn : CHANNELS) {
                for (int cOut : CHANNELS) {
                    for (int k : KERNELS) {
                        for (int[] hw : SHAPES) {
                            int h = hw[0], w = hw[1], pad = cases % 3, n = cIn * h * w;
                            float[] wf = weights(rnd, cOut, cIn, k);
                            double[] wd = toDouble(wf);
                            DMatrixRMaj a = ConvReference.matrix(
                                    x -> ConvReference.circular(wd, cOut, cIn, k, x, h, w, pad), n);
                            float[] r = uniform(rnd, n);
                            double[] want = ConvReference.gramSolve(a, MU, toDouble(r));
                            FloatVec wv = FloatVec.of(arena, wf), rv = FloatVec.of(arena, r);
                            FloatVec xv = FloatVec.allocate(arena, n);
                            for (Form form : Form.values()) {
                                ConvGramFft g = ConvGramFft.periodic(wv, cOut, cIn, k, h, w, pad, MU, form);
                                g.solve(rv, xv);
                                double e = relErr(toDouble(xv.toArray()), want);
                                worst = Math.max(worst, e);
                                assertTrue(e < 1e-6, "periodic cIn=" + cIn + " cOut=" + cOut + " k=" + k + " " + h
                                        + "x" + w + " pad=" + pad + " " + form + ": relative error " + e);
                            }
                            cases++;
                        }
                    }
                }
            }
        }
        System.out.printf("ConvGramFft periodic: %d shapes x 2 forms, worst relative error %.2e%n", cases, worst);
    }

    @Test
    void defaultFormIsWoodburyForFewerOutputsAndSolvesInPlace() {
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom rnd = new SplittableRandom(3);
            FloatVec w = FloatVec.of(arena, weights(rnd, 1, 3, 3));
            assertEquals(Form.WOODBURY, ConvGramFft.periodic(w, 1, 3, 3, 5, 7, 1, 0.1).form());
            assertEquals(Form.DIRECT, ConvGramFft.periodic(w, 1, 3, 3, 5, 7, 1, 0.1, Form.DIRECT).form());
            FloatVec w2 = FloatVec.of(arena, weights(rnd, 3, 1, 3));
            ConvGramFft g = ConvGramFft.periodic(w2, 3, 1, 3, 5, 7, 1, 0.1);
            assertEquals(Form.DIRECT, g.form());
            FloatVec r = FloatVec.of(arena, uniform(rnd, 35)), x = FloatVec.allocate(arena, 35);
            g.solve(r, x);
            g.solve(r, r); // in place
            assertEquals(0, relErr(toDouble(r.toArray()), toDouble(x.toArray())), "in-place solve differs");
        }
    }

    /** A = S C E exactly when P ≥ max(H + pad, H_out), and not with one pixel less. */
    @Test
    void zeroPaddedConvolutionIsTheWindowOfTheCircularOneOnTheExtendedDomain() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int k : KERNELS) {
            for (int pad = 0; pad <= 2; pad++) {
                for (int[] hw : SHAPES) {
                    int h = hw[0], w = hw[1], cIn = 3, cOut = 2;
                    if (h + 2 * pad < k || w + 2 * pad < k) {
                        continue;
                    }
                    double[] kd = toDouble(weights(rnd, cOut, cIn, k));
                    double[] x = toDouble(uniform(rnd, cIn * h * w));
                    double[] lin = ConvReference.conv(kd, cOut, cIn, k, x, h, w, 1, pad);
                    int ho = h + 2 * pad - k + 1, wo = w + 2 * pad - k + 1;
                    int phMin = Math.max(h + pad, ho), pwMin = Math.max(w + pad, wo);
                    int ph = ConvGramFft.extendedSize(h, k, pad), pw = ConvGramFft.extendedSize(w, k, pad);
                    assertTrue(ph >= phMin && pw >= pwMin && Integer.bitCount(ph) == 1 && ph < 2 * phMin,
                            "extendedSize(" + h + ", " + k + ", " + pad + ") = " + ph);
                    for (int[] dom : new int[][] {{phMin, pwMin}, {ph, pw}}) {
                        double e = windowError(kd, cOut, cIn, k, x, h, w, pad, dom[0], dom[1], lin, ho, wo);
                        assertTrue(e < 1e-14, "k=" + k + " pad=" + pad + " domain " + dom[0] + "x" + dom[1] + ": " + e);
                    }
                    if (pad > 0 && phMin - 1 >= ho) { // sharp: one row less and the wrap-around reaches the image
                        double e = windowError(kd, cOut, cIn, k, x, h, w, pad, phMin - 1, pwMin, lin, ho, wo);
                        assertTrue(e > 1e-3, "k=" + k + " pad=" + pad + ": domain " + (phMin - 1) + " rows still exact");
                    }
                }
            }
        }
    }

    private static double windowError(double[] kd, int cOut, int cIn, int k, double[] x, int h, int w, int pad,
                                      int ph, int pw, double[] lin, int ho, int wo) {
        double[] ext = new double[cIn * ph * pw];
        for (int c = 0; c < cIn; c++) {
            for (int i = 0; i < h; i++) {
                System.arraycopy(x, (c * h + i) * w, ext, (c * ph + i) * pw, w);
            }
        }
        double[] circ = ConvReference.circular(kd, cOut, cIn, k, ext, ph, pw, pad);
        double[] win = new double[cOut * ho * wo];
        for (int o = 0; o < cOut; o++) {
            for (int p = 0; p < ho; p++) {
                System.arraycopy(circ, (o * ph + p) * pw, win, (o * ho + p) * wo, wo);
            }
        }
        return relErr(win, lin);
    }

    /**
     * On the extended domain the FFT solve is exact for μI + CᵀC; restricted to the image it is not the
     * zero-padded (μI + AᵀA)⁻¹, except for k = 1, pad = 0 (C is then pointwise channel mixing).
     */
    @Test
    void zeroPaddedSolveIsExactOnTheDomainAndOnlyApproximateOnTheImage() {
        SplittableRandom rnd = new SplittableRandom(6);
        double worstExact = 0, minApprox = Double.POSITIVE_INFINITY, maxApprox = 0;
        int cases = 0;
        try (Arena arena = Arena.ofConfined()) {
            for (int cIn : CHANNELS) {
                for (int cOut : CHANNELS) {
                    for (int k : KERNELS) {
                        // 5×7 with pad 0/1 and 6×6 with pad 2 keep the domain at 8×8 (the dense check is n³)
                        int pad = k == 1 ? cases % 2 : 1 + cases % 2, h = pad == 2 ? 6 : 5, w = pad == 2 ? 6 : 7;
                        cases++;
                        float[] wf = weights(rnd, cOut, cIn, k);
                        double[] wd = toDouble(wf);
                        FloatVec wv = FloatVec.of(arena, wf);
                        ConvGramFft g = ConvGramFft.zeroPadded(wv, cOut, cIn, k, h, w, pad, MU);
                        int ph = g.domainHeight(), pw = g.domainWidth(), nd = g.domainLength(), ni = g.imageLength();
                        assertEquals(cIn * ph * pw, nd);
                        assertEquals(cIn * h * w, ni);
                        // exact: the circulant system on the domain
                        DMatrixRMaj c = ConvReference.matrix(
                                x -> ConvReference.circular(wd, cOut, cIn, k, x, ph, pw, pad), nd);
                        float[] rd = uniform(rnd, nd);
                        FloatVec rv = FloatVec.of(arena, rd), xv = FloatVec.allocate(arena, nd);
                        g.solve(rv, xv);
                        double e = relErr(toDouble(xv.toArray()), ConvReference.gramSolve(c, MU, toDouble(rd)));
                        worstExact = Math.max(worstExact, e);
                        assertTrue(e < 1e-6, "domain solve cIn=" + cIn + " cOut=" + cOut + " k=" + k + ": " + e);
                        // approximate: Eᵀ(μI + CᵀC)⁻¹E r against (μI + AᵀA)⁻¹ r on the image
                        DMatrixRMaj a = ConvReference.matrix(
                                x -> ConvReference.conv(wd, cOut, cIn, k, x, h, w, 1, pad), ni);
                        float[] ri = uniform(rnd, ni);
                        FloatVec riv = FloatVec.of(arena, ri), xi = FloatVec.allocate(arena, ni);
                        g.embed(riv, xv);
                        g.solve(xv, xv);
                        g.restrict(xv, xi);
                        double d = relErr(toDouble(xi.toArray()), ConvReference.gramSolve(a, MU, toDouble(ri)));
                        if (k == 1 && pad == 0) {
                            assertTrue(d < 1e-6, "k = 1, pad = 0 should be exact on the image: " + d);
                        } else {
                            assertTrue(d > 1e-3, "cIn=" + cIn + " cOut=" + cOut + " k=" + k + " pad=" + pad
                                    + ": the restricted circulant solve matched the zero-padded one to " + d);
                            minApprox = Math.min(minApprox, d);
                            maxApprox = Math.max(maxApprox, d);
                        }
                    }
                }
            }
        }
        System.out.printf("ConvGramFft zero-padded: %d shapes, domain solve worst %.2e; restricted to the image vs"
                + " (μI + AᵀA)⁻¹: %.2e .. %.2e (μ = %s)%n", cases, worstExact, minApprox, maxApprox, MU);
    }

    @Test
    void embedAndRestrictAreAdjointAndRestrictInvertsEmbed() {
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom rnd = new SplittableRandom(8);
            ConvGramFft g = ConvGramFft.zeroPadded(FloatVec.of(arena, weights(rnd, 2, 3, 3)), 2, 3, 3, 5, 7, 2, 0.1);
            assertEquals(8, g.domainHeight());
            assertEquals(16, g.domainWidth()); // 7 + 2 = 9 → 16
            float[] img = uniform(rnd, g.imageLength());
            FloatVec iv = FloatVec.of(arena, img), dv = FloatVec.of(arena, uniform(rnd, g.domainLength()));
            FloatVec back = FloatVec.allocate(arena, g.imageLength());
            g.embed(iv, dv);
            g.restrict(dv, back);
            assertEquals(0, relErr(toDouble(back.toArray()), toDouble(img)));
            double sum = 0;
            for (float v : dv.toArray()) {
                sum += v;
            }
            double imgSum = 0;
            for (float v : img) {
                imgSum += v;
            }
            assertEquals(imgSum, sum, 1e-4, "the band must be zero after embed");
        }
    }

    /** JTransforms through {@link Fft2D} against the O(N²) DFT twin at awkward sizes (primes, powers of two ± 1). */
    @Test
    void fftMatchesDftTwin() {
        int[] sizes = {1, 2, 3, 5, 7, 8, 14, 15, 16, 17, 31, 32, 33};
        SplittableRandom rnd = new SplittableRandom(9);
        double worst = 0;
        for (int rows : sizes) {
            for (int cols : new int[] {1, 2, 7, 16, 17, 33}) {
                double[] a = new double[2 * rows * cols];
                for (int i = 0; i < a.length; i++) {
                    a[i] = rnd.nextDouble() * 2 - 1;
                }
                Fft2D fft = new Fft2D(rows, cols);
                double[] f = a.clone();
                fft.forward(f);
                double ef = relErr(f, ConvReference.dft(a, rows, cols, true));
                double[] b = f.clone();
                fft.inverse(b);
                double ei = relErr(b, ConvReference.dft(f, rows, cols, false));
                double er = relErr(b, a);
                worst = Math.max(worst, Math.max(ef, Math.max(ei, er)));
                // ε·log2(N) for the FFT, ε·N for the twin's own sums (N ≤ 1089): 1e-12 bounds both.
                assertTrue(ef < 1e-12 && ei < 1e-12 && er < 1e-12,
                        rows + "x" + cols + ": forward " + ef + ", inverse " + ei + ", round trip " + er);
                assertEquals(Integer.bitCount(rows) == 1 && Integer.bitCount(cols) == 1, fft.allocationFree());
            }
        }
        System.out.printf("Fft2D (JTransforms 3.1) vs O(N^2) DFT twin: worst relative error %.2e%n", worst);
    }

    @Test
    void refusesBadArguments() {
        try (Arena arena = Arena.ofConfined()) {
            FloatVec w1 = FloatVec.of(arena, weights(new SplittableRandom(1), 2, 3, 3));
            assertMessage(() -> ConvGramFft.periodic(w1, 2, 3, 2, 5, 7, 1, 0.1), "weight", "54", "cOut·cIn·k·k");
            assertMessage(() -> ConvGramFft.periodic(w1, 2, 0, 3, 5, 7, 1, 0.1), "cIn", ">= 1", "0");
            assertMessage(() -> ConvGramFft.periodic(w1, 2, 3, 3, 5, 7, -1, 0.1), "pad", ">= 0", "-1");
            assertMessage(() -> ConvGramFft.periodic(w1, 2, 3, 3, 5, 7, 1, Double.NaN), "mu", "NaN");
            assertMessage(() -> ConvGramFft.periodic(w1, 2, 3, 3, 5, 7, 1, -1), "mu", ">= 0", "-1");
            assertMessage(() -> ConvGramFft.periodic(w1, 2, 3, 3, 5, 7, 1, 0, Form.WOODBURY), "mu", "WOODBURY");
            // μ = 0 with C_out < C_in: K̂ᴴK̂ has rank ≤ 2 < 3 at every frequency
            assertMessage(() -> ConvGramFft.periodic(w1, 2, 3, 3, 5, 7, 1, 0), "not positive definite", "frequency",
                    "mu > 0");
            assertMessage(() -> ConvGramFft.zeroPadded(w1, 2, 3, 3, 1, 7, 0, 0.1), "k", "at most", "3");
            assertMessage(() -> ConvGramFft.extendedSize(0, 3, 1), "n >= 1", "n = 0");
            ConvGramFft g = ConvGramFft.zeroPadded(w1, 2, 3, 3, 5, 7, 1, 0.1);
            FloatVec ok = FloatVec.allocate(arena, g.domainLength()), bad = FloatVec.allocate(arena, 105);
            assertMessage(() -> g.solve(bad, ok), "r", "expected length " + g.domainLength(), "got 105");
            assertMessage(() -> g.solve(ok, bad), "x", "got 105");
            assertMessage(() -> g.embed(ok, ok), "image", "expected length 105");
            assertMessage(() -> new Fft2D(0, 4), "rows >= 1", "rows = 0");
            assertMessage(() -> new Fft2D(3, 4).forward(new double[23]), "a", "24", "got 23");
        }
    }
}
