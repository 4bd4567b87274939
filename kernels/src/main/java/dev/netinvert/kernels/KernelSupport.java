package dev.netinvert.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The contract shared by the SIMD and scalar implementations (the Lucene {@code VectorUtilSupport}
 * pattern). Arguments are raw {@code (segment, byteOffset)} pairs and are <b>trusted</b>: callers are
 * the validating facades {@link Blas} and {@link Fused}, or tests that pit the implementations against
 * the plain-array reference. Every float is little-endian and may be unaligned.
 *
 * <p>Matrices are row-major with leading dimension {@code ld} (in elements); a row range
 * {@code [r0, r1)} restricts an operation to those rows so that a fork-join caller can split work
 * without copying. {@code beta == 0} means "overwrite": the output is not read, so it may hold
 * anything, NaN included (the BLAS convention).
 */
public interface KernelSupport {

    /** "simd" or "scalar". */
    String name();

    /** Vector width in bits (32 for the scalar implementation). */
    int vectorBitSize();

    /** Whether fused multiply-add is used. */
    boolean usesFma();

    /** Σ x[i]·y[i], i &lt; n. */
    float dot(MemorySegment x, long xOff, MemorySegment y, long yOff, int n);

    /** y ← a·x + y. */
    void axpy(float a, MemorySegment x, long xOff, MemorySegment y, long yOff, int n);

    /** x ← a·x. */
    void scale(float a, MemorySegment x, long xOff, int n);

    /** dst ← src (the ranges may overlap). */
    void copy(MemorySegment src, long srcOff, MemorySegment dst, long dstOff, int n);

    /** x ← v. */
    void fill(float v, MemorySegment x, long xOff, int n);

    /** Σ x[i]². */
    float sumOfSquares(MemorySegment x, long xOff, int n);

    /** max |x[i]| (0 for n = 0; NaN if any element is NaN). */
    float maxAbs(MemorySegment x, long xOff, int n);

    /**
     * GEMV, no transpose, rows {@code [r0, r1)}: y[i] ← α·(W x)[i] + β·y[i] (+ b[i] when
     * {@code b != null}), for r0 ≤ i &lt; r1. {@code y} and {@code b} are indexed by row: element i is at
     * {@code yOff + 4i}.
     */
    void gemv(float alpha, MemorySegment w, long wOff, int ld, int r0, int r1, int cols,
              MemorySegment x, long xOff, float beta, MemorySegment y, long yOff,
              MemorySegment b, long bOff);

    /**
     * Bytes of W ({@code m × n}) in the form {@link #gemvPack} gives it for {@link #gemvPacked}, or 0 where this
     * implementation reads W in place for that shape (the default).
     */
    default long gemvPackedBytes(int m, int n) {
        return 0;
    }

    /**
     * Copies W ({@code m × n}, ld) into {@code dst} ({@link #gemvPackedBytes} bytes from offset 0) in the order in
     * which {@link #gemvPacked} reads it. Nothing to do by default.
     */
    default void gemvPack(MemorySegment w, long wOff, int ld, int m, int n, MemorySegment dst) {
    }

    /**
     * {@link #gemv}, given also W packed by {@link #gemvPack} ({@code packed}, or null): an implementation may read
     * the packed copy instead of W, and must then give the same result as {@link #gemv} would with W, bit for bit,
     * for every row range. By default, {@link #gemv}.
     */
    default void gemvPacked(float alpha, MemorySegment w, long wOff, int ld, MemorySegment packed, int r0, int r1,
                            int cols, MemorySegment x, long xOff, float beta, MemorySegment y, long yOff,
                            MemorySegment b, long bOff) {
        gemv(alpha, w, wOff, ld, r0, r1, cols, x, xOff, beta, y, yOff, b, bOff);
    }

    /**
     * GEMV, transposed, over rows {@code [r0, r1)}: y ← α·W[r0:r1, :]ᵀ·r[r0:r1] + β·y, where
     * {@code y} has {@code cols} elements and {@code r} is indexed by row (element i at {@code rOff + 4i}).
     */
    void gemvT(float alpha, MemorySegment w, long wOff, int ld, int r0, int r1, int cols,
               MemorySegment r, long rOff, float beta, MemorySegment y, long yOff);

    /**
     * Forward substitution, x ← L⁻¹x, for the {@code n × n} lower-triangular L at {@code lOff} with leading
     * dimension {@code ld}: only the lower triangle, diagonal included, is read. x has n elements and does
     * not overlap L. No test for singularity (as in BLAS {@code strsv}): a zero diagonal element gives ±∞ or
     * NaN.
     */
    void trsvLower(MemorySegment l, long lOff, int ld, int n, MemorySegment x, long xOff);

    /**
     * Back substitution with the transpose, x ← L⁻ᵀx, for the same L as {@link #trsvLower} (Lᵀ is upper
     * triangular; L is read by rows, never by columns).
     */
    void trsvLowerTransposed(MemorySegment l, long lOff, int ld, int n, MemorySegment x, long xOff);

    /**
     * The fused Bregman-loss gradient over rows {@code [r0, r1)}, in one pass over W:
     * <pre>
     *   z[i] = (W x)[i] + b[i]            (stored, r0 ≤ i &lt; r1; b may be null)
     *   e[i] = σ(z[i]) − t[i]
     *   g    = W[r0:r1, :]ᵀ e[r0:r1]      (overwritten, cols elements)
     * </pre>
     * and returns Σ e[i]² (accumulated in double). This is ∇ₓ B_Ψ(t, Wx + b) of eq. (4) [000] when
     * σ = prox_Ψ; each row's dot product, activation, residual and axpy into g happen while the row is
     * still in cache (DESIGN.md decision 5).
     */
    double bregmanGradient(Activation sigma, MemorySegment w, long wOff, int ld, int r0, int r1, int cols,
                           MemorySegment x, long xOff, MemorySegment b, long bOff,
                           MemorySegment t, long tOff, MemorySegment z, long zOff,
                           MemorySegment g, long gOff);

    /**
     * The step of the linearized ADMM of Alg. 4 [002] on P = [W^S; W^{S^c}] ({@code rows × cols}, the first
     * {@code s} rows the support S) in one call: the end of one iteration and the gradient the next one
     * starts from,
     * <pre>
     *   v[i] = (P x)[i] + b[i]                                         (stored; b may be null)
     *   i ≥ s, j = i − s:  a[j] = −max(u[j] − v[i], 0);  u[j] += a[j] − v[i]     (steps 2–3)
     *   r[i] = v[i] − t[i]  (i &lt; s),   ρ(v[i] − a[j] − u[j])  (i ≥ s)   (stored, rows elements)
     *   g    = Pᵀ r                                                    (overwritten, cols elements)
     * </pre>
     * and returns Σⱼ (a[j] − v[s + j])² (the constraint residual, to float accuracy or better). v, a, u, r
     * and g are those of GEMV, the elementwise updates and GEMVᵀ done one after another, bit for bit.
     */
    double admmGradient(MemorySegment w, long wOff, int ld, int rows, int cols, int s,
                        MemorySegment x, long xOff, MemorySegment b, long bOff, MemorySegment t, long tOff, float rho,
                        MemorySegment a, long aOff, MemorySegment u, long uOff, MemorySegment v, long vOff,
                        MemorySegment r, long rOff, MemorySegment g, long gOff);

    // ---------------------------------------------------------------- BLAS level 3 (batches, one sample per row)

    /**
     * GEMM with the second factor transposed, the forward pass of a batch: for s &lt; rows, i &lt; m,
     * <pre>
     *   Y[s][i] ← α·Σ_{p&lt;k} X[s][p]·W[i][p] + β·Y[s][i] (+ b[i] when {@code b != null})
     * </pre>
     * i.e. Y = α·X·Wᵀ + β·Y + 1·bᵀ with X {@code rows × k} (leading dimension ldx), W {@code m × k} (ldw),
     * Y {@code rows × m} (ldy); b has m elements. Every entry is a dot product of a row of X and a row of W.
     */
    void gemmNT(float alpha, MemorySegment x, long xOff, int ldx, int rows, int k,
                MemorySegment w, long wOff, int ldw, int m,
                float beta, MemorySegment y, long yOff, int ldy, MemorySegment b, long bOff);

    /**
     * GEMM with the first factor transposed, the weight gradient of a batch: for i &lt; m, j &lt; n,
     * <pre>
     *   G[i][j] ← α·Σ_{s&lt;rows} D[s][i]·X[s][j] + β·G[i][j]
     * </pre>
     * i.e. G = α·Dᵀ·X + β·G with D {@code rows × m} (ldd), X {@code rows × n} (ldx), G {@code m × n} (ldg).
     */
    void gemmTN(float alpha, MemorySegment d, long dOff, int ldd, int rows, int m,
                MemorySegment x, long xOff, int ldx, int n,
                float beta, MemorySegment g, long gOff, int ldg);

    /**
     * GEMM without transposes, backpropagation of a batch to a layer's input: for s &lt; rows, j &lt; n,
     * <pre>
     *   Z[s][j] ← α·Σ_{i&lt;m} D[s][i]·W[i][j] + β·Z[s][j]
     * </pre>
     * i.e. Z = α·D·W + β·Z with D {@code rows × m} (ldd), W {@code m × n} (ldw), Z {@code rows × n} (ldz).
     */
    void gemmNN(float alpha, MemorySegment d, long dOff, int ldd, int rows, int m,
                MemorySegment w, long wOff, int ldw, int n,
                float beta, MemorySegment z, long zOff, int ldz);

    /**
     * Bytes of W ({@code m × n}) in the form {@link #gemmPack} gives it for {@link #gemmNNPacked}, or 0 if this
     * implementation has no packed form and reads W in place (the default).
     */
    default long gemmPackedBytes(int m, int n) {
        return 0;
    }

    /**
     * Copies W ({@code m × n}, ldw) into {@code dst} ({@link #gemmPackedBytes} bytes from offset 0) in the layouts
     * in which {@link #gemmNNPacked} reads the second operand of D·W and {@link #gemmNTPacked} the W of X·Wᵀ.
     * Nothing to do by default.
     */
    default void gemmPack(MemorySegment w, long wOff, int ldw, int m, int n, MemorySegment dst) {
    }

    /**
     * {@link #gemmNN}, given also W packed by {@link #gemmPack} ({@code packed}, or null): an implementation may
     * read the packed copy instead of W, and must then give the same result as {@link #gemmNN} would with W,
     * bit for bit. By default, {@link #gemmNN}.
     */
    default void gemmNNPacked(float alpha, MemorySegment d, long dOff, int ldd, int rows, int m,
                              MemorySegment w, long wOff, int ldw, MemorySegment packed, int n,
                              float beta, MemorySegment z, long zOff, int ldz) {
        gemmNN(alpha, d, dOff, ldd, rows, m, w, wOff, ldw, n, beta, z, zOff, ldz);
    }

    /**
     * {@link #gemmNT}, given also W packed by {@link #gemmPack} ({@code packed}, or null), with the same contract as
     * {@link #gemmNNPacked}. By default, {@link #gemmNT}.
     */
    default void gemmNTPacked(float alpha, MemorySegment x, long xOff, int ldx, int rows, int k,
                              MemorySegment w, long wOff, int ldw, MemorySegment packed, int m,
                              float beta, MemorySegment y, long yOff, int ldy, MemorySegment b, long bOff) {
        gemmNT(alpha, x, xOff, ldx, rows, k, w, wOff, ldw, m, beta, y, yOff, ldy, b, bOff);
    }

    /**
     * The most observations for which {@link #bregmanGradientBatch} is the faster way to compute the batched
     * gradient, against the two GEMMs ({@link #gemmNTPacked}, {@link #gemmNNPacked}) on a W packed once; callers
     * that iterate with the same W (the lockstep solvers) take the GEMMs above it. 16 by default.
     */
    default int bregmanGradientBatchMaxRows() {
        return 16;
    }

    /**
     * The fused Bregman-loss gradient of a batch, one observation per row of X and T (the column-block form of
     * issue 15; {@link #bregmanGradient} for every row at once): for s &lt; rows,
     * <pre>
     *   R[s][i] = ⟨X_s, W_i⟩ + b[i]              (i &lt; m; b may be null)
     *   Z[s][i] = R[s][i]                         (only when z != null)
     *   R[s][i] ← σ(R[s][i]) − T[s][i]            (the residuals, stored)
     *   sums[s] = Σ_i R[s][i]²                    (in double; only when sums != null)
     *   G      = R·W                              (rows × n, overwritten)
     * </pre>
     * with W {@code m × n} (ldw), X {@code rows × n} (ldx), T, Z and R {@code rows × m} (ldt, ldz, ldr), G
     * {@code rows × n} (ldg). Implementations may run over W in blocks of rows, each block's product with X,
     * residuals and contribution to G while the block is in cache.
     */
    void bregmanGradientBatch(Activation sigma, MemorySegment w, long wOff, int ldw, int m, int n,
                              MemorySegment x, long xOff, int ldx, int rows, MemorySegment b, long bOff,
                              MemorySegment t, long tOff, int ldt, MemorySegment z, long zOff, int ldz,
                              MemorySegment r, long rOff, int ldr, MemorySegment g, long gOff, int ldg, double[] sums);

    // ---------------------------------------------------------------- solver steps (elementwise)

    /**
     * Σ (x[i] − y[i])², each difference rounded to float (the value a residual vector would hold), its square
     * exact in double, summed in double; NaN if any element is NaN.
     */
    double distanceSquared(MemorySegment x, long xOff, MemorySegment y, long yOff, int n);

    /**
     * r[i] ← (x[i] − y[i])·m[i] in float (just x[i] − y[i] when {@code m} is null), and returns Σ r[i]² in
     * double (each square exact). r may be x or y itself.
     */
    double maskedResidual(MemorySegment x, long xOff, MemorySegment y, long yOff, MemorySegment m, long mOff,
                          MemorySegment r, long rOff, int n);

    /**
     * The momentum step: x[i] ← u[i] + β·(u[i] − p[i]) (a float subtraction, multiplication and addition,
     * no FMA), then p[i] ← u[i]. The three ranges are disjoint.
     */
    void extrapolate(float beta, MemorySegment u, long uOff, MemorySegment p, long pOff, MemorySegment x, long xOff,
                     int n);

    /**
     * z[i] ← keep·z[i] − step·g[i] in float (two products and a difference, no FMA); writes
     * sums[0] = Σ (z⁺[i] − z[i])² (the difference in float) and sums[1] = Σ z⁺[i]² — convergence measures,
     * accumulated in double by the scalar implementation and in float lanes (FMA) by the SIMD one.
     */
    void scaledGradientStep(float keep, float step, MemorySegment z, long zOff, MemorySegment g, long gOff, int n,
                            double[] sums);

    /**
     * Adam's update, elementwise in float without FMA:
     * m ← β₁m + (1−β₁)g,  s ← β₂s + (1−β₂)g·g,  z ← z − (η̂·m)/(√(ŝ·s) + ε).
     */
    void adamStep(float beta1, float beta2, float etaHat, float sHat, float eps, MemorySegment z, long zOff,
                  MemorySegment g, long gOff, MemorySegment m, long mOff, MemorySegment s, long sOff, int n);

    /**
     * The start of the linearized ADMM of Alg. 4 [002] from v = P x + b ({@code rows} elements, the first
     * {@code s} the support's): for j &lt; rows − s, a[j] ← min(v[s + j], 0) and u[j] ← 0; then the stacked
     * residual r[i] ← v[i] − t[i] (i &lt; s) and ρ·((v[i] − a[j]) − u[j]) (i ≥ s, j = i − s), all in float.
     */
    void admmStart(int rows, int s, MemorySegment v, long vOff, MemorySegment t, long tOff, float rho,
                   MemorySegment a, long aOff, MemorySegment u, long uOff, MemorySegment r, long rOff);
}
