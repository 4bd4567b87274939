package dev.netinvert.solvers.cli;

import dev.netinvert.solvers.parallel.Parallelism;
import picocli.CommandLine.Option;

/**
 * {@code --threads}, shared as a picocli mixin (directly by {@code diagnose}, through {@link RunOptions} by
 * the others): how many threads a command uses, within one solve or across the observations (signals) of
 * a batch, whichever the command parallelises.
 */
final class ThreadsOption {
    @Option(names = "--threads", description = "Threads (default: available processors): within one solve, or across "
            + "the observations or signals of a batch.")
    Integer threads;

    /** The pool for {@code --threads}; the caller closes it. */
    Parallelism parallelism() {
        return OptionValues.parallelism(threads);
    }
}
