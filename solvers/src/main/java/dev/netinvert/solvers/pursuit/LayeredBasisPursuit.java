package dev.netinvert.solvers.pursuit;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.PowerIteration;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Layered Basis-Pursuit, Alg. 2 [002] (code indexing, see {@link InversionResult}):
 * <ol>
 *   <li>x̂_{L−1} = argmin ½‖φ⁻¹(y) − b_L − W_L x‖² + λ_{L−1}‖x‖₁ (a LASSO by {@link Fista}; observed outputs
 *       whose φ⁻¹ is not finite are left out);</li>
 *   <li>for l = L−1 … 2: x̂_{l−1} = argmin ½‖x̂_l^{S_l} − b_l^{S_l} − W_l^{S_l} x‖² + λ_{l−1}‖x‖₁, S_l the support of x̂_l;</li>
 *   <li>ẑ = argmin ‖x̂_1^{S_1} − b_1^{S_1} − W_1^{S_1} z‖ (double-precision SVD least squares);</li>
 *   <li>optional debiasing as in Alg. 5 (sec. 6.1 [002] debiases both pursuits).</li>
 * </ol>
 * Alg. 2 does not constrain x ≥ 0; {@link Options#nonNegative()} adds it. Without it a LASSO with small λ
 * leaves round-off-sized entries off the support, so supports are read with a larger relative threshold
 * (default τ = 1e-3: float32 FISTA reaches ~1e-6 relative accuracy, three decades below τ).
 */
public final class LayeredBasisPursuit {
    private LayeredBasisPursuit() {}

    /**
     * @param lambdas          λ for the estimate of x_1 … x_{L−1} (element l−1 for x_l), each ≥ 0; sec. 6.1
     *                         picks λ_1 from {1e-5, 7e-6, 3e-6, 1e-6, 0}
     * @param nonNegative      whether to add x ≥ 0 to each LASSO
     * @param supportThreshold τ in [0, 1)
     * @param tol              relative stopping tolerance of each FISTA run
     * @param maxIterations    iteration budget of each FISTA run
     * @param debias           whether to debias at the end
     * @param debiasIterations Gauss–Newton budget of the debiasing
     */
    public record Options(double[] lambdas, boolean nonNegative, double supportThreshold, double tol, int maxIterations,
                          boolean debias, int debiasIterations) {
        public Options {
            Objects.requireNonNull(lambdas, "lambdas");
            lambdas = lambdas.clone();
            for (int i = 0; i < lambdas.length; i++) {
                if (!(lambdas[i] >= 0) || Double.isInfinite(lambdas[i])) {
                    throw new IllegalArgumentException("lambdas[" + i + "] must be finite and >= 0, got " + lambdas[i]);
                }
            }
            Pursuits.checkThreshold(supportThreshold);
            Pursuits.checkTolerance(tol, maxIterations);
            if (debiasIterations < 1) {
                throw new IllegalArgumentException("debiasIterations must be >= 1, got " + debiasIterations);
            }
        }

        /** λ = the given value for every hidden layer of a network of the given depth; τ = 1e-3, debiasing on. */
        public static Options defaults(int depth, double lambda) {
            double[] l = new double[Math.max(depth - 1, 0)];
            Arrays.fill(l, lambda);
            return new Options(l, false, 1e-3, 1e-7, 20000, true, 50);
        }

        public Options withDebias(boolean on) {
            return new Options(lambdas, nonNegative, supportThreshold, tol, maxIterations, on, debiasIterations);
        }
    }

    public static InversionResult solve(Network network, FloatVec y, FloatVec mask, Options options) {
        long t0 = System.nanoTime();
        OutputActivation phi = Pursuits.checkGenerator(network);
        Pursuits.checkObservation(network, y, mask);
        Objects.requireNonNull(options, "options");
        int depth = network.depth();
        if (options.lambdas().length != depth - 1) {
            throw new IllegalArgumentException("options.lambdas: expected " + (depth - 1)
                    + " values (one per hidden layer x_1 … x_{L-1}), got " + options.lambdas().length);
        }
        OutputActivation identity = OutputActivation.of(Activation.IDENTITY);
        List<Stage> stages = new ArrayList<>();
        float[][] est = new float[depth - 1][];
        int[][] sup = new int[depth - 1][];
        try (Arena arena = Arena.ofConfined()) {
            DenseLayer last = network.layer(depth);
            int n = network.outputSize();
            FloatVec u = FloatVec.allocate(arena, n), m = FloatVec.allocate(arena, n);
            for (int i = 0; i < n; i++) {
                double v = phi.inverse(y.get(i));
                boolean use = (mask == null || mask.get(i) == 1f) && Double.isFinite(v);
                u.set(i, use ? (float) v : 0f);
                m.set(i, use ? 1f : 0f);
            }
            FloatVec x = FloatVec.allocate(arena, last.inputs());
            stages.add(Fista.solve("lasso-last-layer", depth, last.weight(), last.bias(), u, m, identity,
                    options.lambdas()[depth - 2], options.nonNegative(), last.operatorNorm().value(), options.tol(),
                    options.maxIterations(), x));
            est[depth - 2] = x.toArray();
            sup[depth - 2] = Pursuits.support(est[depth - 2], options.supportThreshold());
            for (int l = depth - 1; l >= 2; l--) {
                DenseLayer layer = network.layer(l);
                int[] s = sup[l - 1];
                FloatMatrix p = FloatMatrix.allocate(arena, layer.outputs(), layer.inputs());
                FloatVec bp = layer.bias() == null ? null : FloatVec.allocate(arena, layer.outputs());
                Pursuits.partitionRows(layer.weight(), layer.bias(), s, p, bp);
                FloatVec xl = FloatVec.allocate(arena, layer.inputs());
                if (s.length == 0) {
                    stages.add(new Stage("lasso-mid-layer", l, 0, StopReason.TOLERANCE, 0, 0));
                } else {
                    FloatMatrix ps = p.rows(0, s.length);
                    FloatVec target = FloatVec.of(arena, Pursuits.gather(est[l - 1], s));
                    double norm = PowerIteration.estimate(ps).value();
                    stages.add(Fista.solve("lasso-mid-layer", l, ps, bp == null ? null : bp.slice(0, s.length), target, null,
                            identity, options.lambdas()[l - 2], options.nonNegative(), norm, options.tol(),
                            options.maxIterations(), xl));
                }
                est[l - 2] = xl.toArray();
                sup[l - 2] = Pursuits.support(est[l - 2], options.supportThreshold());
            }
        }
        DenseLayer first = network.layer(1);
        int[] s1 = sup[0];
        double[] t = new double[s1.length];
        for (int k = 0; k < s1.length; k++) {
            t[k] = est[0][s1[k]] - (first.bias() == null ? 0 : first.bias().get(s1[k]));
        }
        long tl = System.nanoTime();
        double[] zd = DenseLeastSquares.solve(DenseLeastSquares.sub(first.weight(), s1, null), t);
        stages.add(new Stage("ls-first-layer", 1, 1, StopReason.TOLERANCE, Double.NaN, (System.nanoTime() - tl) * 1e-9));
        float[] z = Oracle.toFloat(zd);
        List<int[]> supports = Arrays.asList(sup);
        if (options.debias()) {
            z = Pursuits.debias(network, phi, y, mask, supports, z, options.debiasIterations(), stages);
        }
        return Pursuits.result("layered-bp", network, y, mask, z, est, supports, stages, t0);
    }
}
