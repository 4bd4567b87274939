package dev.netinvert.kernels.simd;

import dev.netinvert.kernels.ConvShape;
import dev.netinvert.kernels.ConvSupport;
import dev.netinvert.kernels.PoolShape;
import dev.netinvert.kernels.internal.ConvLoops;
import java.lang.foreign.MemorySegment;

/** The SIMD convolution and pooling kernels (for now the scalar loops of {@link ConvLoops}). */
public final class SimdConvSupport implements ConvSupport {

    @Override public String name() { return "simd"; }

    @Override
    public void forward(ConvShape s, MemorySegment w, long wOff, MemorySegment b, long bOff, MemorySegment x, long xOff,
                        MemorySegment y, long yOff) {
        ConvLoops.forward(s, w, wOff, b, bOff, x, xOff, y, yOff);
    }

    @Override
    public void adjoint(ConvShape s, MemorySegment w, long wOff, MemorySegment y, long yOff, MemorySegment x, long xOff,
                        MemorySegment b, long bOff) {
        ConvLoops.adjoint(s, w, wOff, y, yOff, x, xOff, b, bOff);
    }

    @Override
    public void weightGradient(ConvShape s, MemorySegment x, long xOff, MemorySegment dy, long dyOff, float beta,
                               MemorySegment dw, long dwOff, MemorySegment db, long dbOff) {
        ConvLoops.weightGradient(s, x, xOff, dy, dyOff, beta, dw, dwOff, db, dbOff);
    }

    @Override
    public void im2col(ConvShape s, MemorySegment x, long xOff, MemorySegment col, long colOff) {
        ConvLoops.im2col(s, x, xOff, col, colOff);
    }

    @Override
    public void col2im(ConvShape s, MemorySegment col, long colOff, MemorySegment b, long bOff, MemorySegment x,
                       long xOff) {
        ConvLoops.col2im(s, col, colOff, b, bOff, x, xOff);
    }

    @Override
    public void maxPool(PoolShape s, MemorySegment x, long xOff, MemorySegment y, long yOff, MemorySegment argmax,
                        long aOff) {
        ConvLoops.maxPool(s, x, xOff, y, yOff, argmax, aOff);
    }

    @Override
    public void maxPoolAdjoint(PoolShape s, MemorySegment argmax, long aOff, MemorySegment v, long vOff,
                               MemorySegment out, long outOff) {
        ConvLoops.maxPoolAdjoint(s, argmax, aOff, v, vOff, out, outOff);
    }

    @Override
    public void avgPool(PoolShape s, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        ConvLoops.avgPool(s, x, xOff, y, yOff);
    }

    @Override
    public void avgPoolAdjoint(PoolShape s, MemorySegment v, long vOff, MemorySegment out, long outOff) {
        ConvLoops.avgPoolAdjoint(s, v, vOff, out, outOff);
    }
}
