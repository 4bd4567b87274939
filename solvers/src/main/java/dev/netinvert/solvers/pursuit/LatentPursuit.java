package dev.netinvert.solvers.pursuit;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.OptionChecks;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Latent-Pursuit, Alg. 5 [002]: invert x = φ(W_L ReLU(⋯ ReLU(W_1 z + b_1) ⋯) + b_L) layer by layer from
 * the output back (code indexing, see {@link InversionResult}):
 * <ol>
 *   <li>last layer, eq. (8) [002] by FISTA (Alg. 3, {@link Fista}): x_{L−1} = argmin_{x ≥ 0} ½‖M(y − φ(W_L x + b_L))‖²
 *       + λ_L 1ᵀx, with no φ⁻¹ applied to y (tanh's inverse amplifies noise near ±1);</li>
 *   <li>each mid layer l = L−1 … 2, eq. (9) [002] by the linearized ADMM of Alg. 4 ({@link LinearizedAdmm}) on
 *       the support S of x̂_l and its complement: x_{l−1} ≥ 0, W_l^S x_{l−1} + b^S ≈ x̂_l^S, W_l^{S^c}x_{l−1} + b^{S^c} ≤ 0;</li>
 *   <li>the first layer, eq. (16) [002] by the same ADMM with the z-step of eq. (18) [002] and the prior weight γ;</li>
 *   <li>optional debiasing: freeze the supports and fit z end to end, min_z ½‖M(y − φ(A_S z + c_S))‖²
 *       ({@link Debias#gaussNewton}).</li>
 * </ol>
 * Supports are read with a relative threshold: S = {i : x̂_i &gt; τ·max x̂}. For a noiseless signal the fit
 * of eq. (8) [002] is exact, so the off-support entries have zero gradient at the solution (no strict
 * complementarity) and the projection does not zero them exactly: float32 FISTA leaves them at about
 * 1e-6 relative to the largest entry (measured at n_1 = 300: at most 2e-6). The default τ = 1e-4 sits
 * two decades above that; a true entry below τ·max (probability ~5e-4 per entry for ReLU of a Gaussian)
 * is dropped, costing an error of its own size, about 1e-5 relative, i.e. ~100 dB.
 */
public final class LatentPursuit {
    private LatentPursuit() {}

    /**
     * Build with {@link #builder()} (defaults: sec. 6.1 [002]); every field is checked here.
     *
     * @param lambdaLast       λ_L ≥ 0 of eq. (8) [002]
     * @param lambdaMid        λ_i ≥ 0 of eq. (9) [002] for the mid layers
     * @param rho              ρ &gt; 0 of the ADMM
     * @param gamma            γ ≥ 0 of eq. (16) [002]
     * @param supportThreshold τ in [0, 1), relative to the layer's largest entry
     * @param tol              relative stopping tolerance of every stage (&gt; 0)
     * @param maxIterations    iteration budget of every stage (≥ 1)
     * @param debias           whether to run the debiasing step
     * @param debiasIterations Gauss–Newton iteration budget of the debiasing (≥ 1)
     */
    public record Options(double lambdaLast, double lambdaMid, double rho, double gamma, double supportThreshold,
                          double tol, int maxIterations, boolean debias, int debiasIterations) {
        public Options {
            OptionChecks.nonNegative("lambdaLast", lambdaLast);
            OptionChecks.nonNegative("lambdaMid", lambdaMid);
            OptionChecks.positive("rho", rho);
            OptionChecks.nonNegative("gamma", gamma);
            StageSettings.check(supportThreshold, tol, maxIterations, debiasIterations);
        }

        /** Sec. 6.1 [002]: λ = 0, ρ = 1e-2, γ = 0, debiasing on; τ = 1e-4, tol 1e-7, 20000 iterations per stage. */
        public static Options defaults() {
            return builder().build();
        }

        public static Builder builder() {
            return new Builder();
        }

        public Builder toBuilder() {
            return builder().lambdaLast(lambdaLast).lambdaMid(lambdaMid).rho(rho).gamma(gamma)
                    .supportThreshold(supportThreshold).tol(tol).maxIterations(maxIterations).debias(debias)
                    .debiasIterations(debiasIterations);
        }

        /**
         * Named setters; the initial values are the defaults, written here only (the stage settings' in
         * {@link StageSettings.Builder}, with τ = 1e-4).
         */
        public static final class Builder extends StageSettings.Builder<Builder> {
            private double lambdaLast = 0;
            public Builder lambdaLast(double value) { lambdaLast = value; return this; }
            private double lambdaMid = 0;
            public Builder lambdaMid(double value) { lambdaMid = value; return this; }
            private double rho = 1e-2;
            public Builder rho(double value) { rho = value; return this; }
            private double gamma = 0;
            public Builder gamma(double value) { gamma = value; return this; }

            private Builder() {
                super(1e-4);
            }

            @Override
            Builder self() {
                return this;
            }

            public Options build() {
                return new Options(lambdaLast, lambdaMid, rho, gamma, supportThreshold, tol, maxIterations, debias,
                        debiasIterations);
            }
        }
    }

    /**
     * Inverts one signal.
     *
     * @param network a generator of eq. (3) [002]: depth ≥ 2, ReLU hidden layers, invertible last activation
     * @param y       the observed signal, n_L elements (entries where the mask is 0 are ignored)
     * @param mask    null (all observed) or n_L entries of 0 (unknown) / 1 (observed)
     */
    public static InversionResult solve(Network network, FloatVec y, FloatVec mask, Options options) {
        long t0 = System.nanoTime();
        OutputActivation phi = Generators.checkGenerator(network);
        ObservationMasks.checkObservation(network, y, mask);
        Objects.requireNonNull(options, "options");
        int depth = network.depth();
        List<Stage> stages = new ArrayList<>();
        float[][] est = new float[depth - 1][];
        int[][] sup = new int[depth - 1][];
        float[] z;
        try (Arena arena = Arena.ofShared()) {
            DenseLayer last = network.dense(depth);
            FloatVec x = FloatVec.allocate(arena, last.inputs());
            stages.add(Fista.solve("fista-last-layer", depth, last.weight(), last.bias(), y, mask, phi,
                    options.lambdaLast(), true, last.operatorNorm().value(), options.tol(), options.maxIterations(), x));
            est[depth - 2] = x.toArray();
            sup[depth - 2] = Supports.support(est[depth - 2], options.supportThreshold());
            for (int l = depth - 1; l >= 2; l--) {
                est[l - 2] = admmStage(network, l, sup[l - 1], est[l - 1], options, stages, arena);
                sup[l - 2] = Supports.support(est[l - 2], options.supportThreshold());
            }
            z = admmStage(network, 1, sup[0], est[0], options, stages, arena);
        }
        List<int[]> supports = Arrays.asList(sup);
        if (options.debias()) {
            z = Debias.debias(network, phi, y, mask, supports, z, options.debiasIterations(), stages);
        }
        return InversionResult.of("latent-pursuit", network, y, mask, z, est, supports, stages, t0);
    }

    /**
     * Layer l's stage (eq. (18) [002] for l = 1, the mid-layer problem otherwise): the rows of W_l
     * partitioned into the support s of the estimate above and its complement, solved by the linearized
     * ADMM against that estimate's values on s; returns the layer's input estimate.
     */
    private static float[] admmStage(Network network, int l, int[] s, float[] above, Options options,
                                     List<Stage> stages, Arena arena) {
        boolean first = l == 1;
        DenseLayer layer = network.dense(l);
        FloatMatrix p = FloatMatrix.allocatePadded(arena, layer.outputs(), layer.inputs());
        FloatVec bp = layer.bias() == null ? null : FloatVec.allocate(arena, layer.outputs());
        Supports.partitionRows(layer.weight(), layer.bias(), s, p, bp);
        FloatVec target = FloatVec.of(arena, Supports.gather(above, s));
        FloatVec xl = FloatVec.allocate(arena, layer.inputs());
        stages.add(LinearizedAdmm.solve(first ? "ladmm-first-layer" : "ladmm-mid-layer", l, p, s.length, bp, target,
                first, options.lambdaMid(), options.gamma(), options.rho(), options.tol(), options.maxIterations(), xl));
        return xl.toArray();
    }
}
