package dev.netinvert.solvers.network;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Fused;
import dev.netinvert.kernels.PackedMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * One fully connected layer x_l = σ_l(W_l x_{l−1} + b_l).
 *
 * <p>W is {@code n_l × n_{l−1}} (outputs × inputs), row-major — exactly the layout of PyTorch's
 * {@code nn.Linear.weight}, a C-order .npy array and a safetensors tensor, so a memory-mapped file can
 * be used in place. b has n_l elements or is {@code null} for a layer without bias (the networks of
 * [002] sec. 6.1 and [003] sec. 5.1). The layer holds views; whoever created the memory (an
 * {@link java.lang.foreign.Arena}) keeps it alive.
 *
 * <p>The operator norm ‖W‖₂ is computed on first request by {@link Lanczos} with its defaults and
 * cached; concurrent first requests compute it once. The layer does not copy W, so the cache assumes
 * the caller does not modify W afterwards, and the first request reads W on the calling thread (W's
 * arena must allow that: a shared or global arena, or the owner thread of a confined one).
 */
public final class DenseLayer implements Layer {
    /** W, and for {@link #forward} and {@link #apply} nothing else or the GEMV's copy of it ({@link #forSolve}). */
    private final PackedMatrix weight;
    private final FloatVec bias;
    private final Activation activation;
    private final NormCache norm;
    /** The target 0 of {@link #applyNormal}'s fused gradient, W.rows floats, allocated on first use. */
    private volatile FloatVec zeros;

    /**
     * @param weight     W, {@code n_l × n_{l−1}} with both ≥ 1
     * @param bias       b with n_l elements, or null for none
     * @param activation σ_l
     */
    public DenseLayer(FloatMatrix weight, FloatVec bias, Activation activation) {
        Objects.requireNonNull(weight, "weight");
        this.activation = Objects.requireNonNull(activation, "activation");
        if (weight.rows() < 1 || weight.cols() < 1) {
            throw new IllegalArgumentException(
                    "weight: expected at least 1×1 (outputs × inputs), got " + weight.rows() + "×" + weight.cols());
        }
        if (bias != null && bias.length() != weight.rows()) {
            throw new IllegalArgumentException("bias: expected length " + weight.rows()
                    + " (= weight rows, the layer's outputs), got " + bias.length());
        }
        this.bias = bias;
        this.weight = PackedMatrix.unpacked(weight);
        this.norm = new NormCache(() -> Lanczos.estimate(weight()));
    }

    /** {@code of} with W's GEMV copy, sharing its norm cache. */
    private DenseLayer(DenseLayer of, PackedMatrix weight) {
        this.weight = weight;
        this.bias = of.bias;
        this.activation = of.activation;
        this.norm = of.norm;
    }

    /**
     * This layer with a copy of W in the order the GEMV kernel reads it ({@link Blas#packForGemv}), in {@code arena}:
     * {@link #forward} and {@link #apply} give the same bits, faster where rows are short (mostly 10-20 % under
     * AVX2 at 100-300 columns); every other product reads W, and the operator norm is this layer's (one cache).
     * This layer itself where the kernels keep no copy for W's shape. A snapshot: W must not change while the
     * returned layer is in use, and it is valid while {@code arena} is open.
     */
    @Override
    public DenseLayer forSolve(Arena arena) {
        PackedMatrix packed = Blas.packForGemv(arena, weight());
        return packed.isPacked() ? new DenseLayer(this, packed) : this;
    }

    /** W, {@code outputs × inputs}. */
    public FloatMatrix weight() {
        return weight.matrix();
    }

    /** b, or null when the layer has no bias. */
    @Override
    public FloatVec bias() {
        return bias;
    }

    @Override
    public Activation activation() {
        return activation;
    }

    /** n_{l−1}, the number of columns of W. */
    @Override
    public int inputs() {
        return weight().cols();
    }

    /** n_l, the number of rows of W. */
    @Override
    public int outputs() {
        return weight().rows();
    }

    /**
     * ‖W‖₂ estimated by {@link Lanczos#estimate(FloatMatrix)} (default seed, relative tolerance
     * 1e-6, at most 500 iterations), computed once and cached. Thread-safe.
     */
    @Override
    public OperatorNorm operatorNorm() {
        return norm.get();
    }

    /** Null: a dense layer takes a flat vector. */
    @Override
    public Shape inputShape() {
        return null;
    }

    /** Null: a dense layer gives a flat vector. */
    @Override
    public Shape outputShape() {
        return null;
    }

    @Override
    public String kind() {
        return "dense";
    }

    /** u ← W x + b, one GEMV (through W's GEMV copy where {@link #forSolve} made one). */
    @Override
    public void forward(FloatVec x, FloatVec u, MemorySegment scratch) {
        Blas.gemv(1f, weight, x, 0f, u, bias);
    }

    @Override
    public void apply(FloatVec x, FloatVec u, MemorySegment scratch) {
        Blas.gemv(1f, weight, x, 0f, u, null);
    }

    /** out ← Wᵀ v, one GEMVᵀ. */
    @Override
    public void adjoint(FloatVec v, FloatVec out, MemorySegment scratch) {
        Blas.gemvT(1f, weight(), v, 0f, out);
    }

    /**
     * WᵀW q in one pass over W: the fused gradient with σ = identity and target 0 (z = W q, then Wᵀz row by row
     * while each row is in cache). Its z is the GEMV's and its product the GEMVᵀ's, bit for bit (the kernels'
     * contract, {@code LayoutIndependenceTest}), so the default's numbers at half its passes over W: what the
     * operator-norm estimate ({@link Lanczos}) of a large W spends its time on.
     */
    @Override
    public void applyNormal(FloatVec q, FloatVec u, FloatVec out, MemorySegment scratch) {
        FloatVec zero = zeros;
        if (zero == null) { // two threads may both allocate one: either will do
            zeros = zero = FloatVec.allocate(Arena.ofAuto(), outputs());
        }
        Fused.bregmanGradient(Activation.IDENTITY, weight(), q, null, zero, u, out);
    }

    @Override
    public String toString() {
        return "DenseLayer[" + outputs() + "×" + inputs() + (bias == null ? ", no bias" : ", bias")
                + ", " + activation.name() + (weight.isPacked() ? ", GEMV copy" : "") + "]";
    }
}
