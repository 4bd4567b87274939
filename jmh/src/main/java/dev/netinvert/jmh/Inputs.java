package dev.netinvert.jmh;

import dev.netinvert.kernels.FloatVec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/** Seeded inputs shared by the benchmarks: the same numbers on the heap (reference) and off-heap (fast kernels). */
final class Inputs {
    private Inputs() {}

    /** Uniform in [-1, 1): no denormals, no overflow, and every sign pattern for the activations. */
    static float[] uniform(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (2 * rnd.nextDouble() - 1);
        }
        return a;
    }

    /** Uniform in [0, 1): a valid ReLU target t ≥ 0. */
    static float[] nonNegative(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextDouble();
        }
        return a;
    }

    /** A 64-byte-aligned native copy of {@code a} in {@code arena}. */
    static MemorySegment offHeap(Arena arena, float[] a) {
        return FloatVec.of(arena, a).segment();
    }

    /** {@code "512x4096"} → {512, 4096}. */
    static int[] shape(String s) {
        String[] p = s.split("x");
        if (p.length != 2) {
            throw new IllegalArgumentException("shape must look like ROWSxCOLS, got '" + s + "'");
        }
        return new int[] {Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim())};
    }
}
