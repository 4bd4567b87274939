package dev.netinvert.tests.kernels;

import static dev.netinvert.tests.kernels.ProxFixtures.ACTIVATIONS;
import static dev.netinvert.tests.kernels.ProxFixtures.SIZES;
import static dev.netinvert.tests.kernels.ProxFixtures.gaussian;
import static dev.netinvert.tests.kernels.ProxFixtures.implementations;
import static dev.netinvert.tests.kernels.ProxFixtures.label;
import static dev.netinvert.tests.kernels.ProxFixtures.preActivations;
import static dev.netinvert.tests.kernels.ProxFixtures.vec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Prox;
import dev.netinvert.kernels.ProxSupport;
import dev.netinvert.kernels.reference.ReferenceProx;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The backpropagation kernel v ← σ′(from the outputs x) ⊙ v ({@link Prox#multiplyByDerivativeFromOutput})
 * of the SIMD and scalar families against {@link ReferenceProx#multiplyByDerivativeFromOutput}, at awkward
 * lengths and unaligned offsets, for every activation, with NaN, ±∞ and signed zeros among the inputs.
 *
 * <p>Tolerance: none. Every element is the same short sequence of IEEE float operations in every
 * implementation — a comparison picking a constant (1, 0 or the slope), or 1 − x·x resp. x·(1 − x) with
 * each product and difference rounded once (never fused), then one product with v — and no transcendental
 * whose vector form could differ from Java's. So the results must agree bit for bit, signed zeros
 * included; only NaN payloads are not compared (every NaN counts as the same value).
 */
@Tag("kernels")
class MultiplyByDerivativeCrossCheckTest {

    /** Element offsets of x and v into their allocations: aligned, and unaligned by different amounts. */
    private static final int[][] OFFSETS = {{0, 0}, {3, 1}, {1, 5}};

    /** Outputs σ(u) of realistic pre-activations, and (every 5th element) arbitrary or special values. */
    private static float[] outputs(Activation a, SplittableRandom rnd, int n) {
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 1f, -1f,
                Math.nextDown(1f), Math.nextUp(-1f), 0.5f, Float.MIN_VALUE, -Float.MIN_VALUE, 3f, -3f};
        float[] u = preActivations(rnd, n);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = i % 5 == 4 ? special[rnd.nextInt(special.length)] : (float) a.sigma(u[i]);
        }
        return x;
    }

    /** Upstream gradients: unit normals, tiny and huge magnitudes, and a few NaN, ±∞ and ±0. */
    private static float[] gradients(SplittableRandom rnd, int n) {
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f};
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double p = rnd.nextDouble();
            v[i] = p < 0.05 ? special[rnd.nextInt(special.length)]
                    : (float) (gaussian(rnd) * Math.pow(10, rnd.nextInt(-30, 30)));
        }
        return v;
    }

    private static void assertSameValues(float[] expected, FloatVec actual, String where) {
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i], g = actual.get(i);
            boolean same = Float.isNaN(e) ? Float.isNaN(g) : Float.floatToIntBits(e) == Float.floatToIntBits(g);
            if (!same) {
                fail(where + " i=" + i + ": " + g + ", reference " + e);
            }
        }
    }

    @Test
    void everyImplementationIsBitIdenticalToTheReference() {
        int cases = 0;
        for (ProxSupport k : implementations()) {
            for (Activation a : ACTIVATIONS) {
                for (int n : SIZES) {
                    for (int[] off : OFFSETS) {
                        SplittableRandom rnd = new SplittableRandom(97L * n + 13L * off[0] + a.hashCode());
                        float[] x = outputs(a, rnd, n), v = gradients(rnd, n);
                        float[] ref = v.clone();
                        ReferenceProx.multiplyByDerivativeFromOutput(a, x, ref);
                        String where = k.name() + " " + label(a) + " n=" + n + " offsets=" + off[0] + "," + off[1];
                        try (Arena arena = Arena.ofConfined()) {
                            FloatVec xv = vec(arena, x, off[0]), vv = vec(arena, v, off[1]);
                            k.multiplyByDerivativeFromOutput(a, xv.segment(), xv.byteOffset(), vv.segment(),
                                    vv.byteOffset(), n);
                            assertSameValues(ref, vv, where);
                            assertSameValues(x, xv, where + " (x must be left alone)");
                            // In place (v is x itself): x ← σ′(x)·x, elementwise, so the same reference.
                            float[] refInPlace = x.clone();
                            ReferenceProx.multiplyByDerivativeFromOutput(a, x, refInPlace);
                            k.multiplyByDerivativeFromOutput(a, xv.segment(), xv.byteOffset(), xv.segment(),
                                    xv.byteOffset(), n);
                            assertSameValues(refInPlace, xv, where + " in place");
                        }
                        cases++;
                    }
                }
            }
        }
        assertTrue(cases >= ACTIVATIONS.size() * SIZES.length * OFFSETS.length, cases + " cases");
    }

    /** The reference is the scalar table of {@link Activation#derivativeFromOutput} times v. */
    @Test
    void referenceFollowsTheTableFromTheOutput() {
        float[] x = {2f, 0.5f, 0f, -0f, -0.25f, 1f, -1f};
        float[] v = {3f, 3f, 3f, 3f, 3f, 3f, 3f};
        check(Activation.RELU, x, v, 3f, 3f, 0f, 0f, 0f, 3f, 0f);
        check(Activation.leakyRelu(0.5f), x, v, 3f, 3f, 1.5f, 1.5f, 1.5f, 3f, 1.5f);
        check(Activation.softThreshold(0.1f), x, v, 3f, 3f, 0f, 0f, 3f, 3f, 3f);
        check(Activation.CLIP, x, v, 0f, 3f, 3f, 3f, 3f, 0f, 0f);
        check(Activation.TANH, x, v, -9f, 2.25f, 3f, 3f, 2.8125f, 0f, 0f);
        check(Activation.SIGMOID, x, v, -6f, 0.75f, 0f, -0f, -0.9375f, 0f, -6f);
        check(Activation.IDENTITY, x, v, 3f, 3f, 3f, 3f, 3f, 3f, 3f);
    }

    private static void check(Activation a, float[] x, float[] v, float... expected) {
        float[] out = v.clone();
        ReferenceProx.multiplyByDerivativeFromOutput(a, x, out);
        for (int i = 0; i < x.length; i++) {
            assertEquals(expected[i], out[i], 0f, label(a) + " at x = " + x[i]);
        }
    }

    /**
     * NaN propagation: a NaN gradient stays NaN whatever σ′ is (0·NaN = NaN), and a NaN output gives NaN
     * for tanh and sigmoid (arithmetic on x); for the comparisons the IEEE "false" branch is taken, as in
     * the scalar table (relu and clip 0, leaky ReLU the slope, soft-threshold 1 since NaN ≠ 0).
     */
    @Test
    void nanPropagatesAsInTheScalarDefinition() {
        for (ProxSupport k : implementations()) {
            for (Activation a : ACTIVATIONS) {
                for (int n : new int[] {1, 17, 33}) {
                    try (Arena arena = Arena.ofConfined()) {
                        FloatVec x = FloatVec.allocate(arena, n), v = FloatVec.allocate(arena, n);
                        for (int i = 0; i < n; i++) {
                            x.set(i, i % 2 == 0 ? Float.NaN : 0.25f);
                            v.set(i, i % 2 == 0 ? 2f : Float.NaN);
                        }
                        k.multiplyByDerivativeFromOutput(a, x.segment(), x.byteOffset(), v.segment(), v.byteOffset(), n);
                        for (int i = 0; i < n; i++) {
                            String where = k.name() + " " + label(a) + " n=" + n + " i=" + i;
                            if (i % 2 == 1) {
                                assertTrue(Float.isNaN(v.get(i)), where + ": NaN gradient gave " + v.get(i));
                            } else {
                                float expected = switch (a) {
                                    case Activation.Tanh t -> Float.NaN;
                                    case Activation.Sigmoid s -> Float.NaN;
                                    case Activation.Relu r -> 0f;
                                    case Activation.Clip c -> 0f;
                                    case Activation.LeakyRelu lr -> 2f * lr.slope();
                                    case Activation.SoftThreshold st -> 2f;
                                    case Activation.Identity id -> 2f;
                                };
                                assertEquals(expected, v.get(i), 0f, where + ": NaN output");
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void facadeValidatesItsArgumentsAndRunsTheActiveKernel() {
        try (Arena arena = Arena.ofConfined()) {
            FloatVec x = FloatVec.allocate(arena, 10), v = FloatVec.allocate(arena, 10), shorter = FloatVec.allocate(arena, 9);
            Activation t = Activation.TANH;
            assertEquals("sigma must not be null", assertThrows(NullPointerException.class,
                    () -> Prox.multiplyByDerivativeFromOutput(null, x, v)).getMessage());
            assertEquals("x must not be null", assertThrows(NullPointerException.class,
                    () -> Prox.multiplyByDerivativeFromOutput(t, null, v)).getMessage());
            assertEquals("v must not be null", assertThrows(NullPointerException.class,
                    () -> Prox.multiplyByDerivativeFromOutput(t, x, null)).getMessage());
            assertEquals("v: expected length 10 (= x.length), got 9", assertThrows(IllegalArgumentException.class,
                    () -> Prox.multiplyByDerivativeFromOutput(t, x, shorter)).getMessage());
            FloatVec big = FloatVec.allocate(arena, 41);
            String overlap = assertThrows(IllegalArgumentException.class,
                    () -> Prox.multiplyByDerivativeFromOutput(t, big.slice(0, 40), big.slice(1, 40))).getMessage();
            assertTrue(overlap.startsWith("v must be either x itself or disjoint from it"), overlap);

            SplittableRandom rnd = new SplittableRandom(5);
            for (Activation a : ACTIVATIONS) {
                float[] xs = outputs(a, rnd, 37), vs = gradients(rnd, 37);
                float[] ref = vs.clone();
                ReferenceProx.multiplyByDerivativeFromOutput(a, xs, ref);
                FloatVec xv = vec(arena, xs, 2), vv = vec(arena, vs, 0);
                Prox.multiplyByDerivativeFromOutput(a, xv, vv);
                assertSameValues(ref, vv, "Prox (" + Prox.active().name() + ") " + label(a));
            }
        }
    }
}
