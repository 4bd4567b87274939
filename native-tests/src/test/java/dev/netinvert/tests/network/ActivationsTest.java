package dev.netinvert.tests.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.Activations;

import java.lang.foreign.Arena;
import java.util.List;
import org.junit.jupiter.api.Test;

/** σ applied to vectors, σ′ for backpropagation, and the domains observations must lie in. */
class ActivationsTest {

    private static final List<Activation> ALL = List.of(Activation.IDENTITY, Activation.RELU,
            Activation.leakyRelu(0.1f), Activation.softThreshold(0.25f), Activation.TANH, Activation.CLIP,
            Activation.SIGMOID);

    /**
     * How far the vector σ of {@code Prox.apply} may be from the double-precision σ(u), in ulps of the
     * float result (of the smallest normal for subnormal results): 0 for the piecewise-linear activations,
     * whose kernels perform the very float operations of {@link Activation#apply(float)}; for tanh the
     * TANH intrinsic (≤ 0.57 ulp) plus rounding, 2; for the sigmoid's exp, add and divide (2.3 measured), 3
     * — the bounds of ProxKernelsTest.applyUlps, which checks them over 10⁵ inputs. (Java's Math.tanh and
     * Math.exp, which the scalar map and an interpreted vector loop use, are within 1 ulp too.)
     */
    static void assertKernelSigma(Activation s, float u, float out, String what) {
        if (!(s instanceof Activation.Tanh || s instanceof Activation.Sigmoid)) {
            assertEquals(Float.floatToIntBits(s.apply(u)), Float.floatToIntBits(out),
                    () -> what + ": σ(" + u + ") = " + out + ", scalar map " + s.apply(u));
            return;
        }
        float exact = (float) s.sigma(u);
        double ulps = s instanceof Activation.Tanh ? 2 : 3;
        double ulp = Math.max(Math.ulp(exact), Math.ulp(Float.MIN_NORMAL));
        assertTrue(Math.abs(out - s.sigma(u)) <= ulps * ulp,
                () -> what + ": σ(" + u + ") = " + out + ", double precision " + s.sigma(u));
    }

    /**
     * Bit for bit the scalar map for the piecewise-linear activations (signed zeros included), within
     * {@link #assertKernelSigma}'s ulps for tanh and sigmoid; in place equal to out of place (to the same
     * ulps for tanh and sigmoid: a C2 compilation between the two calls swaps Java's Math for the SVML
     * stubs in the vector TANH and EXP).
     */
    @Test
    void applyMatchesTheScalarMapOnEveryElementAndOffset() {
        try (Arena arena = Arena.ofConfined()) {
            for (Activation s : ALL) {
                for (int n : new int[] {0, 1, 2, 15, 17, 33, 101}) {
                    FloatVec src = FloatVec.allocate(arena, n + 3).slice(3, n);
                    FloatVec dst = FloatVec.allocate(arena, n + 1).slice(1, n);
                    for (int i = 0; i < n; i++) {
                        src.set(i, (i - n / 2f) * 0.37f);
                    }
                    Activations.apply(s, src, dst);
                    for (int i = 0; i < n; i++) {
                        assertKernelSigma(s, src.get(i), dst.get(i), s.name() + " element " + i);
                    }
                    float[] in = src.toArray();
                    Activations.applyInPlace(s, src);
                    for (int i = 0; i < n; i++) {
                        assertKernelSigma(s, in[i], src.get(i), s.name() + " in place, element " + i);
                    }
                }
            }
        }
    }

    /**
     * σ′ against central differences of σ computed in double, away from the kinks: with h = 1e-3 the
     * truncation error is h²/6·|σ'''| ≤ 1e-6 and σ's float rounding contributes ε/h ≈ 6e-5.
     */
    @Test
    void derivativeMatchesFiniteDifferencesAwayFromKinks() {
        for (Activation s : ALL) {
            for (float u = -2.93f; u <= 3f; u += 0.1f) { // stays >= 0.02 away from the kinks 0, ±0.25, ±1
                double h = 1e-3;
                double fd = (s.apply((float) (u + h)) - s.apply((float) (u - h))) / (2 * h);
                float uu = u;
                assertEquals(fd, Activations.derivative(s, u), 2e-3, () -> s.name() + " at " + uu);
            }
        }
    }

    /** At the kinks σ′ takes the flat side's value, the PyTorch convention. */
    @Test
    void derivativeAtKinksFollowsTheDocumentedConvention() {
        assertEquals(0f, Activations.derivative(Activation.RELU, 0f));
        assertEquals(0.1f, Activations.derivative(Activation.leakyRelu(0.1f), 0f));
        assertEquals(0f, Activations.derivative(Activation.softThreshold(0.25f), 0.25f));
        assertEquals(0f, Activations.derivative(Activation.softThreshold(0.25f), -0.25f));
        assertEquals(1f, Activations.derivative(Activation.softThreshold(0.25f), 0.2501f));
        assertEquals(0f, Activations.derivative(Activation.CLIP, 1f));
        assertEquals(0f, Activations.derivative(Activation.CLIP, -1f));
        assertEquals(1f, Activations.derivative(Activation.CLIP, 0.999f));
        assertEquals(1f, Activations.derivative(Activation.TANH, 0f));
        assertEquals(0.25f, Activations.derivative(Activation.SIGMOID, 0f));
    }

    @Test
    void multiplyByDerivativeUsesTheOutputs() {
        try (Arena arena = Arena.ofConfined()) {
            for (Activation s : ALL) {
                float[] u = {-2f, -0.5f, 0f, 0.3f, 1.5f};
                FloatVec x = FloatVec.allocate(arena, u.length);
                FloatVec v = FloatVec.of(arena, 1f, 2f, 3f, 4f, 5f);
                for (int i = 0; i < u.length; i++) {
                    x.set(i, s.apply(u[i]));
                }
                Activations.multiplyByDerivative(s, x, v);
                for (int i = 0; i < u.length; i++) {
                    assertEquals((i + 1) * Activations.derivative(s, u[i]), v.get(i), 0f, s.name() + " " + i);
                }
            }
        }
    }

    @Test
    void domainsAreTheRangesOfTheActivations() {
        assertTrue(Activations.inDomain(Activation.RELU, 0f));
        assertFalse(Activations.inDomain(Activation.RELU, -1e-30f));
        // Closed for tanh and sigmoid (the closure of Ψ; float tanh returns exactly ±1 for |z| ≥ 9.01).
        assertTrue(Activations.inDomain(Activation.TANH, 1f));
        assertFalse(Activations.inDomain(Activation.TANH, Math.nextUp(1f)));
        assertTrue(Activations.inDomain(Activation.SIGMOID, 0f));
        assertFalse(Activations.inDomain(Activation.SIGMOID, -Float.MIN_VALUE));
        assertTrue(Activations.inDomain(Activation.CLIP, -1f));
        assertFalse(Activations.inDomain(Activation.CLIP, 1.0001f));
        assertTrue(Activations.inDomain(Activation.IDENTITY, -1e30f));
        for (Activation s : ALL) {
            assertFalse(Activations.inDomain(s, Float.NaN), s.name());
            assertFalse(Activations.inDomain(s, Float.POSITIVE_INFINITY), s.name());
            // every output of σ at moderate inputs lies in its own domain
            for (float u = -5f; u <= 5f; u += 0.25f) {
                assertTrue(Activations.inDomain(s, s.apply(u)), s.name() + " at " + u);
            }
        }
    }

    @Test
    void violationsReportCountAndFirstIndex() {
        try (Arena arena = Arena.ofConfined()) {
            FloatVec y = FloatVec.of(arena, 0.5f, 0f, -0.25f, 2f, -1f);
            Activations.Violations v = Activations.outsideDomain(Activation.RELU, y);
            assertEquals(2, v.count());
            assertEquals(2, v.firstIndex());
            assertEquals(-0.25f, v.firstValue());
            assertFalse(Activations.outsideDomain(Activation.IDENTITY, y).any());
        }
    }

    @Test
    void clippingProjectsOntoTheDomain() {
        try (Arena arena = Arena.ofConfined()) {
            for (Activation s : ALL) {
                FloatVec y = FloatVec.of(arena, -3f, -1f, -0.5f, 0f, 0.5f, 1f, 3f);
                Activations.clipToDomain(s, y);
                assertFalse(Activations.outsideDomain(s, y).any(), s.name());
            }
            FloatVec y = FloatVec.of(arena, -0.3f, 0.2f, 0f);
            assertEquals(1, Activations.clipToDomain(Activation.RELU, y));
            assertEquals(0f, y.get(0));
            assertEquals(0.2f, y.get(1));
            FloatVec t = FloatVec.of(arena, 1f, -1f);
            Activations.clipToDomain(Activation.TANH, t);
            assertEquals(1f - 0x1p-24f, t.get(0));
            assertEquals(-1f + 0x1p-24f, t.get(1));
        }
    }
}
