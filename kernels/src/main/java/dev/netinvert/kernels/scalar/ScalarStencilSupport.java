package dev.netinvert.kernels.scalar;

import static dev.netinvert.kernels.internal.SegmentFloats.get;
import static dev.netinvert.kernels.internal.SegmentFloats.put;

import dev.netinvert.kernels.StencilSupport;
import java.lang.foreign.MemorySegment;

/**
 * The stencil kernels as plain loops over the segments, for JVMs without the Vector API. Elementwise
 * results follow {@code ReferenceStencils} operation for operation (no FMA), so they are bit-identical
 * to it; reductions accumulate in double, pixel by pixel.
 *
 * <p>Every load in a loop happens on every iteration and stays inside the image: where the boundary
 * rule drops a neighbour, its offset is pointed back at the pixel itself and the value is discarded by a
 * select. A load guarded by a branch inside a loop lets C2 hoist its range check on the strength of the
 * profile; the check then fails at the image's last row, and the method is deoptimised and recompiled
 * over and over (measured: a 64×64 ∇ at interpreter speed).
 *
 * <p>Offsets: {@code plane} = 4·h·w bytes between channels, {@code row} = 4·w bytes between rows;
 * {@code rel} is the byte offset of the start of row i of channel ch, the same for every array of the
 * image's shape.
 */
public final class ScalarStencilSupport implements StencilSupport {

    ScalarStencilSupport() {}

    @Override public String name() { return "scalar"; }

    // ---------------------------------------------------------------- ∇ and div

    @Override
    public void gradient(MemorySegment x, long xo, int c, int h, int w, int r0, int r1,
                         MemorySegment d1, long d1o, MemorySegment d2, long d2o) {
        long plane = 4L * h * w, row = 4L * w;
        for (int ch = 0; ch < c; ch++) {
            for (int i = r0; i < r1; i++) {
                long rel = ch * plane + i * row;
                boolean down = i < h - 1;
                long dn = down ? row : 0;
                for (int j = 0; j < w; j++) {
                    long o = rel + 4L * j;
                    boolean right = j < w - 1;
                    float v = get(x, xo + o);
                    float below = get(x, xo + o + dn), next = get(x, xo + o + (right ? 4 : 0));
                    put(d1, d1o + o, down ? below - v : 0f);
                    put(d2, d2o + o, right ? next - v : 0f);
                }
            }
        }
    }

    @Override
    public void divergence(MemorySegment p1, long p1o, MemorySegment p2, long p2o, int c, int h, int w,
                           int r0, int r1, MemorySegment out, long oo) {
        long plane = 4L * h * w, row = 4L * w;
        for (int ch = 0; ch < c; ch++) {
            for (int i = r0; i < r1; i++) {
                long rel = ch * plane + i * row;
                boolean up = i > 0, down = i < h - 1;
                long upOff = up ? row : 0;
                for (int j = 0; j < w; j++) {
                    long o = rel + 4L * j;
                    put(out, oo + o, div(p1, p1o + o, upOff, up, down, p2, p2o + o, j, w));
                }
            }
        }
    }

    /**
     * (div p) at one pixel: (a1 − b1) + (a2 − b2) with the terms the boundary rule removes replaced by 0.
     * The pointers are at the pixel; {@code upOff} is the byte distance to the row above (0 in row 0).
     */
    private static float div(MemorySegment p1, long p1at, long upOff, boolean up, boolean down,
                             MemorySegment p2, long p2at, int j, int w) {
        float a1 = get(p1, p1at), b1 = get(p1, p1at - upOff);
        float a2 = get(p2, p2at), b2 = get(p2, p2at - (j > 0 ? 4 : 0));
        return ((down ? a1 : 0f) - (up ? b1 : 0f)) + ((j < w - 1 ? a2 : 0f) - (j > 0 ? b2 : 0f));
    }

    // ---------------------------------------------------------------- values

    @Override
    public double tvIsotropic(MemorySegment x, long xo, int c, int h, int w, int r0, int r1) {
        long plane = 4L * h * w, row = 4L * w;
        double sum = 0.0;
        for (int i = r0; i < r1; i++) {
            boolean down = i < h - 1;
            long dn = down ? row : 0;
            for (int j = 0; j < w; j++) {
                boolean right = j < w - 1;
                long rt = right ? 4 : 0;
                float s = 0f;
                for (int ch = 0; ch < c; ch++) {
                    long o = xo + ch * plane + i * row + 4L * j;
                    float v = get(x, o), below = get(x, o + dn), next = get(x, o + rt);
                    float d1 = down ? below - v : 0f;
                    float d2 = right ? next - v : 0f;
                    s += d1 * d1;
                    s += d2 * d2;
                }
                sum += (float) Math.sqrt(s);
            }
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
                long dn = down ? row : 0;
                for (int j = 0; j < w; j++) {
                    boolean right = j < w - 1;
                    long o = xo + ch * plane + i * row + 4L * j;
                    float v = get(x, o), below = get(x, o + dn), next = get(x, o + (right ? 4 : 0));
                    float d1 = down ? below - v : 0f;
                    float d2 = right ? next - v : 0f;
                    sum += Math.abs(d1) + Math.abs(d2);
                }
            }
        }
        return sum;
    }

    @Override
    public double norm21(MemorySegment p1, long p1o, MemorySegment p2, long p2o, int c, int h, int w,
                         int r0, int r1) {
        long plane = 4L * h * w, row = 4L * w;
        double sum = 0.0;
        for (long pix = r0 * row, end = r1 * row; pix < end; pix += 4) {
            sum += (float) Math.sqrt(pixelSumOfSquares(p1, p1o, p2, p2o, c, plane, pix));
        }
        return sum;
    }

    @Override
    public double norm11(MemorySegment p1, long p1o, MemorySegment p2, long p2o, int c, int h, int w,
                         int r0, int r1) {
        long plane = 4L * h * w, row = 4L * w;
        double sum = 0.0;
        for (int ch = 0; ch < c; ch++) {
            for (long o = ch * plane + r0 * row, end = ch * plane + r1 * row; o < end; o += 4) {
                sum += Math.abs(get(p1, p1o + o)) + Math.abs(get(p2, p2o + o));
            }
        }
        return sum;
    }

    private static float pixelSumOfSquares(MemorySegment p1, long p1o, MemorySegment p2, long p2o, int c,
                                           long plane, long pix) {
        float s = 0f;
        for (int ch = 0; ch < c; ch++) {
            float a = get(p1, p1o + pix + ch * plane), b = get(p2, p2o + pix + ch * plane);
            s += a * a;
            s += b * b;
        }
        return s;
    }

    // ---------------------------------------------------------------- projections

    @Override
    public void projectL2(float r, MemorySegment p1, long p1o, MemorySegment p2, long p2o, int c, int h, int w,
                          int r0, int r1) {
        long plane = 4L * h * w, row = 4L * w;
        for (long pix = r0 * row, end = r1 * row; pix < end; pix += 4) {
            float norm = (float) Math.sqrt(pixelSumOfSquares(p1, p1o, p2, p2o, c, plane, pix));
            float scale = 1f / Math.max(1f, norm / r);
            for (int ch = 0; ch < c; ch++) {
                long o = pix + ch * plane;
                put(p1, p1o + o, get(p1, p1o + o) * scale);
                put(p2, p2o + o, get(p2, p2o + o) * scale);
            }
        }
    }

    @Override
    public void projectLinf(float r, MemorySegment p1, long p1o, MemorySegment p2, long p2o, int c, int h, int w,
                            int r0, int r1) {
        long plane = 4L * h * w, row = 4L * w;
        for (int ch = 0; ch < c; ch++) {
            for (long o = ch * plane + r0 * row, end = ch * plane + r1 * row; o < end; o += 4) {
                put(p1, p1o + o, Math.max(-r, Math.min(r, get(p1, p1o + o))));
                put(p2, p2o + o, Math.max(-r, Math.min(r, get(p2, p2o + o))));
            }
        }
    }

    // ---------------------------------------------------------------- PDHG, eq. (14) [000]

    @Override
    public double pdhgPrimal(float tauX, float alpha, MemorySegment x, long xo, MemorySegment g, long go,
                             MemorySegment z1, long z1o, MemorySegment z2, long z2o, int c, int h, int w,
                             int r0, int r1, MemorySegment out, long oo) {
        long plane = 4L * h * w, row = 4L * w;
        double change = 0.0;
        for (int ch = 0; ch < c; ch++) {
            for (int i = r0; i < r1; i++) {
                long rel = ch * plane + i * row;
                boolean up = i > 0, down = i < h - 1;
                long upOff = up ? row : 0;
                for (int j = 0; j < w; j++) {
                    long o = rel + 4L * j;
                    float old = get(x, xo + o);
                    float t = get(g, go + o) - alpha * div(z1, z1o + o, upOff, up, down, z2, z2o + o, j, w);
                    float nu = old - tauX * t;
                    put(out, oo + o, nu);
                    float d = nu - old;
                    change += (double) d * d;
                }
            }
        }
        return change;
    }

    /** u = 2·xNew − xOld at byte offset {@code o} of the image. */
    private static float u(MemorySegment xn, long xno, MemorySegment xo, long xoo, long o) {
        return 2f * get(xn, xno + o) - get(xo, xoo + o);
    }

    @Override
    public double pdhgDualIsotropic(float sigma, MemorySegment xn, long xno, MemorySegment xo, long xoo,
                                    MemorySegment z1, long z1o, MemorySegment z2, long z2o, int c, int h, int w,
                                    int r0, int r1) {
        long plane = 4L * h * w, row = 4L * w;
        double change = 0.0;
        for (int i = r0; i < r1; i++) {
            boolean down = i < h - 1;
            long dn = down ? row : 0;
            for (int j = 0; j < w; j++) {
                boolean right = j < w - 1;
                long rt = right ? 4 : 0;
                long pix = i * row + 4L * j;
                // Two sweeps over the channels: the first for ‖q‖, the second recomputes q (from cache)
                // and writes, so no per-pixel buffer is needed for any C.
                float s = 0f;
                for (int ch = 0; ch < c; ch++) {
                    long o = pix + ch * plane;
                    float u = u(xn, xno, xo, xoo, o), ub = u(xn, xno, xo, xoo, o + dn), ur = u(xn, xno, xo, xoo, o + rt);
                    float q1 = get(z1, z1o + o) + sigma * (down ? ub - u : 0f);
                    float q2 = get(z2, z2o + o) + sigma * (right ? ur - u : 0f);
                    s += q1 * q1;
                    s += q2 * q2;
                }
                float scale = 1f / Math.max(1f, (float) Math.sqrt(s));
                for (int ch = 0; ch < c; ch++) {
                    long o = pix + ch * plane;
                    float u = u(xn, xno, xo, xoo, o), ub = u(xn, xno, xo, xoo, o + dn), ur = u(xn, xno, xo, xoo, o + rt);
                    float old1 = get(z1, z1o + o), old2 = get(z2, z2o + o);
                    float n1 = (old1 + sigma * (down ? ub - u : 0f)) * scale;
                    float n2 = (old2 + sigma * (right ? ur - u : 0f)) * scale;
                    put(z1, z1o + o, n1);
                    put(z2, z2o + o, n2);
                    float e1 = n1 - old1, e2 = n2 - old2;
                    change += (double) e1 * e1 + (double) e2 * e2;
                }
            }
        }
        return change;
    }

    @Override
    public double pdhgDualAnisotropic(float sigma, MemorySegment xn, long xno, MemorySegment xo, long xoo,
                                      MemorySegment z1, long z1o, MemorySegment z2, long z2o, int c, int h, int w,
                                      int r0, int r1) {
        long plane = 4L * h * w, row = 4L * w;
        double change = 0.0;
        for (int ch = 0; ch < c; ch++) {
            for (int i = r0; i < r1; i++) {
                boolean down = i < h - 1;
                long dn = down ? row : 0;
                for (int j = 0; j < w; j++) {
                    boolean right = j < w - 1;
                    long o = ch * plane + i * row + 4L * j;
                    float u = u(xn, xno, xo, xoo, o), ub = u(xn, xno, xo, xoo, o + dn);
                    float ur = u(xn, xno, xo, xoo, o + (right ? 4 : 0));
                    float old1 = get(z1, z1o + o), old2 = get(z2, z2o + o);
                    float q1 = old1 + sigma * (down ? ub - u : 0f);
                    float q2 = old2 + sigma * (right ? ur - u : 0f);
                    float n1 = Math.max(-1f, Math.min(1f, q1)), n2 = Math.max(-1f, Math.min(1f, q2));
                    put(z1, z1o + o, n1);
                    put(z2, z2o + o, n2);
                    float e1 = n1 - old1, e2 = n2 - old2;
                    change += (double) e1 * e1 + (double) e2 * e2;
                }
            }
        }
        return change;
    }
}
