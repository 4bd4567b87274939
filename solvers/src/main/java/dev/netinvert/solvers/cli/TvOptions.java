package dev.netinvert.solvers.cli;

import dev.netinvert.solvers.lifted.PdhgTv;
import picocli.CommandLine.Option;

/** {@code --alpha} and {@code --tv}, the total-variation term α·TV(x) of eq. (14) [000], shared as a picocli mixin. */
final class TvOptions {
    @Option(names = "--alpha", description = "TV weight alpha (default: the solver's, the paper's).")
    Double alpha;

    @Option(names = "--tv", description = "isotropic (default) or anisotropic total variation.")
    String tv;

    /** The TV kind the user gave, or null for the solver's default. */
    PdhgTv.Tv kind() {
        return tv == null ? null : OptionValues.tv(tv);
    }
}
