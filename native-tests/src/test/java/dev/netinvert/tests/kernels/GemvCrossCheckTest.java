package dev.netinvert.tests.kernels;

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
 * GEMV in both orientations, whole and on row ranges, of every implementation in this JVM against
 * {@link ReferenceKernels}: on seeded U(−1, 1) data within a bound derived from the data, and on small
 * integers exactly. The matrix padding and the bytes around every view are NaN poison (see {@link Buf}),
 * and every byte a kernel may not write is checked afterwards.
 *
 * <p>Tolerances (u = 2⁻²⁴, γ_k = k·u/(1 − k·u), see {@link Tol}):
 * <ul>
 *   <li>GEMV, row i: y_i = α·Σ_j w_ij x_j + β·y_i + b_i is a sum of cols + 2 terms; each goes through at
 *       most cols + 1 additions (any order) and at most 2 more roundings (product, then α or β), so every
 *       implementation is within γ_{cols+3}·M_i of the exact value, M_i = |α|·Σ_j|w_ij x_j| + |β y_i| + |b_i|,
 *       and |fast − ref| ≤ 2·γ_{cols+3}·M_i.</li>
 *   <li>GEMVᵀ, column j over rows [r0, r1): y_j = β·y_j + Σ_i (α·r_i)·w_ij, k = r1 − r0 + 1 terms, each with at
 *       most k − 1 additions and 2 products: |fast − ref| ≤ 2·γ_{k+1}·(|β y_j| + Σ_i |α r_i w_ij|).</li>
 *   <li>GEMVᵀ summed over B blocks in block order: each term meets at most B − 1 more additions:
 *       2·γ_{rows+B+1}·Σ_i |α r_i w_ij|.</li>
 * </ul>
 */
@Tag("kernels")
class GemvCrossCheckTest {

    /** α, β and whether a bias is added; β = 0 runs with NaN garbage in y, which must not leak. */
    record Coeffs(float alpha, float beta, boolean bias) {
        @Override
        public String toString() {
            return "alpha=" + alpha + " beta=" + beta + (bias ? " +b" : "");
        }
    }

    // Powers of two and their small multiples, so that the integer variant stays exact.
    static final List<Coeffs> GEMV_COEFFS = List.of(
            new Coeffs(1f, 0f, false),
            new Coeffs(-0.75f, 0f, true),
            new Coeffs(1.5f, -0.5f, true),
            new Coeffs(2f, 1f, false));

    static final List<Coeffs> GEMVT_COEFFS = List.of(
            new Coeffs(1f, 0f, false),
            new Coeffs(-1.25f, 1f, false),
            new Coeffs(0.5f, -0.5f, false));

    static Stream<Arguments> gemvCases() {
        return coeffCases(GEMV_COEFFS, GEMV_COEFFS.get(2), GEMV_COEFFS.get(1));
    }

    static Stream<Arguments> gemvTCases() {
        return coeffCases(GEMVT_COEFFS, GEMVT_COEFFS.get(2), GEMVT_COEFFS.get(0));
    }

    /** Every implementation × odd shape × coefficient set, then one set each on the big and the padded big shape. */
    private static Stream<Arguments> coeffCases(List<Coeffs> coeffs, Coeffs big, Coeffs bigPadded) {
        List<Arguments> out = new ArrayList<>();
        for (Impl impl : Impl.all()) {
            for (Shape s : Shape.ODD) {
                for (Coeffs c : coeffs) {
                    out.add(Arguments.of(impl, s, c));
                }
            }
            out.add(Arguments.of(impl, Shape.BIG, big));
            out.add(Arguments.of(impl, Shape.BIG_PADDED, bigPadded));
        }
        return out.stream();
    }

    static Stream<Arguments> rangeCases() {
        List<Arguments> out = new ArrayList<>();
        for (Impl impl : Impl.all()) {
            for (Shape s : Shape.ODD) {
                for (int[] r : s.ranges()) {
                    out.add(Arguments.of(impl, s, r[0], r[1]));
                }
            }
            out.add(Arguments.of(impl, Shape.BIG_PADDED, 129, 403));
        }
        return out.stream();
    }

    static Stream<Arguments> shapeCases() {
        List<Arguments> out = new ArrayList<>();
        for (Impl impl : Impl.all()) {
            for (Shape s : Shape.ODD) {
                out.add(Arguments.of(impl, s));
            }
            out.add(Arguments.of(impl, Shape.BIG));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("gemvCases")
    void gemv(Impl impl, Shape s, Coeffs c) {
        SplittableRandom rnd = Data.random("gemv", s.toString(), c.toString());
        try (Arena arena = Arena.ofConfined()) {
            checkGemv(arena, rnd, impl, s, c, 0, s.rows(), false);
            checkGemv(arena, rnd, impl, s, c, 0, s.rows(), true);
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("gemvTCases")
    void gemvT(Impl impl, Shape s, Coeffs c) {
        SplittableRandom rnd = Data.random("gemvT", s.toString(), c.toString());
        try (Arena arena = Arena.ofConfined()) {
            checkGemvT(arena, rnd, impl, s, c, 0, s.rows(), false);
            checkGemvT(arena, rnd, impl, s, c, 0, s.rows(), true);
        }
    }

    @ParameterizedTest(name = "{0} {1} rows [{2}, {3})")
    @MethodSource("rangeCases")
    void rowRanges(Impl impl, Shape s, int r0, int r1) {
        SplittableRandom rnd = Data.random("rows", s.toString(), r0, r1);
        try (Arena arena = Arena.ofConfined()) {
            // β = 0 over NaN garbage and β ≠ 0, each once on random data and once on integers.
            checkGemv(arena, rnd, impl, s, GEMV_COEFFS.get(1), r0, r1, false);
            checkGemv(arena, rnd, impl, s, GEMV_COEFFS.get(2), r0, r1, true);
            checkGemvT(arena, rnd, impl, s, GEMVT_COEFFS.get(0), r0, r1, true);
            checkGemvT(arena, rnd, impl, s, GEMVT_COEFFS.get(2), r0, r1, false);
        }
    }

    /**
     * Rows [r0, r1) of y ← α·W·x + β·y (+ b), against the reference: only those rows of y may change; W, x
     * and b must not; with integer data the result is exact.
     */
    static void checkGemv(Arena arena, SplittableRandom rnd, Impl impl, Shape s, Coeffs c, int r0, int r1,
                          boolean ints) {
        int m = s.rows(), n = s.cols();
        float[] w = ints ? Data.ints(rnd, m * n, -1, 1) : Data.uniform(rnd, m * n, -1, 1);
        float[] x = ints ? Data.ints(rnd, n, -1, 1) : Data.uniform(rnd, n, -1, 1);
        float[] b = !c.bias() ? null : ints ? Data.ints(rnd, m, -1, 1) : Data.uniform(rnd, m, -1, 1);
        Mat mw = Mat.of(arena, s, w);
        Buf bx = Buf.of(arena, x, s.vecMisalign(0));
        Buf bb = b == null ? null : Buf.of(arena, b, s.vecMisalign(2));
        // β = 0: y holds NaN garbage (the buffer's signaling NaNs), which the kernel must not read.
        Buf by = c.beta() == 0f ? Buf.alloc(arena, m, s.vecMisalign(1))
                : Buf.of(arena, ints ? Data.ints(rnd, m, -1, 1) : Data.uniform(rnd, m, -1, 1), s.vecMisalign(1));
        float[] yBefore = by.read();
        float[] expected = yBefore.clone();
        ReferenceKernels.gemv(c.alpha(), mw.strided(), s.ld(), r0, r1, n, x, c.beta(), expected, b);

        impl.gemv(c.alpha(), mw, r0, r1, bx, c.beta(), by, bb);

        String what = impl + " gemv " + s + " " + c + " rows [" + r0 + ", " + r1 + ")" + (ints ? " integers" : "");
        float[] actual = by.read();
        if (ints) {
            // |Σ| ≤ 1.5·4097 + 0.5 + 1 in steps of 1/4: exact in float for every order.
            Tol.assertAllExact(what, expected, actual, r0, r1);
        } else {
            double[] tol = new double[m];
            for (int i = r0; i < r1; i++) {
                double mi = 0;
                for (int j = 0; j < n; j++) {
                    mi += Math.abs((double) w[i * n + j] * x[j]);
                }
                mi = Math.abs(c.alpha()) * mi + (c.beta() != 0f ? Math.abs((double) c.beta() * yBefore[i]) : 0)
                        + (b != null ? Math.abs(b[i]) : 0);
                tol[i] = 2 * Tol.gamma(n + 3) * mi;
            }
            Tol.assertAllWithin(what, expected, actual, tol, r0, r1);
        }
        by.assertWrittenOnlyWithin(what + ": y", r0, r1);
        mw.buf.assertUnchanged(what + ": W");
        bx.assertUnchanged(what + ": x");
        if (bb != null) {
            bb.assertUnchanged(what + ": b");
        }
    }

    /** y ← α·W[r0:r1]ᵀ·r[r0:r1] + β·y against the reference; W and r must not change. */
    static void checkGemvT(Arena arena, SplittableRandom rnd, Impl impl, Shape s, Coeffs c, int r0, int r1,
                           boolean ints) {
        int m = s.rows(), n = s.cols();
        float[] w = ints ? Data.ints(rnd, m * n, -1, 1) : Data.uniform(rnd, m * n, -1, 1);
        float[] r = ints ? Data.ints(rnd, m, -1, 1) : Data.uniform(rnd, m, -1, 1);
        Mat mw = Mat.of(arena, s, w);
        Buf br = Buf.of(arena, r, s.vecMisalign(0));
        Buf by = c.beta() == 0f ? Buf.alloc(arena, n, s.vecMisalign(1))
                : Buf.of(arena, ints ? Data.ints(rnd, n, -1, 1) : Data.uniform(rnd, n, -1, 1), s.vecMisalign(1));
        float[] yBefore = by.read();
        float[] expected = yBefore.clone();
        ReferenceKernels.gemvT(c.alpha(), mw.strided(), s.ld(), r0, r1, n, r, c.beta(), expected);

        impl.gemvT(c.alpha(), mw, r0, r1, br, c.beta(), by);

        String what = impl + " gemvT " + s + " " + c + " rows [" + r0 + ", " + r1 + ")" + (ints ? " integers" : "");
        float[] actual = by.read();
        if (ints) {
            // |Σ| ≤ 1.25·512 + 0.5 in steps of 1/4: exact.
            Tol.assertAllExact(what, expected, actual, 0, n);
        } else {
            double[] tol = new double[n];
            for (int j = 0; j < n; j++) {
                double mj = c.beta() != 0f ? Math.abs((double) c.beta() * yBefore[j]) : 0;
                for (int i = r0; i < r1; i++) {
                    mj += Math.abs((double) c.alpha() * r[i] * w[i * n + j]);
                }
                tol[j] = 2 * Tol.gamma(r1 - r0 + 2) * mj;
            }
            Tol.assertAllWithin(what, expected, actual, tol, 0, n);
        }
        by.assertWrittenOnlyWithin(what + ": y", 0, n);
        mw.buf.assertUnchanged(what + ": W");
        br.assertUnchanged(what + ": r");
    }

    /**
     * A fixed partition of the rows into blocks: GEMV block by block fills every row of y as the whole
     * product does (same per-row bound), and the GEMVᵀ partial products added in block order equal the
     * whole product within 2·γ_{rows+B+1}·Σ_i|α r_i w_ij|.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("shapeCases")
    void blockPartitionSumsToTheWhole(Impl impl, Shape s) {
        SplittableRandom rnd = Data.random("partition", s.toString());
        int m = s.rows(), n = s.cols(), blk = s.blockRows();
        int blocks = (m + blk - 1) / blk;
        float alpha = -1.25f;
        try (Arena arena = Arena.ofConfined()) {
            float[] w = Data.uniform(rnd, m * n, -1, 1);
            float[] x = Data.uniform(rnd, n, -1, 1), r = Data.uniform(rnd, m, -1, 1);
            float[] b = Data.uniform(rnd, m, -1, 1);
            Mat mw = Mat.of(arena, s, w);
            Buf bx = Buf.of(arena, x, s.vecMisalign(0)), br = Buf.of(arena, r, s.vecMisalign(1));
            Buf bb = Buf.of(arena, b, s.vecMisalign(2));

            // GEMV: y starts as NaN garbage (β = 0), every block writes its rows.
            Buf by = Buf.alloc(arena, m, s.vecMisalign(3));
            for (int r0 = 0; r0 < m; r0 += blk) {
                impl.gemv(alpha, mw, r0, Math.min(m, r0 + blk), bx, 0f, by, bb);
            }
            float[] expected = Data.nan(m);
            ReferenceKernels.gemv(alpha, mw.strided(), s.ld(), 0, m, n, x, 0f, expected, b);
            double[] tol = new double[m];
            for (int i = 0; i < m; i++) {
                double mi = 0;
                for (int j = 0; j < n; j++) {
                    mi += Math.abs((double) w[i * n + j] * x[j]);
                }
                tol[i] = 2 * Tol.gamma(n + 3) * (Math.abs(alpha) * mi + Math.abs(b[i]));
            }
            Tol.assertAllWithin(impl + " gemv " + s + " in blocks of " + blk, expected, by.read(), tol, 0, m);
            by.assertWrittenOnlyWithin("y", 0, m);

            // GEMVᵀ: one partial per block, added in block order.
            float[] total = new float[n];
            Buf part = Buf.alloc(arena, n, s.vecMisalign(4));
            for (int r0 = 0; r0 < m; r0 += blk) {
                impl.gemvT(alpha, mw, r0, Math.min(m, r0 + blk), br, 0f, part);
                float[] p = part.read();
                for (int j = 0; j < n; j++) {
                    total[j] = r0 == 0 ? p[j] : total[j] + p[j];
                }
            }
            float[] whole = new float[n];
            ReferenceKernels.gemvT(alpha, mw.strided(), s.ld(), 0, m, n, r, 0f, whole);
            double[] tolT = new double[n];
            for (int j = 0; j < n; j++) {
                double mj = 0;
                for (int i = 0; i < m; i++) {
                    mj += Math.abs((double) alpha * r[i] * w[i * n + j]);
                }
                tolT[j] = 2 * Tol.gamma(m + blocks + 1) * mj;
            }
            Tol.assertAllWithin(impl + " gemvT " + s + " summed over blocks of " + blk, whole, total, tolT, 0, n);
        }
    }
}
