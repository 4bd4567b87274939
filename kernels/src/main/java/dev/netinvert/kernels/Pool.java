package dev.netinvert.kernels;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Max and average pooling in PyTorch's convention ({@link PoolShape}: {@code nn.MaxPool2d} pads with −∞,
 * {@code nn.AvgPool2d} with zeros and {@code count_include_pad=True}, floor mode), with the adjoints the
 * solvers need: average pooling is linear and {@link #avgAdjoint} is its transpose; max pooling is not, and
 * is linearised as the fixed-switch map x ↦ (x[argmax[o]])_o recorded by {@link #maxForward}, whose
 * transpose is {@link #maxAdjoint}.
 *
 * <p>Argmax: one int32 (little-endian) per output, the flat index {@code (c·H + i)·W + j} into x of the
 * window's maximum — the first in row-major window order on ties, the last NaN when the window holds NaN
 * (then the output is NaN), as PyTorch's CPU kernel ({@code return_indices} there gives the index within the
 * channel plane instead: subtract c·H·W).
 *
 * <p>Every entry point validates lengths (messages name the argument with the expected and actual values)
 * and that outputs overlap no input; nothing allocates.
 */
public final class Pool {
    private Pool() {}

    private static final ConvSupport K = KernelProvider.getInstance().convSupport();

    /**
     * y ← max pool of x; argmax written when non-null.
     *
     * @param x      {@code s.inputs()} elements
     * @param y      {@code s.outputs()} elements, must not overlap x
     * @param argmax null, or a segment of at least {@code 4·s.outputs()} bytes (from byte 0), not overlapping x or y
     */
    public static void maxForward(PoolShape s, FloatVec x, FloatVec y, MemorySegment argmax) {
        unary(s, x, "x", s.inputs(), y, "y", s.outputs());
        if (argmax != null) {
            argmax(s, argmax);
            if (argmax.isNative()) {
                checkNoOverlap(argmax, 4L * s.outputs(), x, "x");
                checkNoOverlap(argmax, 4L * s.outputs(), y, "y");
            }
        }
        K.maxPool(s, x.segment(), x.byteOffset(), y.segment(), y.byteOffset(), argmax, 0);
    }

    /**
     * out ← the adjoint of the fixed-switch linear map of argmax: out ← 0, then out[argmax[o]] += v[o].
     *
     * @param argmax as written by {@link #maxForward} for this shape; every entry must lie in [0, s.inputs())
     * @param v      {@code s.outputs()} elements
     * @param out    {@code s.inputs()} elements, must not overlap v or argmax
     */
    public static void maxAdjoint(PoolShape s, MemorySegment argmax, FloatVec v, FloatVec out) {
        unary(s, v, "v", s.outputs(), out, "out", s.inputs());
        Objects.requireNonNull(argmax, "argmax must not be null");
        argmax(s, argmax);
        if (argmax.isNative()) {
            checkNoOverlap(argmax, 4L * s.outputs(), out, "out");
        }
        int n = s.inputs();
        for (int o = 0, m = s.outputs(); o < m; o++) {
            int a = argmax.get(dev.netinvert.kernels.internal.ConvLoops.INT, 4L * o);
            if (a < 0 || a >= n) {
                throw new IllegalArgumentException("argmax[" + o + "]: expected an index in [0, " + n + "), got " + a);
            }
        }
        K.maxPoolAdjoint(s, argmax, 0, v.segment(), v.byteOffset(), out.segment(), out.byteOffset());
    }

    /** y ← average pool of x (window sums / k²); y ({@code s.outputs()}) must not overlap x ({@code s.inputs()}). */
    public static void avgForward(PoolShape s, FloatVec x, FloatVec y) {
        unary(s, x, "x", s.inputs(), y, "y", s.outputs());
        K.avgPool(s, x.segment(), x.byteOffset(), y.segment(), y.byteOffset());
    }

    /** out ← the transpose of {@link #avgForward} applied to v; out ({@code s.inputs()}) must not overlap v. */
    public static void avgAdjoint(PoolShape s, FloatVec v, FloatVec out) {
        unary(s, v, "v", s.outputs(), out, "out", s.inputs());
        K.avgPoolAdjoint(s, v.segment(), v.byteOffset(), out.segment(), out.byteOffset());
    }

    private static void unary(PoolShape s, FloatVec in, String inName, int inLen, FloatVec out, String outName,
                              int outLen) {
        Objects.requireNonNull(s, "shape must not be null");
        Checks.length(inName, in, inLen, inName.equals("x") ? "channels·inHeight·inWidth" : "channels·outHeight·outWidth");
        Checks.length(outName, out, outLen,
                outName.equals("y") ? "channels·outHeight·outWidth" : "channels·inHeight·inWidth");
        Checks.disjoint(outName, out, inName, in);
    }

    private static void argmax(PoolShape s, MemorySegment argmax) {
        Checks.alive("argmax", argmax);
        long need = 4L * s.outputs();
        if (argmax.byteSize() < need) {
            throw new IllegalArgumentException("argmax: expected at least " + need + " bytes (4·outputs), got "
                    + argmax.byteSize());
        }
    }

    private static void checkNoOverlap(MemorySegment argmax, long bytes, FloatVec v, String name) {
        if (!v.segment().isNative() || v.length() == 0) {
            return;
        }
        long a0 = argmax.address(), a1 = a0 + bytes;
        long v0 = v.segment().address() + v.byteOffset(), v1 = v0 + 4L * v.length();
        if (a0 < v1 && v0 < a1) {
            throw new IllegalArgumentException("argmax and " + name + " must not overlap in memory");
        }
    }
}
