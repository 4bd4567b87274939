package dev.netinvert.solvers.network;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Pool;
import dev.netinvert.kernels.PoolShape;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A 2-D pooling layer, PyTorch's {@code nn.MaxPool2d} or {@code nn.AvgPool2d} (floor mode; average pooling counts
 * the zero padding, {@code count_include_pad=True}), followed by an activation (usually the identity).
 *
 * <p>Average pooling is linear. Max pooling is not: its forward pass records, per output, the input that won its
 * window (4 bytes per output of scratch), and the adjoint scatters through those switches — the vector–Jacobian
 * product at the last forward pass, i.e. the fixed-switch linear map of the issue. Its norm is the bound
 * √(most windows that share one input), which holds for every switch pattern: each output reads one input, so
 * ‖Sx‖² = Σ_o x_{s(o)}² ≤ max_i #{o : s(o) = i}·‖x‖².
 */
public final class PoolLayer implements Layer {
    /** max or average. */
    public enum Kind {
        MAX("max_pool2d"), AVERAGE("avg_pool2d");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        /** The model-file kind. */
        public String label() {
            return label;
        }
    }

    private final Kind kind;
    private final PoolShape shape;
    private final Activation activation;
    private final NormCache norm = new NormCache(this::computeNorm);

    public PoolLayer(Kind kind, PoolShape shape, Activation activation) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.shape = Objects.requireNonNull(shape, "shape");
        this.activation = Objects.requireNonNull(activation, "activation");
    }

    public Kind poolKind() {
        return kind;
    }

    public PoolShape shape() {
        return shape;
    }

    @Override
    public boolean linear() {
        return kind == Kind.AVERAGE;
    }

    /** The switches of max pooling: one int per output. */
    @Override
    public long scratchBytes() {
        return kind == Kind.MAX ? 4L * shape.outputs() : 0;
    }

    @Override
    public FloatVec bias() {
        return null;
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
        return new Shape(shape.channels(), shape.inHeight(), shape.inWidth());
    }

    @Override
    public Shape outputShape() {
        return new Shape(shape.channels(), shape.outHeight(), shape.outWidth());
    }

    @Override
    public String kind() {
        return kind.label();
    }

    @Override
    public void forward(FloatVec x, FloatVec u, MemorySegment scratch) {
        apply(x, u, scratch);
    }

    @Override
    public void apply(FloatVec x, FloatVec u, MemorySegment scratch) {
        if (kind == Kind.MAX) {
            Pool.maxForward(shape, x, u, Objects.requireNonNull(scratch, "scratch (max pooling's switches)"));
        } else {
            Pool.avgForward(shape, x, u);
        }
    }

    @Override
    public void adjoint(FloatVec v, FloatVec out, MemorySegment scratch) {
        if (kind == Kind.MAX) {
            Pool.maxAdjoint(shape, Objects.requireNonNull(scratch, "scratch (max pooling's switches)"), v, out);
        } else {
            Pool.avgAdjoint(shape, v, out);
        }
    }

    @Override
    public OperatorNorm operatorNorm() {
        return norm.get();
    }

    private OperatorNorm computeNorm() {
        if (kind == Kind.MAX) {
            return new OperatorNorm((shape.kernel() + shape.stride() - 1) / shape.stride(), 0, true, 0);
        }
        return Lanczos.estimate(this);
    }

    @Override
    public String toString() {
        return "PoolLayer[" + kind.label() + " " + inputShape() + " → " + outputShape() + ", k=" + shape.kernel()
                + ", stride=" + shape.stride() + ", padding=" + shape.padding() + ", " + activation.name() + "]";
    }
}
