package dev.netinvert.solvers.cli;

import dev.netinvert.solvers.parallel.Parallelism;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code --threads}, {@code --out}, {@code --quiet} and {@code --verbose}, shared as a picocli mixin by the
 * commands that solve and write a folder of results ({@code circle}, {@code invert}, {@code pursuit-sweep}).
 * The folder's default is named after the command: {@code circle-out}, {@code invert-out},
 * {@code pursuit-sweep-out}.
 */
final class RunOptions {
    @Mixin
    ThreadsOption threads;

    @Mixin
    VerboseOption verbose;

    @Option(names = "--out", defaultValue = "${COMMAND-NAME}-out", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--quiet", description = "No progress output and no summary.")
    boolean quiet;

    /** The pool for {@code --threads}; the caller closes it. */
    Parallelism parallelism() {
        return threads.parallelism();
    }

    /** The folder named by {@code --out} (or the command's default). */
    Path out() {
        return out;
    }

    /** The folder named by {@code --out}, created (with its parents) if it does not exist yet. */
    Path createdOut() throws IOException {
        Files.createDirectories(out);
        return out;
    }

    /** A sweep's progress callback: prints the line {@code message} makes for a finished point, unless {@code --quiet}. */
    IntConsumer progress(IntFunction<String> message) {
        return point -> {
            if (!quiet) {
                System.out.println(message.apply(point));
            }
        };
    }

    /** Whether {@code --quiet} was given. */
    boolean quiet() {
        return quiet;
    }
}
