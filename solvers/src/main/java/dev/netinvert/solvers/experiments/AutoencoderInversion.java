package dev.netinvert.solvers.experiments;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.IterationListener;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.lifted.LiftedResult;
import dev.netinvert.solvers.lifted.PdhgTv;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.SeededGaussian;
import dev.netinvert.solvers.parallel.Parallelism;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The perceptron-autoencoder experiment of [000] sec. 5.1.2: a trained autoencoder x̃ = W₂·ReLU(W₁x + b₁) + b₂ on
 * centred 28×28 images; the code y = ReLU(W₁x + b₁) of an image (optionally perturbed, y^δ = max(0, y + δξ))
 * is inverted by PDHG with total variation, eq. (14), on the encoder alone, and compared with the decoder's
 * output W₂y^δ + b₂ — "a nonlinear regularised inversion against a linear decoder". The paper's α: 5e-3 for
 * training images, 5e-2 for validation images; τx = 1.99/‖W₁‖², τz = 1/(8α).
 *
 * <p>Images are centred by subtracting the training mean before everything (as the paper does); truth, decoder
 * output and inversion are shown and scored after adding the mean back, clipped to [0, 1] for display only.
 */
public final class AutoencoderInversion {
    private AutoencoderInversion() {}

    public static final int SIDE = 28;

    /** One image's outcome; every image is 784 floats in [0, 1] scale (mean added back). */
    public record Case(String split, int index, float[] truth, float[] decoded, float[] inverted, double psnrDecoded,
                       double psnrInverted, double relErrorDecoded, double relErrorInverted, int iterations,
                       StopReason stopReason, double gap, double seconds) {}

    /**
     * @param autoencoder two dense layers: 784 → code (ReLU) → 784 (identity)
     * @param images      rows of 784 centred pixels (the training mean subtracted)
     * @param mean        the training mean that was subtracted
     * @param rows        which rows of {@code images} to invert
     * @param alpha       the TV weight
     * @param delta       noise on the code: y^δ = max(0, y + δξ), ξ ~ N(0, 1) seeded; 0 for the exact code
     */
    public static List<Case> run(Network autoencoder, FloatMatrix images, float[] mean, int[] rows, String split, double alpha,
                                 double delta, int maxIterations, long seed) {
        Objects.requireNonNull(autoencoder, "autoencoder");
        if (autoencoder.depth() != 2 || autoencoder.inputSize() != SIDE * SIDE || autoencoder.outputSize() != SIDE * SIDE
                || autoencoder.dense(1).activation() != Activation.RELU) {
            throw new IllegalArgumentException("autoencoder: expected 784 -> code (relu) -> 784, got " + autoencoder);
        }
        DenseLayer encoder = autoencoder.dense(1);
        Network decoder = Network.of(autoencoder.dense(2));
        List<Case> out = new ArrayList<>();
        SeededGaussian noise = new SeededGaussian(seed);
        PdhgTv.Options o = PdhgTv.Options.builder(alpha).maxIterations(maxIterations).build();
        try (Arena arena = Arena.ofShared(); Parallelism par = Parallelism.sequential()) {
            FloatVec code = FloatVec.allocate(arena, encoder.outputs());
            for (int r : rows) {
                FloatVec x = images.row(r);
                Network encoderNet = Network.of(encoder);
                FloatVec y = encoderNet.forward(x, arena);
                for (int j = 0; j < code.length(); j++) {
                    code.set(j, (float) Math.max(0, y.get(j) + delta * noise.nextGaussian()));
                }
                float[] decoded = decoder.forward(code, arena).toArray();
                long t0 = System.nanoTime();
                LiftedResult inv = PdhgTv.solve(encoder, code, 1, SIDE, SIDE, o, par, IterationListener.NONE);
                double seconds = (System.nanoTime() - t0) * 1e-9;
                float[] truth = x.toArray(), inverted = inv.x();
                for (int p = 0; p < truth.length; p++) {
                    truth[p] += mean[p];
                    decoded[p] += mean[p];
                    inverted[p] += mean[p];
                }
                double[] gaps = inv.history().gap();
                out.add(new Case(split, r, truth, decoded, inverted, ImageMetrics.psnr(decoded, truth),
                        ImageMetrics.psnr(inverted, truth), ImageMetrics.relativeError(decoded, truth),
                        ImageMetrics.relativeError(inverted, truth), inv.iterations(), inv.stopReason(),
                        gaps.length == 0 ? Double.NaN : gaps[gaps.length - 1], seconds));
            }
        }
        return out;
    }

    /** Three rows (truth, decoder, inversion) of the cases side by side, each image enlarged {@code scale}×. */
    public static float[] montage(List<Case> cases, int scale, int gap, int[] shapeOut) {
        List<float[]> truth = new ArrayList<>(), dec = new ArrayList<>(), inv = new ArrayList<>();
        for (Case c : cases) {
            truth.add(c.truth());
            dec.add(c.decoded());
            inv.add(c.inverted());
        }
        float[] a = CircleReport.montage(truth, SIDE, SIDE, scale, gap);
        float[] b = CircleReport.montage(dec, SIDE, SIDE, scale, gap);
        float[] c = CircleReport.montage(inv, SIDE, SIDE, scale, gap);
        int w = a.length / (SIDE * scale), h = SIDE * scale;
        float[] out = new float[(3 * h + 2 * gap) * w];
        java.util.Arrays.fill(out, 1f);
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, (h + gap) * w, b.length);
        System.arraycopy(c, 0, out, 2 * (h + gap) * w, c.length);
        shapeOut[0] = 3 * h + 2 * gap;
        shapeOut[1] = w;
        return out;
    }
}
