package dev.netinvert.solvers.linalg;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.decomposition.qr.QRDecompositionHouseholderColumn_DDRM;
import org.ejml.dense.row.linsol.qr.LinearSolverQrHouseCol_DDRM;
import org.ejml.dense.row.linsol.svd.SolvePseudoInverseSvd_DDRM;

/**
 * Least squares min_x ‖Ax − b‖₂ for a small dense A in double precision: Householder QR, with EJML's SVD
 * pseudo-inverse as the fallback for rank-deficient and wide matrices. An instance holds one
 * factorization: {@link #factor} A once, read its {@link #rank()} and {@link #reciprocalCondition()},
 * then {@link #solve} for as many right-hand sides as needed. The static {@link #solve(double[], int, int,
 * double[])} does all three steps once.
 *
 * <p>Shapes: A is {@code rows × cols}, row-major in a {@code double[]} of exactly rows·cols elements, and
 * is never modified; b has {@code rows} elements, x has {@code cols}. Any rows, cols ≥ 0 are accepted;
 * an empty A has the zero solution.
 *
 * <p>Why a direct double-precision solver and not CG on the normal equations with the float kernels:
 * the least-squares steps of [002] (the Oracle's projections, Alg. 6 and Alg. 1; the last step of Alg. 2;
 * the debiasing of Alg. 5) decide the final accuracy (the yardstick of Fig. 4 [002] is SNR in the 100 dB
 * range), they are small (at most n_L × n_0 after composing the supported layers; 625 × 100 in sec. 6.1
 * [002]) and run once per layer, not per iteration. Normal equations square the condition number (κ² ≈
 * 10⁴ for a 150 × 100 Gaussian W^S) and float CG would then stall near 1e-4 relative accuracy; a
 * backward-stable factorization in double reaches the accuracy the float data allow.
 *
 * <p>Why QR first and SVD only as the fallback: both are backward stable, so on a full-rank matrix they
 * return the same least-squares solution to within the problem's conditioning, but Householder QR
 * (2mn² − ⅔n³ flops) costs 2.8 ms at 625 × 100 where EJML's SVD pseudo-inverse costs 17.5 ms (measured,
 * Zen 4). The SVD stays where the answer differs: when the matrix is rank-deficient (e.g. s_1 &lt; n_0,
 * where Cor. 1 [002] says the inverse is not unique) it returns the minimum-norm solution, with singular
 * values below max(m, n)·ε·σ_max treated as zero, where QR would return a "basic" solution (a
 * column-pivoted QR gave solutions of norm ~1e7 there). Unpivoted QR does not reveal rank by its diagonal
 * alone (the Kahan matrix has a harmless-looking diagonal and σ_min ≈ 0), so the rank test estimates
 * σ_min(R) = σ_min(A) by σ̂_min = min(min_k |r_kk|, 1/‖R⁻¹‖_est), ‖R⁻¹‖_est from LINPACK's start vector
 * and two steps of inverse iteration on RᵀR (both terms are upper bounds on σ_min; on Kahan matrices of
 * order 60–120 the estimate was within 1.3× of the SVD's), and σ_max from above by ‖R‖_F (at most √n too
 * large, which errs towards the SVD). The QR result is used only when σ̂_min &gt; {@value
 * #RANK_TOLERANCE}·σ̂_max. That threshold sits ~700× above the SVD's own cut-off (625·ε ≈ 1.4e-13 at m =
 * 625) to absorb the estimator's error, so every matrix the SVD would truncate goes to the SVD; matrices
 * between the two thresholds are full rank for both and get the same answer. The estimate costs ~5n²
 * flops against the QR's 2mn².
 *
 * <p>The EJML workspaces grow to the largest matrix seen and are reused by later factorizations. Not
 * thread-safe: one instance per thread.
 */
public final class LeastSquares {

    /** σ̂_min/σ̂_max at or below which QR hands over to the SVD (see the class comment). */
    public static final double RANK_TOLERANCE = 1e-10;

    private final LinearSolverQrHouseCol_DDRM qr = new LinearSolverQrHouseCol_DDRM();
    private SolvePseudoInverseSvd_DDRM svd;
    private final DMatrixRMaj svdA = new DMatrixRMaj(1, 1), pinv = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj bm = new DMatrixRMaj(1, 1), xm = new DMatrixRMaj(1, 1);
    private double[] tn = new double[0], tn2 = new double[0], tm = new double[0];
    private int rows = -1, cols = -1;
    private boolean qrPath;
    private double rcond = Double.NaN;
    private int rank = -1;
    private int factorizations, svdFactorizations;

    /** An empty workspace; {@link #factor} before solving. */
    public LeastSquares() {}

    /**
     * Factors A: QR when A is tall and passes the rank test, else the SVD.
     *
     * @param a A, rows × cols, row-major, exactly rows·cols elements (not modified)
     * @return true if the QR path was taken (tall and numerically full rank), false for the SVD
     * @throws IllegalArgumentException if the shape does not match {@code a}'s length
     * @throws ArithmeticException      if the SVD fails (non-finite entries)
     */
    public boolean factor(double[] a, int rows, int cols) {
        checkShape(a, rows, cols);
        return factor(DMatrixRMaj.wrap(rows, cols, a), true);
    }

    /**
     * Factors A by the SVD alone, skipping the QR attempt: for a caller that already knows A is
     * rank-deficient, or that wants the minimum-norm solution whatever the rank.
     *
     * @see #factor(double[], int, int)
     */
    public void factorMinimumNorm(double[] a, int rows, int cols) {
        checkShape(a, rows, cols);
        factor(DMatrixRMaj.wrap(rows, cols, a), false);
    }

    private boolean factor(DMatrixRMaj a, boolean qrAllowed) {
        rows = a.numRows;
        cols = a.numCols;
        if (tn.length < cols) {
            tn = new double[cols];
            tn2 = new double[cols];
        }
        if (tm.length < rows) {
            tm = new double[rows];
        }
        rcond = Double.NaN;
        qrPath = false;
        rank = 0;
        if (rows == 0 || cols == 0) {
            return false;
        }
        factorizations++;
        if (qrAllowed && rows >= cols && qr.setA(a)) {
            rcond = UpperTriangular.reciprocalCondition(qrData(), cols, tn, tn2);
            if (rcond > RANK_TOLERANCE) {
                qrPath = true;
                rank = cols;
                return true;
            }
        }
        svdFactorizations++;
        if (svd == null) {
            svd = new SolvePseudoInverseSvd_DDRM();
        }
        DMatrixRMaj in = a;
        if (svd.modifiesA()) {
            svdA.reshape(rows, cols, false);
            System.arraycopy(a.data, 0, svdA.data, 0, rows * cols);
            in = svdA;
        }
        if (!svd.setA(in)) {
            rows = -1;
            throw new ArithmeticException("least squares: SVD of a " + a.numRows + "×" + a.numCols + " matrix failed");
        }
        pinv.reshape(cols, rows, false);
        svd.invert(pinv);
        readSingularValues();
        return false;
    }

    /**
     * Rank and σ_min/σ_max from the SVD just computed. EJML's setA leaves in the decomposition's array of
     * min(rows, cols) singular values the diagonal of the pseudo-inverse: 1/σ_i, or 0 where σ_i fell below
     * its cut-off max(rows, cols)·ε·σ_max (LeastSquaresTest checks this reading against known ranks).
     */
    private void readSingularValues() {
        double[] inv = svd.getDecomposition().getSingularValues();
        int n = Math.min(rows, cols);
        double minInv = Double.POSITIVE_INFINITY, maxInv = 0;
        int r = 0;
        for (int i = 0; i < n; i++) {
            if (inv[i] != 0) {
                r++;
                minInv = Math.min(minInv, inv[i]);
                maxInv = Math.max(maxInv, inv[i]);
            }
        }
        rank = r;
        // σ_min/σ_max = (1/maxInv)/(1/minInv); 0 when a singular value was cut off (or all were).
        rcond = r < n ? 0 : minInv / maxInv;
    }

    /**
     * x = A⁺b, the least-squares solution (minimum-norm on the SVD path).
     *
     * @param b rows elements
     * @param x out: cols elements
     * @throws IllegalStateException if nothing was factored
     */
    public void solve(double[] b, double[] x) {
        checkSolve("b", b, rows, x, cols);
        solveUnchecked(b, x);
    }

    /** {@link #solve} for a b of at least rows elements (the workspace's own vectors are longer). */
    private void solveUnchecked(double[] b, double[] x) {
        if (rows == 0 || cols == 0) {
            Arrays.fill(x, 0, cols, 0);
        } else if (qrPath) {
            bm.reshape(rows, 1, false);
            System.arraycopy(b, 0, bm.data, 0, rows);
            xm.reshape(cols, 1, false);
            qr.solve(bm, xm);
            System.arraycopy(xm.data, 0, x, 0, cols);
        } else {
            double[] p = pinv.data;
            for (int q = 0; q < cols; q++) {
                double s = 0;
                int off = q * rows;
                for (int i = 0; i < rows; i++) {
                    s += p[off + i] * b[i];
                }
                x[q] = s;
            }
        }
    }

    /**
     * x = (AᵀA)⁺g, the step of the normal equations for a given gradient g = Aᵀr — R⁻¹R⁻ᵀg on the QR path
     * ("semi-normal equations", accurate to ~κ²ε relative, enough for Gauss–Newton corrections, whose
     * size is what is being driven to zero), A⁺A⁺ᵀg on the SVD path.
     *
     * @param g cols elements
     * @param x out: cols elements
     * @throws IllegalStateException if nothing was factored
     */
    public void solveNormal(double[] g, double[] x) {
        checkSolve("g", g, cols, x, cols);
        if (rows == 0 || cols == 0) {
            Arrays.fill(x, 0, cols, 0);
        } else if (qrPath) {
            double[][] r = qrData();
            UpperTriangular.solveTransposed(r, g, tn, cols);
            UpperTriangular.solve(r, tn, x, cols);
        } else {
            double[] p = pinv.data;
            Arrays.fill(tm, 0, rows, 0);
            for (int q = 0; q < cols; q++) {
                double gq = g[q];
                int off = q * rows;
                for (int i = 0; i < rows; i++) {
                    tm[i] += p[off + i] * gq;
                }
            }
            solveUnchecked(tm, x);
        }
    }

    /** Whether the last {@code factor} took the QR path (A tall and numerically full rank). */
    public boolean qrPath() {
        return qrPath;
    }

    /**
     * The numerical rank of the last factored A: cols on the QR path; on the SVD path the number of
     * singular values above max(rows, cols)·ε·σ_max. Rank cols means the least-squares solution is
     * unique.
     *
     * @throws IllegalStateException if nothing was factored
     */
    public int rank() {
        if (rows < 0) {
            throw new IllegalStateException("no factorization: call factor before asking for the rank");
        }
        return rank;
    }

    /**
     * 1/κ = σ_min/σ_max of the last factored A (σ over its min(rows, cols) singular values): on the QR
     * path the rank test's estimate σ̂_min/σ̂_max (within a factor of about 10·√cols of the truth); on
     * the SVD path the exact ratio, or 0 when a singular value fell below the cut-off. After a QR attempt
     * that failed the rank test it is the SVD's value. NaN for an empty A or before any factorization.
     */
    public double reciprocalCondition() {
        return rcond;
    }

    /** Factorizations done by this instance. */
    public int factorizations() {
        return factorizations;
    }

    /** How many of the {@link #factorizations()} were SVDs. */
    public int svdFactorizations() {
        return svdFactorizations;
    }

    /** R of the QR, column-major: R(i, j) = r[j][i] for i ≤ j (EJML's combined QR storage). */
    private double[][] qrData() {
        return ((QRDecompositionHouseholderColumn_DDRM) qr.getDecomposition()).getQR();
    }

    /**
     * argmin_x ‖A x − b‖₂ by QR, or the minimum-norm solution by SVD when A is wide or numerically
     * rank-deficient.
     *
     * @param a A, rows × cols, row-major (not modified)
     * @param b rows elements
     * @return x, cols elements
     */
    public static double[] solve(double[] a, int rows, int cols, double[] b) {
        return solveOnce(a, rows, cols, b, true);
    }

    /**
     * The minimum-norm least-squares solution A⁺b by the SVD alone (singular values below
     * max(rows, cols)·ε·σ_max treated as zero): the reference the QR path is checked against.
     */
    public static double[] solveMinimumNorm(double[] a, int rows, int cols, double[] b) {
        return solveOnce(a, rows, cols, b, false);
    }

    private static double[] solveOnce(double[] a, int rows, int cols, double[] b, boolean qrAllowed) {
        checkShape(a, rows, cols);
        Objects.requireNonNull(b, "b");
        if (b.length != rows) {
            throw new IllegalArgumentException("b: expected length " + rows + " (the rows of A), got " + b.length);
        }
        LeastSquares ls = new LeastSquares();
        ls.factor(DMatrixRMaj.wrap(rows, cols, a), qrAllowed);
        double[] x = new double[cols];
        ls.solveUnchecked(b, x);
        return x;
    }

    /**
     * W[rows, cols] in double, row-major: the operand of a least-squares solve on selected rows and
     * columns of a float matrix (e.g. W^S, the rows of a support S).
     *
     * @param w    the float matrix
     * @param rows row indices of W, in the order wanted
     * @param cols column indices of W, in the order wanted, or null for every column
     * @return rows.length × (cols == null ? w.cols() : cols.length) elements
     */
    public static double[] submatrix(FloatMatrix w, int[] rows, int[] cols) {
        Objects.requireNonNull(w, "w");
        Objects.requireNonNull(rows, "rows");
        int nc = cols == null ? w.cols() : cols.length;
        double[] m = new double[rows.length * nc];
        float[] row = new float[w.cols()];
        for (int i = 0; i < rows.length; i++) {
            MemorySegment.copy(w.segment(), FloatVec.LAYOUT, w.rowOffset(rows[i]), row, 0, w.cols());
            for (int j = 0; j < nc; j++) {
                m[i * nc + j] = row[cols == null ? j : cols[j]];
            }
        }
        return m;
    }

    private static void checkShape(double[] a, int rows, int cols) {
        Objects.requireNonNull(a, "a");
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("rows, cols: expected >= 0, got " + rows + "×" + cols);
        }
        if (a.length != (long) rows * cols) {
            throw new IllegalArgumentException("a: expected rows·cols = " + rows + "·" + cols + " = " + (long) rows * cols
                    + " elements (row-major), got " + a.length);
        }
    }

    private static void checkSolve(String name, double[] b, int expected, double[] x, int cols) {
        Objects.requireNonNull(b, name);
        Objects.requireNonNull(x, "x");
        if (expected < 0) {
            throw new IllegalStateException("no factorization: call factor before solving");
        }
        if (b.length != expected) {
            throw new IllegalArgumentException(name + ": expected length " + expected + ", got " + b.length);
        }
        if (x.length != cols) {
            throw new IllegalArgumentException("x: expected length " + cols + " (the columns of A), got " + x.length);
        }
    }
}
