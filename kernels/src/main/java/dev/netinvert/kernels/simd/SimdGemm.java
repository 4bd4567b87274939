package dev.netinvert.kernels.simd;

import static dev.netinvert.kernels.internal.SegmentFloats.fma;
import static dev.netinvert.kernels.internal.SegmentFloats.get;
import static dev.netinvert.kernels.internal.SegmentFloats.put;
import static dev.netinvert.kernels.simd.VectorConstants.LE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The level-3 kernels behind {@link SimdKernelSupport}'s {@code gemmNT}, {@code gemmTN} and {@code gemmNN} and its
 * batched Bregman gradient: one packed, register-blocked product C ← C + α·A·B (the Goto/BLIS scheme, Goto &amp;
 * van de Geijn, ACM TOMS 34(3), 2008), in which every operand is given by byte strides, so the three products,
 * transposes included, are the same code:
 * <ul>
 *   <li>B ({@code K × N}) is copied, a k-block of rows × {@link #NC} columns at a time, into a per-thread panel
 *       ({@link #PANEL_BYTES}; the k-block is as deep as the panel allows, at least {@link #KC_MIN}) as strips of
 *       {@link #NR} = 2 vectors of columns (a strip row is contiguous; the last strip is padded with zeros). This
 *       copy is where a transposed B gets transposed. {@link #packWhole} packs all of B at full depth instead, for
 *       NT with X as B (X is read once per call, W once, at full depth: see {@code SimdKernelSupport.gemmNT}).</li>
 *   <li>A ({@code M × K}) is read in place, or, below 512 bits ({@link #PACK_A}), copied six rows at a time into
 *       one contiguous stream;</li>
 *   <li>the micro-kernel ({@link #kernel}, {@link #kernelPacked}) keeps an {@link #MR} × NR block of C in 12 vector
 *       accumulators (6 rows × 2 vectors: 12 + 2 loads of B + 1 broadcast = 15 of AVX2's 16 registers), and per
 *       step loads 2 vectors of B and broadcasts 6 elements of A for 12 FMAs. It writes the block to a per-thread
 *       tile, and {@link #addTile} adds α times the valid part of it to C (vectors where C's row is contiguous,
 *       elements otherwise: a transposed C or a partial strip).</li>
 * </ul>
 * β and the bias are applied to C before the first k-block, so the micro-kernel has no branch and no mask: edges
 * are zero columns in the panel and repeated rows of A whose results are not stored. Each k-block adds its
 * partial sum to C with one more rounding (at most ⌈K/128⌉ per entry).
 *
 * <p>The previous kernels (4 × 2 blocks on unpacked operands, NT as 8 dot products reduced across lanes) reached
 * 42-54 GFLOP/s under {@code -XX:UseAVX=2}, about half of OpenBLAS's Haswell kernels; the NT dot products also
 * streamed k-long rows of both operands from L2. They also allocated below 512 bits. What was seen: JFR allocation
 * samples in the Vector API's Java fallback ({@code FloatVector.tOpTemplate}, {@code broadcastBits}: code that C2
 * has not compiled), and in a fresh {@code -XX:UseAVX=2} JVM the 903-byte {@code block4x2} still running as C1
 * code (tier 3, nothing intrinsified) 1 s into a loop of 33 × 100 × 47 products, 24 KB per call, then 0 B once C2
 * had compiled it; the 6 KB per six GEMMs that persisted in the shared allocation JVM was not traced further. The
 * micro-kernels here are small, have one path (no partial-vector branches that C2 would compile as uncommon
 * traps), take and return no vector, and the packing uses no vector at all (see {@link #pack}); with that they
 * measure 0 B at 128, 256 (UseAVX=2) and 512 bits in {@code GemmAllocationTest}, {@code TrainerAllocationTest} and
 * {@code LockstepAllocationTest}, which now require 0 at every width.
 *
 * <p>Workspace: per thread (a {@link ThreadLocal}, native memory from an automatic arena), created on the thread's
 * first product: the panel, the tile, the packed rows of A and the whole packed B, the last two grown when a larger
 * product first needs them and then reused; nothing is allocated per call after that.
 */
final class SimdGemm {
    private SimdGemm() {}

    private static final VectorSpecies<Float> F = VectorConstants.SPECIES;
    private static final int L = F.length();
    private static final long LB = (long) L * Float.BYTES;

    /** Rows of C per micro-kernel block. */
    static final int MR = 6;
    /** Columns of C per micro-kernel block: two vectors. */
    static final int NR = 2 * L;
    /** Bytes of one row of a panel strip. */
    private static final long SB = (long) NR * Float.BYTES;
    /**
     * Bytes of the packed panel of B: a k-block is as deep as this allows for the block's columns. This and the
     * next two constants can be set by system properties (netinvert.gemm.panel, .nc, .packA) for measurements.
     */
    static final int PANEL_BYTES = Integer.getInteger("netinvert.gemm.panel", 512 * 1024);
    /** Columns of B per packed block (a multiple of NR). */
    static final int NC = Math.max(NR, Integer.getInteger("netinvert.gemm.nc", 128) / NR * NR);
    /**
     * Whether blocks of MR rows of A are copied into a contiguous [p][MR] buffer first. Below 512 bits the
     * micro-kernel is limited by instructions, not FMAs (2 × 256-bit FMAs per cycle): six strided scalar reads with
     * their own address arithmetic and bounds checks cost as much as the FMAs. With one contiguous stream and a
     * pointer-stepped loop the kernel alone measured 108 GFLOP/s against 75 under {@code -XX:UseAVX=2} on Zen 4
     * (best of 3 runs on a loaded machine); in the products, +5-15 % in CPU time. At 512 bits (each FMA two cycles on
     * Zen 4) both ran at 114, so the copy is skipped there. It is skipped too when the block of C has only one strip
     * of columns (NT at B = 8: 18 against 32 GFLOP/s), where the copy is used once.
     */
    static final boolean PACK_A = Boolean.parseBoolean(System.getProperty("netinvert.gemm.packA",
            String.valueOf(L < 16)));

    /** The shallowest k-block (the accuracy bound of {@code Blas.gemmNT} counts on ≥ 128). */
    static final int KC_MIN = 128;

    /**
     * A thread's buffers: the panel of a k-block ({@link #PANEL_BYTES}), the tile (MR × NR floats), and the whole
     * packed operand of {@link #packWhole} (grown when a larger one is first asked for, never shrunk).
     */
    private static final class Workspace {
        final MemorySegment panel, tile;
        MemorySegment whole, rows;

        Workspace() {
            Arena arena = Arena.ofAuto();
            panel = arena.allocate(Math.max(PANEL_BYTES, 4L * KC_MIN * NC), 64);
            tile = arena.allocate(4L * MR * NR, 64);
            whole = arena.allocate(64, 64);
            rows = arena.allocate(4L * MR * KC_MIN, 64);
        }

        /** The buffer of a packed block of MR rows of A, at least {@code bytes} long. */
        MemorySegment rows(long bytes) {
            if (rows.byteSize() < bytes) {
                rows = Arena.ofAuto().allocate(bytes, 64);
            }
            return rows;
        }

        MemorySegment whole(long bytes) {
            if (whole.byteSize() < bytes) {
                whole = Arena.ofAuto().allocate(bytes, 64);
            }
            return whole;
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /** Bytes of B ({@code k × n}) packed whole by {@link #packWhole}: ⌈n / NR⌉ strips of k × NR floats. */
    static long wholeBytes(int k, int n) {
        return (long) k * ((n + NR - 1) / NR) * SB;
    }

    /**
     * Packs all of B ({@code k × n}, element [p][j] at {@code bo + p·brs + j·bcs}) into the thread's whole-operand
     * buffer as strips of NR columns, strip s at byte s·k·SB (zeros past column n), and returns that buffer. It
     * stays valid until the thread's next call of this method.
     */
    static MemorySegment packWhole(MemorySegment b, long bo, long brs, long bcs, int k, int n) {
        MemorySegment whole = WORKSPACE.get().whole(wholeBytes(k, n));
        pack(b, bo, brs, bcs, k, n, whole);
        return whole;
    }

    /**
     * C[i][j] ← C[i][j] + α·Σ_{p &lt; k} A[i][p]·B[p][j] for rows i0 ≤ i &lt; i1 and j &lt; n, with B packed whole
     * by {@link #packWhole} (A and C by byte strides as in {@link #multiplyAdd}): each block of MR rows of A is
     * read once, at full depth, against every strip.
     */
    static void multiplyPacked(float alpha, MemorySegment a, long ao, long ars, long acs, int i0, int i1, int k,
                               MemorySegment packed, int n, MemorySegment c, long co, long crs, long ccs) {
        if (i1 <= i0 || n == 0 || k == 0) {
            return;
        }
        Workspace ws = WORKSPACE.get();
        boolean packA = PACK_A && n > NR; // a copy used by one strip only costs more than it saves
        MemorySegment tile = ws.tile, ap = packA ? ws.rows(4L * MR * k) : null;
        long stripBytes = k * SB;
        for (int i = i0; i < i1; i += MR) {
            int mr = Math.min(MR, i1 - i);
            long a0 = ao + i * ars;
            long a1 = a0 + Math.min(1, mr - 1) * ars, a2 = a0 + Math.min(2, mr - 1) * ars;
            long a3 = a0 + Math.min(3, mr - 1) * ars, a4 = a0 + Math.min(4, mr - 1) * ars;
            long a5 = a0 + Math.min(5, mr - 1) * ars;
            if (packA) {
                packRows(k, a, a0, a1, a2, a3, a4, a5, acs, ap);
            }
            for (int j = 0; j < n; j += NR) {
                if (packA) {
                    kernelPacked(k, ap, packed, (j / NR) * stripBytes, tile);
                } else {
                    kernel(k, a, a0, a1, a2, a3, a4, a5, acs, packed, (j / NR) * stripBytes, tile);
                }
                addTile(alpha, tile, mr, Math.min(NR, n - j), c, co + i * crs + j * ccs, crs, ccs);
            }
        }
    }

    /**
     * C[i][j] ← C[i][j] + α·Σ_p A[i][p]·B[p][j] for i &lt; m, j &lt; n, p &lt; k, every element addressed by byte
     * strides: A[i][p] at {@code ao + i·ars + p·acs}, B[p][j] at {@code bo + p·brs + j·bcs}, C[i][j] at
     * {@code co + i·crs + j·ccs}.
     */
    static void multiplyAdd(float alpha, MemorySegment a, long ao, long ars, long acs, int m, int k,
                            MemorySegment b, long bo, long brs, long bcs, int n,
                            MemorySegment c, long co, long crs, long ccs) {
        if (m == 0 || n == 0 || k == 0) {
            return;
        }
        Workspace ws = WORKSPACE.get();
        MemorySegment panel = ws.panel, tile = ws.tile;
        boolean packA = PACK_A && Math.min(n, NC) > NR; // a copy used by one strip only costs more than it saves
        MemorySegment ap = packA ? ws.rows(4L * MR * Math.min(k, Math.max(KC_MIN, PANEL_BYTES / (NR * 4)))) : null;
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            int stripsBytes = (nc + NR - 1) / NR * NR * 4;
            int depth = Math.max(KC_MIN, PANEL_BYTES / stripsBytes);
            for (int pc = 0; pc < k; pc += depth) {
                int kc = Math.min(depth, k - pc);
                pack(b, bo + pc * brs + jc * bcs, brs, bcs, kc, nc, panel);
                long stripBytes = kc * SB;
                for (int i = 0; i < m; i += MR) {
                    int mr = Math.min(MR, m - i);
                    long a0 = ao + i * ars + pc * acs;
                    // Rows past the edge repeat the last row (read, computed, not stored).
                    long a1 = a0 + Math.min(1, mr - 1) * ars, a2 = a0 + Math.min(2, mr - 1) * ars;
                    long a3 = a0 + Math.min(3, mr - 1) * ars, a4 = a0 + Math.min(4, mr - 1) * ars;
                    long a5 = a0 + Math.min(5, mr - 1) * ars;
                    if (packA) {
                        packRows(kc, a, a0, a1, a2, a3, a4, a5, acs, ap);
                    }
                    for (int j = 0; j < nc; j += NR) {
                        if (packA) {
                            kernelPacked(kc, ap, panel, (j / NR) * stripBytes, tile);
                        } else {
                            kernel(kc, a, a0, a1, a2, a3, a4, a5, acs, panel, (j / NR) * stripBytes, tile);
                        }
                        addTile(alpha, tile, mr, Math.min(NR, nc - j), c, co + i * crs + (jc + j) * ccs, crs, ccs);
                    }
                }
            }
        }
    }

    /**
     * Copies B[0, kc) × [0, nc) (at {@code bo}, strides brs, bcs) into {@code panel} as strips of NR columns:
     * strip s, row p, column c at byte {@code s·kc·SB + p·SB + 4c}; columns past nc are zeros.
     */
    private static void pack(MemorySegment b, long bo, long brs, long bcs, int kc, int nc, MemorySegment panel) {
        long stripBytes = kc * SB;
        for (int j = 0; j < nc; j += NR) {
            int w = Math.min(NR, nc - j);
            long dst = (j / NR) * stripBytes;
            long src = bo + j * bcs;
            if (bcs == 4 && w == NR) {
                // Rows of B are contiguous: one bulk copy per row, no vector. This was two vector loads and stores,
                // and with some compile orders (depending on which tests or solvers warmed the kernels first) C2's
                // code for pack ran the loads through the Vector API's Java fallback: 38 MB per 40 lockstep GD
                // iterations at 512 bits (JFR: the samples on pack's two load lines), with the row-by-row lockstep
                // route in the tree. Since the change the GEMM allocation tests pass with 0 B at every width, where
                // they allowed 32 KB per call below 512 bits. The copy is a small part of a GEMM (k·n of m·k·n).
                for (int p = 0; p < kc; p++) {
                    MemorySegment.copy(b, src + p * brs, panel, dst + p * SB, SB);
                }
            } else if (bcs == 4) {
                for (int p = 0; p < kc; p++) {
                    long s = src + p * brs, d = dst + p * SB;
                    for (int q = 0; q < w; q++) {
                        put(panel, d + 4L * q, get(b, s + 4L * q));
                    }
                    for (int q = w; q < NR; q++) {
                        put(panel, d + 4L * q, 0f);
                    }
                }
            } else { // a transposed B: column q of the strip is a contiguous run of B (brs = 4 in practice)
                for (int q = 0; q < w; q++) {
                    long s = src + q * bcs, d = dst + 4L * q;
                    for (int p = 0; p < kc; p++) {
                        put(panel, d + p * SB, get(b, s + p * brs));
                    }
                }
                for (int q = w; q < NR; q++) {
                    for (int p = 0; p < kc; p++) {
                        put(panel, dst + p * SB + 4L * q, 0f);
                    }
                }
            }
        }
    }

    /**
     * tile[r][0, NR) ← Σ_{p &lt; kc} A_r[p]·strip[p][0, NR) for the six rows of A at a0 … a5 (stepping acs) and
     * the strip at {@code so} of the panel. Takes and returns no vector: its results go to memory.
     */
    private static void kernel(int kc, MemorySegment a, long a0, long a1, long a2, long a3, long a4, long a5,
                               long acs, MemorySegment panel, long so, MemorySegment tile) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int p = 0; p < kc; p++) {
            long bp = so + p * SB, ap = p * acs;
            FloatVector b0 = FloatVector.fromMemorySegment(F, panel, bp, LE);
            FloatVector b1 = FloatVector.fromMemorySegment(F, panel, bp + LB, LE);
            FloatVector e = FloatVector.broadcast(F, get(a, a0 + ap));
            c00 = b0.fma(e, c00);
            c01 = b1.fma(e, c01);
            e = FloatVector.broadcast(F, get(a, a1 + ap));
            c10 = b0.fma(e, c10);
            c11 = b1.fma(e, c11);
            e = FloatVector.broadcast(F, get(a, a2 + ap));
            c20 = b0.fma(e, c20);
            c21 = b1.fma(e, c21);
            e = FloatVector.broadcast(F, get(a, a3 + ap));
            c30 = b0.fma(e, c30);
            c31 = b1.fma(e, c31);
            e = FloatVector.broadcast(F, get(a, a4 + ap));
            c40 = b0.fma(e, c40);
            c41 = b1.fma(e, c41);
            e = FloatVector.broadcast(F, get(a, a5 + ap));
            c50 = b0.fma(e, c50);
            c51 = b1.fma(e, c51);
        }
        c00.intoMemorySegment(tile, 0, LE);
        c01.intoMemorySegment(tile, LB, LE);
        c10.intoMemorySegment(tile, SB, LE);
        c11.intoMemorySegment(tile, SB + LB, LE);
        c20.intoMemorySegment(tile, 2 * SB, LE);
        c21.intoMemorySegment(tile, 2 * SB + LB, LE);
        c30.intoMemorySegment(tile, 3 * SB, LE);
        c31.intoMemorySegment(tile, 3 * SB + LB, LE);
        c40.intoMemorySegment(tile, 4 * SB, LE);
        c41.intoMemorySegment(tile, 4 * SB + LB, LE);
        c50.intoMemorySegment(tile, 5 * SB, LE);
        c51.intoMemorySegment(tile, 5 * SB + LB, LE);
    }

    /** dst[p][r] ← A_r[p] for the six rows of A at a0 … a5 (stepping acs), p &lt; kc: one contiguous stream. */
    private static void packRows(int kc, MemorySegment a, long a0, long a1, long a2, long a3, long a4, long a5,
                                 long acs, MemorySegment dst) {
        long d = 0;
        for (int p = 0; p < kc; p++, d += 4L * MR) {
            long o = p * acs;
            put(dst, d, get(a, a0 + o));
            put(dst, d + 4, get(a, a1 + o));
            put(dst, d + 8, get(a, a2 + o));
            put(dst, d + 12, get(a, a3 + o));
            put(dst, d + 16, get(a, a4 + o));
            put(dst, d + 20, get(a, a5 + o));
        }
    }

    /**
     * {@link #kernel} with the six rows of A packed by {@link #packRows} at the start of {@code ap}. The loop steps
     * byte offsets rather than an index (C2 compiled the indexed form of this loop about 15 % slower).
     */
    private static void kernelPacked(int kc, MemorySegment ap, MemorySegment panel, long so, MemorySegment tile) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        long end = so + kc * SB;
        long o = 0;
        for (long bp = so; bp < end; bp += SB, o += 4L * MR) {
            FloatVector b0 = FloatVector.fromMemorySegment(F, panel, bp, LE);
            FloatVector b1 = FloatVector.fromMemorySegment(F, panel, bp + LB, LE);
            FloatVector e = FloatVector.broadcast(F, get(ap, o));
            c00 = b0.fma(e, c00);
            c01 = b1.fma(e, c01);
            e = FloatVector.broadcast(F, get(ap, o + 4));
            c10 = b0.fma(e, c10);
            c11 = b1.fma(e, c11);
            e = FloatVector.broadcast(F, get(ap, o + 8));
            c20 = b0.fma(e, c20);
            c21 = b1.fma(e, c21);
            e = FloatVector.broadcast(F, get(ap, o + 12));
            c30 = b0.fma(e, c30);
            c31 = b1.fma(e, c31);
            e = FloatVector.broadcast(F, get(ap, o + 16));
            c40 = b0.fma(e, c40);
            c41 = b1.fma(e, c41);
            e = FloatVector.broadcast(F, get(ap, o + 20));
            c50 = b0.fma(e, c50);
            c51 = b1.fma(e, c51);
        }
        c00.intoMemorySegment(tile, 0, LE);
        c01.intoMemorySegment(tile, LB, LE);
        c10.intoMemorySegment(tile, SB, LE);
        c11.intoMemorySegment(tile, SB + LB, LE);
        c20.intoMemorySegment(tile, 2 * SB, LE);
        c21.intoMemorySegment(tile, 2 * SB + LB, LE);
        c30.intoMemorySegment(tile, 3 * SB, LE);
        c31.intoMemorySegment(tile, 3 * SB + LB, LE);
        c40.intoMemorySegment(tile, 4 * SB, LE);
        c41.intoMemorySegment(tile, 4 * SB + LB, LE);
        c50.intoMemorySegment(tile, 5 * SB, LE);
        c51.intoMemorySegment(tile, 5 * SB + LB, LE);
    }

    /** C[r][q] ← C[r][q] + α·tile[r][q] for r &lt; mr, q &lt; nr (one FMA each; C at co, strides crs, ccs). */
    private static void addTile(float alpha, MemorySegment tile, int mr, int nr, MemorySegment c, long co, long crs,
                                long ccs) {
        if (ccs == 4 && nr == NR) {
            FloatVector av = FloatVector.broadcast(F, alpha);
            for (int r = 0; r < mr; r++) {
                long o = co + r * crs, t = r * SB;
                FloatVector.fromMemorySegment(F, tile, t, LE).fma(av, FloatVector.fromMemorySegment(F, c, o, LE))
                        .intoMemorySegment(c, o, LE);
                FloatVector.fromMemorySegment(F, tile, t + LB, LE).fma(av, FloatVector.fromMemorySegment(F, c, o + LB, LE))
                        .intoMemorySegment(c, o + LB, LE);
            }
            return;
        }
        for (int r = 0; r < mr; r++) {
            for (int q = 0; q < nr; q++) {
                long o = co + r * crs + q * ccs;
                put(c, o, fma(alpha, get(tile, r * SB + 4L * q), get(c, o)));
            }
        }
    }
}
