package dev.netinvert.solvers.pursuit;

import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.SeededGaussian;
import java.lang.foreign.Arena;

/**
 * The two inpainting masks of sec. 6.2 [002] (1 = observed, 0 = unknown), for outputs of n elements; the
 * pursuits, the Oracle and the gradient baselines all accept them.
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

    private static void check(int n, double fraction) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, got " + n);
        }
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("fraction must lie in [0, 1), got " + fraction);
        }
    }
}
