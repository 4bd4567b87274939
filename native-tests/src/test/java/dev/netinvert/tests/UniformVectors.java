package dev.netinvert.tests;

import dev.netinvert.kernels.FloatVec;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;

/** Test inputs: vectors of values uniform in [−1, 1). */
public final class UniformVectors {
    private UniformVectors() {}

    public static FloatVec random(Arena arena, int n, SplittableRandom rnd) {
        FloatVec v = FloatVec.allocate(arena, n);
        for (int i = 0; i < n; i++) {
            v.set(i, (float) (rnd.nextDouble() * 2 - 1));
        }
        return v;
    }
}
