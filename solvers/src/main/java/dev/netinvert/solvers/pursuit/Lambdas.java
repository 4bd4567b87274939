package dev.netinvert.solvers.pursuit;

import dev.netinvert.solvers.OptionChecks;
import java.util.Arrays;

/**
 * The ℓ1 weights λ of Layered Basis-Pursuit's LASSOs (Alg. 2 [002]), given in one of three ways:
 * {@link #uniform} (one λ for every hidden layer), {@link #explicit} (one per hidden layer) or
 * {@link #epsilonRule} (each computed from a noise bound ε when the layer above has been recovered,
 * {@link EpsilonRule}: λ_L = 2ℓε for the last layer, λ_i = 2ε_{i+1} below it).
 */
public sealed interface Lambdas {

    /** λ for every hidden layer, finite and ≥ 0; sec. 6.1 [002] picks λ_1 from {1e-5, 7e-6, 3e-6, 1e-6, 0}. */
    static Lambdas uniform(double lambda) {
        return new Uniform(lambda);
    }

    /** λ for the estimate of x_1 … x_{L−1} (element l−1 for x_l), each finite and ≥ 0. */
    static Lambdas explicit(double... lambdas) {
        return new Explicit(lambdas);
    }

    /**
     * The ε-rule of Alg. 2 [002] for a noise bound ‖e‖₂ ≤ ε with y = G(z) + e (over the observed outputs,
     * units of y), ε finite and ≥ 0. ε = 0 gives λ = 0 for every layer, the noiseless case of Cor. 2 [002].
     */
    static Lambdas epsilonRule(double noiseLevel) {
        return new ByEpsilonRule(noiseLevel);
    }

    /** @param lambda the λ of every hidden layer */
    record Uniform(double lambda) implements Lambdas {
        public Uniform {
            OptionChecks.nonNegative("lambda", lambda);
        }
    }

    /** @param values λ per hidden layer (a copy is kept and handed out) */
    record Explicit(double[] values) implements Lambdas {
        public Explicit {
            values = OptionChecks.present("lambdas", values).clone();
            for (int i = 0; i < values.length; i++) {
                OptionChecks.nonNegative("lambdas[" + i + "]", values[i]);
            }
        }

        @Override
        public double[] values() {
            return values.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Explicit e && Arrays.equals(values, e.values);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return "Explicit" + Arrays.toString(values);
        }
    }

    /** @param noiseLevel ε of the ε-rule */
    record ByEpsilonRule(double noiseLevel) implements Lambdas {
        public ByEpsilonRule {
            EpsilonRule.checkNoiseLevel("noiseLevel", noiseLevel);
        }
    }
}
