package dev.netinvert.solvers.network;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.reference.ReferenceKernels;

import java.util.Objects;

/**
 * The plain-array twin of {@link Network}: a copy of the weights in {@code float[]} and forward and
 * backward passes written with {@link ReferenceKernels} (one accumulator, sequential order). It is the
 * executable specification the fast passes are tested against, and the baseline of the forward-pass
 * benchmark. Its buffers are allocated once, in the constructor; not thread-safe.
 */
public final class ReferenceNetwork {
    private final float[][] w;
    private final float[][] b;
    private final int[] widths;
    private final Activation[] sigma;
    private final float[][] pre;
    private final float[][] out;
    private final float[][] delta;

    private ReferenceNetwork(Network network) {
        int depth = network.depth();
        w = new float[depth + 1][];
        b = new float[depth + 1][];
        sigma = new Activation[depth + 1];
        widths = new int[depth + 1];
        pre = new float[depth + 1][];
        out = new float[depth + 1][];
        delta = new float[depth + 1][];
        widths[0] = network.inputSize();
        for (int l = 1; l <= depth; l++) {
            DenseLayer layer = network.dense(l);
            w[l] = layer.weight().toArray();
            b[l] = layer.bias() == null ? null : layer.bias().toArray();
            sigma[l] = layer.activation();
            widths[l] = layer.outputs();
            pre[l] = new float[widths[l]];
            out[l] = new float[widths[l]];
            delta[l] = new float[widths[l]];
        }
    }

    /** A heap copy of {@code network}'s weights, biases and activations. */
    public static ReferenceNetwork copyOf(Network network) {
        return new ReferenceNetwork(Objects.requireNonNull(network, "network"));
    }

    /** N(z), returned in an internal array that the next call overwrites. */
    public float[] forward(float[] z) {
        if (z.length != widths[0]) {
            throw new IllegalArgumentException("z: expected length " + widths[0] + ", got " + z.length);
        }
        float[] x = z;
        for (int l = 1; l < widths.length; l++) {
            ReferenceKernels.gemv(1f, w[l], widths[l - 1], 0, widths[l], widths[l - 1], x, 0f, pre[l], b[l]);
            for (int i = 0; i < widths[l]; i++) {
                out[l][i] = sigma[l].apply(pre[l][i]);
            }
            x = out[l];
        }
        return x;
    }

    /** u_l of the last forward pass (internal array), l = 1..L. */
    public float[] preActivation(int l) {
        return pre[l];
    }

    /** x_l of the last forward pass (internal array), l = 1..L. */
    public float[] output(int l) {
        return out[l];
    }

    /**
     * ½‖N(z) − y‖² and grad = J_N(z)ᵀ (N(z) − y) by the chain rule, with σ′ from
     * {@link Activations#derivativeFromOutput}.
     */
    public double lossGradient(float[] z, float[] y, float[] grad) {
        int depth = widths.length - 1;
        float[] x = forward(z);
        double loss = 0;
        float[] d = delta[depth];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i] - y[i];
            loss += 0.5 * d[i] * d[i];
        }
        for (int l = depth; l >= 1; l--) {
            for (int i = 0; i < widths[l]; i++) {
                delta[l][i] *= Activations.derivativeFromOutput(sigma[l], out[l][i]);
            }
            float[] target = l == 1 ? grad : delta[l - 1];
            ReferenceKernels.gemvT(1f, w[l], widths[l - 1], 0, widths[l], widths[l - 1], delta[l], 0f, target);
        }
        return loss;
    }
}
