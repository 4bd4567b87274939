package dev.netinvert.tests.pursuit;

import static dev.netinvert.tests.ArgumentErrors.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.experiments.ImageMetrics;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.network.SeededGaussian;
import dev.netinvert.solvers.pursuit.EpsilonRule;
import dev.netinvert.solvers.pursuit.Generators;
import dev.netinvert.solvers.pursuit.InversionResult;
import dev.netinvert.solvers.pursuit.Lambdas;
import dev.netinvert.solvers.pursuit.LayeredBasisPursuit;
import dev.netinvert.solvers.pursuit.Stage;
import dev.netinvert.solvers.pursuit.Supports;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ε-rule of Alg. 2 [002] for the λ's of Layered Basis-Pursuit ({@link EpsilonRule},
 * {@link Lambdas#epsilonRule}).
 */
class PursuitEpsilonRuleTest {

    /** y = G(z) + e with ‖e‖₂ = rel·‖G(z)‖₂ exactly (e Gaussian, rescaled); returns {z, y, ε}. */
    record Noisy(FloatVec z, FloatVec y, double eps) {}

    static Noisy noisy(Arena arena, Network net, long seed, double std, double rel) {
        FloatVec z = RandomNetworks.latent(arena, net.inputSize(), seed, std);
        float[] x = net.forward(z, arena).toArray();
        SeededGaussian g = new SeededGaussian(seed + 7919);
        double[] e = new double[x.length];
        double en = 0, xn = 0;
        for (int i = 0; i < x.length; i++) {
            e[i] = g.nextGaussian();
            en += e[i] * e[i];
            xn += (double) x[i] * x[i];
        }
        double eps = rel * Math.sqrt(xn), scale = eps / Math.sqrt(en);
        FloatVec y = FloatVec.allocate(arena, x.length);
        for (int i = 0; i < x.length; i++) {
            y.set(i, (float) (x[i] + scale * e[i]));
        }
        // float rounding of y moves ‖y − G(z)‖ by ~1e-7·‖y‖; the margin keeps ε a true bound.
        return new Noisy(z, y, eps * (1 + 1e-5));
    }

    /** λ of the stage that estimates x_{l−1} (code layer l), as recorded by the solver. */
    static double stageLambda(InversionResult r, int layer) {
        return r.stages().stream().filter(s -> s.layer() == layer && s.name().startsWith("lasso")).findFirst().orElseThrow().lambda();
    }

    /** min_j ‖W[rows, j]‖₂ over the columns j of a row-major rows × cols array, by the definition. */
    static double minColumnNorm(float[] w, int cols, int[] rows) {
        double min = Double.POSITIVE_INFINITY;
        for (int j = 0; j < cols; j++) {
            double s = 0;
            for (int r : rows) {
                double v = w[r * cols + j];
                s += v * v;
            }
            min = Math.min(min, Math.sqrt(s));
        }
        return min;
    }

    /**
     * Relative agreement 1e-12: both sides compute the same double formulas from the same float data;
     * they differ only in summation grouping (≤ ~100 terms, ~1e-14 relative) and in 1 − m² versus
     * (1 − m)(1 + m) inside ℓ (~1e-16 relative error amplified by 1/(1 − m²) ≲ 10 here).
     */
    static void assertClose(double expected, double actual, String what) {
        assertTrue(Math.abs(expected - actual) <= 1e-12 * Math.abs(expected), what + ": expected " + expected + ", got " + actual);
    }

    @Test
    void lambdaSequenceEqualsAStraightforwardComputation() {
        int[] widths = {6, 30, 70, 120};
        double c = 3 + Math.sqrt(1.5);
        try (Arena arena = Arena.ofConfined()) {
            for (long seed = 1; seed <= 3; seed++) {
                Network net = RandomNetworks.gaussian(arena, seed, widths, List.of(Activation.RELU, Activation.RELU, Activation.TANH),
                        RandomNetworks.WeightScale.unit());
                // Half the unit-variance latent scale keeps tanh's outputs away from ±1, so ℓ is finite.
                Noisy s = noisy(arena, net, 100 + seed, 0.5 * RandomNetworks.latentStd(6, 30, 70), 1e-2);
                FloatVec mask = FloatVec.allocate(arena, 120);
                for (int i = 0; i < 120; i++) {
                    mask.set(i, i % 7 == 3 ? 0f : 1f);
                }
                // A saturated output where the mask hides it: must not enter ℓ (it would make ℓ infinite).
                s.y().set(3, 1f);

                InversionResult r = LayeredBasisPursuit.solve(net, s.y(), mask, byRule(s.eps()));

                // The paper's rule with plain loops: ℓ over the observed outputs, columns of W_3 on the observed
                // rows, then of W_2 on the rows of Ŝ_2 (code indexing: W_3 is the paper's W_L, x_2 its x_L).
                float[] y = s.y().toArray();
                int observed = 0;
                double ell = 0;
                for (int i = 0; i < 120; i++) {
                    if (i % 7 != 3) {
                        observed++;
                        double m = Math.abs(y[i]) + s.eps();
                        assertTrue(m < 1, "test premise: observed |y_" + i + "| + ε = " + m + " < 1");
                        ell = Math.max(ell, 1 / (1 - m * m));
                    }
                }
                int[] obs = new int[observed];
                for (int i = 0, k = 0; i < 120; i++) {
                    if (i % 7 != 3) {
                        obs[k++] = i;
                    }
                }
                int[] s2 = r.supports().get(1), s1 = r.supports().get(0);
                double lambda2 = 2 * ell * s.eps();
                double eps2 = c * Math.sqrt(s2.length) / minColumnNorm(net.dense(3).weight().toArray(), 70, obs) * ell * s.eps();
                double lambda1 = 2 * eps2;
                double eps1 = c * Math.sqrt(s1.length) / minColumnNorm(net.dense(2).weight().toArray(), 30, s2) * eps2;
                assertTrue(s2.length > 0 && s1.length > 0, "supports " + s2.length + ", " + s1.length
                        + ": the mid-layer LASSO must run for the test to mean something");

                assertClose(lambda2, stageLambda(r, 3), "seed " + seed + ", λ for x_2 (the paper's λ_L = 2ℓε)");
                assertClose(lambda1, stageLambda(r, 2), "seed " + seed + ", λ for x_1 (the paper's λ_1 = 2ε_2)");
                EpsilonRule.Sequence q = EpsilonRule.of(net, s.y(), mask, s.eps(), r.supports());
                assertClose(ell, q.ell(), "ℓ");
                assertClose(lambda1, q.lambdas()[0], "Sequence λ for x_1");
                assertClose(lambda2, q.lambdas()[1], "Sequence λ for x_2");
                assertClose(eps1, q.epsilons()[0], "ε(x_1)");
                assertClose(eps2, q.epsilons()[1], "ε(x_2)");
                assertTrue(Double.isNaN(r.stages().stream().filter(st -> st.name().equals("ls-first-layer")).findFirst()
                        .orElseThrow().lambda()), "the least-squares stage has no λ");
            }
        }
    }

    @Test
    void zeroNoiseGivesZeroLambdasAndTheLambdaZeroSolve() {
        try (Arena arena = Arena.ofConfined()) {
            Network net = RandomNetworks.gaussian(arena, 5, new int[] {6, 30, 70, 120},
                    List.of(Activation.RELU, Activation.RELU, Activation.TANH), RandomNetworks.WeightScale.unit());
            FloatVec z = RandomNetworks.latent(arena, 6, 9, RandomNetworks.latentStd(6, 30, 70));
            FloatVec y = net.forward(z, arena);
            // An observed output exactly at 1: ℓ = ∞, which ε = 0 never multiplies (the noiseless case needs no ℓ).
            y.set(0, 1f);
            InversionResult rule = LayeredBasisPursuit.solve(net, y, null, byRule(0));
            InversionResult zero = LayeredBasisPursuit.solve(net, y, null, LayeredBasisPursuit.Options.defaults());
            assertEquals(0.0, stageLambda(rule, 3));
            assertEquals(0.0, stageLambda(rule, 2));
            assertArrayEquals(zero.z(), rule.z(), "same λ's, same deterministic solve");
            EpsilonRule.Sequence q = EpsilonRule.of(net, y, null, 0, rule.supports());
            assertArrayEquals(new double[] {0, 0}, q.lambdas());
            assertArrayEquals(new double[] {0, 0}, q.epsilons());
        }
    }

    @Test
    void badInputIsRefusedWithTheArgumentAndTheValues() {
        assertMessage(() -> Lambdas.epsilonRule(-1), "noiseLevel", ">= 0", "-1.0");
        assertMessage(() -> Lambdas.epsilonRule(Double.NaN), "noiseLevel", "NaN");
        assertMessage(() -> Lambdas.epsilonRule(Double.POSITIVE_INFINITY), "noiseLevel", "Infinity");
        // Explicit λ's and the ε-rule are two cases of one sealed type, so giving both or neither cannot be written.
        assertMessage(() -> LayeredBasisPursuit.Options.builder().lambdas(null).build(), "lambdas", "null");
        assertMessage(() -> Lambdas.explicit(1e-5, -1), "lambdas[1]", ">= 0", "-1.0");
        assertMessage(() -> Lambdas.uniform(Double.NaN), "lambda", "NaN");
        try (Arena arena = Arena.ofConfined()) {
            Network net = RandomNetworks.generator002(arena, 1, 10, 40, 60);
            FloatVec y = net.forward(RandomNetworks.latent(arena, 10, 2, 0.5 * RandomNetworks.latentStd(10, 40)), arena);
            y.set(17, -1f);
            assertMessage(() -> LayeredBasisPursuit.solve(net, y, null, byRule(1e-3)),
                    "options.noiseLevel = 0.001", "tanh", "element 17", "y = -1.0");
            assertMessage(() -> EpsilonRule.of(net, y, null, 1e-3, List.of(new int[0])), "noiseLevel = 0.001", "element 17");
            // Not saturated, but within ε of saturation: the clean output may be at the boundary.
            y.set(17, 0.995f);
            assertMessage(() -> LayeredBasisPursuit.solve(net, y, null, byRule(0.01)),
                    "options.noiseLevel = 0.01", "element 17", "y = 0.995");
            // Hidden by the mask, the same output is no obstacle.
            FloatVec mask = FloatVec.allocate(arena, 60);
            for (int i = 0; i < 60; i++) {
                mask.set(i, i == 17 ? 0f : 1f);
            }
            float[] u = y.toArray();
            double top = 0;
            for (int i = 0; i < 60; i++) {
                top = i == 17 ? top : Math.max(top, Math.abs(u[i]));
            }
            assertTrue(top + 0.01 < 1, "test premise: the other outputs are at least ε from ±1, max |y| = " + top);
            LayeredBasisPursuit.solve(net, y, mask, byRule(0.01));

            // A zero column of W_3 makes ε(x_2) = ∞, so λ for x_1 = 2ε(x_2) cannot be used.
            Network r = RandomNetworks.gaussian(arena, 3, new int[] {4, 12, 20, 30},
                    List.of(Activation.RELU, Activation.RELU, Activation.IDENTITY), RandomNetworks.WeightScale.unit());
            FloatMatrix w3 = FloatMatrix.allocate(arena, 30, 20);
            float[] src = r.dense(3).weight().toArray();
            for (int i = 0; i < 30; i++) {
                src[i * 20 + 5] = 0f;
            }
            w3.copyFrom(src);
            Network zeroColumn = Network.of(r.dense(1), r.dense(2), new DenseLayer(w3, null, Activation.IDENTITY));
            FloatVec yz = zeroColumn.forward(RandomNetworks.latent(arena, 4, 4, RandomNetworks.latentStd(4, 12, 20)), arena);
            assertMessage(() -> LayeredBasisPursuit.solve(zeroColumn, yz, null, byRule(1e-3)),
                    "options.noiseLevel = 0.001", "λ = 2ε(x_2) = ∞", "W_3");
        }
    }

    /**
     * Noisy recovery where the rule's job is visible: x = W_2 ReLU(W_1 z) (identity output, so ℓ = 1 and
     * λ = 2ε), 10 → 60 → 150, ‖e‖₂ = 1e-2·‖G(z)‖₂. With λ = 0 the last layer is plain least squares, whose
     * estimate of x_1 is non-zero at the noise level on every unit; the relative support threshold
     * (τ = 1e-3) does not remove it, so Ŝ_1 has 47-56 of the 60 units against 25-39 true ones (11-26
     * false), z is fitted on rows where x_1 is really 0, and its SNR is 3-12 dB. λ = 2ε soft-thresholds
     * that noise: 0-6 false units, and z gains 1.8-48 dB (measured on networks 1-20 with this exact
     * setup; the six here gain 5-47 dB, so the assertions do not hang on rounding). Also checked: Thm 2's
     * bound ‖x̂_1 − x_1‖₂ < ε(x_1) with |Ŝ_1| for s_1 — it held on all 20, loose by 18-24×, although
     * Thm 2's coherence condition s_1 &lt; 1/(3μ) fails for these matrices; the theorem's other
     * conclusion, Ŝ_1 ⊆ S_1, held on only 5 of 20, so it is not asserted.
     * Not a claim for every regime: below the noise that τ already filters (e.g. 3e-5·‖y‖ for tanh at
     * n_0 = 100, n_1 = 300, n = 625) λ = 0 finds the exact support, and the rule's shrinkage can make the
     * LASSO pick a wrong unit and lose accuracy.
     */
    @Test
    void epsilonRuleKeepsNoiseOutOfTheSupportThatLambdaZeroLetsIn() {
        try (Arena arena = Arena.ofConfined()) {
            for (long seed = 1; seed <= 6; seed++) {
                Network net = RandomNetworks.gaussian(arena, seed, new int[] {10, 60, 150},
                        List.of(Activation.RELU, Activation.IDENTITY), RandomNetworks.WeightScale.unit());
                Noisy s = noisy(arena, net, 100 + seed, RandomNetworks.latentStd(10, 60), 1e-2);
                InversionResult rule = LayeredBasisPursuit.solve(net, s.y(), null, byRule(s.eps()));
                InversionResult zero = LayeredBasisPursuit.solve(net, s.y(), null, LayeredBasisPursuit.Options.defaults());
                float[] z = s.z().toArray(), x1 = Generators.hiddenOf(net, s.z()).get(0);
                int[] truth = Supports.support(x1, 0);
                String where = "network " + seed + ": ";

                int falseRule = falseUnits(rule.supports().get(0), truth), falseZero = falseUnits(zero.supports().get(0), truth);
                assertTrue(falseRule < falseZero, where + "false support units, rule " + falseRule + " vs λ = 0 " + falseZero);
                double snrRule = ImageMetrics.snrDb(z, rule.z()), snrZero = ImageMetrics.snrDb(z, zero.z());
                assertTrue(snrRule > snrZero, where + "SNR of z, rule " + snrRule + " dB vs λ = 0 " + snrZero + " dB");

                double err = 0;
                float[] est = rule.layers().get(0);
                for (int i = 0; i < x1.length; i++) {
                    err += Math.pow(x1[i] - est[i], 2);
                }
                double bound = EpsilonRule.of(net, s.y(), null, s.eps(), rule.supports()).epsilons()[0];
                assertTrue(Math.sqrt(err) < bound, where + "Thm 2: ‖x̂_1 − x_1‖ = " + Math.sqrt(err) + " < ε_1 = " + bound);
                assertEquals(2 * s.eps(), stageLambda(rule, 2), 1e-15 * s.eps(), where + "identity output: ℓ = 1, λ = 2ε");
            }
        }
    }

    static int falseUnits(int[] found, int[] truth) {
        return (int) Arrays.stream(found).filter(i -> Arrays.binarySearch(truth, i) < 0).count();
    }

    @Test
    void cliNoiseLevelSetsTheLambdasAndIsExclusiveWithLambda(@TempDir Path dir) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            PursuitCliTest.files(dir, arena, 100);
            String model = dir.resolve("model.json").toString(), y0 = dir.resolve("y0.npy").toString();
            float[] y = Npy.read(dir.resolve("y0.npy"), arena).data().toArray();
            double eps = 1e-4, ell = 0;
            for (float v : y) {
                double m = Math.abs(v) + eps;
                assertTrue(m < 1, "test premise: |y| + ε < 1, got " + m);
                ell = Math.max(ell, 1 / (1 - m * m));
            }
            Path out = dir.resolve("rule");
            PursuitCliTest.Run r = PursuitCliTest.run("invert", "--model", model, "--observed", y0, "--method", "layered-bp",
                    "--noise-level", "1e-4", "--out", out.toString(), "--quiet");
            assertEquals(0, r.code(), r.err());
            Map<String, Object> json = JSON.std.mapFrom(Files.readString(out.resolve("result.json")));
            Map<?, ?> first = (Map<?, ?>) ((List<?>) json.get("results")).get(0);
            Map<?, ?> last = (Map<?, ?>) ((List<?>) first.get("stages")).get(0);
            assertEquals("lasso-last-layer", last.get("name"));
            assertClose(2 * ell * eps, ((Number) last.get("lambda")).doubleValue(), "result.json stage λ");
            Map<?, ?> rule = (Map<?, ?>) first.get("epsilon_rule");
            assertEquals(1e-4, ((Number) rule.get("noise_level")).doubleValue());
            assertClose(ell, ((Number) rule.get("ell")).doubleValue(), "result.json ℓ");
            assertClose(2 * ell * eps, ((Number) ((List<?>) rule.get("lambdas")).get(0)).doubleValue(), "result.json λ");
            assertTrue(((Number) ((List<?>) rule.get("epsilons")).get(0)).doubleValue() > 0);

            PursuitCliTest.Run both = PursuitCliTest.run("invert", "--model", model, "--observed", y0, "--method", "layered-bp",
                    "--noise-level", "1e-4", "--lambda", "1e-5", "--out", dir.resolve("x").toString());
            assertEquals(2, both.code());
            assertTrue(both.err().contains("--noise-level and --lambda are exclusive") && both.err().contains("1.0E-5"), both.err());
            PursuitCliTest.Run negative = PursuitCliTest.run("invert", "--model", model, "--observed", y0, "--method", "layered-bp",
                    "--noise-level", "-1", "--out", dir.resolve("x").toString());
            assertEquals(2, negative.code());
            assertTrue(negative.err().contains("--noise-level must be finite and >= 0, got -1.0"), negative.err());
            PursuitCliTest.Run other = PursuitCliTest.run("invert", "--model", model, "--observed", y0, "--method", "latent-pursuit",
                    "--noise-level", "1e-4", "--out", dir.resolve("x").toString());
            assertEquals(2, other.code());
            assertTrue(other.err().contains("--noise-level") && other.err().contains("latent-pursuit"), other.err());
            PursuitCliTest.Run saturated = PursuitCliTest.run("invert", "--model", model, "--observed", y0, "--method", "layered-bp",
                    "--noise-level", "0.5", "--out", dir.resolve("x").toString());
            assertEquals(2, saturated.code());
            assertTrue(saturated.err().contains("options.noiseLevel = 0.5") && saturated.err().contains("tanh"), saturated.err());
            PursuitCliTest.Run help = PursuitCliTest.run("invert", "--help");
            assertTrue(help.out().contains("--noise-level=EPS"), help.out());
        }
    }

    /** Layered-BP's defaults with the λ's by the ε-rule for noise ε. */
    static LayeredBasisPursuit.Options byRule(double noiseLevel) {
        return LayeredBasisPursuit.Options.builder().lambdas(Lambdas.epsilonRule(noiseLevel)).build();
    }
}
