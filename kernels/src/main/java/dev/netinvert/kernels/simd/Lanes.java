package dev.netinvert.kernels.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;

/**
 * Lane sums in a fixed order. {@code reduceLanes(ADD)} leaves the order unspecified ("may even vary
 * over time", its javadoc), and in practice the interpreter, C1 and C2 add the lanes in different
 * orders, so the same inputs gave results differing in the last bit before and after JIT compilation.
 * Summing lane 0, 1, 2, … keeps every kernel reproducible (DESIGN.md decision 7). The lane count is a
 * constant of the species, so C2 unrolls this into lane extracts: a cost paid once per reduction, not
 * per element.
 */
final class Lanes {
    private Lanes() {}

    static float sum(FloatVector v) {
        float s = v.lane(0);
        for (int i = 1; i < v.length(); i++) {
            s += v.lane(i);
        }
        return s;
    }

    static double sum(DoubleVector v) {
        double s = v.lane(0);
        for (int i = 1; i < v.length(); i++) {
            s += v.lane(i);
        }
        return s;
    }
}
