package dev.netinvert.solvers.network;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Conv;
import dev.netinvert.kernels.ConvShape;
import dev.netinvert.kernels.FloatVec;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A 2-D transposed convolution layer, PyTorch's {@code nn.ConvTranspose2d}: x_l = σ(Kᵀ ⋆ x_{l−1} + b), the adjoint of
 * a {@code Conv2d} with the channels swapped. Its weight {@code C_in × C_out × k × k} ({@code nn.ConvTranspose2d.weight})
 * is, in memory, exactly the kernel of that convolution (whose {@code outChannels} is this layer's C_in), so the
 * forward pass is {@link Conv#adjoint} and the adjoint is {@link Conv#forward}, on the same memory.
 *
 * <p>Output size: H_out = (H_in − 1)·stride − 2·padding + k + outputPadding, with 0 ≤ outputPadding &lt; stride (as in
 * PyTorch; outputPadding picks one of the stride's input sizes that a strided convolution maps to the same size).
 */
public final class ConvTransposeLayer implements Layer {
    private final ConvShape conv;
    private final FloatVec weight;
    private final FloatVec bias;
    private final Activation activation;
    private final int outputPadding;
    private final NormCache norm = new NormCache(() -> Lanczos.estimate(this));

    /**
     * @param inChannels    C_in (this layer's input channels)
     * @param inHeight      H_in
     * @param inWidth       W_in
     * @param outChannels   C_out
     * @param kernel        k
     * @param stride        ≥ 1
     * @param padding       ≥ 0
     * @param outputPadding 0 ≤ outputPadding &lt; stride
     * @param weight        {@code C_in × C_out × k × k} values
     * @param bias          C_out values, or null
     */
    public ConvTransposeLayer(int inChannels, int inHeight, int inWidth, int outChannels, int kernel, int stride,
                              int padding, int outputPadding, FloatVec weight, FloatVec bias, Activation activation) {
        if (outputPadding < 0 || outputPadding >= Math.max(1, stride)) {
            throw new IllegalArgumentException("outputPadding: expected 0 ≤ outputPadding < stride = " + stride + ", got "
                    + outputPadding);
        }
        if (inHeight < 1 || inWidth < 1) {
            throw new IllegalArgumentException("input size: expected H_in, W_in ≥ 1, got " + inHeight + "×" + inWidth);
        }
        int outHeight = (inHeight - 1) * stride - 2 * padding + kernel + outputPadding;
        int outWidth = (inWidth - 1) * stride - 2 * padding + kernel + outputPadding;
        if (outHeight < 1 || outWidth < 1) {
            throw new IllegalArgumentException("output size: (H_in − 1)·stride − 2·padding + k + outputPadding must be ≥ 1,"
                    + " got " + outHeight + "×" + outWidth);
        }
        // The convolution this layer is the adjoint of: C_out → C_in channels on the H_out × W_out image.
        this.conv = new ConvShape(outChannels, outHeight, outWidth, inChannels, kernel, stride, padding);
        if (conv.outHeight() != inHeight || conv.outWidth() != inWidth) {
            throw new IllegalArgumentException("geometry: the convolution of " + outHeight + "×" + outWidth + " maps to "
                    + conv.outHeight() + "×" + conv.outWidth() + ", not the input " + inHeight + "×" + inWidth);
        }
        this.outputPadding = outputPadding;
        this.weight = Objects.requireNonNull(weight, "weight");
        this.activation = Objects.requireNonNull(activation, "activation");
        if (weight.length() != conv.weightLength()) {
            throw new IllegalArgumentException("weight: expected " + conv.weightLength() + " values (" + inChannels + "×"
                    + outChannels + "×" + kernel + "×" + kernel + ", C_in × C_out × k × k), got " + weight.length());
        }
        if (bias != null && bias.length() != outChannels) {
            throw new IllegalArgumentException("bias: expected length " + outChannels + " (one per output channel), got "
                    + bias.length());
        }
        this.bias = bias;
    }

    /** The convolution whose adjoint this layer applies (its input is this layer's output). */
    public ConvShape convolution() {
        return conv;
    }

    public int outputPadding() {
        return outputPadding;
    }

    /** {@code C_in × C_out × k × k}. */
    public FloatVec weight() {
        return weight;
    }

    @Override
    public FloatVec bias() {
        return bias;
    }

    @Override
    public Activation activation() {
        return activation;
    }

    @Override
    public int inputs() {
        return conv.outputs();
    }

    @Override
    public int outputs() {
        return conv.inputs();
    }

    @Override
    public Shape inputShape() {
        return new Shape(conv.outChannels(), conv.outHeight(), conv.outWidth());
    }

    @Override
    public Shape outputShape() {
        return new Shape(conv.inChannels(), conv.inHeight(), conv.inWidth());
    }

    @Override
    public String kind() {
        return "conv_transpose2d";
    }

    @Override
    public void forward(FloatVec x, FloatVec u, MemorySegment scratch) {
        Conv.adjoint(conv, weight, x, u, bias);
    }

    @Override
    public void apply(FloatVec x, FloatVec u, MemorySegment scratch) {
        Conv.adjoint(conv, weight, x, u, null);
    }

    @Override
    public void adjoint(FloatVec v, FloatVec out, MemorySegment scratch) {
        Conv.forward(conv, weight, null, v, out);
    }

    @Override
    public OperatorNorm operatorNorm() {
        return norm.get();
    }

    @Override
    public String toString() {
        return "ConvTransposeLayer[" + inputShape() + " → " + outputShape() + ", k=" + conv.kernel() + ", stride="
                + conv.stride() + ", padding=" + conv.padding() + ", outputPadding=" + outputPadding
                + (bias == null ? ", no bias" : ", bias") + ", " + activation.name() + "]";
    }
}
