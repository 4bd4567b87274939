package dev.netinvert.tests.kernels;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Seeded test data. */
final class Data {
    private Data() {}

    /** A generator whose seed depends only on the test and its parameters, so every failure reproduces. */
    static SplittableRandom random(Object... key) {
        return new SplittableRandom(0x5EEDL * 31 + Arrays.deepHashCode(key));
    }

    /** n floats uniform in [lo, hi). */
    static float[] uniform(SplittableRandom rnd, int n, double lo, double hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
        }
        return a;
    }

    /**
     * n small integers uniform in [lo, hi]. Sums and products of these stay far below 2^24, so every
     * kernel computes them exactly whatever its summation order: results must then equal the reference
     * exactly, which catches a dropped, doubled or misplaced term that a rounding tolerance could hide.
     */
    static float[] ints(SplittableRandom rnd, int n, int lo, int hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = rnd.nextInt(lo, hi + 1);
        }
        return a;
    }

    /** A NaN-filled array, as the reference's view of a {@link Buf} nobody has written. */
    static float[] nan(int n) {
        float[] a = new float[n];
        Arrays.fill(a, Float.NaN);
        return a;
    }
}
