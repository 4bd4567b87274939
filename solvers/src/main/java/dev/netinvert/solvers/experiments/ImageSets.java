package dev.netinvert.solvers.experiments;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.solvers.network.BatchTrace;
import dev.netinvert.solvers.network.Network;
import java.lang.foreign.Arena;

/** Small operations on a set of images (one per row) shared by the training and the trained-network experiments. */
public final class ImageSets {
    private ImageSets() {}

    /** Rows per batch pass of {@link #mse} and {@link #accuracy}. */
    static final int CHUNK = 256;

    /** The mean image (the paper's "centring" subtracts it). */
    public static float[] mean(FloatMatrix images) {
        double[] s = new double[images.cols()];
        for (int i = 0; i < images.rows(); i++) {
            for (int j = 0; j < s.length; j++) {
                s[j] += images.get(i, j);
            }
        }
        float[] m = new float[s.length];
        for (int j = 0; j < s.length; j++) {
            m[j] = (float) (s[j] / images.rows());
        }
        return m;
    }

    /** A copy of the images with {@code mean} subtracted from every row, in {@code arena}. */
    public static FloatMatrix centred(FloatMatrix images, float[] mean, Arena arena) {
        FloatMatrix c = FloatMatrix.allocate(arena, images.rows(), images.cols());
        for (int i = 0; i < images.rows(); i++) {
            for (int j = 0; j < images.cols(); j++) {
                c.set(i, j, images.get(i, j) - mean[j]);
            }
        }
        return c;
    }

    /** Mean over rows of ½‖N(x) − x‖² (an autoencoder's reconstruction loss), by batch passes. */
    public static double mse(Network net, FloatMatrix x, Arena arena) {
        double sum = 0;
        try (Arena scratch = Arena.ofShared()) {
            BatchTrace trace = null;
            for (int r0 = 0; r0 < x.rows(); r0 += CHUNK) {
                int r1 = Math.min(x.rows(), r0 + CHUNK);
                if (trace == null || trace.batchSize() != r1 - r0) {
                    trace = net.newBatchTrace(scratch, r1 - r0, false);
                }
                FloatMatrix y = net.forward(x.rows(r0, r1), trace);
                for (int i = 0; i < y.rows(); i++) {
                    for (int j = 0; j < y.cols(); j++) {
                        double d = y.get(i, j) - x.get(r0 + i, j);
                        sum += 0.5 * d * d;
                    }
                }
            }
        }
        return sum / x.rows();
    }

    /** The fraction of rows whose largest output is the label. */
    public static double accuracy(Network net, FloatMatrix x, int[] labels, Arena arena) {
        int right = 0;
        try (Arena scratch = Arena.ofShared()) {
            BatchTrace trace = null;
            for (int r0 = 0; r0 < x.rows(); r0 += CHUNK) {
                int r1 = Math.min(x.rows(), r0 + CHUNK);
                if (trace == null || trace.batchSize() != r1 - r0) {
                    trace = net.newBatchTrace(scratch, r1 - r0, false);
                }
                FloatMatrix y = net.forward(x.rows(r0, r1), trace);
                for (int i = 0; i < y.rows(); i++) {
                    int best = 0;
                    for (int j = 1; j < y.cols(); j++) {
                        if (y.get(i, j) > y.get(i, best)) {
                            best = j;
                        }
                    }
                    right += best == labels[r0 + i] ? 1 : 0;
                }
            }
        }
        return (double) right / x.rows();
    }
}
