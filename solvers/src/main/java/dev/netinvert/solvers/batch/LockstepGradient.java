package dev.netinvert.solvers.batch;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Fused;
import dev.netinvert.kernels.PackedMatrix;
import dev.netinvert.kernels.Prox;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The Bregman-loss gradient of a batch of observations, one per row, with one pass over W for all of them:
 * <pre>
 *   PRE = X·Wᵀ + 1·bᵀ          (B × m, GEMM)
 *   R   = σ(PRE) − T            (B × m, row by row; r²_s = ‖R_s‖² summed in double)
 *   G   = R·W                   (B × n, GEMM)
 * </pre>
 * so row s of G is Wᵀ(σ(W x_s + b) − t_s), the data term of eq. (14a) [000] and the Landweber step. This is
 * the only place the lockstep solvers compose it.
 *
 * <p>Three routes, chosen by the number of rows a of the call: up to {@link #ROW_BY_ROW_MAX_ROWS} the single
 * observation's fused kernel row by row, then up to {@link #FUSED_MAX_ROWS} the fused batched kernel
 * {@link Fused#bregmanGradientBatch} (W in blocks of rows, each block's part of PRE, R and G while it is in cache:
 * W read once from memory), above it the two GEMMs on W packed once ({@link #packs}). The fused batched kernel
 * reads W in place for up to 8 rows (16 with 512-bit vectors), in groups of four observations, and that is where
 * it stops being the faster route. Measured in thread CPU time (jmh LockstepGradientCpuTime, medians of 9
 * interleaved rounds, Zen 4, ReLU, 512×4096; jmh/RESULTS-batch.md): against one row at a time, the fused kernel
 * takes 0.50× the time at a = 8 and 0.61× at 3 with 512-bit vectors, 0.76× at 8 and 1.03× at 3 under
 * -XX:UseAVX=2 (1.0× at 2 on both: the same kernel); against the GEMMs (W not yet packed once) 0.47× at a = 8
 * (512 bits) and 0.68× at 8 (AVX2). Above its in-place limit it packs W block by block on every call, and the
 * GEMMs on the W packed once take 0.86-0.88× its time under AVX2 at 9-16 rows, while with 512-bit vectors it
 * still takes 0.92-0.96× theirs up to 16 (sixth session). At 100×784 W is one block. The lockstep solvers shrink a as observations stop, so a
 * block's tail takes the fused and then the row-by-row route. The routes give every PRE entry as a full-depth
 * sum and G as a sum over W's rows, in different blockings: they differ by rounding, and a solve stays
 * deterministic (a depends only on the block's own history).
 *
 * <p>Why: one observation's gradient is two GEMVs that stream W from memory at 2 flops per 4 bytes; for B
 * observations the two GEMMs reuse every tile of W B times from cache, so an iteration of B observations
 * costs far less than B iterations of one. The products are reassociated relative to the single solver's
 * fused GEMV (different vector lanes and blocking): each entry differs by a few ulps of Σ|w_ij x_j|
 * (Blas.gemmNT's bound), not bit-identically.
 *
 * <p>Workspace (PRE and R, {@code capacity × m}, and W packed when the GEMM route can be taken: {@link #packs})
 * is allocated once; {@link #compute} allocates nothing.
 * Not thread-safe: one per block of observations.
 */
public final class LockstepGradient {
    private final Activation sigma;
    /** W, packed for the GEMMs (PRE = X·Wᵀ + b, G = R·W) when a call can take that route ({@link #packs}). */
    private final PackedMatrix w;
    private final FloatVec b;
    /**
     * The most rows for which {@link #compute} takes the fused kernel: as many as it reads W in place for
     * ({@link Fused#bregmanGradientBatchMaxRows}: 8 with 256-bit vectors, 16 with 512-bit; see above).
     */
    public static final int FUSED_MAX_ROWS = Fused.bregmanGradientBatchMaxRows();

    /**
     * The most rows for which {@link #compute} runs the single-observation fused kernel ({@link
     * Fused#bregmanGradient}, one pass over W per row, no packing) row by row: exactly what the fused batched
     * kernel does with one or two rows, without copying T. It was 8 while every batched route packed W (a
     * lockstep PDHG iteration of B = 8 at 512×4096: 2.08 ms batched against 1.91 ms for eight single
     * iterations); the batched kernel now reads W in place and wins from three rows up (see above).
     */
    public static final int ROW_BY_ROW_MAX_ROWS = 2;

    private final FloatMatrix[] preP, resP, targetP;
    private final FloatVec[] preRows, resRows, targetRows;
    private final double[] r2;
    // row views of the callers' x and g (prefixes of a few workspaces, built once per workspace): the
    // row-by-row route allocates nothing once they exist
    private final RowViews xViews = new RowViews(), gViews = new RowViews();

    /**
     * With W packed in {@code arena} when the GEMM route can be taken ({@link #packFor}): one copy per instance.
     *
     * @param arena    where PRE and R live
     * @param sigma    the activation σ
     * @param w        W, {@code m × n}
     * @param b        bias, m elements, or null
     * @param capacity the most rows (observations) of one call
     */
    public LockstepGradient(Arena arena, Activation sigma, FloatMatrix w, FloatVec b, int capacity) {
        this(arena, sigma, packFor(arena, w, capacity), b, capacity);
    }

    /**
     * With W as the caller packed it (or not), e.g. once for all the blocks of a solve ({@link #packFor}).
     *
     * @param w W, {@code m × n}, packed by {@link Blas#pack} or {@link PackedMatrix#unpacked}
     */
    public LockstepGradient(Arena arena, Activation sigma, PackedMatrix w, FloatVec b, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
        }
        this.sigma = sigma;
        this.w = java.util.Objects.requireNonNull(w, "w");
        this.b = b;
        FloatMatrix pre = FloatMatrix.allocatePadded(arena, capacity, w.matrix().rows());
        FloatMatrix res = FloatMatrix.allocatePadded(arena, capacity, w.matrix().rows());
        preP = Rows.prefixes(pre);
        resP = Rows.prefixes(res);
        preRows = Rows.of(pre);
        resRows = Rows.of(res);
        // the fused kernel takes T as one matrix: the callers' target rows are copied in (B·m floats against the
        // kernel's 4·B·m·n flops)
        FloatMatrix target = FloatMatrix.allocatePadded(arena, Math.min(capacity, FUSED_MAX_ROWS), w.matrix().rows());
        targetP = Rows.prefixes(target);
        targetRows = Rows.of(target);
        r2 = new double[capacity];
    }

    /**
     * For the first {@code a} rows: PRE = X·Wᵀ + b, G = (σ(PRE) − T)·W, r²_s = ‖σ(PRE_s) − t_s‖² (row by row up
     * to {@link #ROW_BY_ROW_MAX_ROWS} rows, fused up to {@link #FUSED_MAX_ROWS}, else two GEMMs).
     *
     * @param x  {@code a × n}, one iterate per row
     * @param t  the targets: row views, at least a of them, m elements each
     * @param g  {@code a × n}, output; must not overlap x
     */
    public void compute(FloatMatrix x, FloatVec[] t, FloatMatrix g) {
        int a = x.rows();
        if (g.rows() != a || a > r2.length) {
            throw new IllegalArgumentException("x and g: expected the same number of rows, at most " + r2.length
                    + ", got " + a + " and " + g.rows());
        }
        if (a <= ROW_BY_ROW_MAX_ROWS) {
            FloatVec[] xr = xViews.of(x), gr = gViews.of(g);
            for (int s = 0; s < a; s++) {
                r2[s] = Fused.bregmanGradient(sigma, w.matrix(), xr[s], b, t[s], preRows[s], gr[s]);
            }
            return;
        }
        if (a <= FUSED_MAX_ROWS) {
            for (int s = 0; s < a; s++) {
                Blas.copy(t[s], targetRows[s]);
            }
            Fused.bregmanGradientBatch(sigma, w.matrix(), x, b, targetP[a], preP[a], resP[a], g, r2);
            return;
        }
        Blas.gemmNT(1f, x, w, 0f, preP[a], b);
        for (int s = 0; s < a; s++) {
            Prox.apply(sigma, preRows[s], resRows[s]);
            r2[s] = Fused.maskedResidual(resRows[s], t[s], null, resRows[s]); // R_s = σ(PRE_s) − t_s
        }
        Blas.gemmNN(1f, resP[a], w, 0f, g);
    }

    /**
     * Whether a lockstep block of {@code capacity} observations has its weights packed once ({@link Blas#pack}),
     * for the two GEMMs above {@link #FUSED_MAX_ROWS} rows, instead of having every product copy W into its
     * panels or blocks of rows: copies of W (as much memory again as W with 512-bit vectors, twice as much below)
     * against 22 % of each G = R·W and 9 % of each X·Wᵀ under -XX:UseAVX=2 (64 × 512 × 4096; jmh/RESULTS-gemm.md).
     */
    public static boolean packs(int capacity) {
        return PACK && capacity > FUSED_MAX_ROWS;
    }

    /**
     * {@code -Dnetinvert.lockstep.pack=false} turns the packing off, for a model whose W should not be held twice
     * (or three times below 512 bits): the products then copy W on every call, with the same results bit for bit.
     */
    private static final boolean PACK = Boolean.parseBoolean(System.getProperty("netinvert.lockstep.pack", "true"));

    /** W packed in {@code arena} if a block of {@code capacity} observations would use it ({@link #packs}). */
    public static PackedMatrix packFor(Arena arena, FloatMatrix w, int capacity) {
        return packs(capacity) ? Blas.pack(arena, w) : PackedMatrix.unpacked(w);
    }

    /** Row s of PRE = X·Wᵀ + b of the last {@link #compute}. */
    public FloatVec pre(int s) {
        return preRows[s];
    }

    /** ‖σ(PRE_s) − t_s‖² of the last {@link #compute}. */
    public double residualSquared(int s) {
        return r2[s];
    }

    /**
     * Row views of the last {@link #SLOTS} matrices seen, each known by its memory, row stride and width (a
     * prefix of fewer rows reuses a longer one's views). Several, because callers alternate: the PDHG engine
     * swaps x and x⁺ every step, and a cache of one rebuilt the views on every call (5 KB per 40 lockstep PDHG
     * iterations of 3 observations in the allocation test).
     */
    private static final class RowViews {
        private static final int SLOTS = 4;
        private final FloatVec[][] rows = new FloatVec[SLOTS][];
        private final MemorySegment[] segment = new MemorySegment[SLOTS];
        private final long[] offset = new long[SLOTS];
        private final int[] ld = new int[SLOTS], cols = new int[SLOTS];
        private int next;

        FloatVec[] of(FloatMatrix m) {
            for (int k = 0; k < SLOTS; k++) {
                if (segment[k] == m.segment() && offset[k] == m.byteOffset() && ld[k] == m.ld()
                        && cols[k] == m.cols() && rows[k].length >= m.rows()) {
                    return rows[k];
                }
            }
            int k = next;
            next = (next + 1) % SLOTS;
            segment[k] = m.segment();
            offset[k] = m.byteOffset();
            ld[k] = m.ld();
            cols[k] = m.cols();
            rows[k] = Rows.of(m);
            return rows[k];
        }
    }

    /** The largest number of rows of one call. */
    public int capacity() {
        return r2.length;
    }
}
