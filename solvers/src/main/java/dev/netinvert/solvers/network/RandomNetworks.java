package dev.netinvert.solvers.network;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.ConvShape;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.PoolShape;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Random networks and latent codes as the papers build them, reproducible from a seed.
 *
 * <p>Every entry is drawn from one {@link SeededGaussian}{@code (seed)} stream in a fixed order: layer 1's
 * W row by row, then layer 1's b (if any), then layer 2, … So a network depends only on its seed, its
 * widths and its weight scale — not on the JDK, the CPU or the kernels in use.
 */
public final class RandomNetworks {
    private RandomNetworks() {}

    /** The standard deviation of a layer's weights as a function of its shape. */
    @FunctionalInterface
    public interface WeightScale {
        /** The standard deviation of W_l's entries, for W_l of {@code fanOut × fanIn}. */
        double std(int fanIn, int fanOut);

        /** Entries N(0, 1): sec. 5.1.1 [000] (random perceptron) and sec. 6.1 [002] (iid Gaussian weights). */
        static WeightScale unit() {
            return (fanIn, fanOut) -> 1.0;
        }

        /** Entries N(0, 1/n_in), variance one over the layer's input size (E‖W_l x‖² = (n_out/n_in)·‖x‖²). */
        static WeightScale fanIn() {
            return (fanIn, fanOut) -> 1.0 / Math.sqrt(fanIn);
        }

        /**
         * Entries N(0, 1/n_out): sec. 5.1 [003] draws W_i ∈ ℝ^{n_i × n_{i−1}} from N(0, 1/n_i), n_i being the
         * layer's output size; this keeps E‖W_l x‖² = ‖x‖² through the layers, which is what makes the paper's
         * gradient-descent learning rate of 1 stable (with 1/n_in the Lipschitz constant of the loss grows by
         * (n_out/n_in)² and GD diverges at lr 1).
         */
        static WeightScale fanOut() {
            return (fanIn, fanOut) -> 1.0 / Math.sqrt(fanOut);
        }

        /** Entries N(0, 2/n_in): He et al. (2015), the initialisation for ReLU layers (PyTorch's kaiming_normal_). */
        static WeightScale he() {
            return (fanIn, fanOut) -> Math.sqrt(2.0 / fanIn);
        }

        /** Entries N(0, std²) for every layer. */
        static WeightScale constant(double std) {
            if (!(std >= 0) || Double.isInfinite(std)) {
                throw new IllegalArgumentException("std must be finite and >= 0, got " + std);
            }
            return (fanIn, fanOut) -> std;
        }
    }

    /**
     * A network without biases whose weights are Gaussian with the given scale.
     *
     * @param widths      n_0, n_1, …, n_L (at least two, all ≥ 1)
     * @param activations σ_1, …, σ_L
     */
    public static Network gaussian(Arena arena, long seed, int[] widths, List<Activation> activations,
                                   WeightScale scale) {
        return build(arena, seed, widths, activations, scale, Double.NaN, false);
    }

    /**
     * A network with Gaussian weights (given scale) and Gaussian biases b_l ~ N(0, biasStd²).
     *
     * @param biasStd the biases' standard deviation, finite and ≥ 0
     */
    public static Network gaussianWithBias(Arena arena, long seed, int[] widths, List<Activation> activations,
                                           WeightScale scale, double biasStd) {
        if (!(biasStd >= 0) || Double.isInfinite(biasStd)) {
            throw new IllegalArgumentException("biasStd must be finite and >= 0, got " + biasStd);
        }
        return build(arena, seed, widths, activations, scale, biasStd, false);
    }

    /**
     * The ReLU perceptron of the circle experiment, sec. 5.1.1 [000]: W ∈ ℝ^{512×4096}, b ∈ ℝ^{512}, y =
     * ReLU(W x + b) for a 64×64 image x. The paper says only "random weights and biases"; entries N(0, 1)
     * (PyTorch's {@code torch.randn}) are assumed for both.
     */
    public static Network perceptron000(Arena arena, long seed) {
        return perceptron000(arena, seed, 1.0);
    }

    /**
     * {@link #perceptron000(Arena, long)} with weights and biases N(0, std²) (the circle experiment's
     * configurable scale). W is in the kernels' layout ({@link FloatMatrix#allocatePadded}: its 16 KiB rows one
     * 64-byte line longer, so that rows do not share L1's sets, {@link FloatMatrix#ALIASING_STRIDE}): the same
     * values as {@link #gaussianWithBias} draws and the same results, with a 12 % faster fused gradient at 512 bits.
     */
    public static Network perceptron000(Arena arena, long seed, double std) {
        return build(arena, seed, new int[] {4096, 512}, List.of(Activation.RELU), WeightScale.constant(std), std, true);
    }

    /**
     * The two-layer generator of sec. 6.1 [002], eq. (19): x = tanh(W_2 ReLU(W_1 z)), iid N(0, 1) weights,
     * no biases; the paper uses n = 625, n_0 ∈ {100, 200}, n_1 from 50 to 1000. The weights' rows start on
     * 64-byte lines ({@link FloatMatrix#allocatePadded}): the same values as {@link #gaussian} draws, and the
     * same results, with faster short-row kernels ({@link FloatMatrix#rowsAligned}).
     */
    public static Network generator002(Arena arena, long seed, int n0, int n1, int n) {
        return build(arena, seed, new int[] {n0, n1, n}, List.of(Activation.RELU, Activation.TANH),
                WeightScale.unit(), Double.NaN, true);
    }

    /**
     * The dense classifier of the ADMM experiments (issue for seed [004], standing in for the paper's LeNet
     * until trained networks exist): 64 → 128 → 128 → 16, ReLU, ReLU, identity, He-initialised weights
     * ({@link WeightScale#he()}) and biases N(0, 0.1²), so the ReLUs are not all switched on at x = 0.
     */
    public static Network mlp004(Arena arena, long seed) {
        return gaussianWithBias(arena, seed, new int[] {64, 128, 128, 16},
                List.of(Activation.RELU, Activation.RELU, Activation.IDENTITY), WeightScale.he(), 0.1);
    }

    /**
     * The convolutional autoencoder of sec. 5.2 [000], untrained, for 1×side×side images (side divisible by 4; the
     * paper's is 28): encoder conv 4×4 stride 2 padding 1, 1 → 8 channels (ReLU), conv 4×4/2/1, 8 → 16 (ReLU), dense
     * 16·(side/4)² → code (identity: the code); decoder dense code → 16·(side/4)² (identity, "an affine-linear
     * transformation"), transposed conv 4×4/2/1, 16 → 8 (ReLU), transposed conv 4×4/2/1, 8 → 1 (ReLU) — "each followed
     * by a ReLU". At side 28 and code 300 the dense layers are the paper's W₃ ∈ ℝ^{300×784} and W₄ ∈ ℝ^{784×300}. The
     * paper gives neither the padding (1 is the one that halves the size exactly) nor the initialisation: weights are
     * N(0, 2/fan_in) before a ReLU and N(0, 1/fan_in) before the identity (fan_in = C_in·k² for convolutions, the
     * input channels of the kernel's adjoint times k²/stride² for transposed ones), biases 0. Layers 1-3 are the
     * encoder, 4-6 the decoder. Drawn from one {@link SeededGaussian} stream, layer by layer.
     */
    public static Network convAutoencoder000(Arena arena, long seed, int side, int code) {
        Objects.requireNonNull(arena, "arena");
        if (side < 4 || side % 4 != 0 || code < 1) {
            throw new IllegalArgumentException("side: expected a multiple of 4 (two stride-2 halvings) and code >= 1, got side "
                    + side + ", code " + code);
        }
        SeededGaussian g = new SeededGaussian(seed);
        int h = side / 2, q = side / 4, flat = 16 * q * q;
        ConvShape c1 = new ConvShape(1, side, side, 8, 4, 2, 1), c2 = new ConvShape(8, h, h, 16, 4, 2, 1);
        List<Layer> layers = new ArrayList<>();
        layers.add(new ConvLayer(c1, gaussianVec(arena, g, c1.weightLength(), Math.sqrt(2.0 / 16)),
                FloatVec.allocate(arena, 8), Activation.RELU));
        layers.add(new ConvLayer(c2, gaussianVec(arena, g, c2.weightLength(), Math.sqrt(2.0 / 128)),
                FloatVec.allocate(arena, 16), Activation.RELU));
        FloatMatrix w3 = FloatMatrix.allocate(arena, code, flat);
        g.fill(w3, 0.0, Math.sqrt(1.0 / flat));
        layers.add(new DenseLayer(w3, FloatVec.allocate(arena, code), Activation.IDENTITY));
        FloatMatrix w4 = FloatMatrix.allocate(arena, flat, code);
        g.fill(w4, 0.0, Math.sqrt(1.0 / code));
        layers.add(new DenseLayer(w4, FloatVec.allocate(arena, flat), Activation.IDENTITY));
        // A stride-2 transposed conv reaches each output from C_in·k²/4 weights.
        layers.add(new ConvTransposeLayer(16, q, q, 8, 4, 2, 1, 0, gaussianVec(arena, g, c2.weightLength(),
                Math.sqrt(2.0 / (16 * 4))), FloatVec.allocate(arena, 8), Activation.RELU));
        layers.add(new ConvTransposeLayer(8, h, h, 1, 4, 2, 1, 0, gaussianVec(arena, g, c1.weightLength(),
                Math.sqrt(2.0 / (8 * 4))), FloatVec.allocate(arena, 1), Activation.RELU));
        return Network.of(layers);
    }

    /**
     * LeNet-5 (LeCun et al. 1998) with average pooling, as the original's subsampling layers, for 1×28×28 images,
     * untrained: {@code lenet(arena, seed, 28, 6, 16, 120, 84, 10)}. [004] sec. 3 inverts a LeNet trained on CIFAR-10;
     * average pooling (not max) because ADMM needs linear layer operators.
     */
    public static Network lenet5(Arena arena, long seed) {
        return lenet(arena, seed, 28, 6, 16, 120, 84, 10);
    }

    /**
     * A LeNet-shaped classifier for 1×side×side images, untrained: conv 5×5 padding 2, 1 → c1 (ReLU); average pooling
     * 2×2 stride 2; conv 5×5 no padding, c1 → c2 (ReLU); average pooling 2×2/2; dense c2·q² → h1 (ReLU) → h2 (ReLU) →
     * classes (identity: the logits), q = (side/2 − 4)/2. At side 28 that is LeNet-5's 6 → 16 channels and 400 → 120 →
     * 84 → 10. Weights N(0, 2/fan_in) before a ReLU, N(0, 1/fan_in) before the identity (fan_in = C_in·25 for the
     * convolutions), biases 0; drawn from one {@link SeededGaussian} stream, layer by layer.
     *
     * @param side a multiple of 4, at least 12 (12, 16, 20, 24, 28, …), so that both poolings halve exactly
     */
    public static Network lenet(Arena arena, long seed, int side, int c1, int c2, int h1, int h2, int classes) {
        Objects.requireNonNull(arena, "arena");
        if (side < 12 || side % 4 != 0) {
            throw new IllegalArgumentException("side: expected a multiple of 4 that is >= 12 (conv 5x5, pool 2, conv 5x5, "
                    + "pool 2), got " + side);
        }
        if (c1 < 1 || c2 < 1 || h1 < 1 || h2 < 1 || classes < 2) {
            throw new IllegalArgumentException("c1, c2, h1, h2 must be >= 1 and classes >= 2, got " + c1 + ", " + c2 + ", " + h1
                    + ", " + h2 + ", " + classes);
        }
        SeededGaussian g = new SeededGaussian(seed);
        int h = side / 2, m = h - 4, q = m / 2, flat = c2 * q * q;
        ConvShape s1 = new ConvShape(1, side, side, c1, 5, 1, 2), s2 = new ConvShape(c1, h, h, c2, 5, 1, 0);
        List<Layer> layers = new ArrayList<>();
        layers.add(new ConvLayer(s1, gaussianVec(arena, g, s1.weightLength(), Math.sqrt(2.0 / 25)),
                FloatVec.allocate(arena, c1), Activation.RELU));
        layers.add(new PoolLayer(PoolLayer.Kind.AVERAGE, new PoolShape(c1, side, side, 2, 2, 0), Activation.IDENTITY));
        layers.add(new ConvLayer(s2, gaussianVec(arena, g, s2.weightLength(), Math.sqrt(2.0 / (25 * c1))),
                FloatVec.allocate(arena, c2), Activation.RELU));
        layers.add(new PoolLayer(PoolLayer.Kind.AVERAGE, new PoolShape(c2, m, m, 2, 2, 0), Activation.IDENTITY));
        int[] widths = {flat, h1, h2, classes};
        for (int l = 0; l < 3; l++) {
            FloatMatrix w = FloatMatrix.allocate(arena, widths[l + 1], widths[l]);
            g.fill(w, 0.0, Math.sqrt((l < 2 ? 2.0 : 1.0) / widths[l]));
            layers.add(new DenseLayer(w, FloatVec.allocate(arena, widths[l + 1]), l < 2 ? Activation.RELU : Activation.IDENTITY));
        }
        return Network.of(layers);
    }

    private static FloatVec gaussianVec(Arena arena, SeededGaussian g, int n, double std) {
        FloatVec v = FloatVec.allocate(arena, n);
        g.fill(v, 0.0, std);
        return v;
    }

    /**
     * The two-layer generator of sec. 5.1 [003]: G(z) = σ(W_2 σ(W_1 z)) with σ = ReLU (or leaky ReLU for
     * the right half of Fig. 2), entries N(0, 1/n_out) ({@link WeightScale#fanOut}), no biases; the paper uses k = 20, 100 hidden,
     * 500 out (and 250 hidden, 600 out for Fig. 2). Rows padded to 64-byte lines, as in {@link #generator002}.
     */
    public static Network generator003(Arena arena, long seed, int k, int hidden, int n, Activation sigma) {
        return build(arena, seed, new int[] {k, hidden, n}, List.of(sigma, sigma), WeightScale.fanOut(), Double.NaN,
                true);
    }

    /**
     * The standard deviation σ of the latent prior z ~ N(0, σ²I) for the random generators of sec. 6.1
     * [002] (iid N(0, 1) weights, no biases, ReLU hidden layers): the σ that gives the output
     * pre-activations W_L x_{L−1} unit variance. Each ReLU layer halves the second moment and each
     * N(0, 1) layer multiplies it by its fan-in, so Var = σ²·n_0·n_1⋯n_{L−1}/2^{L−1} and
     * σ = √(2^{L−1}/(n_0⋯n_{L−1})); for eq. (19), σ = √(2/(n_0 n_1)). The paper does not state σ; with
     * σ = 1 the pre-activations of eq. (19) have standard deviation √(n_0 n_1/2) ≈ 120, float32 tanh
     * returns exactly ±1 for almost every output, and no method could invert anything.
     *
     * @param widths n_0, n_1, …, n_{L−1} (the input and hidden widths), each ≥ 1
     */
    public static double latentStd(int... widths) {
        Objects.requireNonNull(widths, "widths");
        if (widths.length < 1) {
            throw new IllegalArgumentException("widths: expected n_0, …, n_{L-1}, got none");
        }
        double v = 1;
        for (int i = 0; i < widths.length; i++) {
            if (widths[i] < 1) {
                throw new IllegalArgumentException("widths[" + i + "] must be >= 1, got " + widths[i]);
            }
            v *= (i == 0 ? 1.0 : 2.0) / widths[i];
        }
        return Math.sqrt(v);
    }

    /** A latent code z ~ N(0, std²·I) of n elements (the prior of eq. (1) [002]). */
    public static FloatVec latent(Arena arena, int n, long seed, double std) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, got " + n);
        }
        FloatVec z = FloatVec.allocate(arena, n);
        new SeededGaussian(seed).fill(z, 0.0, std);
        return z;
    }

    /** {@code batch} latent codes, one per row, drawn row after row from one stream. */
    public static FloatMatrix latentBatch(Arena arena, int batch, int n, long seed, double std) {
        if (batch < 1 || n < 1) {
            throw new IllegalArgumentException("batch and n must be >= 1, got batch " + batch + ", n " + n);
        }
        FloatMatrix z = FloatMatrix.allocate(arena, batch, n);
        new SeededGaussian(seed).fill(z, 0.0, std);
        return z;
    }

    /**
     * The networks of {@link #gaussian} and {@link #gaussianWithBias}: contiguous weights ({@code ld = cols}, which
     * the trainer needs), or with {@code padded} rows on 64-byte lines (the experiments' fixed networks).
     */
    private static Network build(Arena arena, long seed, int[] widths, List<Activation> activations,
                                 WeightScale scale, double biasStd, boolean padded) {
        Objects.requireNonNull(arena, "arena");
        Objects.requireNonNull(widths, "widths");
        Objects.requireNonNull(activations, "activations");
        Objects.requireNonNull(scale, "scale");
        if (widths.length < 2) {
            throw new IllegalArgumentException("widths: expected n_0, …, n_L with L >= 1, got " + widths.length + " values");
        }
        if (activations.size() != widths.length - 1) {
            throw new IllegalArgumentException("activations: expected " + (widths.length - 1)
                    + " (one per layer, = widths.length − 1), got " + activations.size());
        }
        for (int l = 0; l < widths.length; l++) {
            if (widths[l] < 1) {
                throw new IllegalArgumentException("widths[" + l + "] must be >= 1, got " + widths[l]);
            }
        }
        SeededGaussian g = new SeededGaussian(seed);
        List<DenseLayer> layers = new ArrayList<>();
        for (int l = 1; l < widths.length; l++) {
            double std = scale.std(widths[l - 1], widths[l]);
            FloatMatrix w = padded ? FloatMatrix.allocatePadded(arena, widths[l], widths[l - 1])
                    : FloatMatrix.allocate(arena, widths[l], widths[l - 1]);
            g.fill(w, 0.0, std);
            FloatVec b = null;
            if (!Double.isNaN(biasStd)) {
                b = FloatVec.allocate(arena, widths[l]);
                g.fill(b, 0.0, biasStd);
            }
            layers.add(new DenseLayer(w, b, Objects.requireNonNull(activations.get(l - 1), "activations[" + (l - 1) + "]")));
        }
        return Network.of(layers);
    }
}
