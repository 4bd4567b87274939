package dev.netinvert.tests.solvers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Prox;
import dev.netinvert.solvers.IterationListener;
import dev.netinvert.solvers.StepRules;
import dev.netinvert.solvers.experiments.ImageMetrics;
import dev.netinvert.solvers.experiments.Phantoms;
import dev.netinvert.solvers.lifted.LiftedCoordinateDescent;
import dev.netinvert.solvers.lifted.LiftedResult;
import dev.netinvert.solvers.lifted.PdhgTv;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.Observations;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.parallel.BlockedBregmanGradient;
import dev.netinvert.solvers.parallel.Parallelism;
import java.lang.foreign.Arena;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Multi-layer inversion by coordinate descent, eqs. (15)-(17) [000], on a random 2-layer ReLU network. */
class LiftedCoordinateDescentTest {

    static final int H = 16, W = 16;
    static final double ALPHA = 1e-3;

    @Test
    void recoversTheImageAndBeatsTheGroundTruthsLiftedObjective() {
        try (Arena arena = Arena.ofShared(); Parallelism par = Parallelism.sequential()) {
            float[] truth = Phantoms.disc(H, W, 7.5, 7.5, 5.2);
            // Widths 256 → 512 → 1024 keep both layers' singular values within ~[0.4, 2.4] (fan-in scaling),
            // so the lifted problem is well enough conditioned to converge in 1500 outer iterations.
            Network net = RandomNetworks.gaussianWithBias(arena, 11, new int[] {H * W, 512, 1024},
                    List.of(Activation.RELU, Activation.RELU), RandomNetworks.WeightScale.fanIn(), 0.05);
            FloatVec x = FloatVec.of(arena, truth);
            FloatVec y = Observations.noisy(net, x, new Observations.Noise.Gaussian(0.01), 12, true, arena);
            LiftedCoordinateDescent.Options o = LiftedCoordinateDescent.Options.builder(ALPHA)
                    .innerIterations(5).maxOuterIterations(1500).build();
            LiftedResult r = LiftedCoordinateDescent.solve(net.layers(), y, 1, H, W, o, par, IterationListener.NONE);

            double truthObjective = liftedObjectiveAt(net, x, y, arena);
            assertTrue(r.objective() < truthObjective,
                    () -> "lifted objective " + r.objective() + " should fall below the ground truth's " + truthObjective);
            double rel = ImageMetrics.relativeError(r.x(), truth);
            assertTrue(rel <= 0.2, () -> "relative error " + rel + " after " + r.iterations() + " outer iterations ("
                    + r.stopReason() + ")");
            assertEquals(1, r.hidden().size());
            assertEquals(512, r.hidden().get(0).length);
            assertEquals(2, r.layerResiduals().length);
        }
    }

    /** Σ_l B_Ψl(x_l, W_l x_{l−1} + b_l) + α·TV(x₀) at x₀ = truth with x_l its forward pass and x_L = y^δ. */
    static double liftedObjectiveAt(Network net, FloatVec x0, FloatVec y, Arena arena) {
        double sum = ALPHA * ImageMetrics.isotropicTv(x0.toArray(), H, W);
        FloatVec in = x0;
        for (int l = 1; l <= net.depth(); l++) {
            DenseLayer layer = net.dense(l);
            FloatVec pre = FloatVec.allocate(arena, layer.outputs());
            Blas.gemv(1f, layer.weight(), in, 0f, pre, layer.bias());
            FloatVec out = l == net.depth() ? y : FloatVec.allocate(arena, layer.outputs());
            if (l < net.depth()) {
                Prox.apply(layer.activation(), pre, out);
            }
            sum += Prox.bregmanLoss(layer.activation(), out, pre);
            in = out;
        }
        return sum;
    }

    /**
     * The stored hidden iterate is bit for bit the prox output of eq. (17) [000]: one outer iteration redone
     * here with the same kernels, from the same start (x₀ = 0, x₁ its forward pass) and with the x₀ the solver
     * reports. Reading the change ‖x⁺ − x‖² by u −= x, ‖u‖², u += x moved the stored iterate off that output
     * by rounding in the last bit of some entries.
     */
    @Test
    void theHiddenIterateIsExactlyTheProxOutput() {
        try (Arena arena = Arena.ofShared(); Parallelism par = Parallelism.sequential()) {
            Network net = RandomNetworks.gaussianWithBias(arena, 21, new int[] {64, 100, 80},
                    List.of(Activation.RELU, Activation.RELU), RandomNetworks.WeightScale.fanIn(), 0.05);
            FloatVec y = Observations.realizable(net, FloatVec.of(arena, Phantoms.disc(8, 8, 3.5, 3.5, 2.6)), arena);
            LiftedCoordinateDescent.Options o = LiftedCoordinateDescent.Options.builder(ALPHA)
                    .innerIterations(3).maxOuterIterations(1).build();
            LiftedResult r = LiftedCoordinateDescent.solve(net.layers(), y, 1, 8, 8, o, par, IterationListener.NONE);
            assertEquals(1, r.iterations());

            DenseLayer l1 = net.dense(1), l2 = net.dense(2);
            FloatVec x1 = FloatVec.allocate(arena, 100), pre = FloatVec.allocate(arena, 100);
            Blas.gemv(1f, l1.weight(), FloatVec.allocate(arena, 64), 0f, pre, l1.bias());
            Prox.apply(l1.activation(), pre, x1); // the start, x₁ = σ(W₁·0 + b₁)
            FloatVec grad = FloatVec.allocate(arena, 100), preNext = FloatVec.allocate(arena, 80);
            new BlockedBregmanGradient(arena, l2.activation(), l2.weight(), l2.bias(), par).compute(x1, y, preNext, grad);
            Blas.gemv(1f, l1.weight(), FloatVec.of(arena, r.x()), 0f, pre, l1.bias());
            float tau = (float) StepRules.gradient(l2.operatorNorm().value());
            FloatVec u = FloatVec.allocate(arena, 100);
            Blas.copy(x1, u);
            Blas.axpy(-tau, grad, u);
            Blas.axpy(tau, pre, u);
            Blas.scale(1f / (1f + tau), u);
            Prox.prox(l1.activation(), tau / (1f + tau), u, u);

            float[] expected = u.toArray(), got = r.hidden().get(0);
            int positive = 0;
            for (int i = 0; i < expected.length; i++) {
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(got[i]),
                        "x_1[" + i + "]: prox output " + expected[i] + ", stored " + got[i]);
                positive += expected[i] > 0 ? 1 : 0;
            }
            assertTrue(positive > 20, "enough active entries for rounding to show: " + positive);
        }
    }

    @Test
    void layersThatDoNotChainAreRejected() {
        try (Arena arena = Arena.ofShared(); Parallelism par = Parallelism.sequential()) {
            Network a = RandomNetworks.gaussian(arena, 1, new int[] {64, 30}, List.of(Activation.RELU),
                    RandomNetworks.WeightScale.unit());
            Network b = RandomNetworks.gaussian(arena, 2, new int[] {20, 10}, List.of(Activation.RELU),
                    RandomNetworks.WeightScale.unit());
            FloatVec y = FloatVec.allocate(arena, 10);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LiftedCoordinateDescent.solve(List.of(a.dense(1), b.dense(1)), y, 1, 8, 8,
                            LiftedCoordinateDescent.Options.builder(1e-3).build(), par, IterationListener.NONE));
            assertTrue(e.getMessage().contains("layer 2") && e.getMessage().contains("30"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> LiftedCoordinateDescent.Options.builder(1e-3).innerIterations(0).build());
        }
    }
}
