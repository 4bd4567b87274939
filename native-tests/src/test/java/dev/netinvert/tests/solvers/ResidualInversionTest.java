package dev.netinvert.tests.solvers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.experiments.ResNetExperiment;
import dev.netinvert.solvers.io.FileFormatException;
import dev.netinvert.solvers.io.LoadOptions;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.lifted.ResidualInversion;
import dev.netinvert.solvers.lifted.ResidualNetwork;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks.WeightScale;
import dev.netinvert.solvers.network.RandomNetworks;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lifted inversion of tied-weight residual networks ([001], Part II). */
class ResidualInversionTest {

    /** 6 blocks on ℝ³, widths 2…7, tanh: a vector case the slides do not show. */
    private static ResidualNetwork random(long seed, Activation sigma) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int l = 6, n = 3;
        double[][][] w = new double[l][][];
        double[][] b = new double[l][];
        for (int k = 0; k < l; k++) {
            int h = 2 + k;
            w[k] = new double[h][n];
            b[k] = new double[h];
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < n; j++) {
                    w[k][i][j] = rnd.nextGaussian() * 0.4;
                }
                b[k][i] = rnd.nextGaussian() * 0.3;
            }
        }
        return new ResidualNetwork(w, b, sigma);
    }

    /**
     * The forward map and its lifted constraint agree: M u = Wᵀ prox(W u + b) holds for a forward pass, to the
     * rounding of recomputing (u^{k−1} + s) − u^{k−1} − s (a few ulp of states of order 1: 1e-14), while a
     * state moved by 1e-3 violates it by 1e-3.
     */
    @Test
    void theForwardPassSatisfiesTheLiftedConstraint() {
        for (Activation sigma : new Activation[] {Activation.RELU, Activation.TANH, Activation.SIGMOID}) {
            ResidualNetwork net = random(3, sigma);
            ResidualNetwork.Pass p = net.pass(new double[] {0.4, -1.1, 0.7});
            assertEquals(0, net.liftedResidual(p.states(), p.codes()), 1e-14, sigma.name());
            double[] out = net.apply(new double[] {0.4, -1.1, 0.7});
            for (int j = 0; j < 3; j++) {
                assertEquals(out[j], p.states()[net.blocks()][j]);
            }
            double[][] moved = p.states().clone();
            moved[2] = moved[2].clone();
            moved[2][1] += 1e-3;
            assertTrue(net.liftedResidual(moved, p.codes()) > 1e-3, "a moved state violates the constraint");
        }
    }

    /**
     * PALM with steps 1/(γL) from the operator norms: the energy never rises (beyond the rounding of its
     * evaluation), on the trained slides' network and on a random vector network.
     */
    @Test
    void theEnergyDecreasesMonotonically() {
        ResidualNetwork trained = ResNetExperiment.train(4, 300, 1).network();
        ResidualInversion.Result r1 = ResidualInversion.solve(trained, new double[] {0.9},
                new ResidualInversion.Options(1, 10, 1e-3, 3000, 0));
        ResidualInversion.Result r2 = ResidualInversion.solve(random(5, Activation.TANH), new double[] {0.2, 0.1, -0.3},
                new ResidualInversion.Options(1, 10, 1e-3, 3000, 0));
        for (ResidualInversion.Result r : new ResidualInversion.Result[] {r1, r2}) {
            double[] e = r.energies();
            double slack = 1e-14 * Math.max(1, e[0]);
            for (int k = 1; k < e.length; k++) {
                assertTrue(e[k] <= e[k - 1] + slack, "energy rose at iteration " + k + ": " + e[k - 1] + " -> " + e[k]);
            }
            assertTrue(e[e.length - 1] < e[0], "the energy fell");
        }
    }

    /**
     * Noiseless data, α → 0: the recovered u^0 reproduces f through N, and the penalised constraint is met to
     * O(1/ρ): a larger ρ gives a smaller constraint residual.
     */
    @Test
    void noiselessInversionReproducesTheData() {
        ResidualNetwork net = random(7, Activation.TANH);
        double[] uStar = {0.3, -0.5, 0.8};
        double[] f = net.apply(uStar);
        double previous = Double.POSITIVE_INFINITY;
        for (double rho : new double[] {1, 10, 100}) {
            ResidualInversion.Result r = ResidualInversion.solve(net, f, new ResidualInversion.Options(1, rho, 1e-8, 2_000_000, 1e-13));
            assertEquals(StopReason.TOLERANCE, r.stopReason(), "rho " + rho);
            assertTrue(r.misfit() < 1e-4 * Math.sqrt(f[0] * f[0] + f[1] * f[1] + f[2] * f[2]), "rho " + rho + ": misfit " + r.misfit());
            for (int j = 0; j < 3; j++) {
                assertEquals(uStar[j], r.u0()[j], 1e-3, "rho " + rho + ", u0[" + j + "]");
            }
            assertTrue(r.constraint() < previous, "constraint residual falls with rho: " + r.constraint() + " after " + previous);
            previous = r.constraint();
        }
    }

    /**
     * Residual blocks as a layer kind of model files: a save/load round trip returns the network to float
     * precision (the format's: outputs agree to 1e-6 relative), the dense loader refuses a residual model and the
     * residual loader a dense one, each naming the layer, and an unknown kind is refused.
     */
    @Test
    void residualBlocksRoundTripThroughModelFiles(@TempDir Path dir) throws Exception {
        ResidualNetwork net = random(9, Activation.TANH);
        Path json = dir.resolve("res.json");
        ModelFiles.saveResidual(net, json, "res.safetensors");
        ResidualNetwork back = ModelFiles.loadResidual(json, LoadOptions.STRICT);
        assertEquals(net.blocks(), back.blocks());
        double[] u = {0.2, -0.7, 1.1};
        double[] a = net.apply(u), b = back.apply(u);
        for (int j = 0; j < 3; j++) {
            assertEquals(a[j], b[j], 1e-6 * (1 + Math.abs(a[j])));
        }
        try (Arena arena = Arena.ofConfined()) {
            var e = assertThrows(FileFormatException.class, () -> ModelFiles.load(json, arena));
            assertTrue(e.getMessage().contains("layers[0]") && e.getMessage().contains("loadResidual"), e.getMessage());
            Network dense = RandomNetworks.gaussian(arena, 1, new int[] {3, 4},
                    List.of(Activation.RELU), WeightScale.unit());
            Path dj = dir.resolve("dense.json");
            ModelFiles.save(dense, dj, "dense.safetensors");
            var e2 = assertThrows(FileFormatException.class,
                    () -> ModelFiles.loadResidual(dj, LoadOptions.STRICT));
            assertTrue(e2.getMessage().contains("\"kind\": \"residual\""), e2.getMessage());
            Path bad = dir.resolve("bad.json");
            Files.writeString(bad, Files.readString(json).replaceFirst("\"residual\"", "\"recurrent\""));
            var e3 = assertThrows(FileFormatException.class,
                    () -> ModelFiles.loadResidual(bad, LoadOptions.STRICT));
            assertTrue(e3.getMessage().contains("recurrent"), e3.getMessage());
        }
    }

    @Test
    void badInputGetsAClearError() {
        ResidualNetwork net = random(1, Activation.RELU);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ResidualInversion.solve(net, new double[2],
                ResidualInversion.Options.defaults())).getMessage().contains("expected 3"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ResidualInversion.solve(net, new double[] {0, Double.NaN, 0},
                ResidualInversion.Options.defaults())).getMessage().contains("finite"));
        assertThrows(IllegalArgumentException.class, () -> new ResidualInversion.Options(1, 0, 0, 10, 0));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ResidualNetwork(new double[][][] {{{1, 2}}, {{1}}},
                new double[][] {{0}, {0}}, Activation.RELU)).getMessage().contains("block 2"));
    }
}
