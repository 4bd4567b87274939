package dev.netinvert.solvers;

/**
 * The checks every solver's {@code Options} record runs in its compact constructor, so that all of them
 * word a refusal the same way: the field's name, what was expected, the value given.
 */
public final class OptionChecks {
    private OptionChecks() {}

    /** {@code value}, if finite and &gt; 0. */
    public static double positive(String name, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be finite and > 0, got " + value);
        }
        return value;
    }

    /** {@code value}, if finite and ≥ 0. */
    public static double nonNegative(String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + value);
        }
        return value;
    }

    /** {@code value}, if ≥ {@code min}. */
    public static int atLeast(String name, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be >= " + min + ", got " + value);
        }
        return value;
    }

    /** {@code value}, if not null. */
    public static <T> T present(String name, T value) {
        if (value == null) {
            throw new IllegalArgumentException(name + ": expected a value, got null");
        }
        return value;
    }
}
