package dev.netinvert.solvers.cli;

import dev.netinvert.kernels.Activation;
import dev.netinvert.solvers.lifted.PdhgTv;
import dev.netinvert.solvers.parallel.Parallelism;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The values of command-line options that are not plain numbers or paths, parsed from their text; errors
 * are IllegalArgumentExceptions naming the flag.
 */
final class OptionValues {
    private OptionValues() {}

    static PdhgTv.Tv tv(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "isotropic", "iso" -> PdhgTv.Tv.ISOTROPIC;
            case "anisotropic", "aniso" -> PdhgTv.Tv.ANISOTROPIC;
            default -> throw new IllegalArgumentException("--tv must be isotropic or anisotropic, got '" + s + "'");
        };
    }

    /**
     * Passes a value the user gave on to an options builder, and leaves the builder's default otherwise: the
     * solvers' builders hold the only copy of their defaults.
     */
    static <T> void ifGiven(T value, Consumer<? super T> setter) {
        if (value != null) {
            setter.accept(value);
        }
    }

    static Parallelism parallelism(Integer threads) {
        if (threads == null) {
            return Parallelism.available();
        }
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        }
        return Parallelism.of(threads);
    }

    /** {@code --max-iter}, when given, is an iteration budget: at least one iteration. */
    static void checkMaxIterations(Integer maxIter) {
        if (maxIter != null && maxIter < 1) {
            throw new IllegalArgumentException("--max-iter must be >= 1, got " + maxIter);
        }
    }

    static void checkBatchSize(Integer batchSize) {
        if (batchSize != null && batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        }
    }

    /** "HxW" or "CxHxW" → {C, H, W}. */
    static int[] image(String s) {
        String[] parts = s.toLowerCase(Locale.ROOT).split("x");
        try {
            if (parts.length == 2) {
                return new int[] {1, positive(parts[0], s), positive(parts[1], s)};
            }
            if (parts.length == 3) {
                return new int[] {positive(parts[0], s), positive(parts[1], s), positive(parts[2], s)};
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new IllegalArgumentException("--image must be HxW or CxHxW with positive integers, got '" + s + "'");
    }

    private static int positive(String p, String whole) {
        int v = Integer.parseInt(p.trim());
        if (v < 1) {
            throw new NumberFormatException(whole);
        }
        return v;
    }

    /** "relu", "tanh", ..., "leaky_relu:0.1", "soft_threshold:0.5". */
    static Activation activation(String s) {
        String[] p = s.toLowerCase(Locale.ROOT).split(":", 2);
        try {
            return switch (p[0]) {
                case "identity" -> Activation.IDENTITY;
                case "relu" -> Activation.RELU;
                case "tanh" -> Activation.TANH;
                case "sigmoid" -> Activation.SIGMOID;
                case "clip" -> Activation.CLIP;
                case "leaky_relu" -> Activation.leakyRelu(Float.parseFloat(p[1]));
                case "soft_threshold" -> Activation.softThreshold(Float.parseFloat(p[1]));
                default -> throw new IllegalArgumentException("unknown");
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--activation must be identity, relu, tanh, sigmoid, clip, "
                    + "leaky_relu:SLOPE or soft_threshold:LAMBDA, got '" + s + "'");
        }
    }

    /** A decimal number given to {@code option} ("inf", "-inf" allowed), or a clear error. */
    static double number(String option, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            return switch (t) {
                case "inf", "+inf" -> Double.POSITIVE_INFINITY;
                case "-inf" -> Double.NEGATIVE_INFINITY;
                default -> Double.parseDouble(t);
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": expected a number, got '" + text + "'");
        }
    }

    /** An integer given to {@code option}, or a clear error. */
    static int integer(String option, String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": expected an integer, got '" + text + "'");
        }
    }
}
