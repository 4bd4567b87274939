package dev.netinvert.kernels;

import dev.netinvert.kernels.internal.ConvLoops;

import java.lang.foreign.MemorySegment;

/**
 * The convolution and pooling kernels, implemented by the SIMD and the scalar kernel families (the Lucene
 * {@code VectorUtilSupport} pattern, like {@link KernelSupport} and {@link StencilSupport}).
 *
 * <p>Arguments are raw {@code (segment, byteOffset)} pairs of little-endian floats ({@link FloatVec#LAYOUT})
 * with the lengths the shape implies, and are <b>trusted</b>: the validating facades are {@link Conv} and
 * {@link Pool}. Outputs never overlap inputs. A null bias segment means no bias. The layouts and the
 * mathematics are those of {@link ConvShape} and {@link PoolShape}; {@code reference.ReferenceConv} is the
 * executable specification.
 *
 * <p>im2col layout (Caffe's): {@code col} is {@code (C_in·k²) × (H_out·W_out)} row-major, row
 * t = (c·k + ki)·k + kj holding x[c, i·s + ki − p, j·s + kj − p] (0 outside the image) at column i·W_out + j.
 * Then the forward map is the product K·col of the {@code C_out × C_in·k²} weight with it, and the adjoint
 * is col2im(Kᵀ·y).
 *
 * <p>The weight gradient, im2col/col2im and pooling default to the shared scalar loops ({@code internal.ConvLoops});
 * an implementation overrides what it vectorises (the SIMD family: the forward and adjoint maps).
 */
public interface ConvSupport {

    /** "simd" or "scalar". */
    String name();

    /** y ← K ⋆ x (+ b per output channel), overwriting y. */
    void forward(ConvShape s, MemorySegment w, long wOff, MemorySegment b, long bOff,
                 MemorySegment x, long xOff, MemorySegment y, long yOff);

    /** x ← Kᵀ y (+ b per input channel, b of length C_in), overwriting x. */
    void adjoint(ConvShape s, MemorySegment w, long wOff, MemorySegment y, long yOff,
                 MemorySegment x, long xOff, MemorySegment b, long bOff);

    /**
     * dW ← β·dW + Σ_positions dy ⊗ patch, i.e. dW[o, c, ki, kj] = β·dW + Σ_{i,j} dy[o, i, j]·x[c, i·s + ki − p,
     * j·s + kj − p]; and, if db is non-null, db[o] ← β·db[o] + Σ_{i,j} dy[o, i, j]. With β = 0 the old values
     * are not read (NaN there does not propagate), as in BLAS.
     */
    default void weightGradient(ConvShape s, MemorySegment x, long xOff, MemorySegment dy, long dyOff, float beta,
                                MemorySegment dw, long dwOff, MemorySegment db, long dbOff) {
        ConvLoops.weightGradient(s, x, xOff, dy, dyOff, beta, dw, dwOff, db, dbOff);
    }

    /** col ← im2col(x), {@code (C_in·k²) × (H_out·W_out)} floats, every element written. */
    default void im2col(ConvShape s, MemorySegment x, long xOff, MemorySegment col, long colOff) {
        ConvLoops.im2col(s, x, xOff, col, colOff);
    }

    /**
     * x ← col2im(col) (+ b per channel): the adjoint of {@link #im2col}, overwriting x; every element of
     * col is added into the pixel it was copied from (elements that came from the zero padding are dropped).
     */
    default void col2im(ConvShape s, MemorySegment col, long colOff, MemorySegment b, long bOff, MemorySegment x,
                        long xOff) {
        ConvLoops.col2im(s, col, colOff, b, bOff, x, xOff);
    }

    /**
     * y ← max over each window (padding −∞); argmax (null: not written) ← the index into x of the maximum,
     * int32 little-endian: the first in row-major window order on ties, the last NaN if the window has NaN
     * (then y is NaN), as PyTorch's CPU kernel.
     */
    default void maxPool(PoolShape s, MemorySegment x, long xOff, MemorySegment y, long yOff, MemorySegment argmax,
                         long aOff) {
        ConvLoops.maxPool(s, x, xOff, y, yOff, argmax, aOff);
    }

    /** out ← 0, then out[argmax[o]] += v[o] for every output o (argmax entries trusted to lie in [0, inputs)). */
    default void maxPoolAdjoint(PoolShape s, MemorySegment argmax, long aOff, MemorySegment v, long vOff,
                                MemorySegment out, long outOff) {
        ConvLoops.maxPoolAdjoint(s, argmax, aOff, v, vOff, out, outOff);
    }

    /** y ← Σ over each window / k² (zero padding counted). */
    default void avgPool(PoolShape s, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        ConvLoops.avgPool(s, x, xOff, y, yOff);
    }

    /** out ← the adjoint of {@link #avgPool}: every window's v / k² added into its elements inside the image. */
    default void avgPoolAdjoint(PoolShape s, MemorySegment v, long vOff, MemorySegment out, long outOff) {
        ConvLoops.avgPoolAdjoint(s, v, vOff, out, outOff);
    }
}
