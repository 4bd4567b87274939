package dev.netinvert.kernels.simd;

import static dev.netinvert.kernels.internal.SegmentFloats.fma;
import static dev.netinvert.kernels.internal.SegmentFloats.get;
import static dev.netinvert.kernels.internal.SegmentFloats.put;
import static dev.netinvert.kernels.simd.VectorConstants.LE;

import dev.netinvert.kernels.ConvShape;
import dev.netinvert.kernels.ConvSupport;
import dev.netinvert.kernels.internal.ConvLoops;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API convolution kernels. Created only by {@link SimdKernelProvider}.
 *
 * <h2>Stride 1: the forward map as a register-blocked correlation</h2>
 * The forward map and the adjoint are both stride-1 cross-correlations of a stack of planes with a k × k filter bank,
 * <pre>
 *   dst[a, i, j] = init[a] + Σ_{b, ki, kj} W(a, b, ki, kj) · src[b, i + ki − P, j + kj − P]
 * </pre>
 * forward: a = o, b = c, W = K[o, c, ki, kj], P = p; adjoint: a = c, b = o, W = K[o, c, k−1−ki, k−1−kj] (the
 * filter flipped: negative weight strides), P = k − 1 − p (the "full" correlation). Vectors run along an output
 * row, so every tap is one unaligned load of src and one FMA with the broadcast weight; four output channels
 * share each load (register blocking: 4 accumulators, 1 load + 4 broadcasts per 4 FMAs). The columns where
 * some tap falls into the padding are done by the scalar {@link #edge}; an interior narrower than one vector is
 * one masked vector with 512-bit vectors ({@link #corrMasked}) and scalar code below. There is deliberately no second,
 * narrower float species: beside the preferred one it makes the receiver profiles of the shared
 * {@code FloatVector} methods bimorphic, and under {@code -XX:UseAVX=2} C2 then now and then loses an intrinsic
 * and boxes vectors in unrelated kernels (jmh/RESULTS.md, allocation section). Callers that want speed on
 * narrow layers pass a scratch and take the im2col + GEMM path ({@code Conv}), which is faster there anyway.
 * Rows out of range are skipped by the ki bounds, so loads never leave the image. The adjoint uses the scatter
 * form instead ({@link #adjointAxpy}): its "full" padding would leave k − 1 − p scalar border columns per side.
 *
 * <h2>Strides above 1</h2>
 * A lane along an output row would need every s-th input element (a gather, which the Vector API offers only
 * from heap arrays). The single-image methods run the scalar loops for those; batches go through im2col +
 * GEMM ({@code Conv}), whose patches matrix is a plain copy.
 *
 * <p>As in the other SIMD families, no method takes or returns a vector; the vector bodies are written out.
 */
public final class SimdConvSupport implements ConvSupport {

    private static final VectorSpecies<Float> F = VectorConstants.SPECIES;

    /**
     * Whether row parts narrower than one vector go through masked vectors (512-bit vectors: AVX-512's mask
     * registers make masked loads and stores single instructions) rather than scalar code. Not below 512 bits:
     * under {@code -XX:UseAVX=2} a mask is a vector register and the masked memory operations are the kind of
     * lane operation whose intrinsics the allocation tests have seen C2 lose; there the narrow parts are at most
     * 7 floats wide. At 512 bits they are LeNet's 10-wide second layer: with scalar code there, 473 against 63 µs
     * for its forward map (jmh ConvBench).
     */
    private static final boolean MASKED = F.length() >= 16;

    /** The lane bits of a whole vector. */
    private static final long ALL_LANES = (1L << F.length()) - 1;

    @Override public String name() { return "simd"; }

    @Override
    public void forward(ConvShape s, MemorySegment w, long wOff, MemorySegment b, long bOff, MemorySegment x, long xOff,
                        MemorySegment y, long yOff) {
        if (s.stride() != 1) {
            ConvLoops.forward(s, w, wOff, b, bOff, x, xOff, y, yOff);
            return;
        }
        int k = s.kernel(), c = s.inChannels();
        corr(s.outChannels(), c, k, s.padding(), s.inHeight(), s.inWidth(), s.outHeight(), s.outWidth(),
                w, wOff, 4L * c * k * k, 4L * k * k, 4L * k, 4L, b, bOff, x, xOff, y, yOff);
    }

    @Override
    public void adjoint(ConvShape s, MemorySegment w, long wOff, MemorySegment y, long yOff, MemorySegment x, long xOff,
                        MemorySegment b, long bOff) {
        if (s.stride() != 1) {
            ConvLoops.adjoint(s, w, wOff, y, yOff, x, xOff, b, bOff);
            return;
        }
        adjointAxpy(s, w, wOff, y, yOff, x, xOff, b, bOff);
    }

    /**
     * The stride-1 adjoint in scatter form, one tap at a time: x[c, i + ki − p, j + kj − p] += K[o, c, ki, kj]·y[o, i, j]
     * over the rectangle of (i, j) whose target lies in the image, as a vector axpy along each row of y: full
     * vectors, then one vector ending at the row's end whose lanes already done are kept by a blend; a row
     * narrower than one vector is one masked vector with 512-bit vectors ({@link #MASKED}), else scalar. It reads and writes x once per tap, but has no border columns: the
     * gather form ({@link #corr} with the flipped filter) has k − 1 − p of them on each side, and in scalar code they
     * cost more than all the rest at LeNet's shapes (jmh/RESULTS-conv.md).
     */
    private static void adjointAxpy(ConvShape s, MemorySegment w, long wOff, MemorySegment y, long yOff,
                                    MemorySegment x, long xOff, MemorySegment b, long bOff) {
        int c = s.inChannels(), h = s.inHeight(), wd = s.inWidth(), k = s.kernel(), p = s.padding();
        int ho = s.outHeight(), wo = s.outWidth();
        final int lanes = F.length();
        ConvLoops.fillPlanes(b, bOff, c, h * wd, x, xOff);
        for (int ch = 0; ch < c; ch++) {
            long xPlane = xOff + 4L * ch * h * wd;
            for (int o = 0; o < s.outChannels(); o++) {
                long yPlane = yOff + 4L * o * ho * wo;
                for (int ki = 0; ki < k; ki++) {
                    int i0 = ConvLoops.lo(ki - p, 1), i1 = ConvLoops.hi(ki - p, 1, h, ho);
                    for (int kj = 0; kj < k; kj++) {
                        int j0 = ConvLoops.lo(kj - p, 1), j1 = ConvLoops.hi(kj - p, 1, wd, wo);
                        float kv = get(w, wOff + 4L * (((long) (o * c + ch) * k + ki) * k + kj));
                        FloatVector kw = FloatVector.broadcast(F, kv);
                        for (int i = i0; i < i1; i++) {
                            long yr = yPlane + 4L * i * wo;
                            long xr = xPlane + 4L * ((long) (i + ki - p) * wd + kj - p);
                            int j = j0;
                            for (; j + lanes <= j1; j += lanes) {
                                FloatVector xv = FloatVector.fromMemorySegment(F, x, xr + 4L * j, LE);
                                kw.fma(FloatVector.fromMemorySegment(F, y, yr + 4L * j, LE), xv)
                                        .intoMemorySegment(x, xr + 4L * j, LE);
                            }
                            if (j < j1 && j > j0) {
                                // The last j1 − j < L columns: one vector ending at j1, whose first lanes, done
                                // already, keep their values through a blend (the same values stored again).
                                long xa = xr + 4L * (j1 - lanes);
                                VectorMask<Float> fresh = VectorMask.fromLong(F, ALL_LANES & ~((1L << (lanes - j1 + j)) - 1));
                                FloatVector xv = FloatVector.fromMemorySegment(F, x, xa, LE);
                                xv.blend(kw.fma(FloatVector.fromMemorySegment(F, y, yr + 4L * (j1 - lanes), LE), xv),
                                        fresh).intoMemorySegment(x, xa, LE);
                                j = j1;
                            }
                            if (MASKED && j < j1) { // a row narrower than L: one masked vector
                                VectorMask<Float> mk = VectorMask.fromLong(F, (1L << (j1 - j)) - 1);
                                FloatVector xv = FloatVector.fromMemorySegment(F, x, xr + 4L * j, LE, mk);
                                kw.fma(FloatVector.fromMemorySegment(F, y, yr + 4L * j, LE, mk), xv)
                                        .intoMemorySegment(x, xr + 4L * j, LE, mk);
                                j = j1;
                            }
                            for (; j < j1; j++) {
                                long xa = xr + 4L * j;
                                put(x, xa, fma(kv, get(y, yr + 4L * j), get(x, xa)));
                            }
                        }
                    }
                }
            }
        }
    }

    /** dst[a, i, j] for j in [j0, j1), one output row of channel a (row at byte {@code drow}), in scalar code. */
    private static void edge(int a, int i, int j0, int j1, int nb, int k, int pad, int ws, int ki0, int ki1,
                             MemorySegment w, long wBase, long sa, long sb, long ski, long skj,
                             MemorySegment init, long initOff, MemorySegment src, long srcOff, long srcPlane,
                             MemorySegment dst, long drow) {
        float i0 = init == null ? 0f : get(init, initOff + 4L * a);
        long wa = wBase + a * sa;
        for (int j = j0; j < j1; j++) {
            int kj0 = Math.max(0, pad - j), kj1 = Math.min(k, ws + pad - j);
            float acc = i0;
            for (int b = 0; b < nb; b++) {
                for (int ki = ki0; ki < ki1; ki++) {
                    long srow = srcOff + b * srcPlane + 4L * ((long) (i + ki - pad) * ws + j - pad);
                    long wk = wa + b * sb + ki * ski;
                    for (int kj = kj0; kj < kj1; kj++) {
                        acc = fma(get(w, wk + kj * skj), get(src, srow + 4L * kj), acc);
                    }
                }
            }
            put(dst, drow + 4L * j, acc);
        }
    }

    /**
     * Rows of dst for channels in blocks of four, then single channels: the interior columns [jA, jB) with vectors
     * of F lanes (the last vector shifted back to end at jB: its overlapping lanes are written twice with the same
     * values), the border columns, and whole rows whose interior is narrower than F, by {@link #edge}. Returns
     * nothing; no vector crosses a call.
     */
    private static void corr(int na, int nb, int k, int pad, int hs, int ws, int hd, int wd,
                             MemorySegment w, long wBase, long sa, long sb, long ski, long skj,
                             MemorySegment init, long initOff, MemorySegment src, long srcOff,
                             MemorySegment dst, long dstOff) {
        final int lanes = F.length();
        int jA = Math.min(pad, wd), jB = Math.min(wd, ws - k + 1 + pad);
        if (MASKED && jB - jA >= 1 && jB - jA < lanes) {
            corrMasked(na, nb, k, pad, hs, ws, hd, wd, w, wBase, sa, sb, ski, skj, init, initOff, src, srcOff, dst,
                    dstOff);
            return;
        }
        boolean vec = jB - jA >= lanes;
        long srcPlane = 4L * hs * ws, dstPlane = 4L * hd * wd;
        int a = 0;
        for (; a + 4 <= na; a += 4) {
            float i0 = init == null ? 0f : get(init, initOff + 4L * a), i1 = init == null ? 0f : get(init, initOff + 4L * (a + 1));
            float i2 = init == null ? 0f : get(init, initOff + 4L * (a + 2)), i3 = init == null ? 0f : get(init, initOff + 4L * (a + 3));
            long wa = wBase + a * sa;
            long d0 = dstOff + a * dstPlane;
            for (int i = 0; i < hd; i++) {
                int ki0 = Math.max(0, pad - i), ki1 = Math.min(k, hs + pad - i);
                long drow = d0 + 4L * i * wd;
                if (!vec) {
                    for (int m = 0; m < 4; m++) {
                        edge(a + m, i, 0, wd, nb, k, pad, ws, ki0, ki1, w, wBase, sa, sb, ski, skj, init, initOff,
                                src, srcOff, srcPlane, dst, drow + m * dstPlane);
                    }
                    continue;
                }
                for (int m = 0; m < 4; m++) {
                    edge(a + m, i, 0, jA, nb, k, pad, ws, ki0, ki1, w, wBase, sa, sb, ski, skj, init, initOff,
                            src, srcOff, srcPlane, dst, drow + m * dstPlane);
                    edge(a + m, i, jB, wd, nb, k, pad, ws, ki0, ki1, w, wBase, sa, sb, ski, skj, init, initOff,
                            src, srcOff, srcPlane, dst, drow + m * dstPlane);
                }
                for (int j = jA; ; j += lanes) {
                    int jj = Math.min(j, jB - lanes);
                    FloatVector acc0 = FloatVector.broadcast(F, i0), acc1 = FloatVector.broadcast(F, i1);
                    FloatVector acc2 = FloatVector.broadcast(F, i2), acc3 = FloatVector.broadcast(F, i3);
                    for (int b = 0; b < nb; b++) {
                        long wb = wa + b * sb;
                        for (int ki = ki0; ki < ki1; ki++) {
                            long srow = srcOff + b * srcPlane + 4L * ((long) (i + ki - pad) * ws + jj - pad);
                            long wk = wb + ki * ski;
                            for (int kj = 0; kj < k; kj++) {
                                FloatVector xv = FloatVector.fromMemorySegment(F, src, srow + 4L * kj, LE);
                                long wt = wk + kj * skj;
                                acc0 = FloatVector.broadcast(F, get(w, wt)).fma(xv, acc0);
                                acc1 = FloatVector.broadcast(F, get(w, wt + sa)).fma(xv, acc1);
                                acc2 = FloatVector.broadcast(F, get(w, wt + 2 * sa)).fma(xv, acc2);
                                acc3 = FloatVector.broadcast(F, get(w, wt + 3 * sa)).fma(xv, acc3);
                            }
                        }
                    }
                    long at = drow + 4L * jj;
                    acc0.intoMemorySegment(dst, at, LE);
                    acc1.intoMemorySegment(dst, at + dstPlane, LE);
                    acc2.intoMemorySegment(dst, at + 2 * dstPlane, LE);
                    acc3.intoMemorySegment(dst, at + 3 * dstPlane, LE);
                    if (jj == jB - lanes) {
                        break;
                    }
                }
            }
        }
        for (; a < na; a++) {
            float i0 = init == null ? 0f : get(init, initOff + 4L * a);
            long wa = wBase + a * sa;
            long d0 = dstOff + a * dstPlane;
            for (int i = 0; i < hd; i++) {
                int ki0 = Math.max(0, pad - i), ki1 = Math.min(k, hs + pad - i);
                long drow = d0 + 4L * i * wd;
                if (!vec) {
                    edge(a, i, 0, wd, nb, k, pad, ws, ki0, ki1, w, wBase, sa, sb, ski, skj, init, initOff,
                            src, srcOff, srcPlane, dst, drow);
                    continue;
                }
                edge(a, i, 0, jA, nb, k, pad, ws, ki0, ki1, w, wBase, sa, sb, ski, skj, init, initOff,
                        src, srcOff, srcPlane, dst, drow);
                edge(a, i, jB, wd, nb, k, pad, ws, ki0, ki1, w, wBase, sa, sb, ski, skj, init, initOff,
                        src, srcOff, srcPlane, dst, drow);
                for (int j = jA; ; j += lanes) {
                    int jj = Math.min(j, jB - lanes);
                    FloatVector acc0 = FloatVector.broadcast(F, i0);
                    for (int b = 0; b < nb; b++) {
                        long wb = wa + b * sb;
                        for (int ki = ki0; ki < ki1; ki++) {
                            long srow = srcOff + b * srcPlane + 4L * ((long) (i + ki - pad) * ws + jj - pad);
                            long wk = wb + ki * ski;
                            for (int kj = 0; kj < k; kj++) {
                                acc0 = FloatVector.broadcast(F, get(w, wk + kj * skj))
                                        .fma(FloatVector.fromMemorySegment(F, src, srow + 4L * kj, LE), acc0);
                            }
                        }
                    }
                    acc0.intoMemorySegment(dst, drow + 4L * jj, LE);
                    if (jj == jB - lanes) {
                        break;
                    }
                }
            }
        }
    }

    /**
     * {@link #corr} for an interior [jA, jB) narrower than one vector, with 512-bit vectors only ({@link #MASKED}):
     * each output row's interior is one vector under the mask of its jB − jA lanes (masked loads of src, masked
     * stores to dst; the masked-off lanes touch no memory), four output channels per block as in corr.
     */
    private static void corrMasked(int na, int nb, int k, int pad, int hs, int ws, int hd, int wd,
                                   MemorySegment w, long wBase, long sa, long sb, long ski, long skj,
                                   MemorySegment init, long initOff, MemorySegment src, long srcOff,
                                   MemorySegment dst, long dstOff) {
        int jA = Math.min(pad, wd), jB = Math.min(wd, ws - k + 1 + pad);
        long bits = (1L << (jB - jA)) - 1;
        long srcPlane = 4L * hs * ws, dstPlane = 4L * hd * wd;
        int a = 0;
        for (; a + 4 <= na; a += 4) {
            float i0 = init == null ? 0f : get(init, initOff + 4L * a), i1 = init == null ? 0f : get(init, initOff + 4L * (a + 1));
            float i2 = init == null ? 0f : get(init, initOff + 4L * (a + 2)), i3 = init == null ? 0f : get(init, initOff + 4L * (a + 3));
            long wa = wBase + a * sa;
            long d0 = dstOff + a * dstPlane;
            for (int i = 0; i < hd; i++) {
                int ki0 = Math.max(0, pad - i), ki1 = Math.min(k, hs + pad - i);
                long drow = d0 + 4L * i * wd;
                for (int m = 0; m < 4; m++) {
                    edge(a + m, i, 0, jA, nb, k, pad, ws, ki0, ki1, w, wBase, sa, sb, ski, skj, init, initOff,
                            src, srcOff, srcPlane, dst, drow + m * dstPlane);
                    edge(a + m, i, jB, wd, nb, k, pad, ws, ki0, ki1, w, wBase, sa, sb, ski, skj, init, initOff,
                            src, srcOff, srcPlane, dst, drow + m * dstPlane);
                }
                VectorMask<Float> mk = VectorMask.fromLong(F, bits);
                FloatVector acc0 = FloatVector.broadcast(F, i0), acc1 = FloatVector.broadcast(F, i1);
                FloatVector acc2 = FloatVector.broadcast(F, i2), acc3 = FloatVector.broadcast(F, i3);
                for (int b = 0; b < nb; b++) {
                    long wb = wa + b * sb;
                    for (int ki = ki0; ki < ki1; ki++) {
                        long srow = srcOff + b * srcPlane + 4L * ((long) (i + ki - pad) * ws + jA - pad);
                        long wk = wb + ki * ski;
                        for (int kj = 0; kj < k; kj++) {
                            FloatVector xv = FloatVector.fromMemorySegment(F, src, srow + 4L * kj, LE, mk);
                            long wt = wk + kj * skj;
                            acc0 = FloatVector.broadcast(F, get(w, wt)).fma(xv, acc0);
                            acc1 = FloatVector.broadcast(F, get(w, wt + sa)).fma(xv, acc1);
                            acc2 = FloatVector.broadcast(F, get(w, wt + 2 * sa)).fma(xv, acc2);
                            acc3 = FloatVector.broadcast(F, get(w, wt + 3 * sa)).fma(xv, acc3);
                        }
                    }
                }
                long at = drow + 4L * jA;
                acc0.intoMemorySegment(dst, at, LE, mk);
                acc1.intoMemorySegment(dst, at + dstPlane, LE, mk);
                acc2.intoMemorySegment(dst, at + 2 * dstPlane, LE, mk);
                acc3.intoMemorySegment(dst, at + 3 * dstPlane, LE, mk);
            }
        }
        for (; a < na; a++) {
            float i0 = init == null ? 0f : get(init, initOff + 4L * a);
            long wa = wBase + a * sa;
            long d0 = dstOff + a * dstPlane;
            for (int i = 0; i < hd; i++) {
                int ki0 = Math.max(0, pad - i), ki1 = Math.min(k, hs + pad - i);
                long drow = d0 + 4L * i * wd;
                edge(a, i, 0, jA, nb, k, pad, ws, ki0, ki1, w, wBase, sa, sb, ski, skj, init, initOff,
                        src, srcOff, srcPlane, dst, drow);
                edge(a, i, jB, wd, nb, k, pad, ws, ki0, ki1, w, wBase, sa, sb, ski, skj, init, initOff,
                        src, srcOff, srcPlane, dst, drow);
                VectorMask<Float> mk = VectorMask.fromLong(F, bits);
                FloatVector acc0 = FloatVector.broadcast(F, i0);
                for (int b = 0; b < nb; b++) {
                    long wb = wa + b * sb;
                    for (int ki = ki0; ki < ki1; ki++) {
                        long srow = srcOff + b * srcPlane + 4L * ((long) (i + ki - pad) * ws + jA - pad);
                        long wk = wb + ki * ski;
                        for (int kj = 0; kj < k; kj++) {
                            acc0 = FloatVector.broadcast(F, get(w, wk + kj * skj))
                                    .fma(FloatVector.fromMemorySegment(F, src, srow + 4L * kj, LE, mk), acc0);
                        }
                    }
                }
                acc0.intoMemorySegment(dst, drow + 4L * jA, LE, mk);
            }
        }
    }
}
