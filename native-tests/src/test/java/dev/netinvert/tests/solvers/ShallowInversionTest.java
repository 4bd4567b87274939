package dev.netinvert.tests.solvers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.experiments.ShallowExperiment;
import dev.netinvert.solvers.lifted.ShallowInversion;
import dev.netinvert.solvers.lifted.ShallowNetwork;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The implicit/explicit coordinate descent of the slides [001] for shallow networks. */
class ShallowInversionTest {

    /**
     * At the returned point of the slides' example the first-order conditions of the variational problem
     * hold, checked in double from their definitions (not through the solver's own residual): for the
     * ReLU units, u_l ≥ 0 with (1 + c_l²)u_l = c_l r_l + x_l when u_l &gt; 0 and c_l r_l + x_l ≤ 0 when u_l = 0
     * (r_l = f − Σ_{j≠l} c_j u_j, x_l = u₀ − (l − 1)h); for u₀, αu₀ + Σ_j (ReLU(x_j) − u_j) = 0. The energy
     * decreases at every iteration.
     */
    @Test
    void theFixedPointSatisfiesTheOptimalityConditions() {
        ShallowNetwork net = ShallowExperiment.network();
        double alpha = 1e-4;
        for (double uStar : new double[] {0.1, 0.5, 0.9, 1.3}) {
            double f = net.apply(new double[] {uStar})[0];
            ShallowInversion.Result r = ShallowInversion.solve(net, new double[] {f}, ShallowInversion.Options.defaults());
            assertEquals(StopReason.TOLERANCE, r.stopReason(), "u* = " + uStar);
            double u0 = r.u0()[0];
            double[] u = r.hidden();
            double fit = 0;
            for (int j = 0; j < u.length; j++) {
                fit += net.outer(j)[0] * u[j];
            }
            double grad = alpha * u0;
            for (int l = 0; l < u.length; l++) {
                double c = net.outer(l)[0], x = u0 + net.bias(l);
                double rhs = c * (f - fit + c * u[l]) + x;
                assertTrue(u[l] >= 0, "u_" + l + " >= 0");
                if (u[l] > 0) {
                    assertEquals(rhs, (1 + c * c) * u[l], 1e-9, "stationarity of the active unit " + l + ", u* = " + uStar);
                } else {
                    assertTrue(rhs <= 1e-9, "the inactive unit " + l + " has c r + x = " + rhs + " <= 0, u* = " + uStar);
                }
                grad += Math.max(0, x) - u[l];
            }
            assertEquals(0, grad, 1e-9, "the u0 condition, u* = " + uStar);
            assertMonotone(r.energies());
            assertTrue(r.optimality() <= 1e-9, "optimality residual " + r.optimality());
        }
    }

    /** For α → 0 on noiseless data the inverted u₀ reproduces f through N, and approaches u* (N is increasing). */
    @Test
    void vanishingAlphaReproducesTheData() {
        ShallowNetwork net = ShallowExperiment.network();
        assertTrue(ShallowExperiment.increasing(net));
        double previous = Double.POSITIVE_INFINITY;
        for (double alpha : new double[] {1e-2, 1e-4, 1e-6}) {
            double worst = 0;
            for (double uStar : new double[] {0.3, 0.8, 1.2}) {
                double f = net.apply(new double[] {uStar})[0];
                ShallowInversion.Result r = ShallowInversion.solve(net, new double[] {f},
                        new ShallowInversion.Options(alpha, 1_000_000, 1e-13));
                assertEquals(StopReason.TOLERANCE, r.stopReason());
                worst = Math.max(worst, r.misfit());
            }
            assertTrue(worst < previous, "misfit falls with alpha: " + worst + " at alpha " + alpha + " after " + previous);
            previous = worst;
        }
        assertTrue(previous < 1e-5, "misfit at alpha 1e-6: " + previous);
    }

    /** The generalisation to u ∈ ℝ³ and two outputs, tanh units: energy decreases and the fixed point is stationary. */
    @Test
    void vectorInputsAndOutputs() {
        SplittableRandom rnd = new SplittableRandom(4);
        int m = 40, n = 3, p = 2;
        double[][] w = new double[m][n], c = new double[p][m];
        double[] b = new double[m];
        for (int j = 0; j < m; j++) {
            for (int s = 0; s < n; s++) {
                w[j][s] = rnd.nextGaussian();
            }
            b[j] = rnd.nextGaussian() * 0.5;
            for (int i = 0; i < p; i++) {
                c[i][j] = rnd.nextGaussian() / Math.sqrt(m);
            }
        }
        ShallowNetwork net = new ShallowNetwork(w, b, c, Activation.TANH);
        double[] f = net.apply(new double[] {0.3, -0.2, 0.5});
        ShallowInversion.Result r = ShallowInversion.solve(net, f, new ShallowInversion.Options(1e-3, 2_000_000, 1e-11));
        assertEquals(StopReason.TOLERANCE, r.stopReason());
        assertTrue(r.optimality() < 1e-9, "optimality residual " + r.optimality());
        assertMonotone(r.energies());
        assertTrue(r.misfit() < 0.05 * Math.hypot(f[0], f[1]), "misfit " + r.misfit());
    }

    /**
     * E never rises by more than the rounding of its evaluation: a sum of m + 2 terms, each at most E₀ (the
     * start's energy, every iterate's terms being no larger than that sum), so 1e-14·max(1, E₀) covers it;
     * a step in the wrong direction or a too-long u₀-step shows up at once as a rise of order E.
     */
    private static void assertMonotone(double[] e) {
        double slack = 1e-14 * Math.max(1, e[0]);
        for (int k = 1; k < e.length; k++) {
            assertTrue(e[k] <= e[k - 1] + slack, "energy rose at iteration " + k + ": " + e[k - 1] + " -> " + e[k]);
        }
    }

    @Test
    void badInputGetsAClearError() {
        ShallowNetwork net = ShallowExperiment.network();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ShallowInversion.solve(net, new double[2],
                ShallowInversion.Options.defaults())).getMessage().contains("expected 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ShallowInversion.solve(net, new double[] {Double.NaN},
                ShallowInversion.Options.defaults())).getMessage().contains("finite"));
        assertThrows(IllegalArgumentException.class, () -> new ShallowInversion.Options(-1, 10, 0));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ShallowNetwork(new double[][] {{1}, {1, 2}}, new double[2],
                new double[][] {{1, 1}}, Activation.RELU)).getMessage().contains("row 1"));
    }
}
