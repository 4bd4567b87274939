package dev.netinvert.solvers;

/**
 * The primal and dual steps (τx, τz) of a primal-dual hybrid gradient iteration: {@link #auto()}, the
 * paper's pair τx = {@link StepRules#gradient}, τz = {@link StepRules#pdhgDual} (sec. 5.1.1 [000]), or
 * {@link #fixed(double, double)}. Stability needs τx·τz·‖K‖² &lt; 1 ({@link StepRules}).
 */
public sealed interface PdhgSteps {

    /** τx = 1.99/‖W‖₂², τz = 1/(8α). */
    static PdhgSteps auto() {
        return new Auto();
    }

    /** The given steps, each finite and &gt; 0. */
    static PdhgSteps fixed(double tauX, double tauZ) {
        return new Fixed(tauX, tauZ);
    }

    /** The paper's rule. */
    record Auto() implements PdhgSteps {}

    /**
     * @param tauX primal step τx, finite and &gt; 0
     * @param tauZ dual step τz, finite and &gt; 0
     */
    record Fixed(double tauX, double tauZ) implements PdhgSteps {
        public Fixed {
            OptionChecks.positive("tauX", tauX);
            OptionChecks.positive("tauZ", tauZ);
        }
    }
}
