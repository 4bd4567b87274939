package dev.netinvert.solvers.admm;

import dev.netinvert.kernels.FloatVec;
import java.lang.foreign.Arena;
import java.util.Objects;

/**
 * The box lo ≤ x ≤ hi (elementwise) of the input term h(x) = (λ/2)‖x − x₀‖² + indicator(lo ≤ x ≤ hi):
 * the "bounded rectangle" of the adversarial experiment (Fig. 2 right, [004]), or the valid pixel range.
 * A bound may be infinite (lower −∞, upper +∞: that side is free); lower ≤ upper is required everywhere,
 * and neither bound may be NaN, lower +∞ or upper −∞.
 *
 * @param lower lo, n floats
 * @param upper hi, n floats
 */
public record Box(FloatVec lower, FloatVec upper) {

    public Box {
        Objects.requireNonNull(lower, "lower");
        Objects.requireNonNull(upper, "upper");
        if (lower.length() != upper.length()) {
            throw new IllegalArgumentException(
                    "upper: expected " + lower.length() + " elements (the lower bound's), got " + upper.length());
        }
        for (int i = 0; i < lower.length(); i++) {
            check(i, at(lower, i), at(upper, i));
        }
    }

    /** The box [lo, hi]ⁿ, allocated in {@code arena}. */
    public static Box uniform(Arena arena, int n, double lo, double hi) {
        Objects.requireNonNull(arena, "arena");
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, got " + n);
        }
        checkRange(lo, hi);
        FloatVec l = FloatVec.allocate(arena, n), u = FloatVec.allocate(arena, n);
        for (int i = 0; i < n; i++) {
            put(l, i, (float) lo);
            put(u, i, (float) hi);
        }
        return new Box(l, u);
    }

    /**
     * The box [x₀ − r, x₀ + r] ∩ [lo, hi] (an ℓ∞ ball around x₀ clipped to the valid range), allocated in
     * {@code arena}. The bounds are computed in double and rounded to the nearest float.
     *
     * @param radius r, ≥ 0 (may be +∞)
     * @throws IllegalArgumentException if the intersection is empty somewhere (naming the first index)
     */
    public static Box around(Arena arena, FloatVec x0, double radius, double lo, double hi) {
        Objects.requireNonNull(arena, "arena");
        Objects.requireNonNull(x0, "x0");
        if (!(radius >= 0)) {
            throw new IllegalArgumentException("radius must be >= 0, got " + radius);
        }
        checkRange(lo, hi);
        int n = x0.length();
        FloatVec l = FloatVec.allocate(arena, n), u = FloatVec.allocate(arena, n);
        for (int i = 0; i < n; i++) {
            double xi = at(x0, i);
            if (!Double.isFinite(xi)) {
                throw new IllegalArgumentException("x0[" + i + "]: expected a finite value, got " + xi);
            }
            put(l, i, (float) Math.max(xi - radius, lo));
            put(u, i, (float) Math.min(xi + radius, hi));
        }
        return new Box(l, u);
    }

    /** Number of coordinates n. */
    public int size() {
        return lower.length();
    }

    /** x ← the Euclidean projection of x onto the box, clamp(x, lo, hi) elementwise (NaN stays NaN). */
    public void project(FloatVec x) {
        checkSize(x);
        for (int i = 0; i < x.length(); i++) {
            float v = at(x, i), lo = at(lower, i), hi = at(upper, i);
            if (v < lo) {
                put(x, i, lo);
            } else if (v > hi) {
                put(x, i, hi);
            }
        }
    }

    /** Whether lo ≤ x ≤ hi everywhere (false if some x_i is NaN). */
    public boolean contains(FloatVec x) {
        checkSize(x);
        for (int i = 0; i < x.length(); i++) {
            float v = at(x, i);
            if (!(v >= at(lower, i) && v <= at(upper, i))) {
                return false;
            }
        }
        return true;
    }

    private void checkSize(FloatVec x) {
        Objects.requireNonNull(x, "x");
        if (x.length() != size()) {
            throw new IllegalArgumentException("x: expected " + size() + " elements (the box's), got " + x.length());
        }
    }

    private static void checkRange(double lo, double hi) {
        if (Double.isNaN(lo) || lo == Double.POSITIVE_INFINITY || Double.isNaN(hi) || hi == Double.NEGATIVE_INFINITY
                || lo > hi) {
            throw new IllegalArgumentException("expected lo <= hi, lo < +∞ and hi > −∞, got lo = " + lo + ", hi = " + hi);
        }
    }

    private static void check(int i, float lo, float hi) {
        if (Float.isNaN(lo) || lo == Float.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("lower[" + i + "]: expected a number < +∞, got " + lo);
        }
        if (Float.isNaN(hi) || hi == Float.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException("upper[" + i + "]: expected a number > −∞, got " + hi);
        }
        if (lo > hi) {
            throw new IllegalArgumentException(
                    "empty box: expected lower <= upper, got lower[" + i + "] = " + lo + " > upper[" + i + "] = " + hi);
        }
    }

    static float at(FloatVec v, int i) {
        return v.segment().get(FloatVec.LAYOUT, v.byteOffset() + (long) i * Float.BYTES);
    }

    static void put(FloatVec v, int i, float x) {
        v.segment().set(FloatVec.LAYOUT, v.byteOffset() + (long) i * Float.BYTES, x);
    }
}
