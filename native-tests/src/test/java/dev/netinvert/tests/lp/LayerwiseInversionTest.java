package dev.netinvert.tests.lp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.lp.LayerNotInvertibleException;
import dev.netinvert.solvers.lp.LayerReport;
import dev.netinvert.solvers.lp.LayerwiseInversion;
import dev.netinvert.solvers.lp.LayerwiseInversion.Method;
import dev.netinvert.solvers.lp.LayerwiseInversion.Options;
import dev.netinvert.solvers.lp.LayerwiseResult;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.network.SeededGaussian;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The layer-wise inversion of [003] on random expansive generators (sec. 5.1 [003]: entries N(0, 1/n_out),
 * no bias): noiseless recovery by every method, noise that propagates linearly, Alg. 1's two feasibility
 * searches agreeing, and refusals with the figures that decided them.
 */
class LayerwiseInversionTest {

    /** Sec. 5.1 [003]'s noise experiment network, 20 → 100 → 500. */
    static Network paperNet(Arena arena, long seed, Activation sigma) {
        return RandomNetworks.generator003(arena, seed, 20, 100, 500, sigma);
    }

    static float[] observe(Network net, FloatVec z, Arena arena) {
        return net.forward(z, arena).toArray();
    }

    /**
     * y = G(z*) is computed in float, so it carries ~6e-8 relative rounding per entry; through two layers
     * with cond(W_S) of a few units each (a 500 × 100 and a ~50 × 20 Gaussian submatrix) that is ~1e-7 in z.
     * 1e-6 is the bar and sits an order above it.
     */
    @ParameterizedTest
    @EnumSource(Method.class)
    void noiselessReluGeneratorsAreRecovered(Method method) {
        try (Arena arena = Arena.ofConfined()) {
            for (long seed = 1; seed <= 3; seed++) {
                Network net = paperNet(arena, seed, Activation.RELU);
                FloatVec z = RandomNetworks.latent(arena, 20, 100 + seed, 1.0);
                LayerwiseResult r = LayerwiseInversion.invert(net, observe(net, z, arena), noiseless(method));
                double err = r.relativeError(z.toArray());
                assertTrue(err <= 1e-6, method + " seed " + seed + ": relative error " + err + ", layers " + r.layers());
                assertEquals(2, r.layers().size());
                assertEquals(20, r.z().length);
                assertTrue(r.residualInf() <= 1e-5, "residual " + r.residualInf());
                if (method != Method.EXACT) {
                    assertTrue(r.lpsFeasible() >= 2, "one feasible LP per layer at least: " + r.layers());
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Method.class, names = {"EXACT", "LP_LINF", "LP_L1"})
    void noiselessLeakyReluGeneratorsAreRecovered(Method method) {
        try (Arena arena = Arena.ofConfined()) {
            Network net = paperNet(arena, 7, Activation.leakyRelu(0.1f));
            FloatVec z = RandomNetworks.latent(arena, 20, 70, 1.0);
            LayerwiseResult r = LayerwiseInversion.invert(net, observe(net, z, arena), Options.defaults(method));
            double err = r.relativeError(z.toArray());
            assertTrue(err <= 1e-6, method + ": relative error " + err + ", layers " + r.layers());
        }
    }

    /**
     * Alg. 1 solved as written (an LP per ε, most infeasible), with the δ-free LP that settles the steps with
     * unchanged classes, and by bisection over the ε grid give the same first feasible ε and the same z, on
     * noisy data where the loop runs many steps; the shortcuts solve fewer LPs.
     */
    @Test
    void alg1SearchesAgree() {
        try (Arena arena = Arena.ofConfined()) {
            Network net = RandomNetworks.generator003(arena, 11, 10, 50, 250, Activation.RELU);
            FloatVec z = RandomNetworks.latent(arena, 10, 12, 1.0);
            float[] y = noisy(observe(net, z, arena), 1e-3, 13);
            Options literal = Options.builder(Method.LP_LINF).search(LayerwiseInversion.Search.LITERAL).build();
            LayerwiseResult a = LayerwiseInversion.invert(net, y, literal);
            for (LayerwiseInversion.Search search : List.of(LayerwiseInversion.Search.SKIP, LayerwiseInversion.Search.BISECT)) {
                LayerwiseResult b = LayerwiseInversion.invert(net, y, literal.toBuilder().search(search).build());
                for (int l = 0; l < 2; l++) {
                    LayerReport ra = a.layers().get(l), rb = b.layers().get(l);
                    assertEquals(ra.epsilon(), rb.epsilon(), 0.0, search + " layer " + (l + 1) + " ε");
                    if (l == 1) {
                        // The last layer starts at ε₀ = 1e-6, far below the noise; layer 1 starts at layer 2's ε.
                        assertTrue(ra.lpsInfeasible() >= 5, "the literal loop should meet infeasible LPs here: " + ra);
                        assertTrue(rb.lps() < ra.lps(), search + " should solve fewer LPs: " + rb.lps() + " vs " + ra.lps());
                        // Every grid step up to the answer is solved or settled without an LP; bisection may also
                        // have probed steps above it.
                        if (search == LayerwiseInversion.Search.SKIP) {
                            assertEquals(ra.lps(), rb.lps() + rb.stepsSkipped(), "steps solved + skipped: " + rb);
                        } else {
                            assertTrue(rb.lps() + rb.stepsSkipped() >= ra.lps(), "steps solved + skipped: " + rb);
                        }
                    }
                    for (int i = 0; i < ra.estimate().length; i++) {
                        assertEquals(ra.estimate()[i], rb.estimate()[i], 1e-7, search + " layer " + (l + 1) + " estimate[" + i + "]");
                    }
                }
            }
        }
    }

    /**
     * Thm. 3 [003]: ‖z − z*‖ is O(ε); the log-log slope of the median error against a is ≈ 1. The network is
     * sec. 5.1's shape at half the width (10 → 50 → 250, expansion 5) to keep the test short.
     */
    @Test
    void errorGrowsLinearlyWithUniformNoise() {
        double[] levels = {1e-4, 1e-3, 1e-2};
        double[] medians = new double[levels.length];
        try (Arena arena = Arena.ofConfined()) {
            for (int a = 0; a < levels.length; a++) {
                double[] errs = new double[3];
                for (int run = 0; run < errs.length; run++) {
                    Network net = RandomNetworks.generator003(arena, 40 + run, 10, 50, 250, Activation.RELU);
                    FloatVec z = RandomNetworks.latent(arena, 10, 50 + run, 1.0);
                    float[] y = noisy(observe(net, z, arena), levels[a], 60 + run);
                    errs[run] = LayerwiseInversion.invert(net, y, Options.defaults(Method.LP_LINF)).relativeError(z.toArray());
                }
                Arrays.sort(errs);
                medians[a] = errs[errs.length / 2];
            }
        }
        double slope = (Math.log10(medians[2]) - Math.log10(medians[0])) / (Math.log10(levels[2]) - Math.log10(levels[0]));
        assertTrue(slope > 0.8 && slope < 1.2, "log-log slope " + slope + ", medians " + Arrays.toString(medians));
        assertTrue(medians[0] < 1e-2, "median relative error at a = 1e-4: " + medians[0]);
    }

    @Test
    void refusalsNameWhatDecidedThem() {
        try (Arena arena = Arena.ofConfined()) {
            Network tanh = RandomNetworks.generator003(arena, 1, 5, 20, 40, Activation.TANH);
            float[] y = new float[40];
            var e = assertThrows(IllegalArgumentException.class,
                    () -> LayerwiseInversion.invert(tanh, y, Options.defaults(Method.LP_LINF)));
            assertTrue(e.getMessage().contains("tanh") && e.getMessage().contains("layer 1"), e.getMessage());

            Network net = RandomNetworks.generator003(arena, 1, 5, 20, 40, Activation.RELU);
            float[] zeros = new float[40];
            zeros[0] = 1;
            var ne = assertThrows(LayerNotInvertibleException.class,
                    () -> LayerwiseInversion.invert(net, zeros, Options.defaults(Method.EXACT)));
            assertEquals(2, ne.layer());
            assertTrue(ne.getMessage().contains("at least 20") && ne.getMessage().contains("got 1"), ne.getMessage());

            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> Options.builder(Method.LP_L1).eps0(0).build()).getMessage().contains("eps0"));
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> Options.builder(Method.LP_L1).growth(1).build()).getMessage().contains("growth"));
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> LayerwiseInversion.invert(net, new float[39], Options.defaults(Method.EXACT)))
                    .getMessage().contains("expected length 40"));
            float[] nan = new float[40];
            nan[3] = Float.NaN;
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> LayerwiseInversion.invert(net, nan, Options.defaults(Method.LP_LINF)))
                    .getMessage().contains("y[3]"));
            Network leaky = RandomNetworks.generator003(arena, 1, 5, 20, 40, Activation.leakyRelu(0.2f));
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> LayerwiseInversion.invert(leaky, new float[40], Options.defaults(Method.LP_RELAXED)))
                    .getMessage().contains("relaxed"));
        }
    }

    /**
     * The relaxed LP has no ε loop: its bound u_j ≤ x_j + ε moves the solution by ~ε·cond, so noiseless data
     * get ε at the float rounding of y (~1e-7) rather than the loop's starting ε₀ = 1e-6.
     */
    static Options noiseless(Method method) {
        return method == Method.LP_RELAXED ? Options.builder(method).eps0(1e-7).build() : Options.defaults(method);
    }

    static float[] noisy(float[] y, double a, long seed) {
        SeededGaussian g = new SeededGaussian(seed);
        float[] out = y.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += (float) (a * (2 * g.nextUniform() - 1));
        }
        return out;
    }
}
