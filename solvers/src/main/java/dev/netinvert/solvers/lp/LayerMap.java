package dev.netinvert.solvers.lp;

import dev.netinvert.kernels.Activation;
import dev.netinvert.solvers.network.DenseLayer;

import java.util.Objects;

/**
 * One layer φ(z) = σ(W z + b) in double precision, with σ = ReLU or leaky ReLU — the only activations the
 * layer-wise inversion of [003] handles, because only for them is "which units are on" a set of linear
 * inequalities (sec. 3 [003]). Made once per layer solve from the network's float weights.
 *
 * <p>{@code W} is {@code outputs × inputs}, row-major (the network's layout).
 */
final class LayerMap {
    final int layer;
    final int outputs;
    final int inputs;
    final double[] w;
    final double[] b;
    /** The leaky slope c ∈ (0, 1), or 0 for ReLU. */
    final double slope;
    /** Whether the unknown input of this layer is the output of a ReLU (so z ≥ 0); false for the latent. */
    final boolean nonNegativeInput;

    private LayerMap(int layer, double[] w, double[] b, int outputs, int inputs, double slope, boolean nonNegativeInput) {
        this.layer = layer;
        this.w = w;
        this.b = b;
        this.outputs = outputs;
        this.inputs = inputs;
        this.slope = slope;
        this.nonNegativeInput = nonNegativeInput;
    }

    /**
     * The double-precision map of layer {@code l}.
     *
     * @param nonNegativeInput true when the layer's input is a ReLU output (a hidden layer after ReLU)
     * @throws IllegalArgumentException naming the layer and its activation when σ is not ReLU or leaky ReLU
     */
    static LayerMap of(int l, DenseLayer layer, boolean nonNegativeInput) {
        Objects.requireNonNull(layer, "layer");
        double slope = slopeOf(l, layer.activation());
        int m = layer.outputs(), n = layer.inputs();
        double[] w = widen(layer.weight().toArray());
        double[] b = layer.bias() == null ? new double[m] : widen(layer.bias().toArray());
        return new LayerMap(l, w, b, m, n, slope, nonNegativeInput);
    }

    private static double[] widen(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** 0 for ReLU, c for leaky ReLU with slope c; anything else is refused by name. */
    static double slopeOf(int l, Activation sigma) {
        return switch (sigma) {
            case Activation.Relu r -> 0.0;
            case Activation.LeakyRelu leaky when leaky.slope() < 1f -> leaky.slope();
            default -> throw new IllegalArgumentException("layer " + l + ": activation " + sigma.name()
                    + " is not supported by the layer-wise LP inversion of [003] (expected relu or leaky_relu with slope < 1)");
        };
    }

    boolean leaky() {
        return slope > 0;
    }

    /** σ(u) for this layer's activation. */
    double activate(double u) {
        return u > 0 ? u : slope * u;
    }

    /** W z + b, outputs elements. */
    double[] preActivation(double[] z) {
        double[] u = new double[outputs];
        for (int i = 0; i < outputs; i++) {
            double s = b[i];
            for (int j = 0, off = i * inputs; j < inputs; j++) {
                s += w[off + j] * z[j];
            }
            u[i] = s;
        }
        return u;
    }

    /** φ(z) = σ(W z + b). */
    double[] apply(double[] z) {
        double[] u = preActivation(z);
        for (int i = 0; i < u.length; i++) {
            u[i] = activate(u[i]);
        }
        return u;
    }

    /** ‖φ(z) − x‖_∞ and ‖φ(z) − x‖₁ (index 0 and 1). */
    double[] residualNorms(double[] z, double[] x) {
        double[] phi = apply(z);
        double inf = 0, one = 0;
        for (int i = 0; i < phi.length; i++) {
            double d = Math.abs(phi[i] - x[i]);
            inf = Math.max(inf, d);
            one += d;
        }
        return new double[] {inf, one};
    }
}
