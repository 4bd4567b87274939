package dev.netinvert.kernels.internal;

import static dev.netinvert.kernels.internal.SegmentFloats.fma;
import static dev.netinvert.kernels.internal.SegmentFloats.get;
import static dev.netinvert.kernels.internal.SegmentFloats.put;

import dev.netinvert.kernels.ConvShape;
import dev.netinvert.kernels.PoolShape;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The scalar convolution and pooling loops over segments (not API), shared by the scalar family and by the
 * SIMD family for the cases it does not vectorise (strides above 1, image borders, pooling).
 *
 * <h2>Loop order: one tap at a time</h2>
 * The forward map is computed as Σ over taps (c, ki, kj) of K[o, c, ki, kj] times a shifted, subsampled
 * plane of x: for each tap the rows and columns whose source pixel lies inside the image form one rectangle
 * [i0, i1) × [j0, j1) ({@link #lo}, {@link #hi}), so the innermost loop has no test for the padding and is a
 * plain axpy along an output row. y starts at the bias and every tap adds into it with one FMA, so an
 * element's float sum runs over the taps in order (c, ki, kj). The adjoint and col2im are the same loops with
 * the roles of x and y swapped (scatter-add into x), the weight gradient a dot product per tap.
 */
public final class ConvLoops {
    private ConvLoops() {}

    /** int32 little-endian, unaligned: the argmax layout of the max-pooling kernels. */
    public static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The first output index j ≥ 0 with j·s + d ≥ 0 (d = tap offset kj − p). */
    public static int lo(int d, int s) {
        return Math.max(0, Math.ceilDiv(-d, s));
    }

    /** One past the last output index j &lt; nOut with j·s + d &lt; n. */
    public static int hi(int d, int s, int n, int nOut) {
        return Math.min(nOut, Math.floorDiv(n - 1 - d, s) + 1);
    }

    public static void fillPlanes(MemorySegment b, long bOff, int channels, int plane, MemorySegment y, long yOff) {
        for (int o = 0; o < channels; o++) {
            float v = b == null ? 0f : get(b, bOff + 4L * o);
            long at = yOff + 4L * o * plane;
            for (int q = 0; q < plane; q++) {
                put(y, at + 4L * q, v);
            }
        }
    }

    /** y ← K ⋆ x + b for output channels [o0, o1), every tap. */
    public static void forward(ConvShape s, MemorySegment w, long wOff, MemorySegment b, long bOff,
                               MemorySegment x, long xOff, MemorySegment y, long yOff) {
        int c = s.inChannels(), h = s.inHeight(), wd = s.inWidth(), k = s.kernel(), st = s.stride(), p = s.padding();
        int ho = s.outHeight(), wo = s.outWidth();
        fillPlanes(b, bOff, s.outChannels(), ho * wo, y, yOff);
        for (int o = 0; o < s.outChannels(); o++) {
            long yPlane = yOff + 4L * o * ho * wo;
            for (int ch = 0; ch < c; ch++) {
                long xPlane = xOff + 4L * ch * h * wd;
                for (int ki = 0; ki < k; ki++) {
                    int i0 = lo(ki - p, st), i1 = hi(ki - p, st, h, ho);
                    for (int kj = 0; kj < k; kj++) {
                        int j0 = lo(kj - p, st), j1 = hi(kj - p, st, wd, wo);
                        float kv = get(w, wOff + 4L * (((long) (o * c + ch) * k + ki) * k + kj));
                        for (int i = i0; i < i1; i++) {
                            long yr = yPlane + 4L * i * wo;
                            long xr = xPlane + 4L * ((long) (i * st + ki - p) * wd + kj - p);
                            for (int j = j0; j < j1; j++) {
                                long ya = yr + 4L * j;
                                put(y, ya, fma(kv, get(x, xr + 4L * j * st), get(y, ya)));
                            }
                        }
                    }
                }
            }
        }
    }

    /** x ← Kᵀ y + b (b per input channel). */
    public static void adjoint(ConvShape s, MemorySegment w, long wOff, MemorySegment y, long yOff,
                               MemorySegment x, long xOff, MemorySegment b, long bOff) {
        int c = s.inChannels(), h = s.inHeight(), wd = s.inWidth(), k = s.kernel(), st = s.stride(), p = s.padding();
        int ho = s.outHeight(), wo = s.outWidth();
        fillPlanes(b, bOff, c, h * wd, x, xOff);
        for (int ch = 0; ch < c; ch++) {
            long xPlane = xOff + 4L * ch * h * wd;
            for (int o = 0; o < s.outChannels(); o++) {
                long yPlane = yOff + 4L * o * ho * wo;
                for (int ki = 0; ki < k; ki++) {
                    int i0 = lo(ki - p, st), i1 = hi(ki - p, st, h, ho);
                    for (int kj = 0; kj < k; kj++) {
                        int j0 = lo(kj - p, st), j1 = hi(kj - p, st, wd, wo);
                        float kv = get(w, wOff + 4L * (((long) (o * c + ch) * k + ki) * k + kj));
                        for (int i = i0; i < i1; i++) {
                            long yr = yPlane + 4L * i * wo;
                            long xr = xPlane + 4L * ((long) (i * st + ki - p) * wd + kj - p);
                            for (int j = j0; j < j1; j++) {
                                long xa = xr + 4L * j * st;
                                put(x, xa, fma(kv, get(y, yr + 4L * j), get(x, xa)));
                            }
                        }
                    }
                }
            }
        }
    }

    /** dW ← β·dW + Σ dy ⊗ patch; db ← β·db + Σ dy. Sums of one tap in float, in (i, j) order. */
    public static void weightGradient(ConvShape s, MemorySegment x, long xOff, MemorySegment dy, long dyOff,
                                      float beta, MemorySegment dw, long dwOff, MemorySegment db, long dbOff) {
        int c = s.inChannels(), h = s.inHeight(), wd = s.inWidth(), k = s.kernel(), st = s.stride(), p = s.padding();
        int ho = s.outHeight(), wo = s.outWidth();
        for (int o = 0; o < s.outChannels(); o++) {
            long yPlane = dyOff + 4L * o * ho * wo;
            for (int ch = 0; ch < c; ch++) {
                long xPlane = xOff + 4L * ch * h * wd;
                for (int ki = 0; ki < k; ki++) {
                    int i0 = lo(ki - p, st), i1 = hi(ki - p, st, h, ho);
                    for (int kj = 0; kj < k; kj++) {
                        int j0 = lo(kj - p, st), j1 = hi(kj - p, st, wd, wo);
                        float acc = 0f;
                        for (int i = i0; i < i1; i++) {
                            long yr = yPlane + 4L * i * wo;
                            long xr = xPlane + 4L * ((long) (i * st + ki - p) * wd + kj - p);
                            for (int j = j0; j < j1; j++) {
                                acc = fma(get(dy, yr + 4L * j), get(x, xr + 4L * j * st), acc);
                            }
                        }
                        long at = dwOff + 4L * (((long) (o * c + ch) * k + ki) * k + kj);
                        put(dw, at, beta == 0f ? acc : fma(beta, get(dw, at), acc));
                    }
                }
            }
            if (db != null) {
                float acc = 0f;
                for (int q = 0; q < ho * wo; q++) {
                    acc += get(dy, yPlane + 4L * q);
                }
                long at = dbOff + 4L * o;
                put(db, at, beta == 0f ? acc : fma(beta, get(db, at), acc));
            }
        }
    }

    /** col ← im2col(x), Caffe's layout (see {@code ConvSupport}). */
    public static void im2col(ConvShape s, MemorySegment x, long xOff, MemorySegment col, long colOff) {
        int c = s.inChannels(), h = s.inHeight(), wd = s.inWidth(), k = s.kernel(), st = s.stride(), p = s.padding();
        int ho = s.outHeight(), wo = s.outWidth();
        long row = colOff;
        for (int ch = 0; ch < c; ch++) {
            long xPlane = xOff + 4L * ch * h * wd;
            for (int ki = 0; ki < k; ki++) {
                int i0 = lo(ki - p, st), i1 = hi(ki - p, st, h, ho);
                for (int kj = 0; kj < k; kj++, row += 4L * ho * wo) {
                    int j0 = lo(kj - p, st), j1 = Math.max(j0, hi(kj - p, st, wd, wo));
                    for (int i = 0; i < ho; i++) {
                        long cr = row + 4L * i * wo;
                        if (i < i0 || i >= i1) {
                            for (int j = 0; j < wo; j++) {
                                put(col, cr + 4L * j, 0f);
                            }
                            continue;
                        }
                        long xr = xPlane + 4L * ((long) (i * st + ki - p) * wd + kj - p);
                        for (int j = 0; j < j0; j++) {
                            put(col, cr + 4L * j, 0f);
                        }
                        for (int j = j0; j < j1; j++) {
                            put(col, cr + 4L * j, get(x, xr + 4L * j * st));
                        }
                        for (int j = j1; j < wo; j++) {
                            put(col, cr + 4L * j, 0f);
                        }
                    }
                }
            }
        }
    }

    /** x ← col2im(col) + b. */
    public static void col2im(ConvShape s, MemorySegment col, long colOff, MemorySegment b, long bOff,
                              MemorySegment x, long xOff) {
        int c = s.inChannels(), h = s.inHeight(), wd = s.inWidth(), k = s.kernel(), st = s.stride(), p = s.padding();
        int ho = s.outHeight(), wo = s.outWidth();
        fillPlanes(b, bOff, c, h * wd, x, xOff);
        long row = colOff;
        for (int ch = 0; ch < c; ch++) {
            long xPlane = xOff + 4L * ch * h * wd;
            for (int ki = 0; ki < k; ki++) {
                int i0 = lo(ki - p, st), i1 = hi(ki - p, st, h, ho);
                for (int kj = 0; kj < k; kj++, row += 4L * ho * wo) {
                    int j0 = lo(kj - p, st), j1 = hi(kj - p, st, wd, wo);
                    for (int i = i0; i < i1; i++) {
                        long cr = row + 4L * i * wo;
                        long xr = xPlane + 4L * ((long) (i * st + ki - p) * wd + kj - p);
                        for (int j = j0; j < j1; j++) {
                            long xa = xr + 4L * j * st;
                            put(x, xa, get(x, xa) + get(col, cr + 4L * j));
                        }
                    }
                }
            }
        }
    }

    public static void maxPool(PoolShape s, MemorySegment x, long xOff, MemorySegment y, long yOff,
                               MemorySegment argmax, long aOff) {
        int h = s.inHeight(), wd = s.inWidth(), k = s.kernel(), st = s.stride(), p = s.padding();
        int ho = s.outHeight(), wo = s.outWidth();
        long out = 0;
        for (int ch = 0; ch < s.channels(); ch++) {
            int plane = ch * h * wd;
            for (int i = 0; i < ho; i++) {
                int r0 = Math.max(i * st - p, 0), r1 = Math.min(i * st - p + k, h);
                for (int j = 0; j < wo; j++, out++) {
                    int c0 = Math.max(j * st - p, 0), c1 = Math.min(j * st - p + k, wd);
                    // PyTorch: the index starts at the window's first element inside the image, and a later
                    // element replaces the maximum only if strictly larger or NaN (ties keep the first).
                    int best = plane + r0 * wd + c0;
                    float m = Float.NEGATIVE_INFINITY;
                    for (int r = r0; r < r1; r++) {
                        for (int q = c0; q < c1; q++) {
                            int idx = plane + r * wd + q;
                            float v = get(x, xOff + 4L * idx);
                            if (v > m || v != v) {
                                m = v;
                                best = idx;
                            }
                        }
                    }
                    put(y, yOff + 4L * out, m);
                    if (argmax != null) {
                        argmax.set(INT, aOff + 4L * out, best);
                    }
                }
            }
        }
    }

    public static void maxPoolAdjoint(PoolShape s, MemorySegment argmax, long aOff, MemorySegment v, long vOff,
                                      MemorySegment out, long outOff) {
        int n = s.inputs(), m = s.outputs();
        for (int q = 0; q < n; q++) {
            put(out, outOff + 4L * q, 0f);
        }
        for (int o = 0; o < m; o++) {
            long at = outOff + 4L * argmax.get(INT, aOff + 4L * o);
            put(out, at, get(out, at) + get(v, vOff + 4L * o));
        }
    }

    public static void avgPool(PoolShape s, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        int h = s.inHeight(), wd = s.inWidth(), k = s.kernel(), st = s.stride(), p = s.padding();
        int ho = s.outHeight(), wo = s.outWidth();
        float div = (float) (k * k);
        long out = 0;
        for (int ch = 0; ch < s.channels(); ch++) {
            long plane = xOff + 4L * ch * h * wd;
            for (int i = 0; i < ho; i++) {
                int r0 = Math.max(i * st - p, 0), r1 = Math.min(i * st - p + k, h);
                for (int j = 0; j < wo; j++, out++) {
                    int c0 = Math.max(j * st - p, 0), c1 = Math.min(j * st - p + k, wd);
                    float sum = 0f;
                    for (int r = r0; r < r1; r++) {
                        for (int q = c0; q < c1; q++) {
                            sum += get(x, plane + 4L * (r * wd + q));
                        }
                    }
                    put(y, yOff + 4L * out, sum / div);
                }
            }
        }
    }

    public static void avgPoolAdjoint(PoolShape s, MemorySegment v, long vOff, MemorySegment outSeg, long outOff) {
        int h = s.inHeight(), wd = s.inWidth(), k = s.kernel(), st = s.stride(), p = s.padding();
        int ho = s.outHeight(), wo = s.outWidth();
        float div = (float) (k * k);
        for (int q = 0; q < s.inputs(); q++) {
            put(outSeg, outOff + 4L * q, 0f);
        }
        long out = 0;
        for (int ch = 0; ch < s.channels(); ch++) {
            long plane = outOff + 4L * ch * h * wd;
            for (int i = 0; i < ho; i++) {
                int r0 = Math.max(i * st - p, 0), r1 = Math.min(i * st - p + k, h);
                for (int j = 0; j < wo; j++, out++) {
                    int c0 = Math.max(j * st - p, 0), c1 = Math.min(j * st - p + k, wd);
                    float g = get(v, vOff + 4L * out) / div;
                    for (int r = r0; r < r1; r++) {
                        for (int q = c0; q < c1; q++) {
                            long at = plane + 4L * (r * wd + q);
                            put(outSeg, at, get(outSeg, at) + g);
                        }
                    }
                }
            }
        }
    }
}
