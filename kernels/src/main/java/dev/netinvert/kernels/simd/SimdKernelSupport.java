package dev.netinvert.kernels.simd;

import static dev.netinvert.kernels.internal.SegmentFloats.fma;
import static dev.netinvert.kernels.internal.SegmentFloats.get;
import static dev.netinvert.kernels.internal.SegmentFloats.put;
import static dev.netinvert.kernels.simd.VectorConstants.LE;
import static jdk.incubator.vector.VectorOperators.F2D;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.KernelSupport;
import dev.netinvert.kernels.internal.CacheSizes;
import dev.netinvert.kernels.internal.FloatSigma;
import dev.netinvert.kernels.scalar.ScalarKernelSupport;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API implementation over native segments. Created only by {@link SimdKernelProvider}, which is
 * loaded after the check that {@code jdk.incubator.vector} is present, so nothing here is touched otherwise.
 *
 * <p>Loads, stores and FMAs call the Vector API directly, never through a private helper. The API's
 * methods are {@code @ForceInline}, so C2 inlines and intrinsifies them at every call site; a helper of
 * ours is inlined only by C2's heuristics. Those refused a 12-byte {@code load} helper at the GEMV's
 * row-tail sites ("already compiled into a medium method": the helper had been compiled on its own and
 * the sites looked cold, because an earlier network's rows were all multiples of 8 long). Every
 * vector it returned was then boxed: 192 KB per forward pass of the 100-300-625 generator under
 * {@code -XX:UseAVX=2}, forever, since tier-4 code is not re-profiled. Scalar helpers ({@code get},
 * {@code put}, {@code fma} on floats, from {@code internal.SegmentFloats}) box nothing and stay. For the same reason lane sums are written out
 * in each kernel with {@link Lanes#fold} (which returns a shuffle, not a vector): a call to
 * {@code Lanes.sum4} in the 4-row block boxed its four accumulators under {@code -XX:UseAVX=2} in JMH's
 * FISTA benchmark (29.8 KB per step: 156 blocks × 4 vectors), while the allocation tests' JVMs did not.
 *
 * <p>The short-row kernels ({@code dot8}, {@code dot4Pairs}, {@code gemvTRegisters}, {@code gemvTWide}) read W
 * through {@code MemorySegment.asSlice}s made per row or per block, so that a row costs one bounds check rather
 * than one per load (without them, 1.3-1.8× slower at 100-1000 columns under AVX2). The slices are free only when
 * C2 inlines the JDK's {@code asSlice} chain and scalar-replaces them, which its frequency heuristic sometimes
 * declines on a busy warm-up; the JVM flags {@link dev.netinvert.kernels.KernelProvider#INLINE_SLICES} force that
 * inlining (jmh/RESULTS.md, eleventh session: without them one cold lifted-CD run in three allocated 1.3 GB/s).
 *
 * <p>Shape of the level-1 kernels: only the reductions are unrolled — {@code dot} and {@code sumOfSquares}
 * 4× (four independent accumulators hide the 4-5-cycle FMA latency on two FMA pipes), {@code maxAbs} 2× —
 * each then finishing with a single-vector loop; {@code axpy}, {@code scale} and {@code fill} carry no
 * chain between iterations and run one vector per iteration ({@code copy} is {@code MemorySegment.copy}).
 * A scalar tail ends every loop — no masked loads or stores, which the JIT compiles poorly on some CPUs. The matrix kernels, whose rows are often short (100
 * columns), take each row's last L elements as one overlapping full-width vector and a register blend instead
 * (the GEMV's blocks take it first, the others last). Matrix
 * kernels work on 4 rows at a time so that each load of x (GEMV) or of y (GEMVᵀ) is shared by 4 rows
 * of W; rows go through 8-row GEMV blocks ({@code dot8}; past 320 columns at 256 bits as two 4-row blocks of
 * column-vector pairs, {@code dot4Pairs}), each row with the same arithmetic in a block of eight or of four (the
 * batch passes and the fused gradient's long rows tile W by four rows); rows of at most
 * three 13-vector windows at 256 bits (312 columns; five at 512, 1 040 columns) through a GEMVᵀ that keeps y in
 * registers ({@code windowsT}: {@code gemvTRegisters}, {@code gemvTWide}), and rows of at
 * most 512 columns through a fused gradient on chunks of 8-row blocks ({@code bregmanShortRows}), because at 100
 * columns the per-block loop set-up, not the FMAs, was the cost (jmh/RESULTS.md, 2026-12-05 short-row section).
 */
public final class SimdKernelSupport implements KernelSupport {

    // static final so that C2 treats species and length as constants (DESIGN.md decision 3).
    private static final VectorSpecies<Float> F = VectorConstants.SPECIES;
    private static final int L = F.length();
    private static final long LB = (long) L * Float.BYTES;

    /** Below two vectors' length the vector set-up and lane sum cost more than they save. */
    private static final int VECTOR_THRESHOLD = 2 * L;


    /**
     * Rows of at most this many columns (64 vectors at 512 bits, 128 at 256) may be packed in panels
     * ({@link #gemvPack}); up to the twentieth session it was also where the GEMV's 8-row blocks ({@link #dot8})
     * ended at 256 bits (see {@link #gemv}). dot8's column loop is deliberately not a counted loop. For a counted loop C2 emits a
     * pre-loop, an unrolled main loop without bounds checks and a post-loop, and chooses between them at run time:
     * at 100 columns (6-13 vectors) that set-up and the checked pre-loop cost more than the row's FMAs (784×96,
     * 512 bits: 6.4 µs per GEMV against 4.0 µs with a plain loop that checks every load). Longer rows amortise it
     * in the counted loops of {@link #dot4Lanes} and {@link #axpy4}. The limit was 64 vectors at 256 bits too,
     * when every load of dot8's rows had its own bounds check (100×784: 4.3 against 3.3 µs for the 4-row loop);
     * with its rows read through slices, dot8 is the faster one at 784 columns under {@code -XX:UseAVX=2}:
     * 3.4-3.8 → 2.7-3.3 µs, at parity with OpenBLAS's sgemv in the same process (per-pair ratio 1.02, was 1.09-1.16;
     * jmh/RESULTS.md, eighth session).
     */
    private static final int SHORT_ROW = 1024;

    /**
     * Rows of more than this many columns take {@link #dot8}'s blocks as two {@link #dot4Pairs}: with 256-bit
     * vectors, more than 40 (320 columns). Measured on a real AVX2 machine (Zen 3) against OpenBLAS's sgemv in the
     * same process, rows padded to lines, ratio of medians dot8 → pairs: 300×200 1.32 → 1.44, 625×300 1.29 → 1.30,
     * 200×400 1.35 → 1.25, 100×512 1.37 → 1.12, 100×784 1.22 → 1.10, 625×1000 1.18 → 1.04 (jmh/RESULTS.md, tenth
     * session). At 512 bits never: on Zen 4 (min µs of 400 bursts, rows padded, two rounds; nineteenth session)
     * pairs past 320 columns were slower at 300×400 (GEMV through the panels 4.59-4.62 → 5.10-5.14), 625×500
     * (14.6-14.9 → 16.2-16.5), 200×400 and 100×784, faster only at 625×1000 (30.1-30.2 → 28.4-28.6); past 640
     * columns, level at 100×784 and 625×1000.
     */
    private static final int PAIRED_ROW = L == 8 ? 40 * L : Integer.MAX_VALUE;

    /**
     * Whether {@link #dot8} takes a row of {@code cols} columns as two {@link #dot4Pairs} blocks (and {@link #dot4}
     * pairs its vectors): past {@link #PAIRED_ROW} and up to {@link #SHORT_ROW} columns. Longer rows go back to one
     * vector a step in eight-row blocks, as at 512 bits, and the fused gradient takes eight rows a step there
     * ({@link #FUSED_STEP}). In the kernels' layout (rows not 2 KiB multiples apart,
     * {@link dev.netinvert.kernels.FloatMatrix#paddedLd}), under {@code -XX:UseAVX=2} on Zen 4, min µs and per-pair
     * ratio to OpenBLAS of two alternated rounds (jmh/RESULTS.md, twenty-first session), pairs and four-row fused
     * steps → unpaired eight-row blocks and steps: GEMV 512×4096 117 → 104 (1.07 → 0.96), 4096² 2 448-2 562 →
     * 2 084-2 343 (1.06-1.07 → 0.92-0.93), 1000×1500 75.6-76.2 → 71.2-71.9 (1.06-1.07 → 1.00-1.02); fused
     * gradient 512×4096 216 → 189 (1.02 → 0.90), 4096² 3 256-3 292 → 2 887-2 935 (0.75 → 0.64-0.65), 1000×1500
     * level. Not at 625×1000 and 100×784 (fused 0.97-0.98 → 1.04 and 1.09-1.12 → 1.12-1.16), hence the upper
     * limit. (With the rows 16 KiB apart, in the twentieth session, eight-row steps of paired blocks had lost at
     * 512×4096.) A function of cols alone, so a row gets the same bits in every block and kernel.
     */
    private static boolean paired(int cols) {
        return cols > PAIRED_ROW && cols <= SHORT_ROW;
    }

    /**
     * The widest column window that {@link #gemvTRegisters} keeps in registers: eight vectors (128 columns at
     * 512 bits, 64 at 256); the windows of more than that are {@link #gemvTWide}'s. How many windows pay:
     * {@link #WINDOWED_ROW}.
     */
    private static final int REGISTER_ROW = 8 * L;
    /** The widest row that {@link #gemvTWide} keeps in registers whole: thirteen vectors (104 columns at 256 bits). */
    private static final int WIDE_ROW = 13 * L;

    /**
     * GEMVᵀ (and the fused gradient's second pass) keeps y in registers, in column windows that each stream every
     * row ({@link #windowsT}), for rows of up to this many columns; wider rows (and at 512 bits four or five windows'
     * width over a W beyond L2, {@link #windowed}) go {@link #blockRows} at a time through {@link #axpyRows}, one
     * load and store of y per block (four rows when these windows were measured). At 256 bits three windows of up to thirteen vectors
     * (312 columns); measured on Zen 3 against the 4-row axpys, rows padded to lines, min µs of 400 bursts
     * (jmh/RESULTS.md, eleventh session): 625×300 15.8-16.1 → 11.6-13.2, 300×200 4.1-4.3 → 2.8, 192×256 3.0 → 2.4,
     * 384×192 5.1-5.6 → 3.3-4.9, 1000×300 26-27 → 22, 64×300 1.25 → 0.92; with four or more windows no faster
     * (200×400, 625×500, 1000×400) or slower (100×784 3.6-3.9 → 4.8, 512×4096 126 → 156-163). At 512 bits five
     * windows of up to thirteen vectors (1 040 columns); measured on Zen 4 against the former limit of two windows
     * of eight vectors, rows padded, min µs of 400 bursts, two rounds (jmh/RESULTS.md, nineteenth session): 625×300
     * 11.1-11.6 → 7.9-8.1, 300×400 5.6 → 4.2-4.3, 1000×300 19.4-20.0 → 15.2-15.3, 625×500 18.0-18.2 → 14.8-15.2,
     * 100×512 2.2 → 1.9; and five windows against three: 300×640 8.4-8.5 → 7.4-7.8, 100×784 3.2 → 2.9, 100×1000
     * 4.1 → 3.8, 625×1000 32.3 → 31.7-32.5. Zen 4's 32 vector registers hold the thirteen accumulators twice over.
     */
    private static final int WINDOWED_ROW = (L == 8 ? 3 : 5) * WIDE_ROW;

    /**
     * Rows of W per chunk of the short-row fused gradient ({@link #bregmanShortRows}): its rows' dot products,
     * then one pass over the same rows into g, while the chunk (at most this many bytes, the size of L1) is still
     * in L1 or L2. 32 KB rather than the 64 KB of the first version: under {@code -XX:UseAVX=2} 784×100 9.49 →
     * 9.07 µs, 625×300 21.3 → 20.0 µs, 300×200 7.30 → 6.81 µs; at 512 bits within ±2 % (jmh/RESULTS.md, ninth
     * session).
     */
    private static final long SHORT_CHUNK_BYTES = 32 * 1024;

    /**
     * A block of rows of the short-row fused gradient that holds at most this many bytes, one core's L2
     * ({@link CacheSizes#L2_BYTES}: 512 KB on Zen 2 and 3, 1 MB on Zen 4), is one chunk: all its dot products, then
     * all its rows into g, the second read from L2 as the chunks' is. {@code MinOfBursts} min µs, rows padded,
     * alternated rounds:
     * <ul>
     * <li>Zen 3, AVX2, against 32 KB chunks: 192×256 5.65-5.81 → 5.24-5.32, 300×100 4.14-4.27 → 3.97-4.08; between
     *     256 and 512 KB within the noise; past L2 up to 10 % slower (625×300, 625×500; seventeenth session).</li>
     * <li>Zen 4, 512 bits, one chunk to 256 KB (the former limit) → to 1 MB: 384×192 6.65-7.81 → 6.26-6.30,
     *     784×100 9.46-9.56 → 8.87-8.91, 200×400 6.59-6.61 → 6.34-6.41, 625×300 19.1-19.4 → 17.0-17.6, 700×300
     *     21.8-22.1 (to 512 KB) → 19.4, 1000×200 19.5-20.1 → 18.0-18.7; past L2 (625×500) the same.</li>
     * <li>Zen 4 under {@code -XX:UseAVX=2}: 384×192 6.38-6.62 → 6.10-6.17, 784×100 8.45-8.48 → 8.11-8.13, 200×400
     *     7.35-9.69 → 6.80-6.88 to 512 KB; to 1 MB 800×256 20.0 → 18.8-18.9, 625×300 16.7-17.3 → 15.9-16.6,
     *     1000×200 and 700×300 level (jmh/RESULTS.md, nineteenth session).</li>
     * </ul>
     */
    private static final long WHOLE_CHUNK_BYTES = CacheSizes.L2_BYTES;

    /**
     * Rows of at most this many columns take the chunked fused gradient ({@link #bregmanShortRows}); longer ones
     * the 4-row blocks of {@link #bregmanGradient}, whose second read of a block comes from L1. The chunks pay
     * where {@link #dot8} beats the 4-row dot products and the residuals' vector pass beats the scalar one per
     * row: up to 512 columns (625×300 under AVX2 22.4-23.9 → 19.9 µs, at 512 bits 19.4 → 17.8 µs; 300×200
     * under AVX2 8.2 → 6.7 µs), not at 784 or 1000 (100×784 at 512 bits 5.1 → 6.1 µs).
     */
    private static final int FUSED_CHUNKED_ROW = 512;

    /**
     * Rows per step of the fused gradient past {@link #FUSED_CHUNKED_ROW} columns ({@link #bregmanGradient}) where
     * {@link #dot8} does not pair its vectors ({@link #paired}: at 512 bits always, at 256 bits past 1 024
     * columns): eight ({@link #dot8}'s blocks, eight pending rows per {@link #axpy8}; past {@link #WINDOWED_ROW}
     * columns {@link #blockRows}); elsewhere four
     * ({@link #dot4}, {@link #axpy4}; at 128 bits dot8 is not used). The same bits either way (y[j]'s FMA chain is
     * the same in axpy8 as in two axpy4s); Σ e² is summed in the same row order. Eight rows make half as many
     * passes over x and g per row of W: at 4096 columns x and g (16 KB each) fill L1 on their own, so every pass
     * over them came from L2 beside the rows. {@code MinOfBursts} at 512 bits with OpenBLAS's two sgemv in the
     * same process, rows padded, min µs and per-pair ratio of medians, two alternated rounds on Zen 4
     * (jmh/RESULTS.md, twentieth session): 4096² 4 006-4 147 → 2 931-3 010 (0.85-0.88 → 0.65-0.66), 512×4096
     * 218-223 → 198-215 (1.03-1.04 → 0.92-0.96), 625×1000 61.4-62.0 → 57.1-57.3 (1.05-1.07 → 0.98-0.99), 100×784
     * 6.9-7.0 → 6.07 (1.22-1.26 → 1.07-1.09). Under {@code -XX:UseAVX=2}, eight-row steps of paired blocks were no
     * faster (twentieth session, rows 16 KiB apart: 512×4096 0.99-1.01 → 1.08-1.21; twenty-first, in the kernels'
     * layout: 512×4096 1.01-1.02 → 0.95-0.96, 625×1000 0.97 → 1.03-1.04); of unpaired blocks past 1 024 columns
     * they are (see {@link #paired}).
     */
    private static final int FUSED_STEP = 8;

    /**
     * Rows per block on rows {@code rowBytes} apart: sixteen where {@link #sixteenRows} ({@link #dot16},
     * {@link #axpy16}), else eight ({@link #dot8}, {@link #axpy8}). Rows per load and store of y in the GEMVᵀ of
     * rows longer than the register windows ({@link #axpyRows}, past {@link #WINDOWED_ROW} columns; twelve at 256
     * bits past {@link #SHORT_ROW}, {@link #axpyBlockRows}), rows per step
     * of the fused gradient there (its dot products and its axpys of pending rows), and rows per dot-product block
     * of the short-row fused gradient ({@link #bregmanShortRows}, whose second read is of the whole chunk after all
     * its blocks, so the block's height does not decide where that read comes from). The same bits either way: each y[j] gets one FMA per row in row order, however the rows are
     * grouped, and dot16 gives a row dot8's bits (LayoutIndependenceTest). Sixteen rows halve the passes over y
     * (and x), which at 4 096 columns (16 KB) do not stay in L1 while the rows stream past, so each pass read and
     * wrote them from L2. On Zen 4 at 512 bits, {@code MinOfBursts} in the kernels' layout with OpenBLAS's sgemv in
     * the same process, min µs and per-pair ratio of medians, alternated JVMs, two rounds each (jmh/RESULTS.md,
     * twenty-second session), eight → sixteen: GEMVᵀ 512×4096 103.2-107.0 → 92.1-95.2 (1.02-1.05 → 0.90-0.93),
     * 4096² 2 037-2 182 → 1 857-1 950 (1.05-1.08 → 0.99-1.00), 64×8192 25.8-26.4 → 22.8-24.2 (1.02-1.04 →
     * 0.88-0.94), 100×2048 8.8-8.9 → 7.9-8.3 (1.00-1.03 → 0.93-0.96), 1000×1500 71.4-77.7 → 68.5-70.8 (1.01-1.10 →
     * 0.98-1.00), 100×1088 4.5-4.7 → 4.2-4.3 (1.05-1.10 → 0.99-1.00); the fused gradient, eight-row steps →
     * sixteen-row steps with dot16 and axpy16: 512×4096 185.8-188.6 → 171.6-173.6 (0.86-0.89 → 0.81-0.82), 4096²
     * 2 788-2 921 → 2 486-2 600 (0.63 → 0.59), 1000×1500 133.7-137.5 → 128.4-129.3 (0.94-0.96 → 0.90). Not for the
     * fused gradient's rows of up to 1 040 columns, where eight rows stay in L1 for their second read and sixteen
     * do not: sixteen-row steps lost at 100×784 (6.12-6.19 → 6.44-6.49 µs; 16 rows of 784 columns are 50 KB) and
     * sixteen-row axpys at 625×1000 (57.1 → 59.2-59.3). Under {@code -XX:UseAVX=2} sixteen lost everywhere (GEMVᵀ
     * 512×4096 1.03-1.04 → 1.09-1.10, 625×1000 1.07-1.09 → 1.20-1.22, 100×784 1.07-1.09 → 1.31): sixteen
     * coefficients and the accumulator do not fit in 16 vector registers. The short-row fused gradient's blocks,
     * dot8 → dot16: 784×100 8.63-8.86 → 7.74-7.90 µs (1.13-1.18 → 1.02-1.05 of OpenBLAS's two sgemv), 625×300
     * 16.6-17.4 → 15.7-16.3 (1.04-1.06 → 0.97-0.99).
     */
    private static int blockRows(long rowBytes) {
        return sixteenRows(rowBytes) ? 16 : 8;
    }

    /**
     * Rows per load and store of y in the GEMVᵀ past the register windows ({@link #axpyRows}): {@link #blockRows},
     * and at 256 bits twelve ({@link #axpy12}) past {@link #SHORT_ROW} columns where the rows are staggered across
     * L1's sets (not 2 KiB multiples apart, as for {@link #sixteenRows}; at such strides twelve lines a step would
     * share one or two sets of eight ways). Twelve rows make a third fewer passes over y, which at 4 096 columns
     * (16 KB) does not stay in L1 while the rows stream past. On Zen 4 under {@code -XX:UseAVX=2},
     * {@code MinOfBursts} in the kernels' layout with OpenBLAS's sgemv in the same process, min µs and per-pair
     * ratio of medians, alternated JVMs (jmh/RESULTS.md, twenty-third session), eight → twelve rows: 4096²
     * 2 264-2 457 → 1 995-2 048 (1.11-1.12 → 0.99-1.02), 512×4096 104.6-107.3 → 101.1-103.8 (1.03-1.05 →
     * 1.01-1.03; one JVM of seven 138), 1000×1500 73.7-75.6 → 72.1-73.7 (1.06-1.08 → 1.03-1.05), 100×2048
     * 8.95-9.16 → 8.52-8.73 (1.06-1.09 → 1.01-1.07), 200×1500 14.0-14.2 → 13.7-13.9 (1.06 → 1.03-1.04), 100×1088
     * 4.49-4.52 → 4.43-4.45, 64×8192 level. Not at 1 024 columns or fewer: 100×784 3.02-3.03 → 3.28 (1.07 →
     * 1.14-1.15), 625×1000 level. Where the rows are 2 KiB multiples apart (a W mapped in place with ld a multiple
     * of 512), also twelve past {@link #SHORT_ROW} columns, at both widths, but in two groups of six a lag apart
     * ({@link #axpy12Lagged}), which keeps the lines of a step in two sets.
     */
    private static int axpyBlockRows(long rowBytes, int cols) {
        return cols > SHORT_ROW && (L == 8 || L == 16 && !staggered(rowBytes)) ? 12 : blockRows(rowBytes);
    }

    /**
     * How far {@link #axpy12Lagged}'s second group of rows trails its first: 256 bytes, four lines, so four of L1's
     * 64 sets apart. Against 1 KiB and 2 KiB (ld = cols, same conditions as axpy12Lagged's figures), under
     * {@code -XX:UseAVX=2} 4096² (W from DRAM) 1.07-1.11 (twelve JVMs) → 1.04-1.06 (six); elsewhere level at both
     * widths (512×4096, 100×2048, 1000×1536). 128 bytes lost at 100×2048 under AVX2 (1.01-1.03 → 1.16-1.27).
     */
    private static final long LAG_BYTES = 256;

    /**
     * Whether rows {@code rowBytes} apart fall in different sets of L1 (the stride is not a multiple of
     * {@link FloatMatrix#ALIASING_STRIDE}, 2 KiB): the condition for more than eight rows in one step (elsewhere
     * twelve go as two lagged groups of six, {@link #axpy12Lagged}).
     */
    private static boolean staggered(long rowBytes) {
        return rowBytes % FloatMatrix.ALIASING_STRIDE != 0;
    }

    /**
     * Whether the kernels take sixteen rows at a time ({@link #dot16}, {@link #axpy16}) on rows {@code rowBytes}
     * apart: at 512 bits, where the stride is not a multiple of {@link FloatMatrix#ALIASING_STRIDE} (2 KiB), so that
     * the same column of sixteen consecutive rows falls in at least four of L1's 64 sets (at most four lines a set of
     * eight ways). At a multiple of 2 KiB they fall in one or two sets, and sixteen lines a step evict each other and
     * the prefetched lines: W contiguous at 512×4096 (rows 16 KiB apart), min µs, eight → sixteen rows: GEMV 109 →
     * 147, GEMVᵀ 116 → 173, fused gradient 205 → 327 (the kernels' layout, {@link FloatMatrix#paddedLd}, never has
     * such strides; a mapped W above the loader's copy limit can).
     */
    private static boolean sixteenRows(long rowBytes) {
        return L == 16 && staggered(rowBytes);
    }

    /**
     * Per-thread scratch of the short-row kernels, made on a thread's first call; nothing is allocated per call after
     * that (the residuals' segment grows when a longer chunk is first needed).
     */
    private static final class Scratch {
        /** The lane sums of a {@link #dot8} block (two vectors: two {@link #dot4Pairs}), for {@link #finish8}. */
        final float[] sums = new float[32];
        /** The coefficients and byte offsets of the rows of an {@link #axpy16}, {@link #axpy12} or {@link #axpy8}, or of the fused
         *  gradient's queue. */
        final float[] coefficients = new float[16];
        final long[] rows = new long[16];
        private MemorySegment residuals = MemorySegment.NULL;

        /** Native room for n residuals of the short-row fused gradient. */
        MemorySegment residuals(int n) {
            if (residuals.byteSize() < 4L * n) {
                residuals = Arena.ofAuto().allocate(4L * Math.max(n, 256), 64);
            }
            return residuals;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);


    SimdKernelSupport() {}

    @Override public String name() { return "simd"; }
    @Override public int vectorBitSize() { return F.vectorBitSize(); }
    @Override public boolean usesFma() { return true; }

    // ---------------------------------------------------------------- BLAS level 1

    @Override
    public float dot(MemorySegment x, long xo, MemorySegment y, long yo, int n) {
        int i = 0;
        float sum = 0f;
        if (n >= VECTOR_THRESHOLD) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            int bound4 = n - n % (4 * L);
            for (; i < bound4; i += 4 * L) {
                long ox = xo + 4L * i, oy = yo + 4L * i;
                a0 = FloatVector.fromMemorySegment(F, x, ox, LE).fma(FloatVector.fromMemorySegment(F, y, oy, LE), a0);
                a1 = FloatVector.fromMemorySegment(F, x, ox + LB, LE).fma(FloatVector.fromMemorySegment(F, y, oy + LB, LE), a1);
                a2 = FloatVector.fromMemorySegment(F, x, ox + 2 * LB, LE).fma(FloatVector.fromMemorySegment(F, y, oy + 2 * LB, LE), a2);
                a3 = FloatVector.fromMemorySegment(F, x, ox + 3 * LB, LE).fma(FloatVector.fromMemorySegment(F, y, oy + 3 * LB, LE), a3);
            }
            int bound = F.loopBound(n);
            for (; i < bound; i += L) {
                a0 = FloatVector.fromMemorySegment(F, x, xo + 4L * i, LE).fma(FloatVector.fromMemorySegment(F, y, yo + 4L * i, LE), a0);
            }
            FloatVector t = a0.add(a1).add(a2.add(a3));
            for (int f = L / 2; f > 0; f >>= 1) { // Lanes.sum written out: see the class comment
                t = t.add(t.rearrange(Lanes.fold(f)));
            }
            sum = t.lane(0);
        }
        for (; i < n; i++) {
            sum = fma(get(x, xo + 4L * i), get(y, yo + 4L * i), sum);
        }
        return sum;
    }

    @Override
    public void axpy(float a, MemorySegment x, long xo, MemorySegment y, long yo, int n) {
        int i = 0;
        int bound = F.loopBound(n);
        FloatVector av = FloatVector.broadcast(F, a);
        for (; i < bound; i += L) {
            long ox = xo + 4L * i, oy = yo + 4L * i;
            FloatVector.fromMemorySegment(F, x, ox, LE).fma(av, FloatVector.fromMemorySegment(F, y, oy, LE)).intoMemorySegment(y, oy, LE);
        }
        for (; i < n; i++) {
            put(y, yo + 4L * i, fma(a, get(x, xo + 4L * i), get(y, yo + 4L * i)));
        }
    }

    @Override
    public void scale(float a, MemorySegment x, long xo, int n) {
        int i = 0;
        int bound = F.loopBound(n);
        for (; i < bound; i += L) {
            long o = xo + 4L * i;
            FloatVector.fromMemorySegment(F, x, o, LE).mul(a).intoMemorySegment(x, o, LE);
        }
        for (; i < n; i++) {
            put(x, xo + 4L * i, a * get(x, xo + 4L * i));
        }
    }

    @Override
    public void copy(MemorySegment src, long so, MemorySegment dst, long dOff, int n) {
        // The JDK's bulk copy is already a tuned memmove and handles overlap.
        MemorySegment.copy(src, so, dst, dOff, 4L * n);
    }

    @Override
    public void fill(float v, MemorySegment x, long xo, int n) {
        int i = 0;
        int bound = F.loopBound(n);
        FloatVector vv = FloatVector.broadcast(F, v);
        for (; i < bound; i += L) {
            vv.intoMemorySegment(x, xo + 4L * i, LE);
        }
        for (; i < n; i++) {
            put(x, xo + 4L * i, v);
        }
    }

    @Override
    public float sumOfSquares(MemorySegment x, long xo, int n) {
        int i = 0;
        float sum = 0f;
        if (n >= VECTOR_THRESHOLD) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            int bound4 = n - n % (4 * L);
            for (; i < bound4; i += 4 * L) {
                long o = xo + 4L * i;
                FloatVector v0 = FloatVector.fromMemorySegment(F, x, o, LE), v1 = FloatVector.fromMemorySegment(F, x, o + LB, LE), v2 = FloatVector.fromMemorySegment(F, x, o + 2 * LB, LE), v3 = FloatVector.fromMemorySegment(F, x, o + 3 * LB, LE);
                a0 = v0.fma(v0, a0);
                a1 = v1.fma(v1, a1);
                a2 = v2.fma(v2, a2);
                a3 = v3.fma(v3, a3);
            }
            int bound = F.loopBound(n);
            for (; i < bound; i += L) {
                FloatVector v = FloatVector.fromMemorySegment(F, x, xo + 4L * i, LE);
                a0 = v.fma(v, a0);
            }
            FloatVector t = a0.add(a1).add(a2.add(a3));
            for (int f = L / 2; f > 0; f >>= 1) { // Lanes.sum written out: see the class comment
                t = t.add(t.rearrange(Lanes.fold(f)));
            }
            sum = t.lane(0);
        }
        for (; i < n; i++) {
            float v = get(x, xo + 4L * i);
            sum = fma(v, v, sum);
        }
        return sum;
    }

    @Override
    public float maxAbs(MemorySegment x, long xo, int n) {
        int i = 0;
        float m = 0f;
        if (n >= VECTOR_THRESHOLD) {
            // MAX propagates NaN lane-wise, matching Math.max in the scalar tail.
            FloatVector a0 = FloatVector.zero(F), a1 = a0;
            int bound2 = n - n % (2 * L);
            for (; i < bound2; i += 2 * L) {
                long o = xo + 4L * i;
                a0 = a0.max(FloatVector.fromMemorySegment(F, x, o, LE).abs());
                a1 = a1.max(FloatVector.fromMemorySegment(F, x, o + LB, LE).abs());
            }
            int bound = F.loopBound(n);
            for (; i < bound; i += L) {
                a0 = a0.max(FloatVector.fromMemorySegment(F, x, xo + 4L * i, LE).abs());
            }
            m = a0.max(a1).reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            m = Math.max(m, Math.abs(get(x, xo + 4L * i)));
        }
        return m;
    }

    // ---------------------------------------------------------------- BLAS level 2

    @Override
    public void gemv(float alpha, MemorySegment w, long wo, int ld, int r0, int r1, int cols,
                     MemorySegment x, long xo, float beta, MemorySegment y, long yo,
                     MemorySegment b, long bo) {
        long rowBytes = 4L * ld;
        int i = r0;
        // One call per 4-row block, the same block code as the fused gradient's. A copy of the block loop
        // written out here was compiled 3× slower under -XX:UseAVX=2 (512×4096: 357 µs against 120 µs, JMH,
        // both forks; 100×784: 11.9 against 3.6), while the same loop in its own small method was not: C2
        // unrolls the inner loop of the large method differently, and with 16 vector registers instead of 32
        // that cost (-XX:LoopUnrollLimit=0 gave 133 µs). jmh/RESULTS.md has the cost of the call at short rows.
        // dot8's eight-row blocks at every row length (two dot4Pairs blocks where paired(cols)). Past
        // SHORT_ROW they replaced dot4's four-row blocks, which give a row the same bits (dot4 pairs its vectors
        // past PAIRED_ROW too): at 512 bits in the nineteenth session (MinOfBursts min µs on Zen 4, two rounds:
        // 4096², W from DRAM, 4 238-4 942 → 2 429-2 654; 1000×1500 86.1-86.6 → 73.4-74.7; 100×2048 10.1-10.6 →
        // 9.0-9.1; 512×4096 and 64×8192 level), under -XX:UseAVX=2 in the twentieth (Zen 4, two alternated rounds:
        // 4096² 2 800-2 879 → 2 604-2 627, 1000×1500 80.4-81.0 → 75.3-75.9, 512×4096 119.7-120.9 → 118.3-118.4,
        // 100×2048 10.0-10.1 → 9.8; jmh/RESULTS.md). At 512 bits sixteen rows a block first (dot16) where sixteenRows.
        if (L >= 8 && cols >= L) {
            float[] sums = SCRATCH.get().sums;
            boolean paired = paired(cols);
            if (sixteenRows(rowBytes)) {
                for (; i + 16 <= r1; i += 16) {
                    dot16(w, wo + i * rowBytes, rowBytes, cols, x, xo, sums);
                    finish16(sums, alpha, beta, y, yo + 4L * i, b, bo + 4L * i);
                }
            }
            for (; i + 8 <= r1; i += 8) {
                dot8(paired, w, wo + i * rowBytes, rowBytes, cols, x, xo, sums);
                finish8(paired, sums, alpha, beta, y, yo + 4L * i, b, bo + 4L * i);
            }
        }
        for (; i + 4 <= r1; i += 4) {
            dot4(w, wo + i * rowBytes, rowBytes, cols, x, xo, alpha, beta, y, yo + 4L * i, b, bo + 4L * i);
        }
        for (; i < r1; i++) {
            float s = alpha * dot(w, wo + i * rowBytes, x, xo, cols);
            long oy = yo + 4L * i;
            if (beta != 0f) {
                s = fma(beta, get(y, oy), s);
            }
            if (b != null) {
                s += get(b, bo + 4L * i);
            }
            put(y, oy, s);
        }
    }

    /**
     * W in panels of eight rows for {@link #dot8Panel}, where the GEMV takes {@link #dot8}'s blocks (L ≥ 8, L ≤ cols
     * ≤ {@link #SHORT_ROW}) and W takes at most {@link #PANEL_MAX_BYTES}: the rows' last vectors first, then their
     * v-th vectors for each v in column order, eight vectors each, so that a block reads one sequential stream in
     * the order it does its FMAs. Where dot8 takes its rows as two {@link #dot4Pairs} blocks ({@link #paired}), a panel is two such panels of four rows, each read by {@link #dot4PairsPanel}.
     * Rows past the last whole panel are read from W. Each panel takes (⌊(cols − 1)/L⌋ + 1)·8·L floats, at most
     * L − 1 per row more than W. (The fused gradient does not read the panels: measured slower, see
     * {@link dev.netinvert.kernels.PackedMatrix}.)
     */
    @Override
    public long gemvPackedBytes(int m, int n) {
        boolean panels = L >= 8 && n >= L && n <= SHORT_ROW && 4L * m * n <= PANEL_MAX_BYTES;
        return panels ? (long) (m / 8) * panelBytes(n) : 0;
    }

    /**
     * The largest W in panels, 16 MiB: beyond the last-level caches of the machines measured (32 MiB L3, shared)
     * the GEMV streams W from memory at the same rate from either layout, and the copy would double the memory.
     */
    private static final long PANEL_MAX_BYTES = 16L << 20;

    private static long panelBytes(int cols) {
        return 8 * LB * (F.loopBound(cols - 1) / L + 1);
    }

    @Override
    public void gemvPack(MemorySegment w, long wo, int ld, int m, int n, MemorySegment dst) {
        if (gemvPackedBytes(m, n) == 0) {
            return;
        }
        long panel = panelBytes(n), rowBytes = 4L * ld;
        int full = F.loopBound(n - 1) / L;
        // Paired rows: two panels of four rows each, in dot4Pairs' order.
        int height = paired(n) ? 4 : 8; // rows per panel
        long part = panel / (8 / height);
        for (int i = 0; i < m / 8 * 8; i++) {
            long row = wo + i * rowBytes, at = i / 8 * panel + i % 8 / height * part + i % height * LB;
            MemorySegment.copy(w, row + 4L * (n - L), dst, at, LB);
            for (int v = 0; v < full; v++) {
                MemorySegment.copy(w, row + v * LB, dst, at + (v + 1) * height * LB, LB);
            }
        }
    }

    /**
     * The GEMV with W's {@link #dot8} blocks read from the panels of {@link #gemvPack}: each row gets the FMAs of
     * dot8 in dot8's order, so the same bits, from one stream instead of eight rows: mostly 10-20 % faster at short
     * rows (Zen 3, AVX2, median per-pair ratios to OpenBLAS's sgemv in the same process, rows padded, W → panels:
     * 784×100 1.22 → 1.06-1.19, 192×256 1.34-1.44 → 1.10-1.14, 625×300 1.21-1.27 → 0.96-0.98; jmh/RESULTS.md,
     * fourteenth session). Paired rows, from four streams instead of four rows, gain less (three alternated rounds:
     * 200×400 1.23-1.42 → 1.07-1.28, 300×512 1.20-1.34 → 1.14-1.18, 100×784 1.08-1.35 → 1.05-1.17, 625×1000 level;
     * fifteenth session). The panels serve the blocks that start on a multiple of eight rows, which are all of them
     * when r0 is one; W itself serves the other rows, as {@link #gemv} would.
     */
    @Override
    public void gemvPacked(float alpha, MemorySegment w, long wo, int ld, MemorySegment packed, int r0, int r1,
                           int cols, MemorySegment x, long xo, float beta, MemorySegment y, long yo,
                           MemorySegment b, long bo) {
        long bytes = gemvPackedBytes(r1 / 8 * 8, cols);
        if (bytes == 0 || r0 % 8 != 0 || packed == null || packed.byteSize() < bytes) {
            gemv(alpha, w, wo, ld, r0, r1, cols, x, xo, beta, y, yo, b, bo);
            return;
        }
        float[] sums = SCRATCH.get().sums;
        long panel = panelBytes(cols);
        int i = r0;
        boolean paired = paired(cols);
        for (; i + 8 <= r1; i += 8) {
            long p0 = i / 8 * panel;
            if (paired) {
                dot4PairsPanel(packed, p0, panel / 2, cols, x, xo, sums, 0);
                dot4PairsPanel(packed, p0 + panel / 2, panel / 2, cols, x, xo, sums, L);
            } else {
                dot8Panel(packed, p0, panel, cols, x, xo, sums);
            }
            finish8(paired, sums, alpha, beta, y, yo + 4L * i, b, bo + 4L * i);
        }
        if (i < r1) {
            gemv(alpha, w, wo, ld, i, r1, cols, x, xo, beta, y, yo, b, bo);
        }
    }

    /**
     * {@link #dot8} over one panel of {@link #gemvPack} at byte p0 ({@code panel} bytes): the same products,
     * FMAs and tree, in the same order, for the caller's {@link #finish8}.
     */
    private static void dot8Panel(MemorySegment p, long p0, long panel, int cols, MemorySegment x, long xo,
                                  float[] sums) {
        long bytes = 4L * cols;
        long end = 4L * F.loopBound(cols - 1); // x's full vectors before the last one
        MemorySegment xs = x.asSlice(xo, bytes), ps = p.asSlice(p0, panel);
        VectorMask<Float> fresh = VectorMask.fromLong(F, lastBits(cols));
        FloatVector zero = FloatVector.zero(F), xt = FloatVector.fromMemorySegment(F, xs, bytes - LB, LE);
        FloatVector a0 = zero.blend(FloatVector.fromMemorySegment(F, ps, 0, LE).mul(xt), fresh);
        FloatVector a1 = zero.blend(FloatVector.fromMemorySegment(F, ps, LB, LE).mul(xt), fresh);
        FloatVector a2 = zero.blend(FloatVector.fromMemorySegment(F, ps, 2 * LB, LE).mul(xt), fresh);
        FloatVector a3 = zero.blend(FloatVector.fromMemorySegment(F, ps, 3 * LB, LE).mul(xt), fresh);
        FloatVector a4 = zero.blend(FloatVector.fromMemorySegment(F, ps, 4 * LB, LE).mul(xt), fresh);
        FloatVector a5 = zero.blend(FloatVector.fromMemorySegment(F, ps, 5 * LB, LE).mul(xt), fresh);
        FloatVector a6 = zero.blend(FloatVector.fromMemorySegment(F, ps, 6 * LB, LE).mul(xt), fresh);
        FloatVector a7 = zero.blend(FloatVector.fromMemorySegment(F, ps, 7 * LB, LE).mul(xt), fresh);
        // Not a counted loop, as dot8's; q walks the panel eight vectors per column vector.
        for (long o = 0, q = 8 * LB; o != end; o += LB, q += 8 * LB) {
            FloatVector xv = FloatVector.fromMemorySegment(F, xs, o, LE);
            a0 = FloatVector.fromMemorySegment(F, ps, q, LE).fma(xv, a0);
            a1 = FloatVector.fromMemorySegment(F, ps, q + LB, LE).fma(xv, a1);
            a2 = FloatVector.fromMemorySegment(F, ps, q + 2 * LB, LE).fma(xv, a2);
            a3 = FloatVector.fromMemorySegment(F, ps, q + 3 * LB, LE).fma(xv, a3);
            a4 = FloatVector.fromMemorySegment(F, ps, q + 4 * LB, LE).fma(xv, a4);
            a5 = FloatVector.fromMemorySegment(F, ps, q + 5 * LB, LE).fma(xv, a5);
            a6 = FloatVector.fromMemorySegment(F, ps, q + 6 * LB, LE).fma(xv, a6);
            a7 = FloatVector.fromMemorySegment(F, ps, q + 7 * LB, LE).fma(xv, a7);
        }
        // dot8's tree, written out again: a method taking the eight vectors would box them where not inlined.
        FloatVector c0 = a0.blend(a4, TREE_M1).add(a4.blend(a0, TREE_M1).rearrange(TREE_S1));
        FloatVector c1 = a1.blend(a5, TREE_M1).add(a5.blend(a1, TREE_M1).rearrange(TREE_S1));
        FloatVector c2 = a2.blend(a6, TREE_M1).add(a6.blend(a2, TREE_M1).rearrange(TREE_S1));
        FloatVector c3 = a3.blend(a7, TREE_M1).add(a7.blend(a3, TREE_M1).rearrange(TREE_S1));
        FloatVector d0 = c0.blend(c2, TREE_M2).add(c2.blend(c0, TREE_M2).rearrange(TREE_S2));
        FloatVector d1 = c1.blend(c3, TREE_M2).add(c3.blend(c1, TREE_M2).rearrange(TREE_S2));
        FloatVector s = d0.blend(d1, TREE_M3).add(d1.blend(d0, TREE_M3).rearrange(TREE_S3));
        if (L == 16) {
            s = s.add(s.rearrange(TREE_S4));
        }
        s.intoArray(sums, 0);
    }

    /**
     * Four rows starting at {@code w0}: out[k] ← α·⟨W_k, x⟩ + β·out[k] (+ b[k]). One load of x feeds
     * four FMAs, and the four accumulators are independent chains. Rows of at least L columns go through
     * {@link #dot4Lanes}, or {@link #dot4Pairs} where {@link #dot8} takes them in pairs; shorter ones are summed
     * in scalar. Each row gets the same arithmetic as in a {@link #dot8} block, bit for bit: a row's value
     * must not depend on whether it falls in a block of eight or four (the batch forward pass tiles W by four
     * rows, the fused gradient's long rows go by four; NetworkTest, KernelSupport#bregmanGradient).
     */
    private static void dot4(MemorySegment w, long w0, long rowBytes, int cols, MemorySegment x, long xo,
                             float alpha, float beta, MemorySegment out, long oo, MemorySegment b, long bo) {
        float s0, s1, s2, s3;
        if (paired(cols)) {
            float[] sums = SCRATCH.get().sums;
            dot4Pairs(w, w0, rowBytes, cols, x, xo, sums, 0);
            finish4(sums[0], sums[L / 2], sums[L / 4], sums[3 * L / 4], alpha, beta, out, oo, b, bo);
            return;
        }
        if (cols >= L) {
            dot4Lanes(w, w0, rowBytes, cols, x, xo, alpha, beta, out, oo, b, bo);
            return;
        } else {
            long w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
            s0 = 0f;
            s1 = 0f;
            s2 = 0f;
            s3 = 0f;
            for (int j = 0; j < cols; j++) {
                long o = 4L * j;
                float xj = get(x, xo + o);
                s0 = fma(get(w, w0 + o), xj, s0);
                s1 = fma(get(w, w1 + o), xj, s1);
                s2 = fma(get(w, w2 + o), xj, s2);
                s3 = fma(get(w, w3 + o), xj, s3);
            }
        }
        finish4(s0, s1, s2, s3, alpha, beta, out, oo, b, bo);
    }

    /** out[k] ← α·s_k + β·out[k] (+ b[k]) for the four rows at out[oo], b[bo]. */
    private static void finish4(float s0, float s1, float s2, float s3, float alpha, float beta, MemorySegment out,
                                long oo, MemorySegment b, long bo) {
        s0 *= alpha;
        s1 *= alpha;
        s2 *= alpha;
        s3 *= alpha;
        if (beta != 0f) {
            s0 = fma(beta, get(out, oo), s0);
            s1 = fma(beta, get(out, oo + 4), s1);
            s2 = fma(beta, get(out, oo + 8), s2);
            s3 = fma(beta, get(out, oo + 12), s3);
        }
        if (b != null) {
            s0 += get(b, bo);
            s1 += get(b, bo + 4);
            s2 += get(b, bo + 8);
            s3 += get(b, bo + 12);
        }
        put(out, oo, s0);
        put(out, oo + 4, s1);
        put(out, oo + 8, s2);
        put(out, oo + 12, s3);
    }

    /**
     * ⟨W_k, x⟩ for the four rows at {@code w0} in lanes 0 … 3 (cols ≥ L). Each row starts with its last
     * vector, as in {@link #dot8} (the products on the lanes of {@link #lastBits}(cols), zero on the others; not a
     * zeroed x, which would turn an infinite weight into NaN), then FMAs the vectors before it in column order:
     * the same sum per lane as dot8's, so that a row gets the same bits in either block. The four sums are reduced together ({@link Lanes#sum4}) and finished by
     * {@link #finish4}. Takes and returns no vector or mask on purpose: one passed to or returned from a
     * method C2 does not inline is boxed — a returned sum was one object per 4-row block, 22 KB per forward
     * pass of the 100-300-625 generator, and a mask passed in one per call (found with -prof gc on the
     * gradient-descent baseline). The mask is rebuilt per block instead (a move into a mask register).
     */
    private static void dot4Lanes(MemorySegment w, long w0, long rowBytes, int cols, MemorySegment x, long xo,
                                  float alpha, float beta, MemorySegment out, long oo, MemorySegment b, long bo) {
        long w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        long t = 4L * (cols - L);
        VectorMask<Float> fresh = VectorMask.fromLong(F, lastBits(cols));
        FloatVector zero = FloatVector.zero(F), xt = FloatVector.fromMemorySegment(F, x, xo + t, LE);
        FloatVector a0 = zero.blend(FloatVector.fromMemorySegment(F, w, w0 + t, LE).mul(xt), fresh);
        FloatVector a1 = zero.blend(FloatVector.fromMemorySegment(F, w, w1 + t, LE).mul(xt), fresh);
        FloatVector a2 = zero.blend(FloatVector.fromMemorySegment(F, w, w2 + t, LE).mul(xt), fresh);
        FloatVector a3 = zero.blend(FloatVector.fromMemorySegment(F, w, w3 + t, LE).mul(xt), fresh);
        int bound = F.loopBound(cols - 1);
        for (int j = 0; j < bound; j += L) {
            long o = 4L * j;
            FloatVector xv = FloatVector.fromMemorySegment(F, x, xo + o, LE);
            a0 = FloatVector.fromMemorySegment(F, w, w0 + o, LE).fma(xv, a0);
            a1 = FloatVector.fromMemorySegment(F, w, w1 + o, LE).fma(xv, a1);
            a2 = FloatVector.fromMemorySegment(F, w, w2 + o, LE).fma(xv, a2);
            a3 = FloatVector.fromMemorySegment(F, w, w3 + o, LE).fma(xv, a3);
        }
        // The four lane sums together (Lanes.sum4's tree, written out so that no vector crosses a call): levels
        // 1 and 2 fold two vectors into one, merged by a blend, so that one permute and one add halve both;
        // each total is the same fixed pairwise tree over its own row's lanes.
        FloatVector p01 = a0.blend(a1, Lanes.HALF).add(a1.blend(a0, Lanes.HALF).rearrange(Lanes.SWAP_HALF));
        FloatVector p23 = a2.blend(a3, Lanes.HALF).add(a3.blend(a2, Lanes.HALF).rearrange(Lanes.SWAP_HALF));
        FloatVector q = p01.blend(p23, Lanes.QUARTER).add(p23.blend(p01, Lanes.QUARTER).rearrange(Lanes.SWAP_QUARTER));
        for (int f = L / 8; f > 0; f >>= 1) { // the levels left within each quarter (L/4 lanes)
            q = q.add(q.rearrange(Lanes.fold(f)));
        }
        // Quarters [a0 | a2 | a1 | a3]: the totals are in lanes 0, L/2, L/4, 3L/4.
        finish4(q.lane(0), q.lane(L / 2), q.lane(L / 4), q.lane(3 * L / 4), alpha, beta, out, oo, b, bo);
    }

    /**
     * ⟨W_k, x⟩ for the eight rows at {@code w0} (cols ≥ L) into {@code sums}, for {@link #finish8}: one
     * {@link #dot8} block, or two {@link #dot4Pairs} blocks where {@code paired} ({@link #paired}).
     */
    private static void dot8(boolean paired, MemorySegment w, long w0, long rowBytes, int cols, MemorySegment x,
                             long xo, float[] sums) {
        if (paired) {
            dot4Pairs(w, w0, rowBytes, cols, x, xo, sums, 0);
            dot4Pairs(w, w0 + 4 * rowBytes, rowBytes, cols, x, xo, sums, L);
        } else {
            dot8(w, w0, rowBytes, cols, x, xo, sums);
        }
    }

    /**
     * ⟨W_k, x⟩ for the eight rows at {@code w0} (cols ≥ L, L = 8 or 16), left in {@code sums} for the caller's
     * {@link #finish8}: row k's total in {@code sums[k]} (L = 8) or {@code sums[2k]} (L = 16). Eight independent FMA
     * chains hide the FMA latency even for 100-column rows (7 FMAs per chain at 512 bits, 13 at 256), and one load
     * of x serves eight rows. Each row starts with its last vector, which overlaps the full ones before it when L
     * does not divide cols: the accumulators begin as its products on the lanes of {@link #lastBits}(cols) and
     * zero on the others (a blend, not a zeroed x, which would turn an infinite weight into NaN), so the tail
     * costs one product per row instead of up to L − 1 scalar FMAs, and no branch. The eight lane sums
     * are one transpose-and-add tree: each level merges two vectors into one (a blend each way, one permute, one
     * add; {@link Lanes#upper}, {@link Lanes#fold}), so seven merges leave row k's total in lane k (L = 8), or its
     * two halves in lanes 2k and 2k + 1 (L = 16: one more add of the even and odd lanes), each row summed by the
     * same butterfly as {@link #dot}'s.
     *
     * <p>The tail comes first and the finish is the caller's, so that nothing but the accumulators and
     * {@code sums} is live after the column loop and the method takes seven arguments instead of thirteen. On a
     * real AVX2 machine (Zen 3), per GEMV against OpenBLAS's sgemv in the same process, rows padded to lines, min
     * µs: 784×100 7.0-7.4 → 6.4-6.5, 625×300 15.4-15.5 → 14.4-14.5, fused gradient 784×100 12.2-12.6 → 11.6
     * (jmh/RESULTS.md, tenth session). The column loop itself compiles as before: C2 still keeps six of the eight
     * row bases on the stack (an add from memory per load; OpenBLAS's kernel needs 17 instructions per 8 FMAs,
     * this loop about 40); what shrank is the code around it.
     *
     * <p>Blocks that were tried: sixteen rows (one per lane at 512 bits) — C1 ran out of virtual registers on it
     * ("COMPILE SKIPPED" at tier 3), so it never reached C2 and boxed 1.4 MB per 784×100 GEMV; this block with a
     * counted column loop, no faster than four rows (see {@link #SHORT_ROW} for why); rows 4-7 addressed as rows
     * 0-3 plus four strides (four bases instead of eight): C2 still spilled, no faster. Takes and returns no
     * vector (see the class comment), and no vector crosses a branch.
     *
     * <p>The column loop reads x and the eight rows through slices of {@code cols} floats made before it: the
     * nine bounds checks of a step then compare the same offset with the same size, and C2 keeps two of them
     * (one for x, one for the rows). 784 × 100 under {@code -XX:UseAVX=2}: 5.80 → 5.04 µs, fused gradient
     * 14.4 → 13.3 µs; at 512 bits (six or seven vectors per row) unchanged within ±2 %.
     */
    private static void dot8(MemorySegment w, long w0, long rowBytes, int cols, MemorySegment x, long xo,
                             float[] sums) {
        long bytes = 4L * cols;
        long end = 4L * F.loopBound(cols - 1); // the full vectors before each row's last one
        MemorySegment xs = x.asSlice(xo, bytes), r0 = w.asSlice(w0, bytes), r1 = w.asSlice(w0 + rowBytes, bytes);
        MemorySegment r2 = w.asSlice(w0 + 2 * rowBytes, bytes), r3 = w.asSlice(w0 + 3 * rowBytes, bytes);
        MemorySegment r4 = w.asSlice(w0 + 4 * rowBytes, bytes), r5 = w.asSlice(w0 + 5 * rowBytes, bytes);
        MemorySegment r6 = w.asSlice(w0 + 6 * rowBytes, bytes), r7 = w.asSlice(w0 + 7 * rowBytes, bytes);
        long t = bytes - LB;
        VectorMask<Float> fresh = VectorMask.fromLong(F, lastBits(cols));
        FloatVector zero = FloatVector.zero(F), xt = FloatVector.fromMemorySegment(F, xs, t, LE);
        FloatVector a0 = zero.blend(FloatVector.fromMemorySegment(F, r0, t, LE).mul(xt), fresh);
        FloatVector a1 = zero.blend(FloatVector.fromMemorySegment(F, r1, t, LE).mul(xt), fresh);
        FloatVector a2 = zero.blend(FloatVector.fromMemorySegment(F, r2, t, LE).mul(xt), fresh);
        FloatVector a3 = zero.blend(FloatVector.fromMemorySegment(F, r3, t, LE).mul(xt), fresh);
        FloatVector a4 = zero.blend(FloatVector.fromMemorySegment(F, r4, t, LE).mul(xt), fresh);
        FloatVector a5 = zero.blend(FloatVector.fromMemorySegment(F, r5, t, LE).mul(xt), fresh);
        FloatVector a6 = zero.blend(FloatVector.fromMemorySegment(F, r6, t, LE).mul(xt), fresh);
        FloatVector a7 = zero.blend(FloatVector.fromMemorySegment(F, r7, t, LE).mul(xt), fresh);
        // Not a counted loop on purpose (the exit test is "!=" on a byte offset that steps by a vector): see SHORT_ROW.
        for (long o = 0; o != end; o += LB) {
            FloatVector xv = FloatVector.fromMemorySegment(F, xs, o, LE);
            a0 = FloatVector.fromMemorySegment(F, r0, o, LE).fma(xv, a0);
            a1 = FloatVector.fromMemorySegment(F, r1, o, LE).fma(xv, a1);
            a2 = FloatVector.fromMemorySegment(F, r2, o, LE).fma(xv, a2);
            a3 = FloatVector.fromMemorySegment(F, r3, o, LE).fma(xv, a3);
            a4 = FloatVector.fromMemorySegment(F, r4, o, LE).fma(xv, a4);
            a5 = FloatVector.fromMemorySegment(F, r5, o, LE).fma(xv, a5);
            a6 = FloatVector.fromMemorySegment(F, r6, o, LE).fma(xv, a6);
            a7 = FloatVector.fromMemorySegment(F, r7, o, LE).fma(xv, a7);
        }
        // Merge levels at lane distances L/2, L/4, L/8: row k ends in the lanes whose bits L/2, L/4, L/8 spell k.
        FloatVector c0 = a0.blend(a4, TREE_M1).add(a4.blend(a0, TREE_M1).rearrange(TREE_S1));
        FloatVector c1 = a1.blend(a5, TREE_M1).add(a5.blend(a1, TREE_M1).rearrange(TREE_S1));
        FloatVector c2 = a2.blend(a6, TREE_M1).add(a6.blend(a2, TREE_M1).rearrange(TREE_S1));
        FloatVector c3 = a3.blend(a7, TREE_M1).add(a7.blend(a3, TREE_M1).rearrange(TREE_S1));
        FloatVector d0 = c0.blend(c2, TREE_M2).add(c2.blend(c0, TREE_M2).rearrange(TREE_S2));
        FloatVector d1 = c1.blend(c3, TREE_M2).add(c3.blend(c1, TREE_M2).rearrange(TREE_S2));
        FloatVector s = d0.blend(d1, TREE_M3).add(d1.blend(d0, TREE_M3).rearrange(TREE_S3));
        if (L == 16) {
            s = s.add(s.rearrange(TREE_S4));
        }
        s.intoArray(sums, 0);
    }

    /** out[k] ← α·s_k + β·out[k] (+ b[k]), k &lt; 16, for the sixteen sums a {@link #dot16} block left in {@code sums}: {@link #finish4}'s operations on one vector. */
    private static void finish16(float[] sums, float alpha, float beta, MemorySegment out, long oo, MemorySegment b,
                                 long bo) {
        FloatVector s = FloatVector.fromArray(F, sums, 0).mul(alpha);
        if (beta != 0f) {
            s = FloatVector.fromMemorySegment(F, out, oo, LE).fma(FloatVector.broadcast(F, beta), s);
        }
        if (b != null) {
            s = s.add(FloatVector.fromMemorySegment(F, b, bo, LE));
        }
        s.intoMemorySegment(out, oo, LE);
    }

    /**
     * ⟨W_k, x⟩ for the sixteen rows at {@code w0} (L = 16, cols ≥ L) into {@code sums[k]}: {@link #dot8} with
     * sixteen rows per load of x, one row per lane of the result. Each row's accumulator starts as dot8's (its last
     * vector's products on the lanes of {@link #lastBits}), gets the same FMAs in column order, and its lanes are
     * summed by the same butterfly (lane distances 8, 4, 2, 1), so a row has dot8's bits (and dot4's, and the
     * fused gradient's; LayoutIndependenceTest): the tree only merges sixteen rows instead of eight at each level,
     * with one level more. Sixteen rows halve the passes over x, which at 4 096 columns (16 KB) does not stay in L1
     * while 256 KB of rows stream past; at short rows the block's set-up and tree are spread over twice the rows.
     * On Zen 4, {@code MinOfBursts} in the kernels' layout with OpenBLAS's sgemv in the same process, min µs and
     * per-pair ratio of medians, two alternated rounds (jmh/RESULTS.md, twenty-second session), dot8 → dot16:
     * 512×4096 102.5-103.0 → 90.8-91.1 (0.95 → 0.83), 4096² 2 075-2 165 → 1 874-1 913 (0.92 → 0.82-0.84), 1000×1500
     * 71.1-71.5 → 66.4-67.0 (1.00 → 0.93), 625×1000 30.8-32.1 → 28.8 (1.05-1.09 → 0.97-0.98), 784×100 4.52-4.62 →
     * 4.04 (1.12-1.13 → 1.00-1.01), 625×300 8.44-8.50 → 7.73-8.11 (0.97 → 0.89-0.95), 300×100 1.68-1.70 →
     * 1.56-1.57 (1.06-1.07 → 0.98), 100×784 3.07-3.09 → 3.02-3.06 (1.07 → 1.04-1.05). Sixteen accumulators, x and
     * a row vector fit in the 32 vector registers of AVX-512; at 256 bits there are 16, and dot8 stays.
     *
     * <p>The eleventh session's sixteen-row block never reached C2 (C1 ran out of virtual registers compiling it);
     * this one did in every JVM tried, also under {@code -XX:CICompilerCount=2 -XX:Tier3BackEdgeThreshold=500},
     * which forces the tier-3 OSR compiles that failed for a first {@link #axpy16} with its tail written out.
     * The allocation tests would see a block left to the Vector API's Java fallback (it allocates per vector).
     */
    private static void dot16(MemorySegment w, long w0, long rowBytes, int cols, MemorySegment x, long xo,
                              float[] sums) {
        long bytes = 4L * cols;
        long end = 4L * F.loopBound(cols - 1);
        MemorySegment xs = x.asSlice(xo, bytes), r0 = w.asSlice(w0, bytes), r1 = w.asSlice(w0 + rowBytes, bytes);
        MemorySegment r2 = w.asSlice(w0 + 2 * rowBytes, bytes), r3 = w.asSlice(w0 + 3 * rowBytes, bytes);
        MemorySegment r4 = w.asSlice(w0 + 4 * rowBytes, bytes), r5 = w.asSlice(w0 + 5 * rowBytes, bytes);
        MemorySegment r6 = w.asSlice(w0 + 6 * rowBytes, bytes), r7 = w.asSlice(w0 + 7 * rowBytes, bytes);
        MemorySegment r8 = w.asSlice(w0 + 8 * rowBytes, bytes), r9 = w.asSlice(w0 + 9 * rowBytes, bytes);
        MemorySegment r10 = w.asSlice(w0 + 10 * rowBytes, bytes), r11 = w.asSlice(w0 + 11 * rowBytes, bytes);
        MemorySegment r12 = w.asSlice(w0 + 12 * rowBytes, bytes), r13 = w.asSlice(w0 + 13 * rowBytes, bytes);
        MemorySegment r14 = w.asSlice(w0 + 14 * rowBytes, bytes), r15 = w.asSlice(w0 + 15 * rowBytes, bytes);
        long t = bytes - LB;
        VectorMask<Float> fresh = VectorMask.fromLong(F, lastBits(cols));
        FloatVector zero = FloatVector.zero(F), xt = FloatVector.fromMemorySegment(F, xs, t, LE);
        FloatVector a0 = zero.blend(FloatVector.fromMemorySegment(F, r0, t, LE).mul(xt), fresh);
        FloatVector a1 = zero.blend(FloatVector.fromMemorySegment(F, r1, t, LE).mul(xt), fresh);
        FloatVector a2 = zero.blend(FloatVector.fromMemorySegment(F, r2, t, LE).mul(xt), fresh);
        FloatVector a3 = zero.blend(FloatVector.fromMemorySegment(F, r3, t, LE).mul(xt), fresh);
        FloatVector a4 = zero.blend(FloatVector.fromMemorySegment(F, r4, t, LE).mul(xt), fresh);
        FloatVector a5 = zero.blend(FloatVector.fromMemorySegment(F, r5, t, LE).mul(xt), fresh);
        FloatVector a6 = zero.blend(FloatVector.fromMemorySegment(F, r6, t, LE).mul(xt), fresh);
        FloatVector a7 = zero.blend(FloatVector.fromMemorySegment(F, r7, t, LE).mul(xt), fresh);
        FloatVector a8 = zero.blend(FloatVector.fromMemorySegment(F, r8, t, LE).mul(xt), fresh);
        FloatVector a9 = zero.blend(FloatVector.fromMemorySegment(F, r9, t, LE).mul(xt), fresh);
        FloatVector a10 = zero.blend(FloatVector.fromMemorySegment(F, r10, t, LE).mul(xt), fresh);
        FloatVector a11 = zero.blend(FloatVector.fromMemorySegment(F, r11, t, LE).mul(xt), fresh);
        FloatVector a12 = zero.blend(FloatVector.fromMemorySegment(F, r12, t, LE).mul(xt), fresh);
        FloatVector a13 = zero.blend(FloatVector.fromMemorySegment(F, r13, t, LE).mul(xt), fresh);
        FloatVector a14 = zero.blend(FloatVector.fromMemorySegment(F, r14, t, LE).mul(xt), fresh);
        FloatVector a15 = zero.blend(FloatVector.fromMemorySegment(F, r15, t, LE).mul(xt), fresh);
        for (long o = 0; o != end; o += LB) {
            FloatVector xv = FloatVector.fromMemorySegment(F, xs, o, LE);
            a0 = FloatVector.fromMemorySegment(F, r0, o, LE).fma(xv, a0);
            a1 = FloatVector.fromMemorySegment(F, r1, o, LE).fma(xv, a1);
            a2 = FloatVector.fromMemorySegment(F, r2, o, LE).fma(xv, a2);
            a3 = FloatVector.fromMemorySegment(F, r3, o, LE).fma(xv, a3);
            a4 = FloatVector.fromMemorySegment(F, r4, o, LE).fma(xv, a4);
            a5 = FloatVector.fromMemorySegment(F, r5, o, LE).fma(xv, a5);
            a6 = FloatVector.fromMemorySegment(F, r6, o, LE).fma(xv, a6);
            a7 = FloatVector.fromMemorySegment(F, r7, o, LE).fma(xv, a7);
            a8 = FloatVector.fromMemorySegment(F, r8, o, LE).fma(xv, a8);
            a9 = FloatVector.fromMemorySegment(F, r9, o, LE).fma(xv, a9);
            a10 = FloatVector.fromMemorySegment(F, r10, o, LE).fma(xv, a10);
            a11 = FloatVector.fromMemorySegment(F, r11, o, LE).fma(xv, a11);
            a12 = FloatVector.fromMemorySegment(F, r12, o, LE).fma(xv, a12);
            a13 = FloatVector.fromMemorySegment(F, r13, o, LE).fma(xv, a13);
            a14 = FloatVector.fromMemorySegment(F, r14, o, LE).fma(xv, a14);
            a15 = FloatVector.fromMemorySegment(F, r15, o, LE).fma(xv, a15);
        }
        FloatVector c0 = a0.blend(a8, TREE_M1).add(a8.blend(a0, TREE_M1).rearrange(TREE_S1));
        FloatVector c1 = a1.blend(a9, TREE_M1).add(a9.blend(a1, TREE_M1).rearrange(TREE_S1));
        FloatVector c2 = a2.blend(a10, TREE_M1).add(a10.blend(a2, TREE_M1).rearrange(TREE_S1));
        FloatVector c3 = a3.blend(a11, TREE_M1).add(a11.blend(a3, TREE_M1).rearrange(TREE_S1));
        FloatVector c4 = a4.blend(a12, TREE_M1).add(a12.blend(a4, TREE_M1).rearrange(TREE_S1));
        FloatVector c5 = a5.blend(a13, TREE_M1).add(a13.blend(a5, TREE_M1).rearrange(TREE_S1));
        FloatVector c6 = a6.blend(a14, TREE_M1).add(a14.blend(a6, TREE_M1).rearrange(TREE_S1));
        FloatVector c7 = a7.blend(a15, TREE_M1).add(a15.blend(a7, TREE_M1).rearrange(TREE_S1));
        FloatVector d0 = c0.blend(c4, TREE_M2).add(c4.blend(c0, TREE_M2).rearrange(TREE_S2));
        FloatVector d1 = c1.blend(c5, TREE_M2).add(c5.blend(c1, TREE_M2).rearrange(TREE_S2));
        FloatVector d2 = c2.blend(c6, TREE_M2).add(c6.blend(c2, TREE_M2).rearrange(TREE_S2));
        FloatVector d3 = c3.blend(c7, TREE_M2).add(c7.blend(c3, TREE_M2).rearrange(TREE_S2));
        FloatVector e0 = d0.blend(d2, TREE_M3).add(d2.blend(d0, TREE_M3).rearrange(TREE_S3));
        FloatVector e1 = d1.blend(d3, TREE_M3).add(d3.blend(d1, TREE_M3).rearrange(TREE_S3));
        // Row k ends in lane k (the lane bits 8, 4, 2, 1 spell k).
        e0.blend(e1, TREE_M4).add(e1.blend(e0, TREE_M4).rearrange(TREE_S4)).intoArray(sums, 0);
    }

    /**
     * ⟨W_k, x⟩ for the four rows at {@code w0} (cols ≥ L) into {@code sums[so + j]}, j = 0, L/2, L/4, 3L/4 for
     * k = 0 … 3 (the lanes {@link #dot4Lanes}' tree leaves them in), for {@link #finish8} or {@link #dot4}. Two column vectors per
     * step, so eight FMA chains with five row and x bases instead of {@link #dot8}'s nine: where {@link #paired} (past
     * {@link #PAIRED_ROW} columns), where the per-block tree is amortised, the bases that C2 keeps in registers
     * matter more than the tree's cost. The tail is {@link #dot8}'s (its product first). Rows with an odd number
     * of vectors before the last take the first one alone.
     */
    private static void dot4Pairs(MemorySegment w, long w0, long rowBytes, int cols, MemorySegment x, long xo,
                                  float[] sums, int so) {
        long bytes = 4L * cols;
        long end = 4L * F.loopBound(cols - 1); // the full vectors before each row's last one
        long odd = end & LB; // one of them before the pairs, or none
        MemorySegment xs = x.asSlice(xo, bytes), r0 = w.asSlice(w0, bytes), r1 = w.asSlice(w0 + rowBytes, bytes);
        MemorySegment r2 = w.asSlice(w0 + 2 * rowBytes, bytes), r3 = w.asSlice(w0 + 3 * rowBytes, bytes);
        long t = bytes - LB;
        VectorMask<Float> fresh = VectorMask.fromLong(F, lastBits(cols));
        FloatVector zero = FloatVector.zero(F), xt = FloatVector.fromMemorySegment(F, xs, t, LE);
        FloatVector a0 = zero.blend(FloatVector.fromMemorySegment(F, r0, t, LE).mul(xt), fresh);
        FloatVector a1 = zero.blend(FloatVector.fromMemorySegment(F, r1, t, LE).mul(xt), fresh);
        FloatVector a2 = zero.blend(FloatVector.fromMemorySegment(F, r2, t, LE).mul(xt), fresh);
        FloatVector a3 = zero.blend(FloatVector.fromMemorySegment(F, r3, t, LE).mul(xt), fresh);
        if (odd != 0) {
            FloatVector xv = FloatVector.fromMemorySegment(F, xs, 0, LE);
            a0 = FloatVector.fromMemorySegment(F, r0, 0, LE).fma(xv, a0);
            a1 = FloatVector.fromMemorySegment(F, r1, 0, LE).fma(xv, a1);
            a2 = FloatVector.fromMemorySegment(F, r2, 0, LE).fma(xv, a2);
            a3 = FloatVector.fromMemorySegment(F, r3, 0, LE).fma(xv, a3);
        }
        FloatVector b0 = zero, b1 = zero, b2 = zero, b3 = zero;
        // Not a counted loop on purpose, as dot8's.
        for (long o = odd; o != end; o += 2 * LB) {
            FloatVector xv = FloatVector.fromMemorySegment(F, xs, o, LE);
            FloatVector xw = FloatVector.fromMemorySegment(F, xs, o + LB, LE);
            a0 = FloatVector.fromMemorySegment(F, r0, o, LE).fma(xv, a0);
            a1 = FloatVector.fromMemorySegment(F, r1, o, LE).fma(xv, a1);
            a2 = FloatVector.fromMemorySegment(F, r2, o, LE).fma(xv, a2);
            a3 = FloatVector.fromMemorySegment(F, r3, o, LE).fma(xv, a3);
            b0 = FloatVector.fromMemorySegment(F, r0, o + LB, LE).fma(xw, b0);
            b1 = FloatVector.fromMemorySegment(F, r1, o + LB, LE).fma(xw, b1);
            b2 = FloatVector.fromMemorySegment(F, r2, o + LB, LE).fma(xw, b2);
            b3 = FloatVector.fromMemorySegment(F, r3, o + LB, LE).fma(xw, b3);
        }
        a0 = a0.add(b0);
        a1 = a1.add(b1);
        a2 = a2.add(b2);
        a3 = a3.add(b3);
        FloatVector p01 = a0.blend(a1, Lanes.HALF).add(a1.blend(a0, Lanes.HALF).rearrange(Lanes.SWAP_HALF));
        FloatVector p23 = a2.blend(a3, Lanes.HALF).add(a3.blend(a2, Lanes.HALF).rearrange(Lanes.SWAP_HALF));
        FloatVector q = p01.blend(p23, Lanes.QUARTER).add(p23.blend(p01, Lanes.QUARTER).rearrange(Lanes.SWAP_QUARTER));
        for (int f = L / 8; f > 0; f >>= 1) { // the levels left within each quarter (L/4 lanes)
            q = q.add(q.rearrange(Lanes.fold(f)));
        }
        q.intoArray(sums, so);
    }

    /**
     * {@link #dot4Pairs} over one four-row panel of {@link #gemvPack} at byte p0 ({@code part} bytes): the same
     * products, FMAs and tree, in the same order (the start and the tree written out again, as in
     * {@link #dot8Panel}: a method taking the vectors would box them where C2 does not inline it).
     */
    private static void dot4PairsPanel(MemorySegment p, long p0, long part, int cols, MemorySegment x, long xo,
                                       float[] sums, int so) {
        long bytes = 4L * cols;
        long end = 4L * F.loopBound(cols - 1);
        long odd = end & LB;
        MemorySegment xs = x.asSlice(xo, bytes), ps = p.asSlice(p0, part);
        VectorMask<Float> fresh = VectorMask.fromLong(F, lastBits(cols));
        FloatVector zero = FloatVector.zero(F), xt = FloatVector.fromMemorySegment(F, xs, bytes - LB, LE);
        FloatVector a0 = zero.blend(FloatVector.fromMemorySegment(F, ps, 0, LE).mul(xt), fresh);
        FloatVector a1 = zero.blend(FloatVector.fromMemorySegment(F, ps, LB, LE).mul(xt), fresh);
        FloatVector a2 = zero.blend(FloatVector.fromMemorySegment(F, ps, 2 * LB, LE).mul(xt), fresh);
        FloatVector a3 = zero.blend(FloatVector.fromMemorySegment(F, ps, 3 * LB, LE).mul(xt), fresh);
        if (odd != 0) {
            FloatVector xv = FloatVector.fromMemorySegment(F, xs, 0, LE);
            a0 = FloatVector.fromMemorySegment(F, ps, 4 * LB, LE).fma(xv, a0);
            a1 = FloatVector.fromMemorySegment(F, ps, 5 * LB, LE).fma(xv, a1);
            a2 = FloatVector.fromMemorySegment(F, ps, 6 * LB, LE).fma(xv, a2);
            a3 = FloatVector.fromMemorySegment(F, ps, 7 * LB, LE).fma(xv, a3);
        }
        FloatVector b0 = zero, b1 = zero, b2 = zero, b3 = zero;
        for (long o = odd, q = 4 * odd + 4 * LB; o != end; o += 2 * LB, q += 8 * LB) {
            FloatVector xv = FloatVector.fromMemorySegment(F, xs, o, LE);
            FloatVector xw = FloatVector.fromMemorySegment(F, xs, o + LB, LE);
            a0 = FloatVector.fromMemorySegment(F, ps, q, LE).fma(xv, a0);
            a1 = FloatVector.fromMemorySegment(F, ps, q + LB, LE).fma(xv, a1);
            a2 = FloatVector.fromMemorySegment(F, ps, q + 2 * LB, LE).fma(xv, a2);
            a3 = FloatVector.fromMemorySegment(F, ps, q + 3 * LB, LE).fma(xv, a3);
            b0 = FloatVector.fromMemorySegment(F, ps, q + 4 * LB, LE).fma(xw, b0);
            b1 = FloatVector.fromMemorySegment(F, ps, q + 5 * LB, LE).fma(xw, b1);
            b2 = FloatVector.fromMemorySegment(F, ps, q + 6 * LB, LE).fma(xw, b2);
            b3 = FloatVector.fromMemorySegment(F, ps, q + 7 * LB, LE).fma(xw, b3);
        }
        a0 = a0.add(b0);
        a1 = a1.add(b1);
        a2 = a2.add(b2);
        a3 = a3.add(b3);
        FloatVector p01 = a0.blend(a1, Lanes.HALF).add(a1.blend(a0, Lanes.HALF).rearrange(Lanes.SWAP_HALF));
        FloatVector p23 = a2.blend(a3, Lanes.HALF).add(a3.blend(a2, Lanes.HALF).rearrange(Lanes.SWAP_HALF));
        FloatVector q = p01.blend(p23, Lanes.QUARTER).add(p23.blend(p01, Lanes.QUARTER).rearrange(Lanes.SWAP_QUARTER));
        for (int f = L / 8; f > 0; f >>= 1) {
            q = q.add(q.rearrange(Lanes.fold(f)));
        }
        q.intoArray(sums, so);
    }

    /** out[k] ← α·s_k + β·out[k] (+ b[k]), k &lt; 8, for the eight sums a {@link #dot8} block left in {@code sums}. */
    private static void finish8(boolean paired, float[] sums, float alpha, float beta, MemorySegment out, long oo,
                                MemorySegment b, long bo) {
        if (paired) {
            finish4(sums[0], sums[L / 2], sums[L / 4], sums[3 * L / 4], alpha, beta, out, oo, b, bo);
            finish4(sums[L], sums[L + L / 2], sums[L + L / 4], sums[L + 3 * L / 4], alpha, beta, out, oo + 16, b,
                    bo + 16);
            return;
        }
        if (L == 16) {
            finish4(sums[0], sums[2], sums[4], sums[6], alpha, beta, out, oo, b, bo);
            finish4(sums[8], sums[10], sums[12], sums[14], alpha, beta, out, oo + 16, b, bo + 16);
            return;
        }
        FloatVector s = FloatVector.fromArray(F, sums, 0).mul(alpha);
        if (beta != 0f) {
            s = FloatVector.fromMemorySegment(F, out, oo, LE).fma(FloatVector.broadcast(F, beta), s);
        }
        if (b != null) {
            s = s.add(FloatVector.fromMemorySegment(F, b, bo, LE));
        }
        s.intoMemorySegment(out, oo, LE);
    }

    /**
     * The shuffles and masks of {@link #dot8}'s tree, as constants of this class: C2 refused to inline
     * {@code Lanes.fold} / {@code Lanes.upper} into the large block method (NodeCountInliningCutoff), and a
     * shuffle or mask that is not a compile-time constant made the block 2× slower than the 4-row one.
     * (Distance 1 stands in for the levels a 128-bit species does not have; dot8 is not used there.)
     */
    private static final VectorShuffle<Float> TREE_S1 = Lanes.fold(Math.max(1, L / 2)),
            TREE_S2 = Lanes.fold(Math.max(1, L / 4)), TREE_S3 = Lanes.fold(Math.max(1, L / 8)), TREE_S4 = Lanes.fold(1);
    private static final VectorMask<Float> TREE_M1 = Lanes.upper(Math.max(1, L / 2)),
            TREE_M2 = Lanes.upper(Math.max(1, L / 4)), TREE_M3 = Lanes.upper(Math.max(1, L / 8)),
            TREE_M4 = Lanes.upper(1);

    /**
     * The lanes of the overlapping final vector of a row of {@code cols} ≥ L elements that the full vectors
     * have not counted (the last cols mod L), as lane bits. The kernels build the mask in place with
     * {@code VectorMask.fromLong(F, tailBits(cols))}: a helper returning the mask would return it boxed
     * wherever C2 declines to inline it (the large short-row blocks are where it declines, NodeCountInliningCutoff).
     */
    private static long tailBits(int cols) {
        return ((1L << L) - 1) & ~((1L << (L - cols % L)) - 1);
    }

    /**
     * As {@link #tailBits}, for blocks that always end a row with its last vector: the lanes of it that the
     * F.loopBound(cols − 1) columns before it have not counted — all of them when L divides cols, so that such
     * a row's last vector is not read twice.
     */
    private static long lastBits(int cols) {
        return ((1L << L) - 1) & ~((1L << (L - 1 - (cols - 1) % L)) - 1);
    }

    @Override
    public void gemvT(float alpha, MemorySegment w, long wo, int ld, int r0, int r1, int cols,
                      MemorySegment r, long ro, float beta, MemorySegment y, long yo) {
        if (beta == 0f) {
            fill(0f, y, yo, cols);
        } else if (beta != 1f) {
            scale(beta, y, yo, cols);
        }
        long rowBytes = 4L * ld;
        addRowsT(w, wo + r0 * rowBytes, rowBytes, r, ro + 4L * r0, alpha, r1 - r0, cols, y, yo);
    }

    /**
     * y ← y + Σ_i α·r_i·W_i over n rows from byte w0 of W, r_i at ro + 4i, each y[j] by one FMA per row in row
     * order: with y in registers in column windows ({@link #windowsT}) where {@link #windowed}, else
     * {@link #blockRows} rows per load and store of y ({@link #axpyRows}). The GEMVᵀ and the second pass of the
     * chunked fused gradient.
     */
    private void addRowsT(MemorySegment w, long w0, long rowBytes, MemorySegment r, long ro, float alpha, int n,
                          int cols, MemorySegment y, long yo) {
        // Not at 128 bits: with 4 lanes the eight accumulators cover too few columns (32) to pay. (The first version
        // also boxed there, 32 B per GEMVᵀ of a 36×36 layer: the branchy tail that gemvTRegisters no longer has.)
        if (windowed(n, cols, rowBytes)) {
            windowsT(w, w0, rowBytes, r, ro, alpha, n, cols, y, yo);
        } else {
            axpyRows(w, w0, rowBytes, r, ro, alpha, n, cols, y, yo);
        }
    }

    /**
     * Whether the GEMVᵀ of n rows of {@code cols} columns, {@code rowBytes} apart, keeps y in register windows
     * ({@link #windowsT}) rather than taking {@link #blockRows} rows per load and store of y ({@link #axpyRows}):
     * for rows of L … {@link #WINDOWED_ROW} columns, except at 512 bits where four or five windows would stream a
     * W of more than {@link #STREAMED_T_BYTES} (W comes from L3 then, and each window reads every row's strip of
     * 13 lines or fewer, a page apart, so the prefetchers see short runs; sixteen whole rows a pass are one long
     * run each). On Zen 4, {@code MinOfBursts} in the kernels' layout with OpenBLAS's sgemv in the same process,
     * min µs and per-pair ratio of medians, alternated JVMs (jmh/RESULTS.md, twenty-third session), windows →
     * axpy16: 625×1000 31.8-32.3 → 29.9-30.4 (1.09-1.10 → 1.02-1.04), 1000×800 40.1-41.0 → 37.6-39.1 (1.17-1.30 →
     * 1.09-1.12), 400×1024 19.4-19.9 → 18.3-19.3 (1.04-1.07 → 0.99-1.02), 800×700 28.5-29.9 → 27.6-27.8 (1.05-1.10
     * → 1.04), 400×1000 (1.6 MB) 18.7-19.1 → 18.5-19.1 (1.03-1.06 → 1.02), 500×1000 (2.0 MB) 24.3-25.3 → 23.8-24.8
     * (1.06-1.08 → 1.02-1.05). Not below: 300×1000 (1.2 MB) lost (13.1-13.2 → 13.5-14.1), and so did three
     * windows past L2 (1000×300 1.06-1.09 → 1.14-1.25, 625×500 0.99-1.01 → 1.04-1.06, 1000×600 level), and W
     * within L2 (300×640 1.10 → 1.13-1.22, 100×784 1.00-1.04 → 1.07-1.09; twenty-second session). At 256 bits
     * the windows end at three ({@link #WINDOWED_ROW}), so this never applies; at rows 2 KiB multiples apart
     * ({@link #sixteenRows}) neither, as the eight-row axpys were not measured there. Row ranges are decided
     * by their own bytes: a thread's part is its core's.
     */
    private static boolean windowed(int n, int cols, long rowBytes) {
        if (L < 8 || cols < L || cols > WINDOWED_ROW) {
            return false;
        }
        return cols <= 3 * WIDE_ROW || !sixteenRows(rowBytes) || n * rowBytes <= STREAMED_T_BYTES;
    }

    /** One and a half cores' L2 ({@link CacheSizes#L2_BYTES}): past it, {@link #windowed} streams whole rows. */
    private static final long STREAMED_T_BYTES = CacheSizes.L2_BYTES * 3 / 2;

    /**
     * y ← y + Σ_i α·r_i·W_i over n rows from byte w0 of W, r_i at ro + 4i: {@link #axpyBlockRows} rows per load
     * and store of y ({@link #axpy16}, {@link #axpy12}, {@link #axpy12Lagged} or {@link #axpy8}), then eight, then four per {@link #axpy4},
     * then the rest one by one; each y[j] gets its terms by FMA in row order. The GEMVᵀ of rows longer than
     * {@link #WINDOWED_ROW}.
     */
    private void axpyRows(MemorySegment w, long w0, long rowBytes, MemorySegment r, long ro, float alpha, int n,
                          int cols, MemorySegment y, long yo) {
        int i = 0;
        if (L >= 8 && cols >= L) {
            Scratch scratch = SCRATCH.get();
            float[] c = scratch.coefficients;
            long[] rows = scratch.rows;
            int most = axpyBlockRows(rowBytes, cols);
            while (n - i >= 8) {
                int k = n - i >= most ? most : 8;
                for (int q = 0; q < k; q++) {
                    c[q] = alpha * get(r, ro + 4L * (i + q));
                    rows[q] = w0 + (i + q) * rowBytes;
                }
                if (k == 16) {
                    axpy16(c, rows, w, cols, y, yo);
                } else if (k == 12 && !staggered(rowBytes)) {
                    axpy12Lagged(c, rows, w, cols, y, yo);
                } else if (k == 12) {
                    axpy12(c, rows, w, cols, y, yo);
                } else {
                    axpy8(c, rows, w, cols, y, yo);
                }
                i += k;
            }
        }
        for (; i + 4 <= n; i += 4) {
            long oi = ro + 4L * i;
            long wi = w0 + i * rowBytes;
            axpy4(alpha * get(r, oi), alpha * get(r, oi + 4), alpha * get(r, oi + 8), alpha * get(r, oi + 12),
                    w, wi, wi + rowBytes, wi + 2 * rowBytes, wi + 3 * rowBytes, cols, y, yo);
        }
        for (; i < n; i++) {
            axpy(alpha * get(r, ro + 4L * i), w, w0 + i * rowBytes, y, yo, cols);
        }
    }

    /**
     * y ← y + Σ_k c[k]·W_k for the eight rows of W at byte offsets rows[0 … 7] (cols ≥ L): {@link #axpy4} with
     * eight rows per load and store of y, the FMAs chained in the order given (the roundings of eight one-row
     * axpys). OpenBLAS's Haswell sgemv_n kernel takes eight columns of its column-major A (rows of our W) per pass
     * over y for the same reason. Measured against four rows, the GEMVᵀ of rows longer than the register windows,
     * {@code MinOfBursts} on Zen 4 with OpenBLAS's sgemv in the same process, alternated JVMs (jmh/RESULTS.md,
     * twentieth session): under {@code -XX:UseAVX=2}, min µs over three rounds, 512×4096 114-121 → 107-121,
     * 100×784 3.19-3.24 → 3.01-3.12, 1000×1500 76-94 → 74-76, 4096² 2 427-2 589 → 2 363-2 465 (per-pair ratios
     * 4096² 1.19-1.23 → 1.09-1.15). At 512 bits it lost at 512×4096 in the twentieth session (min 113-115 → 127
     * µs): those rows were 16 KiB apart, so the eight lines of a step shared one L1 set. In the kernels' layout
     * ({@link dev.netinvert.kernels.FloatMatrix#paddedLd}) it wins there too, two alternated rounds on Zen 4
     * (twenty-first session), min µs and per-pair ratio: 512×4096 113-114 → 102-104 (1.11-1.12 → 1.02),
     * 4096² 2 229-2 364 → 2 012-2 203 (1.13-1.16 → 1.05-1.06), 1000×1500 75.5-76.1 → 73.2-74.1 (1.08 → 1.03-1.04),
     * 100×2048 9.4-10.1 → 8.5-8.6 (1.13-1.22 → 1.01-1.02), 100×1088 level; with the rows 16 KiB apart (ld = cols)
     * 512×4096 was mixed (1.08-1.09 → 1.02-1.10) and the others level or faster (4096² 1.12-1.14 → 1.07).
     * The coefficients and offsets come in arrays (the per-thread scratch) rather than as sixteen arguments;
     * the rows are read through slices of {@code cols} floats, as {@link #dot8}'s, so that one bounds check serves
     * the eight loads of a step. The last vector overlaps the one before it, as in axpy4.
     */
    private static void axpy8(float[] c, long[] rows, MemorySegment w, int cols, MemorySegment y, long yo) {
        long bytes = 4L * cols;
        MemorySegment ys = y.asSlice(yo, bytes), r0 = w.asSlice(rows[0], bytes), r1 = w.asSlice(rows[1], bytes);
        MemorySegment r2 = w.asSlice(rows[2], bytes), r3 = w.asSlice(rows[3], bytes);
        MemorySegment r4 = w.asSlice(rows[4], bytes), r5 = w.asSlice(rows[5], bytes);
        MemorySegment r6 = w.asSlice(rows[6], bytes), r7 = w.asSlice(rows[7], bytes);
        FloatVector v0 = FloatVector.broadcast(F, c[0]), v1 = FloatVector.broadcast(F, c[1]);
        FloatVector v2 = FloatVector.broadcast(F, c[2]), v3 = FloatVector.broadcast(F, c[3]);
        FloatVector v4 = FloatVector.broadcast(F, c[4]), v5 = FloatVector.broadcast(F, c[5]);
        FloatVector v6 = FloatVector.broadcast(F, c[6]), v7 = FloatVector.broadcast(F, c[7]);
        long end = 4L * F.loopBound(cols);
        // Not a counted loop, as dot8's.
        for (long o = 0; o != end; o += LB) {
            FloatVector acc = FloatVector.fromMemorySegment(F, ys, o, LE);
            acc = FloatVector.fromMemorySegment(F, r0, o, LE).fma(v0, acc);
            acc = FloatVector.fromMemorySegment(F, r1, o, LE).fma(v1, acc);
            acc = FloatVector.fromMemorySegment(F, r2, o, LE).fma(v2, acc);
            acc = FloatVector.fromMemorySegment(F, r3, o, LE).fma(v3, acc);
            acc = FloatVector.fromMemorySegment(F, r4, o, LE).fma(v4, acc);
            acc = FloatVector.fromMemorySegment(F, r5, o, LE).fma(v5, acc);
            acc = FloatVector.fromMemorySegment(F, r6, o, LE).fma(v6, acc);
            acc = FloatVector.fromMemorySegment(F, r7, o, LE).fma(v7, acc);
            acc.intoMemorySegment(ys, o, LE);
        }
        if (end != bytes) {
            // The last L elements, overlapping the vector just stored: its lanes are written back unchanged.
            long o = bytes - LB;
            FloatVector old = FloatVector.fromMemorySegment(F, ys, o, LE);
            FloatVector acc = FloatVector.fromMemorySegment(F, r0, o, LE).fma(v0, old);
            acc = FloatVector.fromMemorySegment(F, r1, o, LE).fma(v1, acc);
            acc = FloatVector.fromMemorySegment(F, r2, o, LE).fma(v2, acc);
            acc = FloatVector.fromMemorySegment(F, r3, o, LE).fma(v3, acc);
            acc = FloatVector.fromMemorySegment(F, r4, o, LE).fma(v4, acc);
            acc = FloatVector.fromMemorySegment(F, r5, o, LE).fma(v5, acc);
            acc = FloatVector.fromMemorySegment(F, r6, o, LE).fma(v6, acc);
            acc = FloatVector.fromMemorySegment(F, r7, o, LE).fma(v7, acc);
            old.blend(acc, VectorMask.fromLong(F, tailBits(cols))).intoMemorySegment(ys, o, LE);
        }
    }

    /**
     * y ← y + Σ_k c[k]·W_k for the sixteen rows of W at byte offsets rows[0 … 15] (cols ≥ L): {@link #axpy8} with
     * sixteen rows per load and store of y, the same FMA chain per y[j] as two axpy8s (or sixteen one-row axpys) in
     * the order given. Used at 512 bits only ({@link #sixteenRows}), where the sixteen coefficients and the
     * accumulator fit in the 32 vector registers.
     * The last vector is {@link #lastAxpyRows}, which keeps this method within what C1 can compile: with the
     * tail written out as in axpy8 (36 vector loads and stores), C1's tier-3 compile of its loop sometimes
     * failed ("out of virtual registers in linear scan"), and the method then ran in the Vector API's Java
     * fallback for good (4.1 ms and 26 MB per 512×4096 GEMVᵀ in two JVMs of four).
     */
    private static void axpy16(float[] c, long[] rows, MemorySegment w, int cols, MemorySegment y, long yo) {
        long bytes = 4L * cols;
        MemorySegment ys = y.asSlice(yo, bytes), r0 = w.asSlice(rows[0], bytes), r1 = w.asSlice(rows[1], bytes);
        MemorySegment r2 = w.asSlice(rows[2], bytes), r3 = w.asSlice(rows[3], bytes);
        MemorySegment r4 = w.asSlice(rows[4], bytes), r5 = w.asSlice(rows[5], bytes);
        MemorySegment r6 = w.asSlice(rows[6], bytes), r7 = w.asSlice(rows[7], bytes);
        MemorySegment r8 = w.asSlice(rows[8], bytes), r9 = w.asSlice(rows[9], bytes);
        MemorySegment r10 = w.asSlice(rows[10], bytes), r11 = w.asSlice(rows[11], bytes);
        MemorySegment r12 = w.asSlice(rows[12], bytes), r13 = w.asSlice(rows[13], bytes);
        MemorySegment r14 = w.asSlice(rows[14], bytes), r15 = w.asSlice(rows[15], bytes);
        FloatVector v0 = FloatVector.broadcast(F, c[0]), v1 = FloatVector.broadcast(F, c[1]);
        FloatVector v2 = FloatVector.broadcast(F, c[2]), v3 = FloatVector.broadcast(F, c[3]);
        FloatVector v4 = FloatVector.broadcast(F, c[4]), v5 = FloatVector.broadcast(F, c[5]);
        FloatVector v6 = FloatVector.broadcast(F, c[6]), v7 = FloatVector.broadcast(F, c[7]);
        FloatVector v8 = FloatVector.broadcast(F, c[8]), v9 = FloatVector.broadcast(F, c[9]);
        FloatVector v10 = FloatVector.broadcast(F, c[10]), v11 = FloatVector.broadcast(F, c[11]);
        FloatVector v12 = FloatVector.broadcast(F, c[12]), v13 = FloatVector.broadcast(F, c[13]);
        FloatVector v14 = FloatVector.broadcast(F, c[14]), v15 = FloatVector.broadcast(F, c[15]);
        long end = 4L * F.loopBound(cols);
        // Not a counted loop, as dot8's.
        for (long o = 0; o != end; o += LB) {
            FloatVector acc = FloatVector.fromMemorySegment(F, ys, o, LE);
            acc = FloatVector.fromMemorySegment(F, r0, o, LE).fma(v0, acc);
            acc = FloatVector.fromMemorySegment(F, r1, o, LE).fma(v1, acc);
            acc = FloatVector.fromMemorySegment(F, r2, o, LE).fma(v2, acc);
            acc = FloatVector.fromMemorySegment(F, r3, o, LE).fma(v3, acc);
            acc = FloatVector.fromMemorySegment(F, r4, o, LE).fma(v4, acc);
            acc = FloatVector.fromMemorySegment(F, r5, o, LE).fma(v5, acc);
            acc = FloatVector.fromMemorySegment(F, r6, o, LE).fma(v6, acc);
            acc = FloatVector.fromMemorySegment(F, r7, o, LE).fma(v7, acc);
            acc = FloatVector.fromMemorySegment(F, r8, o, LE).fma(v8, acc);
            acc = FloatVector.fromMemorySegment(F, r9, o, LE).fma(v9, acc);
            acc = FloatVector.fromMemorySegment(F, r10, o, LE).fma(v10, acc);
            acc = FloatVector.fromMemorySegment(F, r11, o, LE).fma(v11, acc);
            acc = FloatVector.fromMemorySegment(F, r12, o, LE).fma(v12, acc);
            acc = FloatVector.fromMemorySegment(F, r13, o, LE).fma(v13, acc);
            acc = FloatVector.fromMemorySegment(F, r14, o, LE).fma(v14, acc);
            acc = FloatVector.fromMemorySegment(F, r15, o, LE).fma(v15, acc);
            acc.intoMemorySegment(ys, o, LE);
        }
        if (end != bytes) {
            lastAxpyRows(c, 16, rows, w, cols, y, yo);
        }
    }

    /**
     * y ← y + Σ_k c[k]·W_k for the twelve rows of W at byte offsets rows[0 … 11] (cols ≥ L): {@link #axpy8} with
     * twelve rows per load and store of y, the same FMA chain per y[j] as one one-row axpy after another in the
     * order given. For 256 bits ({@link #axpyBlockRows}), where sixteen rows do not fit: twelve coefficients, the
     * accumulator and a loaded vector are 14 of AVX2's 16 vector registers. The last vector is
     * {@link #lastAxpyRows}.
     */
    private static void axpy12(float[] c, long[] rows, MemorySegment w, int cols, MemorySegment y, long yo) {
        long bytes = 4L * cols;
        MemorySegment ys = y.asSlice(yo, bytes), r0 = w.asSlice(rows[0], bytes), r1 = w.asSlice(rows[1], bytes);
        MemorySegment r2 = w.asSlice(rows[2], bytes), r3 = w.asSlice(rows[3], bytes);
        MemorySegment r4 = w.asSlice(rows[4], bytes), r5 = w.asSlice(rows[5], bytes);
        MemorySegment r6 = w.asSlice(rows[6], bytes), r7 = w.asSlice(rows[7], bytes);
        MemorySegment r8 = w.asSlice(rows[8], bytes), r9 = w.asSlice(rows[9], bytes);
        MemorySegment r10 = w.asSlice(rows[10], bytes), r11 = w.asSlice(rows[11], bytes);
        FloatVector v0 = FloatVector.broadcast(F, c[0]), v1 = FloatVector.broadcast(F, c[1]);
        FloatVector v2 = FloatVector.broadcast(F, c[2]), v3 = FloatVector.broadcast(F, c[3]);
        FloatVector v4 = FloatVector.broadcast(F, c[4]), v5 = FloatVector.broadcast(F, c[5]);
        FloatVector v6 = FloatVector.broadcast(F, c[6]), v7 = FloatVector.broadcast(F, c[7]);
        FloatVector v8 = FloatVector.broadcast(F, c[8]), v9 = FloatVector.broadcast(F, c[9]);
        FloatVector v10 = FloatVector.broadcast(F, c[10]), v11 = FloatVector.broadcast(F, c[11]);
        long end = 4L * F.loopBound(cols);
        // Not a counted loop, as dot8's.
        for (long o = 0; o != end; o += LB) {
            FloatVector acc = FloatVector.fromMemorySegment(F, ys, o, LE);
            acc = FloatVector.fromMemorySegment(F, r0, o, LE).fma(v0, acc);
            acc = FloatVector.fromMemorySegment(F, r1, o, LE).fma(v1, acc);
            acc = FloatVector.fromMemorySegment(F, r2, o, LE).fma(v2, acc);
            acc = FloatVector.fromMemorySegment(F, r3, o, LE).fma(v3, acc);
            acc = FloatVector.fromMemorySegment(F, r4, o, LE).fma(v4, acc);
            acc = FloatVector.fromMemorySegment(F, r5, o, LE).fma(v5, acc);
            acc = FloatVector.fromMemorySegment(F, r6, o, LE).fma(v6, acc);
            acc = FloatVector.fromMemorySegment(F, r7, o, LE).fma(v7, acc);
            acc = FloatVector.fromMemorySegment(F, r8, o, LE).fma(v8, acc);
            acc = FloatVector.fromMemorySegment(F, r9, o, LE).fma(v9, acc);
            acc = FloatVector.fromMemorySegment(F, r10, o, LE).fma(v10, acc);
            acc = FloatVector.fromMemorySegment(F, r11, o, LE).fma(v11, acc);
            acc.intoMemorySegment(ys, o, LE);
        }
        if (end != bytes) {
            lastAxpyRows(c, 12, rows, w, cols, y, yo);
        }
    }

    /**
     * y ← y + Σ_k c[k]·W_k for twelve rows at byte offsets rows[0 … 11] (cols ≥ L) whose stride is a multiple of
     * {@link FloatMatrix#ALIASING_STRIDE} (a W mapped in place with ld a multiple of 512, {@link #staggered} false),
     * in two groups of six: rows 6-11 trail rows 0-5 by {@link #LAG_BYTES} of columns. The same column of rows 2 KiB
     * apart lies in one L1 set, so twelve rows a step ({@link #axpy12}) would ask eight ways for twelve lines, and
     * sixteen ({@link #axpy16}) for sixteen; two groups a lag apart ask two sets for six each. A step loads and
     * stores y twice (once per group), but y[j]'s second visit comes {@link #LAG_BYTES} later, from L1, where two
     * passes of {@link #axpy8} over 16 KB of y each read and wrote it from L2. Each y[j] still gets rows 0-11 in
     * order (rows 0-5 at column j, rows 6-11 when the trailing group reaches j), so the bits are axpy12's, and
     * axpy8's, and one row's axpy after another (LayoutIndependenceTest). At 256 bits six coefficients a group,
     * twelve in all, and the two accumulators fit in 16 registers; at 512 bits two groups of eight compiled in
     * tier 3 only sometimes (C1 ran out of registers, as with axpy16's written-out tail), so both widths take
     * twelve. The last vector is {@link #lastAxpyRows}. The runs where one group goes alone are written out too:
     * through a loop over the rows per vector (as lastAxpyRows) the GEMVᵀ was slower, under AVX2 100×1536 min 6.2 →
     * 7.2-10.9 µs and 512×4096 104-105 → 116-118, at 512 bits 100×2048 8.3-8.4 → 8.8-9.0.
     *
     * <p>On Zen 4, GEMVᵀ on W with ld = cols, {@code MinOfBursts} with OpenBLAS's sgemv in the same process,
     * per-pair ratio of medians, alternated JVMs, two rounds (jmh/RESULTS.md, twenty-fourth session), eight rows a
     * step → this: at 512 bits 512×4096 1.02-1.11 → 0.94-0.99, 4096² 1.09-1.10 → 1.03-1.04, 100×2048 1.05-1.07 →
     * 1.00-1.03, 1000×1536 1.01-1.06 → 0.99-1.01; under {@code -XX:UseAVX=2} 512×4096 1.04 → 1.00-1.03, 100×2048
     * 1.07-1.09 → 0.94-0.99, 1000×1536 1.07 → 1.05-1.06, 4096² (from DRAM) 1.09-1.10 → 1.09. Twelve rows a step
     * without the lag lost under AVX2 (512×4096 min 120-122 → 139-158 µs). Those figures are for a lag of 1 KiB;
     * {@link #LAG_BYTES} has the shorter one's.
     */
    private static void axpy12Lagged(float[] c, long[] rows, MemorySegment w, int cols, MemorySegment y, long yo) {
        long bytes = 4L * cols;
        MemorySegment ys = y.asSlice(yo, bytes), r0 = w.asSlice(rows[0], bytes), r1 = w.asSlice(rows[1], bytes);
        MemorySegment r2 = w.asSlice(rows[2], bytes), r3 = w.asSlice(rows[3], bytes);
        MemorySegment r4 = w.asSlice(rows[4], bytes), r5 = w.asSlice(rows[5], bytes);
        MemorySegment r6 = w.asSlice(rows[6], bytes), r7 = w.asSlice(rows[7], bytes);
        MemorySegment r8 = w.asSlice(rows[8], bytes), r9 = w.asSlice(rows[9], bytes);
        MemorySegment r10 = w.asSlice(rows[10], bytes), r11 = w.asSlice(rows[11], bytes);
        FloatVector v0 = FloatVector.broadcast(F, c[0]), v1 = FloatVector.broadcast(F, c[1]);
        FloatVector v2 = FloatVector.broadcast(F, c[2]), v3 = FloatVector.broadcast(F, c[3]);
        FloatVector v4 = FloatVector.broadcast(F, c[4]), v5 = FloatVector.broadcast(F, c[5]);
        FloatVector v6 = FloatVector.broadcast(F, c[6]), v7 = FloatVector.broadcast(F, c[7]);
        FloatVector v8 = FloatVector.broadcast(F, c[8]), v9 = FloatVector.broadcast(F, c[9]);
        FloatVector v10 = FloatVector.broadcast(F, c[10]), v11 = FloatVector.broadcast(F, c[11]);
        long end = 4L * F.loopBound(cols);
        long lag = Math.min(LAG_BYTES, end);
        long o = 0;
        for (; o != lag; o += LB) {
            FloatVector acc = FloatVector.fromMemorySegment(F, ys, o, LE);
            acc = FloatVector.fromMemorySegment(F, r0, o, LE).fma(v0, acc);
            acc = FloatVector.fromMemorySegment(F, r1, o, LE).fma(v1, acc);
            acc = FloatVector.fromMemorySegment(F, r2, o, LE).fma(v2, acc);
            acc = FloatVector.fromMemorySegment(F, r3, o, LE).fma(v3, acc);
            acc = FloatVector.fromMemorySegment(F, r4, o, LE).fma(v4, acc);
            acc = FloatVector.fromMemorySegment(F, r5, o, LE).fma(v5, acc);
            acc.intoMemorySegment(ys, o, LE);
        }
        for (; o != end; o += LB) {
            long p = o - lag;
            FloatVector acc = FloatVector.fromMemorySegment(F, ys, o, LE);
            acc = FloatVector.fromMemorySegment(F, r0, o, LE).fma(v0, acc);
            acc = FloatVector.fromMemorySegment(F, r1, o, LE).fma(v1, acc);
            acc = FloatVector.fromMemorySegment(F, r2, o, LE).fma(v2, acc);
            acc = FloatVector.fromMemorySegment(F, r3, o, LE).fma(v3, acc);
            acc = FloatVector.fromMemorySegment(F, r4, o, LE).fma(v4, acc);
            acc = FloatVector.fromMemorySegment(F, r5, o, LE).fma(v5, acc);
            acc.intoMemorySegment(ys, o, LE);
            FloatVector bcc = FloatVector.fromMemorySegment(F, ys, p, LE);
            bcc = FloatVector.fromMemorySegment(F, r6, p, LE).fma(v6, bcc);
            bcc = FloatVector.fromMemorySegment(F, r7, p, LE).fma(v7, bcc);
            bcc = FloatVector.fromMemorySegment(F, r8, p, LE).fma(v8, bcc);
            bcc = FloatVector.fromMemorySegment(F, r9, p, LE).fma(v9, bcc);
            bcc = FloatVector.fromMemorySegment(F, r10, p, LE).fma(v10, bcc);
            bcc = FloatVector.fromMemorySegment(F, r11, p, LE).fma(v11, bcc);
            bcc.intoMemorySegment(ys, p, LE);
        }
        for (long p = end - lag; p != end; p += LB) {
            FloatVector bcc = FloatVector.fromMemorySegment(F, ys, p, LE);
            bcc = FloatVector.fromMemorySegment(F, r6, p, LE).fma(v6, bcc);
            bcc = FloatVector.fromMemorySegment(F, r7, p, LE).fma(v7, bcc);
            bcc = FloatVector.fromMemorySegment(F, r8, p, LE).fma(v8, bcc);
            bcc = FloatVector.fromMemorySegment(F, r9, p, LE).fma(v9, bcc);
            bcc = FloatVector.fromMemorySegment(F, r10, p, LE).fma(v10, bcc);
            bcc = FloatVector.fromMemorySegment(F, r11, p, LE).fma(v11, bcc);
            bcc.intoMemorySegment(ys, p, LE);
        }
        if (end != bytes) {
            lastAxpyRows(c, 12, rows, w, cols, y, yo);
        }
    }

    /**
     * The last vector of the first {@code n} rows at rows[k] with coefficients c[k] ({@link #axpy16}'s and
     * {@link #axpy12}'s tail), y the {@code cols} floats at {@code yo}: the last L elements, overlapping the vector
     * just stored; the lanes that vector updated are written back unchanged (the blend), the others get the same
     * FMA chain as the full vectors, one row per turn of the loop. It takes y and its offset, not the caller's slice
     * of y: a slice passed to a method that C2 does not inline escapes, and was allocated (40 B per axpy16 at
     * 1000×1500 once the caller was recompiled with the tail taken). axpy8 keeps its tail written out: calling a
     * helper from it made the GEMVᵀ under {@code -XX:UseAVX=2} 3-7 % slower at 100×1500 and 1000×1500.
     */
    private static void lastAxpyRows(float[] c, int n, long[] rows, MemorySegment w, int cols, MemorySegment y,
                                     long yo) {
        long o = 4L * cols - LB;
        FloatVector old = FloatVector.fromMemorySegment(F, y, yo + o, LE), acc = old;
        for (int k = 0; k < n; k++) {
            acc = FloatVector.fromMemorySegment(F, w, rows[k] + o, LE).fma(FloatVector.broadcast(F, c[k]), acc);
        }
        old.blend(acc, VectorMask.fromLong(F, tailBits(cols))).intoMemorySegment(y, yo + o, LE);
    }

    /**
     * y ← y + c0·W_0 + c1·W_1 + c2·W_2 + c3·W_3 for four rows at byte offsets w0 … w3: one load and one
     * store of y per four rows instead of per row. The FMAs are chained in the order given, so each y[j]
     * sees the same sequence of roundings as four single-row axpys would.
     */
    private static void axpy4(float c0, float c1, float c2, float c3, MemorySegment w, long w0, long w1, long w2,
                              long w3, int cols, MemorySegment y, long yo) {
        if (cols >= L) {
            FloatVector v0 = FloatVector.broadcast(F, c0), v1 = FloatVector.broadcast(F, c1);
            FloatVector v2 = FloatVector.broadcast(F, c2), v3 = FloatVector.broadcast(F, c3);
            int bound = F.loopBound(cols);
            for (int j = 0; j < bound; j += L) {
                long o = 4L * j;
                FloatVector acc = FloatVector.fromMemorySegment(F, y, yo + o, LE);
                acc = FloatVector.fromMemorySegment(F, w, w0 + o, LE).fma(v0, acc);
                acc = FloatVector.fromMemorySegment(F, w, w1 + o, LE).fma(v1, acc);
                acc = FloatVector.fromMemorySegment(F, w, w2 + o, LE).fma(v2, acc);
                acc = FloatVector.fromMemorySegment(F, w, w3 + o, LE).fma(v3, acc);
                acc.intoMemorySegment(y, yo + o, LE);
            }
            if (bound < cols) {
                // The last L elements of the row, overlapping the vector just stored: the lanes it already
                // updated are written back unchanged (the blend), the others get the same FMA chain as above.
                long o = 4L * (cols - L);
                FloatVector old = FloatVector.fromMemorySegment(F, y, yo + o, LE);
                FloatVector acc = FloatVector.fromMemorySegment(F, w, w0 + o, LE).fma(v0, old);
                acc = FloatVector.fromMemorySegment(F, w, w1 + o, LE).fma(v1, acc);
                acc = FloatVector.fromMemorySegment(F, w, w2 + o, LE).fma(v2, acc);
                acc = FloatVector.fromMemorySegment(F, w, w3 + o, LE).fma(v3, acc);
                old.blend(acc, VectorMask.fromLong(F, tailBits(cols))).intoMemorySegment(y, yo + o, LE);
            }
            return;
        }
        for (int j = 0; j < cols; j++) {
            long o = 4L * j;
            float acc = get(y, yo + o);
            acc = fma(get(w, w0 + o), c0, acc);
            acc = fma(get(w, w1 + o), c1, acc);
            acc = fma(get(w, w2 + o), c2, acc);
            acc = fma(get(w, w3 + o), c3, acc);
            put(y, yo + o, acc);
        }
    }

    /**
     * y[0, cols) ← y + Σ_i c_i·W_i over n rows of W, in order, each y[j] by one FMA per row (the roundings of one
     * axpy per row), for L ≤ cols ≤ {@link #WINDOWED_ROW}: row i at w0 + i·rowBytes, c_i = α·r_i with r_i at
     * ro + 4i. The columns go in ⌈cols / WIDE_ROW⌉ windows of nearly equal width (a multiple of 16 columns where
     * the windows fit so, else of L; the last takes the rest), each with its part of y in registers while all n
     * rows stream past: {@link #gemvTWide} for windows of more than 8L columns, {@link #gemvTRegisters} for the
     * others. Which window a column falls in does not change its bits.
     *
     * <p>Windows on 16 columns: at 256 bits a row of 256 columns went in windows of 88, 88 and 80 columns, and the
     * lines holding columns 80-95 and 176-191 were read by two windows, each time from L2 (a window streams every
     * row before the next starts). In windows of 96, 96 and 64 columns, rows padded to lines, Zen 3, min µs of 400
     * bursts, four alternated rounds: 192×256 2.39-2.42 → 2.27-2.30; per-pair ratio of medians to OpenBLAS
     * 512×256 1.26-1.36 → 1.20-1.25, 200×130 1.34-1.46 → 1.28-1.38. At 200 columns (104 + 96 → 96 + 104) no
     * difference beyond the noise (jmh/RESULTS.md, fifteenth session).
     */
    private static void windowsT(MemorySegment w, long w0, long rowBytes, MemorySegment r, long ro, float alpha,
                                 int n, int cols, MemorySegment y, long yo) {
        int windows = (cols + WIDE_ROW - 1) / WIDE_ROW;
        int even = (cols + windows - 1) / windows;
        // The windows but the last: a multiple of 16 columns (rounded up, or down where up is wider than a window)
        // where the last then fits in one, so that the windows of a row on 64-byte lines share no line; else a
        // multiple of L. Every window is L … 13L columns wide; the last of several keeps at least 41 columns at 256
        // bits and 97 at 512 (checked over every width up to WINDOWED_ROW).
        int lines = (even + 15) / 16 * 16;
        if (lines > WIDE_ROW) {
            lines -= 16;
        }
        int width = cols - (windows - 1) * lines <= WIDE_ROW ? lines : (even + L - 1) / L * L;
        int c0 = 0;
        for (int k = 1; k < windows; k++, c0 += width) {
            windowT(w, w0, rowBytes, r, ro, alpha, c0, n, width, y, yo);
        }
        windowT(w, w0, rowBytes, r, ro, alpha, c0, n, cols - c0, y, yo);
    }

    /** One window of {@link #windowsT}: columns [c0, c0 + width) of n rows. */
    private static void windowT(MemorySegment w, long w0, long rowBytes, MemorySegment r, long ro, float alpha,
                                int c0, int n, int width, MemorySegment y, long yo) {
        long wc = w0 + 4L * c0, yc = yo + 4L * c0;
        if (width > REGISTER_ROW) {
            gemvTWide(w, wc, rowBytes, r, ro, alpha, n, width, y, yc);
        } else {
            gemvTRegisters(w, wc, rowBytes, r, ro, alpha, n, width, y, yc);
        }
    }

    /**
     * y ← y + Σ_i c_i·W_i over {@code rows} rows of W, as in {@link #windowsT}, in a window of L … 8L columns
     * starting at byte w0 of the first row: y stays in eight
     * registers while the rows stream past (one broadcast and eight FMAs per row, no load or store of y per
     * row), as OpenBLAS's short GEMVᵀ does. Vector k covers columns [min(kL, cols − L), … + L): when L does not
     * divide cols the first vector at the last offset overlaps its predecessor, and the accumulators past it
     * repeat it. Each y[j] gets its row terms by FMA in row order, the same roundings as one axpy per row, so
     * two accumulators that cover column j hold the same bits there (same y[j] loaded before any store, same
     * products, same order): all eight are stored, unconditionally, and the overlapping stores rewrite equal
     * values. No branch, blend or mask after the loop: the first version stored the overlapping vector through
     * a blend in one of seven early-return branches, and its tier-4 code boxed the loop accumulator feeding
     * the hot branch (a6 at 100 columns, 512 bits) on every row — JFR put 656 of the 1 308 allocation samples
     * of the gradient-descent allocation test on that FMA (23.6 KB per iteration, 944 192 B per 40).
     *
     * <p>Each row is read through a slice of {@code cols} floats: one bounds check per row, where the eight loads
     * at offsets that vary with cols had one each (lea, cmp, jae, and at 256 bits the offsets spilled to the
     * stack: about 75 instructions per row, C2's code under {@code -XX:UseAVX=2}); in the slice the offsets are
     * loop-invariant and their checks leave the loop. 784 × 100 under AVX2: 5.57 → 4.89 µs. The slice is
     * scalar-replaced (0 B per call, {@code ShortRowAllocationTest}) when C2 inlines {@code asSlice}: see the
     * class comment.
     */
    private static void gemvTRegisters(MemorySegment w, long w0, long rowBytes, MemorySegment r, long ro, float alpha,
                                       int rows, int cols, MemorySegment y, long yo) {
        long last = 4L * (cols - L), bytes = 4L * cols;
        long o1 = Math.min(LB, last), o2 = Math.min(2 * LB, last), o3 = Math.min(3 * LB, last);
        long o4 = Math.min(4 * LB, last), o5 = Math.min(5 * LB, last), o6 = Math.min(6 * LB, last);
        long o7 = Math.min(7 * LB, last);
        FloatVector a0 = FloatVector.fromMemorySegment(F, y, yo, LE), a1 = FloatVector.fromMemorySegment(F, y, yo + o1, LE);
        FloatVector a2 = FloatVector.fromMemorySegment(F, y, yo + o2, LE), a3 = FloatVector.fromMemorySegment(F, y, yo + o3, LE);
        FloatVector a4 = FloatVector.fromMemorySegment(F, y, yo + o4, LE), a5 = FloatVector.fromMemorySegment(F, y, yo + o5, LE);
        FloatVector a6 = FloatVector.fromMemorySegment(F, y, yo + o6, LE), a7 = FloatVector.fromMemorySegment(F, y, yo + o7, LE);
        for (int i = 0; i < rows; i++) {
            FloatVector c = FloatVector.broadcast(F, alpha * get(r, ro + 4L * i));
            MemorySegment row = w.asSlice(w0 + i * rowBytes, bytes);
            a0 = FloatVector.fromMemorySegment(F, row, 0, LE).fma(c, a0);
            a1 = FloatVector.fromMemorySegment(F, row, o1, LE).fma(c, a1);
            a2 = FloatVector.fromMemorySegment(F, row, o2, LE).fma(c, a2);
            a3 = FloatVector.fromMemorySegment(F, row, o3, LE).fma(c, a3);
            a4 = FloatVector.fromMemorySegment(F, row, o4, LE).fma(c, a4);
            a5 = FloatVector.fromMemorySegment(F, row, o5, LE).fma(c, a5);
            a6 = FloatVector.fromMemorySegment(F, row, o6, LE).fma(c, a6);
            a7 = FloatVector.fromMemorySegment(F, row, o7, LE).fma(c, a7);
        }
        a0.intoMemorySegment(y, yo, LE);
        a1.intoMemorySegment(y, yo + o1, LE);
        a2.intoMemorySegment(y, yo + o2, LE);
        a3.intoMemorySegment(y, yo + o3, LE);
        a4.intoMemorySegment(y, yo + o4, LE);
        a5.intoMemorySegment(y, yo + o5, LE);
        a6.intoMemorySegment(y, yo + o6, LE);
        a7.intoMemorySegment(y, yo + o7, LE);
    }

    /**
     * {@link #gemvTRegisters} with thirteen accumulators, for rows of 8L … 13L columns (784×100 under AVX2: 13
     * vectors, the last overlapping): one pass over the rows where two register windows streamed every row twice,
     * each with its own broadcast, row address and bounds check. 13 accumulators, the broadcast and one loaded
     * vector are 15 of AVX2's 16 registers. Same FMAs in the same order per column as one axpy per row.
     */
    private static void gemvTWide(MemorySegment w, long w0, long rowBytes, MemorySegment r, long ro, float alpha,
                                  int rows, int cols, MemorySegment y, long yo) {
        long last = 4L * (cols - L), bytes = 4L * cols;
        long o8 = Math.min(8 * LB, last), o9 = Math.min(9 * LB, last), o10 = Math.min(10 * LB, last);
        long o11 = Math.min(11 * LB, last), o12 = Math.min(12 * LB, last);
        FloatVector a0 = FloatVector.fromMemorySegment(F, y, yo, LE);
        FloatVector a1 = FloatVector.fromMemorySegment(F, y, yo + 1 * LB, LE);
        FloatVector a2 = FloatVector.fromMemorySegment(F, y, yo + 2 * LB, LE);
        FloatVector a3 = FloatVector.fromMemorySegment(F, y, yo + 3 * LB, LE);
        FloatVector a4 = FloatVector.fromMemorySegment(F, y, yo + 4 * LB, LE);
        FloatVector a5 = FloatVector.fromMemorySegment(F, y, yo + 5 * LB, LE);
        FloatVector a6 = FloatVector.fromMemorySegment(F, y, yo + 6 * LB, LE);
        FloatVector a7 = FloatVector.fromMemorySegment(F, y, yo + 7 * LB, LE);
        FloatVector a8 = FloatVector.fromMemorySegment(F, y, yo + o8, LE);
        FloatVector a9 = FloatVector.fromMemorySegment(F, y, yo + o9, LE);
        FloatVector a10 = FloatVector.fromMemorySegment(F, y, yo + o10, LE);
        FloatVector a11 = FloatVector.fromMemorySegment(F, y, yo + o11, LE);
        FloatVector a12 = FloatVector.fromMemorySegment(F, y, yo + o12, LE);
        for (int i = 0; i < rows; i++) {
            FloatVector c = FloatVector.broadcast(F, alpha * get(r, ro + 4L * i));
            MemorySegment row = w.asSlice(w0 + i * rowBytes, bytes);
            a0 = FloatVector.fromMemorySegment(F, row, 0, LE).fma(c, a0);
            a1 = FloatVector.fromMemorySegment(F, row, 1 * LB, LE).fma(c, a1);
            a2 = FloatVector.fromMemorySegment(F, row, 2 * LB, LE).fma(c, a2);
            a3 = FloatVector.fromMemorySegment(F, row, 3 * LB, LE).fma(c, a3);
            a4 = FloatVector.fromMemorySegment(F, row, 4 * LB, LE).fma(c, a4);
            a5 = FloatVector.fromMemorySegment(F, row, 5 * LB, LE).fma(c, a5);
            a6 = FloatVector.fromMemorySegment(F, row, 6 * LB, LE).fma(c, a6);
            a7 = FloatVector.fromMemorySegment(F, row, 7 * LB, LE).fma(c, a7);
            a8 = FloatVector.fromMemorySegment(F, row, o8, LE).fma(c, a8);
            a9 = FloatVector.fromMemorySegment(F, row, o9, LE).fma(c, a9);
            a10 = FloatVector.fromMemorySegment(F, row, o10, LE).fma(c, a10);
            a11 = FloatVector.fromMemorySegment(F, row, o11, LE).fma(c, a11);
            a12 = FloatVector.fromMemorySegment(F, row, o12, LE).fma(c, a12);
        }
        a0.intoMemorySegment(y, yo, LE);
        a1.intoMemorySegment(y, yo + 1 * LB, LE);
        a2.intoMemorySegment(y, yo + 2 * LB, LE);
        a3.intoMemorySegment(y, yo + 3 * LB, LE);
        a4.intoMemorySegment(y, yo + 4 * LB, LE);
        a5.intoMemorySegment(y, yo + 5 * LB, LE);
        a6.intoMemorySegment(y, yo + 6 * LB, LE);
        a7.intoMemorySegment(y, yo + 7 * LB, LE);
        a8.intoMemorySegment(y, yo + o8, LE);
        a9.intoMemorySegment(y, yo + o9, LE);
        a10.intoMemorySegment(y, yo + o10, LE);
        a11.intoMemorySegment(y, yo + o11, LE);
        a12.intoMemorySegment(y, yo + o12, LE);
    }

    // ---------------------------------------------------------------- triangular solves
    //
    // Both substitutions are the GEMV kernels above run over the strictly lower triangle of L, one 4-row block
    // at a time, with the 4×4 triangles of the diagonal solved in scalar between them. The block is the GEMV's
    // own 4-row group (dot4 / axpy4): with a larger block (32, 64) the part of each block row left of the
    // diagonal but inside the block would go through short dots of 1 … nb − 1 terms, n·nb/2 flops at scalar
    // speed, where with 4 only 6 products per block do. The data dependency is the same either way: block k
    // needs the finished x of every earlier block (forward) or later block (transposed).

    @Override
    public void trsvLower(MemorySegment l, long lo, int ld, int n, MemorySegment x, long xo) {
        long rowBytes = 4L * ld;
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            long w0 = lo + i * rowBytes, w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
            long oi = xo + 4L * i, d = 4L * i;
            // x[i:i+4] ← x[i:i+4] − L[i:i+4, 0:i]·x[0:i]: the GEMV block with α = −1, β = 1 (reads x[0:i] only).
            dot4(l, w0, rowBytes, i, x, xo, -1f, 1f, x, oi, null, 0);
            float x0 = get(x, oi) / get(l, w0 + d);
            float x1 = fma(-get(l, w1 + d), x0, get(x, oi + 4)) / get(l, w1 + d + 4);
            float x2 = fma(-get(l, w2 + d + 4), x1, fma(-get(l, w2 + d), x0, get(x, oi + 8))) / get(l, w2 + d + 8);
            float x3 = fma(-get(l, w3 + d + 8), x2, fma(-get(l, w3 + d + 4), x1,
                    fma(-get(l, w3 + d), x0, get(x, oi + 12)))) / get(l, w3 + d + 12);
            put(x, oi, x0);
            put(x, oi + 4, x1);
            put(x, oi + 8, x2);
            put(x, oi + 12, x3);
        }
        for (; i < n; i++) {
            long wi = lo + i * rowBytes, oi = xo + 4L * i;
            put(x, oi, (get(x, oi) - dot(l, wi, x, xo, i)) / get(l, wi + 4L * i));
        }
    }

    @Override
    public void trsvLowerTransposed(MemorySegment l, long lo, int ld, int n, MemorySegment x, long xo) {
        long rowBytes = 4L * ld;
        int full = n & ~3;
        // Column-oriented back substitution, so that L is read by rows: once x_i is final, its term leaves every
        // earlier equation at once, x[0:i] −= x_i·L[i, 0:i]. First the rows past the last whole block, last first.
        for (int i = n - 1; i >= full; i--) {
            long wi = lo + i * rowBytes, oi = xo + 4L * i;
            float xi = get(x, oi) / get(l, wi + 4L * i);
            put(x, oi, xi);
            axpy(-xi, l, wi, x, xo, i);
        }
        for (int i = full - 4; i >= 0; i -= 4) {
            long w0 = lo + i * rowBytes, w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
            long oi = xo + 4L * i, d = 4L * i;
            // The block's triangle L[i:i+4, i:i+4]ᵀ, its last row first.
            float x3 = get(x, oi + 12) / get(l, w3 + d + 12);
            float x2 = fma(-get(l, w3 + d + 8), x3, get(x, oi + 8)) / get(l, w2 + d + 8);
            float x1 = fma(-get(l, w2 + d + 4), x2, fma(-get(l, w3 + d + 4), x3, get(x, oi + 4))) / get(l, w1 + d + 4);
            float x0 = fma(-get(l, w1 + d), x1, fma(-get(l, w2 + d), x2,
                    fma(-get(l, w3 + d), x3, get(x, oi)))) / get(l, w0 + d);
            put(x, oi, x0);
            put(x, oi + 4, x1);
            put(x, oi + 8, x2);
            put(x, oi + 12, x3);
            // x[0:i] ← x[0:i] − L[i:i+4, 0:i]ᵀ·x[i:i+4]: the GEMVᵀ block with α = −1, β = 1.
            axpy4(-x0, -x1, -x2, -x3, l, w0, w1, w2, w3, i, x, xo);
        }
    }

    // ---------------------------------------------------------------- fused

    @Override
    public double bregmanGradient(Activation sigma, MemorySegment w, long wo, int ld, int r0, int r1, int cols,
                                  MemorySegment x, long xo, MemorySegment b, long bo,
                                  MemorySegment t, long to, MemorySegment z, long zo,
                                  MemorySegment g, long go) {
        fill(0f, g, go, cols);
        long rowBytes = 4L * ld;
        double sumSq = 0.0;
        // step rows at a time (eight where dot8 does not pair, else four): their dot products (first read of the
        // rows, from memory), then the residuals, then the axpy of the same rows into g (second read, from L1/L2 — 8 rows of
        // 4096 floats are 128 KiB, well inside L2). W crosses the memory bus once.
        // Rows whose residual is exactly 0 add nothing to g and are skipped: with ReLU and observations
        // clipped at 0 (every inactive unit the iterate agrees on) that is often a third to a half of the
        // rows, and the second read shrinks with it. Rows with a residual wait in the scratch's (rows,
        // coefficients) until step are pending, then go through one axpy4, axpy8 or axpy16, in row order, so the
        // roundings of g do not depend on which rows were skipped.
        if (L >= 8 && cols >= L && cols <= FUSED_CHUNKED_ROW) {
            return bregmanShortRows(sigma, w, wo, rowBytes, r0, r1, cols, x, xo, b, bo, t, to, z, zo, g, go);
        }
        boolean paired = paired(cols); // dot8 as two dot4Pairs where dot4 pairs too (never at 512 bits)
        // Rows per step, and pending rows per axpy: blockRows past the GEMVᵀ's windows (sixteen where sixteenRows),
        // else FUSED_STEP where dot8 does not pair, else four; dot8 and axpy8 need at least one vector.
        int step = L < 8 || cols < L || paired ? 4 : cols > WINDOWED_ROW ? blockRows(rowBytes) : FUSED_STEP;
        Scratch scratch = SCRATCH.get();
        float[] sums = scratch.sums, f = scratch.coefficients;
        long[] q = scratch.rows;
        int pending = 0;
        for (int i0 = r0; i0 < r1; i0 += step) {
            int end = Math.min(i0 + step, r1);
            // The GEMV's blocks: a last partial step of sixteen takes dot8's block before dotRows' dot4 and rows.
            if (L == 16 && end - i0 == 16) {
                dot16(w, wo + i0 * rowBytes, rowBytes, cols, x, xo, sums);
                finish16(sums, 1f, 0f, z, zo + 4L * i0, b, bo + 4L * i0);
            } else if (end - i0 >= 8) {
                dot8(paired, w, wo + i0 * rowBytes, rowBytes, cols, x, xo, sums);
                finish8(paired, sums, 1f, 0f, z, zo + 4L * i0, b, bo + 4L * i0);
                if (end - i0 > 8) {
                    dotRows(w, wo, rowBytes, i0 + 8, end, cols, x, xo, b, bo, z, zo);
                }
            } else if (end - i0 == 4) {
                dot4(w, wo + i0 * rowBytes, rowBytes, cols, x, xo, 1f, 0f, z, zo + 4L * i0, b, bo + 4L * i0);
            } else {
                dotRows(w, wo, rowBytes, i0, end, cols, x, xo, b, bo, z, zo);
            }
            for (int i = i0; i < end; i++) {
                float e = FloatSigma.of(sigma, get(z, zo + 4L * i)) - get(t, to + 4L * i);
                if (e == 0f) {
                    continue;
                }
                sumSq += (double) e * e;
                q[pending] = wo + i * rowBytes;
                f[pending] = e;
                if (++pending == step) {
                    if (step == 16) {
                        axpy16(f, q, w, cols, g, go);
                    } else if (step == 8) {
                        axpy8(f, q, w, cols, g, go);
                    } else {
                        axpy4(f[0], f[1], f[2], f[3], w, q[0], q[1], q[2], q[3], cols, g, go);
                    }
                    pending = 0;
                }
            }
        }
        int k = 0;
        if (pending >= 8) {
            axpy8(f, q, w, cols, g, go);
            k = 8;
        }
        if (pending - k >= 4) {
            axpy4(f[k], f[k + 1], f[k + 2], f[k + 3], w, q[k], q[k + 1], q[k + 2], q[k + 3], cols, g, go);
            k += 4;
        }
        for (; k < pending; k++) {
            axpy(f[k], w, q[k], g, go, cols);
        }
        return sumSq;
    }

    /**
     * z_i ← ⟨W_i, x⟩ (+ b_i) for rows i0 ≤ i &lt; i1, the rows after the fused paths' last whole block: four of them
     * by {@link #dot4} where there are four, the rest one at a time. That is the GEMV's grouping, so z is W x + b
     * bit for bit (LayoutIndependenceTest); one at a time, the four rows after the chunked path's last 8-row block
     * differed from the GEMV's in the last bits.
     */
    private void dotRows(MemorySegment w, long wo, long rowBytes, int i0, int i1, int cols, MemorySegment x,
                         long xo, MemorySegment b, long bo, MemorySegment z, long zo) {
        int i = i0;
        if (i1 - i >= 4) {
            dot4(w, wo + i * rowBytes, rowBytes, cols, x, xo, 1f, 0f, z, zo + 4L * i, b, bo + 4L * i);
            i += 4;
        }
        for (; i < i1; i++) {
            float zv = dot(w, wo + i * rowBytes, x, xo, cols);
            put(z, zo + 4L * i, b == null ? zv : zv + get(b, bo + 4L * i));
        }
    }

    /**
     * {@link #bregmanGradient} for rows of L … {@link #FUSED_CHUNKED_ROW} columns (L ≥ 8), g already zero, in
     * chunks of rows of at most {@link #SHORT_CHUNK_BYTES} (one chunk if the block holds at most
     * {@link #WHOLE_CHUNK_BYTES}): the chunk's eight-row blocks of {@link #dot8} (rows past
     * the last whole block of W one by one); the chunk's residuals as vectors into per-thread scratch (σ by
     * {@link SimdProxSupport#apply} where that is exact, {@link #exactVectorSigma}, else by {@link FloatSigma#of}
     * per row; e = σ(z) − t and Σ e² by {@link #maskedResidual}); then one pass of all the chunk's rows into g,
     * reading the chunk a second time ({@link #addRowsT}: g in registers in column windows for rows of up to
     * {@link #WINDOWED_ROW} columns, else four rows per load and store of g). Each g[j] gets its terms by FMA in
     * row order. Rows whose residual is 0 are not skipped here (they add 0·W_i, as in the reference): at these row
     * lengths listing the others cost more, per row, than the register pass saved.
     *
     * <p>The residuals were a scalar loop that listed the rows with e ≠ 0 for the pass: JFR put a quarter of the
     * 784 × 100 gradient's samples there (segment reads of z and t per row, a dependent double sum, the list),
     * and the vector form took the gradient from 9.0 to 7.1-7.8 µs at 512 bits and 8.5 to 7.2-7.5 µs under AVX2
     * ({@code MinOfBursts}, jmh/RESULTS.md). Earlier, listed rows had gone through an eight-row axpy per eight
     * (13.3 µs under AVX2, 13.8 µs at 512 bits).
     *
     * <p>tanh and the sigmoid take σ per row from {@link FloatSigma} (scalar, about twice as fast as {@code Math.tanh}).
     * A vector twin of it with the same bits was measured too: 20× faster once compiled, but its ≈ 50 Vector API
     * operations per vector ran in the interpreter and C1 until C2 compiled them, and a fresh JVM's 2-layer tanh
     * lifted coordinate descent took 0.3 s longer (2.3-2.9 s against 1.9-2.6 s, Zen 3, AVX2).
     */
    private double bregmanShortRows(Activation sigma, MemorySegment w, long wo, long rowBytes, int r0, int r1, int cols,
                                    MemorySegment x, long xo, MemorySegment b, long bo, MemorySegment t, long to,
                                    MemorySegment z, long zo, MemorySegment g, long go) {
        double sumSq = 0.0;
        // Sized by the bytes the rows hold, not by their stride: the chunks fix the order of Σ e², which must not
        // depend on the layout (LayoutIndependenceTest).
        int chunk = 4L * cols * (r1 - r0) <= WHOLE_CHUNK_BYTES ? r1 - r0
                : (int) Math.max(8, SHORT_CHUNK_BYTES / (4L * cols) / 8 * 8);
        Scratch scratch = SCRATCH.get();
        MemorySegment e = scratch.residuals(Math.min(chunk, r1 - r0));
        float[] sums = scratch.sums;
        boolean paired = paired(cols);
        boolean vectorSigma = exactVectorSigma(sigma);
        int block = blockRows(rowBytes);
        for (int c0 = r0; c0 < r1; c0 += chunk) {
            int c1 = Math.min(r1, c0 + chunk), len = c1 - c0;
            for (int i0 = c0; i0 < c1; i0 += block) {
                int end = Math.min(i0 + block, c1);
                if (L == 16 && end - i0 == 16) {
                    dot16(w, wo + i0 * rowBytes, rowBytes, cols, x, xo, sums);
                    finish16(sums, 1f, 0f, z, zo + 4L * i0, b, bo + 4L * i0);
                    continue;
                }
                int i = i0;
                if (end - i >= 8) {
                    dot8(paired, w, wo + i * rowBytes, rowBytes, cols, x, xo, sums);
                    finish8(paired, sums, 1f, 0f, z, zo + 4L * i, b, bo + 4L * i);
                    i += 8;
                }
                if (i < end) {
                    dotRows(w, wo, rowBytes, i, end, cols, x, xo, b, bo, z, zo);
                }
            }
            long zc = zo + 4L * c0;
            if (vectorSigma) {
                PROX.apply(sigma, z, zc, e, 0, len);
            } else {
                for (int i = 0; i < len; i++) {
                    put(e, 4L * i, FloatSigma.of(sigma, get(z, zc + 4L * i)));
                }
            }
            sumSq += maskedResidual(e, 0, t, to + 4L * c0, null, 0, e, 0, len);
            addRowsT(w, wo + c0 * rowBytes, rowBytes, e, 0, 1f, len, cols, g, go);
        }
        return sumSq;
    }

    /** Whether {@link SimdProxSupport#apply} computes σ bit for bit as {@link Activation#apply} does (no rounding in σ). */
    private static boolean exactVectorSigma(Activation sigma) {
        return sigma instanceof Activation.Identity || sigma instanceof Activation.Relu
                || sigma instanceof Activation.LeakyRelu || sigma instanceof Activation.SoftThreshold;
    }

    @Override
    public double admmGradient(MemorySegment w, long wo, int ld, int rows, int cols, int s,
                               MemorySegment x, long xo, MemorySegment b, long bo, MemorySegment t, long to, float rho,
                               MemorySegment a, long ao, MemorySegment u, long uo, MemorySegment v, long vo,
                               MemorySegment r, long ro, MemorySegment g, long go) {
        // GEMV, the updates as one vector pass over the rows, GEMVᵀ. Fusing the three into one pass over P
        // (each 4-row block's dot products, updates and axpy while the rows are in L1) was measured slower
        // at the experiment's 300 × 100: P is L2-resident there, so the second read costs little, while the
        // per-row scalar updates between the blocks cost more than the vector pass does.
        gemv(1f, w, wo, ld, 0, rows, cols, x, xo, 0f, v, vo, b, bo);
        float cons = admmUpdates(rows, s, v, vo, t, to, rho, a, ao, u, uo, r, ro);
        gemvT(1f, w, wo, ld, 0, rows, cols, r, ro, 0f, g, go);
        return cons;
    }

    /**
     * r[i] = v[i] − t[i] (i &lt; s); for i ≥ s, j = i − s: a[j] = −max(u[j] − v[i], 0), u[j] += a[j] − v[i],
     * r[i] = ρ(v[i] − a[j] − u[j]). Returns Σ (a[j] − v[i])², summed in float lanes in a fixed order (a
     * convergence measure: float accuracy is ample).
     */
    private static float admmUpdates(int rows, int s, MemorySegment v, long vo, MemorySegment t, long to, float rho,
                                     MemorySegment a, long ao, MemorySegment u, long uo, MemorySegment r, long ro) {
        // Both vector loops are not counted loops on purpose (a long byte offset compared with "!="): as counted
        // loops C2 hoisted profiled predicates out of them that then failed under -XX:UseAVX=2 (JMH's
        // PursuitIterationBench.rowsFused: "profile_predicate" traps at three back-edges, each recompiled up to
        // four times, the step boxed in between: 8-19 KB per call in a first measured second).
        int bound = F.loopBound(s);
        for (long o = 0, end = 4L * bound; o != end; o += LB) {
            FloatVector.fromMemorySegment(F, v, vo + o, LE).sub(FloatVector.fromMemorySegment(F, t, to + o, LE)).intoMemorySegment(r, ro + o, LE);
        }
        for (int i = bound; i < s; i++) {
            long o = 4L * i;
            put(r, ro + o, get(v, vo + o) - get(t, to + o));
        }
        int c = rows - s;
        long vs = vo + 4L * s, rs = ro + 4L * s;
        FloatVector acc = FloatVector.zero(F);
        int cb = F.loopBound(c);
        for (long o = 0, end = 4L * cb; o != end; o += LB) {
            FloatVector vv = FloatVector.fromMemorySegment(F, v, vs + o, LE), uu = FloatVector.fromMemorySegment(F, u, uo + o, LE);
            FloatVector aa = uu.sub(vv).max(0f).neg();
            FloatVector d = aa.sub(vv);
            FloatVector un = uu.add(d);
            aa.intoMemorySegment(a, ao + o, LE);
            un.intoMemorySegment(u, uo + o, LE);
            vv.sub(aa).sub(un).mul(rho).intoMemorySegment(r, rs + o, LE);
            acc = d.fma(d, acc);
        }
        for (int f = L / 2; f > 0; f >>= 1) { // Lanes.sum written out: see the class comment
            acc = acc.add(acc.rearrange(Lanes.fold(f)));
        }
        float cons = acc.lane(0);
        for (int j = cb; j < c; j++) {
            long o = 4L * j;
            float vj = get(v, vs + o), uj = get(u, uo + o);
            float aj = -Math.max(uj - vj, 0f);
            float d = aj - vj;
            float un = uj + d;
            put(a, ao + o, aj);
            put(u, uo + o, un);
            put(r, rs + o, rho * (vj - aj - un));
            cons = fma(d, d, cons);
        }
        return cons;
    }

    /**
     * r[i] ← v[i] − t[i] for i &lt; s: the support rows of {@link #admmStart}'s stacked residual. admmUpdates keeps
     * its own copy of this loop: while it called this method instead, its C2 compilation was left without
     * vector intrinsics in two of about twenty allocation-test JVMs (41 KB of code, every vector boxed, for
     * the test's 30 s; -XX:UseAVX=2 and 512 bits), which the copy never showed.
     */
    private static void equalityResidual(int s, MemorySegment v, long vo, MemorySegment t, long to, MemorySegment r,
                                         long ro) {
        int i = 0;
        for (int bound = F.loopBound(s); i < bound; i += L) {
            long o = 4L * i;
            FloatVector.fromMemorySegment(F, v, vo + o, LE).sub(FloatVector.fromMemorySegment(F, t, to + o, LE)).intoMemorySegment(r, ro + o, LE);
        }
        ScalarKernelSupport.equalityResidualRange(v, vo, t, to, r, ro, i, s);
    }

    // ---------------------------------------------------------------- solver steps (elementwise)
    //
    // Each kernel is one vector loop and, as its scalar tail, the scalar twin's range method, so the element
    // step has one definition. The float arithmetic is that of the scalar loop lane by lane (no FMA where the
    // scalar loop has none), so outputs are bit-identical across implementations; only the sums differ. The
    // double sums of distanceSquared and maskedResidual widen each half of a float vector into one vector of
    // doubles (D, convertShape parts 0 and 1) and add there, so each term is the scalar loop's double term (the
    // squares of floats are exact in double) and the results differ from the scalar order by double rounding
    // only, about n·2⁻⁵³ relative; scaledGradientStep sums in float lanes (see there).
    //
    // The float arithmetic is done on full vectors, not on half-width ones: loads, subtractions and stores of
    // half-width float vectors here made the receiver profiles of the Vector API's shared FloatVector methods
    // bimorphic (Float256Vector and Float128Vector under AVX2), and in some compile orders C2 then lost the
    // store intrinsic of other kernels and boxed the stored vector: NetworkAllocationTest and
    // SolverAllocationTest failed in about 1 of 30 JVMs under -XX:UseAVX=2 (sites named by the tests' JFR
    // diagnostic: SimdKernelSupport.admmUpdates and dot8, a lanewise result before a store). With full vectors:
    // 0 failures in about 140 JVMs of the same two classes.

    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, F.vectorShape());
    private static final int LD = D.length();

    @Override
    public double distanceSquared(MemorySegment x, long xo, MemorySegment y, long yo, int n) {
        int i = 0;
        double sum = 0.0;
        if (n >= VECTOR_THRESHOLD) {
            DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
            int bound = F.loopBound(n);
            for (; i < bound; i += L) {
                long ox = xo + 4L * i, oy = yo + 4L * i;
                FloatVector e = FloatVector.fromMemorySegment(F, x, ox, LE).sub(FloatVector.fromMemorySegment(F, y, oy, LE));
                DoubleVector d0 = (DoubleVector) e.convertShape(F2D, D, 0), d1 = (DoubleVector) e.convertShape(F2D, D, 1);
                a0 = d0.fma(d0, a0);
                a1 = d1.fma(d1, a1);
            }
            DoubleVector t = a0.add(a1);
            for (int k = 0; k < LD; k++) { // lanes in index order, written out: no vector crosses a call
                sum += t.lane(k);
            }
        }
        return ScalarKernelSupport.distanceSquaredRange(x, xo, y, yo, i, n, sum);
    }

    @Override
    public double maskedResidual(MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment m, long mo,
                                 MemorySegment r, long ro, int n) {
        int i = 0;
        double sum = 0.0;
        if (n >= VECTOR_THRESHOLD) {
            // In half vectors, each widened right after it is stored; two loops rather than a branch on the
            // mask inside one (see l1ProxStep in SimdProxSupport for what a loop-invariant branch cost there).
            DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
            int bound = F.loopBound(n);
            if (m == null) {
                for (; i < bound; i += L) {
                    long o = 4L * i;
                    FloatVector e = FloatVector.fromMemorySegment(F, x, xo + o, LE).sub(FloatVector.fromMemorySegment(F, y, yo + o, LE));
                    e.intoMemorySegment(r, ro + o, LE);
                    DoubleVector w0 = (DoubleVector) e.convertShape(F2D, D, 0), w1 = (DoubleVector) e.convertShape(F2D, D, 1);
                    a0 = w0.fma(w0, a0);
                    a1 = w1.fma(w1, a1);
                }
            } else {
                for (; i < bound; i += L) {
                    long o = 4L * i;
                    FloatVector e = FloatVector.fromMemorySegment(F, x, xo + o, LE).sub(FloatVector.fromMemorySegment(F, y, yo + o, LE))
                            .mul(FloatVector.fromMemorySegment(F, m, mo + o, LE));
                    e.intoMemorySegment(r, ro + o, LE);
                    DoubleVector w0 = (DoubleVector) e.convertShape(F2D, D, 0), w1 = (DoubleVector) e.convertShape(F2D, D, 1);
                    a0 = w0.fma(w0, a0);
                    a1 = w1.fma(w1, a1);
                }
            }
            DoubleVector t = a0.add(a1);
            for (int k = 0; k < LD; k++) {
                sum += t.lane(k);
            }
        }
        return ScalarKernelSupport.maskedResidualRange(x, xo, y, yo, m, mo, r, ro, i, n, sum);
    }

    @Override
    public void extrapolate(float beta, MemorySegment u, long uo, MemorySegment p, long po, MemorySegment x, long xo,
                            int n) {
        FloatVector betaV = FloatVector.broadcast(F, beta);
        int i = 0;
        int bound = F.loopBound(n);
        for (; i < bound; i += L) {
            long o = 4L * i;
            FloatVector uv = FloatVector.fromMemorySegment(F, u, uo + o, LE);
            uv.add(uv.sub(FloatVector.fromMemorySegment(F, p, po + o, LE)).mul(betaV)).intoMemorySegment(x, xo + o, LE);
            uv.intoMemorySegment(p, po + o, LE);
        }
        ScalarKernelSupport.extrapolateRange(beta, u, uo, p, po, x, xo, i, n);
    }

    @Override
    public void scaledGradientStep(float keep, float step, MemorySegment z, long zo, MemorySegment g, long go, int n,
                                   double[] sums) {
        // Full vectors, the two sums in float lanes with FMA, as l1ProxStep's (the same solver's mid-layer step):
        // convergence measures, where float accuracy is ample. Summing in double lanes (half vectors widened, as
        // maskedResidual does) made the ADMM step reach its allocation-free compiled form later, and once in
        // four runs not within the allocation test's 30 s at 512 bits (720 bytes per step).
        FloatVector keepV = FloatVector.broadcast(F, keep), stepV = FloatVector.broadcast(F, step);
        FloatVector change = FloatVector.zero(F), norm = change;
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            long o = 4L * i;
            FloatVector zv = FloatVector.fromMemorySegment(F, z, zo + o, LE);
            FloatVector nz = zv.mul(keepV).sub(FloatVector.fromMemorySegment(F, g, go + o, LE).mul(stepV));
            nz.intoMemorySegment(z, zo + o, LE);
            FloatVector d = nz.sub(zv);
            change = d.fma(d, change);
            norm = nz.fma(nz, norm);
        }
        for (int f = L / 2; f > 0; f >>= 1) { // Lanes.sum written out: see the class comment
            change = change.add(change.rearrange(Lanes.fold(f)));
            norm = norm.add(norm.rearrange(Lanes.fold(f)));
        }
        sums[0] = change.lane(0);
        sums[1] = norm.lane(0);
        ScalarKernelSupport.scaledGradientStepRange(keep, step, z, zo, g, go, i, n, sums);
    }

    @Override
    public void adamStep(float beta1, float beta2, float etaHat, float sHat, float eps, MemorySegment z, long zo,
                         MemorySegment g, long go, MemorySegment m, long mo, MemorySegment s, long so, int n) {
        FloatVector b1 = FloatVector.broadcast(F, beta1), b2 = FloatVector.broadcast(F, beta2);
        FloatVector c1 = FloatVector.broadcast(F, 1 - beta1), c2 = FloatVector.broadcast(F, 1 - beta2);
        FloatVector eta = FloatVector.broadcast(F, etaHat), sh = FloatVector.broadcast(F, sHat), ev = FloatVector.broadcast(F, eps);
        int i = 0;
        int bound = F.loopBound(n);
        for (; i < bound; i += L) {
            long o = 4L * i;
            FloatVector gv = FloatVector.fromMemorySegment(F, g, go + o, LE);
            FloatVector mv = FloatVector.fromMemorySegment(F, m, mo + o, LE).mul(b1).add(gv.mul(c1));
            FloatVector sv = FloatVector.fromMemorySegment(F, s, so + o, LE).mul(b2).add(gv.mul(c2).mul(gv));
            mv.intoMemorySegment(m, mo + o, LE);
            sv.intoMemorySegment(s, so + o, LE);
            FloatVector zv = FloatVector.fromMemorySegment(F, z, zo + o, LE);
            // √ of a float is correctly rounded in both forms, so this is the scalar (float) Math.sqrt(s·ŝ).
            zv.sub(mv.mul(eta).div(sv.mul(sh).sqrt().add(ev))).intoMemorySegment(z, zo + o, LE);
        }
        ScalarKernelSupport.adamStepRange(beta1, beta2, etaHat, sHat, eps, z, zo, g, go, m, mo, s, so, i, n);
    }

    @Override
    public void admmStart(int rows, int s, MemorySegment v, long vo, MemorySegment t, long to, float rho,
                          MemorySegment a, long ao, MemorySegment u, long uo, MemorySegment r, long ro) {
        equalityResidual(s, v, vo, t, to, r, ro);
        splitStart(s, rows - s, v, vo, rho, a, ao, u, uo, r, ro);
    }

    /** The c split rows of {@link #admmStart}: a ← min(v^{S^c}, 0), u ← 0, r^{S^c} ← ρ((v^{S^c} − a) − u). */
    private static void splitStart(int s, int c, MemorySegment v, long vo, float rho, MemorySegment a, long ao,
                                   MemorySegment u, long uo, MemorySegment r, long ro) {
        FloatVector zero = FloatVector.zero(F);
        int j = 0;
        for (int bound = F.loopBound(c); j < bound; j += L) {
            long o = 4L * j, oi = 4L * (s + j);
            FloatVector vv = FloatVector.fromMemorySegment(F, v, vo + oi, LE);
            FloatVector aa = vv.min(0f); // lane-wise Math.min: NaN stays NaN, min(−0, 0) = −0
            aa.intoMemorySegment(a, ao + o, LE);
            zero.intoMemorySegment(u, uo + o, LE);
            vv.sub(aa).sub(zero).mul(rho).intoMemorySegment(r, ro + oi, LE);
        }
        ScalarKernelSupport.splitStartRange(s, v, vo, rho, a, ao, u, uo, r, ro, j, c);
    }

    // ---------------------------------------------------------------- BLAS level 3
    //
    // The three products are SimdGemm's packed product C ← C + α·A·B on byte strides, after β (and the bias) are
    // applied to C here. NN: A = D, B = W. TN: A = Dᵀ (read in place), B = X. NT: Y = X·Wᵀ when W has no more rows
    // than X (B = Wᵀ, transposed into the panel), otherwise Yᵀ = W·Xᵀ (B = Xᵀ, C = Yᵀ stored element by element):
    // the transpose copies the smaller of X and W, once per call.

    @Override
    public void gemmNN(float alpha, MemorySegment d, long dOff, int ldd, int rows, int m, MemorySegment w, long wo,
                       int ldw, int n, float beta, MemorySegment z, long zo, int ldz) {
        gemmNN(alpha, d, dOff, ldd, rows, m, w, wo, ldw, null, n, beta, z, zo, ldz);
    }

    /**
     * W packed: the panels of D·W ({@link SimdGemm#packB}) and, below 512 bits, where {@code gemmNT} copies blocks
     * of rows of W on every call, those blocks too ({@link SimdGemm#packRowsWhole}), after them.
     */
    @Override
    public long gemmPackedBytes(int m, int n) {
        return SimdGemm.packedBytes(m, n) + (SimdGemm.PACK_A ? SimdGemm.rowsWholeBytes(m, n) : 0);
    }

    @Override
    public void gemmPack(MemorySegment w, long wo, int ldw, int m, int n, MemorySegment dst) {
        SimdGemm.packB(w, wo, 4L * ldw, 4L, m, n, dst);
        if (SimdGemm.PACK_A) {
            SimdGemm.packRowsWhole(w, wo, 4L * ldw, 4L, m, n, dst, SimdGemm.packedBytes(m, n));
        }
    }

    /** {@link #gemmNN} reading the panels of W from {@code packed} instead of copying them (bit-identical). */
    @Override
    public void gemmNNPacked(float alpha, MemorySegment d, long dOff, int ldd, int rows, int m, MemorySegment w,
                             long wo, int ldw, MemorySegment packed, int n, float beta, MemorySegment z, long zo,
                             int ldz) {
        gemmNN(alpha, d, dOff, ldd, rows, m, w, wo, ldw, usable(packed, m, n), n, beta, z, zo, ldz);
    }

    /** {@code packed} if it holds W ({@code m × n}) packed by {@link #gemmPack}, else null. */
    private MemorySegment usable(MemorySegment packed, int m, int n) {
        return packed != null && packed.byteSize() >= gemmPackedBytes(m, n) ? packed : null;
    }

    /** The NN product; packed (W packed by {@link #gemmPack}) or null, read where the packed route would copy W. */
    private void gemmNN(float alpha, MemorySegment d, long dOff, int ldd, int rows, int m, MemorySegment w, long wo,
                        int ldw, MemorySegment packed, int n, float beta, MemorySegment z, long zo, int ldz) {
        betaRows(beta, z, zo, ldz, rows, n, null, 0);
        if (alpha == 1f && m > 0 && rows <= FEW_ROWS_MAX) {
            // A few rows: W read in place, four rows of D at a time (SimdFewRows), one or two rows left over by a
            // GEMVᵀ each, instead of packed whole
            int groups = SimdFewRows.grouped(rows);
            if (groups > 0) {
                SimdFewRows.backward(w, wo, 4L * ldw, 0, m, n, d, dOff, 4L * ldd, groups, z, zo, 4L * ldz);
            }
            for (int s = groups; s < rows; s++) {
                gemvT(1f, w, wo, ldw, 0, m, n, d, dOff + 4L * s * ldd, 1f, z, zo + 4L * s * ldz);
            }
        } else if (packed != null) {
            SimdGemm.multiplyAddPacked(alpha, d, dOff, 4L * ldd, 4L, rows, m, packed, n, z, zo, 4L * ldz, 4L);
        } else {
            SimdGemm.multiplyAdd(alpha, d, dOff, 4L * ldd, 4L, rows, m, w, wo, 4L * ldw, 4L, n, z, zo, 4L * ldz, 4L);
        }
    }

    @Override
    public void gemmTN(float alpha, MemorySegment d, long dOff, int ldd, int rows, int m, MemorySegment x, long xo,
                       int ldx, int n, float beta, MemorySegment g, long go, int ldg) {
        betaRows(beta, g, go, ldg, m, n, null, 0);
        SimdGemm.multiplyAdd(alpha, d, dOff, 4L, 4L * ldd, m, rows, x, xo, 4L * ldx, 4L, n, g, go, 4L * ldg, 4L);
    }

    @Override
    public void gemmNT(float alpha, MemorySegment x, long xo, int ldx, int rows, int k, MemorySegment w, long wo,
                       int ldw, int m, float beta, MemorySegment y, long yo, int ldy, MemorySegment b, long bo) {
        gemmNT(alpha, x, xo, ldx, rows, k, w, wo, ldw, null, m, beta, y, yo, ldy, b, bo);
    }

    /**
     * {@link #gemmNT} reading W's blocks of rows from {@code packed} where it would copy them (on its route
     * Yᵀ = W·Xᵀ with X packed whole, below 512 bits). Bit-identical to {@link #gemmNT}.
     */
    @Override
    public void gemmNTPacked(float alpha, MemorySegment x, long xo, int ldx, int rows, int k, MemorySegment w,
                             long wo, int ldw, MemorySegment packed, int m, float beta, MemorySegment y, long yo,
                             int ldy, MemorySegment b, long bo) {
        gemmNT(alpha, x, xo, ldx, rows, k, w, wo, ldw, usable(packed, m, k), m, beta, y, yo, ldy, b, bo);
    }

    /** The NT product; packed (W packed by {@link #gemmPack}) or null, read where the packed route would copy W. */
    private void gemmNT(float alpha, MemorySegment x, long xo, int ldx, int rows, int k, MemorySegment w, long wo,
                        int ldw, MemorySegment packed, int m, float beta, MemorySegment y, long yo, int ldy,
                        MemorySegment b, long bo) {
        if (alpha == 1f && beta == 0f && k > 0 && rows <= FEW_ROWS_MAX) {
            // A few rows (the lockstep passes' X·Wᵀ + b): W read once, in place, by rows of W against four rows of X
            // (SimdFewRows), one or two rows left over by a GEMV each; the packed route below reads W in place too,
            // but its 6-row micro-kernel and transposed-X panel cost 2.2× / 1.4× more at 8 rows (AVX-512 / AVX2).
            int groups = SimdFewRows.grouped(rows);
            if (groups > 0) {
                SimdFewRows.forward(w, wo, 4L * ldw, 0, m, k, x, xo, 4L * ldx, groups, b, bo, y, yo, 4L * ldy);
            }
            for (int s = groups; s < rows; s++) {
                gemv(1f, w, wo, ldw, 0, m, k, x, xo + 4L * s * ldx, 0f, y, yo + 4L * s * ldy, b, bo);
            }
            return;
        }
        betaRows(beta, y, yo, ldy, rows, m, b, bo);
        if (m <= rows) {
            SimdGemm.multiplyAdd(alpha, x, xo, 4L * ldx, 4L, rows, k, w, wo, 4L, 4L * ldw, m, y, yo, 4L * ldy, 4L);
        } else if (k > 0 && SimdGemm.wholeBytes(k, rows) <= WHOLE_MAX_BYTES) {
            MemorySegment xt = SimdGemm.packWhole(x, xo, 4L, 4L * ldx, k, rows);
            // W's blocks of rows packed once sit after its panels (gemmPack); at 512 bits there are none
            SimdGemm.multiplyPacked(alpha, w, wo, 4L * ldw, 4L, 0, m, k, SimdGemm.PACK_A ? packed : null,
                    SimdGemm.packedBytes(m, k), xt, rows, y, yo, 4L, 4L * ldy);
        } else {
            SimdGemm.multiplyAdd(alpha, w, wo, 4L * ldw, 4L, m, k, x, xo, 4L, 4L * ldx, rows, y, yo, 4L, 4L * ldy);
        }
    }

    /**
     * Bytes of W per block of the batched Bregman gradient, read twice, the second time from cache (L3 at this
     * size). The block's row count is also the depth of the second product, G += R[:, block]·W[block]: each block
     * reads and writes all of G, so shallow blocks cost more than a second read of W from L3: 2 MiB gives 126 rows of
     * a 4096-column W (256 KiB, L2-resident, gave 12 and measured no faster in CPU time on a loaded Zen 4).
     */
    private static final int BREGMAN_BLOCK_BYTES = 2 << 20;

    /**
     * The most observations for which {@link #bregmanGradientBatch} reads W in place ({@link SimdFewRows}) instead
     * of through the packed GEMM kernels. Tunable with {@code netinvert.fewRows.max} for measurements only.
     */
    static final int FEW_ROWS_MAX = Integer.getInteger("netinvert.fewRows.max", L >= 16 ? 16 : 8);

    /**
     * {@link #FEW_ROWS_MAX}: up to it the batched gradient reads W in place; above it, it packs W block by block on
     * every call, and the two GEMMs on a W packed once took 0.83-0.88× its time under {@code -XX:UseAVX=2} at 9 to
     * 24 rows (512 × 4096, jmh LockstepGradientCpuTime), while with 512-bit vectors the in-place kernel took
     * 0.92-0.96× the GEMMs' time at 9 to 16 rows.
     */
    @Override
    public int bregmanGradientBatchMaxRows() {
        return FEW_ROWS_MAX;
    }

    /** The largest X packed whole for the batched gradient and the NT product (larger ones go by k-blocks). */
    private static final long WHOLE_MAX_BYTES = 8L << 20;

    /**
     * Blocks of rows of W: per block, R's columns ← the block times Xᵀ, the residuals, then G += R's columns times
     * the block, while the block is still in L2. Up to {@link #FEW_ROWS_MAX} rows both products read W in place
     * ({@link SimdFewRows}, blocks of about {@link SimdFewRows#BLOCK_BYTES}; one or two rows left over from the
     * groups of four go through {@link #bregmanGradient}); above, blocks are a multiple of {@link SimdGemm#MR}
     * rows, about {@link #BREGMAN_BLOCK_BYTES}, X is packed whole once and W's rows are read in place at full
     * depth for the first product, and the second goes through the packed GEMM.
     */
    @Override
    public void bregmanGradientBatch(Activation sigma, MemorySegment w, long wo, int ldw, int m, int n,
                                     MemorySegment x, long xo, int ldx, int rows, MemorySegment b, long bo,
                                     MemorySegment t, long to, int ldt, MemorySegment z, long zo, int ldz,
                                     MemorySegment r, long ro, int ldr, MemorySegment g, long go, int ldg,
                                     double[] sums) {
        if (sums != null) {
            java.util.Arrays.fill(sums, 0, rows, 0.0);
        }
        long wr = 4L * ldw;
        if (rows <= FEW_ROWS_MAX) {
            // Groups of four read W in place; one or two rows left over go through the single observation's fused
            // kernel (one more pass over W each; SimdFewRows.grouped).
            int groups = SimdFewRows.grouped(rows);
            betaRows(0f, g, go, ldg, groups, n, null, 0);
            int mb = SimdFewRows.blockRows(n);
            for (int i0 = 0; i0 < m && groups > 0; i0 += mb) {
                int i1 = Math.min(m, i0 + mb);
                SimdFewRows.forward(w, wo, wr, i0, i1, n, x, xo, 4L * ldx, groups, b, bo, r, ro, 4L * ldr);
                residuals(sigma, groups, 0, i0, i1, t, to, ldt, z, zo, ldz, r, ro, ldr, sums);
                SimdFewRows.backward(w, wo, wr, i0, i1, n, r, ro, 4L * ldr, groups, g, go, 4L * ldg);
            }
            for (int s = groups; s < rows; s++) {
                long rs = ro + 4L * s * ldr, ts = to + 4L * s * ldt;
                // PRE into R's row, then R and the sum from it as for the groups (the single kernel's own residuals,
                // with the scalar σ, went into g only)
                bregmanGradient(sigma, w, wo, ldw, 0, m, n, x, xo + 4L * s * ldx, b, bo, t, ts, r, rs, g,
                        go + 4L * s * ldg);
                residuals(sigma, 1, s, 0, m, t, ts, ldt, z, z == null ? 0 : zo + 4L * s * ldz, ldz, r, rs, ldr, sums);
            }
            return;
        }
        betaRows(0f, r, ro, ldr, rows, m, b, bo);
        betaRows(0f, g, go, ldg, rows, n, null, 0);
        if (rows == 0 || m == 0) {
            return;
        }
        int mb = Math.max(8 * SimdGemm.MR, BREGMAN_BLOCK_BYTES / Math.max(1, 4 * n) / SimdGemm.MR * SimdGemm.MR);
        boolean whole = SimdGemm.wholeBytes(n, rows) <= WHOLE_MAX_BYTES;
        MemorySegment xt = whole && n > 0 ? SimdGemm.packWhole(x, xo, 4L, 4L * ldx, n, rows) : null;
        for (int i0 = 0; i0 < m; i0 += mb) {
            int i1 = Math.min(m, i0 + mb);
            // R[:, i0:i1] += (W[i0:i1]·Xᵀ)ᵀ: C = Rᵀ, so C[i][s] is R[s][i].
            if (xt != null) {
                SimdGemm.multiplyPacked(1f, w, wo, wr, 4L, i0, i1, n, xt, rows, r, ro, 4L, 4L * ldr);
            } else {
                SimdGemm.multiplyAdd(1f, w, wo + i0 * wr, wr, 4L, i1 - i0, n, x, xo, 4L, 4L * ldx, rows,
                        r, ro + 4L * i0, 4L, 4L * ldr);
            }
            residuals(sigma, rows, 0, i0, i1, t, to, ldt, z, zo, ldz, r, ro, ldr, sums);
            SimdGemm.multiplyAdd(1f, r, ro + 4L * i0, 4L * ldr, 4L, rows, i1 - i0, w, wo + i0 * wr, wr, 4L, n,
                    g, go, 4L * ldg, 4L);
        }
    }

    /** σ of the batched gradient's blocks, vectorized (tanh, sigmoid within 3 ulp of the scalar σ: ProxKernelsTest). */
    private static final SimdProxSupport PROX = new SimdProxSupport();

    /**
     * Columns [i0, i1) of the batch: Z ← R (z may be null), R ← σ(R) (the vector kernel behind {@code Prox.apply}) − T, and
     * sums[first + s] += Σ R[s][i]² in double (sums may be null).
     */
    private void residuals(Activation sigma, int rows, int first, int i0, int i1, MemorySegment t, long to, int ldt,
                           MemorySegment z, long zo, int ldz, MemorySegment r, long ro, int ldr, double[] sums) {
        int len = i1 - i0;
        for (int s = 0; s < rows; s++) {
            long rs = ro + 4L * ((long) s * ldr + i0), ts = to + 4L * ((long) s * ldt + i0);
            if (z != null) {
                MemorySegment.copy(r, rs, z, zo + 4L * ((long) s * ldz + i0), 4L * len);
            }
            PROX.apply(sigma, r, rs, r, rs, len);
            double acc = 0.0;
            for (int i = 0; i < len; i++) {
                long o = 4L * i;
                float e = get(r, rs + o) - get(t, ts + o);
                put(r, rs + o, e);
                acc += (double) e * e;
            }
            if (sums != null) {
                sums[first + s] += acc;
            }
        }
    }

    /** C ← β·C (+ 1·bᵀ) on {@code rows × cols} at co (ldc floats per row); β = 0 writes zeros without reading C. */
    private void betaRows(float beta, MemorySegment c, long co, int ldc, int rows, int cols, MemorySegment b, long bo) {
        for (int i = 0; i < rows; i++) {
            long o = co + 4L * i * ldc;
            if (beta == 0f) {
                fill(0f, c, o, cols);
            } else if (beta != 1f) {
                scale(beta, c, o, cols);
            }
            if (b != null) {
                axpy(1f, b, bo, c, o, cols);
            }
        }
    }
}
