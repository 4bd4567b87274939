package dev.netinvert.solvers;

import java.util.function.DoubleSupplier;

/**
 * A step size: {@link #auto()}, the solver's own rule (each solver documents which, see {@link StepRules}),
 * or {@link #fixed(double)}.
 */
public sealed interface StepSize {

    /** The solver's default rule. */
    static StepSize auto() {
        return new Auto();
    }

    /** The given step τ, finite and &gt; 0. */
    static StepSize fixed(double tau) {
        return new Fixed(tau);
    }

    /** The fixed step, or {@code rule}'s value when automatic (the rule is evaluated only then). */
    default double orElse(DoubleSupplier rule) {
        return switch (this) {
            case Fixed f -> f.tau();
            case Auto a -> rule.getAsDouble();
        };
    }

    /** The solver's rule. */
    record Auto() implements StepSize {}

    /** @param tau the step, finite and &gt; 0 */
    record Fixed(double tau) implements StepSize {
        public Fixed {
            OptionChecks.positive("step", tau);
        }
    }
}
