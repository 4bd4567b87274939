package dev.netinvert.solvers.network;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.linalg.LinearOperator;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One layer x_l = σ_l(A_l x_{l−1} + b_l) of a {@link Network}: an affine operator followed by an activation —
 * the model of eq. (1) [000] with W_l generalised to any operator A_l that has an adjoint (issue: convolutional
 * networks). The solvers that only need A and Aᵀ (forward, backpropagation, gradient descent, Adam, the lifted
 * coordinate descent of eqs. (15)-(17) [000], Landweber and PDHG-TV) work with every kind; those whose theory is
 * for dense matrices (the pursuits of [002], the LPs of [003], ADMM's Gram solves of [004]) ask for
 * {@link Network#dense(int)} and refuse other kinds with a message naming the layer.
 *
 * <p>Kinds: {@link DenseLayer} (W, {@code nn.Linear}), {@link ConvLayer} ({@code nn.Conv2d}),
 * {@link ConvTransposeLayer} ({@code nn.ConvTranspose2d}) and {@link PoolLayer} ({@code nn.MaxPool2d},
 * {@code nn.AvgPool2d}). Flatten/reshape is not a layer: images are stored channel-major, so a C×H×W image
 * <em>is</em> its flattened vector, and a shape is only checked where two layers meet.
 *
 * <p>Max pooling is not linear. It is kept in this contract as the <em>fixed-switch</em> linear map of its last
 * forward pass: {@link #forward} records which input won each window in the pass's scratch memory, and
 * {@link #adjoint} scatters back through those switches — which is exactly its vector–Jacobian product, and the
 * linearisation the lifted methods use. {@link #linear()} says which kind a layer is.
 *
 * <p>Both passes allocate nothing; per-pass state (max-pooling switches) lives in {@link #scratchBytes()} bytes of
 * memory that the caller's workspace ({@link Trace}, a solver's state) provides, one block per layer.
 */
public interface Layer {

    /** n_{l−1}, the number of inputs. */
    int inputs();

    /** n_l, the number of outputs. */
    int outputs();

    /** The input as an image, or null when the layer takes a flat vector (dense). */
    Shape inputShape();

    /** The output as an image, or null when the layer gives a flat vector (dense). */
    Shape outputShape();

    /** σ_l. */
    Activation activation();

    /** b_l (one value per output for dense, per output channel for convolutions), or null for none. */
    FloatVec bias();

    /** The {@code kind} of the model-file entry: "dense", "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d". */
    String kind();

    /** Whether A is linear; false for max pooling (see the class comment). */
    default boolean linear() {
        return true;
    }

    /** Bytes of per-pass scratch {@link #forward} and {@link #adjoint} need (0 for most kinds). */
    default long scratchBytes() {
        return 0;
    }

    /**
     * u ← A x + b (overwrite).
     *
     * @param x       {@link #inputs()} values; must not overlap u
     * @param u       {@link #outputs()} values
     * @param scratch {@link #scratchBytes()} bytes (may be null when that is 0), kept for {@link #adjoint}
     */
    void forward(FloatVec x, FloatVec u, MemorySegment scratch);

    /** u ← A x (overwrite; the linear part only, no bias): for norms and adjoint checks. */
    void apply(FloatVec x, FloatVec u, MemorySegment scratch);

    /**
     * This layer's linear part A (no bias) as a {@link LinearOperator}: {@link #apply}, {@link #adjoint} and
     * {@link #applyNormal} with the given scratch, for {@link Lanczos} and the conjugate-gradient Gram solves.
     *
     * @param scratch {@link #scratchBytes()} bytes, or null when that is 0
     */
    default LinearOperator linearOperator(MemorySegment scratch) {
        Layer layer = this;
        return new LinearOperator() {
            @Override
            public int inputs() {
                return layer.inputs();
            }

            @Override
            public int outputs() {
                return layer.outputs();
            }

            @Override
            public void apply(FloatVec x, FloatVec y) {
                layer.apply(x, y, scratch);
            }

            @Override
            public void applyAdjoint(FloatVec y, FloatVec x) {
                layer.adjoint(y, x, scratch);
            }

            @Override
            public void applyNormal(FloatVec q, FloatVec y, FloatVec x) {
                layer.applyNormal(q, y, x, scratch);
            }
        };
    }

    /**
     * out ← Aᵀ v (overwrite; no bias), the adjoint — for max pooling the adjoint of the switches recorded by the
     * last {@link #forward} with the same scratch.
     *
     * @param v   {@link #outputs()} values; must not overlap out
     * @param out {@link #inputs()} values
     */
    void adjoint(FloatVec v, FloatVec out, MemorySegment scratch);

    /**
     * u ← A q and out ← Aᵀ u (overwrite; no bias): {@link #apply} then {@link #adjoint}, the normal operator's
     * product, which a dense layer does in one pass over W with the same bits.
     *
     * @param q   {@link #inputs()} values; u and out must not overlap q or each other
     * @param u   {@link #outputs()} values
     * @param out {@link #inputs()} values
     */
    default void applyNormal(FloatVec q, FloatVec u, FloatVec out, MemorySegment scratch) {
        apply(q, u, scratch);
        adjoint(u, out, scratch);
    }

    /**
     * This layer for the span of one solve: the same layer, with whatever copy of its operator in {@code arena}
     * makes its forward passes faster for the solve's many calls, or this layer itself if there is none (the
     * default). The results are the same, bit for bit; the copy is a snapshot, valid while the arena is open, so
     * the operator must not change while the returned layer is in use. {@link DenseLayer} keeps W's copy for the
     * GEMV where rows are short ({@code Blas.packForGemv}).
     */
    default Layer forSolve(Arena arena) {
        return this;
    }

    /**
     * ‖A‖₂, computed once and cached (by the {@link Lanczos} iteration on AᵀA for linear kinds; for max pooling the bound
     * √(most windows that share one input), which holds for every switch pattern). Step sizes 1.99/‖A‖² of the
     * lifted methods come from it.
     */
    OperatorNorm operatorNorm();

    /**
     * A C×H×W image shape; its flattened vector is channel-major, row-major (PyTorch's memory order).
     */
    record Shape(int channels, int height, int width) {
        public Shape {
            if (channels < 1 || height < 1 || width < 1) {
                throw new IllegalArgumentException("shape: expected channels, height and width ≥ 1, got "
                        + channels + "×" + height + "×" + width);
            }
        }

        /** C·H·W. */
        public int size() {
            return Math.multiplyExact(Math.multiplyExact(channels, height), width);
        }

        @Override
        public String toString() {
            return channels + "×" + height + "×" + width;
        }
    }
}
