package dev.netinvert.solvers.train;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.Conv;
import dev.netinvert.kernels.ConvShape;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Fused;
import dev.netinvert.kernels.Pool;
import dev.netinvert.kernels.PoolShape;
import dev.netinvert.solvers.OptionChecks;
import dev.netinvert.solvers.network.Activations;
import dev.netinvert.solvers.network.ConvLayer;
import dev.netinvert.solvers.network.ConvTransposeLayer;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Layer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.PoolLayer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Minibatch training of a {@link Network} in place — dense, convolutional ({@link ConvLayer}), transposed
 * convolutional ({@link ConvTransposeLayer}) and pooling ({@link PoolLayer}, average or max) layers in any chain —
 * by SGD with momentum or Adam, on the mean squared error or the softmax cross-entropy, with the batched kernels
 * of {@link Blas} and {@link Conv} for both passes.
 *
 * <h2>One step on a minibatch of B samples (one per row)</h2>
 * <pre>
 *   forward:   U_l = A_l(X_{l−1}) + b_l,   X_l = σ_l(U_l)                          (in place)
 *   loss:      MSE  ℓ = (1/B)·Σ_s ½‖x_{L,s} − t_s‖²,            ∂ℓ/∂X_L = (X_L − T)/B
 *              CE   ℓ = −(1/B)·Σ_s log softmax(x_{L,s})[y_s],   ∂ℓ/∂X_L = (softmax(X_L) − onehot(y))/B
 *   backward:  δ_L = (B·∂ℓ/∂X_L) ⊙ σ_L′,  δ_{l−1} = A_lᵀ(δ_l) ⊙ σ_{l−1}′
 *              ∇θ_l = ∂/∂θ_l Σ_s ⟨δ_{l,s}, A_l(x_{l−1,s}) + b_l⟩ / B
 * </pre>
 * with σ′ taken from the stored outputs ({@link Activation#derivativeFromOutput}). For the cross-entropy the last
 * activation is normally the identity (the outputs are the logits); any other σ_L is differentiated through.
 *
 * <p>Per kind of layer (one image per row, channel-major C×H×W):
 * <ul>
 *   <li>dense: U = X·Wᵀ + 1·bᵀ ({@code Blas.gemmNT}), δ_{l−1} = δ_l·W ({@code gemmNN}), ∇W = δ_lᵀ·X_{l−1}/B
 *       ({@code gemmTN}), ∇b = column sums of δ_l / B;</li>
 *   <li>convolution K: U = K ⋆ X + b and δ_{l−1} = Kᵀ ⋆ δ_l by the batched {@link Conv#forward} /
 *       {@link Conv#adjoint} (im2col + GEMM); ∇K = (1/B)·Σ_s δ_{l,s}·im2col(x_{l−1,s})ᵀ, a
 *       {@code C_out × P} by {@code P × C_in·k²} GEMM per image accumulated in place ({@code Blas.gemmNT}, β = 1 after
 *       the first; P = H_out·W_out), and ∇b[o] = Σ over batch and positions of δ_l in channel o (a GEMV for the column
 *       sums, one for the channel sums). This is the lowering of {@link Conv#weightGradient}, which takes one image and
 *       measured 45 ms per minibatch of 64 at [000]'s 8 → 16 channel shape against ≈ 2 ms here;</li>
 *   <li>transposed convolution (the adjoint of the convolution K whose input is this layer's output): U = Kᵀ ⋆ X + b
 *       by the batched {@link Conv#adjoint}, δ_{l−1} = K ⋆ δ_l by the batched {@link Conv#forward}; since
 *       ⟨δ, Kᵀx⟩ = ⟨K δ, x⟩, ∇K is the convolution's weight gradient with the roles of input and output swapped,
 *       (1/B)·Σ_s x_{l−1,s}·im2col(δ_{l,s})ᵀ, and ∇b as for the convolution, per channel of δ_l;</li>
 *   <li>pooling: no parameters; average pooling and its transpose, max pooling with its switches (the input that
 *       won each window, recorded per sample in the forward pass) and the scatter through them — per sample,
 *       as {@link Pool} has no batched form.</li>
 * </ul>
 *
 * <h2>Updates</h2>
 * SGD (PyTorch's convention): v ← μ·v + ∇, θ ← θ − η·v (plain θ ← θ − η·∇ when μ = 0). Adam [Kingma–Ba 2015]
 * with bias corrections, by {@link Fused#adamStep}: after step k, η̂ = η/(1 − β₁ᵏ), ŝ = 1/(1 − β₂ᵏ).
 *
 * <h2>Epochs, determinism, memory</h2>
 * Every epoch visits the samples in the order of a fresh permutation drawn from a {@link SplittableRandom} seeded
 * once per {@link #fit} with {@link Options#seed()} (Fisher–Yates), in ⌊N/B⌋ full minibatches; the N mod B samples
 * left at the end of a permutation sit that epoch out (PyTorch's {@code drop_last}; another permutation includes
 * them next time). Everything is single-threaded and in a fixed order, so the same seed, data and starting weights
 * give bitwise the same weights. (For convolutional networks, once the kernels are JIT-compiled: a run whose kernels
 * were partly interpreted was once seen to differ in the last bit of a weight, as the Vector API leaves the order of
 * lane reductions to the implementation.) All workspaces (including the per-row views the per-sample loops use and the
 * im2col scratch of the batched convolutions) are allocated by the constructor in the caller's arena; a step
 * of a dense network allocates nothing (TrainerAllocationTest); the convolutional path creates no object itself but
 * has no allocation test yet.
 *
 * <p>The weights must be writable (e.g. {@code RandomNetworks.gaussianWithBias}), dense ones packed. A trainer is
 * not thread-safe.
 */
public final class Trainer {

    /** The loss to minimise. */
    public enum Loss {
        /** ℓ = (1/B)·Σ_s ½‖N(x_s) − t_s‖², with targets t_s of n_L values. */
        MSE,
        /** ℓ = −(1/B)·Σ_s log softmax(N(x_s))[y_s], with integer labels 0 ≤ y_s &lt; n_L. */
        SOFTMAX_CROSS_ENTROPY
    }

    /** The update rule. */
    public enum Optimizer { SGD, ADAM }

    /** Told the mean minibatch loss of every epoch, as training goes. */
    @FunctionalInterface
    public interface EpochListener {
        /** @param epoch 1-based; @param meanLoss the mean of the epoch's minibatch losses (before each update) */
        void epochEnd(int epoch, double meanLoss);
    }

    /**
     * @param optimizer    SGD or Adam
     * @param loss         MSE or softmax cross-entropy
     * @param batchSize    B ≥ 1
     * @param epochs       ≥ 1
     * @param learningRate η &gt; 0
     * @param momentum     μ ∈ [0, 1) (SGD only)
     * @param beta1        β₁ ∈ [0, 1) (Adam only)
     * @param beta2        β₂ ∈ [0, 1) (Adam only)
     * @param epsilon      ε &gt; 0 (Adam only)
     * @param seed         the shuffling seed
     */
    public record Options(Optimizer optimizer, Loss loss, int batchSize, int epochs, double learningRate,
                          double momentum, double beta1, double beta2, double epsilon, long seed) {
        public Options {
            OptionChecks.present("optimizer", optimizer);
            OptionChecks.present("loss", loss);
            OptionChecks.atLeast("batchSize", batchSize, 1);
            OptionChecks.atLeast("epochs", epochs, 1);
            OptionChecks.positive("learningRate", learningRate);
            unitInterval("momentum", momentum);
            unitInterval("beta1", beta1);
            unitInterval("beta2", beta2);
            OptionChecks.positive("epsilon", epsilon);
        }

        private static void unitInterval(String name, double value) {
            if (!(value >= 0 && value < 1)) {
                throw new IllegalArgumentException(name + " must be in [0, 1), got " + value);
            }
        }

        /** Adam, MSE, B = 64, 10 epochs, η = 1e-3, μ = 0.9, β₁ = 0.9, β₂ = 0.999, ε = 1e-8, seed 0. */
        public static Options defaults() {
            return builder().build();
        }

        public static Builder builder() {
            return new Builder();
        }

        public Builder toBuilder() {
            return builder().optimizer(optimizer).loss(loss).batchSize(batchSize).epochs(epochs)
                    .learningRate(learningRate).momentum(momentum).beta1(beta1).beta2(beta2).epsilon(epsilon).seed(seed);
        }

        /** Named setters; the initial values are the defaults, written here only. */
        public static final class Builder {
            private Optimizer optimizer = Optimizer.ADAM;
            public Builder optimizer(Optimizer value) { optimizer = value; return this; }
            private Loss loss = Loss.MSE;
            public Builder loss(Loss value) { loss = value; return this; }
            private int batchSize = 64;
            public Builder batchSize(int value) { batchSize = value; return this; }
            private int epochs = 10;
            public Builder epochs(int value) { epochs = value; return this; }
            private double learningRate = 1e-3;
            public Builder learningRate(double value) { learningRate = value; return this; }
            private double momentum = 0.9;
            public Builder momentum(double value) { momentum = value; return this; }
            private double beta1 = 0.9;
            public Builder beta1(double value) { beta1 = value; return this; }
            private double beta2 = 0.999;
            public Builder beta2(double value) { beta2 = value; return this; }
            private double epsilon = 1e-8;
            public Builder epsilon(double value) { epsilon = value; return this; }
            private long seed = 0;
            public Builder seed(long value) { seed = value; return this; }

            private Builder() {}

            public Options build() {
                return new Options(optimizer, loss, batchSize, epochs, learningRate, momentum, beta1, beta2, epsilon,
                        seed);
            }
        }
    }

    private final Network network;
    private final Options options;
    private final int depth, batch;
    /** The minibatch's inputs X_0 ({@code B × n_0}) and, for MSE, targets T ({@code B × n_L}). */
    private final FloatMatrix input, target;
    private final FloatVec targetFlat;
    /** The minibatch's labels (cross-entropy). */
    private final int[] labels;
    /** x[l] = X_l, delta[l] = δ_l ({@code B × n_l}, packed), l = 1..L; x[0] = input. */
    private final FloatMatrix[] x, delta;
    private final FloatVec[] xFlat, deltaFlat;
    /** Row views of x[l] and delta[l] for the per-sample loops (conv weight gradients, pooling), else null. */
    private final FloatVec[][] xRows, deltaRows;
    /** Max pooling's switches, one slice of 4·n_l bytes per sample, for the max-pooling layers (else null). */
    private final MemorySegment[][] switches;
    /** ∇W_l of dense layers as a matrix (null for the other kinds). */
    private final FloatMatrix[] gradW;
    /** Parameters and gradients per layer as flat vectors (null for layers without them) and optimizer state. */
    private final FloatVec[] weightFlat, gradWFlat, gradB, momentW, momentB, secondW, secondB;
    /** Convolutions with bias: the column sums of δ_l ({@code n_l}) and that as C × H·W. */
    private final FloatVec[] columnSums;
    private final FloatMatrix[] channelSums;
    /**
     * Convolutions: ∇K as a {@code C_out × C_in·k²} matrix (of the convolution K is the adjoint of, for a transposed
     * one), the im2col scratch as {@code C_in·k² × P}, and per sample the {@code C_out × P} matrix the GEMM multiplies
     * (δ_l's row for a convolution, x_{l−1}'s row for a transposed one).
     */
    private final FloatMatrix[] gradK, colMatrix;
    private final FloatMatrix[][] outputRows;
    /** B ones (column sums), and the H·W ones of each transposed convolution with bias (channel sums). */
    private final FloatVec ones;
    private final FloatVec[] onesPlane;
    /** The batched convolutions' im2col scratch (the largest over the layers), or null. */
    private final FloatVec convScratch;
    private long steps;

    /**
     * A trainer for {@code network}, whose weights and biases it will update in place, with every workspace
     * allocated in {@code arena} (about 2·B·Σn_l floats for the passes and 2 or 3 copies of the parameters).
     *
     * @throws IllegalArgumentException if a dense weight is not packed (ld ≠ cols) or a parameter's memory is
     *                                  read-only, or the cross-entropy is asked of a network with a single output
     */
    public Trainer(Network network, Options options, Arena arena) {
        this.network = Objects.requireNonNull(network, "network");
        this.options = Objects.requireNonNull(options, "options");
        Objects.requireNonNull(arena, "arena");
        depth = network.depth();
        batch = options.batchSize();
        if (options.loss() == Loss.SOFTMAX_CROSS_ENTROPY && network.outputSize() < 2) {
            throw new IllegalArgumentException("network: the softmax cross-entropy needs n_L >= 2 outputs (classes), got "
                    + network.outputSize());
        }
        long scratch = 0;
        int onesLength = batch;
        for (int l = 1; l <= depth; l++) {
            Layer layer = network.layer(l);
            FloatVec weight = weightOf(layer);
            if (layer instanceof DenseLayer d && d.weight().ld() != d.weight().cols()) {
                throw new IllegalArgumentException("layer " + l + ": the trainer needs packed weights (ld = cols = "
                        + d.weight().cols() + "), got ld = " + d.weight().ld());
            }
            if ((weight != null && weight.segment().isReadOnly())
                    || (layer.bias() != null && layer.bias().segment().isReadOnly())) {
                throw new IllegalArgumentException("layer " + l + ": the weights are read-only (e.g. a memory-mapped "
                        + "model file); copy them into writable memory to train");
            }
            switch (layer) {
                case ConvLayer c -> {
                    scratch = Math.max(scratch, Conv.scratchLength(c.shape(), batch));
                    scratch = Math.max(scratch, (long) c.shape().patchLength() * c.shape().positions());
                    onesLength = Math.max(onesLength, c.shape().positions());
                }
                case ConvTransposeLayer t -> {
                    scratch = Math.max(scratch, Conv.scratchLength(t.convolution(), batch));
                    scratch = Math.max(scratch, (long) t.convolution().patchLength() * t.convolution().positions());
                    onesLength = Math.max(onesLength, t.convolution().inHeight() * t.convolution().inWidth());
                }
                case DenseLayer _, PoolLayer _ -> { }
                default -> throw new IllegalArgumentException("layer " + l + " is " + layer.kind()
                        + ": the trainer knows dense, conv2d, conv_transpose2d, max_pool2d and avg_pool2d layers");
            }
        }
        input = FloatMatrix.allocate(arena, batch, network.inputSize());
        boolean mse = options.loss() == Loss.MSE;
        target = mse ? FloatMatrix.allocate(arena, batch, network.outputSize()) : null;
        targetFlat = mse ? flat(target) : null;
        labels = mse ? null : new int[batch];
        x = new FloatMatrix[depth + 1];
        delta = new FloatMatrix[depth + 1];
        xFlat = new FloatVec[depth + 1];
        deltaFlat = new FloatVec[depth + 1];
        xRows = new FloatVec[depth + 1][];
        deltaRows = new FloatVec[depth + 1][];
        switches = new MemorySegment[depth + 1][];
        gradW = new FloatMatrix[depth + 1];
        weightFlat = new FloatVec[depth + 1];
        gradWFlat = new FloatVec[depth + 1];
        gradB = new FloatVec[depth + 1];
        columnSums = new FloatVec[depth + 1];
        channelSums = new FloatMatrix[depth + 1];
        onesPlane = new FloatVec[depth + 1];
        gradK = new FloatMatrix[depth + 1];
        colMatrix = new FloatMatrix[depth + 1];
        outputRows = new FloatMatrix[depth + 1][];
        convScratch = scratch > 0 ? FloatVec.allocate(arena, Math.toIntExact(scratch)) : null;
        boolean adam = options.optimizer() == Optimizer.ADAM;
        boolean moment = adam || options.momentum() > 0;
        momentW = new FloatVec[depth + 1];
        momentB = new FloatVec[depth + 1];
        secondW = new FloatVec[depth + 1];
        secondB = new FloatVec[depth + 1];
        x[0] = input;
        xFlat[0] = flat(input);
        for (int l = 1; l <= depth; l++) {
            Layer layer = network.layer(l);
            int n = layer.outputs();
            x[l] = FloatMatrix.allocate(arena, batch, n);
            delta[l] = FloatMatrix.allocate(arena, batch, n);
            xFlat[l] = flat(x[l]);
            deltaFlat[l] = flat(delta[l]);
            weightFlat[l] = weightOf(layer);
            if (layer instanceof DenseLayer d) {
                gradW[l] = FloatMatrix.allocate(arena, n, d.inputs());
                gradWFlat[l] = flat(gradW[l]);
            } else if (weightFlat[l] != null) {
                gradWFlat[l] = FloatVec.allocate(arena, weightFlat[l].length());
            }
            boolean perSample = !(layer instanceof DenseLayer);
            if (perSample) {
                xRows[l - 1] = xRows[l - 1] != null ? xRows[l - 1] : rows(x[l - 1]);
                xRows[l] = xRows[l] != null ? xRows[l] : rows(x[l]);
                deltaRows[l] = rows(delta[l]);
                if (l > 1) {
                    deltaRows[l - 1] = deltaRows[l - 1] != null ? deltaRows[l - 1] : rows(delta[l - 1]);
                }
            }
            if (layer.scratchBytes() > 0) {
                MemorySegment all = arena.allocate(layer.scratchBytes() * batch, 64);
                switches[l] = new MemorySegment[batch];
                for (int s = 0; s < batch; s++) {
                    switches[l][s] = all.asSlice(s * layer.scratchBytes(), layer.scratchBytes());
                }
            }
            FloatVec bias = layer.bias();
            gradB[l] = bias != null ? FloatVec.allocate(arena, bias.length()) : null;
            if (layer instanceof ConvLayer || layer instanceof ConvTransposeLayer) {
                boolean transposed = layer instanceof ConvTransposeLayer;
                ConvShape c = transposed ? ((ConvTransposeLayer) layer).convolution() : ((ConvLayer) layer).shape();
                gradK[l] = FloatMatrix.wrap(gradWFlat[l].segment(), gradWFlat[l].byteOffset(), c.outChannels(),
                        c.patchLength());
                colMatrix[l] = FloatMatrix.wrap(convScratch.segment(), convScratch.byteOffset(), c.patchLength(),
                        c.positions());
                FloatMatrix rowsOf = transposed ? x[l - 1] : delta[l];
                outputRows[l] = new FloatMatrix[batch];
                for (int s = 0; s < batch; s++) {
                    outputRows[l][s] = FloatMatrix.wrap(rowsOf.segment(), rowsOf.rowOffset(s), c.outChannels(),
                            c.positions());
                }
                if (bias != null) {
                    int channels = transposed ? c.inChannels() : c.outChannels();
                    columnSums[l] = FloatVec.allocate(arena, n);
                    channelSums[l] = FloatMatrix.wrap(columnSums[l].segment(), columnSums[l].byteOffset(), channels,
                            n / channels);
                }
            }
            int params = weightFlat[l] == null ? 0 : weightFlat[l].length();
            if (moment && params > 0) {
                momentW[l] = FloatVec.allocate(arena, params);
                momentB[l] = bias != null ? FloatVec.allocate(arena, bias.length()) : null;
            }
            if (adam && params > 0) {
                secondW[l] = FloatVec.allocate(arena, params);
                secondB[l] = bias != null ? FloatVec.allocate(arena, bias.length()) : null;
            }
        }
        FloatVec allOnes = FloatVec.allocate(arena, onesLength);
        Blas.fill(allOnes, 1f);
        ones = allOnes.slice(0, batch);
        for (int l = 1; l <= depth; l++) {
            if (channelSums[l] != null) {
                onesPlane[l] = allOnes.slice(0, channelSums[l].cols());
            }
        }
    }

    /** A layer's weight as a flat vector in its memory order, or null for a layer without one (pooling). */
    private static FloatVec weightOf(Layer layer) {
        return switch (layer) {
            case DenseLayer d -> d.weight().ld() == d.weight().cols() ? flat(d.weight()) : null;
            case ConvLayer c -> c.weight();
            case ConvTransposeLayer t -> t.weight();
            default -> null;
        };
    }

    private FloatVec[] rows(FloatMatrix m) {
        FloatVec[] r = new FloatVec[batch];
        for (int s = 0; s < batch; s++) {
            r[s] = m.row(s);
        }
        return r;
    }

    private static FloatVec flat(FloatMatrix m) {
        return FloatVec.wrap(m.segment(), m.byteOffset(), Math.multiplyExact(m.rows(), m.cols()));
    }

    public Network network() {
        return network;
    }

    public Options options() {
        return options;
    }

    /** The number of updates made so far (Adam's k). */
    public long steps() {
        return steps;
    }

    /**
     * Trains with the MSE loss on N samples: {@link Options#epochs()} epochs of ⌊N/B⌋ minibatches.
     *
     * @param inputs   {@code N × n_0}, one sample per row, N ≥ B
     * @param targets  {@code N × n_L}
     * @param listener told each epoch's mean loss, or null
     * @return the mean minibatch loss of every epoch
     */
    public double[] fit(FloatMatrix inputs, FloatMatrix targets, EpochListener listener) {
        requireLoss(Loss.MSE);
        checkSamples(inputs);
        Objects.requireNonNull(targets, "targets");
        if (targets.rows() != inputs.rows() || targets.cols() != network.outputSize()) {
            throw new IllegalArgumentException("targets: expected " + inputs.rows() + "×" + network.outputSize()
                    + " (samples × n_L), got " + targets.rows() + "×" + targets.cols());
        }
        return run(inputs, targets, null, listener);
    }

    /**
     * Trains with the softmax cross-entropy on N labelled samples.
     *
     * @param inputs   {@code N × n_0}, N ≥ B
     * @param labels   N class indices in [0, n_L)
     * @param listener told each epoch's mean loss, or null
     * @return the mean minibatch loss of every epoch
     */
    public double[] fit(FloatMatrix inputs, int[] labels, EpochListener listener) {
        requireLoss(Loss.SOFTMAX_CROSS_ENTROPY);
        checkSamples(inputs);
        checkLabels(labels, inputs.rows());
        return run(inputs, null, labels, listener);
    }

    private double[] run(FloatMatrix inputs, FloatMatrix targets, int[] allLabels, EpochListener listener) {
        int n = inputs.rows(), batches = n / batch;
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        SplittableRandom rnd = new SplittableRandom(options.seed());
        double[] history = new double[options.epochs()];
        for (int e = 0; e < options.epochs(); e++) {
            for (int i = n - 1; i > 0; i--) { // Fisher–Yates
                int j = rnd.nextInt(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            double sum = 0;
            for (int k = 0; k < batches; k++) {
                int from = k * batch;
                for (int s = 0; s < batch; s++) {
                    int src = perm[from + s];
                    copyRow(inputs, src, input, s);
                    if (targets != null) {
                        copyRow(targets, src, target, s);
                    } else {
                        labels[s] = allLabels[src];
                    }
                }
                sum += lossAndGradient();
                update();
            }
            history[e] = sum / batches;
            if (listener != null) {
                listener.epochEnd(e + 1, history[e]);
            }
        }
        return history;
    }

    /**
     * One update on the given minibatch (MSE): the loss before the update.
     *
     * @param inputs  {@code B × n_0}
     * @param targets {@code B × n_L}
     */
    public double step(FloatMatrix inputs, FloatMatrix targets) {
        double loss = gradient(inputs, targets);
        update();
        return loss;
    }

    /** One update on the given minibatch (cross-entropy): the loss before the update. */
    public double step(FloatMatrix inputs, int[] labels) {
        double loss = gradient(inputs, labels);
        update();
        return loss;
    }

    /**
     * The MSE loss of the minibatch and its gradients, left in {@link #weightGradient} and {@link #biasGradient};
     * the parameters do not change.
     *
     * @param inputs  {@code B × n_0}
     * @param targets {@code B × n_L}
     */
    public double gradient(FloatMatrix inputs, FloatMatrix targets) {
        requireLoss(Loss.MSE);
        checkBatch("inputs", inputs, network.inputSize(), "n_0");
        checkBatch("targets", targets, network.outputSize(), "n_L");
        copyRows(inputs, input);
        copyRows(targets, target);
        return lossAndGradient();
    }

    /** The cross-entropy of the minibatch ({@code B × n_0} inputs, B labels) and its gradients; see above. */
    public double gradient(FloatMatrix inputs, int[] labels) {
        requireLoss(Loss.SOFTMAX_CROSS_ENTROPY);
        checkBatch("inputs", inputs, network.inputSize(), "n_0");
        checkLabels(labels, batch);
        copyRows(inputs, input);
        System.arraycopy(labels, 0, this.labels, 0, batch);
        return lossAndGradient();
    }

    /**
     * ∇W_l of the last minibatch for a dense layer, {@code n_l × n_{l−1}} (a view, overwritten by the next step).
     *
     * @throws IllegalArgumentException if layer l is not dense (use {@link #parameterGradient})
     */
    public FloatMatrix weightGradient(int l) {
        Objects.checkIndex(l - 1, depth);
        if (gradW[l] == null) {
            throw new IllegalArgumentException("layer " + l + " is " + network.layer(l).kind()
                    + ": its weight gradient is a flat vector, see parameterGradient(" + l + ")");
        }
        return gradW[l];
    }

    /**
     * The gradient of layer l's weight in the weight's memory order (dense {@code n_l × n_{l−1}} row-major, conv
     * {@code C_out × C_in × k × k}, transposed conv {@code C_in × C_out × k × k}), or null for a layer without
     * weights (pooling); a view, overwritten by the next step.
     */
    public FloatVec parameterGradient(int l) {
        Objects.checkIndex(l - 1, depth);
        return gradWFlat[l];
    }

    /** ∇b_l of the last minibatch, or null for a layer without bias (a view). */
    public FloatVec biasGradient(int l) {
        Objects.checkIndex(l - 1, depth);
        return gradB[l];
    }

    /** The forward pass, loss, and backward pass of the minibatch in {@link #input} (and target or labels). */
    private double lossAndGradient() {
        for (int l = 1; l <= depth; l++) {
            forward(l, network.layer(l));
            Activations.applyInPlace(network.layer(l).activation(), xFlat[l]);
        }
        double loss = options.loss() == Loss.MSE ? mseResidual() : softmaxResidual();
        float invB = 1f / batch;
        for (int l = depth; l >= 1; l--) {
            Layer layer = network.layer(l);
            Activations.multiplyByDerivative(layer.activation(), xFlat[l], deltaFlat[l]);
            parameterGradients(l, layer, invB);
            if (l > 1) {
                backward(l, layer);
            }
        }
        return loss;
    }

    /** X_l ← A_l(X_{l−1}) + b_l. */
    private void forward(int l, Layer layer) {
        switch (layer) {
            case DenseLayer d -> Blas.gemmNT(1f, x[l - 1], d.weight(), 0f, x[l], d.bias());
            case ConvLayer c -> Conv.forward(c.shape(), c.weight(), c.bias(), x[l - 1], x[l], convScratch);
            case ConvTransposeLayer t -> Conv.adjoint(t.convolution(), t.weight(), x[l - 1], x[l], t.bias(), convScratch);
            case PoolLayer p -> {
                PoolShape ps = p.shape();
                boolean max = p.poolKind() == PoolLayer.Kind.MAX;
                FloatVec[] in = xRows[l - 1], out = xRows[l];
                for (int s = 0; s < batch; s++) {
                    if (max) {
                        Pool.maxForward(ps, in[s], out[s], switches[l][s]);
                    } else {
                        Pool.avgForward(ps, in[s], out[s]);
                    }
                }
            }
            default -> throw new IllegalStateException(layer.kind());
        }
    }

    /** δ_{l−1} ← A_lᵀ(δ_l) (before σ_{l−1}′). */
    private void backward(int l, Layer layer) {
        switch (layer) {
            case DenseLayer d -> Blas.gemmNN(1f, delta[l], d.weight(), 0f, delta[l - 1]);
            case ConvLayer c -> Conv.adjoint(c.shape(), c.weight(), delta[l], delta[l - 1], null, convScratch);
            case ConvTransposeLayer t -> Conv.forward(t.convolution(), t.weight(), null, delta[l], delta[l - 1], convScratch);
            case PoolLayer p -> {
                PoolShape ps = p.shape();
                boolean max = p.poolKind() == PoolLayer.Kind.MAX;
                FloatVec[] v = deltaRows[l], out = deltaRows[l - 1];
                for (int s = 0; s < batch; s++) {
                    if (max) {
                        Pool.maxAdjoint(ps, switches[l][s], v[s], out[s]);
                    } else {
                        Pool.avgAdjoint(ps, v[s], out[s]);
                    }
                }
            }
            default -> throw new IllegalStateException(layer.kind());
        }
    }

    /** ∇W_l, ∇b_l ← the minibatch means (δ_l already multiplied by σ_l′). */
    private void parameterGradients(int l, Layer layer, float invB) {
        switch (layer) {
            case DenseLayer _ -> {
                Blas.gemmTN(invB, delta[l], x[l - 1], 0f, gradW[l]);
                if (gradB[l] != null) {
                    Blas.gemvT(invB, delta[l], ones, 0f, gradB[l]); // column sums: δ_lᵀ·1
                }
            }
            case ConvLayer c -> {
                ConvShape cs = c.shape();
                for (int s = 0; s < batch; s++) {
                    FloatVec in = xRows[l - 1][s];
                    // ∇K += δ_s (C_out × P) · im2col(x_s)ᵀ (P × C_in·k²)
                    Conv.active().im2col(cs, in.segment(), in.byteOffset(), convScratch.segment(), convScratch.byteOffset());
                    Blas.gemmNT(invB, outputRows[l][s], colMatrix[l], s == 0 ? 0f : 1f, gradK[l], null);
                }
                channelBiasGradient(l, invB);
            }
            case ConvTransposeLayer t -> {
                ConvShape cs = t.convolution();
                // ⟨δ, Kᵀx⟩ = ⟨K δ, x⟩: the convolution's weight gradient with input δ_l and output gradient x_{l−1}.
                for (int s = 0; s < batch; s++) {
                    FloatVec d = deltaRows[l][s];
                    Conv.active().im2col(cs, d.segment(), d.byteOffset(), convScratch.segment(), convScratch.byteOffset());
                    Blas.gemmNT(invB, outputRows[l][s], colMatrix[l], s == 0 ? 0f : 1f, gradK[l], null);
                }
                channelBiasGradient(l, invB);
            }
            default -> { } // pooling: no parameters
        }
    }

    /** δ_L ← X_L − T (before σ_L′); returns (1/B)·Σ ½‖x_L − t‖². */
    private double mseResidual() {
        double sq = Fused.maskedResidual(xFlat[depth], targetFlat, null, deltaFlat[depth]);
        return 0.5 * sq / batch;
    }

    /** δ_L ← softmax(X_L) − onehot(y) row by row; returns −(1/B)·Σ log softmax(x_L)[y], in double. */
    private double softmaxResidual() {
        FloatMatrix out = x[depth], d = delta[depth];
        int classes = out.cols();
        MemorySegment so = out.segment(), sd = d.segment();
        double total = 0;
        for (int s = 0; s < batch; s++) {
            long ro = out.rowOffset(s), rd = d.rowOffset(s);
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, so.get(FloatVec.LAYOUT, ro + 4L * c));
            }
            double z = 0;
            for (int c = 0; c < classes; c++) {
                z += Math.exp(so.get(FloatVec.LAYOUT, ro + 4L * c) - max);
            }
            double logZ = Math.log(z) + max;
            for (int c = 0; c < classes; c++) {
                double p = Math.exp(so.get(FloatVec.LAYOUT, ro + 4L * c) - logZ);
                sd.set(FloatVec.LAYOUT, rd + 4L * c, (float) (c == labels[s] ? p - 1 : p));
            }
            total += logZ - so.get(FloatVec.LAYOUT, ro + 4L * labels[s]);
        }
        return total / batch;
    }

    /** ∇b_l[c] ← (1/B)·Σ over the batch and the positions of channel c of δ_l, for a convolution with bias. */
    private void channelBiasGradient(int l, float invB) {
        if (gradB[l] != null) {
            Blas.gemvT(1f, delta[l], ones, 0f, columnSums[l]);
            Blas.gemv(invB, channelSums[l], onesPlane[l], 0f, gradB[l]);
        }
    }

    /** θ ← the optimizer's update with the gradients of the last minibatch. */
    private void update() {
        steps++;
        float eta = (float) options.learningRate();
        if (options.optimizer() == Optimizer.ADAM) {
            float b1 = (float) options.beta1(), b2 = (float) options.beta2(), eps = (float) options.epsilon();
            float etaHat = (float) (options.learningRate() / (1 - Math.pow(options.beta1(), steps)));
            float sHat = (float) (1 / (1 - Math.pow(options.beta2(), steps)));
            for (int l = 1; l <= depth; l++) {
                if (weightFlat[l] != null) {
                    Fused.adamStep(b1, b2, etaHat, sHat, eps, weightFlat[l], gradWFlat[l], momentW[l], secondW[l]);
                }
                if (gradB[l] != null) {
                    Fused.adamStep(b1, b2, etaHat, sHat, eps, network.layer(l).bias(), gradB[l], momentB[l], secondB[l]);
                }
            }
            return;
        }
        float mu = (float) options.momentum();
        for (int l = 1; l <= depth; l++) {
            if (weightFlat[l] != null) {
                sgd(mu, eta, weightFlat[l], gradWFlat[l], momentW[l]);
            }
            if (gradB[l] != null) {
                sgd(mu, eta, network.layer(l).bias(), gradB[l], momentB[l]);
            }
        }
    }

    /** v ← μ·v + g, θ ← θ − η·v; or θ ← θ − η·g when μ = 0. */
    private static void sgd(float mu, float eta, FloatVec theta, FloatVec g, FloatVec v) {
        if (mu == 0f) {
            Blas.axpy(-eta, g, theta);
            return;
        }
        Blas.scale(mu, v);
        Blas.axpy(1f, g, v);
        Blas.axpy(-eta, v, theta);
    }

    private void requireLoss(Loss loss) {
        if (options.loss() != loss) {
            throw new IllegalArgumentException("this trainer's loss is " + options.loss() + "; "
                    + (loss == Loss.MSE ? "float targets" : "integer labels") + " are for " + loss);
        }
    }

    private void checkSamples(FloatMatrix inputs) {
        Objects.requireNonNull(inputs, "inputs");
        if (inputs.cols() != network.inputSize() || inputs.rows() < batch) {
            throw new IllegalArgumentException("inputs: expected N×" + network.inputSize() + " with N >= batch size "
                    + batch + ", got " + inputs.rows() + "×" + inputs.cols());
        }
    }

    private void checkBatch(String name, FloatMatrix m, int cols, String what) {
        Objects.requireNonNull(m, name);
        if (m.rows() != batch || m.cols() != cols) {
            throw new IllegalArgumentException(name + ": expected " + batch + "×" + cols + " (batch size × " + what
                    + "), got " + m.rows() + "×" + m.cols());
        }
    }

    private void checkLabels(int[] labels, int expected) {
        Objects.requireNonNull(labels, "labels");
        if (labels.length != expected) {
            throw new IllegalArgumentException("labels: expected " + expected + " labels, got " + labels.length);
        }
        int classes = network.outputSize();
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("labels[" + i + "]: expected a class in [0, " + classes + "), got "
                        + labels[i]);
            }
        }
    }

    private static void copyRow(FloatMatrix src, int i, FloatMatrix dst, int s) {
        MemorySegment.copy(src.segment(), src.rowOffset(i), dst.segment(), dst.rowOffset(s), 4L * src.cols());
    }

    private static void copyRows(FloatMatrix src, FloatMatrix dst) {
        for (int s = 0; s < src.rows(); s++) {
            copyRow(src, s, dst, s);
        }
    }
}
