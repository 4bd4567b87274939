package dev.netinvert.tests.solvers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Prox;
import dev.netinvert.solvers.IterationListener;
import dev.netinvert.solvers.experiments.ImageMetrics;
import dev.netinvert.solvers.experiments.Phantoms;
import dev.netinvert.solvers.lifted.LiftedCoordinateDescent;
import dev.netinvert.solvers.lifted.LiftedResult;
import dev.netinvert.solvers.lifted.PdhgTv;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.Observations;
import dev.netinvert.solvers.network.RandomNetworks;
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
            DenseLayer layer = net.layer(l);
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

    @Test
    void layersThatDoNotChainAreRejected() {
        try (Arena arena = Arena.ofShared(); Parallelism par = Parallelism.sequential()) {
            Network a = RandomNetworks.gaussian(arena, 1, new int[] {64, 30}, List.of(Activation.RELU),
                    RandomNetworks.WeightScale.unit());
            Network b = RandomNetworks.gaussian(arena, 2, new int[] {20, 10}, List.of(Activation.RELU),
                    RandomNetworks.WeightScale.unit());
            FloatVec y = FloatVec.allocate(arena, 10);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LiftedCoordinateDescent.solve(List.of(a.layer(1), b.layer(1)), y, 1, 8, 8,
                            LiftedCoordinateDescent.Options.builder(1e-3).build(), par, IterationListener.NONE));
            assertTrue(e.getMessage().contains("layer 2") && e.getMessage().contains("30"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> LiftedCoordinateDescent.Options.builder(1e-3).innerIterations(0).build());
        }
    }
}
