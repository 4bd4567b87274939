package dev.netinvert.solvers.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options every sweep ({@code lp-sweep}, {@code pursuit-sweep}) shares, as one picocli mixin: the seed
 * from which it draws every network, signal and noise, and {@link RunOptions} ({@code --threads},
 * {@code --out}, {@code --quiet}, {@code --verbose}). ({@code circle} has its own {@code --seed}, documented
 * as the seed of W, b and the noise.)
 */
final class SweepOptions {
    @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    RunOptions run;
}
