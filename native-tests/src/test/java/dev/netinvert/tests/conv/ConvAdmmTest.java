package dev.netinvert.tests.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.ConvShape;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.PoolShape;
import dev.netinvert.solvers.admm.Admm;
import dev.netinvert.solvers.admm.AdmmResult;
import dev.netinvert.solvers.admm.InversionLoss;
import dev.netinvert.solvers.admm.OutputLoss;
import dev.netinvert.solvers.linalg.ConjugateGradient;
import dev.netinvert.solvers.linalg.ConvGramFft;
import dev.netinvert.solvers.linalg.LinearOperator;
import dev.netinvert.solvers.network.ConvLayer;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.PoolLayer;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/**
 * ADMM [004] on convolutional layers: the z-updates (μI + AᵀA)⁻¹ by conjugate gradients on the operator, preconditioned
 * by the FFT solve of the circular convolution ([004]'s "element-wise multiplication in the FFT space") for stride 1.
 */
class ConvAdmmTest {

    /** A stride-1 conv MLP: 1×10×10 → conv 3×3 (1→4) ReLU → conv 3×3 (4→3) ReLU → dense 300→40. */
    static Network convMlp(Arena arena) {
        ConvShape c1 = new ConvShape(1, 10, 10, 4, 3, 1, 1), c2 = new ConvShape(4, 10, 10, 3, 3, 1, 1);
        return Network.of(
                new ConvLayer(c1, ConvNetworkTest.gaussian(arena, c1.weightLength(), 1, 0.4),
                        ConvNetworkTest.gaussian(arena, 4, 2, 0.05), Activation.RELU),
                new ConvLayer(c2, ConvNetworkTest.gaussian(arena, c2.weightLength(), 3, 0.25),
                        ConvNetworkTest.gaussian(arena, 3, 4, 0.05), Activation.RELU),
                new DenseLayer(ConvNetworkTest.matrix(arena, 40, 300, 5, 0.06), null, Activation.IDENTITY));
    }

    @Test
    void admmInvertsAStrideOneConvNetworkThroughTheFftPathAsOnItsMatrices() {
        try (Arena arena = Arena.ofConfined()) {
            Network net = convMlp(arena);
            Network twin = ConvNetworkTest.denseTwin(net, arena);
            FloatVec y = net.forward(ConvNetworkTest.gaussian(arena, 100, 6, 1), arena);
            InversionLoss loss = InversionLoss.of(new OutputLoss.SquaredError(y, null), 1e-3, null);
            Admm.Options o = Admm.Options.builder().rho(1).maxIterations(150).absoluteTol(0).relativeTol(0)
                    .innerTolerance(1e-7).build();
            AdmmResult a = Admm.solve(net, loss, null, o);
            AdmmResult b = Admm.solve(twin, loss, null, o);
            assertTrue(a.layerUpdates().get(0).contains("preconditioned by the FFT"), a.layerUpdates().toString());
            assertTrue(a.layerUpdates().get(1).contains("preconditioned by the FFT"), a.layerUpdates().toString());
            assertEquals(a.iterations(), b.iterations());
            ConvNetworkTest.assertArrayClose(b.x(), a.x(), 1e-3, "ADMM, conv layers vs their matrices");
            assertEquals(b.objective(), a.objective(), 1e-3 * b.objective(), "objective");
            // it inverts: the output misfit falls far below the start's (x = 0)
            assertTrue(a.objective() < 1e-2 * a.history().objective()[0],
                    "objective " + a.objective() + " from " + a.history().objective()[0]);
        }
    }

    @Test
    void theFftPreconditionerCutsTheConjugateGradientIterations() {
        try (Arena arena = Arena.ofConfined()) {
            ConvShape s = new ConvShape(4, 12, 12, 6, 3, 1, 1);
            ConvLayer layer = new ConvLayer(s, ConvNetworkTest.gaussian(arena, s.weightLength(), 8, 0.5), null,
                    Activation.IDENTITY);
            LinearOperator a = new LinearOperator() {
                public int inputs() { return s.inputs(); }
                public int outputs() { return s.outputs(); }
                public void apply(FloatVec x, FloatVec y) { layer.apply(x, y, null); }
                public void applyAdjoint(FloatVec y, FloatVec x) { layer.adjoint(y, x, null); }
            };
            double mu = 0.05;
            ConvGramFft fft = ConvGramFft.zeroPadded(layer.weight(), 6, 4, 3, 12, 12, 1, mu);
            FloatVec dIn = FloatVec.allocate(arena, fft.domainLength()), dOut = FloatVec.allocate(arena, fft.domainLength());
            ConjugateGradient.Preconditioner m = (r, out) -> {
                fft.embed(r, dIn);
                fft.solve(dIn, dOut);
                fft.restrict(dOut, out);
            };
            ConjugateGradient.Options opts = new ConjugateGradient.Options(1e-6, 1000);
            ConjugateGradient plain = new ConjugateGradient(a, mu, opts, arena);
            ConjugateGradient pre = new ConjugateGradient(a, mu, opts, m, arena);
            FloatVec r = ConvNetworkTest.gaussian(arena, s.inputs(), 9, 1);
            FloatVec x1 = FloatVec.allocate(arena, s.inputs()), x2 = FloatVec.allocate(arena, s.inputs());
            int k1 = plain.solve(r, x1), k2 = pre.solve(r, x2);
            assertTrue(plain.lastConverged() && pre.lastConverged());
            assertTrue(pre.lastRelativeResidual() < 1e-5, "true residual " + pre.lastRelativeResidual());
            assertTrue(2 * k2 <= k1, "preconditioned " + k2 + " iterations, plain " + k1);
            double d = 0, n = 0;
            for (int i = 0; i < x1.length(); i++) {
                d += Math.pow(x1.get(i) - x2.get(i), 2);
                n += Math.pow(x1.get(i), 2);
            }
            assertTrue(Math.sqrt(d / n) < 1e-4, "the two solutions differ by " + Math.sqrt(d / n));
        }
    }

    @Test
    void admmRefusesWhatItCannotSolve() {
        try (Arena arena = Arena.ofConfined()) {
            Network pooled = Network.of(
                    new ConvLayer(new ConvShape(1, 8, 8, 2, 3, 1, 1), ConvNetworkTest.gaussian(arena, 18, 1, 1), null,
                            Activation.RELU),
                    new PoolLayer(PoolLayer.Kind.MAX, new PoolShape(2, 8, 8, 2, 2, 0), Activation.IDENTITY));
            InversionLoss loss = InversionLoss.of(new OutputLoss.SquaredError(FloatVec.allocate(arena, 32), null), 0, null);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Admm.solve(pooled, loss, null, Admm.Options.defaults()));
            assertTrue(e.getMessage().contains("layer 2") && e.getMessage().contains("max_pool2d"), e.getMessage());
            // a box on a convolutional first layer is solved (LenetAdmmTest), one on a max-pooling first layer refused there
        }
    }
}
