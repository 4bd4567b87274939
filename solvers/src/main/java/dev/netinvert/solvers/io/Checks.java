package dev.netinvert.solvers.io;

import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.Activations;

import java.lang.foreign.MemorySegment;

/** Value scans shared by the loaders. */
final class Checks {
    private Checks() {}

    /** NaN and ±∞ elements of {@code v}: how many and the first. */
    static Activations.Violations nonFinite(FloatVec v) {
        MemorySegment s = v.segment();
        long off = v.byteOffset();
        long count = 0;
        int first = -1;
        float firstValue = 0f;
        for (int i = 0; i < v.length(); i++) {
            float x = s.get(FloatVec.LAYOUT, off + 4L * i);
            if (!Float.isFinite(x)) {
                if (count++ == 0) {
                    first = i;
                    firstValue = x;
                }
            }
        }
        return new Activations.Violations(count, first, firstValue);
    }
}
