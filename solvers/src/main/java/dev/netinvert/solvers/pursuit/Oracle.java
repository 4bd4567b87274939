package dev.netinvert.solvers.pursuit;

import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.OptionChecks;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.linalg.LeastSquares;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The Oracle of [002], the accuracy yardstick: the supports S_1 … S_{L−1} of the hidden layers are known,
 * only their values are estimated.
 * <ol>
 *   <li>Alg. 6 (layer-wise): x̂_{L−1}^{S} = argmin ‖φ⁻¹(y) − b_L − W_L[:, S_{L−1}] x‖, then for l = L−1 … 2
 *       x̂_{l−1}^{S} = argmin ‖x̂_l^{S_l} − b_l^{S_l} − W_l[S_l, S_{l−1}] x‖, and finally
 *       ẑ = argmin ‖x̂_1^{S_1} − b_1^{S_1} − W_1[S_1, :] z‖;</li>
 *   <li>Alg. 1 (end to end, optional, default on): ẑ ← argmin_z ½‖y − φ(∏ W^S z)‖² by Gauss–Newton from
 *       the layer-wise ẑ. This removes the noise amplification of φ⁻¹ near the saturated ends of tanh.</li>
 * </ol>
 * Observed outputs whose φ⁻¹ is not finite (y = ±1 exactly for tanh: float tanh saturates for |u| ≳ 9)
 * are left out of step 1 only. All solves are double-precision least squares ({@link LeastSquares}:
 * Householder QR, the SVD's minimum-norm solution when a supported matrix is wide or rank-deficient), with
 * one workspace reused by every solve of the call.
 */
public final class Oracle {
    private Oracle() {}

    /**
     * Build with {@link #builder()}; every field is checked here.
     *
     * @param endToEnd   whether to run Alg. 1 [002] after Alg. 6 [002]
     * @param iterations Gauss–Newton budget of Alg. 1 (≥ 1)
     */
    public record Options(boolean endToEnd, int iterations) {
        public Options {
            OptionChecks.atLeast("iterations", iterations, 1);
        }

        /** Alg. 1 on, 50 Gauss–Newton iterations. */
        public static Options defaults() {
            return builder().build();
        }

        public static Builder builder() {
            return new Builder();
        }

        public Builder toBuilder() {
            return builder().endToEnd(endToEnd).iterations(iterations);
        }

        /** Named setters; the initial values are the defaults, written here only. */
        public static final class Builder {
            private boolean endToEnd = true;
            public Builder endToEnd(boolean value) { endToEnd = value; return this; }
            private int iterations = 50;
            public Builder iterations(int value) { iterations = value; return this; }

            private Builder() {}

            public Options build() {
                return new Options(endToEnd, iterations);
            }
        }
    }

    /**
     * @param supports the supports of x_1 … x_{L−1} (sorted indices in [0, n_l)), e.g. from
     *                 {@link Generators#supportsOf} of the true latent vector
     */
    public static InversionResult solve(Network network, FloatVec y, FloatVec mask, List<int[]> supports, Options options) {
        long t0 = System.nanoTime();
        OutputActivation phi = Generators.checkGenerator(network);
        ObservationMasks.checkObservation(network, y, mask);
        Objects.requireNonNull(options, "options");
        int depth = network.depth();
        checkSupports(network, supports);
        List<Stage> stages = new ArrayList<>();
        LeastSquares ws = new LeastSquares();
        int[] obs = ObservationMasks.observedRows(network, mask);
        // Step 1 of Alg. 6 on the outputs whose φ⁻¹ is finite.
        int[] rows = java.util.Arrays.stream(obs).filter(i -> Double.isFinite(phi.inverse(y.get(i)))).toArray();
        DenseLayer last = network.dense(depth);
        double[] target = new double[rows.length];
        for (int k = 0; k < rows.length; k++) {
            target[k] = phi.inverse(y.get(rows[k])) - (last.bias() == null ? 0 : last.bias().get(rows[k]));
        }
        float[][] est = new float[depth - 1][];
        int[] lastCols = supports.get(depth - 2);
        double[] xs = leastSquares(stages, ws, "ls-last-layer", depth,
                LeastSquares.submatrix(last.weight(), rows, lastCols), lastCols.length, target);
        est[depth - 2] = toFloat(Supports.scatter(xs, lastCols, last.inputs()));
        for (int l = depth - 1; l >= 1; l--) {
            DenseLayer layer = network.dense(l);
            int[] s = supports.get(l - 1);
            double[] t = new double[s.length];
            for (int k = 0; k < s.length; k++) {
                t[k] = xs[k] - (layer.bias() == null ? 0 : layer.bias().get(s[k]));
            }
            int[] cols = l == 1 ? null : supports.get(l - 2);
            xs = leastSquares(stages, ws, l == 1 ? "ls-first-layer" : "ls-mid-layer", l,
                    LeastSquares.submatrix(layer.weight(), s, cols), cols == null ? layer.weight().cols() : cols.length, t);
            if (l > 1) {
                est[l - 2] = toFloat(Supports.scatter(xs, cols, layer.inputs()));
            }
        }
        float[] z = toFloat(xs);
        if (options.endToEnd()) {
            z = Debias.debias(network, phi, y, mask, supports, z, options.iterations(), stages, ws);
        }
        return InversionResult.of("oracle", network, y, mask, z, est, supports, stages, t0);
    }

    /**
     * argmin_x ‖Ax − b‖₂ for A = {@code a} (b.length × cols, row-major), recorded as a stage with its residual:
     * DIRECT (1 iteration, the factorization), or EMPTY_SUPPORT (0 iterations, x = 0) when a support leaves
     * no rows or no columns to solve for.
     */
    private static double[] leastSquares(List<Stage> stages, LeastSquares ws, String name, int layer,
                                         double[] a, int cols, double[] b) {
        long t0 = System.nanoTime();
        int rows = b.length;
        ws.factor(a, rows, cols);
        double[] x = new double[cols];
        ws.solve(b, x);
        double r = 0;
        for (int i = 0; i < rows; i++) {
            double v = -b[i];
            for (int j = 0; j < cols; j++) {
                v += a[i * cols + j] * x[j];
            }
            r += v * v;
        }
        StopReason reason = rows == 0 || cols == 0 ? StopReason.EMPTY_SUPPORT : StopReason.DIRECT;
        stages.add(new Stage(name, layer, rows == 0 || cols == 0 ? 0 : 1, reason, Math.sqrt(r),
                (System.nanoTime() - t0) * 1e-9, Double.NaN));
        return x;
    }

    static float[] toFloat(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = (float) x[i];
        }
        return f;
    }

    static void checkSupports(Network network, List<int[]> supports) {
        Objects.requireNonNull(supports, "supports");
        if (supports.size() != network.depth() - 1) {
            throw new IllegalArgumentException("supports: expected " + (network.depth() - 1)
                    + " (one per hidden layer x_1 … x_{L-1}), got " + supports.size());
        }
        for (int l = 1; l < network.depth(); l++) {
            int[] s = Objects.requireNonNull(supports.get(l - 1), "supports[" + (l - 1) + "]");
            int n = network.width(l);
            for (int k = 0; k < s.length; k++) {
                if (s[k] < 0 || s[k] >= n || (k > 0 && s[k] <= s[k - 1])) {
                    throw new IllegalArgumentException("supports[" + (l - 1) + "]: expected strictly increasing indices in [0, "
                            + n + ") (hidden layer " + l + " has " + n + " units), got " + s[k] + " at position " + k);
                }
            }
        }
    }
}
