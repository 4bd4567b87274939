package dev.netinvert.tests.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.ConvShape;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Image;
import dev.netinvert.kernels.Prox;
import dev.netinvert.kernels.TotalVariation;
import dev.netinvert.solvers.IterationListener;
import dev.netinvert.solvers.StepSize;
import dev.netinvert.solvers.experiments.Phantoms;
import dev.netinvert.solvers.lifted.LiftedCoordinateDescent;
import dev.netinvert.solvers.lifted.LiftedResult;
import dev.netinvert.solvers.network.ConvLayer;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.SeededGaussian;
import dev.netinvert.solvers.parallel.Parallelism;
import dev.netinvert.solvers.pursuit.GradientDescent;
import dev.netinvert.solvers.pursuit.InversionResult;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/**
 * Issue 14's "done" case, [000] sec. 5.2 at small scale: the encoder of a random convolutional autoencoder — two 4×4
 * stride-2 convolutions 1 → 8 → 16 channels with ReLU, then a dense layer to the code — inverted from a noisy code by
 * the lifted coordinate descent with TV (eqs. (15)-(17) [000] with A, Aᵀ), and by gradient descent.
 */
class ConvAutoencoderInversionTest {
    static final int SIDE = 16, CODE = 64;
    static final double ALPHA = 2e-2, NOISE = 0.05;

    static Network encoder(Arena arena) {
        ConvShape c1 = new ConvShape(1, SIDE, SIDE, 8, 4, 2, 1), c2 = new ConvShape(8, SIDE / 2, SIDE / 2, 16, 4, 2, 1);
        // fan-in scaling, so every layer keeps the signal's size (He for the ReLU layers)
        return Network.of(
                new ConvLayer(c1, ConvNetworkTest.gaussian(arena, c1.weightLength(), 1, Math.sqrt(2.0 / 16)),
                        ConvNetworkTest.gaussian(arena, 8, 2, 0.01), Activation.RELU),
                new ConvLayer(c2, ConvNetworkTest.gaussian(arena, c2.weightLength(), 3, Math.sqrt(2.0 / 128)),
                        ConvNetworkTest.gaussian(arena, 16, 4, 0.01), Activation.RELU),
                new DenseLayer(ConvNetworkTest.matrix(arena, CODE, c2.outputs(), 5, Math.sqrt(1.0 / c2.outputs())), null,
                        Activation.IDENTITY));
    }

    @Test
    void liftedCoordinateDescentWithTvEndsBelowTheGroundTruthsObjective() {
        try (Arena arena = Arena.ofShared()) {
            Network enc = encoder(arena);
            FloatVec xTrue = FloatVec.of(arena, Phantoms.disc(SIDE, SIDE, 7.5, 7.5, 5.0));
            FloatVec y = enc.forward(xTrue, arena);
            double signal = Math.sqrt(ConvNetworkTest.dot(y, y));
            SeededGaussian noise = new SeededGaussian(9);
            for (int i = 0; i < y.length(); i++) {
                y.set(i, (float) (y.get(i) + NOISE * signal / Math.sqrt(CODE) * noise.nextGaussian()));
            }
            LiftedResult r = LiftedCoordinateDescent.solve(enc.layers(), y, 1, SIDE, SIDE,
                    LiftedCoordinateDescent.Options.builder(ALPHA).maxOuterIterations(1000).build(),
                    Parallelism.sequential(), IterationListener.NONE);
            // The lifted objective at the ground truth (x₀ = x, x_l its forward pass): the hidden Bregman terms vanish,
            // leaving the last layer's misfit to the noisy code and α·TV(x).
            FloatVec u = enc.forward(xTrue, arena); // identity last layer: u = W x₂ + b
            double truth = Prox.bregmanLoss(Activation.IDENTITY, y, u)
                    + ALPHA * TotalVariation.isotropic(Image.of(xTrue, SIDE, SIDE));
            assertTrue(r.objective() < truth, "lifted objective " + r.objective() + " ≥ the ground truth's " + truth);
            assertTrue(r.objective() < r.history().objective()[0], "the objective decreased");
            // and the image is a reconstruction, not just a low objective: closer to x than the zero start
            double err = 0, ref = 0;
            for (int i = 0; i < xTrue.length(); i++) {
                err += Math.pow(r.x()[i] - xTrue.get(i), 2);
                ref += Math.pow(xTrue.get(i), 2);
            }
            assertTrue(Math.sqrt(err / ref) < 0.9, "relative error " + Math.sqrt(err / ref));
        }
    }

    @Test
    void gradientDescentInvertsTheSameEncoder() {
        try (Arena arena = Arena.ofShared()) {
            Network enc = encoder(arena);
            FloatVec y = enc.forward(FloatVec.of(arena, Phantoms.disc(SIDE, SIDE, 7.5, 7.5, 5.0)), arena);
            InversionResult r = GradientDescent.solve(enc, y, null, GradientDescent.Options.builder()
                    .step(StepSize.fixed(0.05)).maxIterations(3000).initStd(0.1).build());
            double norm = Math.sqrt(ConvNetworkTest.dot(y, y));
            assertTrue(r.residual() < 1e-2 * norm, "‖E(x) − y‖ = " + r.residual() + " against ‖y‖ = " + norm);
            assertEquals(SIDE * SIDE, r.z().length);
        }
    }
}
