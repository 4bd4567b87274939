package dev.netinvert.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.GradientField;
import dev.netinvert.kernels.Image;
import dev.netinvert.kernels.TotalVariation;
import dev.netinvert.kernels.reference.ReferenceStencils;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The facade {@link TotalVariation} with the implementation active in this JVM: the algebra the PDHG
 * solver relies on (adjointness, ‖∇‖² ≤ 8, projection properties, fused = unfused), the TV values of
 * known images including the disc of sec. 5.1.1 [000], and argument validation.
 */
@Tag("kernels")
class TotalVariationTest {

    static final double U = 0x1p-24;

    /** One arena per test (JUnit makes a test instance per test and closes the field after it). */
    @AutoClose
    final Arena arena = Arena.ofConfined();

    Image image(int c, int h, int w, float[] values) {
        Image x = Image.allocate(arena, c, h, w);
        x.values().copyFrom(values);
        return x;
    }

    GradientField field(int c, int h, int w, float[] p1, float[] p2) {
        GradientField p = GradientField.allocate(arena, c, h, w);
        p.d1().copyFrom(p1);
        p.d2().copyFrom(p2);
        return p;
    }

    static float[] random(SplittableRandom rnd, int n, double scale) {
        float[] a = new float[n];
        for (int k = 0; k < n; k++) {
            a[k] = (float) ((2 * rnd.nextDouble() - 1) * scale);
        }
        return a;
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int k = 0; k < a.length; k++) {
            s += (double) a[k] * b[k];
        }
        return s;
    }

    // ---------------------------------------------------------------- div = −∇ᵀ

    /**
     * ⟨∇x, p⟩ = −⟨x, div p⟩ on random x and p (p random also in the last row/column that ∇ never fills).
     * Each ∂x is one subtraction (error ≤ u·(|x_a| + |x_b|)), each (div p) three additions
     * (≤ 2u·Σ of its 4 terms); the inner products are exact sums in double of float products. So
     * |⟨∇x, p⟩ + ⟨x, div p⟩| ≤ Σ_pixels 2|p|·u·2·max|x| + |x|·2u·4·max|p| ≤ 12·u·N·max|x|·max|p|
     * with N = C·H·W. A wrong boundary term costs O(|x||p|) per boundary pixel, far above this.
     */
    @ParameterizedTest(name = "{0}×{1}×{2}")
    @CsvSource({"1,1,1", "1,1,37", "1,37,1", "1,7,13", "1,64,64", "1,255,257", "3,7,13", "3,17,33", "3,64,64"})
    void divergenceIsMinusTheAdjointOfTheGradient(int c, int h, int w) {
        SplittableRandom rnd = new SplittableRandom(31L * h + w + 7L * c);
        int n = c * h * w;
        float[] xs = random(rnd, n, 1), p1 = random(rnd, n, 1), p2 = random(rnd, n, 1);
        Image x = image(c, h, w, xs);
        GradientField p = field(c, h, w, p1, p2);
        GradientField gx = GradientField.allocate(arena, c, h, w);
        Image divp = Image.allocate(arena, c, h, w);
        TotalVariation.gradient(x, gx);
        TotalVariation.divergence(p, divp);
        double lhs = dot(gx.d1().toArray(), p1) + dot(gx.d2().toArray(), p2);
        double rhs = -dot(xs, divp.values().toArray());
        double tol = 12 * U * n * 1.0 * 1.0;
        assertEquals(lhs, rhs, tol, () -> "⟨∇x, p⟩ vs −⟨x, div p⟩ on " + c + "×" + h + "×" + w);
    }

    /**
     * ‖∇‖² is the largest eigenvalue of ∇ᵀ∇ = −div∇; for forward differences with this boundary rule it
     * is 4 sin²(π(H−1)/(2H)) + 4 sin²(π(W−1)/(2W)) < 8 (the sum of the 1-D operators' largest
     * eigenvalues). Power iteration gives Rayleigh quotients that rise towards it from below.
     */
    @ParameterizedTest(name = "{0}×{1}×{2}, {3} iterations")
    @CsvSource({"1,16,16,800,1e-4", "3,12,20,800,1e-4", "1,64,64,300,1e-2", "1,1,40,800,1e-4"})
    void gradientNormSquaredIsAtMostEight(int c, int h, int w, int iterations, double closeness) {
        double exact = 4 * Math.pow(Math.sin(Math.PI * (h - 1) / (2.0 * h)), 2)
                + 4 * Math.pow(Math.sin(Math.PI * (w - 1) / (2.0 * w)), 2);
        int n = c * h * w;
        Image v = image(c, h, w, random(new SplittableRandom(5), n, 1));
        GradientField gv = GradientField.allocate(arena, c, h, w);
        double lambda = 0;
        for (int k = 0; k < iterations; k++) {
            Blas.scale(1f / Blas.norm2(v.values()), v.values());
            TotalVariation.gradient(v, gv);
            lambda = (double) Blas.sumOfSquares(gv.d1()) + Blas.sumOfSquares(gv.d2()); // ‖∇v‖² with ‖v‖ = 1
            TotalVariation.divergence(gv, v);
            Blas.scale(-1f, v.values()); // v ← −div ∇v = ∇ᵀ∇v
            assertTrue(lambda <= 8, "‖∇v‖²/‖v‖² = " + lambda + " exceeds 8");
        }
        assertTrue(lambda <= exact * (1 + 1e-5), "Rayleigh quotient " + lambda + " above λmax = " + exact);
        assertEquals(exact, lambda, closeness * exact, "power iteration estimate of ‖∇‖²");
        if (h * w >= 64 * 64) {
            assertTrue(lambda > 7.95, "a 64×64 image has ‖∇‖² close to 8, got " + lambda);
        }
    }

    // ---------------------------------------------------------------- TV of known images

    @Test
    void constantImageHasZeroTotalVariation() {
        for (int[] s : new int[][] {{1, 1, 1}, {1, 7, 13}, {3, 64, 64}, {3, 5, 1}}) {
            int n = s[0] * s[1] * s[2];
            float[] v = new float[n];
            java.util.Arrays.fill(v, 3.25f);
            Image x = image(s[0], s[1], s[2], v);
            assertEquals(0.0, TotalVariation.isotropic(x), 0.0);
            assertEquals(0.0, TotalVariation.anisotropic(x), 0.0);
        }
    }

    /** A horizontal step of height h across a W-wide image: one row of W vertical jumps, TV = h·W either way. */
    @ParameterizedTest(name = "{0}×{1}, step at row {2}")
    @CsvSource({"9,13,4", "64,64,32", "2,100,1", "255,257,254"})
    void stepEdgeHasTotalVariationHeightTimesWidth(int h, int w, int row) {
        float height = 2.5f;
        float[] v = new float[h * w];
        for (int i = row; i < h; i++) {
            for (int j = 0; j < w; j++) {
                v[i * w + j] = height;
            }
        }
        Image x = image(1, h, w, v);
        assertEquals(height * w, TotalVariation.anisotropic(x), 0.0);
        assertEquals(height * w, TotalVariation.isotropic(x), 0.0);
        // The same step turned 90°: a column of H horizontal jumps.
        float[] t = new float[h * w];
        for (int i = 0; i < h; i++) {
            for (int j = Math.min(row, w - 1); j < w; j++) {
                t[i * w + j] = height;
            }
        }
        Image y = image(1, h, w, t);
        double expected = Math.min(row, w - 1) == 0 ? 0 : height * h;
        assertEquals(expected, TotalVariation.anisotropic(y), 0.0);
    }

    /**
     * The ground truth of sec. 5.1.1 [000]: the disc of radius 15.8 centred at (31.5, 31.5) in a 64×64
     * image has 788 pixels, ‖x‖₂ = √788 = 28.07 and anisotropic TV exactly 128 (the paper's "TV = 128.0");
     * its isotropic TV is 116.870 (corner pixels contribute √2).
     */
    @Test
    void paperDiscHasAnisotropicTotalVariation128() {
        float[] v = new float[64 * 64];
        int count = 0;
        for (int i = 0; i < 64; i++) {
            for (int j = 0; j < 64; j++) {
                if ((i - 31.5) * (i - 31.5) + (j - 31.5) * (j - 31.5) <= 15.8 * 15.8) {
                    v[i * 64 + j] = 1f;
                    count++;
                }
            }
        }
        assertEquals(788, count);
        Image x = image(1, 64, 64, v);
        assertEquals(28.07, Blas.norm2(x.values()), 0.005);
        assertEquals(128.0, TotalVariation.anisotropic(x), 0.0);
        assertEquals(116.8700576850888, TotalVariation.isotropic(x), 116.87 * 80 * U);
        assertEquals(ReferenceStencils.tvAnisotropic(1, 64, 64, v), TotalVariation.anisotropic(x), 0.0);
        // The field's norms agree with the on-the-fly TV.
        GradientField g = GradientField.allocateFor(arena, x);
        TotalVariation.gradient(x, g);
        assertEquals(128.0, TotalVariation.norm11(g), 0.0);
        assertEquals(TotalVariation.isotropic(x), TotalVariation.norm21(g), 116.87 * 80 * U);
    }

    // ---------------------------------------------------------------- projections

    @ParameterizedTest(name = "C = {0}, r = {1}")
    @CsvSource({"1,0.8", "3,0.8", "1,2.0", "3,0.05"})
    void l2ProjectionLandsInTheBallIsIdempotentAndKeepsInteriorPoints(int c, float r) {
        int h = 17, w = 33, n = c * h * w, hw = h * w;
        SplittableRandom rnd = new SplittableRandom(c * 100 + (long) (r * 1000));
        float[] p1 = random(rnd, n, 1), p2 = random(rnd, n, 1);
        GradientField p = field(c, h, w, p1, p2);
        TotalVariation.projectL2Ball(p, r);
        float[] q1 = p.d1().toArray(), q2 = p.d2().toArray();
        int inside = 0, outside = 0;
        for (int pix = 0; pix < hw; pix++) {
            double before = 0, after = 0;
            for (int ch = 0; ch < c; ch++) {
                int k = ch * hw + pix;
                before += (double) p1[k] * p1[k] + (double) p2[k] * p2[k];
                after += (double) q1[k] * q1[k] + (double) q2[k] * q2[k];
            }
            // In the ball up to the rounding of the scale: (2C + 5)·u relative.
            assertTrue(Math.sqrt(after) <= r * (1 + (2 * c + 5) * U), "pixel " + pix + " norm " + Math.sqrt(after));
            if (Math.sqrt(before) <= r * (1 - 1e-6)) {
                inside++;
                for (int ch = 0; ch < c; ch++) {
                    int k = ch * hw + pix;
                    assertEquals(Float.floatToRawIntBits(p1[k]), Float.floatToRawIntBits(q1[k]), "interior pixel moved");
                    assertEquals(Float.floatToRawIntBits(p2[k]), Float.floatToRawIntBits(q2[k]), "interior pixel moved");
                }
            } else if (Math.sqrt(before) > r * (1 + 1e-6)) {
                outside++;
                assertEquals(r, Math.sqrt(after), r * (2 * c + 5) * U * 2, "projected pixel on the sphere");
            }
        }
        if (r < 1f) {
            assertTrue(outside > 0, "the test must project some pixels");
        }
        if (r >= 0.8f) {
            assertTrue(inside > 0, "the test must keep some pixels");
        }
        // Idempotent: projecting again moves nothing by more than the scale's rounding.
        TotalVariation.projectL2Ball(p, r);
        float[] s1 = p.d1().toArray(), s2 = p.d2().toArray();
        for (int k = 0; k < n; k++) {
            assertEquals(q1[k], s1[k], 2 * (2 * c + 5) * U * Math.abs(q1[k]));
            assertEquals(q2[k], s2[k], 2 * (2 * c + 5) * U * Math.abs(q2[k]));
        }
    }

    @Test
    void boxProjectionClampsIsIdempotentAndKeepsInteriorPoints() {
        int c = 3, h = 9, w = 31, n = c * h * w;
        float r = 0.4f;
        SplittableRandom rnd = new SplittableRandom(77);
        float[] p1 = random(rnd, n, 1), p2 = random(rnd, n, 1);
        GradientField p = field(c, h, w, p1, p2);
        TotalVariation.projectLinfBox(p, r);
        float[] q1 = p.d1().toArray(), q2 = p.d2().toArray();
        for (int k = 0; k < n; k++) {
            assertEquals(Math.max(-r, Math.min(r, p1[k])), q1[k], 0f);
            assertEquals(Math.max(-r, Math.min(r, p2[k])), q2[k], 0f);
        }
        TotalVariation.projectLinfBox(p, r);
        assertEquals(java.util.Arrays.toString(q1), java.util.Arrays.toString(p.d1().toArray()));
        assertEquals(java.util.Arrays.toString(q2), java.util.Arrays.toString(p.d2().toArray()));
    }

    // ---------------------------------------------------------------- fused = unfused through the facade

    /**
     * One PDHG iteration of eq. (14) [000] with the fused steps equals the same iteration written with
     * the unfused operators (div into a temporary, then axpys; 2x⁺ − x and ∇ into temporaries, then the
     * projection), with every change returned equal to the one measured afterwards.
     */
    @ParameterizedTest(name = "C = {0}, {1}×{2}, isotropic = {3}")
    @CsvSource({"1,64,64,true", "1,64,64,false", "3,17,33,true", "1,1,1,true", "1,255,257,true"})
    void fusedStepsEqualTheUnfusedComposition(int c, int h, int w, boolean isotropic) {
        int n = c * h * w;
        SplittableRandom rnd = new SplittableRandom(n + (isotropic ? 1 : 2));
        float alpha = 0.015f, tauX = 0.4f, tauZ = 1f / (8 * alpha);
        float[] x0 = random(rnd, n, 1), g0 = random(rnd, n, 1), z1 = random(rnd, n, 0.5), z2 = random(rnd, n, 0.5);
        Image x = image(c, h, w, x0);
        FloatVec g = FloatVec.of(arena, g0);
        GradientField z = field(c, h, w, z1, z2);
        Image xNew = Image.allocate(arena, c, h, w);

        double primal = TotalVariation.primalStep(x, g, z, tauX, alpha, xNew);
        double dual = isotropic
                ? TotalVariation.dualStepIsotropic(xNew, x, z, tauZ, alpha)
                : TotalVariation.dualStepAnisotropic(xNew, x, z, tauZ, alpha);

        // Unfused, with the same facade's building blocks.
        Image div = Image.allocate(arena, c, h, w);
        GradientField z0 = field(c, h, w, z1, z2);
        TotalVariation.divergence(z0, div);
        FloatVec t = FloatVec.of(arena, g0);
        Blas.axpy(-alpha, div.values(), t);              // t = g − α·div z
        Image xu = image(c, h, w, x0);
        Blas.axpy(-tauX, t, xu.values());                // x⁺ = x − τx·t
        Image u = image(c, h, w, new float[n]);
        Blas.axpy(2f, xu.values(), u.values());
        Blas.axpy(-1f, x.values(), u.values());          // u = 2x⁺ − x
        GradientField gu = GradientField.allocate(arena, c, h, w);
        TotalVariation.gradient(u, gu);
        float sigma = tauZ * alpha;
        Blas.axpy(sigma, gu.d1(), z0.d1());
        Blas.axpy(sigma, gu.d2(), z0.d2());              // q = z + σ·∇u
        if (isotropic) {
            TotalVariation.projectL2Ball(z0, 1f);
        } else {
            TotalVariation.projectLinfBox(z0, 1f);
        }

        float[] fx = xNew.values().toArray(), ux = xu.values().toArray();
        for (int k = 0; k < n; k++) {
            // Blas.axpy may use FMA like the fused kernel, or not: 4 roundings of magnitude ≤ |x| + τ(|g| + α|div|).
            assertEquals(ux[k], fx[k], 4 * U * (Math.abs(x0[k]) + tauX * (Math.abs(g0[k]) + 4 * alpha)) + 1e-30,
                    "x⁺ at " + k);
        }
        float[] f1 = z.d1().toArray(), f2 = z.d2().toArray(), u1 = z0.d1().toArray(), u2 = z0.d2().toArray();
        // |q| ≤ 0.5 + σ·8 per component; the fused and unfused paths round q, its norm and the scale
        // differently (the fused one sees x⁺ as computed by itself, equal to the unfused x⁺ within the
        // bound above, amplified by σ·4 through ∇(2x⁺ − x)).
        double qMax = 0.5 + sigma * 8;
        for (int k = 0; k < n; k++) {
            double tol = (2 * (2 + 2 * c + 4) * U + sigma * 4 * 8 * U * 4) * qMax;
            assertEquals(u1[k], f1[k], tol, "z1 at " + k);
            assertEquals(u2[k], f2[k], tol, "z2 at " + k);
        }
        double actualPrimal = 0, actualDual = 0;
        for (int k = 0; k < n; k++) {
            actualPrimal += Math.pow((double) fx[k] - x0[k], 2);
            actualDual += Math.pow((double) f1[k] - z1[k], 2) + Math.pow((double) f2[k] - z2[k], 2);
        }
        assertEquals(actualPrimal, primal, (w + 16) * U * actualPrimal + 1e-30, "returned ‖x⁺ − x‖²");
        assertEquals(actualDual, dual, (w + 16) * U * actualDual + 1e-30, "returned ‖z⁺ − z‖²");
    }

    // ---------------------------------------------------------------- validation

    @Test
    void badShapesAreRejectedNamingTheArgument() {
        FloatVec v = FloatVec.allocate(arena, 12);
        var e = assertThrows(IllegalArgumentException.class, () -> new Image(v, 1, 3, 5));
        assertTrue(e.getMessage().contains("values") && e.getMessage().contains("15") && e.getMessage().contains("12"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Image(v, 1, 0, 12));
        assertTrue(e.getMessage().contains("0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new GradientField(v, FloatVec.allocate(arena, 11), 1, 3, 4));
        assertTrue(e.getMessage().startsWith("d2"), e.getMessage());

        Image x = Image.allocate(arena, 1, 3, 4);
        Image x3 = Image.allocate(arena, 3, 3, 4);
        GradientField p = GradientField.allocate(arena, 1, 4, 3);
        e = assertThrows(IllegalArgumentException.class, () -> TotalVariation.gradient(x, p));
        assertTrue(e.getMessage().startsWith("out") && e.getMessage().contains("1×3×4")
                && e.getMessage().contains("1×4×3"), e.getMessage());
        GradientField z = GradientField.allocateFor(arena, x);
        e = assertThrows(IllegalArgumentException.class, () -> TotalVariation.divergence(z, x3));
        assertTrue(e.getMessage().startsWith("out"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TotalVariation.primalStep(x, FloatVec.allocate(arena, 11), z, 1f, 1f, x));
        assertTrue(e.getMessage().startsWith("g") && e.getMessage().contains("12"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TotalVariation.dualStepIsotropic(x3, x, z, 1f, 1f));
        assertTrue(e.getMessage().startsWith("x:"), e.getMessage());
        assertThrows(NullPointerException.class, () -> TotalVariation.isotropic(null));
        assertThrows(IndexOutOfBoundsException.class, () -> TotalVariation.gradientRows(x, 2, 4, z));
        assertThrows(IndexOutOfBoundsException.class, () -> TotalVariation.divergenceRows(z, 2, 1, x));
        assertThrows(IndexOutOfBoundsException.class, () -> TotalVariation.isotropicRows(x, -1, 1));
    }

    @Test
    void badScalarsAreRejectedNamingTheArgument() {
        Image x = Image.allocate(arena, 1, 3, 4);
        Image xNew = Image.allocate(arena, 1, 3, 4);
        GradientField z = GradientField.allocateFor(arena, x);
        FloatVec g = FloatVec.allocate(arena, 12);
        for (float r : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY}) {
            var e = assertThrows(IllegalArgumentException.class, () -> TotalVariation.projectL2Ball(z, r));
            assertTrue(e.getMessage().startsWith("radius"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> TotalVariation.projectLinfBox(z, r));
            assertTrue(e.getMessage().startsWith("radius"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> TotalVariation.primalStep(x, g, z, r, 1f, xNew));
            assertTrue(e.getMessage().startsWith("tauX"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> TotalVariation.dualStepIsotropic(xNew, x, z, r, 1f));
            assertTrue(e.getMessage().startsWith("tauZ"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> TotalVariation.dualStepAnisotropic(xNew, x, z, r, 1f));
            assertTrue(e.getMessage().startsWith("tauZ"), e.getMessage());
        }
        for (float a : new float[] {-0.5f, Float.NaN, Float.POSITIVE_INFINITY}) {
            var e = assertThrows(IllegalArgumentException.class, () -> TotalVariation.primalStep(x, g, z, 1f, a, xNew));
            assertTrue(e.getMessage().startsWith("alpha"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> TotalVariation.dualStepIsotropic(xNew, x, z, 1f, a));
            assertTrue(e.getMessage().startsWith("alpha"), e.getMessage());
        }
        var e = assertThrows(IllegalArgumentException.class,
                () -> TotalVariation.dualStepIsotropic(xNew, x, z, 3e38f, 10f));
        assertTrue(e.getMessage().contains("tauZ·alpha"), e.getMessage());
    }

    @Test
    void overlappingOutputsAndClosedMemoryAreRejected() {
        Image x = Image.allocate(arena, 1, 4, 4);
        GradientField z = GradientField.allocateFor(arena, x);
        FloatVec g = FloatVec.allocate(arena, 16);
        // A field whose d1 plane is x's memory.
        GradientField aliased = new GradientField(x.values(), FloatVec.allocate(arena, 16), 1, 4, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> TotalVariation.gradient(x, aliased));
        assertTrue(e.getMessage().contains("overlap"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TotalVariation.dualStepIsotropic(x, x, aliased, 1f, 1f));
        assertTrue(e.getMessage().contains("overlap"), e.getMessage());
        // xNew overlapping x.
        FloatVec big = FloatVec.allocate(arena, 17);
        Image a = Image.of(big.slice(0, 16), 4, 4), b = Image.of(big.slice(1, 16), 4, 4);
        e = assertThrows(IllegalArgumentException.class, () -> TotalVariation.primalStep(a, g, z, 1f, 1f, b));
        assertTrue(e.getMessage().contains("overlap"), e.getMessage());
        // In place is not allowed either: the dual step needs x^k.
        e = assertThrows(IllegalArgumentException.class, () -> TotalVariation.primalStep(a, g, z, 1f, 1f, a));
        assertTrue(e.getMessage().contains("x and xNew"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TotalVariation.primalStep(x, g, z, 1f, 1f, Image.of(g, 4, 4)));
        assertTrue(e.getMessage().contains("overlap"), e.getMessage());

        Image closed;
        try (Arena other = Arena.ofConfined()) {
            closed = Image.allocate(other, 1, 4, 4);
        }
        Image dead = closed;
        var s = assertThrows(IllegalStateException.class, () -> TotalVariation.isotropic(dead));
        assertTrue(s.getMessage().startsWith("x"), s.getMessage());
    }

    @Test
    void facadeUsesTheProviderChoice() {
        assertEquals(Blas.active().name(), TotalVariation.active().name());
        if (!Blas.active().name().equals(TotalVariation.active().name())) {
            fail("the stencil family must follow the one SIMD/scalar decision per JVM");
        }
    }
}
