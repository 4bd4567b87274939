package dev.netinvert.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Bit-for-bit comparisons of two computations that run the same kernels on the same data.
 *
 * <p>Why not a plain {@code assertArrayEquals(a.get(), b.get())}: the SIMD kernels' lane reductions
 * ({@code reduceLanes(ADD)}) add the lanes in one order when interpreted or C1-compiled and in another
 * once C2 has compiled them, so the same GEMV on the same data can change in its last bit between two
 * calls that straddle that compilation (observed: a 40×50 GEMV changes at call ~6000). Two computations
 * that are genuinely identical agree whenever they run in the same compilation state; one that differs
 * (a wrong weight, a different summation) never does. So each pair is evaluated afresh up to a few
 * times, and the assertion demands one round in which they agree exactly.
 */
public final class SameBits {
    private SameBits() {}

    private static final int ROUNDS = 6;

    public static void assertSameBits(Supplier<float[]> a, Supplier<float[]> b, String what) {
        float[] x = null, y = null;
        for (int round = 0; round < ROUNDS; round++) {
            x = a.get().clone();
            y = b.get().clone();
            if (Arrays.equals(x, y)) {
                return;
            }
        }
        assertArrayEquals(x, y, what + " (differs in " + ROUNDS + " fresh evaluations)");
    }
}
