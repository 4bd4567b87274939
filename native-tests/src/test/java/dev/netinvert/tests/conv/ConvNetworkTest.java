package dev.netinvert.tests.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.ConvShape;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.PoolShape;
import dev.netinvert.solvers.IterationListener;
import dev.netinvert.solvers.StepSize;
import dev.netinvert.solvers.lifted.Landweber;
import dev.netinvert.solvers.lifted.LiftedCoordinateDescent;
import dev.netinvert.solvers.lifted.LiftedResult;
import dev.netinvert.solvers.lifted.PdhgTv;
import dev.netinvert.solvers.network.ConvLayer;
import dev.netinvert.solvers.network.ConvTransposeLayer;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Layer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.PoolLayer;
import dev.netinvert.solvers.network.SeededGaussian;
import dev.netinvert.solvers.network.Trace;
import dev.netinvert.solvers.parallel.Parallelism;
import dev.netinvert.solvers.pursuit.GradientDescent;
import dev.netinvert.solvers.pursuit.InversionResult;
import dev.netinvert.solvers.pursuit.LatentPursuit;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Convolutional layers in the layer abstraction (issue 14): each kind against its definition written here in double
 * (independent of the kernels), the adjoint identity, and every solver that takes any layer against the same solver
 * run on the dense matrices of those operators — same mathematics, different kernels, so agreement to rounding
 * checks both the layer plumbing and the conv kernels inside real iterations.
 */
class ConvNetworkTest {

    // --- independent definitions, in double ---------------------------------------------------------------------

    /** PyTorch Conv2d (cross-correlation, zero padding). */
    static double[] conv(ConvShape s, float[] k, float[] b, float[] x) {
        int oh = s.outHeight(), ow = s.outWidth(), kk = s.kernel();
        double[] y = new double[s.outputs()];
        for (int o = 0; o < s.outChannels(); o++) {
            for (int p = 0; p < oh; p++) {
                for (int q = 0; q < ow; q++) {
                    double acc = b == null ? 0 : b[o];
                    for (int c = 0; c < s.inChannels(); c++) {
                        for (int a = 0; a < kk; a++) {
                            for (int d = 0; d < kk; d++) {
                                int i = p * s.stride() + a - s.padding(), j = q * s.stride() + d - s.padding();
                                if (i >= 0 && i < s.inHeight() && j >= 0 && j < s.inWidth()) {
                                    acc += (double) k[((o * s.inChannels() + c) * kk + a) * kk + d]
                                            * x[(c * s.inHeight() + i) * s.inWidth() + j];
                                }
                            }
                        }
                    }
                    y[(o * oh + p) * ow + q] = acc;
                }
            }
        }
        return y;
    }

    /** PyTorch ConvTranspose2d by its own definition (scatter): out[o, i·s − p + a, j·s − p + d] += w[c, o, a, d]·x[c, i, j]. */
    static double[] convTranspose(int cIn, int h, int w, int cOut, int k, int s, int p, int op, float[] wt, float[] b,
                                  float[] x) {
        int oh = (h - 1) * s - 2 * p + k + op, ow = (w - 1) * s - 2 * p + k + op;
        double[] y = new double[cOut * oh * ow];
        for (int o = 0; o < cOut; o++) {
            for (int n = 0; n < oh * ow; n++) {
                y[o * oh * ow + n] = b == null ? 0 : b[o];
            }
        }
        for (int c = 0; c < cIn; c++) {
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    for (int o = 0; o < cOut; o++) {
                        for (int a = 0; a < k; a++) {
                            for (int d = 0; d < k; d++) {
                                int r = i * s - p + a, q = j * s - p + d;
                                if (r >= 0 && r < oh && q >= 0 && q < ow) {
                                    y[(o * oh + r) * ow + q] += (double) wt[((c * cOut + o) * k + a) * k + d] * x[(c * h + i) * w + j];
                                }
                            }
                        }
                    }
                }
            }
        }
        return y;
    }

    /** Max (with −∞ padding) or average (zero padding counted) pooling. */
    static double[] pool(PoolShape s, boolean max, float[] x) {
        int oh = s.outHeight(), ow = s.outWidth();
        double[] y = new double[s.outputs()];
        for (int c = 0; c < s.channels(); c++) {
            for (int p = 0; p < oh; p++) {
                for (int q = 0; q < ow; q++) {
                    double acc = max ? Double.NEGATIVE_INFINITY : 0;
                    for (int a = 0; a < s.kernel(); a++) {
                        for (int d = 0; d < s.kernel(); d++) {
                            int i = p * s.stride() + a - s.padding(), j = q * s.stride() + d - s.padding();
                            if (i >= 0 && i < s.inHeight() && j >= 0 && j < s.inWidth()) {
                                double v = x[(c * s.inHeight() + i) * s.inWidth() + j];
                                acc = max ? Math.max(acc, v) : acc + v;
                            }
                        }
                    }
                    y[(c * oh + p) * ow + q] = max ? acc : acc / (s.kernel() * s.kernel());
                }
            }
        }
        return y;
    }

    // --- helpers --------------------------------------------------------------------------------------------------

    static FloatVec gaussian(Arena arena, int n, long seed, double std) {
        FloatVec v = FloatVec.allocate(arena, n);
        new SeededGaussian(seed).fill(v, 0.0, std);
        return v;
    }

    static void assertClose(double[] expected, FloatVec actual, double relTol, String what) {
        assertEquals(expected.length, actual.length(), what + ": length");
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(expected[i] - actual.get(i));
            if (!(err <= relTol * Math.max(1, scale))) {
                throw new AssertionError(what + ": element " + i + " expected " + expected[i] + " got " + actual.get(i)
                        + " (|err| " + err + " > " + relTol + "·" + Math.max(1, scale) + ")");
            }
        }
    }

    static double dot(FloatVec a, FloatVec b) {
        double s = 0;
        for (int i = 0; i < a.length(); i++) {
            s += (double) a.get(i) * b.get(i);
        }
        return s;
    }

    static double norm(FloatVec a) {
        return Math.sqrt(dot(a, a));
    }

    /** The matrix of a linear layer's operator, column j = A e_j (through the layer's own apply). */
    static FloatMatrix matrixOf(Layer layer, Arena arena) {
        FloatMatrix m = FloatMatrix.allocate(arena, layer.outputs(), layer.inputs());
        try (Arena scratch = Arena.ofConfined()) {
            FloatVec e = FloatVec.allocate(scratch, layer.inputs());
            FloatVec col = FloatVec.allocate(scratch, layer.outputs());
            for (int j = 0; j < layer.inputs(); j++) {
                e.set(j, 1f);
                layer.apply(e, col, null);
                e.set(j, 0f);
                for (int i = 0; i < layer.outputs(); i++) {
                    m.set(i, j, col.get(i));
                }
            }
        }
        return m;
    }

    /** The same network with every linear layer replaced by the dense matrix of its operator. */
    static Network denseTwin(Network net, Arena arena) {
        List<DenseLayer> layers = new ArrayList<>();
        for (Layer layer : net.layers()) {
            FloatVec bias = null;
            if (layer.bias() != null) { // per-channel bias broadcast to every output of the channel
                bias = FloatVec.allocate(arena, layer.outputs());
                int per = layer.outputs() / layer.bias().length();
                for (int i = 0; i < layer.outputs(); i++) {
                    bias.set(i, layer.bias().get(layer instanceof DenseLayer ? i : i / per));
                }
            }
            layers.add(new DenseLayer(matrixOf(layer, arena), bias, layer.activation()));
        }
        return Network.of(layers);
    }

    /** [000] sec. 5.2's encoder, scaled down: 1×12×12 → conv k4 s2 p1 → 4×6×6 ReLU → conv k4 s2 p1 → 6×3×3 ReLU → dense 54→20. */
    static Network encoder(Arena arena, long seed) {
        ConvShape c1 = new ConvShape(1, 12, 12, 4, 4, 2, 1), c2 = new ConvShape(4, 6, 6, 6, 4, 2, 1);
        return Network.of(
                new ConvLayer(c1, gaussian(arena, c1.weightLength(), seed, 0.5), gaussian(arena, 4, seed + 1, 0.1), Activation.RELU),
                new ConvLayer(c2, gaussian(arena, c2.weightLength(), seed + 2, 0.3), gaussian(arena, 6, seed + 3, 0.1), Activation.RELU),
                new DenseLayer(matrix(arena, 20, 54, seed + 4, 0.2), gaussian(arena, 20, seed + 5, 0.1), Activation.IDENTITY));
    }

    /** A decoder like sec. 5.2's: dense 10→4·4·4 ReLU → convT k4 s2 p1 → 3×8×8 ReLU → convT k3 s2 p1 op1 → 1×16×16. */
    static Network decoder(Arena arena, long seed) {
        return Network.of(
                new DenseLayer(matrix(arena, 64, 10, seed, 0.4), gaussian(arena, 64, seed + 1, 0.1), Activation.RELU),
                new ConvTransposeLayer(4, 4, 4, 3, 4, 2, 1, 0, gaussian(arena, 4 * 3 * 16, seed + 2, 0.3),
                        gaussian(arena, 3, seed + 3, 0.1), Activation.RELU),
                new ConvTransposeLayer(3, 8, 8, 1, 3, 2, 1, 1, gaussian(arena, 3 * 9, seed + 4, 0.3), null, Activation.IDENTITY));
    }

    static FloatMatrix matrix(Arena arena, int rows, int cols, long seed, double std) {
        FloatMatrix m = FloatMatrix.allocate(arena, rows, cols);
        SeededGaussian g = new SeededGaussian(seed);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                m.set(i, j, (float) (std * g.nextGaussian()));
            }
        }
        return m;
    }

    // --- tests ----------------------------------------------------------------------------------------------------

    @Test
    void everyKindMatchesItsDefinitionInDouble() {
        int[][] convs = { // cIn, h, w, cOut, k, s, p
                {1, 28, 28, 8, 4, 2, 1}, {8, 14, 14, 16, 4, 2, 1}, {3, 7, 5, 2, 3, 1, 1}, {3, 9, 11, 8, 5, 1, 2},
                {1, 5, 5, 1, 1, 1, 0}, {2, 13, 8, 3, 3, 3, 2}, {8, 6, 7, 3, 2, 2, 0}};
        try (Arena arena = Arena.ofConfined()) {
            long seed = 10;
            for (int[] g : convs) {
                ConvShape s = new ConvShape(g[0], g[1], g[2], g[3], g[4], g[5], g[6]);
                FloatVec k = gaussian(arena, s.weightLength(), seed++, 1), b = gaussian(arena, s.outChannels(), seed++, 1);
                FloatVec x = gaussian(arena, s.inputs(), seed++, 1), y = FloatVec.allocate(arena, s.outputs());
                ConvLayer layer = new ConvLayer(s, k, b, Activation.IDENTITY);
                layer.forward(x, y, null);
                assertClose(conv(s, k.toArray(), b.toArray(), x.toArray()), y, 1e-5, "conv2d " + s);
                // the transposed convolution with the channels of this one swapped, input = this one's output
                for (int op = 0; op < s.stride(); op++) {
                    int h = s.outHeight(), w = s.outWidth();
                    ConvTransposeLayer t = new ConvTransposeLayer(s.outChannels(), h, w, s.inChannels(), s.kernel(),
                            s.stride(), s.padding(), op, k, gaussian(arena, s.inChannels(), seed++, 1), Activation.IDENTITY);
                    FloatVec in = gaussian(arena, t.inputs(), seed++, 1), out = FloatVec.allocate(arena, t.outputs());
                    t.forward(in, out, null);
                    assertClose(convTranspose(s.outChannels(), h, w, s.inChannels(), s.kernel(), s.stride(), s.padding(), op,
                            k.toArray(), t.bias().toArray(), in.toArray()), out, 1e-5, "conv_transpose2d of " + s + " op " + op);
                }
            }
            int[][] pools = {{3, 8, 8, 2, 2, 0}, {2, 7, 9, 3, 2, 1}, {1, 5, 5, 3, 1, 1}, {4, 6, 6, 2, 1, 0}};
            for (int[] g : pools) {
                PoolShape s = new PoolShape(g[0], g[1], g[2], g[3], g[4], g[5]);
                FloatVec x = gaussian(arena, s.inputs(), seed++, 1), y = FloatVec.allocate(arena, s.outputs());
                PoolLayer max = new PoolLayer(PoolLayer.Kind.MAX, s, Activation.IDENTITY);
                MemorySegment sw = arena.allocate(max.scratchBytes(), 64);
                max.forward(x, y, sw);
                assertClose(pool(s, true, x.toArray()), y, 0, "max_pool2d " + s);
                new PoolLayer(PoolLayer.Kind.AVERAGE, s, Activation.IDENTITY).forward(x, y, null);
                assertClose(pool(s, false, x.toArray()), y, 1e-6, "avg_pool2d " + s);
            }
        }
    }

    @Test
    void adjointIdentityHoldsForEveryKind() {
        try (Arena arena = Arena.ofConfined()) {
            List<Layer> layers = List.of(
                    new ConvLayer(new ConvShape(3, 9, 7, 5, 3, 2, 1), gaussian(arena, 135, 1, 1), null, Activation.IDENTITY),
                    new ConvLayer(new ConvShape(8, 14, 14, 16, 4, 2, 1), gaussian(arena, 2048, 2, 1), null, Activation.IDENTITY),
                    new ConvTransposeLayer(4, 5, 6, 2, 4, 2, 1, 1, gaussian(arena, 128, 3, 1), null, Activation.IDENTITY),
                    new PoolLayer(PoolLayer.Kind.AVERAGE, new PoolShape(3, 9, 8, 3, 2, 1), Activation.IDENTITY),
                    new PoolLayer(PoolLayer.Kind.MAX, new PoolShape(3, 9, 8, 3, 2, 1), Activation.IDENTITY));
            long seed = 100;
            for (Layer layer : layers) {
                MemorySegment scratch = layer.scratchBytes() == 0 ? null : arena.allocate(layer.scratchBytes(), 64);
                FloatVec x = gaussian(arena, layer.inputs(), seed++, 1), y = gaussian(arena, layer.outputs(), seed++, 1);
                FloatVec ax = FloatVec.allocate(arena, layer.outputs()), aty = FloatVec.allocate(arena, layer.inputs());
                layer.apply(x, ax, scratch);
                layer.adjoint(y, aty, scratch); // max pooling: the adjoint of the switches of x
                double lhs = dot(ax, y), rhs = dot(x, aty);
                assertEquals(lhs, rhs, 1e-5 * norm(ax) * norm(y) + 1e-5 * norm(x) * norm(aty), layer + ": ⟨Ax, y⟩ vs ⟨x, Aᵀy⟩");
                // the norm estimate bounds ‖Ax‖/‖x‖ (up to the Lanczos estimate's tolerance)
                assertTrue(norm(ax) <= layer.operatorNorm().value() * norm(x) * (1 + 1e-4), layer + ": ‖Ax‖ ≤ ‖A‖‖x‖");
            }
        }
    }

    @Test
    void networkPassesMatchTheDenseEquivalent() {
        try (Arena arena = Arena.ofConfined()) {
            for (Network net : List.of(encoder(arena, 7), decoder(arena, 8))) {
                Network twin = denseTwin(net, arena);
                assertEquals(net.toString(), twin.toString());
                Trace t1 = net.newTrace(arena, true), t2 = twin.newTrace(arena, true);
                FloatVec z = gaussian(arena, net.inputSize(), 3, 1);
                FloatVec y = gaussian(arena, net.outputSize(), 4, 1);
                double[] expected = new double[net.outputSize()];
                FloatVec out2 = twin.forward(z, t2);
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = out2.get(i);
                }
                assertClose(expected, net.forward(z, t1), 1e-5, "forward of " + net);
                FloatVec g1 = FloatVec.allocate(arena, net.inputSize()), g2 = FloatVec.allocate(arena, net.inputSize());
                double l1 = net.lossGradient(z, y, g1, t1), l2 = twin.lossGradient(z, y, g2, t2);
                assertEquals(l2, l1, 1e-5 * l2, "loss");
                double[] e2 = new double[g2.length()];
                for (int i = 0; i < e2.length; i++) {
                    e2[i] = g2.get(i);
                }
                assertClose(e2, g1, 1e-5, "gradient of " + net);
            }
        }
    }

    @Test
    void maxPoolingBackpropagatesThroughItsSwitches() {
        try (Arena arena = Arena.ofConfined()) {
            ConvShape c = new ConvShape(2, 10, 10, 3, 3, 1, 1);
            PoolShape p = new PoolShape(3, 10, 10, 2, 2, 0);
            Network net = Network.of(
                    new ConvLayer(c, gaussian(arena, c.weightLength(), 1, 0.5), null, Activation.RELU),
                    new PoolLayer(PoolLayer.Kind.MAX, p, Activation.IDENTITY),
                    new DenseLayer(matrix(arena, 7, 75, 2, 0.3), null, Activation.IDENTITY));
            Trace trace = net.newTrace(arena, true);
            FloatVec z = gaussian(arena, net.inputSize(), 3, 1), y = gaussian(arena, 7, 4, 1);
            FloatVec g = FloatVec.allocate(arena, net.inputSize());
            net.lossGradient(z, y, g, trace);
            // Independent: at this z the switches are fixed, so the loss is ½‖W S (relu(K z)) − y‖² with S the selection
            // of each window's winner (found here from the conv output in double); its gradient in double:
            double[] u = conv(c, ((ConvLayer) net.layer(1)).weight().toArray(), null, z.toArray());
            double[] h = new double[u.length];
            for (int i = 0; i < u.length; i++) {
                h[i] = Math.max(0, u[i]);
            }
            int[] win = new int[p.outputs()];
            for (int ch = 0; ch < 3; ch++) {
                for (int i = 0; i < 5; i++) {
                    for (int j = 0; j < 5; j++) {
                        int best = -1;
                        for (int a = 0; a < 2; a++) {
                            for (int d = 0; d < 2; d++) {
                                int idx = (ch * 10 + 2 * i + a) * 10 + 2 * j + d;
                                if (best < 0 || h[idx] > h[best]) {
                                    best = idx;
                                }
                            }
                        }
                        win[(ch * 5 + i) * 5 + j] = best;
                    }
                }
            }
            FloatMatrix w = ((DenseLayer) net.layer(3)).weight();
            double[] r = new double[7];
            for (int i = 0; i < 7; i++) {
                double s = -y.get(i);
                for (int o = 0; o < 75; o++) {
                    s += w.get(i, o) * h[win[o]];
                }
                r[i] = s;
            }
            double[] dh = new double[h.length];
            for (int o = 0; o < 75; o++) {
                double s = 0;
                for (int i = 0; i < 7; i++) {
                    s += w.get(i, o) * r[i];
                }
                dh[win[o]] += s;
            }
            float[] k = ((ConvLayer) net.layer(1)).weight().toArray();
            double[] expected = new double[net.inputSize()];
            for (int o = 0; o < 3; o++) {
                for (int pp = 0; pp < 10; pp++) {
                    for (int q = 0; q < 10; q++) {
                        int idx = (o * 10 + pp) * 10 + q;
                        double d = u[idx] > 0 ? dh[idx] : 0;
                        for (int ch = 0; ch < 2; ch++) {
                            for (int a = 0; a < 3; a++) {
                                for (int e = 0; e < 3; e++) {
                                    int i = pp + a - 1, j = q + e - 1;
                                    if (i >= 0 && i < 10 && j >= 0 && j < 10) {
                                        expected[(ch * 10 + i) * 10 + j] += d * k[((o * 2 + ch) * 3 + a) * 3 + e];
                                    }
                                }
                            }
                        }
                    }
                }
            }
            assertClose(expected, g, 1e-5, "gradient through max pooling");
        }
    }

    @Test
    void solversGiveTheSameAnswerOnConvLayersAsOnTheirMatrices() {
        try (Arena arena = Arena.ofShared()) {
            Network enc = encoder(arena, 21);
            Network twin = denseTwin(enc, arena);
            FloatVec xTrue = gaussian(arena, enc.inputSize(), 5, 0.5);
            Parallelism one = Parallelism.sequential();
            // PDHG-TV and Landweber on the first (conv, ReLU) layer: y = relu(K x + b), inside ReLU's range
            Layer conv1 = enc.layer(1);
            FloatVec y1 = FloatVec.allocate(arena, conv1.outputs());
            conv1.forward(xTrue, y1, null);
            for (int i = 0; i < y1.length(); i++) {
                y1.set(i, Math.max(0, y1.get(i)));
            }
            PdhgTv.Options po = PdhgTv.Options.builder(1e-2).maxIterations(300).tol(1e-12).build();
            LiftedResult a = PdhgTv.solve(conv1, y1, 1, 12, 12, po, one, IterationListener.NONE);
            LiftedResult b = PdhgTv.solve(twin.layer(1), y1, 1, 12, 12, po, one, IterationListener.NONE);
            assertEquals(b.iterations(), a.iterations());
            assertArrayClose(b.x(), a.x(), 1e-4, "PDHG-TV");
            assertEquals(b.objective(), a.objective(), 1e-4 * Math.abs(b.objective()), "PDHG-TV objective");
            Landweber.Options lo = Landweber.Options.builder(1e-3).maxIterations(300).build();
            LiftedResult la = Landweber.solve(conv1, y1, lo, one, IterationListener.NONE);
            LiftedResult lb = Landweber.solve(twin.layer(1), y1, lo, one, IterationListener.NONE);
            assertEquals(lb.iterations(), la.iterations());
            assertArrayClose(lb.x(), la.x(), 1e-4, "Landweber");
            // Lifted coordinate descent through all three layers, eqs. (15)-(17) [000] with A, Aᵀ
            FloatVec y = FloatVec.allocate(arena, enc.outputSize());
            enc.forward(xTrue, y, enc.newTrace(arena, false));
            LiftedCoordinateDescent.Options co = LiftedCoordinateDescent.Options.builder(1e-2).maxOuterIterations(60)
                    .tol(1e-12).build();
            LiftedResult ca = LiftedCoordinateDescent.solve(enc.layers(), y, 1, 12, 12, co, one, IterationListener.NONE);
            LiftedResult cb = LiftedCoordinateDescent.solve(twin.layers(), y, 1, 12, 12, co, one, IterationListener.NONE);
            assertArrayClose(cb.x(), ca.x(), 1e-4, "lifted CD x₀");
            assertTrue(ca.objective() < ca.history().objective()[0], "lifted CD decreases its objective");
            // Gradient descent with momentum on the decoder (a generator with convT layers), fixed step
            Network dec = decoder(arena, 31);
            Network decTwin = denseTwin(dec, arena);
            FloatVec target = FloatVec.allocate(arena, dec.outputSize());
            dec.forward(gaussian(arena, 10, 6, 1), target, dec.newTrace(arena, false));
            GradientDescent.Options go = GradientDescent.Options.builder().step(StepSize.fixed(1e-3)).maxIterations(300)
                    .build();
            InversionResult ga = GradientDescent.solve(dec, target, null, go);
            InversionResult gb = GradientDescent.solve(decTwin, target, null, go);
            assertArrayClose(gb.z(), ga.z(), 1e-4, "gradient descent");
            assertTrue(ga.residual() < 0.5 * norm(target), "gradient descent fits the target: residual " + ga.residual());
        }
    }

    static void assertArrayClose(float[] expected, float[] actual, double relTol, String what) {
        double e2 = 0, d2 = 0;
        for (int i = 0; i < expected.length; i++) {
            e2 += (double) expected[i] * expected[i];
            d2 += ((double) expected[i] - actual[i]) * ((double) expected[i] - actual[i]);
        }
        assertTrue(Math.sqrt(d2) <= relTol * Math.max(1e-12, Math.sqrt(e2)),
                what + ": ‖conv − dense‖ = " + Math.sqrt(d2) + " > " + relTol + "·‖dense‖ = " + relTol * Math.sqrt(e2));
    }

    @Test
    void methodsForMatricesRefuseConvLayersByName() {
        try (Arena arena = Arena.ofConfined()) {
            Network dec = decoder(arena, 3);
            FloatVec y = FloatVec.allocate(arena, dec.outputSize());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LatentPursuit.solve(dec, y, null, LatentPursuit.Options.defaults()));
            assertTrue(e.getMessage().contains("layer 2 is conv_transpose2d") && e.getMessage().contains("dense"), e.getMessage());
            Network pooled = Network.of(
                    new ConvLayer(new ConvShape(1, 8, 8, 2, 3, 1, 1), gaussian(arena, 18, 1, 1), null, Activation.RELU),
                    new PoolLayer(PoolLayer.Kind.MAX, new PoolShape(2, 8, 8, 2, 2, 0), Activation.IDENTITY));
            IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
                    () -> LiftedCoordinateDescent.solve(pooled.layers(), FloatVec.allocate(arena, 32), 1, 8, 8,
                            LiftedCoordinateDescent.Options.defaults(), Parallelism.sequential(), IterationListener.NONE));
            assertTrue(m.getMessage().contains("layer 2 is max_pool2d"), m.getMessage());
            // shapes that do not chain name the layer and both shapes
            IllegalArgumentException s = assertThrows(IllegalArgumentException.class, () -> Network.of(
                    new ConvLayer(new ConvShape(1, 8, 8, 2, 3, 1, 1), gaussian(arena, 18, 1, 1), null, Activation.RELU),
                    new PoolLayer(PoolLayer.Kind.MAX, new PoolShape(2, 16, 4, 2, 2, 0), Activation.IDENTITY)));
            assertTrue(s.getMessage().contains("layer 2") && s.getMessage().contains("2×16×4")
                    && s.getMessage().contains("2×8×8"), s.getMessage());
        }
    }
}
