package dev.netinvert.kernels.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;

/**
 * Lane sums in a fixed order. {@code reduceLanes(ADD)} leaves the order unspecified ("may even vary
 * over time", its javadoc), and in practice the interpreter, C1 and C2 add the lanes in different
 * orders, so the same inputs gave results differing in the last bit before and after JIT compilation.
 * A sum in an order fixed here keeps every kernel reproducible (DESIGN.md decision 7). The lane count is
 * a constant of the species, so C2 turns this into lane extracts: a cost paid once per reduction, not
 * per element.
 */
final class Lanes {
    private Lanes() {}

    static float sum(FloatVector v) {
        // A fixed pairwise tree: log2(lanes) dependent adds instead of lanes − 1, which matters for short
        // rows (a 784×100 GEMV reduces once per 100 elements). The switch folds away: length is a constant.
        switch (v.length()) {
            case 4:
                return (v.lane(0) + v.lane(1)) + (v.lane(2) + v.lane(3));
            case 8:
                return ((v.lane(0) + v.lane(1)) + (v.lane(2) + v.lane(3)))
                        + ((v.lane(4) + v.lane(5)) + (v.lane(6) + v.lane(7)));
            case 16:
                return (((v.lane(0) + v.lane(1)) + (v.lane(2) + v.lane(3)))
                        + ((v.lane(4) + v.lane(5)) + (v.lane(6) + v.lane(7))))
                        + (((v.lane(8) + v.lane(9)) + (v.lane(10) + v.lane(11)))
                        + ((v.lane(12) + v.lane(13)) + (v.lane(14) + v.lane(15))));
            default:
                float s = v.lane(0);
                for (int i = 1; i < v.length(); i++) {
                    s += v.lane(i);
                }
                return s;
        }
    }

    static double sum(DoubleVector v) {
        double s = v.lane(0);
        for (int i = 1; i < v.length(); i++) {
            s += v.lane(i);
        }
        return s;
    }
}
