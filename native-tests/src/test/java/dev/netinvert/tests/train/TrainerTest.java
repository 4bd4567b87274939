package dev.netinvert.tests.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.network.RandomNetworks.WeightScale;
import dev.netinvert.solvers.network.Trace;
import dev.netinvert.solvers.train.Trainer;
import dev.netinvert.solvers.train.Trainer.Loss;
import dev.netinvert.solvers.train.Trainer.Optimizer;
import dev.netinvert.solvers.train.Trainer.Options;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The minibatch trainer: its gradients against central differences of the loss evaluated in double, training
 * that reduces the loss (regression) and classifies (3 classes), bitwise determinism, option validation, and a
 * trained model that survives a safetensors save and load.
 */
class TrainerTest {

    // ------------------------------------------------------------------ gradient against finite differences

    enum Case {
        MSE_TANH(Loss.MSE, Activation.TANH, Activation.TANH),
        MSE_RELU(Loss.MSE, Activation.RELU, Activation.IDENTITY),
        CE_TANH(Loss.SOFTMAX_CROSS_ENTROPY, Activation.TANH, Activation.IDENTITY),
        CE_RELU(Loss.SOFTMAX_CROSS_ENTROPY, Activation.RELU, Activation.IDENTITY);

        final Loss loss;
        final Activation hidden, last;

        Case(Loss loss, Activation hidden, Activation last) {
            this.loss = loss;
            this.hidden = hidden;
            this.last = last;
        }
    }

    /**
     * On a 5→6→4→3 network and a minibatch of 7, every entry of ∇W_l and ∇b_l matches the central difference
     * (ℓ(θ + h) − ℓ(θ − h))/2h of the loss computed in double from the float parameters, h = 1e-5: its
     * truncation error is O(h²·ℓ‴) ≈ 1e-10 and its rounding error ≈ 1e-16/h ≈ 1e-11, so the difference is the
     * exact derivative to ~1e-9, and what is left is the float error of the trainer's passes (a few ε times the
     * magnitudes, bounded here by 2e-4 relative to the largest gradient entry). ReLU's kinks are at u = 0, which
     * the random data avoids by far more than h (checked: no pre-activation within 1e-3 of 0).
     */
    @ParameterizedTest
    @EnumSource(Case.class)
    void gradientMatchesCentralDifferences(Case c) {
        int[] widths = {5, 6, 4, 3};
        int b = 7;
        try (Arena arena = Arena.ofConfined()) {
            Network net = RandomNetworks.gaussianWithBias(arena, 11, widths, List.of(c.hidden, c.hidden, c.last),
                    WeightScale.he(), 0.3);
            SplittableRandom rnd = new SplittableRandom(5);
            float[] xs = uniform(rnd, b * 5);
            FloatMatrix in = FloatMatrix.of(arena, b, 5, xs);
            float[] ts = uniform(rnd, b * 3);
            int[] labels = new int[b];
            for (int i = 0; i < b; i++) {
                labels[i] = rnd.nextInt(3);
            }
            Trainer trainer = new Trainer(net, Options.builder().loss(c.loss).batchSize(b).build(), arena);
            double loss = c.loss == Loss.MSE ? trainer.gradient(in, FloatMatrix.of(arena, b, 3, ts))
                    : trainer.gradient(in, labels);

            double[][] w = new double[4][], bias = new double[4][];
            for (int l = 1; l <= 3; l++) {
                w[l] = toDouble(net.dense(l).weight().toArray());
                bias[l] = toDouble(net.dense(l).bias().toArray());
            }
            Activation[] act = {null, c.hidden, c.hidden, c.last};
            Model m = new Model(widths, act, w, bias, toDouble(xs), toDouble(ts), labels, c.loss, b);
            assertEquals(m.loss(), loss, 1e-5 * Math.max(1, Math.abs(loss)), "loss");
            assertTrue(m.minAbsPreActivation() > 1e-3 || c.hidden != Activation.RELU, "a pre-activation is near the kink");
            double h = 1e-5;
            for (int l = 1; l <= 3; l++) {
                float[] gw = trainer.weightGradient(l).toArray(), gb = trainer.biasGradient(l).toArray();
                double[] fw = new double[gw.length], fb = new double[gb.length];
                for (int i = 0; i < gw.length; i++) {
                    fw[i] = m.centralDifference(w[l], i, h);
                }
                for (int i = 0; i < gb.length; i++) {
                    fb[i] = m.centralDifference(bias[l], i, h);
                }
                double scale = Math.max(maxAbs(fw), maxAbs(fb));
                assertTrue(scale > 1e-6, "layer " + l + ": the gradient is not trivially zero");
                for (int i = 0; i < gw.length; i++) {
                    assertEquals(fw[i], gw[i], 2e-4 * scale + 1e-7, c + " dW_" + l + "[" + i + "]");
                }
                for (int i = 0; i < gb.length; i++) {
                    assertEquals(fb[i], gb[i], 2e-4 * scale + 1e-7, c + " db_" + l + "[" + i + "]");
                }
            }
        }
    }

    /** The loss of the test network in double, from double copies of its parameters. */
    record Model(int[] widths, Activation[] act, double[][] w, double[][] b, double[] x, double[] t, int[] labels,
                 Loss kind, int batch) {

        double centralDifference(double[] param, int i, double h) {
            double keep = param[i];
            param[i] = keep + h;
            double up = loss();
            param[i] = keep - h;
            double down = loss();
            param[i] = keep;
            return (up - down) / (2 * h);
        }

        double loss() {
            double total = 0;
            for (int s = 0; s < batch; s++) {
                double[] out = forward(s, null);
                int n = out.length;
                if (kind == Loss.MSE) {
                    for (int i = 0; i < n; i++) {
                        double d = out[i] - t[s * n + i];
                        total += 0.5 * d * d;
                    }
                } else {
                    double max = Double.NEGATIVE_INFINITY, z = 0;
                    for (double v : out) {
                        max = Math.max(max, v);
                    }
                    for (double v : out) {
                        z += Math.exp(v - max);
                    }
                    total += Math.log(z) + max - out[labels[s]];
                }
            }
            return total / batch;
        }

        double minAbsPreActivation() {
            double[] min = {Double.POSITIVE_INFINITY};
            for (int s = 0; s < batch; s++) {
                forward(s, min);
            }
            return min[0];
        }

        private double[] forward(int s, double[] minPre) {
            double[] in = new double[widths[0]];
            System.arraycopy(x, s * widths[0], in, 0, widths[0]);
            for (int l = 1; l < widths.length; l++) {
                int rows = widths[l], cols = widths[l - 1];
                double[] out = new double[rows];
                for (int i = 0; i < rows; i++) {
                    double u = b[l][i];
                    for (int j = 0; j < cols; j++) {
                        u += w[l][i * cols + j] * in[j];
                    }
                    if (minPre != null) {
                        minPre[0] = Math.min(minPre[0], Math.abs(u));
                    }
                    out[i] = act[l].sigma(u);
                }
                in = out;
            }
            return in;
        }
    }

    // ------------------------------------------------------------------ training works

    /**
     * A student 4→16→2 (tanh, identity) learns a random teacher 4→8→2 (tanh, identity) from 512 samples: after 40
     * epochs of Adam the epoch loss is below a tenth of the first epoch's, and decreases overall.
     */
    @Test
    void regressionLossDecreases() {
        try (Arena arena = Arena.ofConfined()) {
            Network teacher = RandomNetworks.gaussianWithBias(arena, 1, new int[] {4, 8, 2},
                    List.of(Activation.TANH, Activation.IDENTITY), WeightScale.fanIn(), 0.2);
            int n = 512;
            FloatMatrix inputs = FloatMatrix.of(arena, n, 4, uniform(new SplittableRandom(2), n * 4));
            FloatMatrix targets = FloatMatrix.allocate(arena, n, 2);
            Trace tr = teacher.newTrace(arena, false);
            for (int s = 0; s < n; s++) {
                teacher.forward(inputs.row(s), targets.row(s), tr);
            }
            Network student = RandomNetworks.gaussianWithBias(arena, 3, new int[] {4, 16, 2},
                    List.of(Activation.TANH, Activation.IDENTITY), WeightScale.he(), 0.0);
            Options o = Options.builder().batchSize(32).epochs(40).learningRate(1e-2).seed(4).build();
            List<Double> seen = new ArrayList<>();
            double[] h = new Trainer(student, o, arena).fit(inputs, targets, (e, loss) -> seen.add(loss));
            assertEquals(40, seen.size(), "one callback per epoch");
            assertEquals(h[39], seen.get(39), "the callback reports the returned history");
            assertTrue(h[39] < 0.1 * h[0], "loss " + h[0] + " → " + h[39]);
            assertTrue(h[39] < h[19] && h[19] < h[0], "loss does not decrease: " + h[0] + ", " + h[19] + ", " + h[39]);
        }
    }

    /**
     * Three Gaussian blobs in the plane (centres 3 apart at 0°, 120°, 240°, σ = 0.6; the optimal classifier's
     * error is under 1 %): a 2→16→3 ReLU network trained by SGD with momentum on the softmax cross-entropy
     * classifies at least 95 % of 600 fresh samples correctly.
     */
    @Test
    void classifiesThreeBlobs() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 600;
            int[] labels = new int[n];
            FloatMatrix train = blobs(arena, new SplittableRandom(6), labels);
            Network net = RandomNetworks.gaussianWithBias(arena, 7, new int[] {2, 16, 3},
                    List.of(Activation.RELU, Activation.IDENTITY), WeightScale.he(), 0.0);
            Options o = Options.builder().optimizer(Optimizer.SGD).loss(Loss.SOFTMAX_CROSS_ENTROPY).batchSize(20)
                    .epochs(30).learningRate(0.05).momentum(0.9).seed(8).build();
            double[] h = new Trainer(net, o, arena).fit(train, labels, null);
            assertTrue(h[29] < 0.5 * h[0], "loss " + h[0] + " → " + h[29]);
            int[] testLabels = new int[n];
            FloatMatrix test = blobs(arena, new SplittableRandom(9), testLabels);
            Trace tr = net.newTrace(arena, false);
            int correct = 0;
            for (int s = 0; s < n; s++) {
                FloatVec out = net.forward(test.row(s), tr);
                int arg = 0;
                for (int c = 1; c < 3; c++) {
                    if (out.get(c) > out.get(arg)) {
                        arg = c;
                    }
                }
                correct += arg == testLabels[s] ? 1 : 0;
            }
            assertTrue(correct >= 0.95 * n, "accuracy " + correct + "/" + n);
        }
    }

    private static FloatMatrix blobs(Arena arena, SplittableRandom rnd, int[] labels) {
        int n = labels.length;
        float[] x = new float[2 * n];
        for (int s = 0; s < n; s++) {
            int c = rnd.nextInt(3);
            labels[s] = c;
            double a = 2 * Math.PI * c / 3;
            x[2 * s] = (float) (Math.sqrt(3) * Math.cos(a) + 0.6 * gauss(rnd));
            x[2 * s + 1] = (float) (Math.sqrt(3) * Math.sin(a) + 0.6 * gauss(rnd));
        }
        return FloatMatrix.of(arena, n, 2, x);
    }

    private static double gauss(SplittableRandom rnd) {
        return Math.sqrt(-2 * Math.log(1 - rnd.nextDouble())) * Math.cos(2 * Math.PI * rnd.nextDouble());
    }

    // ------------------------------------------------------------------ determinism, validation, saving

    /** Same seed, data and initial weights: bitwise the same weights, for both optimizers; another seed differs. */
    @ParameterizedTest
    @EnumSource(Optimizer.class)
    void sameSeedGivesBitwiseSameWeights(Optimizer opt) {
        try (Arena arena = Arena.ofConfined()) {
            FloatMatrix inputs = FloatMatrix.of(arena, 100, 6, uniform(new SplittableRandom(1), 600));
            FloatMatrix targets = FloatMatrix.of(arena, 100, 5, uniform(new SplittableRandom(2), 500));
            Options o = Options.builder().optimizer(opt).batchSize(16).epochs(3).learningRate(1e-2).seed(42).build();
            float[][] a = trained(arena, o, inputs, targets), b = trained(arena, o, inputs, targets);
            float[][] c = trained(arena, o.toBuilder().seed(43).build(), inputs, targets);
            for (int i = 0; i < a.length; i++) {
                assertArrayEquals(a[i], b[i], "tensor " + i); // float equality: NaN-free, so bitwise here
            }
            boolean differs = false;
            for (int i = 0; i < a.length; i++) {
                differs |= !java.util.Arrays.equals(a[i], c[i]);
            }
            assertTrue(differs, "another shuffling seed gave the same weights");
        }
    }

    private static float[][] trained(Arena arena, Options o, FloatMatrix inputs, FloatMatrix targets) {
        Network net = RandomNetworks.gaussianWithBias(arena, 5, new int[] {6, 9, 5},
                List.of(Activation.TANH, Activation.SIGMOID), WeightScale.he(), 0.1);
        new Trainer(net, o, arena).fit(inputs, targets, null);
        List<float[]> out = new ArrayList<>();
        for (DenseLayer l : net.denseLayers("test")) {
            out.add(l.weight().toArray());
            out.add(l.bias().toArray());
        }
        return out.toArray(new float[0][]);
    }

    @Test
    void badOptionsAndArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Options.builder().batchSize(0).build());
        assertThrows(IllegalArgumentException.class, () -> Options.builder().epochs(0).build());
        assertThrows(IllegalArgumentException.class, () -> Options.builder().learningRate(0).build());
        assertThrows(IllegalArgumentException.class, () -> Options.builder().learningRate(Double.NaN).build());
        assertThrows(IllegalArgumentException.class, () -> Options.builder().momentum(1).build());
        assertThrows(IllegalArgumentException.class, () -> Options.builder().beta1(-0.1).build());
        assertThrows(IllegalArgumentException.class, () -> Options.builder().beta2(Double.NaN).build());
        assertThrows(IllegalArgumentException.class, () -> Options.builder().epsilon(0).build());
        assertThrows(RuntimeException.class, () -> Options.builder().loss(null).build());
        assertThrows(RuntimeException.class, () -> Options.builder().optimizer(null).build());
        try (Arena arena = Arena.ofConfined()) {
            Network net = RandomNetworks.gaussianWithBias(arena, 5, new int[] {3, 4, 2},
                    List.of(Activation.TANH, Activation.IDENTITY), WeightScale.he(), 0.1);
            Trainer mse = new Trainer(net, Options.builder().batchSize(4).build(), arena);
            FloatMatrix x = FloatMatrix.allocate(arena, 4, 3);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> mse.fit(x, new int[4], null));
            assertTrue(e.getMessage().contains("MSE"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> mse.fit(FloatMatrix.allocate(arena, 3, 3),
                    FloatMatrix.allocate(arena, 3, 2), null));
            assertTrue(e.getMessage().contains("batch size 4"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> mse.gradient(x, FloatMatrix.allocate(arena, 4, 3)));
            assertTrue(e.getMessage().contains("targets"), e.getMessage());
            Trainer ce = new Trainer(net, Options.builder().batchSize(4).loss(Loss.SOFTMAX_CROSS_ENTROPY).build(), arena);
            e = assertThrows(IllegalArgumentException.class, () -> ce.gradient(x, new int[] {0, 1, 2, 0}));
            assertTrue(e.getMessage().contains("labels[2]"), e.getMessage());
            Network one = RandomNetworks.gaussianWithBias(arena, 5, new int[] {3, 1}, List.of(Activation.IDENTITY),
                    WeightScale.he(), 0.1);
            assertThrows(IllegalArgumentException.class, () -> new Trainer(one,
                    Options.builder().loss(Loss.SOFTMAX_CROSS_ENTROPY).build(), arena));
            FloatMatrix padded = FloatMatrix.allocate(arena, 2, 3, 4);
            Network pad = Network.of(new DenseLayer(padded, null, Activation.RELU));
            e = assertThrows(IllegalArgumentException.class, () -> new Trainer(pad, Options.defaults(), arena));
            assertTrue(e.getMessage().contains("packed"), e.getMessage());
        }
    }

    /** A trained network saved as safetensors + model JSON loads back with the same bits and the same outputs. */
    @Test
    void trainedModelRoundTripsThroughSafetensors(@TempDir Path dir) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Network net = RandomNetworks.gaussianWithBias(arena, 5, new int[] {6, 9, 5},
                    List.of(Activation.RELU, Activation.TANH), WeightScale.he(), 0.1);
            FloatMatrix inputs = FloatMatrix.of(arena, 64, 6, uniform(new SplittableRandom(1), 384));
            FloatMatrix targets = FloatMatrix.of(arena, 64, 5, uniform(new SplittableRandom(2), 320));
            float[] before = net.dense(1).weight().toArray();
            new Trainer(net, Options.builder().batchSize(16).epochs(2).build(), arena).fit(inputs, targets, null);
            assertFalse(java.util.Arrays.equals(before, net.dense(1).weight().toArray()), "training changed nothing");
            Path json = dir.resolve("model.json");
            ModelFiles.save(net, json, "model.safetensors");
            Network back = ModelFiles.load(json, arena);
            assertEquals(net.toString(), back.toString());
            for (int l = 1; l <= net.depth(); l++) {
                assertArrayEquals(net.dense(l).weight().toArray(), back.dense(l).weight().toArray(), "W_" + l);
                assertArrayEquals(net.dense(l).bias().toArray(), back.dense(l).bias().toArray(), "b_" + l);
            }
            Trace t1 = net.newTrace(arena, false), t2 = back.newTrace(arena, false);
            assertArrayEquals(net.forward(inputs.row(3), t1).toArray(), back.forward(inputs.row(3), t2).toArray());
        }
    }

    // ------------------------------------------------------------------ helpers

    static float[] uniform(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (2 * rnd.nextDouble() - 1);
        }
        return a;
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
