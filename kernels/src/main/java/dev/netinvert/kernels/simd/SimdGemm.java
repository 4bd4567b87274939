package dev.netinvert.kernels.simd;

import static dev.netinvert.kernels.internal.SegmentFloats.fma;
import static dev.netinvert.kernels.internal.SegmentFloats.get;
import static dev.netinvert.kernels.internal.SegmentFloats.put;
import static dev.netinvert.kernels.simd.VectorConstants.LE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The level-3 kernels behind {@link SimdKernelSupport}'s {@code gemmNT}, {@code gemmTN} and {@code gemmNN} and its
 * batched Bregman gradient: one packed, register-blocked product C ← C + α·A·B (the Goto/BLIS scheme, Goto &amp;
 * van de Geijn, ACM TOMS 34(3), 2008), in which every operand is given by byte strides, so the three products,
 * transposes included, are the same code:
 * <ul>
 *   <li>B ({@code K × N}) is copied, a k-block of rows × {@link #NC} columns at a time, into a per-thread panel
 *       ({@link #PANEL_BYTES}; the k-block is as deep as the panel allows, at least {@link #KC_MIN}, at most
 *       {@link #KC} when A is packed) as strips of {@link #NR} = 2 vectors of columns, or of one vector when the
 *       whole product has no more columns than one vector holds ({@link #kernelNarrow}: NT at B = 8 under AVX2), a
 *       strip row contiguous, the last strip padded with zeros. This copy is where a transposed B gets transposed.
 *       {@link #packWhole} packs all of B at full depth instead, for NT with X as B (X is read once per call, W
 *       once: see {@code SimdKernelSupport.gemmNT}); {@link #multiplyPacked} then goes through it in k-blocks of
 *       {@link #KC} when A is packed, keeping the accumulators of a block of rows of C in memory between them.
 *       {@link #packB} packs a B that serves many products ({@code Blas.pack}: the lockstep solvers' W) once, in
 *       every panel and k-block of {@link #multiplyAdd}, which {@link #multiplyAddPacked} then reads instead of
 *       copying B on every call.</li>
 *   <li>A ({@code M × K}) is read in place, or, below 512 bits ({@link #PACK_A}), copied six rows at a time, a
 *       k-block deep, into a buffer whose rows are a constant {@link #RS} bytes apart (block copies when A's rows
 *       are contiguous), so the kernel reads all six through one pointer;</li>
 *   <li>the micro-kernel ({@link #kernel}, {@link #kernelPacked}) keeps an {@link #MR} × NR block of C in 12 vector
 *       accumulators (6 rows × 2 vectors: 12 + 2 loads of B + 1 broadcast = 15 of AVX2's 16 registers), and per
 *       step loads 2 vectors of B and broadcasts 6 elements of A for 12 FMAs. It writes the block to a per-thread
 *       tile, and {@link #addTile} adds α times the valid part of it to C (vectors where C's row is contiguous,
 *       elements otherwise: a transposed C or a partial strip), or {@link #accumulate} to the block's
 *       accumulators in {@link #multiplyPacked}'s k-blocks.</li>
 * </ul>
 * β and the bias are applied to C before the first k-block, so the micro-kernel has no branch and no mask: edges
 * are zero columns in the panel and repeated rows of A whose results are not stored. Each k-block of
 * {@link #multiplyAdd} adds its partial sum to C with one more rounding (at most ⌈K/128⌉ per entry); those of
 * {@link #multiplyPacked} add none.
 *
 * <p>Under {@code -XX:UseAVX=2} on Zen 4 (thread CPU time, loaded machine, jmh/RESULTS-gemm.md), NT at
 * 64 × 4096 × 512 went from 60 to 73 GFLOP/s with the constant-stride copy of A (block copies instead of 24 K
 * scalar copies per block of rows, about 30 % of the samples before) and the k-blocks of the packed product; at
 * B = 8 from 27 to 36 with the one-vector strips.
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
    /** Columns of C per micro-kernel block: two vectors (one when the whole product is that narrow). */
    static final int NR = 2 * L;
    /** Bytes of one row of a wide panel strip. */
    private static final long SB = (long) NR * Float.BYTES;
    /**
     * Depth of a k-block when A is packed: the packed rows of A for one block of MR rows ({@code MR·RS} bytes,
     * 12 KiB) stay in L1 while the strips of B stream past them from L2 (256-1024 measured alike within the noise
     * of a loaded machine). This and the next constants can be set by system
     * properties (netinvert.gemm.kc, .nc, .panel, .tiles, .packA) for measurements.
     */
    static final int KC = Math.max(128, Integer.getInteger("netinvert.gemm.kc", 512) / 2 * 2);
    /**
     * Bytes between two packed rows of A ({@link #packRows}): a constant, so the kernel folds it into its
     * addresses; one cache line more than a row, so the six rows do not fall into the same L1 sets.
     */
    private static final long RS = 4L * KC + 64;
    /** Bytes spanned by two elements RS apart: the slice of packed A that {@link #kernelPacked} reads per check. */
    private static final long PAIR_BYTES = RS + Float.BYTES;
    /** Bytes of the packed panel of B (a k-block × as many columns as fit, a multiple of NR): L2-resident. */
    static final int PANEL_BYTES = Integer.getInteger("netinvert.gemm.panel", 512 * 1024);
    /**
     * The most columns of B per packed panel. Shallow products (k = 8-64, where the panel would allow thousands of
     * columns) measured slower with 512-column panels than with 128 (TN 8 × 4096 × 512 under AVX2: 17-19 against
     * 21-23 GFLOP/s, loaded machine).
     */
    static final int NC = Integer.getInteger("netinvert.gemm.nc", 128);
    /** Bytes of the accumulator tiles of {@link #multiplyPacked} (a block of rows of C, kept across k-blocks). */
    static final int TILES_BYTES = Integer.getInteger("netinvert.gemm.tiles", 256 * 1024);
    /**
     * Whether blocks of MR rows of A are copied ({@link #packRows}) first. Below 512 bits the
     * micro-kernel is limited by instructions, not FMAs (2 × 256-bit FMAs per cycle): six strided scalar reads with
     * their own address arithmetic and bounds checks cost as much as the FMAs. With one contiguous stream and a
     * pointer-stepped loop the kernel alone measured 108 GFLOP/s against 75 under {@code -XX:UseAVX=2} on Zen 4
     * (best of 3 runs on a loaded machine); in the products, +5-15 % in CPU time. At 512 bits (each FMA two cycles on
     * Zen 4) both ran at 114, so the copy is skipped there. It is skipped too when the block of C has only one strip
     * of columns (NT at B = 8: 18 against 32 GFLOP/s), where the copy is used once.
     */
    static final boolean PACK_A = Boolean.parseBoolean(System.getProperty("netinvert.gemm.packA",
            String.valueOf(L < 16)));

    /**
     * The largest A (as {@link #rowsWholeBytes}) that {@link #multiplyAdd} packs whole, once per call, rather than
     * block by block for every panel of B: 64 × 512 (G = R·W at B = 64, 139 KB) was copied 32 times per product.
     * At most a quarter of Zen 2's 512 KiB L2 beside the panel: a larger copy would be read back from L3, where the
     * per-panel copy leaves each block in L1 (512³ measured about 5 % slower packed whole, 1.1 MB).
     */
    static final long ROWS_WHOLE_MAX = Long.getLong("netinvert.gemm.rowsWhole", 256L << 10);

    /** The shallowest k-block of {@link #multiplyAdd} (the accuracy bound of {@code Blas.gemmNT} counts on ≥ 128). */
    static final int KC_MIN = 128;

    /**
     * A thread's buffers: the panel of a k-block ({@link #PANEL_BYTES}), one tile (MR × NR floats), and, grown
     * when a larger product first asks for them and never shrunk, the packed rows of A, the accumulator tiles of
     * {@link #multiplyPacked} and the whole packed operand of {@link #packWhole}.
     */
    private static final class Workspace {
        final MemorySegment panel, tile;
        MemorySegment whole, rows, tiles;

        Workspace() {
            Arena arena = Arena.ofAuto();
            panel = arena.allocate(Math.max(PANEL_BYTES, 4L * Math.max(KC, KC_MIN) * NR), 64);
            tile = arena.allocate(4L * MR * NR, 64);
            whole = arena.allocate(64, 64);
            rows = arena.allocate(MR * RS, 64);
            tiles = arena.allocate(4L * MR * NR, 64);
        }

        /** The buffer of packed blocks of MR rows of A, at least {@code bytes} long. */
        MemorySegment rows(long bytes) {
            if (rows.byteSize() < bytes) {
                rows = Arena.ofAuto().allocate(bytes, 64);
            }
            return rows;
        }

        MemorySegment tiles(long bytes) {
            if (tiles.byteSize() < bytes) {
                tiles = Arena.ofAuto().allocate(bytes, 64);
            }
            return tiles;
        }

        MemorySegment whole(long bytes) {
            if (whole.byteSize() < bytes) {
                whole = Arena.ofAuto().allocate(bytes, 64);
            }
            return whole;
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /** Columns of a strip for a product with n columns: one vector when n fits in one, else NR. */
    private static int stripWidth(int n) {
        return n <= L ? L : NR;
    }

    /** Bytes of B ({@code k × n}) packed whole by {@link #packWhole}: ⌈n / w⌉ strips of k × w floats. */
    static long wholeBytes(int k, int n) {
        int w = stripWidth(n);
        return (long) k * ((n + w - 1) / w) * w * Float.BYTES;
    }

    /**
     * Packs all of B ({@code k × n}, element [p][j] at {@code bo + p·brs + j·bcs}) into the thread's whole-operand
     * buffer as strips of w = {@link #stripWidth}(n) columns, strip s at byte s·k·4w (zeros past column n), and
     * returns that buffer. It stays valid until the thread's next call of this method.
     */
    static MemorySegment packWhole(MemorySegment b, long bo, long brs, long bcs, int k, int n) {
        MemorySegment whole = WORKSPACE.get().whole(wholeBytes(k, n));
        pack(b, bo, brs, bcs, k, n, stripWidth(n), whole, 0);
        return whole;
    }

    /**
     * C[i][j] ← C[i][j] + α·Σ_{p &lt; k} A[i][p]·B[p][j] for rows i0 ≤ i &lt; i1 and j &lt; n, with B packed whole
     * by {@link #packWhole} (A and C by byte strides as in {@link #multiplyAdd}). The rows go in blocks whose
     * accumulators ({@link #TILES_BYTES}) stay in memory across the k-blocks: per k-block, each block of MR rows of
     * A is packed once and multiplied by every strip's k-block (L2-resident for the whole row block), and C,
     * which NT stores transposed, element by element, is written once at the end with no extra rounding.
     */
    static void multiplyPacked(float alpha, MemorySegment a, long ao, long ars, long acs, int i0, int i1, int k,
                               MemorySegment packed, int n, MemorySegment c, long co, long crs, long ccs) {
        multiplyPacked(alpha, a, ao, ars, acs, i0, i1, k, null, 0, packed, n, c, co, crs, ccs);
    }

    /**
     * Whether {@link #multiplyPacked} packs blocks of MR rows of A for a product with n columns (B packed whole):
     * {@link #PACK_A}, and more than one strip of columns (a copy used by one strip only costs more than it saves).
     */
    static boolean packsRows(int n) {
        return PACK_A && n > stripWidth(n);
    }

    /**
     * Bytes of A ({@code m × k}) packed by {@link #packRowsWhole}: every block of MR rows and k-block of KC that
     * {@link #multiplyPacked} packs, MR·{@link #RS} bytes each.
     */
    static long rowsWholeBytes(int m, int k) {
        return (long) ((m + MR - 1) / MR) * ((k + KC - 1) / KC) * MR * RS;
    }

    /**
     * Packs A ({@code m × k}, A[i][p] at {@code ao + i·ars + p·acs}) into {@code dst} from byte dOff on
     * ({@link #rowsWholeBytes} long) as {@link #multiplyPacked} packs it when {@link #packsRows}, block by block:
     * rows [i, i + MR) (the last row repeated past m) and columns [pc, pc + KC) at
     * {@code dOff + ((i / MR)·⌈k / KC⌉ + pc / KC)·MR·RS}.
     */
    static void packRowsWhole(MemorySegment a, long ao, long ars, long acs, int m, int k, MemorySegment dst,
                              long dOff) {
        for (int i = 0; i < m; i += MR) {
            int mr = Math.min(MR, m - i);
            for (int pc = 0; pc < k; pc += KC) {
                long a0 = ao + i * ars + pc * acs;
                long a1 = a0 + Math.min(1, mr - 1) * ars, a2 = a0 + Math.min(2, mr - 1) * ars;
                long a3 = a0 + Math.min(3, mr - 1) * ars, a4 = a0 + Math.min(4, mr - 1) * ars;
                long a5 = a0 + Math.min(5, mr - 1) * ars;
                packRows(Math.min(KC, k - pc), a, a0, a1, a2, a3, a4, a5, acs, dst, rowsBlock(dOff, k, i, pc));
            }
        }
    }

    /** Byte offset of the block of rows [i, i + MR) and columns [pc, pc + KC) in A packed from dOff on. */
    private static long rowsBlock(long dOff, int k, int i, int pc) {
        return dOff + ((long) (i / MR) * ((k + KC - 1) / KC) + pc / KC) * MR * RS;
    }

    /**
     * {@link #multiplyPacked}, with A's blocks of rows read from {@code rows} (packed by {@link #packRowsWhole}
     * from byte rowsOff on) when not null and {@link #packsRows}(n); otherwise A's rows are packed per block as
     * above. The same kernels on the same values: the same result, bit for bit.
     */
    static void multiplyPacked(float alpha, MemorySegment a, long ao, long ars, long acs, int i0, int i1, int k,
                               MemorySegment rows, long rowsOff, MemorySegment packed, int n, MemorySegment c,
                               long co, long crs, long ccs) {
        if (i1 <= i0 || n == 0 || k == 0) {
            return;
        }
        Workspace ws = WORKSPACE.get();
        int nr = stripWidth(n), strips = (n + nr - 1) / nr;
        long sb = 4L * nr, stripBytes = k * sb, tileBytes = MR * sb, rowTiles = strips * tileBytes;
        boolean packA = packsRows(n);
        boolean prepacked = packA && rows != null;
        int depth = packA ? KC : k; // k-blocks keep the packed rows of A in L1 across the strips
        // Several k-blocks: the accumulators of a block of rows stay in memory (tiles) until the last one.
        boolean blocked = depth < k;
        int mb = blocked ? (int) Math.max(MR, TILES_BYTES / rowTiles * MR) : i1 - i0;
        MemorySegment tile = ws.tile, tiles = blocked ? ws.tiles(rowTiles * ((Math.min(mb, i1 - i0) + MR - 1) / MR)) : null;
        MemorySegment ap = prepacked ? rows : packA ? ws.rows(MR * RS) : null;
        for (int ib = i0; ib < i1; ib += mb) {
            int ie = Math.min(i1, ib + mb);
            if (blocked) {
                zero(tiles, rowTiles * ((ie - ib + MR - 1) / MR));
            }
            for (int pc = 0; pc < k; pc += depth) {
                int kc = Math.min(depth, k - pc);
                for (int i = ib; i < ie; i += MR) {
                    int mr = Math.min(MR, ie - i);
                    long a0 = ao + i * ars + pc * acs;
                    // Rows past the edge repeat the last row (read, computed, not stored).
                    long a1 = a0 + Math.min(1, mr - 1) * ars, a2 = a0 + Math.min(2, mr - 1) * ars;
                    long a3 = a0 + Math.min(3, mr - 1) * ars, a4 = a0 + Math.min(4, mr - 1) * ars;
                    long a5 = a0 + Math.min(5, mr - 1) * ars;
                    long to = (i - ib) / MR * rowTiles, apo = 0;
                    if (prepacked) {
                        apo = rowsBlock(rowsOff, k, i, pc);
                    } else if (packA) {
                        packRows(kc, a, a0, a1, a2, a3, a4, a5, acs, ap, 0);
                    }
                    for (int s = 0; s < strips; s++, to += tileBytes) {
                        long so = s * stripBytes + pc * sb;
                        if (nr == L) {
                            kernelNarrow(kc, a, a0, a1, a2, a3, a4, a5, acs, packed, so, tile);
                        } else if (packA) {
                            kernelPacked(kc, ap, apo, packed, so, tile);
                        } else {
                            kernel(kc, a, a0, a1, a2, a3, a4, a5, acs, packed, so, tile);
                        }
                        if (blocked) {
                            accumulate(tiles, to, tile, tileBytes);
                        } else {
                            int j = s * nr;
                            addTile(alpha, tile, 0, sb, mr, Math.min(nr, n - j), nr, c, co + i * crs + j * ccs,
                                    crs, ccs);
                        }
                    }
                }
            }
            if (blocked) {
                for (int i = ib; i < ie; i += MR) {
                    long to = (i - ib) / MR * rowTiles;
                    for (int s = 0; s < strips; s++, to += tileBytes) {
                        int j = s * nr;
                        addTile(alpha, tiles, to, sb, Math.min(MR, ie - i), Math.min(nr, n - j), nr,
                                c, co + i * crs + j * ccs, crs, ccs);
                    }
                }
            }
        }
    }

    /**
     * C[i][j] ← C[i][j] + α·Σ_p A[i][p]·B[p][j] for i &lt; m, j &lt; n, p &lt; k, every element addressed by byte
     * strides: A[i][p] at {@code ao + i·ars + p·acs}, B[p][j] at {@code bo + p·brs + j·bcs}, C[i][j] at
     * {@code co + i·crs + j·ccs}. Loops, outermost first: panels of {@link #NC} columns of B; k-blocks as deep as
     * the panel ({@link #PANEL_BYTES}) allows, at most {@link #KC} when A is packed ({@link #depth}); the panel
     * packed; blocks of MR rows of A, packed when {@link #PACK_A}; strips. Each k-block adds its partial sums to C.
     */
    static void multiplyAdd(float alpha, MemorySegment a, long ao, long ars, long acs, int m, int k,
                            MemorySegment b, long bo, long brs, long bcs, int n,
                            MemorySegment c, long co, long crs, long ccs) {
        multiplyAdd(alpha, a, ao, ars, acs, m, k, b, bo, brs, bcs, null, n, c, co, crs, ccs);
    }

    /**
     * {@link #multiplyAdd} with B given already packed by {@link #packB} ({@code packed}, {@link #packedBytes}
     * long; B's own memory is then not read): the same panels, k-blocks and kernel calls, so the same result, bit
     * for bit, without the copy of B per call. For an operand that serves many products: the lockstep solvers'
     * G = R·W, where copying W into the panels was 22 % of the product's samples under {@code -XX:UseAVX=2}
     * (64 × 512 × 4096, JFR).
     */
    static void multiplyAddPacked(float alpha, MemorySegment a, long ao, long ars, long acs, int m, int k,
                                  MemorySegment packed, int n, MemorySegment c, long co, long crs, long ccs) {
        multiplyAdd(alpha, a, ao, ars, acs, m, k, null, 0, 0, 0, packed, n, c, co, crs, ccs);
    }

    /** The panel width bound of a product with n columns: a multiple of the strip width. */
    private static int panelColumns(int n) {
        return Math.max(stripWidth(n), NC / NR * NR);
    }

    /** Whether {@link #multiplyAdd} packs blocks of MR rows of A for a product with n columns. */
    private static boolean packsA(int n) {
        return PACK_A && Math.min(n, panelColumns(n)) > stripWidth(n); // a copy used by one strip only costs more than it saves
    }

    /** The depth of {@link #multiplyAdd}'s k-blocks for a panel of nc columns of a product with n columns. */
    private static int depth(int n, int nc) {
        int nr = stripWidth(n);
        long stripsBytes = (nc + nr - 1) / nr * 4L * nr;
        int depth = (int) Math.max(KC_MIN, Math.min(Integer.MAX_VALUE, PANEL_BYTES / stripsBytes));
        return packsA(n) ? Math.min(depth, KC) : depth;
    }

    /**
     * Bytes of B ({@code k × n}) packed by {@link #packB}: every panel of {@link #multiplyAdd}, ⌈n / w⌉ strips
     * of k × w floats in all (w the strip width), as for {@link #packWhole}.
     */
    static long packedBytes(int k, int n) {
        return wholeBytes(k, n);
    }

    /**
     * Packs B ({@code k × n}, element [p][j] at {@code bo + p·brs + j·bcs}) into {@code dst} ({@link #packedBytes}
     * long) as {@link #multiplyAdd} would pack it, panel by panel: the panel of columns [jc, jc + nc) at byte
     * 4·k·jc, its k-block of rows [pc, pc + kc) at 4·pc·⌈nc / w⌉·w from there, laid out as {@link #pack} lays out
     * the per-thread panel.
     */
    static void packB(MemorySegment b, long bo, long brs, long bcs, int k, int n, MemorySegment dst) {
        int nr = stripWidth(n), ncMax = panelColumns(n);
        for (int jc = 0; jc < n; jc += ncMax) {
            int nc = Math.min(ncMax, n - jc), depth = depth(n, nc);
            for (int pc = 0; pc < k; pc += depth) {
                pack(b, bo + pc * brs + jc * bcs, brs, bcs, Math.min(depth, k - pc), nc, nr, dst,
                        panelOffset(k, jc, pc, nc, nr));
            }
        }
    }

    /** Byte offset, in B packed by {@link #packB}, of the k-block at row pc of the panel at column jc. */
    private static long panelOffset(int k, int jc, int pc, int nc, int nr) {
        return 4L * k * jc + 4L * pc * ((nc + nr - 1) / nr * nr);
    }

    /** {@link #multiplyAdd}, with B packed into the per-thread panel per k-block or, if packed != null, read from there. */
    private static void multiplyAdd(float alpha, MemorySegment a, long ao, long ars, long acs, int m, int k,
                                    MemorySegment b, long bo, long brs, long bcs, MemorySegment packed, int n,
                                    MemorySegment c, long co, long crs, long ccs) {
        if (m == 0 || n == 0 || k == 0) {
            return;
        }
        Workspace ws = WORKSPACE.get();
        MemorySegment panel = packed != null ? packed : ws.panel, tile = ws.tile;
        int nr = stripWidth(n);
        long sb = 4L * nr;
        int ncMax = panelColumns(n);
        boolean packA = packsA(n);
        // A packed once for all panels when every k-block but the last is KC deep (packRowsWhole's blocks) and the
        // copy is not large; else block by block per panel. The same values either way: the same result.
        boolean whole = packA && depth(n, Math.min(n, ncMax)) == KC && rowsWholeBytes(m, k) <= ROWS_WHOLE_MAX;
        MemorySegment ap = packA ? ws.rows(whole ? rowsWholeBytes(m, k) : MR * RS) : null;
        if (whole) {
            packRowsWhole(a, ao, ars, acs, m, k, ap, 0);
        }
        for (int jc = 0; jc < n; jc += ncMax) {
            int nc = Math.min(ncMax, n - jc), depth = depth(n, nc);
            for (int pc = 0; pc < k; pc += depth) {
                int kc = Math.min(depth, k - pc);
                long po = 0;
                if (packed == null) {
                    pack(b, bo + pc * brs + jc * bcs, brs, bcs, kc, nc, nr, panel, 0);
                } else {
                    po = panelOffset(k, jc, pc, nc, nr);
                }
                long stripBytes = kc * sb;
                for (int i = 0; i < m; i += MR) {
                    int mr = Math.min(MR, m - i);
                    long a0 = ao + i * ars + pc * acs;
                    // Rows past the edge repeat the last row (read, computed, not stored).
                    long a1 = a0 + Math.min(1, mr - 1) * ars, a2 = a0 + Math.min(2, mr - 1) * ars;
                    long a3 = a0 + Math.min(3, mr - 1) * ars, a4 = a0 + Math.min(4, mr - 1) * ars;
                    long a5 = a0 + Math.min(5, mr - 1) * ars;
                    long apo = 0;
                    if (whole) {
                        apo = rowsBlock(0, k, i, pc);
                    } else if (packA) {
                        packRows(kc, a, a0, a1, a2, a3, a4, a5, acs, ap, 0);
                    }
                    for (int j = 0; j < nc; j += nr) {
                        long so = po + (j / nr) * stripBytes;
                        if (nr == L) {
                            kernelNarrow(kc, a, a0, a1, a2, a3, a4, a5, acs, panel, so, tile);
                        } else if (packA) {
                            kernelPacked(kc, ap, apo, panel, so, tile);
                        } else {
                            kernel(kc, a, a0, a1, a2, a3, a4, a5, acs, panel, so, tile);
                        }
                        addTile(alpha, tile, 0, sb, mr, Math.min(nr, nc - j), nr, c,
                                co + i * crs + (jc + j) * ccs, crs, ccs);
                    }
                }
            }
        }
    }

    /**
     * tiles[to, to + bytes) += tile[0, bytes) (bytes a multiple of a vector): a k-block's tile added to the
     * accumulators of earlier ones. A method of its own, so the micro-kernels stay as small as they were: with
     * twelve more vector loads inlined, C2 sometimes left the FMAs of {@link #kernel} out of line under
     * {@code -XX:UseAVX=2} (JFR: {@code Float256Vector.lanewise} allocating from {@code kernel}, 140 KB per
     * training step in one run of {@code TrainerAllocationTest} out of four).
     */
    private static void accumulate(MemorySegment tiles, long to, MemorySegment tile, long bytes) {
        for (long o = 0; o < bytes; o += LB) {
            FloatVector.fromMemorySegment(F, tiles, to + o, LE).add(FloatVector.fromMemorySegment(F, tile, o, LE))
                    .intoMemorySegment(tiles, to + o, LE);
        }
    }

    /** Zeros the first {@code bytes} (a multiple of a vector) of {@code s}. */
    private static void zero(MemorySegment s, long bytes) {
        FloatVector z = FloatVector.zero(F);
        for (long o = 0; o < bytes; o += LB) {
            z.intoMemorySegment(s, o, LE);
        }
    }

    /**
     * Copies B[0, kc) × [0, nc) (at {@code bo}, strides brs, bcs) into {@code panel} from byte po on as strips of w
     * (NR or L) columns: strip s, row p, column q at byte {@code po + s·kc·4w + p·4w + 4q}; columns past nc are
     * zeros.
     */
    private static void pack(MemorySegment b, long bo, long brs, long bcs, int kc, int nc, int w,
                             MemorySegment panel, long po) {
        long sb = 4L * w, stripBytes = kc * sb;
        for (int j = 0; j < nc; j += w) {
            int cols = Math.min(w, nc - j);
            long dst = po + (j / w) * stripBytes;
            long src = bo + j * bcs;
            if (bcs == 4 && cols == w) {
                // Rows of B are contiguous: one bulk copy per row, no vector. This was one or two vector loads and
                // stores, and with some compile orders (depending on which tests or solvers warmed the kernels
                // first) C2's code for pack ran the loads through the Vector API's Java fallback: 38 MB per 40
                // lockstep GD iterations at 512 bits (JFR: the samples on pack's load lines). Since the change the
                // GEMM allocation tests pass with 0 B at every width, where they allowed 32 KB per call below 512
                // bits. The copy is a small part of a GEMM (k·n of m·k·n).
                for (int p = 0; p < kc; p++) {
                    MemorySegment.copy(b, src + p * brs, panel, dst + p * sb, sb);
                }
            } else if (bcs == 4) {
                for (int p = 0; p < kc; p++) {
                    long s = src + p * brs, d = dst + p * sb;
                    for (int q = 0; q < cols; q++) {
                        put(panel, d + 4L * q, get(b, s + 4L * q));
                    }
                    for (int q = cols; q < w; q++) {
                        put(panel, d + 4L * q, 0f);
                    }
                }
            } else if (brs == 4 && cols == w) {
                // A transposed B whose columns are contiguous runs (X for X·Wᵀ): L × L blocks moved by vectors and
                // transposed in place in the panel; the last kc mod L rows of the strip element by element.
                int pv = kc / L * L;
                for (int q0 = 0; q0 < w; q0 += L) {
                    for (int p0 = 0; p0 < pv; p0 += L) {
                        transposeBlock(b, src + q0 * bcs + 4L * p0, bcs, panel, dst + p0 * sb + 4L * q0, sb);
                    }
                    for (int q = q0; q < q0 + L; q++) {
                        long s = src + q * bcs, d = dst + 4L * q;
                        for (int p = pv; p < kc; p++) {
                            put(panel, d + p * sb, get(b, s + 4L * p));
                        }
                    }
                }
            } else { // a transposed B: column q of the strip is a contiguous run of B (brs = 4 in practice)
                for (int q = 0; q < cols; q++) {
                    long s = src + q * bcs, d = dst + 4L * q;
                    for (int p = 0; p < kc; p++) {
                        put(panel, d + p * sb, get(b, s + p * brs));
                    }
                }
                for (int q = cols; q < w; q++) {
                    for (int p = 0; p < kc; p++) {
                        put(panel, dst + p * sb + 4L * q, 0f);
                    }
                }
            }
        }
    }

    /** The butterfly shuffles and masks of {@link #transposeBlock} (placeholders at distances not below L). */
    private static final VectorShuffle<Float> SWAP_1 = Lanes.fold(1), SWAP_2 = Lanes.fold(L > 2 ? 2 : 1),
            SWAP_4 = Lanes.fold(L > 4 ? 4 : 1), SWAP_8 = Lanes.fold(L > 8 ? 8 : 1);
    private static final VectorMask<Float> BIT_1 = Lanes.upper(1), BIT_2 = Lanes.upper(2), BIT_4 = Lanes.upper(4),
            BIT_8 = Lanes.upper(8);

    /**
     * d[do + c·drs + 4r] ← s[so + r·srs + 4c] for r, c &lt; L: an L × L block of floats transposed. Its rows are
     * copied as vectors, then transposed in place by the butterfly of 2 × 2 block transposes at distances L/2, …,
     * 1 (for each pair of rows r, r + h with bit h of r clear, the lanes with bit h set of row r trade places with
     * the lanes with bit h clear of row r + h): log₂L passes of one load, one permute, one blend and one store
     * per row, instead of an element copy with two bounds checks per element (the transposing copy of X was 7.5 %
     * of NT 64 × 4096 × 512's samples under {@code -XX:UseAVX=2}). A copy: exact. Takes and returns no vector.
     * The four passes are written out, each with its shuffle and mask as constants of the class: the same pass
     * as one loop over h, or as a helper taking the shuffle and mask, makes them run-time values, and non-constant
     * shuffles were 2× slower in the GEMV's lane tree (see {@code Lanes}).
     */
    private static void transposeBlock(MemorySegment s, long so, long srs, MemorySegment d, long dOff, long drs) {
        for (int r = 0; r < L; r++) {
            FloatVector.fromMemorySegment(F, s, so + r * srs, LE).intoMemorySegment(d, dOff + r * drs, LE);
        }
        if (L > 8) {
            for (int r = 0; r < 8; r++) {
                long ra = dOff + r * drs, rb = ra + 8 * drs;
                FloatVector a = FloatVector.fromMemorySegment(F, d, ra, LE);
                FloatVector b = FloatVector.fromMemorySegment(F, d, rb, LE);
                a.blend(b.rearrange(SWAP_8), BIT_8).intoMemorySegment(d, ra, LE);
                a.rearrange(SWAP_8).blend(b, BIT_8).intoMemorySegment(d, rb, LE);
            }
        }
        if (L > 4) {
            for (int r = 0; r < L; r += (r & 3) == 3 ? 5 : 1) {
                long ra = dOff + r * drs, rb = ra + 4 * drs;
                FloatVector a = FloatVector.fromMemorySegment(F, d, ra, LE);
                FloatVector b = FloatVector.fromMemorySegment(F, d, rb, LE);
                a.blend(b.rearrange(SWAP_4), BIT_4).intoMemorySegment(d, ra, LE);
                a.rearrange(SWAP_4).blend(b, BIT_4).intoMemorySegment(d, rb, LE);
            }
        }
        if (L > 2) {
            for (int r = 0; r < L; r += (r & 1) == 1 ? 3 : 1) {
                long ra = dOff + r * drs, rb = ra + 2 * drs;
                FloatVector a = FloatVector.fromMemorySegment(F, d, ra, LE);
                FloatVector b = FloatVector.fromMemorySegment(F, d, rb, LE);
                a.blend(b.rearrange(SWAP_2), BIT_2).intoMemorySegment(d, ra, LE);
                a.rearrange(SWAP_2).blend(b, BIT_2).intoMemorySegment(d, rb, LE);
            }
        }
        for (int r = 0; r < L; r += 2) {
            long ra = dOff + r * drs, rb = ra + drs;
            FloatVector a = FloatVector.fromMemorySegment(F, d, ra, LE);
            FloatVector b = FloatVector.fromMemorySegment(F, d, rb, LE);
            a.blend(b.rearrange(SWAP_1), BIT_1).intoMemorySegment(d, ra, LE);
            a.rearrange(SWAP_1).blend(b, BIT_1).intoMemorySegment(d, rb, LE);
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

    /**
     * The narrow form of {@link #kernel} for products of at most one vector of columns (strips of L columns,
     * tile rows of L floats): tile[r] ← Σ_p A_r[p]·strip[p], A read in place. Six accumulators leave
     * the FMA pipes partly waiting on the FMA latency; a second set of six for odd p measured 2.7 times slower
     * under {@code -XX:UseAVX=2} (12 accumulators, 2 loads of B and the 12 broadcasts do not fit in 16 registers),
     * and the 2-vector strip it replaces, half zeros, 1.4 times slower (8 × 4096 × 512 NT, Zen 4).
     */
    private static void kernelNarrow(int kc, MemorySegment a, long a0, long a1, long a2, long a3, long a4, long a5,
                                     long acs, MemorySegment panel, long so, MemorySegment tile) {
        FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        for (int p = 0; p < kc; p++) {
            long o = p * acs;
            FloatVector b0 = FloatVector.fromMemorySegment(F, panel, so + p * LB, LE);
            c0 = b0.fma(FloatVector.broadcast(F, get(a, a0 + o)), c0);
            c1 = b0.fma(FloatVector.broadcast(F, get(a, a1 + o)), c1);
            c2 = b0.fma(FloatVector.broadcast(F, get(a, a2 + o)), c2);
            c3 = b0.fma(FloatVector.broadcast(F, get(a, a3 + o)), c3);
            c4 = b0.fma(FloatVector.broadcast(F, get(a, a4 + o)), c4);
            c5 = b0.fma(FloatVector.broadcast(F, get(a, a5 + o)), c5);
        }
        c0.intoMemorySegment(tile, 0, LE);
        c1.intoMemorySegment(tile, LB, LE);
        c2.intoMemorySegment(tile, 2 * LB, LE);
        c3.intoMemorySegment(tile, 3 * LB, LE);
        c4.intoMemorySegment(tile, 4 * LB, LE);
        c5.intoMemorySegment(tile, 5 * LB, LE);
    }

    /**
     * dst[dOff + r·RS + 4p] ← A_r[p] for the six rows of A at a0 … a5 (stepping acs), p &lt; kc ≤ KC: the rows one
     * after another at the constant stride {@link #RS}, so that the micro-kernel addresses all six with one
     * pointer. Contiguous rows (acs = 4, NN and NT) are block copies.
     */
    private static void packRows(int kc, MemorySegment a, long a0, long a1, long a2, long a3, long a4, long a5,
                                 long acs, MemorySegment dst, long dOff) {
        if (acs == 4) {
            long bytes = 4L * kc;
            MemorySegment.copy(a, a0, dst, dOff, bytes);
            MemorySegment.copy(a, a1, dst, dOff + RS, bytes);
            MemorySegment.copy(a, a2, dst, dOff + 2 * RS, bytes);
            MemorySegment.copy(a, a3, dst, dOff + 3 * RS, bytes);
            MemorySegment.copy(a, a4, dst, dOff + 4 * RS, bytes);
            MemorySegment.copy(a, a5, dst, dOff + 5 * RS, bytes);
            return;
        }
        long d = dOff;
        for (int p = 0; p < kc; p++, d += 4) {
            long o = p * acs;
            put(dst, d, get(a, a0 + o));
            put(dst, d + RS, get(a, a1 + o));
            put(dst, d + 2 * RS, get(a, a2 + o));
            put(dst, d + 3 * RS, get(a, a3 + o));
            put(dst, d + 4 * RS, get(a, a4 + o));
            put(dst, d + 5 * RS, get(a, a5 + o));
        }
    }

    /**
     * {@link #kernel} with the six rows of A packed by {@link #packRows} at {@code apo} of {@code ap}. The loop
     * steps byte offsets rather than an index (C2 compiled the indexed form of this loop about 15 % slower).
     *
     * <p>The six elements of A are read through three slices of two elements each ({@link #PAIR_BYTES}): the
     * slice's bounds check covers both reads, whose offsets in it are constants that C2 checks at compile time.
     * That is three bounds checks per step instead of six (each a {@code lea}, {@code cmp}, {@code jae} beside 2
     * loads, 6 broadcasts and 12 FMAs under {@code -XX:UseAVX=2}, an instruction-bound loop there): 5-7 % less
     * CPU time for 64 × 4096 × 512 NN and NT. The slices are scalar-replaced (0 B per call in the allocation
     * tests) when C2 inlines {@code asSlice}, which the JVM flags of {@code KernelProvider.INLINE_SLICES} make
     * sure of. One slice for all six, or two of three, took 2× longer: with no check between them C2 schedules
     * the broadcasts ahead, 12 accumulators + 2 vectors of B + 3 or more broadcasts exceed the 16 ymm registers,
     * and an accumulator is spilled (as when the checks were hoisted out of the loop, see jmh/RESULTS-gemm.md).
     */
    private static void kernelPacked(int kc, MemorySegment ap, long apo, MemorySegment panel, long so,
                                     MemorySegment tile) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        long end = so + kc * SB;
        long o = apo;
        for (long bp = so; bp < end; bp += SB, o += 4) {
            FloatVector b0 = FloatVector.fromMemorySegment(F, panel, bp, LE);
            FloatVector b1 = FloatVector.fromMemorySegment(F, panel, bp + LB, LE);
            MemorySegment col = ap.asSlice(o, PAIR_BYTES); // one bounds check for two elements
            FloatVector e = FloatVector.broadcast(F, get(col, 0));
            c00 = b0.fma(e, c00);
            c01 = b1.fma(e, c01);
            e = FloatVector.broadcast(F, get(col, RS));
            c10 = b0.fma(e, c10);
            c11 = b1.fma(e, c11);
            col = ap.asSlice(o + 2 * RS, PAIR_BYTES);
            e = FloatVector.broadcast(F, get(col, 0));
            c20 = b0.fma(e, c20);
            c21 = b1.fma(e, c21);
            e = FloatVector.broadcast(F, get(col, RS));
            c30 = b0.fma(e, c30);
            c31 = b1.fma(e, c31);
            col = ap.asSlice(o + 4 * RS, PAIR_BYTES);
            e = FloatVector.broadcast(F, get(col, 0));
            c40 = b0.fma(e, c40);
            c41 = b1.fma(e, c41);
            e = FloatVector.broadcast(F, get(col, RS));
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

    /**
     * C[r][q] ← C[r][q] + α·tile[r][q] for r &lt; mr, q &lt; nr, the tile at {@code to} with rows of {@code tsb}
     * bytes, {@code full} columns wide (one FMA each; C at co, strides crs, ccs).
     */
    private static void addTile(float alpha, MemorySegment tile, long to, long tsb, int mr, int nr, int full,
                                MemorySegment c, long co, long crs, long ccs) {
        if (ccs == 4 && nr == full) {
            FloatVector av = FloatVector.broadcast(F, alpha);
            for (int r = 0; r < mr; r++) {
                long o = co + r * crs, t = to + r * tsb;
                FloatVector.fromMemorySegment(F, tile, t, LE).fma(av, FloatVector.fromMemorySegment(F, c, o, LE))
                        .intoMemorySegment(c, o, LE);
            }
            if (full == NR) {
                for (int r = 0; r < mr; r++) {
                    long o = co + r * crs + LB, t = to + r * tsb + LB;
                    FloatVector.fromMemorySegment(F, tile, t, LE).fma(av, FloatVector.fromMemorySegment(F, c, o, LE))
                            .intoMemorySegment(c, o, LE);
                }
            }
            return;
        }
        for (int r = 0; r < mr; r++) {
            for (int q = 0; q < nr; q++) {
                long o = co + r * crs + q * ccs;
                put(c, o, fma(alpha, get(tile, to + r * tsb + 4L * q), get(c, o)));
            }
        }
    }
}
