package dev.netinvert.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * BLAS-style float32 operations on {@link FloatVec} and {@link FloatMatrix} views, computed by the
 * active implementation ({@link KernelProvider#describe()}). Every entry point validates shapes, row ranges
 * and that the memory is still alive, then calls a body that trusts them. Nothing allocates.
 *
 * <p>Shapes: W is {@code m × n} ({@code rows × cols}), row-major. GEMV reads x of length n and writes
 * y of length m; GEMVᵀ reads r of length m and writes y of length n. Row-range variants
 * ({@code r0 ≤ i < r1}) let a fork-join caller split a product over blocks of rows without copying:
 * GEMV writes only y[r0, r1); GEMVᵀ produces the partial sum W[r0:r1]ᵀ r[r0:r1], which callers add in a
 * fixed order for results independent of the thread count.
 *
 * <p>Accuracy: reductions are reassociated (vector lanes, several accumulators), so results differ from
 * a sequential sum by rounding only — at most about n·ε·Σ|x_i y_i| for a length-n dot product, ε = 2⁻²⁴.
 */
public final class Blas {
    private Blas() {}

    private static final KernelSupport K = KernelProvider.getInstance().kernelSupport();

    /** The active implementation of the BLAS family (also behind {@link Fused}). */
    public static KernelSupport active() {
        return K;
    }

    /** Σ x[i]·y[i]. */
    public static float dot(FloatVec x, FloatVec y) {
        Checks.sameLength("x", x, "y", y);
        return K.dot(x.segment(), x.byteOffset(), y.segment(), y.byteOffset(), x.length());
    }

    /** y ← a·x + y. */
    public static void axpy(float a, FloatVec x, FloatVec y) {
        Checks.sameLength("x", x, "y", y);
        Checks.identicalOrDisjoint("y", y, "x", x);
        K.axpy(a, x.segment(), x.byteOffset(), y.segment(), y.byteOffset(), x.length());
    }

    /** x ← a·x. */
    public static void scale(float a, FloatVec x) {
        Checks.vec("x", x);
        K.scale(a, x.segment(), x.byteOffset(), x.length());
    }

    /** dst ← src. */
    public static void copy(FloatVec src, FloatVec dst) {
        Checks.sameLength("src", src, "dst", dst);
        K.copy(src.segment(), src.byteOffset(), dst.segment(), dst.byteOffset(), src.length());
    }

    /** x ← v for every element. */
    public static void fill(FloatVec x, float v) {
        Checks.vec("x", x);
        K.fill(v, x.segment(), x.byteOffset(), x.length());
    }

    /** ‖x‖₂². */
    public static float sumOfSquares(FloatVec x) {
        Checks.vec("x", x);
        return K.sumOfSquares(x.segment(), x.byteOffset(), x.length());
    }

    /**
     * ‖x‖₂, computed as √(Σ x²) in float: elements of magnitude above ~1e19 overflow to ∞ and below
     * ~1e-19 underflow (no scaling as in BLAS snrm2); the norms in this library's iterations live far
     * from both.
     */
    public static float norm2(FloatVec x) {
        return (float) Math.sqrt(sumOfSquares(x));
    }

    /**
     * ‖x − y‖₂²: each difference x[i] − y[i] in float, as a residual vector would hold it, squared exactly in
     * double and summed in double (in vector lanes, so the order of the additions is the implementation's:
     * results agree to about n·2⁻⁵³ relative). NaN if an element is NaN.
     */
    public static double distanceSquared(FloatVec x, FloatVec y) {
        Checks.sameLength("x", x, "y", y);
        return K.distanceSquared(x.segment(), x.byteOffset(), y.segment(), y.byteOffset(), x.length());
    }

    /** max |x[i]|, 0 for an empty vector, NaN if any element is NaN. */
    public static float maxAbs(FloatVec x) {
        Checks.vec("x", x);
        return K.maxAbs(x.segment(), x.byteOffset(), x.length());
    }

    /** y ← α·W·x + β·y. */
    public static void gemv(float alpha, FloatMatrix w, FloatVec x, float beta, FloatVec y) {
        Checks.mat("W", w);
        gemvRows(alpha, w, 0, w.rows(), x, beta, y, null);
    }

    /** y ← α·W·x + β·y + b ({@code b} may be null: no bias). */
    public static void gemv(float alpha, FloatMatrix w, FloatVec x, float beta, FloatVec y, FloatVec b) {
        Checks.mat("W", w);
        gemvRows(alpha, w, 0, w.rows(), x, beta, y, b);
    }

    /**
     * Rows {@code [r0, r1)} of y ← α·W·x + β·y (+ b); the other elements of y are not touched.
     * {@code y} and {@code b} have W.rows elements.
     */
    public static void gemvRows(float alpha, FloatMatrix w, int r0, int r1, FloatVec x, float beta, FloatVec y,
                                FloatVec b) {
        checkGemv(w, r0, r1, x, y, b);
        K.gemv(alpha, w.segment(), w.byteOffset(), w.ld(), r0, r1, w.cols(), x.segment(), x.byteOffset(),
                beta, y.segment(), y.byteOffset(), b == null ? null : b.segment(), b == null ? 0 : b.byteOffset());
    }

    /**
     * W with a copy in the order in which the active kernels' GEMV reads it, for
     * {@link #gemv(float, PackedMatrix, FloatVec, float, FloatVec, FloatVec)}: worth it for a W that serves many
     * GEMVs, such as a solver's W in every iteration. The SIMD kernels keep one where rows have L to 1 024 columns and
     * W takes at most 16 MiB, in panels of eight rows that take as much memory as W
     * give or take L − 1 floats per row; otherwise none, and the product reads W. A snapshot: see
     * {@link PackedMatrix}.
     */
    public static PackedMatrix packForGemv(Arena arena, FloatMatrix w) {
        Checks.mat("W", w);
        return PackedMatrix.packForGemv(K, arena, w);
    }

    /**
     * {@link #gemv(float, FloatMatrix, FloatVec, float, FloatVec, FloatVec)} with W given by {@link #packForGemv}
     * (or {@link #pack}, or {@link PackedMatrix#unpacked}): the same result, bit for bit, read from the copy
     * where there is one.
     */
    public static void gemv(float alpha, PackedMatrix w, FloatVec x, float beta, FloatVec y, FloatVec b) {
        FloatMatrix wm = java.util.Objects.requireNonNull(w, "W must not be null").matrix();
        Checks.mat("W", wm);
        checkGemv(wm, 0, wm.rows(), x, y, b);
        MemorySegment packed = w.gemvPacked();
        if (packed != null) {
            Checks.alive("W (packed)", packed);
            Checks.disjoint("y", y, "W (packed)", packed);
        }
        K.gemvPacked(alpha, wm.segment(), wm.byteOffset(), wm.ld(), packed, 0, wm.rows(), wm.cols(), x.segment(),
                x.byteOffset(), beta, y.segment(), y.byteOffset(), b == null ? null : b.segment(),
                b == null ? 0 : b.byteOffset());
    }

    /** The arguments of a GEMV over rows [r0, r1): shapes, bias, and y apart from the inputs. */
    private static void checkGemv(FloatMatrix w, int r0, int r1, FloatVec x, FloatVec y, FloatVec b) {
        Checks.rowBlock(w, r0, r1, x);
        Checks.length("y", y, w.rows(), "W.rows");
        Checks.bias(b, w.rows(), "W.rows");
        Checks.disjoint("y", y, "x", x);
        Checks.disjoint("y", y, "W", w);
        Checks.disjoint("y", y, "b", b);
    }

    /** y ← α·Wᵀ·r + β·y; {@code r} has W.rows elements, {@code y} W.cols. */
    public static void gemvT(float alpha, FloatMatrix w, FloatVec r, float beta, FloatVec y) {
        Checks.mat("W", w);
        gemvTRows(alpha, w, 0, w.rows(), r, beta, y);
    }

    /**
     * y ← α·W[r0:r1, :]ᵀ·r[r0:r1] + β·y: the contribution of rows {@code [r0, r1)} only.
     * {@code r} has W.rows elements (only [r0, r1) are read), {@code y} W.cols.
     */
    public static void gemvTRows(float alpha, FloatMatrix w, int r0, int r1, FloatVec r, float beta, FloatVec y) {
        Checks.mat("W", w);
        Checks.rowRange(w, r0, r1);
        Checks.length("r", r, w.rows(), "W.rows");
        Checks.length("y", y, w.cols(), "W.cols");
        Checks.disjoint("y", y, "r", r);
        Checks.disjoint("y", y, "W", w);
        K.gemvT(alpha, w.segment(), w.byteOffset(), w.ld(), r0, r1, w.cols(), r.segment(), r.byteOffset(),
                beta, y.segment(), y.byteOffset());
    }

    // ---------------------------------------------------------------- GEMM on batches (one sample per row)

    /**
     * Y ← α·X·Wᵀ + β·Y (+ 1·bᵀ): the forward product of a batch, Y[s][i] = α·⟨X_s, W_i⟩ + β·Y[s][i] + b[i].
     *
     * <p>Accuracy: every entry is a dot product of k terms (reassociated: vector lanes, blocks), within
     * 2·γ_{k+3}·(|α|·Σ_p|x_sp w_ip| + |β y_si| + |b_i|) of the plain sequential sum, γ_j = j·ε/(1 − j·ε).
     *
     * @param x {@code B × k}, one sample per row
     * @param w {@code m × k} (a layer's weight, outputs × inputs)
     * @param y {@code B × m}, must not overlap x, w or b; β = 0 does not read it
     * @param b m elements, or null for no bias
     */
    public static void gemmNT(float alpha, FloatMatrix x, FloatMatrix w, float beta, FloatMatrix y, FloatVec b) {
        checkNT(x, w, y, b);
        K.gemmNT(alpha, x.segment(), x.byteOffset(), x.ld(), x.rows(), x.cols(), w.segment(), w.byteOffset(), w.ld(),
                w.rows(), beta, y.segment(), y.byteOffset(), y.ld(), b == null ? null : b.segment(),
                b == null ? 0 : b.byteOffset());
    }

    /**
     * {@link #gemmNT(float, FloatMatrix, FloatMatrix, float, FloatMatrix, FloatVec)} with W given by {@link #pack}:
     * the same result, bit for bit, without copying W's rows into the kernels' buffers on every call.
     */
    public static void gemmNT(float alpha, FloatMatrix x, PackedMatrix w, float beta, FloatMatrix y, FloatVec b) {
        FloatMatrix wm = java.util.Objects.requireNonNull(w, "W must not be null").matrix();
        checkNT(x, wm, y, b);
        MemorySegment packed = checkedPacked(w, y);
        K.gemmNTPacked(alpha, x.segment(), x.byteOffset(), x.ld(), x.rows(), x.cols(), wm.segment(), wm.byteOffset(),
                wm.ld(), packed, wm.rows(), beta, y.segment(), y.byteOffset(), y.ld(), b == null ? null : b.segment(),
                b == null ? 0 : b.byteOffset());
    }

    private static MemorySegment checkedPacked(PackedMatrix w, FloatMatrix out) {
        MemorySegment packed = w.packed();
        if (packed != null) {
            Checks.alive("W (packed)", packed);
            Checks.disjoint("output", out, "W (packed)", packed);
        }
        return packed;
    }

    private static void checkNT(FloatMatrix x, FloatMatrix w, FloatMatrix y, FloatVec b) {
        Checks.mat("X", x);
        Checks.mat("W", w);
        Checks.mat("Y", y);
        if (x.cols() != w.cols()) {
            throw new IllegalArgumentException("X and W: expected the same number of columns (k), got X " + x.rows()
                    + "×" + x.cols() + " and W " + w.rows() + "×" + w.cols());
        }
        shape("Y", y, x.rows(), w.rows(), "X.rows × W.rows");
        Checks.bias(b, w.rows(), "W.rows");
        Checks.disjoint("Y", y, "X", x);
        Checks.disjoint("Y", y, "W", w);
        if (b != null) {
            Checks.disjoint("b", b, "Y", y);
        }
    }

    /**
     * G ← α·Dᵀ·X + β·G: the weight gradient of a batch, G[i][j] = α·Σ_s D[s][i]·X[s][j] + β·G[i][j].
     * Accuracy as {@link #gemmNT} with k = B (the batch size) terms per entry.
     *
     * @param d {@code B × m} (the layer's δ, one sample per row)
     * @param x {@code B × n} (the layer's input)
     * @param g {@code m × n}, must not overlap d or x; β = 0 does not read it
     */
    public static void gemmTN(float alpha, FloatMatrix d, FloatMatrix x, float beta, FloatMatrix g) {
        Checks.mat("D", d);
        Checks.mat("X", x);
        Checks.mat("G", g);
        if (d.rows() != x.rows()) {
            throw new IllegalArgumentException("D and X: expected the same number of rows (B), got D " + d.rows()
                    + "×" + d.cols() + " and X " + x.rows() + "×" + x.cols());
        }
        shape("G", g, d.cols(), x.cols(), "D.cols × X.cols");
        Checks.disjoint("G", g, "D", d);
        Checks.disjoint("G", g, "X", x);
        K.gemmTN(alpha, d.segment(), d.byteOffset(), d.ld(), d.rows(), d.cols(), x.segment(), x.byteOffset(), x.ld(),
                x.cols(), beta, g.segment(), g.byteOffset(), g.ld());
    }

    /**
     * Z ← α·D·W + β·Z: backpropagation of a batch to a layer's input, Z[s][j] = α·Σ_i D[s][i]·W[i][j] + β·Z[s][j].
     * Accuracy as {@link #gemmNT} with k = m terms per entry.
     *
     * @param d {@code B × m}
     * @param w {@code m × n}
     * @param z {@code B × n}, must not overlap d or w; β = 0 does not read it
     */
    public static void gemmNN(float alpha, FloatMatrix d, FloatMatrix w, float beta, FloatMatrix z) {
        checkNN(d, w, z);
        K.gemmNN(alpha, d.segment(), d.byteOffset(), d.ld(), d.rows(), d.cols(), w.segment(), w.byteOffset(), w.ld(),
                w.cols(), beta, z.segment(), z.byteOffset(), z.ld());
    }

    /**
     * W packed for {@link #gemmNN(float, FloatMatrix, PackedMatrix, float, FloatMatrix)} and
     * {@link #gemmNT(float, FloatMatrix, PackedMatrix, float, FloatMatrix, FloatVec)} by the active kernels, the
     * copies allocated in {@code arena} (W's size at 512 bits, twice below; none if the kernels have no packed
     * form). A snapshot: see {@link PackedMatrix}.
     */
    public static PackedMatrix pack(Arena arena, FloatMatrix w) {
        Checks.mat("W", w);
        return PackedMatrix.pack(K, arena, w);
    }

    /**
     * {@link #gemmNN(float, FloatMatrix, FloatMatrix, float, FloatMatrix)} with W given by {@link #pack}: the same
     * result, bit for bit, without copying W into the kernels' panels on every call.
     *
     * @param d {@code B × m}
     * @param w W ({@code m × n}) and its packed copy
     * @param z {@code B × n}, must not overlap d or W
     */
    public static void gemmNN(float alpha, FloatMatrix d, PackedMatrix w, float beta, FloatMatrix z) {
        FloatMatrix wm = java.util.Objects.requireNonNull(w, "W must not be null").matrix();
        checkNN(d, wm, z);
        MemorySegment packed = checkedPacked(w, z);
        K.gemmNNPacked(alpha, d.segment(), d.byteOffset(), d.ld(), d.rows(), d.cols(), wm.segment(), wm.byteOffset(),
                wm.ld(), packed, wm.cols(), beta, z.segment(), z.byteOffset(), z.ld());
    }

    private static void checkNN(FloatMatrix d, FloatMatrix w, FloatMatrix z) {
        Checks.mat("D", d);
        Checks.mat("W", w);
        Checks.mat("Z", z);
        if (d.cols() != w.rows()) {
            throw new IllegalArgumentException("D and W: expected D.cols = W.rows (m), got D " + d.rows() + "×"
                    + d.cols() + " and W " + w.rows() + "×" + w.cols());
        }
        shape("Z", z, d.rows(), w.cols(), "D.rows × W.cols");
        Checks.disjoint("Z", z, "D", d);
        Checks.disjoint("Z", z, "W", w);
    }

    private static void shape(String name, FloatMatrix m, int rows, int cols, String because) {
        if (m.rows() != rows || m.cols() != cols) {
            throw new IllegalArgumentException(name + ": expected " + rows + "×" + cols + " (" + because + "), got "
                    + m.rows() + "×" + m.cols());
        }
    }

    /**
     * x ← L⁻¹x (forward substitution) for a square {@code n × n} lower-triangular L: only the lower triangle,
     * diagonal included, is read, so L may be the factor of a Cholesky decomposition with anything above its
     * diagonal; x has n elements and must not overlap L. The off-diagonal work runs in the GEMV kernel, 4 rows
     * at a time (see the implementation). There is no test for singularity, as in BLAS {@code strsv}: a zero
     * diagonal element gives ±∞ or NaN.
     *
     * <p>Accuracy: the result x̂ solves (L + ΔL)x̂ = x exactly with |ΔL| ≤ γ_n·|L| elementwise, γ_n = n·ε/(1 − n·ε),
     * whatever the order of the sums (Higham, <i>Accuracy and Stability of Numerical Algorithms</i>, Thm. 8.5);
     * the forward error is then at most γ_n·|L⁻¹|·|L|·|x̂|.
     */
    public static void trsvLower(FloatMatrix l, FloatVec x) {
        checkTriangular(l, x);
        K.trsvLower(l.segment(), l.byteOffset(), l.ld(), l.rows(), x.segment(), x.byteOffset());
    }

    /**
     * x ← L⁻ᵀx (back substitution with the transpose) for the same L as {@link #trsvLower}; L is read by rows
     * only. Same accuracy, with Lᵀ for L.
     */
    public static void trsvLowerTransposed(FloatMatrix l, FloatVec x) {
        checkTriangular(l, x);
        K.trsvLowerTransposed(l.segment(), l.byteOffset(), l.ld(), l.rows(), x.segment(), x.byteOffset());
    }

    private static void checkTriangular(FloatMatrix l, FloatVec x) {
        Checks.mat("L", l);
        if (l.rows() != l.cols()) {
            throw new IllegalArgumentException("L: expected a square matrix (rows = cols), got " + l.rows() + "×"
                    + l.cols());
        }
        Checks.length("x", x, l.rows(), "L.rows");
        Checks.disjoint("x", x, "L", l);
    }
}
