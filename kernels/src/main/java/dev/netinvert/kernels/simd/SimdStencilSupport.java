package dev.netinvert.kernels.simd;

import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.StencilSupport;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API implementation of the stencil kernels. Loaded reflectively by the provider only when
 * {@code jdk.incubator.vector} is present.
 *
 * <p>Shape of every kernel: rows are contiguous, so lanes run along a row j, j+1, …, j+L−1. The
 * horizontal difference ∂₂ needs x[j+1], an unaligned load 4 bytes further on; the vertical one ∂₁
 * needs the same lanes of the next row, which a row-by-row sweep has just brought into cache — so an
 * image is read from memory once per pass. The vector loop covers the interior columns where the
 * stencil is complete; the columns where the boundary rule applies (the last column for ∇, the first
 * and last for div) and the leftovers shorter than a vector go through a scalar tail. The last row's
 * rule (∂₁ = 0) is a loop-invariant branch. No masks.
 *
 * <p>Reductions keep one float accumulator vector per row and add each row's lane sum into a double,
 * so at most ⌈w/L⌉ terms meet in float (see {@link StencilSupport}).
 *
 * <p>Offsets: {@code plane} = 4·h·w bytes between channels, {@code row} = 4·w bytes between rows,
 * {@code rel} the byte offset of row i of channel ch — the same in every array of the image's shape.
 */
public final class SimdStencilSupport implements StencilSupport {

    // static final so that C2 treats species, length and FMA choice as constants (DESIGN.md decision 3).
    private static final VectorSpecies<Float> F = VectorConstants.SPECIES;
    private static final int L = F.length();
    private static final boolean FMA = VectorConstants.USE_FMA;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    public SimdStencilSupport() {}

    @Override public String name() { return "simd"; }

    private static FloatVector load(MemorySegment s, long off) {
        return FloatVector.fromMemorySegment(F, s, off, LE);
    }

    private static void store(FloatVector v, MemorySegment s, long off) {
        v.intoMemorySegment(s, off, LE);
    }

    private static FloatVector fma(FloatVector a, FloatVector b, FloatVector c) {
        return FMA ? a.fma(b, c) : a.mul(b).add(c);
    }

    private static float fma(float a, float b, float c) {
        return FMA ? Math.fma(a, b, c) : a * b + c;
    }

    private static float get(MemorySegment s, long off) {
        return s.get(FloatVec.LAYOUT, off);
    }

    private static void put(MemorySegment s, long off, float v) {
        s.set(FloatVec.LAYOUT, off, v);
    }

    /** The last start j of a vector loop whose lanes all have a right neighbour (j + L ≤ w − 1). */
    private static int rightBound(int w) {
        return w - 1 - L;
    }

    // ---------------------------------------------------------------- ∇

    @Override
    public void gradient(MemorySegment x, long xo, int c, int h, int w, int r0, int r1,
                         MemorySegment d1, long d1o, MemorySegment d2, long d2o) {
        long plane = 4L * h * w, row = 4L * w;
        for (int ch = 0; ch < c; ch++) {
            for (int i = r0; i < r1; i++) {
                long rel = ch * plane + i * row;
                if (i < h - 1) {
                    sub(x, xo + rel + row, x, xo + rel, d1, d1o + rel, w);
                } else {
                    zero(d1, d1o + rel, w);
                }
                sub(x, xo + rel + 4, x, xo + rel, d2, d2o + rel, w - 1);
                put(d2, d2o + rel + 4L * (w - 1), 0f);
            }
        }
    }

    /** out ← a − b over n floats. */
    private static void sub(MemorySegment a, long ao, MemorySegment b, long bo, MemorySegment out, long oo, int n) {
        int j = 0;
        for (int bound = F.loopBound(n); j < bound; j += L) {
            long o = 4L * j;
            store(load(a, ao + o).sub(load(b, bo + o)), out, oo + o);
        }
        for (; j < n; j++) {
            long o = 4L * j;
            put(out, oo + o, get(a, ao + o) - get(b, bo + o));
        }
    }

    private static void zero(MemorySegment out, long oo, int n) {
        FloatVector z = FloatVector.zero(F);
        int j = 0;
        for (int bound = F.loopBound(n); j < bound; j += L) {
            store(z, out, oo + 4L * j);
        }
        for (; j < n; j++) {
            put(out, oo + 4L * j, 0f);
        }
    }

    // ---------------------------------------------------------------- div = −∇ᵀ

    @Override
    public void divergence(MemorySegment p1, long p1o, MemorySegment p2, long p2o, int c, int h, int w,
                           int r0, int r1, MemorySegment out, long oo) {
        long plane = 4L * h * w, row = 4L * w;
        for (int ch = 0; ch < c; ch++) {
            for (int i = r0; i < r1; i++) {
                long rel = ch * plane + i * row;
                boolean up = i > 0, down = i < h - 1;
                long a1 = p1o + rel, a2 = p2o + rel, o0 = oo + rel;
                put(out, o0, divAt(p1, a1, row, up, down, p2, a2, 0, w));
                int j = 1;
                // Interior columns 1 ≤ j < w−1: both horizontal terms present, p2[j−1] is an unaligned load.
                for (int bound = w - 1 - L; j <= bound; j += L) {
                    long o = 4L * j;
                    store(divVec(p1, a1 + o, row, up, down, p2, a2 + o), out, o0 + o);
                }
                for (; j < w; j++) {
                    put(out, o0 + 4L * j, divAt(p1, a1, row, up, down, p2, a2, j, w));
                }
            }
        }
    }

    /**
     * (div p) for the L interior columns starting at byte offsets {@code p1at}/{@code p2at}:
     * (p1[i] − p1[i−1]) + (p2[j] − p2[j−1]), with the vertical terms that the boundary rule removes
     * replaced by 0 (kept as 0 − b, not −b, so that signed zeros match the reference).
     */
    private static FloatVector divVec(MemorySegment p1, long p1at, long row, boolean up, boolean down,
                                      MemorySegment p2, long p2at) {
        FloatVector a = down ? load(p1, p1at) : FloatVector.zero(F);
        FloatVector v1 = up ? a.sub(load(p1, p1at - row)) : a;
        return v1.add(load(p2, p2at).sub(load(p2, p2at - 4)));
    }

    /** (div p) at column j of the row starting at {@code p1r}/{@code p2r}; absent terms are 0. */
    private static float divAt(MemorySegment p1, long p1r, long row, boolean up, boolean down,
                               MemorySegment p2, long p2r, int j, int w) {
        long o = 4L * j;
        float a1 = down ? get(p1, p1r + o) : 0f;
        float b1 = up ? get(p1, p1r + o - row) : 0f;
        float a2 = j < w - 1 ? get(p2, p2r + o) : 0f;
        float b2 = j > 0 ? get(p2, p2r + o - 4) : 0f;
        return (a1 - b1) + (a2 - b2);
    }

    // ---------------------------------------------------------------- values

    @Override
    public double tvIsotropic(MemorySegment x, long xo, int c, int h, int w, int r0, int r1) {
        long plane = 4L * h * w, row = 4L * w;
        double sum = 0.0;
        for (int i = r0; i < r1; i++) {
            boolean down = i < h - 1;
            long xr = xo + i * row;
            FloatVector acc = FloatVector.zero(F);
            int j = 0;
            for (int bound = rightBound(w); j <= bound; j += L) {
                FloatVector s = FloatVector.zero(F);
                for (int ch = 0; ch < c; ch++) {
                    long o = xr + ch * plane + 4L * j;
                    FloatVector v = load(x, o);
                    FloatVector d1 = down ? load(x, o + row).sub(v) : FloatVector.zero(F);
                    FloatVector d2 = load(x, o + 4).sub(v);
                    s = fma(d2, d2, fma(d1, d1, s));
                }
                acc = acc.add(s.sqrt());
            }
            double rowSum = acc.reduceLanes(VectorOperators.ADD);
            for (; j < w; j++) {
                float s = 0f;
                for (int ch = 0; ch < c; ch++) {
                    long o = xr + ch * plane + 4L * j;
                    float v = get(x, o);
                    float d1 = down ? get(x, o + row) - v : 0f;
                    float d2 = j < w - 1 ? get(x, o + 4) - v : 0f;
                    s = fma(d2, d2, fma(d1, d1, s));
                }
                rowSum += (float) Math.sqrt(s);
            }
            sum += rowSum;
        }
        return sum;
    }

    @Override
    public double tvAnisotropic(MemorySegment x, long xo, int c, int h, int w, int r0, int r1) {
        long plane = 4L * h * w, row = 4L * w;
        double sum = 0.0;
        for (int ch = 0; ch < c; ch++) {
            for (int i = r0; i < r1; i++) {
                boolean down = i < h - 1;
                long xr = xo + ch * plane + i * row;
                FloatVector acc = FloatVector.zero(F);
                int j = 0;
                for (int bound = rightBound(w); j <= bound; j += L) {
                    long o = xr + 4L * j;
                    FloatVector v = load(x, o);
                    FloatVector d2 = load(x, o + 4).sub(v).abs();
                    acc = acc.add(down ? load(x, o + row).sub(v).abs().add(d2) : d2);
                }
                double rowSum = acc.reduceLanes(VectorOperators.ADD);
                for (; j < w; j++) {
                    long o = xr + 4L * j;
                    float v = get(x, o);
                    float d1 = down ? get(x, o + row) - v : 0f;
                    float d2 = j < w - 1 ? get(x, o + 4) - v : 0f;
                    rowSum += Math.abs(d1) + Math.abs(d2);
                }
                sum += rowSum;
            }
        }
        return sum;
    }

    @Override
    public double norm21(MemorySegment p1, long p1o, MemorySegment p2, long p2o, int c, int h, int w,
                         int r0, int r1) {
        long plane = 4L * h * w, row = 4L * w;
        double sum = 0.0;
        for (int i = r0; i < r1; i++) {
            long pr = i * row;
            FloatVector acc = FloatVector.zero(F);
            int j = 0;
            for (int bound = F.loopBound(w); j < bound; j += L) {
                acc = acc.add(sumOfSquares(p1, p1o, p2, p2o, c, plane, pr + 4L * j).sqrt());
            }
            double rowSum = acc.reduceLanes(VectorOperators.ADD);
            for (; j < w; j++) {
                rowSum += (float) Math.sqrt(sumOfSquares1(p1, p1o, p2, p2o, c, plane, pr + 4L * j));
            }
            sum += rowSum;
        }
        return sum;
    }

    @Override
    public double norm11(MemorySegment p1, long p1o, MemorySegment p2, long p2o, int c, int h, int w,
                         int r0, int r1) {
        long plane = 4L * h * w, row = 4L * w;
        double sum = 0.0;
        for (int ch = 0; ch < c; ch++) {
            for (int i = r0; i < r1; i++) {
                long a = p1o + ch * plane + i * row, b = p2o + ch * plane + i * row;
                FloatVector acc = FloatVector.zero(F);
                int j = 0;
                for (int bound = F.loopBound(w); j < bound; j += L) {
                    long o = 4L * j;
                    acc = acc.add(load(p1, a + o).abs().add(load(p2, b + o).abs()));
                }
                double rowSum = acc.reduceLanes(VectorOperators.ADD);
                for (; j < w; j++) {
                    long o = 4L * j;
                    rowSum += Math.abs(get(p1, a + o)) + Math.abs(get(p2, b + o));
                }
                sum += rowSum;
            }
        }
        return sum;
    }

    /** Σ_ch p1² + p2² for the L pixels at byte offset {@code pix} of channel 0. */
    private static FloatVector sumOfSquares(MemorySegment p1, long p1o, MemorySegment p2, long p2o, int c,
                                            long plane, long pix) {
        FloatVector s = FloatVector.zero(F);
        for (int ch = 0; ch < c; ch++) {
            FloatVector a = load(p1, p1o + pix + ch * plane), b = load(p2, p2o + pix + ch * plane);
            s = fma(b, b, fma(a, a, s));
        }
        return s;
    }

    private static float sumOfSquares1(MemorySegment p1, long p1o, MemorySegment p2, long p2o, int c,
                                       long plane, long pix) {
        float s = 0f;
        for (int ch = 0; ch < c; ch++) {
            float a = get(p1, p1o + pix + ch * plane), b = get(p2, p2o + pix + ch * plane);
            s = fma(b, b, fma(a, a, s));
        }
        return s;
    }

    // ---------------------------------------------------------------- projections

    @Override
    public void projectL2(float r, MemorySegment p1, long p1o, MemorySegment p2, long p2o, int c, int h, int w,
                          int r0, int r1) {
        long plane = 4L * h * w, row = 4L * w;
        // The rows [r0, r1) of one channel are contiguous: sweep them as one run of pixels.
        long start = r0 * row;
        int n = (r1 - r0) * w;
        int k = 0;
        for (int bound = F.loopBound(n); k < bound; k += L) {
            long pix = start + 4L * k;
            // scale = 1/max(1, ‖p‖/r): exactly 1 inside the ball, so those pixels keep their bits.
            FloatVector norm = sumOfSquares(p1, p1o, p2, p2o, c, plane, pix).sqrt();
            FloatVector scale = FloatVector.broadcast(F, 1f).div(norm.div(r).max(1f));
            for (int ch = 0; ch < c; ch++) {
                long a = p1o + pix + ch * plane, b = p2o + pix + ch * plane;
                store(load(p1, a).mul(scale), p1, a);
                store(load(p2, b).mul(scale), p2, b);
            }
        }
        for (; k < n; k++) {
            long pix = start + 4L * k;
            float norm = (float) Math.sqrt(sumOfSquares1(p1, p1o, p2, p2o, c, plane, pix));
            float scale = 1f / Math.max(1f, norm / r);
            for (int ch = 0; ch < c; ch++) {
                long a = p1o + pix + ch * plane, b = p2o + pix + ch * plane;
                put(p1, a, get(p1, a) * scale);
                put(p2, b, get(p2, b) * scale);
            }
        }
    }

    @Override
    public void projectLinf(float r, MemorySegment p1, long p1o, MemorySegment p2, long p2o, int c, int h, int w,
                            int r0, int r1) {
        long plane = 4L * h * w, row = 4L * w;
        int n = (r1 - r0) * w;
        for (int ch = 0; ch < c; ch++) {
            long a = p1o + ch * plane + r0 * row, b = p2o + ch * plane + r0 * row;
            int k = 0;
            for (int bound = F.loopBound(n); k < bound; k += L) {
                long o = 4L * k;
                store(load(p1, a + o).min(r).max(-r), p1, a + o);
                store(load(p2, b + o).min(r).max(-r), p2, b + o);
            }
            for (; k < n; k++) {
                long o = 4L * k;
                put(p1, a + o, Math.max(-r, Math.min(r, get(p1, a + o))));
                put(p2, b + o, Math.max(-r, Math.min(r, get(p2, b + o))));
            }
        }
    }

    // ---------------------------------------------------------------- PDHG, eq. (14) [000]

    @Override
    public double pdhgPrimal(float tauX, float alpha, MemorySegment x, long xo, MemorySegment g, long go,
                             MemorySegment z1, long z1o, MemorySegment z2, long z2o, int c, int h, int w,
                             int r0, int r1, MemorySegment out, long oo) {
        long plane = 4L * h * w, row = 4L * w;
        FloatVector negAlpha = FloatVector.broadcast(F, -alpha), negTau = FloatVector.broadcast(F, -tauX);
        double change = 0.0;
        for (int ch = 0; ch < c; ch++) {
            for (int i = r0; i < r1; i++) {
                long rel = ch * plane + i * row;
                boolean up = i > 0, down = i < h - 1;
                long a1 = z1o + rel, a2 = z2o + rel;
                double rowSum = primalAt(tauX, alpha, x, xo + rel, g, go + rel, z1, a1, row, up, down, z2, a2,
                        0, w, out, oo + rel);
                FloatVector acc = FloatVector.zero(F);
                int j = 1;
                // One pass: div z from z's rows i−1 and i, then x⁺ = x − τx·(g − α·div z), no temporary.
                for (int bound = w - 1 - L; j <= bound; j += L) {
                    long o = rel + 4L * j;
                    FloatVector dv = divVec(z1, z1o + o, row, up, down, z2, z2o + o);
                    FloatVector xv = load(x, xo + o);
                    FloatVector nu = fma(negTau, fma(negAlpha, dv, load(g, go + o)), xv);
                    store(nu, out, oo + o);
                    FloatVector d = nu.sub(xv);
                    acc = fma(d, d, acc);
                }
                rowSum += acc.reduceLanes(VectorOperators.ADD);
                for (; j < w; j++) {
                    rowSum += primalAt(tauX, alpha, x, xo + rel, g, go + rel, z1, a1, row, up, down, z2, a2,
                            j, w, out, oo + rel);
                }
                change += rowSum;
            }
        }
        return change;
    }

    /** The primal update at column j of one row (offsets point at the row's start); returns (x⁺ − x)². */
    private static float primalAt(float tauX, float alpha, MemorySegment x, long xr, MemorySegment g, long gr,
                                  MemorySegment z1, long z1r, long row, boolean up, boolean down,
                                  MemorySegment z2, long z2r, int j, int w, MemorySegment out, long or) {
        long o = 4L * j;
        float old = get(x, xr + o);
        float t = fma(-alpha, divAt(z1, z1r, row, up, down, z2, z2r, j, w), get(g, gr + o));
        float nu = fma(-tauX, t, old);
        put(out, or + o, nu);
        float d = nu - old;
        return d * d;
    }

    @Override
    public double pdhgDualIsotropic(float sigma, MemorySegment xn, long xno, MemorySegment xo, long xoo,
                                    MemorySegment z1, long z1o, MemorySegment z2, long z2o, int c, int h, int w,
                                    int r0, int r1) {
        if (c == 1) {
            return dualIsotropic1(sigma, xn, xno, xo, xoo, z1, z1o, z2, z2o, h, w, r0, r1);
        }
        long plane = 4L * h * w, row = 4L * w;
        FloatVector sig = FloatVector.broadcast(F, sigma), one = FloatVector.broadcast(F, 1f);
        double change = 0.0;
        for (int i = r0; i < r1; i++) {
            boolean down = i < h - 1;
            long rel = i * row;
            FloatVector acc = FloatVector.zero(F);
            int j = 0;
            for (int bound = rightBound(w); j <= bound; j += L) {
                long pix = rel + 4L * j;
                // Two sweeps over the channels: ‖q‖ needs all of them; the second recomputes q from the
                // lines the first brought into L1 instead of buffering C·2 vectors.
                FloatVector s = FloatVector.zero(F);
                for (int ch = 0; ch < c; ch++) {
                    long o = pix + ch * plane;
                    FloatVector q1 = fma(sig, d1Vec(xn, xno, xo, xoo, o, row, down), load(z1, z1o + o));
                    FloatVector q2 = fma(sig, d2Vec(xn, xno, xo, xoo, o), load(z2, z2o + o));
                    s = fma(q2, q2, fma(q1, q1, s));
                }
                FloatVector scale = one.div(s.sqrt().max(1f));
                for (int ch = 0; ch < c; ch++) {
                    long o = pix + ch * plane;
                    FloatVector old1 = load(z1, z1o + o), old2 = load(z2, z2o + o);
                    FloatVector n1 = fma(sig, d1Vec(xn, xno, xo, xoo, o, row, down), old1).mul(scale);
                    FloatVector n2 = fma(sig, d2Vec(xn, xno, xo, xoo, o), old2).mul(scale);
                    store(n1, z1, z1o + o);
                    store(n2, z2, z2o + o);
                    FloatVector e1 = n1.sub(old1), e2 = n2.sub(old2);
                    acc = fma(e2, e2, fma(e1, e1, acc));
                }
            }
            double rowSum = acc.reduceLanes(VectorOperators.ADD);
            for (; j < w; j++) {
                rowSum += dualIsoAt(sigma, xn, xno, xo, xoo, z1, z1o, z2, z2o, c, plane, row, rel + 4L * j,
                        down, j < w - 1);
            }
            change += rowSum;
        }
        return change;
    }

    /**
     * The dual step for one channel, the case of sec. 5.1 [000]: one sweep, every input element loaded
     * once per lane group (x⁺ and x at j, j+1 and the next row; z1, z2), q kept in registers.
     */
    private static double dualIsotropic1(float sigma, MemorySegment xn, long xno, MemorySegment xo, long xoo,
                                         MemorySegment z1, long z1o, MemorySegment z2, long z2o, int h, int w,
                                         int r0, int r1) {
        long row = 4L * w;
        FloatVector sig = FloatVector.broadcast(F, sigma), one = FloatVector.broadcast(F, 1f);
        double change = 0.0;
        for (int i = r0; i < r1; i++) {
            boolean down = i < h - 1;
            long rel = i * row;
            FloatVector acc1 = FloatVector.zero(F), acc2 = acc1;
            int j = 0;
            for (int bound = rightBound(w); j <= bound; j += L) {
                long o = rel + 4L * j;
                FloatVector a = load(xn, xno + o);
                FloatVector u = a.add(a).sub(load(xo, xoo + o));
                FloatVector ar = load(xn, xno + o + 4);
                FloatVector d2 = ar.add(ar).sub(load(xo, xoo + o + 4)).sub(u);
                FloatVector d1;
                if (down) {
                    FloatVector ad = load(xn, xno + o + row);
                    d1 = ad.add(ad).sub(load(xo, xoo + o + row)).sub(u);
                } else {
                    d1 = FloatVector.zero(F);
                }
                FloatVector old1 = load(z1, z1o + o), old2 = load(z2, z2o + o);
                FloatVector q1 = fma(sig, d1, old1), q2 = fma(sig, d2, old2);
                FloatVector scale = one.div(fma(q2, q2, q1.mul(q1)).sqrt().max(1f));
                FloatVector n1 = q1.mul(scale), n2 = q2.mul(scale);
                store(n1, z1, z1o + o);
                store(n2, z2, z2o + o);
                FloatVector e1 = n1.sub(old1), e2 = n2.sub(old2);
                acc1 = fma(e1, e1, acc1);
                acc2 = fma(e2, e2, acc2);
            }
            double rowSum = acc1.add(acc2).reduceLanes(VectorOperators.ADD);
            for (; j < w; j++) {
                rowSum += dualIsoAt(sigma, xn, xno, xo, xoo, z1, z1o, z2, z2o, 1, 0, row, rel + 4L * j,
                        down, j < w - 1);
            }
            change += rowSum;
        }
        return change;
    }

    /** ∂₁u for u = 2·xNew − xOld at byte offset {@code o}, 0 in the last row. */
    private static FloatVector d1Vec(MemorySegment xn, long xno, MemorySegment xo, long xoo, long o, long row,
                                     boolean down) {
        if (!down) {
            return FloatVector.zero(F);
        }
        FloatVector a = load(xn, xno + o), ad = load(xn, xno + o + row);
        return ad.add(ad).sub(load(xo, xoo + o + row)).sub(a.add(a).sub(load(xo, xoo + o)));
    }

    /** ∂₂u for u = 2·xNew − xOld at byte offset {@code o} (an interior column). */
    private static FloatVector d2Vec(MemorySegment xn, long xno, MemorySegment xo, long xoo, long o) {
        FloatVector a = load(xn, xno + o), ar = load(xn, xno + o + 4);
        return ar.add(ar).sub(load(xo, xoo + o + 4)).sub(a.add(a).sub(load(xo, xoo + o)));
    }

    private static float u(MemorySegment xn, long xno, MemorySegment xo, long xoo, long o) {
        return 2f * get(xn, xno + o) - get(xo, xoo + o);
    }

    /** The isotropic dual update of one pixel (byte offset {@code pix} in channel 0); returns its Σ (z⁺ − z)². */
    private static float dualIsoAt(float sigma, MemorySegment xn, long xno, MemorySegment xo, long xoo,
                                   MemorySegment z1, long z1o, MemorySegment z2, long z2o, int c, long plane,
                                   long row, long pix, boolean down, boolean right) {
        float s = 0f;
        for (int ch = 0; ch < c; ch++) {
            long o = pix + ch * plane;
            float u = u(xn, xno, xo, xoo, o);
            float q1 = fma(sigma, down ? u(xn, xno, xo, xoo, o + row) - u : 0f, get(z1, z1o + o));
            float q2 = fma(sigma, right ? u(xn, xno, xo, xoo, o + 4) - u : 0f, get(z2, z2o + o));
            s = fma(q2, q2, fma(q1, q1, s));
        }
        float scale = 1f / Math.max(1f, (float) Math.sqrt(s));
        float change = 0f;
        for (int ch = 0; ch < c; ch++) {
            long o = pix + ch * plane;
            float u = u(xn, xno, xo, xoo, o);
            float old1 = get(z1, z1o + o), old2 = get(z2, z2o + o);
            float n1 = fma(sigma, down ? u(xn, xno, xo, xoo, o + row) - u : 0f, old1) * scale;
            float n2 = fma(sigma, right ? u(xn, xno, xo, xoo, o + 4) - u : 0f, old2) * scale;
            put(z1, z1o + o, n1);
            put(z2, z2o + o, n2);
            float e1 = n1 - old1, e2 = n2 - old2;
            change = fma(e2, e2, fma(e1, e1, change));
        }
        return change;
    }

    @Override
    public double pdhgDualAnisotropic(float sigma, MemorySegment xn, long xno, MemorySegment xo, long xoo,
                                      MemorySegment z1, long z1o, MemorySegment z2, long z2o, int c, int h, int w,
                                      int r0, int r1) {
        long plane = 4L * h * w, row = 4L * w;
        FloatVector sig = FloatVector.broadcast(F, sigma);
        double change = 0.0;
        // Elementwise box: the channels are independent, so each plane is swept on its own.
        for (int ch = 0; ch < c; ch++) {
            for (int i = r0; i < r1; i++) {
                boolean down = i < h - 1;
                long rel = ch * plane + i * row;
                FloatVector acc1 = FloatVector.zero(F), acc2 = acc1;
                int j = 0;
                for (int bound = rightBound(w); j <= bound; j += L) {
                    long o = rel + 4L * j;
                    FloatVector a = load(xn, xno + o);
                    FloatVector u = a.add(a).sub(load(xo, xoo + o));
                    FloatVector ar = load(xn, xno + o + 4);
                    FloatVector d2 = ar.add(ar).sub(load(xo, xoo + o + 4)).sub(u);
                    FloatVector d1;
                    if (down) {
                        FloatVector ad = load(xn, xno + o + row);
                        d1 = ad.add(ad).sub(load(xo, xoo + o + row)).sub(u);
                    } else {
                        d1 = FloatVector.zero(F);
                    }
                    FloatVector old1 = load(z1, z1o + o), old2 = load(z2, z2o + o);
                    FloatVector n1 = fma(sig, d1, old1).min(1f).max(-1f);
                    FloatVector n2 = fma(sig, d2, old2).min(1f).max(-1f);
                    store(n1, z1, z1o + o);
                    store(n2, z2, z2o + o);
                    FloatVector e1 = n1.sub(old1), e2 = n2.sub(old2);
                    acc1 = fma(e1, e1, acc1);
                    acc2 = fma(e2, e2, acc2);
                }
                double rowSum = acc1.add(acc2).reduceLanes(VectorOperators.ADD);
                for (; j < w; j++) {
                    long o = rel + 4L * j;
                    float u = u(xn, xno, xo, xoo, o);
                    float old1 = get(z1, z1o + o), old2 = get(z2, z2o + o);
                    float n1 = fma(sigma, down ? u(xn, xno, xo, xoo, o + row) - u : 0f, old1);
                    float n2 = fma(sigma, j < w - 1 ? u(xn, xno, xo, xoo, o + 4) - u : 0f, old2);
                    n1 = Math.max(-1f, Math.min(1f, n1));
                    n2 = Math.max(-1f, Math.min(1f, n2));
                    put(z1, z1o + o, n1);
                    put(z2, z2o + o, n2);
                    float e1 = n1 - old1, e2 = n2 - old2;
                    rowSum += (double) e1 * e1 + (double) e2 * e2;
                }
                change += rowSum;
            }
        }
        return change;
    }
}
