package dev.netinvert.kernels;

import java.lang.foreign.MemorySegment;

/** Argument checks shared by the public entry points; every message names the argument. */
final class Checks {
    private Checks() {}

    static void checkRange(String what, MemorySegment segment, long byteOffset, long byteLength) {
        if (byteOffset < 0) {
            throw new IndexOutOfBoundsException(what + ": byteOffset must be >= 0, got " + byteOffset);
        }
        if (byteOffset > segment.byteSize() - byteLength) {
            throw new IndexOutOfBoundsException(what + ": needs bytes [" + byteOffset + ", "
                    + (byteOffset + byteLength) + ") but the segment holds " + segment.byteSize() + " bytes");
        }
    }

    static void alive(String name, MemorySegment segment) {
        if (!segment.scope().isAlive()) {
            throw new IllegalStateException(name + ": its arena is already closed");
        }
    }

    static void vec(String name, FloatVec v) {
        if (v == null) {
            throw new NullPointerException(name + " must not be null");
        }
        alive(name, v.segment());
    }

    static void mat(String name, FloatMatrix m) {
        if (m == null) {
            throw new NullPointerException(name + " must not be null");
        }
        alive(name, m.segment());
    }

    static void length(String name, FloatVec v, long expected, String because) {
        vec(name, v);
        if (v.length() != expected) {
            throw new IllegalArgumentException(
                    name + ": expected length " + expected + " (" + because + "), got " + v.length());
        }
    }

    static void sameLength(String a, FloatVec x, String b, FloatVec y) {
        vec(a, x);
        vec(b, y);
        if (x.length() != y.length()) {
            throw new IllegalArgumentException(
                    b + ": expected length " + x.length() + " (= " + a + ".length), got " + y.length());
        }
    }

    static void rowRange(FloatMatrix w, int r0, int r1) {
        if (r0 < 0 || r1 > w.rows() || r0 > r1) {
            throw new IndexOutOfBoundsException(
                    "row range [r0, r1) = [" + r0 + ", " + r1 + ") must lie within [0, " + w.rows() + ") of W");
        }
    }

    static void finite(String name, float value) {
        if (!Float.isFinite(value)) {
            throw new IllegalArgumentException(name + " must be finite, got " + value);
        }
    }

    /**
     * Outputs must not overlap inputs they are computed from (a GEMV writing into its own x would read
     * half-updated values). Checked for native memory by address; heap segments cannot alias off-heap ones.
     */
    static void disjoint(String a, FloatVec x, String b, FloatVec y) {
        if (x == null || y == null || !x.segment().isNative() || !y.segment().isNative()) {
            return;
        }
        long x0 = x.segment().address() + x.byteOffset(), x1 = x0 + 4L * x.length();
        long y0 = y.segment().address() + y.byteOffset(), y1 = y0 + 4L * y.length();
        if (x0 < y1 && y0 < x1) {
            throw new IllegalArgumentException(a + " and " + b + " must not overlap in memory");
        }
    }
}
