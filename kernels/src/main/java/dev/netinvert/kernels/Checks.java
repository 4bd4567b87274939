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

    /** An optional bias: null (no bias) or {@code expected} elements. */
    static void bias(FloatVec b, long expected, String because) {
        if (b != null) {
            length("b", b, expected, because);
        }
    }

    /**
     * The operands every row-blocked product over W reads: W itself, rows [r0, r1) within it, and an x of
     * W.cols elements (Blas.gemvRows and Fused.bregmanGradientRows).
     */
    static void rowBlock(FloatMatrix w, int r0, int r1, FloatVec x) {
        mat("W", w);
        rowRange(w, r0, r1);
        length("x", x, w.cols(), "W.cols");
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
     * Outputs must not overlap the inputs they are computed from (a GEMV writing into its own x would
     * read half-updated values). Checked by address for native memory; a heap segment cannot alias an
     * off-heap one. Null arguments (an absent bias) are skipped.
     */
    static void disjoint(String out, FloatVec o, String in, FloatVec i) {
        if (o != null && i != null) {
            disjoint(out, o.segment(), o.byteOffset(), 4L * o.length(), in, i.segment(), i.byteOffset(), 4L * i.length());
        }
    }

    static void disjoint(String out, FloatVec o, String in, FloatMatrix m) {
        if (o != null && m != null) {
            long span = m.rows() == 0 ? 0 : ((long) (m.rows() - 1) * m.ld() + m.cols()) * Float.BYTES;
            disjoint(out, o.segment(), o.byteOffset(), 4L * o.length(), in, m.segment(), m.byteOffset(), span);
        }
    }

    static void disjoint(String out, FloatMatrix o, String in, FloatMatrix m) {
        if (o != null && m != null) {
            disjoint(out, o.segment(), o.byteOffset(), span(o), in, m.segment(), m.byteOffset(), span(m));
        }
    }

    /** A matrix output against a whole segment read as an input (a packed operand). */
    static void disjoint(String out, FloatMatrix o, String in, MemorySegment s) {
        disjoint(out, o.segment(), o.byteOffset(), span(o), in, s, 0, s.byteSize());
    }

    /** A vector output against a whole segment read as an input (a packed operand). */
    static void disjoint(String out, FloatVec o, String in, MemorySegment s) {
        disjoint(out, o.segment(), o.byteOffset(), 4L * o.length(), in, s, 0, s.byteSize());
    }

    static long span(FloatMatrix m) {
        return m.rows() == 0 ? 0 : ((long) (m.rows() - 1) * m.ld() + m.cols()) * Float.BYTES;
    }

    /** For elementwise updates like axpy: the two views are the same elements, or disjoint. */
    static void identicalOrDisjoint(String out, FloatVec o, String in, FloatVec i) {
        if (o.segment().isNative() && i.segment().isNative()
                && o.segment().address() + o.byteOffset() == i.segment().address() + i.byteOffset()) {
            return;
        }
        disjoint(out, o, in, i);
    }

    private static void disjoint(String a, MemorySegment sa, long oa, long la, String b, MemorySegment sb, long ob,
                                 long lb) {
        if (!sa.isNative() || !sb.isNative() || la == 0 || lb == 0) {
            return;
        }
        long a0 = sa.address() + oa, a1 = a0 + la;
        long b0 = sb.address() + ob, b1 = b0 + lb;
        if (a0 < b1 && b0 < a1) {
            throw new IllegalArgumentException(a + " and " + b + " must not overlap in memory (one is written while "
                    + "the other is read)");
        }
    }
}
