package dev.netinvert.kernels.simd;

import static dev.netinvert.kernels.internal.SegmentFloats.fma;
import static dev.netinvert.kernels.internal.SegmentFloats.get;
import static dev.netinvert.kernels.internal.SegmentFloats.put;
import static dev.netinvert.kernels.simd.VectorConstants.LE;

import dev.netinvert.kernels.StencilSupport;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API implementation of the stencil kernels. Created only by {@link SimdKernelProvider}, which is
 * loaded after the check that {@code jdk.incubator.vector} is present.
 *
 * <h2>Shape of every kernel</h2>
 * Rows are contiguous, so the L lanes of a vector run along a row. ∂₂ needs x[j+1], an unaligned load 4
 * bytes further on; ∂₁ needs the same lanes of the next row, which the row-by-row sweep has just brought
 * into cache, so each array crosses the memory bus once per pass. When a row holds at least one vector
 * (w ≥ L), lane groups cover the whole row and start at min(k·L, w − L): when w is not a multiple of L
 * the last group ends exactly at the row's end and overlaps the previous one by
 * {@code skip = k·L − start} lanes. Out-of-place kernels rewrite those lanes with the same values;
 * in-place kernels find the final values already there and blend them back unchanged (their change is
 * exactly 0); reductions leave them out (lanes with index &lt; skip, one compare with the lane index).
 * The paper's boundary rule is applied inside the groups: the group that ends a row takes its right
 * neighbours from its own lanes (the NEXT shuffle) instead of loading past the row, the group that
 * starts a row takes its left neighbours from PREV, and the differences the rule removes are blended to
 * 0. Rows narrower than L go through the scalar code. No masked loads or stores.
 *
 * <h2>Interior groups</h2>
 * Only the row's first and last groups need the boundary rule, the overlap and the shuffles. Each kernel runs
 * its general body for those two and, between them, a plain loop over the interior groups (start k·L, neighbours
 * at ±4 bytes by unaligned loads, nothing blended but the per-row masks): the same operations on the same values
 * for those lanes, hence the same bits, with a linear index whose range checks C2 takes out of the loop. Written
 * as one loop over the general body ({@code for (k = 0; ; k = split ? groups − 1 : k + 1)}), whose first pass
 * runs the interior loop before the last group, so groups are still visited in row order (the in-place dual
 * steps' overlap and the reductions' order depend on it); rows of fewer than {@link #SPLIT_GROUPS} groups skip
 * it. The general body costs the per-group min, compares, NEXT/PREV shuffles and blends, and range checks on a
 * non-linear index: under AVX2 (Zen 3, JMH, two forks, medians of the head's two runs → this) ∇ at 512²
 * 120-135 → 64 µs, div 132-144 → 72, the primal step 212-246 → 108, the isotropic dual step 357-389 → 222, and at
 * 2048² the dual step 6 062-6 292 → 3 898 µs, isotropic TV 4 024-4 242 → 2 309 (jmh/RESULTS.md, sixteenth
 * session).
 *
 * <h2>Loads are unconditional</h2>
 * Every load in a loop runs on every iteration and stays inside the image: in the last row the "row
 * below" pointer is the row itself and the difference is blended to 0 by a per-row mask (likewise the
 * row above in row 0). A load under a branch inside a loop lets C2 hoist its range check on the
 * strength of the profile; the check then fails at the image's last row and the method is deoptimised
 * and recompiled over and over.
 *
 * <h2>Small methods</h2>
 * Each kernel's loop over rows and lane groups is one method with its vector body written out in it (general and
 * interior), which returns a float or double; no helper takes or returns a vector, and loads, stores and FMAs call the
 * Vector API directly (its methods are {@code @ForceInline}, so C2 inlines them whatever the profile says). A Vector API method that grows
 * past C2's inlining budget (NodeCountInliningCutoff) stops inlining, and a vector helper that got
 * compiled on its own while still cold is refused later ("already compiled into a big method"); either
 * way every vector crossing the call is boxed: the first version of the fused dual step allocated
 * ~0.5 MB per 64×64 call and ran 20× slower. For the same reason the lane sums are written out in each
 * kernel (a loop over {@link Lanes#fold}, which returns a constant shuffle, not a vector): a call to
 * {@code Lanes.sum(acc)} was refused with "NodeCountInliningCutoff" in the fused PDHG steps, and the
 * boxed accumulator cost 2-22 KB per iteration of a 32×32 PDHG-TV solve, at 512 bits as at 256. The skipped lanes of an overlapping last vector are the
 * lanes whose index is below {@code skip}: {@code iota ≥ skip}, one compare.
 *
 * <h2>Bitwise agreement</h2>
 * The scalar boundary code performs the same operations as a vector lane (including the fused multiply-add),
 * so which path computes a pixel does not change its value; row-block splits are therefore exact.
 * Reductions keep one float accumulator vector per row and add the row's lane sum into a double.
 *
 * <p>Offsets: {@code plane} = 4·h·w bytes between channels, {@code row} = 4·w bytes between rows,
 * {@code rel} the byte offset of row i of channel ch — the same in every array of the image's shape.
 */
public final class SimdStencilSupport implements StencilSupport {

    // static final so that C2 treats species and length as constants (DESIGN.md decision 3).
    private static final VectorSpecies<Float> F = VectorConstants.SPECIES;
    private static final int L = F.length();
    private static final long LB = 4L * L;
    /**
     * Rows of at least this many lane groups take the interior loop (class comment); shorter rows run the general
     * body on every group. Under AVX2 (one JMH fork each, two rounds) the interior loop lost 10-20 % at 8 groups per
     * row (∇ 2.7-2.9 → 3.1-3.2 µs, primal step 4.6-5.1 → 5.9-6.1 µs at 64²: C2's set-up of the loop per row) and
     * won from 16 (∇ 9.6-10.2 → 7.0-9.6, primal 16.8-18.3 → 12.2-15.4 at 128²).
     */
    private static final int SPLIT_GROUPS = 12;
    /** Lane k ← lane k+1 (the last lane keeps its own): the right neighbours of the group that ends a row. */
    private static final VectorShuffle<Float> NEXT = VectorShuffle.fromOp(F, k -> Math.min(k + 1, L - 1));
    /** Lane k ← lane k−1 (lane 0 keeps its own): the left neighbours of the group that starts a row. */
    private static final VectorShuffle<Float> PREV = VectorShuffle.fromOp(F, k -> Math.max(k - 1, 0));

    SimdStencilSupport() {}

    @Override public String name() { return "simd"; }

    /** The largest multiple of L that is ≤ t: where the vectors that end before column t stop. */
    private static int alignedBelow(int t) {
        return t - t % L;
    }

    // ---------------------------------------------------------------- ∇

    @Override
    public void gradient(MemorySegment x, long xo, int c, int h, int w, int r0, int r1,
                         MemorySegment d1, long d1o, MemorySegment d2, long d2o) {
        long plane = 4L * h * w, row = 4L * w;
        if (w >= L) {
            gradientRows(x, xo, c, h, w, r0, r1, d1, d1o, d2, d2o);
            return;
        }
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

    /**
     * Rows [r0, r1) for w ≥ L: one sweep per row writing both planes from the same loads of x (two
     * separate sweeps ran slower than the plain loop at 2048², where the image comes from DRAM). Groups
     * start at min(k·L, w − L); d1, d2 are not inputs, so the overlapping last group just rewrites the
     * same values. The group holding the last column takes its right neighbours from its own lanes
     * (NEXT) instead of loading past the row, and its ∂₂ lane there is blended to 0.
     */
    private static void gradientRows(MemorySegment x, long xo, int c, int h, int w, int r0, int r1,
                                     MemorySegment d1, long d1o, MemorySegment d2, long d2o) {
        long plane = 4L * h * w, row = 4L * w;
        int groups = (w + L - 1) / L;
        boolean split = groups >= SPLIT_GROUPS;
        FloatVector iota = FloatVector.zero(F).addIndex(1);
        for (int ch = 0; ch < c; ch++) {
            for (int i = r0; i < r1; i++) {
                boolean down = i < h - 1;
                long rel = ch * plane + i * row, dn = down ? row : 0;
                VectorMask<Float> noDown = F.maskAll(!down);
                for (int k = 0; ; k = split ? groups - 1 : k + 1) { // the row's first and last groups, the interior between them
                    int j = Math.min(k * L, w - L);
                    long o = rel + 4L * j, rs = j + L < w ? 4 : 0;
                    FloatVector v = FloatVector.fromMemorySegment(F, x, xo + o, LE);
                    FloatVector right = FloatVector.fromMemorySegment(F, x, xo + o + rs, LE).blend(v.rearrange(NEXT), F.maskAll(rs == 0));
                    (FloatVector.fromMemorySegment(F, x, xo + o + dn, LE).sub(v).blend(0f, noDown)).intoMemorySegment(d1, d1o + o, LE);
                    (right.sub(v).blend(0f, iota.compare(VectorOperators.GE, (float) (w - 1 - j)))).intoMemorySegment(d2, d2o + o, LE);
                    if (k == groups - 1) {
                        break;
                    }
                    for (long q = rel + LB, e = rel + LB * (split ? groups - 1 : 1); q < e; q += LB) {
                        FloatVector u = FloatVector.fromMemorySegment(F, x, xo + q, LE);
                        (FloatVector.fromMemorySegment(F, x, xo + q + dn, LE).sub(u).blend(0f, noDown)).intoMemorySegment(d1, d1o + q, LE);
                        (FloatVector.fromMemorySegment(F, x, xo + q + 4, LE).sub(u)).intoMemorySegment(d2, d2o + q, LE);
                    }
                }
            }
        }
    }

    /** out ← a − b over n floats; out overlaps neither a nor b, so the last vector may overlap the previous one. */
    private static void sub(MemorySegment a, long ao, MemorySegment b, long bo, MemorySegment out, long oo, int n) {
        if (n < L) {
            for (int j = 0; j < n; j++) {
                long o = 4L * j;
                put(out, oo + o, get(a, ao + o) - get(b, bo + o));
            }
            return;
        }
        int j = 0;
        for (; j + L <= n; j += L) {
            long o = 4L * j;
            (FloatVector.fromMemorySegment(F, a, ao + o, LE).sub(FloatVector.fromMemorySegment(F, b, bo + o, LE))).intoMemorySegment(out, oo + o, LE);
        }
        if (j < n) {
            long o = 4L * (n - L);
            (FloatVector.fromMemorySegment(F, a, ao + o, LE).sub(FloatVector.fromMemorySegment(F, b, bo + o, LE))).intoMemorySegment(out, oo + o, LE);
        }
    }

    private static void zero(MemorySegment out, long oo, int n) {
        FloatVector z = FloatVector.zero(F);
        if (n < L) {
            for (int j = 0; j < n; j++) {
                put(out, oo + 4L * j, 0f);
            }
            return;
        }
        int j = 0;
        for (; j + L <= n; j += L) {
            z.intoMemorySegment(out, oo + 4L * j, LE);
        }
        if (j < n) {
            z.intoMemorySegment(out, oo + 4L * (n - L), LE);
        }
    }

    // ---------------------------------------------------------------- div = −∇ᵀ

    @Override
    public void divergence(MemorySegment p1, long p1o, MemorySegment p2, long p2o, int c, int h, int w,
                           int r0, int r1, MemorySegment out, long oo) {
        long plane = 4L * h * w, row = 4L * w;
        if (w >= L) {
            divergenceRows(p1, p1o, p2, p2o, c, h, w, r0, r1, out, oo);
            return;
        }
        for (int ch = 0; ch < c; ch++) {
            for (int i = r0; i < r1; i++) {
                long rel = ch * plane + i * row;
                boolean up = i > 0, down = i < h - 1;
                long upOff = up ? row : 0;
                for (int j = 0; j < w; j++) {
                    long o = rel + 4L * j;
                    put(out, oo + o, divAt(p1, p1o + o, upOff, up, down, p2, p2o + o, j, w));
                }
            }
        }
    }

    /**
     * Rows [r0, r1) for w ≥ L: (div p) = (a1 − b1) + (a2 − b2) with the terms the boundary rule removes
     * blended to 0 (as 0 − b, not −b, so that signed zeros match the reference): a1 in the last row, b1 in
     * the first, a2 in the last column, b2 in the first. The group starting the row takes p2[j−1] from its
     * own lanes (PREV) instead of loading before the row. Groups start at min(k·L, w − L); out is not an
     * input, so the overlapping last group rewrites the same values.
     */
    private static void divergenceRows(MemorySegment p1, long p1o, MemorySegment p2, long p2o, int c, int h, int w,
                                       int r0, int r1, MemorySegment out, long oo) {
        long plane = 4L * h * w, row = 4L * w;
        int groups = (w + L - 1) / L;
        boolean split = groups >= SPLIT_GROUPS;
        FloatVector iota = FloatVector.zero(F).addIndex(1);
        for (int ch = 0; ch < c; ch++) {
            for (int i = r0; i < r1; i++) {
                long rel = ch * plane + i * row;
                boolean up = i > 0, down = i < h - 1;
                long upOff = up ? row : 0;
                VectorMask<Float> noUp = F.maskAll(!up), noDown = F.maskAll(!down);
                for (int k = 0; ; k = split ? groups - 1 : k + 1) { // the row's first and last groups, the interior between them
                    int j = Math.min(k * L, w - L);
                    long o = rel + 4L * j, ls = j > 0 ? 4 : 0;
                    FloatVector b2 = FloatVector.fromMemorySegment(F, p2, p2o + o - ls, LE);
                    b2 = b2.blend(b2.rearrange(PREV), F.maskAll(ls == 0))
                            .blend(0f, iota.compare(VectorOperators.LT, (float) (1 - j)));
                    FloatVector a2 = FloatVector.fromMemorySegment(F, p2, p2o + o, LE).blend(0f, iota.compare(VectorOperators.GE, (float) (w - 1 - j)));
                    FloatVector v1 = FloatVector.fromMemorySegment(F, p1, p1o + o, LE).blend(0f, noDown).sub(FloatVector.fromMemorySegment(F, p1, p1o + o - upOff, LE).blend(0f, noUp));
                    (v1.add(a2.sub(b2))).intoMemorySegment(out, oo + o, LE);
                    if (k == groups - 1) {
                        break;
                    }
                    for (long q = rel + LB, e = rel + LB * (split ? groups - 1 : 1); q < e; q += LB) {
                        FloatVector u1 = FloatVector.fromMemorySegment(F, p1, p1o + q, LE).blend(0f, noDown).sub(FloatVector.fromMemorySegment(F, p1, p1o + q - upOff, LE).blend(0f, noUp));
                        (u1.add(FloatVector.fromMemorySegment(F, p2, p2o + q, LE).sub(FloatVector.fromMemorySegment(F, p2, p2o + q - 4, LE)))).intoMemorySegment(out, oo + q, LE);
                    }
                }
            }
        }
    }

    /** (div p) at column j, pointers at the pixel; loads always in bounds, absent terms selected to 0. */
    private static float divAt(MemorySegment p1, long p1at, long upOff, boolean up, boolean down,
                               MemorySegment p2, long p2at, int j, int w) {
        float a1 = get(p1, p1at), b1 = get(p1, p1at - upOff);
        float a2 = get(p2, p2at), b2 = get(p2, p2at - (j > 0 ? 4 : 0));
        return ((down ? a1 : 0f) - (up ? b1 : 0f)) + ((j < w - 1 ? a2 : 0f) - (j > 0 ? b2 : 0f));
    }

    // ---------------------------------------------------------------- values

    @Override
    public double tvIsotropic(MemorySegment x, long xo, int c, int h, int w, int r0, int r1) {
        long plane = 4L * h * w, row = 4L * w;
        if (w >= L) {
            return tvIsoRows(x, xo, c, h, w, r0, r1);
        }
        double sum = 0.0;
        for (int i = r0; i < r1; i++) {
            boolean down = i < h - 1;
            long dn = down ? row : 0, xr = xo + i * row;
            for (int j = 0; j < w; j++) {
                sum += tvIsoAt(x, xr + 4L * j, plane, c, dn, down, j < w - 1);
            }
        }
        return sum;
    }

    /**
     * Rows [r0, r1) for w ≥ L: groups start at min(k·L, w − L), so the last one ends at the row's end;
     * its first {@code k·L − start} lanes, already counted, are left out of the sum. The group holding the
     * last column takes its right neighbours from its own lanes (NEXT) and blends ∂₂ there to 0.
     */
    private static double tvIsoRows(MemorySegment x, long xo, int c, int h, int w, int r0, int r1) {
        long plane = 4L * h * w, row = 4L * w;
        int groups = (w + L - 1) / L;
        boolean split = groups >= SPLIT_GROUPS;
        FloatVector iota = FloatVector.zero(F).addIndex(1);
        double sum = 0.0;
        for (int i = r0; i < r1; i++) {
            boolean down = i < h - 1;
            long dn = down ? row : 0, xr = xo + i * row;
            VectorMask<Float> noDown = F.maskAll(!down);
            FloatVector acc = FloatVector.zero(F);
            for (int k = 0; ; k = split ? groups - 1 : k + 1) { // the row's first and last groups, the interior between them
                int j = Math.min(k * L, w - L);
                long rs = j + L < w ? 4 : 0;
                VectorMask<Float> lastGroup = F.maskAll(rs == 0);
                VectorMask<Float> noRight = iota.compare(VectorOperators.GE, (float) (w - 1 - j));
                FloatVector s = FloatVector.zero(F);
                for (int ch = 0; ch < c; ch++) {
                    long o = xr + ch * plane + 4L * j;
                    FloatVector v = FloatVector.fromMemorySegment(F, x, o, LE);
                    FloatVector d1 = FloatVector.fromMemorySegment(F, x, o + dn, LE).sub(v).blend(0f, noDown);
                    FloatVector d2 = FloatVector.fromMemorySegment(F, x, o + rs, LE).blend(v.rearrange(NEXT), lastGroup).sub(v).blend(0f, noRight);
                    s = d2.fma(d2, d1.fma(d1, s));
                }
                acc = acc.add(s.sqrt(), iota.compare(VectorOperators.GE, (float) (k * L - j)));
                if (k == groups - 1) {
                    break;
                }
                for (long q = xr + LB, e = xr + LB * (split ? groups - 1 : 1); q < e; q += LB) {
                    FloatVector t = FloatVector.zero(F);
                    for (int ch = 0; ch < c; ch++) {
                        long o = q + ch * plane;
                        FloatVector v = FloatVector.fromMemorySegment(F, x, o, LE);
                        FloatVector d1 = FloatVector.fromMemorySegment(F, x, o + dn, LE).sub(v).blend(0f, noDown);
                        FloatVector d2 = FloatVector.fromMemorySegment(F, x, o + 4, LE).sub(v);
                        t = d2.fma(d2, d1.fma(d1, t));
                    }
                    acc = acc.add(t.sqrt());
                }
            }
            for (int f = L / 2; f > 0; f >>= 1) { // Σ lanes, Lanes' fixed butterfly written out (see class doc)
                acc = acc.add(acc.rearrange(Lanes.fold(f)));
            }
            sum += acc.lane(0);
        }
        return sum;
    }

    private static float tvIsoAt(MemorySegment x, long at, long plane, int c, long dn, boolean down, boolean right) {
        float s = 0f;
        for (int ch = 0; ch < c; ch++) {
            long o = at + ch * plane;
            float v = get(x, o), below = get(x, o + dn), next = get(x, o + (right ? 4 : 0));
            float d1 = down ? below - v : 0f, d2 = right ? next - v : 0f;
            s = fma(d2, d2, fma(d1, d1, s));
        }
        return (float) Math.sqrt(s);
    }

    @Override
    public double tvAnisotropic(MemorySegment x, long xo, int c, int h, int w, int r0, int r1) {
        long plane = 4L * h * w, row = 4L * w;
        if (w >= L) {
            return tvAnisoRows(x, xo, c, h, w, r0, r1);
        }
        double sum = 0.0;
        for (int ch = 0; ch < c; ch++) {
            for (int i = r0; i < r1; i++) {
                boolean down = i < h - 1;
                long dn = down ? row : 0, xr = xo + ch * plane + i * row;
                for (int j = 0; j < w; j++) {
                    sum += tvAnisoAt(x, xr + 4L * j, dn, down, j < w - 1);
                }
            }
        }
        return sum;
    }

    /** As {@link #tvIsoRows}, channel planes one after the other. */
    private static double tvAnisoRows(MemorySegment x, long xo, int c, int h, int w, int r0, int r1) {
        long plane = 4L * h * w, row = 4L * w;
        int groups = (w + L - 1) / L;
        boolean split = groups >= SPLIT_GROUPS;
        FloatVector iota = FloatVector.zero(F).addIndex(1);
        double sum = 0.0;
        for (int ch = 0; ch < c; ch++) {
            for (int i = r0; i < r1; i++) {
                boolean down = i < h - 1;
                long dn = down ? row : 0, xr = xo + ch * plane + i * row;
                VectorMask<Float> noDown = F.maskAll(!down);
                FloatVector acc = FloatVector.zero(F);
                for (int k = 0; ; k = split ? groups - 1 : k + 1) { // the row's first and last groups, the interior between them
                    int j = Math.min(k * L, w - L);
                    long o = xr + 4L * j, rs = j + L < w ? 4 : 0;
                    FloatVector v = FloatVector.fromMemorySegment(F, x, o, LE);
                    FloatVector d1 = FloatVector.fromMemorySegment(F, x, o + dn, LE).sub(v).blend(0f, noDown);
                    FloatVector d2 = FloatVector.fromMemorySegment(F, x, o + rs, LE).blend(v.rearrange(NEXT), F.maskAll(rs == 0)).sub(v)
                            .blend(0f, iota.compare(VectorOperators.GE, (float) (w - 1 - j)));
                    acc = acc.add(d1.abs().add(d2.abs()), iota.compare(VectorOperators.GE, (float) (k * L - j)));
                    if (k == groups - 1) {
                        break;
                    }
                    for (long q = xr + LB, e = xr + LB * (split ? groups - 1 : 1); q < e; q += LB) {
                        FloatVector u = FloatVector.fromMemorySegment(F, x, q, LE);
                        FloatVector e1 = FloatVector.fromMemorySegment(F, x, q + dn, LE).sub(u).blend(0f, noDown);
                        FloatVector e2 = FloatVector.fromMemorySegment(F, x, q + 4, LE).sub(u);
                        acc = acc.add(e1.abs().add(e2.abs()));
                    }
                }
                for (int f = L / 2; f > 0; f >>= 1) { // Σ lanes, Lanes' fixed butterfly written out (see class doc)
                    acc = acc.add(acc.rearrange(Lanes.fold(f)));
                }
                sum += acc.lane(0);
            }
        }
        return sum;
    }

    private static float tvAnisoAt(MemorySegment x, long o, long dn, boolean down, boolean right) {
        float v = get(x, o), below = get(x, o + dn), next = get(x, o + (right ? 4 : 0));
        float d1 = down ? below - v : 0f, d2 = right ? next - v : 0f;
        return Math.abs(d1) + Math.abs(d2);
    }

    @Override
    public double norm21(MemorySegment p1, long p1o, MemorySegment p2, long p2o, int c, int h, int w,
                         int r0, int r1) {
        long plane = 4L * h * w, row = 4L * w;
        double sum = 0.0;
        for (int i = r0; i < r1; i++) {
            long pr = i * row;
            if (w < L) {
                for (int j = 0; j < w; j++) {
                    sum += (float) Math.sqrt(sumOfSquaresAt(p1, p1o, p2, p2o, c, plane, pr + 4L * j));
                }
            } else {
                int jv = alignedBelow(w);
                double rowSum = norm21Run(p1, p1o, p2, p2o, c, plane, pr, 0, jv, 0);
                if (jv < w) {
                    rowSum += norm21Run(p1, p1o, p2, p2o, c, plane, pr, w - L, w, jv - (w - L));
                }
                sum += rowSum;
            }
        }
        return sum;
    }

    private static float norm21Run(MemorySegment p1, long p1o, MemorySegment p2, long p2o, int c, long plane,
                                   long pr, int from, int to, int skip) {
        VectorMask<Float> keep = FloatVector.zero(F).addIndex(1).compare(VectorOperators.GE, (float) skip);
        FloatVector acc = FloatVector.zero(F);
        for (int j = from; j + L <= to; j += L) {
            FloatVector s = FloatVector.zero(F);
            for (int ch = 0; ch < c; ch++) {
                long o = pr + 4L * j + ch * plane;
                FloatVector a = FloatVector.fromMemorySegment(F, p1, p1o + o, LE), b = FloatVector.fromMemorySegment(F, p2, p2o + o, LE);
                s = b.fma(b, a.fma(a, s));
            }
            acc = acc.add(s.sqrt(), keep);
        }
        for (int f = L / 2; f > 0; f >>= 1) { // Σ lanes, Lanes' fixed butterfly written out (see class doc)
            acc = acc.add(acc.rearrange(Lanes.fold(f)));
        }
        return acc.lane(0);
    }

    @Override
    public double norm11(MemorySegment p1, long p1o, MemorySegment p2, long p2o, int c, int h, int w,
                         int r0, int r1) {
        long plane = 4L * h * w, row = 4L * w;
        double sum = 0.0;
        for (int ch = 0; ch < c; ch++) {
            for (int i = r0; i < r1; i++) {
                long a = p1o + ch * plane + i * row, b = p2o + ch * plane + i * row;
                if (w < L) {
                    for (int j = 0; j < w; j++) {
                        long o = 4L * j;
                        sum += Math.abs(get(p1, a + o)) + Math.abs(get(p2, b + o));
                    }
                } else {
                    int jv = alignedBelow(w);
                    double rowSum = norm11Run(p1, a, p2, b, 0, jv, 0);
                    if (jv < w) {
                        rowSum += norm11Run(p1, a, p2, b, w - L, w, jv - (w - L));
                    }
                    sum += rowSum;
                }
            }
        }
        return sum;
    }

    private static float norm11Run(MemorySegment p1, long a, MemorySegment p2, long b, int from, int to, int skip) {
        VectorMask<Float> keep = FloatVector.zero(F).addIndex(1).compare(VectorOperators.GE, (float) skip);
        FloatVector acc = FloatVector.zero(F);
        for (int j = from; j + L <= to; j += L) {
            long o = 4L * j;
            acc = acc.add(FloatVector.fromMemorySegment(F, p1, a + o, LE).abs().add(FloatVector.fromMemorySegment(F, p2, b + o, LE).abs()), keep);
        }
        for (int f = L / 2; f > 0; f >>= 1) { // Σ lanes, Lanes' fixed butterfly written out (see class doc)
            acc = acc.add(acc.rearrange(Lanes.fold(f)));
        }
        return acc.lane(0);
    }

    private static float sumOfSquaresAt(MemorySegment p1, long p1o, MemorySegment p2, long p2o, int c,
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
        // The rows [r0, r1) of one channel are contiguous: one run of pixels. The scalar tail (< L pixels
        // per call) does a vector lane's operations, so how a caller splits rows changes no value.
        long start = r0 * row;
        int n = (r1 - r0) * w;
        int k = alignedBelow(n);
        projectL2Run(r, p1, p1o, p2, p2o, c, plane, start, k);
        for (; k < n; k++) {
            long pix = start + 4L * k;
            float scale = 1f / Math.max((float) Math.sqrt(sumOfSquaresAt(p1, p1o, p2, p2o, c, plane, pix)) / r, 1f);
            for (int ch = 0; ch < c; ch++) {
                long a = p1o + pix + ch * plane, b = p2o + pix + ch * plane;
                put(p1, a, get(p1, a) * scale);
                put(p2, b, get(p2, b) * scale);
            }
        }
    }

    private static void projectL2Run(float r, MemorySegment p1, long p1o, MemorySegment p2, long p2o, int c,
                                     long plane, long start, int n) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int k = 0; k + L <= n; k += L) {
            long pix = start + 4L * k;
            FloatVector s = FloatVector.zero(F);
            for (int ch = 0; ch < c; ch++) {
                FloatVector a = FloatVector.fromMemorySegment(F, p1, p1o + pix + ch * plane, LE), b = FloatVector.fromMemorySegment(F, p2, p2o + pix + ch * plane, LE);
                s = b.fma(b, a.fma(a, s));
            }
            // scale = 1/max(1, ‖p‖/r): exactly 1 inside the ball, so those pixels keep their bits.
            FloatVector scale = one.div(s.sqrt().div(r).max(1f));
            for (int ch = 0; ch < c; ch++) {
                long a = p1o + pix + ch * plane, b = p2o + pix + ch * plane;
                (FloatVector.fromMemorySegment(F, p1, a, LE).mul(scale)).intoMemorySegment(p1, a, LE);
                (FloatVector.fromMemorySegment(F, p2, b, LE).mul(scale)).intoMemorySegment(p2, b, LE);
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
            for (; k + L <= n; k += L) {
                long o = 4L * k;
                (FloatVector.fromMemorySegment(F, p1, a + o, LE).min(r).max(-r)).intoMemorySegment(p1, a + o, LE);
                (FloatVector.fromMemorySegment(F, p2, b + o, LE).min(r).max(-r)).intoMemorySegment(p2, b + o, LE);
            }
            for (; k < n; k++) {
                long o = 4L * k;
                put(p1, a + o, Math.max(-r, Math.min(r, get(p1, a + o))));
                put(p2, b + o, Math.max(-r, Math.min(r, get(p2, b + o))));
            }
        }
    }

    // ---------------------------------------------------------------- PDHG primal step, eq. (14a) [000]

    @Override
    public double pdhgPrimal(float tauX, float alpha, MemorySegment x, long xo, MemorySegment g, long go,
                             MemorySegment z1, long z1o, MemorySegment z2, long z2o, int c, int h, int w,
                             int r0, int r1, MemorySegment out, long oo) {
        if (w >= L) {
            return primalRows(tauX, alpha, x, xo, g, go, z1, z1o, z2, z2o, c, h, w, r0, r1, out, oo);
        }
        long plane = 4L * h * w, row = 4L * w;
        double change = 0.0;
        for (int ch = 0; ch < c; ch++) {
            for (int i = r0; i < r1; i++) {
                long rel = ch * plane + i * row;
                boolean up = i > 0, down = i < h - 1;
                long upOff = up ? row : 0;
                for (int j = 0; j < w; j++) {
                    long o = rel + 4L * j;
                    change += primalAt(tauX, alpha, x, xo + o, g, go + o, z1, z1o + o, upOff, up, down, z2, z2o + o,
                            j, w, out, oo + o);
                }
            }
        }
        return change;
    }

    /**
     * Rows [r0, r1) for w ≥ L: x⁺ = x − τx·(g − α·div z) in one pass, div z formed as in
     * {@link #divergenceRows} from z's rows i−1 and i (no temporary). Groups start at min(k·L, w − L);
     * the overlapping last group rewrites lanes of the previous one with the same values (out is not an
     * input) and leaves them out of Σ (x⁺ − x)².
     */
    private static double primalRows(float tauX, float alpha, MemorySegment x, long xo, MemorySegment g, long go,
                                     MemorySegment z1, long z1o, MemorySegment z2, long z2o, int c, int h, int w,
                                     int r0, int r1, MemorySegment out, long oo) {
        long plane = 4L * h * w, row = 4L * w;
        int groups = (w + L - 1) / L;
        boolean split = groups >= SPLIT_GROUPS;
        FloatVector iota = FloatVector.zero(F).addIndex(1);
        FloatVector negAlpha = FloatVector.broadcast(F, -alpha), negTau = FloatVector.broadcast(F, -tauX);
        double change = 0.0;
        for (int ch = 0; ch < c; ch++) {
            for (int i = r0; i < r1; i++) {
                long rel = ch * plane + i * row;
                boolean up = i > 0, down = i < h - 1;
                long upOff = up ? row : 0;
                VectorMask<Float> noUp = F.maskAll(!up), noDown = F.maskAll(!down);
                FloatVector acc = FloatVector.zero(F);
                for (int k = 0; ; k = split ? groups - 1 : k + 1) { // the row's first and last groups, the interior between them
                    int j = Math.min(k * L, w - L);
                    long o = rel + 4L * j, ls = j > 0 ? 4 : 0;
                    FloatVector b2 = FloatVector.fromMemorySegment(F, z2, z2o + o - ls, LE);
                    b2 = b2.blend(b2.rearrange(PREV), F.maskAll(ls == 0))
                            .blend(0f, iota.compare(VectorOperators.LT, (float) (1 - j)));
                    FloatVector a2 = FloatVector.fromMemorySegment(F, z2, z2o + o, LE).blend(0f, iota.compare(VectorOperators.GE, (float) (w - 1 - j)));
                    FloatVector dv = FloatVector.fromMemorySegment(F, z1, z1o + o, LE).blend(0f, noDown).sub(FloatVector.fromMemorySegment(F, z1, z1o + o - upOff, LE).blend(0f, noUp))
                            .add(a2.sub(b2));
                    FloatVector xv = FloatVector.fromMemorySegment(F, x, xo + o, LE);
                    FloatVector nu = negTau.fma(negAlpha.fma(dv, FloatVector.fromMemorySegment(F, g, go + o, LE)), xv);
                    nu.intoMemorySegment(out, oo + o, LE);
                    FloatVector d = nu.sub(xv);
                    acc = acc.add(d.mul(d), iota.compare(VectorOperators.GE, (float) (k * L - j)));
                    if (k == groups - 1) {
                        break;
                    }
                    for (long q = rel + LB, e = rel + LB * (split ? groups - 1 : 1); q < e; q += LB) {
                        FloatVector dq = FloatVector.fromMemorySegment(F, z1, z1o + q, LE).blend(0f, noDown).sub(FloatVector.fromMemorySegment(F, z1, z1o + q - upOff, LE).blend(0f, noUp))
                                .add(FloatVector.fromMemorySegment(F, z2, z2o + q, LE).sub(FloatVector.fromMemorySegment(F, z2, z2o + q - 4, LE)));
                        FloatVector xq = FloatVector.fromMemorySegment(F, x, xo + q, LE);
                        FloatVector nq = negTau.fma(negAlpha.fma(dq, FloatVector.fromMemorySegment(F, g, go + q, LE)), xq);
                        nq.intoMemorySegment(out, oo + q, LE);
                        FloatVector dd = nq.sub(xq);
                        acc = acc.add(dd.mul(dd));
                    }
                }
                for (int f = L / 2; f > 0; f >>= 1) { // Σ lanes, Lanes' fixed butterfly written out (see class doc)
                    acc = acc.add(acc.rearrange(Lanes.fold(f)));
                }
                change += acc.lane(0);
            }
        }
        return change;
    }

    private static float primalAt(float tauX, float alpha, MemorySegment x, long xat, MemorySegment g, long gat,
                                  MemorySegment z1, long z1at, long upOff, boolean up, boolean down,
                                  MemorySegment z2, long z2at, int j, int w, MemorySegment out, long oat) {
        float old = get(x, xat);
        float nu = fma(-tauX, fma(-alpha, divAt(z1, z1at, upOff, up, down, z2, z2at, j, w), get(g, gat)), old);
        put(out, oat, nu);
        float d = nu - old;
        return d * d;
    }

    // ---------------------------------------------------------------- PDHG dual step, eq. (14b) [000]

    private static float uAt(MemorySegment xn, long xno, MemorySegment xo, long xoo, long o) {
        return 2f * get(xn, xno + o) - get(xo, xoo + o);
    }

    @Override
    public double pdhgDualIsotropic(float sigma, MemorySegment xn, long xno, MemorySegment xo, long xoo,
                                    MemorySegment z1, long z1o, MemorySegment z2, long z2o, int c, int h, int w,
                                    int r0, int r1) {
        // C > 1 couples 2·C vectors per lane group through ‖q‖: spelled out, that exceeds C2's inlining
        // budget; as a loop over the channels, C2 boxes the vectors it carries. Either way every lane
        // group would allocate, so C > 1 takes the per-pixel code (C = 1 is the paper's case).
        if (c == 1 && w >= L) {
            return dualIso1Rows(sigma, xn, xno, xo, xoo, z1, z1o, z2, z2o, h, w, r0, r1);
        }
        long plane = 4L * h * w, row = 4L * w;
        double change = 0.0;
        for (int i = r0; i < r1; i++) {
            boolean down = i < h - 1;
            long rel = i * row, dn = down ? row : 0;
            for (int j = 0; j < w; j++) {
                change += dualIsoAt(sigma, xn, xno, xo, xoo, z1, z1o, z2, z2o, c, plane, rel + 4L * j, dn, down, j < w - 1);
            }
        }
        return change;
    }

    /**
     * One channel, the case of sec. 5.1 [000], rows [r0, r1), w ≥ L: one sweep in which each lane group
     * loads x⁺ and x at j, j+1 and the next row, and z1, z2 once, keeping q in registers. Groups start at
     * min(k·L, w − L); the group holding the last column takes u's right neighbours from its own lanes
     * (NEXT) and blends ∂₂ there to 0. z is updated in place, so the last group, which overlaps the
     * previous one, re-reads lanes that already hold their final values and keeps them (blend with what
     * it loaded): their change is exactly 0. Returns Σ (z⁺ − z)².
     */
    private static double dualIso1Rows(float sigma, MemorySegment xn, long xno, MemorySegment xo, long xoo,
                                       MemorySegment z1, long z1o, MemorySegment z2, long z2o, int h, int w,
                                       int r0, int r1) {
        long row = 4L * w;
        int groups = (w + L - 1) / L;
        boolean split = groups >= SPLIT_GROUPS;
        FloatVector iota = FloatVector.zero(F).addIndex(1);
        FloatVector sig = FloatVector.broadcast(F, sigma), one = FloatVector.broadcast(F, 1f);
        double change = 0.0;
        for (int i = r0; i < r1; i++) {
            boolean down = i < h - 1;
            long rel = i * row, dn = down ? row : 0;
            VectorMask<Float> noDown = F.maskAll(!down);
            FloatVector acc = FloatVector.zero(F);
            for (int k = 0; ; k = split ? groups - 1 : k + 1) { // the row's first and last groups, the interior between them
                int j = Math.min(k * L, w - L);
                long o = rel + 4L * j, rs = j + L < w ? 4 : 0;
                VectorMask<Float> keep = iota.compare(VectorOperators.GE, (float) (k * L - j));
                FloatVector a = FloatVector.fromMemorySegment(F, xn, xno + o, LE), ad = FloatVector.fromMemorySegment(F, xn, xno + o + dn, LE), ar = FloatVector.fromMemorySegment(F, xn, xno + o + rs, LE);
                FloatVector u = a.add(a).sub(FloatVector.fromMemorySegment(F, xo, xoo + o, LE));
                FloatVector ur = ar.add(ar).sub(FloatVector.fromMemorySegment(F, xo, xoo + o + rs, LE)).blend(u.rearrange(NEXT), F.maskAll(rs == 0));
                FloatVector d1 = ad.add(ad).sub(FloatVector.fromMemorySegment(F, xo, xoo + o + dn, LE)).sub(u).blend(0f, noDown);
                FloatVector d2 = ur.sub(u).blend(0f, iota.compare(VectorOperators.GE, (float) (w - 1 - j)));
                FloatVector old1 = FloatVector.fromMemorySegment(F, z1, z1o + o, LE), old2 = FloatVector.fromMemorySegment(F, z2, z2o + o, LE);
                FloatVector q1 = sig.fma(d1, old1), q2 = sig.fma(d2, old2);
                FloatVector s = one.div(q2.fma(q2, q1.mul(q1)).sqrt().max(1f));
                FloatVector n1 = old1.blend(q1.mul(s), keep), n2 = old2.blend(q2.mul(s), keep);
                n1.intoMemorySegment(z1, z1o + o, LE);
                n2.intoMemorySegment(z2, z2o + o, LE);
                FloatVector e1 = n1.sub(old1), e2 = n2.sub(old2);
                acc = e2.fma(e2, e1.fma(e1, acc));
                if (k == groups - 1) {
                    break;
                }
                for (long q = rel + LB, e = rel + LB * (split ? groups - 1 : 1); q < e; q += LB) {
                    FloatVector b = FloatVector.fromMemorySegment(F, xn, xno + q, LE), bd = FloatVector.fromMemorySegment(F, xn, xno + q + dn, LE), br = FloatVector.fromMemorySegment(F, xn, xno + q + 4, LE);
                    FloatVector v = b.add(b).sub(FloatVector.fromMemorySegment(F, xo, xoo + q, LE));
                    FloatVector f1 = bd.add(bd).sub(FloatVector.fromMemorySegment(F, xo, xoo + q + dn, LE)).sub(v).blend(0f, noDown);
                    FloatVector f2 = br.add(br).sub(FloatVector.fromMemorySegment(F, xo, xoo + q + 4, LE)).sub(v);
                    FloatVector p1 = FloatVector.fromMemorySegment(F, z1, z1o + q, LE), p2 = FloatVector.fromMemorySegment(F, z2, z2o + q, LE);
                    FloatVector g1 = sig.fma(f1, p1), g2 = sig.fma(f2, p2);
                    FloatVector t = one.div(g2.fma(g2, g1.mul(g1)).sqrt().max(1f));
                    FloatVector m1 = g1.mul(t), m2 = g2.mul(t);
                    m1.intoMemorySegment(z1, z1o + q, LE);
                    m2.intoMemorySegment(z2, z2o + q, LE);
                    FloatVector c1 = m1.sub(p1), c2 = m2.sub(p2);
                    acc = c2.fma(c2, c1.fma(c1, acc));
                }
            }
            for (int f = L / 2; f > 0; f >>= 1) { // Σ lanes, Lanes' fixed butterfly written out (see class doc)
                acc = acc.add(acc.rearrange(Lanes.fold(f)));
            }
            change += acc.lane(0);
        }
        return change;
    }

    /** The isotropic dual update of one pixel (byte offset {@code pix} in channel 0); returns its Σ (z⁺ − z)². */
    private static float dualIsoAt(float sigma, MemorySegment xn, long xno, MemorySegment xo, long xoo,
                                   MemorySegment z1, long z1o, MemorySegment z2, long z2o, int c, long plane,
                                   long pix, long dn, boolean down, boolean right) {
        long rt = right ? 4 : 0;
        float s = 0f;
        for (int ch = 0; ch < c; ch++) {
            long o = pix + ch * plane;
            float u = uAt(xn, xno, xo, xoo, o), ub = uAt(xn, xno, xo, xoo, o + dn), ur = uAt(xn, xno, xo, xoo, o + rt);
            float q1 = fma(sigma, down ? ub - u : 0f, get(z1, z1o + o));
            float q2 = fma(sigma, right ? ur - u : 0f, get(z2, z2o + o));
            s = fma(q2, q2, fma(q1, q1, s));
        }
        float scale = 1f / Math.max((float) Math.sqrt(s), 1f);
        float change = 0f;
        for (int ch = 0; ch < c; ch++) {
            long o = pix + ch * plane;
            float u = uAt(xn, xno, xo, xoo, o), ub = uAt(xn, xno, xo, xoo, o + dn), ur = uAt(xn, xno, xo, xoo, o + rt);
            float old1 = get(z1, z1o + o), old2 = get(z2, z2o + o);
            float n1 = fma(sigma, down ? ub - u : 0f, old1) * scale;
            float n2 = fma(sigma, right ? ur - u : 0f, old2) * scale;
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
        if (w >= L) {
            return dualAnisoRows(sigma, xn, xno, xo, xoo, z1, z1o, z2, z2o, c, h, w, r0, r1);
        }
        long plane = 4L * h * w, row = 4L * w;
        double change = 0.0;
        for (int ch = 0; ch < c; ch++) {
            for (int i = r0; i < r1; i++) {
                boolean down = i < h - 1;
                long rel = ch * plane + i * row, dn = down ? row : 0;
                for (int j = 0; j < w; j++) {
                    change += dualAnisoAt(sigma, xn, xno, xo, xoo, z1, z1o, z2, z2o, rel + 4L * j, dn, down, j < w - 1);
                }
            }
        }
        return change;
    }

    /**
     * As {@link #dualIso1Rows} for the box projection; elementwise, so each channel plane is swept on its
     * own and every C is vectorized.
     */
    private static double dualAnisoRows(float sigma, MemorySegment xn, long xno, MemorySegment xo, long xoo,
                                        MemorySegment z1, long z1o, MemorySegment z2, long z2o, int c, int h, int w,
                                        int r0, int r1) {
        long plane = 4L * h * w, row = 4L * w;
        int groups = (w + L - 1) / L;
        boolean split = groups >= SPLIT_GROUPS;
        FloatVector iota = FloatVector.zero(F).addIndex(1);
        FloatVector sig = FloatVector.broadcast(F, sigma);
        double change = 0.0;
        for (int ch = 0; ch < c; ch++) {
            for (int i = r0; i < r1; i++) {
                boolean down = i < h - 1;
                long rel = ch * plane + i * row, dn = down ? row : 0;
                VectorMask<Float> noDown = F.maskAll(!down);
                FloatVector acc = FloatVector.zero(F);
                for (int k = 0; ; k = split ? groups - 1 : k + 1) { // the row's first and last groups, the interior between them
                    int j = Math.min(k * L, w - L);
                    long o = rel + 4L * j, rs = j + L < w ? 4 : 0;
                    VectorMask<Float> keep = iota.compare(VectorOperators.GE, (float) (k * L - j));
                    FloatVector a = FloatVector.fromMemorySegment(F, xn, xno + o, LE), ad = FloatVector.fromMemorySegment(F, xn, xno + o + dn, LE), ar = FloatVector.fromMemorySegment(F, xn, xno + o + rs, LE);
                    FloatVector u = a.add(a).sub(FloatVector.fromMemorySegment(F, xo, xoo + o, LE));
                    FloatVector ur = ar.add(ar).sub(FloatVector.fromMemorySegment(F, xo, xoo + o + rs, LE)).blend(u.rearrange(NEXT), F.maskAll(rs == 0));
                    FloatVector d1 = ad.add(ad).sub(FloatVector.fromMemorySegment(F, xo, xoo + o + dn, LE)).sub(u).blend(0f, noDown);
                    FloatVector d2 = ur.sub(u).blend(0f, iota.compare(VectorOperators.GE, (float) (w - 1 - j)));
                    FloatVector old1 = FloatVector.fromMemorySegment(F, z1, z1o + o, LE), old2 = FloatVector.fromMemorySegment(F, z2, z2o + o, LE);
                    FloatVector n1 = old1.blend(sig.fma(d1, old1).min(1f).max(-1f), keep);
                    FloatVector n2 = old2.blend(sig.fma(d2, old2).min(1f).max(-1f), keep);
                    n1.intoMemorySegment(z1, z1o + o, LE);
                    n2.intoMemorySegment(z2, z2o + o, LE);
                    FloatVector e1 = n1.sub(old1), e2 = n2.sub(old2);
                    acc = e2.fma(e2, e1.fma(e1, acc));
                    if (k == groups - 1) {
                        break;
                    }
                    for (long q = rel + LB, e = rel + LB * (split ? groups - 1 : 1); q < e; q += LB) {
                        FloatVector b = FloatVector.fromMemorySegment(F, xn, xno + q, LE), bd = FloatVector.fromMemorySegment(F, xn, xno + q + dn, LE), br = FloatVector.fromMemorySegment(F, xn, xno + q + 4, LE);
                        FloatVector v = b.add(b).sub(FloatVector.fromMemorySegment(F, xo, xoo + q, LE));
                        FloatVector f1 = bd.add(bd).sub(FloatVector.fromMemorySegment(F, xo, xoo + q + dn, LE)).sub(v).blend(0f, noDown);
                        FloatVector f2 = br.add(br).sub(FloatVector.fromMemorySegment(F, xo, xoo + q + 4, LE)).sub(v);
                        FloatVector p1 = FloatVector.fromMemorySegment(F, z1, z1o + q, LE), p2 = FloatVector.fromMemorySegment(F, z2, z2o + q, LE);
                        FloatVector m1 = sig.fma(f1, p1).min(1f).max(-1f), m2 = sig.fma(f2, p2).min(1f).max(-1f);
                        m1.intoMemorySegment(z1, z1o + q, LE);
                        m2.intoMemorySegment(z2, z2o + q, LE);
                        FloatVector c1 = m1.sub(p1), c2 = m2.sub(p2);
                        acc = c2.fma(c2, c1.fma(c1, acc));
                    }
                }
                for (int f = L / 2; f > 0; f >>= 1) { // Σ lanes, Lanes' fixed butterfly written out (see class doc)
                    acc = acc.add(acc.rearrange(Lanes.fold(f)));
                }
                change += acc.lane(0);
            }
        }
        return change;
    }

    private static float dualAnisoAt(float sigma, MemorySegment xn, long xno, MemorySegment xo, long xoo,
                                     MemorySegment z1, long z1o, MemorySegment z2, long z2o, long o, long dn,
                                     boolean down, boolean right) {
        float u = uAt(xn, xno, xo, xoo, o), ub = uAt(xn, xno, xo, xoo, o + dn);
        float ur = uAt(xn, xno, xo, xoo, o + (right ? 4 : 0));
        float old1 = get(z1, z1o + o), old2 = get(z2, z2o + o);
        float n1 = Math.max(-1f, Math.min(1f, fma(sigma, down ? ub - u : 0f, old1)));
        float n2 = Math.max(-1f, Math.min(1f, fma(sigma, right ? ur - u : 0f, old2)));
        put(z1, z1o + o, n1);
        put(z2, z2o + o, n2);
        float e1 = n1 - old1, e2 = n2 - old2;
        return fma(e2, e2, e1 * e1);
    }
}
