package dev.netinvert.tests.kernels;

import static dev.netinvert.tests.kernels.ProxFixtures.ACTIVATIONS;
import static dev.netinvert.tests.kernels.ProxFixtures.label;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The double-precision scalar mathematics of {@link Activation} against independent formulas: the
 * slides' form of the tanh Ψ, the conjugate as a numerically computed supremum, Φ*′ = σ, the three
 * expressions of B_Ψ (eq. (4) [000], the slides' E_z(y) − E_z(σ(z)), and the Bernoulli KL divergence
 * for sigmoid, of (1+y)/2 and (1 + tanh z)/2 for tanh), σ′ against finite differences, the kink conventions and the special values.
 */
@Tag("kernels")
class ActivationMathTest {

    private static final double[] ZS = {-30, -7, -2.5, -1.2, -1, -0.7, -0.3, -1e-3, 0, 2e-4, 0.2, 0.5, 1, 1.7, 3, 9.5, 25};

    /** dom Ψ intersected with [−r, r]: where the supremum defining Φ* is searched. */
    private static double[] searchInterval(Activation a, double r) {
        return switch (a) {
            case Activation.Relu x -> new double[] {0, r};
            case Activation.Tanh x -> new double[] {-1, 1};
            case Activation.Clip x -> new double[] {-1, 1};
            case Activation.Sigmoid x -> new double[] {0, 1};
            default -> new double[] {-r, r};
        };
    }

    /** max over [lo, hi] of a concave function by golden-section search (200 steps: far below 1e-15 of the interval). */
    private static double maximise(java.util.function.DoubleUnaryOperator f, double lo, double hi) {
        double g = (Math.sqrt(5) - 1) / 2;
        double a = lo, b = hi;
        for (int i = 0; i < 200; i++) {
            double x1 = b - g * (b - a), x2 = a + g * (b - a);
            if (f.applyAsDouble(x1) < f.applyAsDouble(x2)) {
                a = x1;
            } else {
                b = x2;
            }
        }
        return Math.max(f.applyAsDouble(0.5 * (a + b)), Math.max(f.applyAsDouble(lo), f.applyAsDouble(hi)));
    }

    @Test
    void conjugateIsTheSupremumOfZuMinusPhi() {
        for (Activation a : ACTIVATIONS) {
            for (double z : ZS) {
                double[] iv = searchInterval(a, Math.abs(z) + 2);
                double sup = maximise(u -> z * u - 0.5 * u * u - a.psi(u), iv[0], iv[1]);
                double conj = a.conjugate(z);
                assertEquals(sup, conj, 1e-9 * (1 + Math.abs(conj)), label(a) + " Φ*(" + z + ")");
                // Fenchel–Young with equality at u = σ(z).
                double s = a.sigma(z);
                assertEquals(z * s - 0.5 * s * s - a.psi(s), conj, 1e-12 * (1 + Math.abs(conj)), label(a) + " z=" + z);
            }
        }
    }

    @Test
    void conjugateDerivativeIsSigma() {
        for (Activation a : ACTIVATIONS) {
            for (double z : ZS) {
                double h = 1e-6 * Math.max(1, Math.abs(z));
                double fd = (a.conjugate(z + h) - a.conjugate(z - h)) / (2 * h);
                // Φ*′ = σ is Lipschitz with constant 1: the central difference is within h of σ(z) even at kinks.
                assertEquals(a.sigma(z), fd, h + 1e-8 * (1 + Math.abs(z)), label(a) + " z=" + z);
            }
        }
    }

    @Test
    void tanhPsiIsTheSlidesFormulaOnTheOpenInterval() {
        Activation t = Activation.TANH;
        for (double u = -0.999; u <= 0.999; u += 0.0037) {
            double artanh = 0.5 * (Math.log1p(u) - Math.log1p(-u));
            double slides = u * artanh + 0.5 * Math.log1p(-u * u) - 0.5 * u * u; // [001]
            double scale = Math.abs(u * artanh) + Math.abs(Math.log(1 - u * u)) + u * u;
            // Both forms cancel (by up to 6/u² for small u): 64 ulp of the terms' magnitude.
            assertEquals(slides, t.psi(u), 64 * 0x1p-53 * scale, "u=" + u);
            // Ψ′(u) = artanh u − u, so that z − u = Ψ′(u) gives u = tanh z.
            double h = 1e-6;
            assertEquals(artanh - u, (t.psi(u + h) - t.psi(u - h)) / (2 * h), 1e-6, "Ψ′ at u=" + u);
        }
        // Small u: Ψ(u) = u⁴/12 + u⁶/30 + …, to full relative precision.
        for (double u : new double[] {1e-8, 1e-4, 0.01, -0.05}) {
            double series = 0;
            for (int k = 20; k >= 2; k--) { // Σ_{k≥2} u^(2k)/(2k(2k−1)), smallest terms first
                series += Math.pow(u, 2 * k) / (2.0 * k * (2 * k - 1));
            }
            assertEquals(series, t.psi(u), 1e-14 * series);
        }
        // The lower semi-continuous closure at ±1, and +∞ beyond.
        assertEquals(Math.log(2) - 0.5, t.psi(1), 1e-15);
        assertEquals(Math.log(2) - 0.5, t.psi(-1), 1e-15);
        assertEquals(Double.POSITIVE_INFINITY, t.psi(Math.nextUp(1.0)));
    }

    @Test
    void sigmoidPsiIsTheNegativeEntropyMinusHalfSquare() {
        Activation s = Activation.SIGMOID;
        assertEquals(0.0, s.psi(0));
        assertEquals(-0.5, s.psi(1));
        assertEquals(Double.POSITIVE_INFINITY, s.psi(-1e-300));
        for (double u = 0.01; u < 1; u += 0.013) {
            double h = 1e-6;
            double logit = Math.log(u / (1 - u));
            // Ψ′(u) = logit(u) − u: z − u = Ψ′(u) inverts to u = σ(z).
            assertEquals(logit - u, (s.psi(u + h) - s.psi(u - h)) / (2 * h), 1e-6, "u=" + u);
            assertEquals(u, s.sigma(logit), 1e-15);
        }
    }

    /**
     * B_Ψ(y, z) three ways: the stable form implemented, eq. (4) [000] literally (Φ(y) + Φ*(z) − yz),
     * and the slides' E_z(y) − E_z(σ(z)) with E_z(u) = ½(u − z)² + Ψ(u); for tanh and sigmoid also the
     * Bernoulli Kullback–Leibler divergence. The literal forms cancel, hence the absolute tolerance.
     */
    @Test
    void bregmanLossAgreesWithItsDefinitions() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (Activation a : ACTIVATIONS) {
            for (int k = 0; k < 400; k++) {
                double z = ZS[rnd.nextInt(ZS.length)] + 0.1 * ProxFixtures.gaussian(rnd);
                double[] iv = searchInterval(a, 4);
                double y = iv[0] + (iv[1] - iv[0]) * rnd.nextDouble();
                if (k % 10 == 0) {
                    y = iv[rnd.nextInt(2)]; // boundary points of dom Ψ
                }
                double b = a.bregman(y, z);
                double phiY = 0.5 * y * y + a.psi(y);
                double scale = Math.abs(phiY) + Math.abs(a.conjugate(z)) + Math.abs(y * z) + 1;
                String where = label(a) + " y=" + y + " z=" + z;
                assertEquals(phiY + a.conjugate(z) - y * z, b, 1e-13 * scale, where + " (eq. 4)");
                double s = a.sigma(z);
                double ez = 0.5 * (y - z) * (y - z) + a.psi(y) - 0.5 * (s - z) * (s - z) - a.psi(s);
                assertEquals(ez, b, 1e-13 * (scale + z * z), where + " (E_z)");
                assertTrue(b >= 0.5 * (y - s) * (y - s) - 1e-13 * scale, where + " (≥ ½(y − σ(z))²)");
                if (Math.abs(z) > 15) {
                    continue; // the literal KL below needs σ(z) away from its saturation in double
                }
                if (a instanceof Activation.Sigmoid) {
                    assertEquals(kl(y, logistic(z), logistic(-z)), b, 1e-12 * scale, where + " (KL)");
                } else if (a instanceof Activation.Tanh) {
                    // (1 + tanh z)/2 = σ(2z), 1 − that = σ(−2z)
                    assertEquals(kl((1 + y) / 2, logistic(2 * z), logistic(-2 * z)), b, 1e-12 * scale,
                            where + " (KL of (1+y)/2, (1+tanh z)/2)");
                }
            }
        }
    }

    /** KL(Bernoulli(p) ‖ Bernoulli(q)), given q and 1 − q separately (so that neither loses accuracy). */
    private static double kl(double p, double q, double oneMinusQ) {
        double a = p == 0 ? 0 : p * Math.log(p / q);
        double b = p == 1 ? 0 : (1 - p) * Math.log((1 - p) / oneMinusQ);
        return a + b;
    }

    private static double logistic(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    @Test
    void derivativeMatchesFiniteDifferencesAndTheKinkConvention() {
        for (Activation a : ACTIVATIONS) {
            for (double z : ZS) {
                double h = 1e-7;
                double left = (a.sigma(z) - a.sigma(z - h)) / h, right = (a.sigma(z + h) - a.sigma(z)) / h;
                double d = a.derivative(z);
                if (Math.abs(left - right) > 1e-4) {
                    // A kink: the smaller one-sided derivative.
                    assertEquals(Math.min(left, right), d, 1e-6, label(a) + " kink at z=" + z);
                } else {
                    assertEquals(0.5 * (left + right), d, 1e-6, label(a) + " z=" + z);
                }
            }
        }
        assertEquals(0.0, Activation.RELU.derivative(0));
        assertEquals(0.25f, Activation.leakyRelu(0.25f).derivative(0));
        assertEquals(0.0, Activation.softThreshold(0.5f).derivative(0.5));
        assertEquals(0.0, Activation.softThreshold(0.5f).derivative(-0.5));
        assertEquals(1.0, Activation.softThreshold(0f).derivative(0)); // λ = 0 is the identity: no kink
        assertEquals(0.0, Activation.CLIP.derivative(1));
        assertEquals(0.0, Activation.CLIP.derivative(-1));
    }

    @Test
    void proxAtScaleOneIsSigmaAndScalesAreValidated() {
        for (Activation a : ACTIVATIONS) {
            for (double z : ZS) {
                assertEquals(a.sigma(z), a.prox(z, 1.0), label(a) + " z=" + z);
                assertEquals((float) a.sigma((float) z), a.apply((float) z), Math.ulp((float) a.sigma((float) z)),
                        label(a) + " apply(" + z + ")");
            }
            for (double c : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.prox(1.0, c));
                assertEquals("c must be finite and > 0, got " + c, e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> a.proxIterations(1.0, c));
            }
            boolean newton = a instanceof Activation.Tanh || a instanceof Activation.Sigmoid;
            assertEquals(newton, a.proxIterations(0.7, 0.5) > 0, label(a));
            assertEquals(0, a.proxIterations(0.7, 1.0), label(a) + ": c = 1 is σ itself");
        }
        // The closed forms of the scaled prox.
        assertEquals(-2.0 / (1 + 3 * 9), Activation.leakyRelu(0.1f).prox(-2, 3), 1e-7); // z/(1 + c(1/s − 1)), s = 0.1f
        assertEquals(0.25, Activation.softThreshold(0.5f).prox(1.25, 2), 0); // shrink by cλ
        assertEquals(-1.0, Activation.CLIP.prox(-4, 100), 0);
    }

    @Test
    void specialValues() {
        double inf = Double.POSITIVE_INFINITY, nan = Double.NaN;
        for (Activation a : ACTIVATIONS) {
            String n = label(a);
            assertTrue(Double.isNaN(a.sigma(nan)) && Double.isNaN(a.prox(nan, 2)) && Double.isNaN(a.derivative(nan)), n);
            assertTrue(Double.isNaN(a.psi(nan)) && Double.isNaN(a.conjugate(nan)), n);
            assertTrue(Double.isNaN(a.bregman(nan, 0)) && Double.isNaN(a.bregman(0.5, nan)), n);
            assertTrue(Float.isNaN(a.apply(Float.NaN)), n);
            assertFalse(a.inDomain(nan) || a.inDomain(inf) || a.inDomain(-inf), n);
            assertEquals(inf, a.psi(inf), n);
            assertEquals(inf, a.psi(-inf), n);
            assertEquals(inf, a.bregman(inf, 0.0), n);
            for (double z : new double[] {inf, -inf}) {
                double s = a.sigma(z);
                assertEquals(s, a.prox(z, 0.3), n + " prox(" + z + ")");
                double expectB = Double.isInfinite(s) ? inf : 0.0; // B(σ(±∞), ±∞) = 0 when σ(±∞) is finite
                assertEquals(expectB, a.bregman(Double.isInfinite(s) ? 0.0 : s, z), n + " B(σ(" + z + "), " + z + ")");
                assertTrue(a.conjugate(z) >= 0, n);
            }
        }
        assertEquals(0.0, Activation.RELU.conjugate(-inf));
        assertEquals(0.0, Activation.SIGMOID.conjugate(-inf));
        assertEquals(inf, Activation.TANH.conjugate(-inf));
        assertEquals(inf, Activation.RELU.bregman(0.5, -inf)); // y ≠ σ(−∞) = 0
    }

    @Test
    void domainsAreAsDocumented() {
        assertTrue(Activation.RELU.inDomain(0) && !Activation.RELU.inDomain(-Double.MIN_VALUE));
        assertTrue(Activation.TANH.inDomain(1) && Activation.TANH.inDomain(-1) && !Activation.TANH.inDomain(Math.nextUp(1.0)));
        assertTrue(Activation.SIGMOID.inDomain(0) && Activation.SIGMOID.inDomain(1) && !Activation.SIGMOID.inDomain(-1e-300));
        assertTrue(Activation.CLIP.inDomain(-1) && !Activation.CLIP.inDomain(1.5));
        assertTrue(Activation.IDENTITY.inDomain(-1e300) && Activation.leakyRelu(0.5f).inDomain(-3)
                && Activation.softThreshold(1f).inDomain(-3));
        assertEquals("[0, ∞)", Activation.RELU.domain());
        assertEquals("[-1, 1]", Activation.TANH.domain());
        assertEquals("[0, 1]", Activation.SIGMOID.domain());
        assertEquals("ℝ", Activation.IDENTITY.domain());
    }
}
