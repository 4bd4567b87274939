package dev.netinvert.solvers.cli;

import dev.netinvert.solvers.lifted.PdhgTv;
import picocli.CommandLine.Option;

/** {@code --alpha} and {@code --tv}, the total-variation term α·TV(x) of eq. (14) [000], shared as a picocli mixin. */
final class TvOptions {
    @Option(names = "--alpha", defaultValue = "0.015", description = "TV weight alpha (default ${DEFAULT-VALUE}).")
    double alpha;

    @Option(names = "--tv", defaultValue = "isotropic", description = "isotropic (default) or anisotropic total variation.")
    String tv;

    PdhgTv.Tv kind() {
        return OptionValues.tv(tv);
    }
}
