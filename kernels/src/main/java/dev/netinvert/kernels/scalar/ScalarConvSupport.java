package dev.netinvert.kernels.scalar;

import dev.netinvert.kernels.ConvShape;
import dev.netinvert.kernels.ConvSupport;
import dev.netinvert.kernels.PoolShape;
import dev.netinvert.kernels.internal.ConvLoops;
import java.lang.foreign.MemorySegment;

/** The scalar convolution and pooling kernels: the loops of {@link ConvLoops}, one tap at a time. */
public final class ScalarConvSupport implements ConvSupport {

    @Override public String name() { return "scalar"; }

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
}
