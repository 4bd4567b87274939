package dev.netinvert.kernels.internal;

import dev.netinvert.kernels.FloatVec;
import java.lang.foreign.MemorySegment;

/**
 * The scalar element accessors of the kernels, in one place for the scalar and the SIMD packages (not
 * API: the package is internal to the kernels). Elements are {@link FloatVec#LAYOUT}: unaligned
 * little-endian floats, the layout every view and the Vector API byte order
 * ({@code simd.VectorConstants.LE}) agree on.
 *
 * <p>These take and return floats only, so a call C2 declines to inline boxes nothing; vector loads and
 * stores are never wrapped like this (see {@code SimdKernelSupport}'s class comment).
 */
public final class SegmentFloats {
    private SegmentFloats() {}

    /** The float at byte offset {@code off}. */
    public static float get(MemorySegment s, long off) {
        return s.get(FloatVec.LAYOUT, off);
    }

    /** Stores {@code v} at byte offset {@code off}. */
    public static void put(MemorySegment s, long off, float v) {
        s.set(FloatVec.LAYOUT, off, v);
    }

    /**
     * a·b + c rounded once: the scalar tails of the SIMD kernels use it so that an element computed
     * there has the value a vector lane's {@code fma} would give it.
     */
    public static float fma(float a, float b, float c) {
        return Math.fma(a, b, c);
    }
}
