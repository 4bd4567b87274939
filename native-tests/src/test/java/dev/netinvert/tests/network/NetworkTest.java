package dev.netinvert.tests.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static dev.netinvert.tests.SameBits.assertSameBits;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.BatchTrace;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.network.RandomNetworks.WeightScale;
import dev.netinvert.solvers.network.ReferenceNetwork;
import dev.netinvert.solvers.network.Trace;

import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Forward and backward passes of {@link Network} against exact (double) arithmetic and the plain-array
 * {@link ReferenceNetwork}, on awkward widths; tagged "kernels" so they run on every kernel path.
 */
@Tag("kernels")
class NetworkTest {

    private static final double EPS = 0x1p-24;

    /** Widths that hit every tail: 1, 2, 15, 16, 17, 31, 33, a prime, and one above 4 K. */
    private static final int[][] SHAPES = {
            {1, 1}, {2, 1}, {1, 2}, {15, 16, 17}, {17, 33, 31}, {33, 4, 2}, {101, 37, 7, 3}, {4097, 13, 5}};

    private static final List<Activation> ALL = List.of(Activation.RELU, Activation.TANH,
            Activation.leakyRelu(0.1f), Activation.softThreshold(0.05f), Activation.SIGMOID, Activation.CLIP,
            Activation.IDENTITY);

    private interface NetworkCase {
        void run(Network net, int[] widths, Arena arena);
    }

    /**
     * Every shape of {@link #SHAPES} with every rotation of the activations ({@code activations(·, shift)}),
     * as a Gaussian network with bias 0.1 seeded {@code seed + shift}, each in its own arena.
     */
    private static void forEachNetwork(long seed, NetworkCase body) {
        for (int[] widths : SHAPES) {
            for (int shift = 0; shift < ALL.size(); shift++) {
                try (Arena arena = Arena.ofConfined()) {
                    body.run(RandomNetworks.gaussianWithBias(arena, seed + shift, widths,
                            activations(widths.length - 1, shift), WeightScale.fanIn(), 0.1), widths, arena);
                }
            }
        }
    }

    private static List<Activation> activations(int layers, int shift) {
        Activation[] a = new Activation[layers];
        for (int l = 0; l < layers; l++) {
            a[l] = ALL.get((l + shift) % ALL.size());
        }
        return List.of(a);
    }

    /**
     * Each layer of the fast pass, fed the fast pass's own previous output, is compared with the exact
     * u_l = W_l x_{l−1} + b_l in double. Bound: a float dot product of length n in any order has error at
     * most γ_n·Σ|w_ij x_j| with γ_n = nε/(1 − nε) ≈ nε (Higham, Thm 3.1; FMA only tightens it), plus one
     * rounding of the bias addition, ε|u|. The outputs x_l must equal σ_l(u_l): exactly for the piecewise-
     * linear activations, within the vector kernel's ulps for tanh and sigmoid (ActivationsTest.assertKernelSigma).
     */
    @Test
    void everyLayerOfTheForwardPassIsWithinTheDotProductBound() {
        forEachNetwork(11, (net, widths, arena) -> {
            FloatVec z = RandomNetworks.latent(arena, widths[0], 5, 1.0);
            Trace t = net.newTrace(arena, true);
            net.forward(z, t);
            float[] x = z.toArray();
            for (int l = 1; l <= net.depth(); l++) {
                checkLayer(net, l, x, t.preActivation(l).toArray(), t.output(l).toArray());
                x = t.output(l).toArray();
            }
        });
    }

    /** The whole pass against the float reference twin; the difference is reassociation only. */
    @Test
    void forwardMatchesTheReferenceTwin() {
        try (Arena arena = Arena.ofConfined()) {
            Network net = RandomNetworks.generator002(arena, 3, 100, 300, 625);
            ReferenceNetwork ref = ReferenceNetwork.copyOf(net);
            FloatVec z = RandomNetworks.latent(arena, 100, 9, 1.0);
            float[] fast = net.forward(z, net.newTrace(arena, false)).toArray();
            float[] slow = ref.forward(z.toArray());
            // Layer 1 rows have |u| ~ 10 (N(0,1) weights, 100 inputs) and errors ≤ 100ε·Σ|w z| ≈ 5e-5;
            // tanh' ≤ 1 and layer 2 sums 300 terms of size ~1 · that error → ≤ ~2e-3 worst case, far less
            // in practice. tanh saturates most outputs, which only shrinks the difference.
            for (int i = 0; i < fast.length; i++) {
                assertEquals(slow[i], fast[i], 2e-3, "output " + i);
            }
        }
    }

    @Test
    void forwardWithoutKeptLayersEqualsForwardWithThemBitForBit() {
        try (Arena arena = Arena.ofConfined()) {
            Network net = RandomNetworks.gaussianWithBias(arena, 21, new int[] {33, 17, 64, 5},
                    activations(3, 2), WeightScale.fanIn(), 0.5);
            FloatVec z = RandomNetworks.latent(arena, 33, 1, 1.0);
            Trace full = net.newTrace(arena, true), lean = net.newTrace(arena, false);
            Supplier<float[]> kept = () -> net.forward(z, full).toArray();
            assertSameBits(kept, () -> net.forward(z, lean).toArray(), "lean trace");
            FloatVec out = FloatVec.allocate(arena, 5);
            assertSameBits(kept, () -> {
                net.forward(z, out, lean);
                return out.toArray();
            }, "forward into out");
            assertSameBits(kept, () -> net.forward(z, arena).toArray(), "forward into a new vector");
        }
    }

    /**
     * With at most 1024 inputs per layer (one column tile, see Network.TILE_COLS) batch rows are
     * bit-identical to one-sample passes; 1024 itself and shapes with row tails (rows % 4 ≠ 0) included.
     */
    @Test
    void batchRowsAreBitIdenticalToSingleForwardPassesForLayersUpTo1024Inputs() {
        int[][] shapes = {{1024, 130, 7}, {3, 1, 2}, {100, 784}, {17, 33, 31}};
        for (int[] widths : shapes) {
            for (boolean keep : new boolean[] {true, false}) {
                try (Arena arena = Arena.ofConfined()) {
                    Network net = RandomNetworks.gaussianWithBias(arena, 4, widths, activations(widths.length - 1, 0),
                            WeightScale.fanIn(), 0.1);
                    int batch = 5;
                    FloatMatrix zs = RandomNetworks.latentBatch(arena, batch, widths[0], 8, 1.0);
                    BatchTrace bt = net.newBatchTrace(arena, batch, keep);
                    FloatMatrix copy = FloatMatrix.allocate(arena, batch, net.outputSize());
                    Trace t = net.newTrace(arena, true);
                    for (int s = 0; s < batch; s++) {
                        int ss = s;
                        Supplier<float[]> single = () -> net.forward(zs.row(ss), t).toArray();
                        assertSameBits(single, () -> net.forward(zs, bt).row(ss).toArray(), "sample " + s + " of " + net);
                        assertSameBits(single, () -> {
                            net.forward(zs, copy, bt);
                            return copy.row(ss).toArray();
                        }, "copied sample " + s);
                    }
                    if (keep) {
                        int last = batch - 1;
                        for (int l = 1; l <= net.depth(); l++) {
                            int ll = l;
                            // U_l, then X_l, of the last sample: a one-sample pass against the batch's row.
                            for (boolean pre : new boolean[] {true, false}) {
                                assertSameBits(() -> {
                                    net.forward(zs.row(last), t);
                                    return (pre ? t.preActivation(ll) : t.output(ll)).toArray();
                                }, () -> {
                                    net.forward(zs, bt);
                                    return (pre ? bt.preActivation(ll) : bt.output(ll)).row(last).toArray();
                                }, (pre ? "U_" : "X_") + l);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Wider layers sum each row in column tiles (4097 inputs: 4 tiles of 832 and one of 769; 1500: tiles
     * of 752 and 748): every batch pre-activation, fed the batch's own previous layer, is within the
     * dot-product bound of the exact value, and X_l = σ_l(U_l) (see checkLayer).
     */
    @Test
    void batchRowsOfWideLayersAreWithinTheDotProductBound() {
        int[][] shapes = {{4097, 130, 7}, {1500, 1025, 3}, {2048, 8}};
        for (int[] widths : shapes) {
            try (Arena arena = Arena.ofConfined()) {
                Network net = RandomNetworks.gaussianWithBias(arena, 6, widths, activations(widths.length - 1, 1),
                        WeightScale.fanIn(), 0.1);
                int batch = 3;
                FloatMatrix zs = RandomNetworks.latentBatch(arena, batch, widths[0], 9, 1.0);
                BatchTrace bt = net.newBatchTrace(arena, batch, true);
                net.forward(zs, bt);
                for (int s = 0; s < batch; s++) {
                    float[] x = zs.row(s).toArray();
                    for (int l = 1; l <= net.depth(); l++) {
                        float[] u = bt.preActivation(l).row(s).toArray();
                        checkLayer(net, l, x, u, bt.output(l).row(s).toArray());
                        x = bt.output(l).row(s).toArray();
                    }
                }
            }
        }
    }

    /** u = W_l x + b_l within γ_{n+1}·Σ|terms| + ε|u| of the exact value, and out = σ_l(u) (exactly, or to the kernel's ulps). */
    private static void checkLayer(Network net, int l, float[] x, float[] u, float[] out) {
        DenseLayer layer = net.dense(l);
        int n = layer.inputs();
        for (int i = 0; i < layer.outputs(); i++) {
            double exact = layer.bias() == null ? 0 : layer.bias().get(i);
            double mag = Math.abs(exact);
            for (int j = 0; j < n; j++) {
                double p = (double) layer.weight().get(i, j) * x[j];
                exact += p;
                mag += Math.abs(p);
            }
            double bound = (n + 1) * EPS / (1 - (n + 1) * EPS) * mag + EPS * Math.abs(exact);
            if (!(Math.abs(u[i] - exact) <= bound)) {
                throw new AssertionError("layer " + l + " row " + i + " of " + net + ": fast " + u[i]
                        + " exact " + exact + " bound " + bound);
            }
            ActivationsTest.assertKernelSigma(layer.activation(), u[i], out[i], "layer " + l + " row " + i);
        }
    }

    /**
     * The gradient of ½‖N(z) − y‖² against the float reference twin (same chain rule, sequential sums):
     * both compute Wᵀδ with errors ≤ n·ε·Σ|w δ| per layer, so the difference is bounded relative to the
     * gradient's scale; 1e-4 of the largest component is generous for widths ≤ 101.
     */
    @Test
    void lossGradientMatchesTheReferenceTwin() {
        forEachNetwork(31, (net, widths, arena) -> {
            ReferenceNetwork ref = ReferenceNetwork.copyOf(net);
            FloatVec z = RandomNetworks.latent(arena, widths[0], 2, 1.0);
            FloatVec y = RandomNetworks.latent(arena, net.outputSize(), 3, 0.5);
            FloatVec grad = FloatVec.allocate(arena, widths[0]);
            Trace t = net.newTrace(arena, true);
            double loss = net.lossGradient(z, y, grad, t);
            float[] refGrad = new float[widths[0]];
            double refLoss = ref.lossGradient(z.toArray(), y.toArray(), refGrad);
            assertEquals(refLoss, loss, 1e-5 * (1 + refLoss), "loss of " + net);
            float scale = 0;
            for (float g : refGrad) {
                scale = Math.max(scale, Math.abs(g));
            }
            float[] g = grad.toArray();
            for (int j = 0; j < g.length; j++) {
                assertEquals(refGrad[j], g[j], 1e-4 * scale + 1e-30, "grad " + j + " of " + net);
            }
        });
    }

    /**
     * The gradient against central differences of the loss evaluated in double, for smooth activations
     * (tanh, sigmoid, identity): the float gradient has relative error ~1e-6 and the differences with
     * h = 1e-4 have truncation error O(h²·|f'''|) ~ 1e-8, so 1e-3 relative to the gradient's norm is safe.
     */
    @Test
    void lossGradientMatchesFiniteDifferencesForSmoothActivations() {
        try (Arena arena = Arena.ofConfined()) {
            List<Activation> acts = List.of(Activation.TANH, Activation.SIGMOID, Activation.IDENTITY);
            Network net = RandomNetworks.gaussianWithBias(arena, 77, new int[] {6, 9, 8, 4}, acts, WeightScale.fanIn(), 0.3);
            FloatVec z = RandomNetworks.latent(arena, 6, 1, 1.0);
            FloatVec y = RandomNetworks.latent(arena, 4, 2, 0.5);
            FloatVec grad = FloatVec.allocate(arena, 6);
            net.lossGradient(z, y, grad, net.newTrace(arena, true));
            double[] zd = new double[6];
            for (int j = 0; j < 6; j++) {
                zd[j] = z.get(j);
            }
            double norm = 0;
            for (int j = 0; j < 6; j++) {
                norm += grad.get(j) * grad.get(j);
            }
            norm = Math.sqrt(norm);
            double h = 1e-4;
            for (int j = 0; j < 6; j++) {
                double[] zp = zd.clone(), zm = zd.clone();
                zp[j] += h;
                zm[j] -= h;
                double fd = (lossInDouble(net, zp, y) - lossInDouble(net, zm, y)) / (2 * h);
                assertEquals(fd, grad.get(j), 1e-3 * norm, "component " + j);
            }
        }
    }

    private static double lossInDouble(Network net, double[] z, FloatVec y) {
        double[] x = z;
        for (DenseLayer layer : net.denseLayers("test")) {
            double[] next = new double[layer.outputs()];
            for (int i = 0; i < next.length; i++) {
                double u = layer.bias() == null ? 0 : layer.bias().get(i);
                for (int j = 0; j < x.length; j++) {
                    u += layer.weight().get(i, j) * x[j];
                }
                next[i] = switch (layer.activation()) {
                    case Activation.Tanh _ -> Math.tanh(u);
                    case Activation.Sigmoid _ -> 1 / (1 + Math.exp(-u));
                    case Activation.Identity _ -> u;
                    default -> throw new AssertionError("smooth activations only");
                };
            }
            x = next;
        }
        double loss = 0;
        for (int i = 0; i < x.length; i++) {
            loss += 0.5 * (x[i] - y.get(i)) * (x[i] - y.get(i));
        }
        return loss;
    }

    /** J_N(z)ᵀ v with v = N(z) − y is the loss gradient; and the VJP is linear in v. */
    @Test
    void vjpAgreesWithTheLossGradientAndIsLinear() {
        try (Arena arena = Arena.ofConfined()) {
            Network net = RandomNetworks.generator003(arena, 5, 20, 100, 500, Activation.leakyRelu(0.2f));
            FloatVec z = RandomNetworks.latent(arena, 20, 1, 1.0);
            FloatVec y = RandomNetworks.latent(arena, 500, 2, 1.0);
            Trace t = net.newTrace(arena, true);
            FloatVec g1 = FloatVec.allocate(arena, 20);
            net.lossGradient(z, y, g1, t);
            FloatVec v = FloatVec.allocate(arena, 500);
            for (int i = 0; i < 500; i++) {
                v.set(i, t.output().get(i) - y.get(i));
            }
            FloatVec g2 = FloatVec.allocate(arena, 20);
            assertSameBits(() -> {
                net.lossGradient(z, y, g1, t);
                return g1.toArray();
            }, () -> {
                net.vjp(t, v, g2);
                return g2.toArray();
            }, "J^T (N(z) - y)");
            FloatVec v2 = FloatVec.allocate(arena, 500);
            for (int i = 0; i < 500; i++) {
                v2.set(i, 2 * v.get(i));
            }
            // scaling by 2 is exact in binary floating point, so J^T (2v) = 2 J^T v bit for bit
            assertSameBits(() -> {
                net.vjp(t, v, g1);
                float[] g = g1.toArray();
                for (int j = 0; j < g.length; j++) {
                    g[j] *= 2;
                }
                return g;
            }, () -> {
                net.vjp(t, v2, g2);
                return g2.toArray();
            }, "linearity");
        }
    }

    @Test
    void layerShapesAreValidatedWithLayerIndexAndExpectedShape() {
        try (Arena arena = Arena.ofConfined()) {
            DenseLayer a = new DenseLayer(FloatMatrix.allocate(arena, 200, 100), null, Activation.RELU);
            DenseLayer b = new DenseLayer(FloatMatrix.allocate(arena, 300, 150), null, Activation.TANH);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Network.of(a, b));
            assertTrue(e.getMessage().contains("layer 2") && e.getMessage().contains("300×150")
                    && e.getMessage().contains("expected 300×200"), e.getMessage());
            IllegalArgumentException eb = assertThrows(IllegalArgumentException.class,
                    () -> new DenseLayer(FloatMatrix.allocate(arena, 4, 3), FloatVec.allocate(arena, 3), Activation.RELU));
            assertTrue(eb.getMessage().contains("bias") && eb.getMessage().contains("expected length 4"), eb.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Network.of(List.of()));
        }
    }

    @Test
    void passesRejectMisuse() {
        try (Arena arena = Arena.ofConfined()) {
            Network net = RandomNetworks.generator002(arena, 1, 10, 20, 30);
            Network other = RandomNetworks.generator002(arena, 1, 10, 20, 30);
            FloatVec z = FloatVec.allocate(arena, 10);
            IllegalArgumentException wrongLength = assertThrows(IllegalArgumentException.class,
                    () -> net.forward(FloatVec.allocate(arena, 9), net.newTrace(arena, false)));
            assertTrue(wrongLength.getMessage().contains("expected length 10"), wrongLength.getMessage());
            assertThrows(IllegalArgumentException.class, () -> net.forward(z, other.newTrace(arena, false)));
            Trace full = net.newTrace(arena, true);
            assertThrows(IllegalStateException.class,
                    () -> net.vjp(full, FloatVec.allocate(arena, 30), FloatVec.allocate(arena, 10)));
            Trace lean = net.newTrace(arena, false);
            net.forward(z, lean);
            assertThrows(IllegalArgumentException.class,
                    () -> net.vjp(lean, FloatVec.allocate(arena, 30), FloatVec.allocate(arena, 10)));
            assertThrows(IllegalStateException.class, () -> lean.preActivation(1));
            assertThrows(IndexOutOfBoundsException.class, () -> full.preActivation(3));
            BatchTrace bt = net.newBatchTrace(arena, 4, false);
            IllegalArgumentException batch = assertThrows(IllegalArgumentException.class,
                    () -> net.forward(FloatMatrix.allocate(arena, 3, 10), bt));
            assertTrue(batch.getMessage().contains("expected 4×10"), batch.getMessage());
        }
    }

}
