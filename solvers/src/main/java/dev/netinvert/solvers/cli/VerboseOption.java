package dev.netinvert.solvers.cli;

import picocli.CommandLine.Option;

/**
 * {@code --verbose}, shared by every subcommand as a picocli mixin (through {@link RunOptions} where that
 * applies). The value is read by {@link Main}'s error handler from the parse result, which is the only
 * place that needs it.
 */
final class VerboseOption {
    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;
}
