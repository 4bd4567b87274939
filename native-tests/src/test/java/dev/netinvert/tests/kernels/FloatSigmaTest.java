package dev.netinvert.tests.kernels;

import static dev.netinvert.tests.kernels.ProxFixtures.ulpDistance;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.kernels.KernelSupport;
import dev.netinvert.kernels.internal.FloatSigma;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link FloatSigma}, the float σ of tanh and the sigmoid in the SIMD fused gradients' residuals: its accuracy
 * against the double-precision σ over a sweep of float bit patterns, its special values, and its use by the
 * fused gradient, bit for bit.
 */
@Tag("kernels")
class FloatSigmaTest {

    /**
     * The largest errors, in ulps of the correctly rounded value, measured over every float of |z| ≤ 200 (both
     * signs; e^x over every x from −110 to 0): tanh 1.027, the sigmoid 2.402, e^x 1.010. The bounds here sit just
     * above them; the sweep below visits every 61st bit pattern.
     */
    static final double TANH_ULPS = 1.05, SIGMOID_ULPS = 2.45, EXP_ULPS = 1.05;

    /** Every 61st float bit pattern from +0 to 200 (0x43480000), both signs: 3.7·10⁷ values. */
    private static double maxUlps(FloatUnary f, DoubleUnaryOperator exact, boolean nonPositiveOnly) {
        double max = 0;
        float worst = Float.NaN;
        for (int sign = nonPositiveOnly ? 1 : 0; sign < 2; sign++) {
            for (int bits = 0; bits < 0x4348_0000; bits += 61) {
                float z = Float.intBitsToFloat(bits | (sign << 31));
                double d = ulpDistance(f.apply(z), exact.applyAsDouble(z));
                if (d > max) {
                    max = d;
                    worst = z;
                }
            }
        }
        System.out.printf("FloatSigmaTest: %.3f ulp at z = %s%n", max, worst);
        return max;
    }

    private interface FloatUnary {
        float apply(float z);
    }

    @Test
    void tanhIsWithinItsBoundOfTheDoublePrecisionTanh() {
        assertTrue(maxUlps(FloatSigma::tanh, Math::tanh, false) <= TANH_ULPS);
    }

    @Test
    void sigmoidIsWithinItsBoundOfTheDoublePrecisionSigmoid() {
        assertTrue(maxUlps(FloatSigma::logistic, z -> Activation.SIGMOID.sigma(z), false) <= SIGMOID_ULPS);
    }

    @Test
    void expIsWithinItsBoundOnTheNonPositiveHalfLine() {
        assertTrue(maxUlps(FloatSigma::expNonPositive, Math::exp, true) <= EXP_ULPS);
        // Subnormal results and the underflow to 0 (e^−104 < Float.MIN_VALUE / 2).
        for (float x = -87f; x >= -110f; x -= 0.25f) {
            assertTrue(ulpDistance(FloatSigma.expNonPositive(x), Math.exp(x)) <= EXP_ULPS, "x = " + x);
        }
    }

    @Test
    void specialValuesAreTheReferenceOnes() {
        float[] zs = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-30f, -1e-30f, FloatSigma.TANH_SERIES_MAX,
                Math.nextDown(FloatSigma.TANH_SERIES_MAX), 9.01f, 9.02f, -9.02f, 88f, -88f, -103f, -104f, -1e30f,
                Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (float z : zs) {
            assertTrue(ulpDistance(FloatSigma.tanh(z), Math.tanh(z)) <= TANH_ULPS, "tanh " + z);
            assertTrue(ulpDistance(FloatSigma.logistic(z), Activation.SIGMOID.sigma(z)) <= SIGMOID_ULPS, "σ " + z);
        }
        // Signed zeros and the saturated ends exactly, NaN as NaN.
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(FloatSigma.tanh(-0f)));
        assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(FloatSigma.tanh(0f)));
        assertEquals(-1f, FloatSigma.tanh(Float.NEGATIVE_INFINITY));
        assertEquals(1f, FloatSigma.tanh(20f));
        assertEquals(0.5f, FloatSigma.logistic(-0f));
        assertEquals(0f, FloatSigma.logistic(Float.NEGATIVE_INFINITY));
        assertEquals(1f, FloatSigma.logistic(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(FloatSigma.tanh(Float.NaN)) && Float.isNaN(FloatSigma.logistic(Float.NaN)));
        assertTrue(Float.isNaN(FloatSigma.expNonPositive(Float.NaN)));
        assertEquals(1f, FloatSigma.expNonPositive(-0f));
        assertEquals(0f, FloatSigma.expNonPositive(Float.NEGATIVE_INFINITY));
        // Every other activation is its own apply.
        for (Activation a : ProxFixtures.ACTIVATIONS) {
            if (!(a instanceof Activation.Tanh) && !(a instanceof Activation.Sigmoid)) {
                for (float z : zs) {
                    assertEquals(a.apply(z), FloatSigma.of(a, z), a + " at " + z);
                }
            }
        }
    }

    /**
     * The SIMD fused gradient takes its tanh and sigmoid residuals from FloatSigma: with W = I (every z_i = x_i
     * exactly, every g_i = e_i exactly), g must be FloatSigma.of(σ, x_i) − t_i bit for bit, on the short-row path
     * (64 and 300 columns) and the long-row one (600). Math.tanh rounds differently from FloatSigma in about one
     * element in 27 (3 758 of 10⁵ uniform on [−4, 4]), so a residual taken from it would be seen.
     */
    @Test
    void theSimdFusedGradientTakesItsResidualsFromFloatSigma() {
        KernelSupport simd = KernelProvider.simd().map(KernelProvider::kernelSupport).orElse(null);
        if (simd == null) {
            return; // no Vector API in this JVM: the scalar kernels compute Activation.apply
        }
        for (Activation a : new Activation[] {Activation.TANH, Activation.SIGMOID}) {
            for (int n : new int[] {64, 300, 600}) {
                SplittableRandom rnd = new SplittableRandom(n);
                try (Arena arena = Arena.ofConfined()) {
                    FloatMatrix w = FloatMatrix.allocatePadded(arena, n, n);
                    float[] x = new float[n], t = new float[n];
                    for (int i = 0; i < n; i++) {
                        w.set(i, i, 1f);
                        x[i] = (float) rnd.nextDouble(-4, 4);
                        t[i] = (float) rnd.nextDouble(0, 1);
                    }
                    FloatVec xv = FloatVec.of(arena, x), tv = FloatVec.of(arena, t), b = FloatVec.allocate(arena, n);
                    FloatVec z = FloatVec.allocate(arena, n), g = FloatVec.allocate(arena, n);
                    simd.bregmanGradient(a, w.segment(), w.byteOffset(), w.ld(), 0, n, n, xv.segment(), xv.byteOffset(),
                            b.segment(), b.byteOffset(), tv.segment(), tv.byteOffset(), z.segment(), z.byteOffset(),
                            g.segment(), g.byteOffset());
                    int fromMathTanh = 0;
                    for (int i = 0; i < n; i++) {
                        assertEquals(x[i], z.get(i), "z");
                        assertSameBits(FloatSigma.of(a, x[i]) - t[i], g.get(i), a, n, i, x[i], "g = σ(z) − t");
                        fromMathTanh += a.apply(x[i]) - t[i] != g.get(i) ? 1 : 0;
                    }
                    if (a instanceof Activation.Tanh && n >= 300) {
                        assertTrue(fromMathTanh > 0, "no element where Math.tanh and FloatSigma differ: the test would not see the difference");
                    }
                }
            }
        }
    }

    private static void assertSameBits(float expected, float got, Activation a, int n, int i, float z, String what) {
        // floatToIntBits: every NaN is one NaN
        if (Float.floatToIntBits(expected) != Float.floatToIntBits(got)) {
            fail(a + " " + what + " n=" + n + " i=" + i + " z=" + z + ": kernel " + got + ", FloatSigma " + expected);
        }
    }
}
