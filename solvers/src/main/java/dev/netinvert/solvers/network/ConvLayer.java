package dev.netinvert.solvers.network;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Conv;
import dev.netinvert.kernels.ConvShape;
import dev.netinvert.kernels.FloatVec;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A 2-D convolution layer x_l = σ(K ⋆ x_{l−1} + b), PyTorch's {@code nn.Conv2d} (cross-correlation, zero padding,
 * square kernel, equal stride and padding in both directions). The kernel K is {@code C_out × C_in × k × k} in
 * {@code nn.Conv2d.weight}'s memory order, b has C_out values (one per output channel) or is null. Input and output
 * are channel-major C×H×W images. The adjoint Aᵀ is the transposed convolution with the same K.
 *
 * <p>The layer holds views of K and b (e.g. of a memory-mapped model file); ‖A‖₂ is estimated by power
 * iteration on first request and cached, as for {@link DenseLayer}.
 */
public final class ConvLayer implements Layer {
    private final ConvShape shape;
    private final FloatVec weight;
    private final FloatVec bias;
    private final Activation activation;
    private final NormCache norm = new NormCache(() -> Lanczos.estimate(this));

    /**
     * @param shape      the convolution's geometry (channels, input size, kernel, stride, padding)
     * @param weight     K, {@link ConvShape#weightLength()} values, {@code C_out × C_in × k × k}
     * @param bias       C_out values, or null
     * @param activation σ
     */
    public ConvLayer(ConvShape shape, FloatVec weight, FloatVec bias, Activation activation) {
        this.shape = Objects.requireNonNull(shape, "shape");
        this.weight = Objects.requireNonNull(weight, "weight");
        this.activation = Objects.requireNonNull(activation, "activation");
        if (weight.length() != shape.weightLength()) {
            throw new IllegalArgumentException("weight: expected " + shape.weightLength() + " values ("
                    + shape.outChannels() + "×" + shape.inChannels() + "×" + shape.kernel() + "×" + shape.kernel()
                    + ", C_out × C_in × k × k), got " + weight.length());
        }
        if (bias != null && bias.length() != shape.outChannels()) {
            throw new IllegalArgumentException("bias: expected length " + shape.outChannels()
                    + " (one per output channel), got " + bias.length());
        }
        this.bias = bias;
    }

    public ConvShape shape() {
        return shape;
    }

    /** K, {@code C_out × C_in × k × k}. */
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
        return shape.inputs();
    }

    @Override
    public int outputs() {
        return shape.outputs();
    }

    @Override
    public Shape inputShape() {
        return new Shape(shape.inChannels(), shape.inHeight(), shape.inWidth());
    }

    @Override
    public Shape outputShape() {
        return new Shape(shape.outChannels(), shape.outHeight(), shape.outWidth());
    }

    @Override
    public String kind() {
        return "conv2d";
    }

    @Override
    public void forward(FloatVec x, FloatVec u, MemorySegment scratch) {
        Conv.forward(shape, weight, bias, x, u);
    }

    @Override
    public void apply(FloatVec x, FloatVec u, MemorySegment scratch) {
        Conv.forward(shape, weight, null, x, u);
    }

    @Override
    public void adjoint(FloatVec v, FloatVec out, MemorySegment scratch) {
        Conv.adjoint(shape, weight, v, out, null);
    }

    @Override
    public OperatorNorm operatorNorm() {
        return norm.get();
    }

    @Override
    public String toString() {
        return "ConvLayer[" + inputShape() + " → " + outputShape() + ", k=" + shape.kernel() + ", stride="
                + shape.stride() + ", padding=" + shape.padding() + (bias == null ? ", no bias" : ", bias") + ", "
                + activation.name() + "]";
    }
}
