package dev.netinvert.solvers.pursuit;

import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.SeededGaussian;
import java.lang.foreign.Arena;
import java.util.Objects;

/**
 * The two inpainting masks of sec. 6.2 [002] (1 = observed, 0 = unknown), for outputs of n elements; the
 * pursuits, the Oracle and the gradient baselines all accept them, and the checks of an observation and
 * its mask that every one of them runs.
 */
public final class ObservationMasks {
    private ObservationMasks() {}

    /** Each output hidden independently with probability {@code fraction} (the paper: 45 %), seeded. */
    public static FloatVec random(Arena arena, int n, double fraction, long seed) {
        check(n, fraction);
        FloatVec mask = FloatVec.allocate(arena, n);
        SeededGaussian g = new SeededGaussian(seed);
        for (int i = 0; i < n; i++) {
            mask.set(i, g.nextUniform() < fraction ? 0f : 1f);
        }
        return mask;
    }

    /**
     * The output seen as a square image of side h = √n, row-major: its upper round(fraction·h) rows hidden
     * (the paper hides 13 of 28 rows, "the upper ~45 %"; 45 % of 25 rows hides 11).
     *
     * @throws IllegalArgumentException if n is not a perfect square
     */
    public static FloatVec upperRows(Arena arena, int n, double fraction) {
        check(n, fraction);
        int h = (int) Math.round(Math.sqrt(n));
        if (h * h != n) {
            throw new IllegalArgumentException("n: the upper-rows mask views the output as a square image, but " + n
                    + " is not a perfect square");
        }
        int hidden = (int) Math.round(fraction * h);
        FloatVec mask = FloatVec.allocate(arena, n);
        for (int i = 0; i < n; i++) {
            mask.set(i, i / h < hidden ? 0f : 1f);
        }
        return mask;
    }

    /** Checks y (n_L elements, finite) and the mask (null or n_L entries each 0 or 1, at least one 1). */
    public static void checkObservation(Network network, FloatVec y, FloatVec mask) {
        Objects.requireNonNull(y, "y");
        int n = network.outputSize();
        if (y.length() != n) {
            throw new IllegalArgumentException("y: expected length " + n + " (the network's output size n_L), got "
                    + y.length());
        }
        for (int i = 0; i < n; i++) {
            float v = y.get(i);
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("y: expected finite values, element " + i + " = " + v);
            }
        }
        observedCount(network, mask);
    }

    /** The number of observed outputs: n_L without a mask, else the mask's ones (validated). */
    static int observedCount(Network network, FloatVec mask) {
        int n = network.outputSize();
        if (mask == null) {
            return n;
        }
        if (mask.length() != n) {
            throw new IllegalArgumentException("mask: expected length " + n + " (the network's output size n_L), got "
                    + mask.length());
        }
        int ones = 0;
        for (int i = 0; i < n; i++) {
            float v = mask.get(i);
            if (v == 1f) {
                ones++;
            } else if (v != 0f) {
                throw new IllegalArgumentException("mask: expected entries 0 (unknown) or 1 (observed), element " + i
                        + " = " + v);
            }
        }
        if (ones == 0) {
            throw new IllegalArgumentException("mask: no output is observed (all " + n + " entries are 0)");
        }
        return ones;
    }

    /** Indices of the observed outputs. */
    static int[] observedRows(Network network, FloatVec mask) {
        int n = network.outputSize();
        int[] rows = new int[observedCount(network, mask)];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (mask == null || mask.get(i) == 1f) {
                rows[k++] = i;
            }
        }
        return rows;
    }

    private static void check(int n, double fraction) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, got " + n);
        }
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("fraction must lie in [0, 1), got " + fraction);
        }
    }
}
