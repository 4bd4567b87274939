package dev.netinvert.solvers.train;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.solvers.network.BatchTrace;
import dev.netinvert.solvers.network.Layer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.network.RandomNetworks.WeightScale;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The trained generators of [002] sec. 6.2 and [003] sec. 5.2, learnt as the <b>decoder of an autoencoder</b>:
 * the mirrored encoder E: 784 → … → n_0 (ReLU hidden, identity code) and the generator G: n_0 → … → 784 are
 * trained together by {@link Trainer} on ½‖G(E(x)) − x‖² (MSE, Adam), and G alone is kept.
 *
 * <p>Why not the papers' GAN: a GAN needs the discriminator's gradient pushed through G (a loss that is not MSE
 * on a target) and alternating updates of two networks, which {@link Trainer} does not do, and GAN training is
 * notoriously sensitive to settings that cannot be tuned in minutes on one core. What the inversion experiments
 * need of G is only what the papers' G has: the architecture, ReLU hidden layers, trained (structured, far from
 * Gaussian) weights and outputs that look like the data. The decoder has all of it; its latent distribution is
 * not N(0, I) but that of the codes E(x), which is why {@link Trained} records their mean μ and the Cholesky
 * factor C of their covariance Σ = CCᵀ (random latents μ + Cξ, ξ ~ N(0, I), are drawn from that Gaussian).
 *
 * <p>Substitutions, by architecture:
 * <ul>
 *   <li>{@link Arch#A002} 20 → 128 → 392 → 784: the paper's batch normalisation is left out (after training it is
 *       an affine map that folds into W and b, so it changes the optimisation, not the function class); the last
 *       activation, a piecewise linear unit PLU(u) = max(α(u + c) − c, min(α(u − c) + c, u)) with c = 1, is the
 *       identity on [−1, 1] ⊇ [0, 1], the image range, so it is replaced by the identity.</li>
 *   <li>{@link Arch#A003} 20 → 60 → 784: ReLU on both layers, as the paper's LP inversion requires (its output
 *       "usually only has around 70 to 100 non-zero pixels", i.e. a ReLU output on MNIST).</li>
 * </ul>
 * Images are used in [0, 1] (u8/255), not centred: the generator's output is the image.
 */
public final class GeneratorTraining {
    private GeneratorTraining() {}

    /** The two generator architectures. */
    public enum Arch {
        /** [002] sec. 6.2: 20 → 128 → 392 → 784, ReLU, ReLU, identity (for PLU). */
        A002("002", new int[] {20, 128, 392, 784}, Activation.IDENTITY),
        /** [003] sec. 5.2: 20 → 60 → 784, ReLU, ReLU. */
        A003("003", new int[] {20, 60, 784}, Activation.RELU);

        private final String label;
        private final int[] widths;
        private final Activation last;

        Arch(String label, int[] widths, Activation last) {
            this.label = label;
            this.widths = widths;
            this.last = last;
        }

        /** "002" or "003". */
        public String label() {
            return label;
        }

        /** The generator's widths n_0 … n_L (a copy). */
        public int[] widths() {
            return widths.clone();
        }

        /** The generator's last activation. */
        public Activation last() {
            return last;
        }

        /** The architecture labelled {@code label} ("002" or "003"). */
        public static Arch of(String label) {
            for (Arch a : values()) {
                if (a.label.equals(label)) {
                    return a;
                }
            }
            throw new IllegalArgumentException("arch: expected 002 or 003, got '" + label + "'");
        }
    }

    /**
     * A trained autoencoder split in two.
     *
     * @param encoder    784 → … → n_0 (ReLU hidden, identity code)
     * @param generator  n_0 → … → 784, the decoder (shares its memory with the autoencoder's)
     * @param losses     the mean minibatch loss ½‖G(E(x)) − x‖² of every epoch
     * @param latentMean the mean μ of the codes E(x) over the training images, n_0 values
     * @param latentChol the lower-triangular Cholesky factor C of their covariance, Σ = CCᵀ, n_0 × n_0 row-major
     * @param seconds    wall time of the training
     */
    public record Trained(Network encoder, Network generator, double[] losses, float[] latentMean, float[] latentChol,
                          double seconds) {}

    /**
     * Trains the autoencoder E, G of {@code arch} on {@code images} ({@code N × 784}, values in [0, 1]) with
     * He-initialised weights and zero biases drawn from {@code seed}.
     *
     * @param options  the trainer's options (their loss must be MSE)
     * @param listener told each epoch's loss, or null
     */
    public static Trained train(Arch arch, FloatMatrix images, Trainer.Options options, long seed,
                                Trainer.EpochListener listener, Arena arena) {
        Objects.requireNonNull(arch, "arch");
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(options, "options");
        int[] g = arch.widths;
        int depth = g.length - 1;
        if (images.cols() != g[depth]) {
            throw new IllegalArgumentException("images: expected " + g[depth] + " pixels per row, got " + images.cols());
        }
        if (options.loss() != Trainer.Loss.MSE) {
            throw new IllegalArgumentException("options: the autoencoder is trained on the MSE, got " + options.loss());
        }
        int[] widths = new int[2 * depth + 1];
        List<Activation> acts = new ArrayList<>();
        for (int l = 0; l <= depth; l++) {
            widths[l] = g[depth - l]; // encoder: 784 → … → n_0
            widths[depth + l] = g[l]; // decoder: n_0 → … → 784
        }
        for (int l = 1; l <= depth; l++) {
            acts.add(l < depth ? Activation.RELU : Activation.IDENTITY);
        }
        for (int l = 1; l <= depth; l++) {
            acts.add(l < depth ? Activation.RELU : arch.last);
        }
        Network ae = RandomNetworks.gaussianWithBias(arena, seed, widths, acts, WeightScale.he(), 0);
        long t0 = System.nanoTime();
        double[] losses = new Trainer(ae, options, arena).fit(images, images, listener);
        double seconds = (System.nanoTime() - t0) * 1e-9;
        List<Layer> layers = ae.layers();
        Network encoder = Network.of(layers.subList(0, depth));
        Network generator = Network.of(layers.subList(depth, 2 * depth));
        FloatMatrix codes = apply(encoder, images);
        int n0 = g[0], n = codes.rows();
        double[] mu = new double[n0];
        double[][] cov = new double[n0][n0];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n0; j++) {
                mu[j] += codes.get(i, j);
            }
        }
        for (int j = 0; j < n0; j++) {
            mu[j] /= n;
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n0; j++) {
                double dj = codes.get(i, j) - mu[j];
                for (int k = 0; k <= j; k++) {
                    cov[j][k] += dj * (codes.get(i, k) - mu[k]);
                }
            }
        }
        float[] mean = new float[n0], chol = new float[n0 * n0];
        double[][] c = new double[n0][n0];
        for (int j = 0; j < n0; j++) {
            mean[j] = (float) mu[j];
            for (int k = 0; k <= j; k++) {
                double v = cov[j][k] / Math.max(1, n - 1);
                for (int m = 0; m < k; m++) {
                    v -= c[j][m] * c[k][m];
                }
                // A dead code coordinate (variance 0) gets a zero column rather than a NaN.
                c[j][k] = j == k ? Math.sqrt(Math.max(v, 0)) : (c[k][k] > 0 ? v / c[k][k] : 0);
                chol[j * n0 + k] = (float) c[j][k];
            }
        }
        return new Trained(encoder, generator, losses, mean, chol, seconds);
    }

    /** {@code net} applied to every row of {@code inputs} by batch passes of 256 rows; the result lives on the heap. */
    public static FloatMatrix apply(Network net, FloatMatrix inputs) {
        Objects.requireNonNull(net, "net");
        Objects.requireNonNull(inputs, "inputs");
        if (inputs.cols() != net.inputSize()) {
            throw new IllegalArgumentException("inputs: expected " + net.inputSize() + " columns (the network's input), got "
                    + inputs.cols());
        }
        float[] out = new float[Math.multiplyExact(inputs.rows(), net.outputSize())];
        try (Arena scratch = Arena.ofShared()) {
            BatchTrace trace = null;
            for (int r0 = 0; r0 < inputs.rows(); r0 += 256) {
                int r1 = Math.min(inputs.rows(), r0 + 256);
                if (trace == null || trace.batchSize() != r1 - r0) {
                    trace = net.newBatchTrace(scratch, r1 - r0, false);
                }
                FloatMatrix y = net.forward(inputs.rows(r0, r1), trace);
                for (int i = 0; i < y.rows(); i++) {
                    for (int j = 0; j < y.cols(); j++) {
                        out[(r0 + i) * net.outputSize() + j] = y.get(i, j);
                    }
                }
            }
        }
        return FloatMatrix.of(Arena.ofAuto(), inputs.rows(), net.outputSize(), out);
    }
}
