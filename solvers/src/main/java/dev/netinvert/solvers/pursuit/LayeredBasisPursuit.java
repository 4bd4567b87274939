package dev.netinvert.solvers.pursuit;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.OptionChecks;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.linalg.LeastSquares;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.Lanczos;
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
 * Stop reasons of the stages: each LASSO's from {@link Fista}; {@link StopReason#EMPTY_SUPPORT} (0 iterations)
 * for a LASSO or the final least squares whose support from the layer above is empty, so that its estimate
 * is 0 without any solve; {@link StopReason#DIRECT} for the least-squares solve of step 3.
 * The λ's are given per layer, or computed by Alg. 2's ε-rule from a noise bound ‖e‖₂ ≤ ε
 * ({@link EpsilonRule}: λ_L = 2ℓε, λ_i = 2ε_{i+1}, with the unknown sparsity levels s_i replaced by the
 * cardinalities |Ŝ_i| of the recovered supports).
 * Alg. 2 does not constrain x ≥ 0; {@link Options#nonNegative()} adds it. Without it a LASSO with small λ
 * leaves round-off-sized entries off the support, so supports are read with a larger relative threshold
 * (default τ = 1e-3: float32 FISTA reaches ~1e-6 relative accuracy, three decades below τ).
 */
public final class LayeredBasisPursuit {
    private LayeredBasisPursuit() {}

    /**
     * Build with {@link #builder()}; every field is checked here.
     *
     * @param lambdas          the λ's: {@link Lambdas#uniform}, {@link Lambdas#explicit} (one per hidden layer) or
     *                         {@link Lambdas#epsilonRule} (Alg. 2 [002] from a noise bound ε)
     * @param nonNegative      whether to add x ≥ 0 to each LASSO
     * @param supportThreshold τ in [0, 1)
     * @param tol              relative stopping tolerance of each FISTA run
     * @param maxIterations    iteration budget of each FISTA run
     * @param debias           whether to debias at the end
     * @param debiasIterations Gauss–Newton budget of the debiasing
     */
    public record Options(Lambdas lambdas, boolean nonNegative, double supportThreshold, double tol, int maxIterations,
                          boolean debias, int debiasIterations) {
        public Options {
            OptionChecks.present("lambdas", lambdas);
            StageSettings.check(supportThreshold, tol, maxIterations, debiasIterations);
        }

        /** λ = 0 for every layer (noiseless, Cor. 2 [002]), no x ≥ 0, τ = 1e-3, tol 1e-7, 20000 iterations, debiasing on. */
        public static Options defaults() {
            return builder().build();
        }

        public static Builder builder() {
            return new Builder();
        }

        public Builder toBuilder() {
            return builder().lambdas(lambdas).nonNegative(nonNegative).supportThreshold(supportThreshold).tol(tol)
                    .maxIterations(maxIterations).debias(debias).debiasIterations(debiasIterations);
        }

        /**
         * Named setters; the initial values are the defaults, written here only (the stage settings' in
         * {@link StageSettings.Builder}, with τ = 1e-3).
         */
        public static final class Builder extends StageSettings.Builder<Builder> {
            private Lambdas lambdas = Lambdas.uniform(0);
            public Builder lambdas(Lambdas value) { lambdas = value; return this; }
            private boolean nonNegative = false;
            public Builder nonNegative(boolean value) { nonNegative = value; return this; }

            private Builder() {
                super(1e-3);
            }

            @Override
            Builder self() {
                return this;
            }

            public Options build() {
                return new Options(lambdas, nonNegative, supportThreshold, tol, maxIterations, debias, debiasIterations);
            }
        }
    }

    /**
     * Inverts one signal. With {@link Lambdas#epsilonRule} the λ of each LASSO is computed just before
     * it runs, from the support found one layer above; every stage records its λ ({@link Stage#lambda()}),
     * and {@link EpsilonRule#of} on the result's supports gives the same λ's with Thm 2's error bounds.
     *
     * @param network a generator of eq. (3) [002]: depth ≥ 2, ReLU hidden layers, invertible last activation
     * @param y       the observed signal, n_L elements (entries where the mask is 0 are ignored)
     * @param mask    null (all observed) or n_L entries of 0 (unknown) / 1 (observed)
     * @throws IllegalArgumentException for bad arguments; with the ε-rule also when ε &gt; 0 and φ⁻¹ has no
     *                                  finite Lipschitz constant on the data (e.g. tanh outputs within ε of ±1),
     *                                  or when the rule gives an infinite λ (a zero column of a restricted W)
     */
    public static InversionResult solve(Network network, FloatVec y, FloatVec mask, Options options) {
        long t0 = System.nanoTime();
        OutputActivation phi = Generators.checkGenerator(network);
        ObservationMasks.checkObservation(network, y, mask);
        Objects.requireNonNull(options, "options");
        int depth = network.depth();
        // λ per hidden layer when given (given[l−1] for x_l); null under the ε-rule, which sets each in turn.
        double[] given = switch (options.lambdas()) {
            case Lambdas.Uniform u -> {
                double[] all = new double[depth - 1];
                Arrays.fill(all, u.lambda());
                yield all;
            }
            case Lambdas.Explicit e -> {
                if (e.values().length != depth - 1) {
                    throw new IllegalArgumentException("options.lambdas: expected " + (depth - 1)
                            + " values (one per hidden layer x_1 … x_{L-1}), got " + e.values().length);
                }
                yield e.values();
            }
            case Lambdas.ByEpsilonRule r -> null;
        };
        boolean rule = given == null;
        double noiseLevel = options.lambdas() instanceof Lambdas.ByEpsilonRule r ? r.noiseLevel() : Double.NaN;
        // ε(x_l) of the ε-rule for the layer just recovered; starts as ε_{L+1} = ℓε (ℓ checked before any work).
        double eps = rule ? EpsilonRule.top(EpsilonRule.ell("options.noiseLevel", phi, y, mask, noiseLevel), noiseLevel)
                : Double.NaN;
        OutputActivation identity = OutputActivation.of(Activation.IDENTITY);
        List<Stage> stages = new ArrayList<>();
        float[][] est = new float[depth - 1][];
        int[][] sup = new int[depth - 1][];
        try (Arena arena = Arena.ofShared()) {
            DenseLayer last = network.dense(depth);
            int n = network.outputSize();
            FloatVec u = FloatVec.allocate(arena, n), m = FloatVec.allocate(arena, n);
            for (int i = 0; i < n; i++) {
                double v = phi.inverse(y.get(i));
                boolean use = (mask == null || mask.get(i) == 1f) && Double.isFinite(v);
                u.set(i, use ? (float) v : 0f);
                m.set(i, use ? 1f : 0f);
            }
            FloatVec x = FloatVec.allocate(arena, last.inputs());
            double lambdaLast = rule ? 2 * eps : given[depth - 2];
            stages.add(Fista.solve("lasso-last-layer", depth, last.weight(), last.bias(), u, m, identity,
                    lambdaLast, options.nonNegative(), last.operatorNorm().value(), options.tol(),
                    options.maxIterations(), x));
            est[depth - 2] = x.toArray();
            sup[depth - 2] = Supports.support(est[depth - 2], options.supportThreshold());
            if (rule) {
                eps = EpsilonRule.next(eps, sup[depth - 2].length,
                        EpsilonRule.minColumnNorm(last.weight(), ObservationMasks.observedRows(network, mask)));
            }
            for (int l = depth - 1; l >= 2; l--) {
                DenseLayer layer = network.dense(l);
                int[] s = sup[l - 1];
                double lambda = rule ? 2 * eps : given[l - 2];
                if (Double.isInfinite(lambda)) {
                    throw new IllegalArgumentException("options.noiseLevel = " + noiseLevel + ": the ε-rule of "
                            + "Alg. 2 [002] gives λ = 2ε(x_" + l + ") = ∞ for x_" + (l - 1) + " (a column of W_" + (l + 1)
                            + " restricted to the rows it was solved on has norm 0, so Thm 2 bounds nothing); give explicit lambdas");
                }
                FloatMatrix p = FloatMatrix.allocatePadded(arena, layer.outputs(), layer.inputs());
                FloatVec bp = layer.bias() == null ? null : FloatVec.allocate(arena, layer.outputs());
                Supports.partitionRows(layer.weight(), layer.bias(), s, p, bp);
                FloatVec xl = FloatVec.allocate(arena, layer.inputs());
                if (s.length == 0) {
                    // S_l = ∅: the LASSO has no rows, x̂_{l−1} = 0 by construction (nothing was solved).
                    stages.add(new Stage("lasso-mid-layer", l, 0, StopReason.EMPTY_SUPPORT, 0, 0, lambda));
                } else {
                    FloatMatrix ps = p.rows(0, s.length);
                    FloatVec target = FloatVec.of(arena, Supports.gather(est[l - 1], s));
                    double norm = Lanczos.estimate(ps).value();
                    stages.add(Fista.solve("lasso-mid-layer", l, ps, bp == null ? null : bp.slice(0, s.length), target, null,
                            identity, lambda, options.nonNegative(), norm, options.tol(),
                            options.maxIterations(), xl));
                }
                est[l - 2] = xl.toArray();
                sup[l - 2] = Supports.support(est[l - 2], options.supportThreshold());
                if (rule) {
                    eps = EpsilonRule.next(eps, sup[l - 2].length, EpsilonRule.minColumnNorm(layer.weight(), s));
                }
            }
        }
        DenseLayer first = network.dense(1);
        int[] s1 = sup[0];
        double[] t = new double[s1.length];
        for (int k = 0; k < s1.length; k++) {
            t[k] = est[0][s1[k]] - (first.bias() == null ? 0 : first.bias().get(s1[k]));
        }
        long tl = System.nanoTime();
        double[] zd = LeastSquares.solve(LeastSquares.submatrix(first.weight(), s1, null), s1.length, first.weight().cols(), t);
        // A direct solve (no tolerance to meet), or nothing to solve when S_1 = ∅ (then ẑ = 0).
        stages.add(new Stage("ls-first-layer", 1, s1.length == 0 ? 0 : 1,
                s1.length == 0 ? StopReason.EMPTY_SUPPORT : StopReason.DIRECT, Double.NaN,
                (System.nanoTime() - tl) * 1e-9, Double.NaN));
        float[] z = Oracle.toFloat(zd);
        List<int[]> supports = Arrays.asList(sup);
        if (options.debias()) {
            z = Debias.debias(network, phi, y, mask, supports, z, options.debiasIterations(), stages);
        }
        return InversionResult.of("layered-bp", network, y, mask, z, est, supports, stages, t0);
    }
}
