package dev.netinvert.solvers.pursuit;

import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.network.Network;
import java.util.List;

/**
 * What every inversion of a generator returns (the pursuits of [002] and the gradient baselines).
 *
 * <p>Indexing follows the code's {@link dev.netinvert.solvers.network.Network}: layer l maps x_{l−1} to
 * x_l = σ_l(W_l x_{l−1} + b_l), x_0 = z, hidden layers x_1 … x_{L−1} are ReLU outputs and x_L = φ(…) is the
 * signal. The paper's W_i is the code's W_{i+1} and its x_i (i = 1 … L_paper) are the code's hidden x_i.
 *
 * @param method      "latent-pursuit", "layered-bp", "oracle", "gd" or "adam"
 * @param z           the recovered latent vector, n_0 elements
 * @param layers      the method's estimate of each hidden layer x_1 … x_{L−1} (element l−1 is x_l). For the
 *                    pursuits these are the layer-wise estimates (before debiasing); for the baselines the
 *                    hidden layers of G(z)
 * @param supports    the support (sorted indices) of each hidden layer that the method used or found
 * @param output      G(z), n_L elements
 * @param residual    ‖M(G(z) − y)‖₂ (M the observation mask)
 * @param stages      every stage in the order run
 * @param uniqueness  Cor. 1 [002] evaluated on {@code supports} (and the number of observed entries)
 * @param seconds     wall time of the whole inversion
 */
public record InversionResult(String method, float[] z, List<float[]> layers, List<int[]> supports, float[] output,
                              double residual, List<Stage> stages, Uniqueness uniqueness, double seconds) {

    /** Iterations summed over the stages. */
    public int totalIterations() {
        return stages.stream().mapToInt(Stage::iterations).sum();
    }

    /**
     * The worst stop reason of the stages, by {@link StopReason#worst}: DIVERGED over MAX_ITERATIONS over
     * EMPTY_SUPPORT over STALLED over TOLERANCE over DIRECT (the Oracle without its end-to-end step, all
     * least-squares solves, reports DIRECT).
     */
    public StopReason stopReason() {
        StopReason worst = StopReason.DIRECT;
        for (Stage s : stages) {
            worst = StopReason.worst(worst, s.stopReason());
        }
        return worst;
    }

    /** Assembles a pursuit's result: G(z), the residual, Cor. 1 on the supports. */
    static InversionResult of(String method, Network network, FloatVec y, FloatVec mask, float[] z, float[][] est,
                                  List<int[]> supports, List<Stage> stages, long t0) {
        float[] out = new float[network.outputSize()];
        double res = Generators.residual(network, z, y, mask, out);
        Uniqueness u = Uniqueness.ofSupports(network, supports, ObservationMasks.observedCount(network, mask));
        return new InversionResult(method, z, List.of(est), List.copyOf(supports), out, res, List.copyOf(stages), u,
                (System.nanoTime() - t0) * 1e-9);
    }
}
