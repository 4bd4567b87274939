package dev.netinvert.tests.kernels;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Rounding-error bounds and the assertions that use them.
 *
 * <p>The standard model (Higham, <i>Accuracy and Stability of Numerical Algorithms</i>, ch. 2-3): every
 * float operation returns the exact result times (1 + δ) with |δ| ≤ u = 2⁻²⁴ (float32, round to nearest).
 * A term that passes through at most k roundings carries a relative error of at most
 * γ_k = k·u / (1 − k·u). A sum of m terms in <i>any</i> order (sequential, 4 accumulators, vector lanes
 * plus {@code reduceLanes}, blocks) puts every term through at most m − 1 additions, so with one rounding
 * per product (or none with FMA) a dot product of length m satisfies
 * |computed − exact| ≤ γ_m · Σ|x_i·y_i|. The reference and a fast kernel each obey such a bound, so
 * |fast − reference| ≤ 2·γ_m·Σ|terms|: proportional to the reduction length and to the data actually used.
 */
final class Tol {
    private Tol() {}

    /** Unit roundoff of float32. */
    static final double U = 0x1p-24;

    /** γ_k = k·u / (1 − k·u). */
    static double gamma(long k) {
        double ku = k * U;
        if (ku >= 0.5) {
            throw new IllegalArgumentException("k = " + k + " is too large for a meaningful bound");
        }
        return ku / (1 - ku);
    }

    static void assertWithin(String what, double expected, double actual, double tol) {
        // Written so that a NaN in either value fails.
        if (!(Math.abs(actual - expected) <= tol)) {
            fail(what + ": expected " + expected + " ± " + tol + ", got " + actual
                    + " (|difference| = " + Math.abs(actual - expected) + ")");
        }
    }

    /** Elements [from, to) within their per-element tolerances. */
    static void assertAllWithin(String what, float[] expected, float[] actual, double[] tol, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!(Math.abs((double) actual[i] - expected[i]) <= tol[i])) {
                fail(what + "[" + i + "]: expected " + expected[i] + " ± " + tol[i] + ", got " + actual[i]
                        + " (|difference| = " + Math.abs((double) actual[i] - expected[i]) + ")");
            }
        }
    }

    /** Elements [from, to) equal as numbers (−0 equals +0; NaN fails). */
    static void assertAllExact(String what, float[] expected, float[] actual, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!(actual[i] == expected[i])) {
                fail(what + "[" + i + "]: expected exactly " + expected[i] + ", got " + actual[i]);
            }
        }
    }

    /** Elements [from, to) bit-identical (raw bits: NaN payloads and signed zeros included). */
    static void assertAllBits(String what, float[] expected, float[] actual, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Float.floatToRawIntBits(actual[i]) != Float.floatToRawIntBits(expected[i])) {
                fail(what + "[" + i + "]: expected bits " + Integer.toHexString(Float.floatToRawIntBits(expected[i]))
                        + " (" + expected[i] + "), got " + Integer.toHexString(Float.floatToRawIntBits(actual[i]))
                        + " (" + actual[i] + ")");
            }
        }
    }
}
