package dev.netinvert.tests.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.PoolShape;
import dev.netinvert.solvers.admm.Admm;
import dev.netinvert.solvers.admm.AdmmResult;
import dev.netinvert.solvers.admm.Box;
import dev.netinvert.solvers.admm.GradientBaseline;
import dev.netinvert.solvers.admm.InversionLoss;
import dev.netinvert.solvers.admm.OutputLoss;
import dev.netinvert.solvers.network.ConvLayer;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.PoolLayer;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.train.Trainer;
import java.lang.foreign.Arena;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * ADMM [004] on a LeNet-shaped classifier (conv, average pooling, conv, average pooling, three dense layers), scaled down
 * to 1×12×12 so the tests need no data set: the cross-entropy inversions of [004] sec. 3 (Fig. 2), with the box on
 * the input of a convolutional first layer solved by FISTA on the operator ({@code OperatorBoxQp}).
 */
class LenetAdmmTest {

    /**
     * 1×12×12 → conv 5×5 p2 (1→3) ReLU → avg-pool 2 → conv 5×5 (3→4) ReLU → avg-pool 2 → 4 → 8 → 6 → 4 classes, trained
     * (Adam, lr 0.01, batch 32, 30 epochs, softmax cross-entropy) on 256 synthetic images of class c: a bright 2-row bar
     * at rows 3c, 3c + 1 over noise; the training loss falls from 1.37 to ≈ 2e-5, so the classes are confident.
     */
    static Network trainedTiny(Arena arena) {
        Network net = RandomNetworks.lenet(arena, 1, 12, 3, 4, 8, 6, 4);
        int n = 256;
        FloatMatrix xs = FloatMatrix.allocate(arena, n, 144);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 4;
            Blas.copy(bars(arena, i % 4, 1000 + i), xs.row(i));
        }
        double[] loss = new Trainer(net, Trainer.Options.builder().loss(Trainer.Loss.SOFTMAX_CROSS_ENTROPY).learningRate(1e-2)
                .batchSize(32).epochs(30).seed(1).build(), arena).fit(xs, labels, null);
        assertTrue(loss[29] < 1e-2 * loss[0], "the tiny LeNet trains: " + Arrays.toString(loss));
        return net;
    }

    /** Class c: N(0, 0.1²) noise + 0.1, plus 0.8 on rows 3c and 3c + 1, columns 2-9; clamped to [0, 1]. */
    static FloatVec bars(Arena arena, int c, long seed) {
        FloatVec x = ConvNetworkTest.gaussian(arena, 144, seed, 0.1);
        for (int r = 3 * c; r < 3 * c + 2; r++) {
            for (int col = 2; col < 10; col++) {
                x.set(r * 12 + col, x.get(r * 12 + col) + 0.8f);
            }
        }
        for (int i = 0; i < 144; i++) {
            x.set(i, Math.clamp(x.get(i) + 0.1f, 0f, 1f));
        }
        return x;
    }

    static int argmax(float[] y) {
        int b = 0;
        for (int j = 1; j < y.length; j++) {
            if (y[j] > y[b]) {
                b = j;
            }
        }
        return b;
    }

    static int argmin(float[] y) {
        int b = 0;
        for (int j = 1; j < y.length; j++) {
            if (y[j] < y[b]) {
                b = j;
            }
        }
        return b;
    }

    @Test
    void theFactoryBuildsLenetFiveWithAveragePooling() {
        try (Arena arena = Arena.ofConfined()) {
            Network net = RandomNetworks.lenet5(arena, 1);
            assertEquals(7, net.depth());
            int[] widths = {784, 6 * 28 * 28, 6 * 14 * 14, 16 * 10 * 10, 16 * 5 * 5, 120, 84, 10};
            for (int l = 0; l <= 7; l++) {
                assertEquals(widths[l], net.width(l), "width " + l);
            }
            assertTrue(net.layer(1) instanceof ConvLayer c && c.shape().padding() == 2 && c.shape().kernel() == 5);
            assertTrue(net.layer(2) instanceof PoolLayer p && p.poolKind() == PoolLayer.Kind.AVERAGE);
            assertTrue(net.layer(4) instanceof PoolLayer p && p.poolKind() == PoolLayer.Kind.AVERAGE);
            assertTrue(net.layer(7) instanceof DenseLayer d && d.activation() == Activation.IDENTITY);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> RandomNetworks.lenet(arena, 1, 14, 2, 2, 2, 2, 2));
            assertTrue(e.getMessage().contains("multiple of 4") && e.getMessage().contains("14"), e.getMessage());
        }
    }

    /**
     * Fig. 2 left/right [004] on the trained tiny LeNet, one image of each class, towards the least likely class, 100
     * iterations each, ρ = 0.01, steps 0.01 (the paper's). Measured (AVX-512): xent-l2 (λ = 0.01) ADMM ends at 0.026,
     * 1.21, 0.057, 0.066 (target reached on 3 of 4) against Adam's 0.044, 0.038, 0.12, 0.044 (ADMM lower on 2 of 4);
     * xent-box (r = 0.3) ADMM ends at 6.0e-5, 3.6e-4, 15.0, 0.21 (3 of 4 reached) against projected gradient's 0.025,
     * 0.021, 17.2, 9.7 and projected Adam's 0.0024, 0.0025, 17.1, 10.2 (both reach 2 of 4): ADMM lowest on all four.
     */
    @Test
    void admmInvertsTheTrainedTinyLenetTowardsTheLeastLikelyClass() {
        try (Arena arena = Arena.ofConfined()) {
            Network net = trainedTiny(arena);
            Admm.Options admm = Admm.Options.builder().rho(0.01).maxIterations(100).absoluteTol(0).relativeTol(0)
                    .innerTolerance(1e-4).boxMaxIterations(50).build();
            GradientBaseline.Options adam = GradientBaseline.Options.builder().step(0.01).maxIterations(100).tolerance(0).build();
            int l2Hits = 0, l2Wins = 0, boxHits = 0, boxWinsPgd = 0, boxWinsAdam = 0;
            for (int c = 0; c < 4; c++) {
                FloatVec x0 = bars(arena, c, 5000 + c);
                float[] y0 = net.forward(x0, arena).toArray();
                assertEquals(c, argmax(y0), "the trained net classifies image " + c);
                int target = argmin(y0);
                OutputLoss xent = new OutputLoss.CrossEntropy(target);

                InversionLoss l2 = InversionLoss.of(xent, 0.01, x0);
                AdmmResult a = Admm.solve(net, l2, x0, admm);
                AdmmResult g = GradientBaseline.solve(net, l2, x0, adam);
                assertTrue(a.objective() < 0.1 * a.history().objective()[0], "l2 image " + c + ": ADMM from "
                        + a.history().objective()[0] + " to " + a.objective());
                l2Hits += argmax(a.output()) == target ? 1 : 0;
                l2Wins += a.objective() < g.objective() ? 1 : 0;

                Box box = Box.around(arena, x0, 0.3, 0, 1);
                InversionLoss boxed = InversionLoss.of(xent, 0, null).within(box);
                AdmmResult b = Admm.solve(net, boxed, x0, admm);
                AdmmResult p = GradientBaseline.solve(net, boxed, x0, adam.toBuilder().method(GradientBaseline.Method.PGD).build());
                AdmmResult q = GradientBaseline.solve(net, boxed, x0, adam);
                assertTrue(box.contains(FloatVec.of(arena, b.x())), "box image " + c + ": ADMM's x lies in [x0 - 0.3, x0 + 0.3] "
                        + "and [0, 1]");
                assertTrue(b.objective() < b.history().objective()[0], "box image " + c);
                boxHits += argmax(b.output()) == target ? 1 : 0;
                boxWinsPgd += b.objective() < p.objective() ? 1 : 0;
                boxWinsAdam += b.objective() < q.objective() ? 1 : 0;
            }
            assertTrue(l2Hits >= 3, "xent-l2: ADMM reached the target on " + l2Hits + " of 4");
            assertTrue(l2Wins >= 2, "xent-l2: ADMM below Adam at 100 iterations on " + l2Wins + " of 4");
            assertTrue(boxHits >= 3, "xent-box: ADMM reached the target on " + boxHits + " of 4");
            assertEquals(4, boxWinsPgd, "xent-box: ADMM below projected gradient on every image");
            assertTrue(boxWinsAdam >= 3, "xent-box: ADMM below projected Adam on " + boxWinsAdam + " of 4");
        }
    }

    /**
     * The box QP of a convolutional first layer (FISTA on the operator) against the dense twin's (projected Newton on
     * the explicit matrix): the same ADMM iterates after 30 iterations on three random tiny LeNets (measured max |Δx| of
     * 3.9e-6, 3.2e-6, 1.9e-6 with a 1e-7 FISTA tolerance), and the box holds exactly.
     */
    @Test
    void theBoxOnAConvolutionalFirstLayerHoldsExactlyAndMatchesTheDenseTwin() {
        try (Arena arena = Arena.ofConfined()) {
            for (long s = 1; s <= 3; s++) {
                Network net = RandomNetworks.lenet(arena, s, 12, 3, 4, 8, 6, 4);
                Network twin = ConvNetworkTest.denseTwin(net, arena);
                FloatVec x0 = bars(arena, (int) s, 200 + s);
                int target = argmin(net.forward(x0, arena).toArray());
                Box box = Box.around(arena, x0, 0.2, 0, 1);
                InversionLoss boxed = InversionLoss.of(new OutputLoss.CrossEntropy(target), 0, null).within(box);
                Admm.Options o = Admm.Options.builder().rho(1).maxIterations(30).absoluteTol(0).relativeTol(0)
                        .innerTolerance(1e-7).boxMaxIterations(3000).build();
                AdmmResult a = Admm.solve(net, boxed, x0, o);
                AdmmResult b = Admm.solve(twin, boxed, x0, o);
                assertTrue(a.layerUpdates().get(0).startsWith("z1: box QP by FISTA"), a.layerUpdates().get(0));
                assertTrue(b.layerUpdates().get(0).contains("projected Newton"), b.layerUpdates().get(0));
                ConvNetworkTest.assertArrayClose(b.x(), a.x(), 2e-5, "seed " + s + ": ADMM x, conv first layer vs its matrix");
                assertEquals(b.objective(), a.objective(), 1e-4 * b.objective(), "objective");
                assertTrue(box.contains(FloatVec.of(arena, a.x())), "seed " + s + ": x in the box");
                assertTrue(a.objective() < a.history().objective()[0], "seed " + s + ": the objective falls");
            }
        }
    }

    @Test
    void aBoxNeedsALinearFirstLayer() {
        try (Arena arena = Arena.ofConfined()) {
            Network pooledFirst = Network.of(
                    new PoolLayer(PoolLayer.Kind.MAX, new PoolShape(1, 8, 8, 2, 2, 0), Activation.IDENTITY),
                    new DenseLayer(FloatMatrix.allocate(arena, 3, 16), null, Activation.IDENTITY));
            InversionLoss boxed = InversionLoss.of(new OutputLoss.CrossEntropy(0), 0, null).within(Box.uniform(arena, 64, 0, 1));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Admm.solve(pooledFirst, boxed, null, Admm.Options.defaults()));
            assertTrue(e.getMessage().contains("linear first layer") && e.getMessage().contains("max_pool2d"), e.getMessage());
        }
    }
}
