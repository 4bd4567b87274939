package dev.netinvert.kernels.simd;

import static dev.netinvert.kernels.internal.SegmentFloats.fma;
import static dev.netinvert.kernels.internal.SegmentFloats.get;
import static dev.netinvert.kernels.internal.SegmentFloats.put;
import static dev.netinvert.kernels.simd.VectorConstants.LE;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two products of the batched Bregman gradient for a few observations, with W read in place: no packed
 * copy of it. For a batch of B rows (B small) the Goto scheme of {@link SimdGemm} copies all of W into its
 * panels once per product, m·n floats moved for 2·B·m·n flops, and then pays a 6-row micro-kernel for B rows
 * (8 rows: two blocks of six); the single-observation route reads W once per observation instead. Here W is
 * read from memory once per call and every element of it serves all B observations ({@link #backward} alone also
 * serves {@code SimdKernelSupport.gemmNN} with a few rows, the lockstep gradient descent's backward pass):
 * <ul>
 *   <li>{@link #forward}: z_si = b_i + Σ_j w_ij x_sj for a block of rows of W, two rows of W by four
 *       observations at a time ({@link #dot2x4}: 8 accumulators, 2 loads of W and 4 of X per 8 FMAs), or three
 *       rows with 512-bit vectors ({@link #dot3x4}, see {@link #ROW_TRIPLES}); the rows' second pass, for the next
 *       four observations, finds them in L1/L2;</li>
 *   <li>{@link #backward}: g_s += Σ_{i in block} r_si·w_i, three vectors of columns by four observations at a
 *       time ({@link #axpy4x3}: 12 accumulators loaded from G and stored once per block, 3 loads of W and 4
 *       broadcasts of R per 12 FMAs; then {@link #axpy4x2}, {@link #axpy4x1} for the columns left), while the
 *       block (about {@link #BLOCK_BYTES}) is still in L2. Against two vectors of columns (8 accumulators, which
 *       leave AVX2's two FMA pipes waiting on the 4-cycle latency): 700 against 903 µs under
 *       {@code -XX:UseAVX=2}, 472 against 552 µs with 512-bit vectors (512×4096, B = 8, Zen 4).</li>
 * </ul>
 * Twelve accumulators, three vectors of W and one broadcast fit AVX2's 16 registers. Observations past the
 * last group of four repeat the last one, and the second row of a pair past the block's end repeats the
 * first: they are computed and written with the same value twice (both kernels write, never add in place),
 * so no kernel has a branch or a mask. Columns past the last full vector are scalar.
 *
 * <p>Sums: each z is a full-depth sum, per lane in column order, then the lanes by a fixed butterfly (as
 * {@code SimdKernelSupport}'s 4-row GEMV block), then the scalar tail; each g adds the block's rows in order to
 * its running value. Deterministic, and within the bounds of {@code BregmanBatchCrossCheckTest}.
 *
 * <p>No method takes or returns a vector (SimdKernelSupport's class comment says why).
 */
final class SimdFewRows {
    private SimdFewRows() {}

    private static final VectorSpecies<Float> F = VectorConstants.SPECIES;
    private static final int L = F.length();
    private static final long LB = 4L * L;

    /**
     * Bytes of W per block: its rows are read twice, once by {@link #forward} and once by {@link #backward}, the
     * second time from L2 (512 KiB per core on Zen 2, 1 MiB on Zen 4), and G is loaded and stored once per block,
     * so deeper blocks save G traffic until the block leaves L2. The batched gradient at 512×4096, B = 8, thread CPU
     * time on Zen 4 (LockstepGradientCpuTime, medians of 7): 128 KiB 1043 / 1548 µs (512-bit / AVX2), 256 KiB
     * 913-956 / 1318-1508, 384 KiB 832 / 1300, 512 KiB 814-830 / 1271-1290, 1 MiB 826 / 1361. 384 KiB is within 2 %
     * of the best here and leaves room in Zen 2's smaller L2.
     */
    static final int BLOCK_BYTES = 384 * 1024;

    /**
     * Whether {@link #forward} takes rows of W three at a time ({@link #dot3x4}, 12 accumulators): with 512-bit
     * vectors (AVX-512's 32 registers) 425 against 495 µs for the forward half at 512×4096, B = 8; under
     * {@code -XX:UseAVX=2} 895 against 636 µs (12 accumulators, 3 rows and one x do not fit 16 registers).
     */
    private static final boolean ROW_TRIPLES = L >= 16;

    /** The folds of the butterfly below the quarter level (distances 2 and 1; unused at the widths without them). */
    private static final VectorShuffle<Float> FOLD_2 = Lanes.fold(L >= 16 ? 2 : 1), FOLD_1 = Lanes.fold(1);

    /**
     * How many of {@code rows} observations go through the groups of four: all but one or two left over, which
     * cost less as one single-observation pass over W each (GEMV, GEMVᵀ or the fused gradient) than as a group
     * padded to four (about 0.5-0.7 of a group's time each); three left over share a padded group. The one rule for
     * every caller ({@code SimdKernelSupport}'s gemmNT, gemmNN and batched gradient).
     */
    static int grouped(int rows) {
        int rest = rows % 4;
        return rest == 3 ? rows : rows - rest;
    }

    /** Rows of W per block for n columns: an even number, at least 2. */
    static int blockRows(int n) {
        return Math.max(2, BLOCK_BYTES / Math.max(1, 4 * n) / 2 * 2);
    }

    /**
     * z[s][i] ← b_i + Σ_j w[i][j]·x[s][j] for s &lt; rows, i ∈ [i0, i1): W's rows at {@code wo + i·wr}, x_s at
     * {@code xo + s·xr}, z_si at {@code zo + s·zr + 4i}; b may be null.
     */
    static void forward(MemorySegment w, long wo, long wr, int i0, int i1, int n, MemorySegment x, long xo, long xr,
                        int rows, MemorySegment b, long bo, MemorySegment z, long zo, long zr) {
        int i = i0;
        if (ROW_TRIPLES) {
            for (; i + 3 <= i1; i += 3) {
                float b0 = b == null ? 0f : get(b, bo + 4L * i), b1 = b == null ? 0f : get(b, bo + 4L * i + 4);
                float b2 = b == null ? 0f : get(b, bo + 4L * i + 8);
                for (int s = 0; s < rows; s += 4) {
                    int s1 = Math.min(s + 1, rows - 1), s2 = Math.min(s + 2, rows - 1), s3 = Math.min(s + 3, rows - 1);
                    dot3x4(n, w, wo + i * wr, wr, x, xo + s * xr, xo + s1 * xr, xo + s2 * xr, xo + s3 * xr,
                            b0, b1, b2, z, zo + s * zr + 4L * i, zo + s1 * zr + 4L * i, zo + s2 * zr + 4L * i,
                            zo + s3 * zr + 4L * i);
                }
            }
        }
        for (; i < i1; i += 2) {
            int i2 = Math.min(i + 1, i1 - 1);
            float b0 = b == null ? 0f : get(b, bo + 4L * i), b1 = b == null ? 0f : get(b, bo + 4L * i2);
            for (int s = 0; s < rows; s += 4) {
                int s1 = Math.min(s + 1, rows - 1), s2 = Math.min(s + 2, rows - 1), s3 = Math.min(s + 3, rows - 1);
                dot2x4(n, w, wo + i * wr, wo + i2 * wr, x, xo + s * xr, xo + s1 * xr, xo + s2 * xr, xo + s3 * xr,
                        b0, b1, z, zo + s * zr + 4L * i, zo + s1 * zr + 4L * i, zo + s2 * zr + 4L * i,
                        zo + s3 * zr + 4L * i, 4L * (i2 - i));
            }
        }
    }

    /** {@link #dot2x4} for three consecutive rows of W (at v0, v0 + wr, v0 + 2wr): 12 accumulators. */
    private static void dot3x4(int n, MemorySegment w, long v0, long wr, MemorySegment x, long x0, long x1,
                               long x2, long x3, float b0, float b1, float b2, MemorySegment z, long z0, long z1,
                               long z2, long z3) {
        long v1 = v0 + wr, v2 = v1 + wr;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        long end = 4L * F.loopBound(n);
        for (long o = 0; o != end; o += LB) {
            FloatVector w0 = FloatVector.fromMemorySegment(F, w, v0 + o, LE);
            FloatVector w1 = FloatVector.fromMemorySegment(F, w, v1 + o, LE);
            FloatVector w2 = FloatVector.fromMemorySegment(F, w, v2 + o, LE);
            FloatVector xv = FloatVector.fromMemorySegment(F, x, x0 + o, LE);
            a00 = w0.fma(xv, a00);
            a10 = w1.fma(xv, a10);
            a20 = w2.fma(xv, a20);
            xv = FloatVector.fromMemorySegment(F, x, x1 + o, LE);
            a01 = w0.fma(xv, a01);
            a11 = w1.fma(xv, a11);
            a21 = w2.fma(xv, a21);
            xv = FloatVector.fromMemorySegment(F, x, x2 + o, LE);
            a02 = w0.fma(xv, a02);
            a12 = w1.fma(xv, a12);
            a22 = w2.fma(xv, a22);
            xv = FloatVector.fromMemorySegment(F, x, x3 + o, LE);
            a03 = w0.fma(xv, a03);
            a13 = w1.fma(xv, a13);
            a23 = w2.fma(xv, a23);
        }
        FloatVector p = a00.blend(a01, Lanes.HALF).add(a01.blend(a00, Lanes.HALF).rearrange(Lanes.SWAP_HALF));
        FloatVector q = a02.blend(a03, Lanes.HALF).add(a03.blend(a02, Lanes.HALF).rearrange(Lanes.SWAP_HALF));
        FloatVector r0 = p.blend(q, Lanes.QUARTER).add(q.blend(p, Lanes.QUARTER).rearrange(Lanes.SWAP_QUARTER));
        p = a10.blend(a11, Lanes.HALF).add(a11.blend(a10, Lanes.HALF).rearrange(Lanes.SWAP_HALF));
        q = a12.blend(a13, Lanes.HALF).add(a13.blend(a12, Lanes.HALF).rearrange(Lanes.SWAP_HALF));
        FloatVector r1 = p.blend(q, Lanes.QUARTER).add(q.blend(p, Lanes.QUARTER).rearrange(Lanes.SWAP_QUARTER));
        p = a20.blend(a21, Lanes.HALF).add(a21.blend(a20, Lanes.HALF).rearrange(Lanes.SWAP_HALF));
        q = a22.blend(a23, Lanes.HALF).add(a23.blend(a22, Lanes.HALF).rearrange(Lanes.SWAP_HALF));
        FloatVector r2 = p.blend(q, Lanes.QUARTER).add(q.blend(p, Lanes.QUARTER).rearrange(Lanes.SWAP_QUARTER));
        if (L >= 16) {
            r0 = r0.add(r0.rearrange(FOLD_2));
            r1 = r1.add(r1.rearrange(FOLD_2));
            r2 = r2.add(r2.rearrange(FOLD_2));
        }
        if (L >= 8) {
            r0 = r0.add(r0.rearrange(FOLD_1));
            r1 = r1.add(r1.rearrange(FOLD_1));
            r2 = r2.add(r2.rearrange(FOLD_1));
        }
        float t00 = r0.lane(0), t01 = r0.lane(L / 2), t02 = r0.lane(L / 4), t03 = r0.lane(3 * L / 4);
        float t10 = r1.lane(0), t11 = r1.lane(L / 2), t12 = r1.lane(L / 4), t13 = r1.lane(3 * L / 4);
        float t20 = r2.lane(0), t21 = r2.lane(L / 2), t22 = r2.lane(L / 4), t23 = r2.lane(3 * L / 4);
        for (long o = end; o != 4L * n; o += 4) {
            float w0 = get(w, v0 + o), w1 = get(w, v1 + o), w2 = get(w, v2 + o);
            float e = get(x, x0 + o);
            t00 = fma(w0, e, t00);
            t10 = fma(w1, e, t10);
            t20 = fma(w2, e, t20);
            e = get(x, x1 + o);
            t01 = fma(w0, e, t01);
            t11 = fma(w1, e, t11);
            t21 = fma(w2, e, t21);
            e = get(x, x2 + o);
            t02 = fma(w0, e, t02);
            t12 = fma(w1, e, t12);
            t22 = fma(w2, e, t22);
            e = get(x, x3 + o);
            t03 = fma(w0, e, t03);
            t13 = fma(w1, e, t13);
            t23 = fma(w2, e, t23);
        }
        put(z, z0, t00 + b0);
        put(z, z1, t01 + b0);
        put(z, z2, t02 + b0);
        put(z, z3, t03 + b0);
        put(z, z0 + 4, t10 + b1);
        put(z, z1 + 4, t11 + b1);
        put(z, z2 + 4, t12 + b1);
        put(z, z3 + 4, t13 + b1);
        put(z, z0 + 8, t20 + b2);
        put(z, z1 + 8, t21 + b2);
        put(z, z2 + 8, t22 + b2);
        put(z, z3 + 8, t23 + b2);
    }

    /**
     * The eight sums w_r·x_s + b_r of two rows of W (at v0, v1) and four of X (at x0 … x3), written to
     * z at {@code zs + dr·r} for row r of the pair and observation s.
     */
    private static void dot2x4(int n, MemorySegment w, long v0, long v1, MemorySegment x, long x0, long x1,
                               long x2, long x3, float b0, float b1, MemorySegment z, long z0, long z1, long z2,
                               long z3, long dr) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        long end = 4L * F.loopBound(n);
        for (long o = 0; o != end; o += LB) {
            FloatVector w0 = FloatVector.fromMemorySegment(F, w, v0 + o, LE);
            FloatVector w1 = FloatVector.fromMemorySegment(F, w, v1 + o, LE);
            FloatVector xv = FloatVector.fromMemorySegment(F, x, x0 + o, LE);
            a00 = w0.fma(xv, a00);
            a10 = w1.fma(xv, a10);
            xv = FloatVector.fromMemorySegment(F, x, x1 + o, LE);
            a01 = w0.fma(xv, a01);
            a11 = w1.fma(xv, a11);
            xv = FloatVector.fromMemorySegment(F, x, x2 + o, LE);
            a02 = w0.fma(xv, a02);
            a12 = w1.fma(xv, a12);
            xv = FloatVector.fromMemorySegment(F, x, x3 + o, LE);
            a03 = w0.fma(xv, a03);
            a13 = w1.fma(xv, a13);
        }
        // Each row's four sums by dot4Lanes's tree: quarters [s0 | s2 | s1 | s3], totals in lanes 0, L/4, L/2, 3L/4.
        FloatVector p = a00.blend(a01, Lanes.HALF).add(a01.blend(a00, Lanes.HALF).rearrange(Lanes.SWAP_HALF));
        FloatVector q = a02.blend(a03, Lanes.HALF).add(a03.blend(a02, Lanes.HALF).rearrange(Lanes.SWAP_HALF));
        FloatVector r0 = p.blend(q, Lanes.QUARTER).add(q.blend(p, Lanes.QUARTER).rearrange(Lanes.SWAP_QUARTER));
        p = a10.blend(a11, Lanes.HALF).add(a11.blend(a10, Lanes.HALF).rearrange(Lanes.SWAP_HALF));
        q = a12.blend(a13, Lanes.HALF).add(a13.blend(a12, Lanes.HALF).rearrange(Lanes.SWAP_HALF));
        FloatVector r1 = p.blend(q, Lanes.QUARTER).add(q.blend(p, Lanes.QUARTER).rearrange(Lanes.SWAP_QUARTER));
        if (L >= 16) {
            r0 = r0.add(r0.rearrange(FOLD_2));
            r1 = r1.add(r1.rearrange(FOLD_2));
        }
        if (L >= 8) {
            r0 = r0.add(r0.rearrange(FOLD_1));
            r1 = r1.add(r1.rearrange(FOLD_1));
        }
        float t00 = r0.lane(0), t01 = r0.lane(L / 2), t02 = r0.lane(L / 4), t03 = r0.lane(3 * L / 4);
        float t10 = r1.lane(0), t11 = r1.lane(L / 2), t12 = r1.lane(L / 4), t13 = r1.lane(3 * L / 4);
        for (long o = end; o != 4L * n; o += 4) {
            float w0 = get(w, v0 + o), w1 = get(w, v1 + o);
            float e = get(x, x0 + o);
            t00 = fma(w0, e, t00);
            t10 = fma(w1, e, t10);
            e = get(x, x1 + o);
            t01 = fma(w0, e, t01);
            t11 = fma(w1, e, t11);
            e = get(x, x2 + o);
            t02 = fma(w0, e, t02);
            t12 = fma(w1, e, t12);
            e = get(x, x3 + o);
            t03 = fma(w0, e, t03);
            t13 = fma(w1, e, t13);
        }
        put(z, z0, t00 + b0);
        put(z, z1, t01 + b0);
        put(z, z2, t02 + b0);
        put(z, z3, t03 + b0);
        put(z, z0 + dr, t10 + b1);
        put(z, z1 + dr, t11 + b1);
        put(z, z2 + dr, t12 + b1);
        put(z, z3 + dr, t13 + b1);
    }

    /**
     * g[s][j] ← g[s][j] + Σ_{i ∈ [i0, i1)} r[s][i]·w[i][j] for s &lt; rows, j &lt; n: r_si at {@code ro + s·rr + 4i},
     * g_s at {@code go + s·gr}, W as in {@link #forward}.
     */
    static void backward(MemorySegment w, long wo, long wr, int i0, int i1, int n, MemorySegment r, long ro, long rr,
                         int rows, MemorySegment g, long go, long gr) {
        long triples = 4L * (n / (3 * L) * (3 * L)), full = 4L * F.loopBound(n);
        for (int s = 0; s < rows; s += 4) {
            int s1 = Math.min(s + 1, rows - 1), s2 = Math.min(s + 2, rows - 1), s3 = Math.min(s + 3, rows - 1);
            long r0 = ro + s * rr + 4L * i0, r1 = ro + s1 * rr + 4L * i0, r2 = ro + s2 * rr + 4L * i0;
            long r3 = ro + s3 * rr + 4L * i0;
            long g0 = go + s * gr, g1 = go + s1 * gr, g2 = go + s2 * gr, g3 = go + s3 * gr;
            long v = wo + i0 * wr;
            int count = i1 - i0;
            long o = 0;
            for (; o != triples; o += 3 * LB) {
                axpy4x3(w, v + o, wr, count, r, r0, r1, r2, r3, g, g0 + o, g1 + o, g2 + o, g3 + o);
            }
            if (o + 2 * LB <= full) { // two vectors of columns left
                axpy4x2(w, v + o, wr, count, r, r0, r1, r2, r3, g, g0 + o, g1 + o, g2 + o, g3 + o);
                o += 2 * LB;
            }
            if (o != full) { // one vector of columns left
                axpy4x1(w, v + o, wr, count, r, r0, r1, r2, r3, g, g0 + o, g1 + o, g2 + o, g3 + o);
            }
            for (long c = full; c != 4L * n; c += 4) { // the last columns, fewer than a vector
                float e0 = get(g, g0 + c), e1 = get(g, g1 + c), e2 = get(g, g2 + c), e3 = get(g, g3 + c);
                for (int i = 0; i < count; i++) {
                    float wv = get(w, v + i * wr + c);
                    e0 = fma(get(r, r0 + 4L * i), wv, e0);
                    e1 = fma(get(r, r1 + 4L * i), wv, e1);
                    e2 = fma(get(r, r2 + 4L * i), wv, e2);
                    e3 = fma(get(r, r3 + 4L * i), wv, e3);
                }
                put(g, g0 + c, e0);
                put(g, g1 + c, e1);
                put(g, g2 + c, e2);
                put(g, g3 + c, e3);
            }
        }
    }

    /**
     * Two vectors of columns of four rows of G (at g0 … g3) plus Σ_i r_si·w_i over {@code count} rows of W from
     * {@code v} (stepping wr) and their R entries from r0 … r3 (stepping 4 bytes).
     */
    private static void axpy4x2(MemorySegment w, long v, long wr, int count, MemorySegment r, long r0, long r1,
                                long r2, long r3, MemorySegment g, long g0, long g1, long g2, long g3) {
        FloatVector c00 = FloatVector.fromMemorySegment(F, g, g0, LE), c01 = FloatVector.fromMemorySegment(F, g, g0 + LB, LE);
        FloatVector c10 = FloatVector.fromMemorySegment(F, g, g1, LE), c11 = FloatVector.fromMemorySegment(F, g, g1 + LB, LE);
        FloatVector c20 = FloatVector.fromMemorySegment(F, g, g2, LE), c21 = FloatVector.fromMemorySegment(F, g, g2 + LB, LE);
        FloatVector c30 = FloatVector.fromMemorySegment(F, g, g3, LE), c31 = FloatVector.fromMemorySegment(F, g, g3 + LB, LE);
        long end = 4L * count;
        for (long o = 0; o != end; o += 4, v += wr) {
            FloatVector w0 = FloatVector.fromMemorySegment(F, w, v, LE);
            FloatVector w1 = FloatVector.fromMemorySegment(F, w, v + LB, LE);
            FloatVector e = FloatVector.broadcast(F, get(r, r0 + o));
            c00 = w0.fma(e, c00);
            c01 = w1.fma(e, c01);
            e = FloatVector.broadcast(F, get(r, r1 + o));
            c10 = w0.fma(e, c10);
            c11 = w1.fma(e, c11);
            e = FloatVector.broadcast(F, get(r, r2 + o));
            c20 = w0.fma(e, c20);
            c21 = w1.fma(e, c21);
            e = FloatVector.broadcast(F, get(r, r3 + o));
            c30 = w0.fma(e, c30);
            c31 = w1.fma(e, c31);
        }
        c00.intoMemorySegment(g, g0, LE);
        c01.intoMemorySegment(g, g0 + LB, LE);
        c10.intoMemorySegment(g, g1, LE);
        c11.intoMemorySegment(g, g1 + LB, LE);
        c20.intoMemorySegment(g, g2, LE);
        c21.intoMemorySegment(g, g2 + LB, LE);
        c30.intoMemorySegment(g, g3, LE);
        c31.intoMemorySegment(g, g3 + LB, LE);
    }

    /** {@link #axpy4x2} for three vectors of columns (12 accumulators). */
    private static void axpy4x3(MemorySegment w, long v, long wr, int count, MemorySegment r, long r0, long r1,
                                long r2, long r3, MemorySegment g, long g0, long g1, long g2, long g3) {
        FloatVector c00 = FloatVector.fromMemorySegment(F, g, g0, LE), c01 = FloatVector.fromMemorySegment(F, g, g0 + LB, LE);
        FloatVector c02 = FloatVector.fromMemorySegment(F, g, g0 + 2 * LB, LE);
        FloatVector c10 = FloatVector.fromMemorySegment(F, g, g1, LE), c11 = FloatVector.fromMemorySegment(F, g, g1 + LB, LE);
        FloatVector c12 = FloatVector.fromMemorySegment(F, g, g1 + 2 * LB, LE);
        FloatVector c20 = FloatVector.fromMemorySegment(F, g, g2, LE), c21 = FloatVector.fromMemorySegment(F, g, g2 + LB, LE);
        FloatVector c22 = FloatVector.fromMemorySegment(F, g, g2 + 2 * LB, LE);
        FloatVector c30 = FloatVector.fromMemorySegment(F, g, g3, LE), c31 = FloatVector.fromMemorySegment(F, g, g3 + LB, LE);
        FloatVector c32 = FloatVector.fromMemorySegment(F, g, g3 + 2 * LB, LE);
        long end = 4L * count;
        for (long o = 0; o != end; o += 4, v += wr) {
            FloatVector w0 = FloatVector.fromMemorySegment(F, w, v, LE);
            FloatVector w1 = FloatVector.fromMemorySegment(F, w, v + LB, LE);
            FloatVector w2 = FloatVector.fromMemorySegment(F, w, v + 2 * LB, LE);
            FloatVector e = FloatVector.broadcast(F, get(r, r0 + o));
            c00 = w0.fma(e, c00);
            c01 = w1.fma(e, c01);
            c02 = w2.fma(e, c02);
            e = FloatVector.broadcast(F, get(r, r1 + o));
            c10 = w0.fma(e, c10);
            c11 = w1.fma(e, c11);
            c12 = w2.fma(e, c12);
            e = FloatVector.broadcast(F, get(r, r2 + o));
            c20 = w0.fma(e, c20);
            c21 = w1.fma(e, c21);
            c22 = w2.fma(e, c22);
            e = FloatVector.broadcast(F, get(r, r3 + o));
            c30 = w0.fma(e, c30);
            c31 = w1.fma(e, c31);
            c32 = w2.fma(e, c32);
        }
        c00.intoMemorySegment(g, g0, LE);
        c01.intoMemorySegment(g, g0 + LB, LE);
        c02.intoMemorySegment(g, g0 + 2 * LB, LE);
        c10.intoMemorySegment(g, g1, LE);
        c11.intoMemorySegment(g, g1 + LB, LE);
        c12.intoMemorySegment(g, g1 + 2 * LB, LE);
        c20.intoMemorySegment(g, g2, LE);
        c21.intoMemorySegment(g, g2 + LB, LE);
        c22.intoMemorySegment(g, g2 + 2 * LB, LE);
        c30.intoMemorySegment(g, g3, LE);
        c31.intoMemorySegment(g, g3 + LB, LE);
        c32.intoMemorySegment(g, g3 + 2 * LB, LE);
    }

    /** {@link #axpy4x2} for one vector of columns. */
    private static void axpy4x1(MemorySegment w, long v, long wr, int count, MemorySegment r, long r0, long r1,
                                long r2, long r3, MemorySegment g, long g0, long g1, long g2, long g3) {
        FloatVector c0 = FloatVector.fromMemorySegment(F, g, g0, LE), c1 = FloatVector.fromMemorySegment(F, g, g1, LE);
        FloatVector c2 = FloatVector.fromMemorySegment(F, g, g2, LE), c3 = FloatVector.fromMemorySegment(F, g, g3, LE);
        long end = 4L * count;
        for (long o = 0; o != end; o += 4, v += wr) {
            FloatVector w0 = FloatVector.fromMemorySegment(F, w, v, LE);
            c0 = w0.fma(FloatVector.broadcast(F, get(r, r0 + o)), c0);
            c1 = w0.fma(FloatVector.broadcast(F, get(r, r1 + o)), c1);
            c2 = w0.fma(FloatVector.broadcast(F, get(r, r2 + o)), c2);
            c3 = w0.fma(FloatVector.broadcast(F, get(r, r3 + o)), c3);
        }
        c0.intoMemorySegment(g, g0, LE);
        c1.intoMemorySegment(g, g1, LE);
        c2.intoMemorySegment(g, g2, LE);
        c3.intoMemorySegment(g, g3, LE);
    }
}
