package dev.netinvert.solvers.pursuit;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.StopReason;
import java.util.List;
import java.util.Objects;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.decomposition.qr.QRDecompositionHouseholderColumn_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.dense.row.linsol.qr.LinearSolverQrHouseCol_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * The least-squares steps of [002] — the Oracle's projections (Alg. 6, Alg. 1), the last step of Alg. 2
 * and the debiasing of Alg. 5 — in double precision: Householder QR, with EJML's SVD pseudo-inverse as
 * the fallback for rank-deficient and wide matrices.
 *
 * <p>Why a direct double-precision solver and not CG on the normal equations with the float kernels:
 * these are the steps that decide the final accuracy (the yardstick of Fig. 4 is SNR in the 100 dB
 * range), they are small (at most n_L × n_0 after composing the supported layers; 625 × 100 in sec. 6.1)
 * and run once per layer, not per iteration. Normal equations square the condition number (κ² ≈ 10⁴ for
 * a 150 × 100 Gaussian W^S) and float CG would then stall near 1e-4 relative accuracy; a backward-stable
 * factorization in double reaches the accuracy the float data allow.
 *
 * <p>Why QR first and SVD only as the fallback: both are backward stable, so on a full-rank matrix they
 * return the same least-squares solution to within the problem's conditioning, but Householder QR
 * (2mn² − ⅔n³ flops) costs 2.8 ms at 625 × 100 where EJML's SVD pseudo-inverse costs 17.5 ms (measured,
 * Zen 4). The SVD stays where the answer differs: when the matrix is rank-deficient (e.g. s_1 &lt; n_0,
 * where Cor. 1 says the inverse is not unique) it returns the minimum-norm solution, with singular values
 * below max(m, n)·ε·σ_max treated as zero, where QR would return a "basic" solution (a column-pivoted QR
 * gave solutions of norm ~1e7 there). Unpivoted QR does not reveal rank by its diagonal alone (the Kahan
 * matrix has a harmless-looking diagonal and σ_min ≈ 0), so the rank test estimates σ_min(R) = σ_min(A)
 * by σ̂_min = min(min_k |r_kk|, 1/‖R⁻¹‖_est), ‖R⁻¹‖_est from LINPACK's start vector and two steps of
 * inverse iteration on RᵀR (both terms are upper bounds on σ_min; on Kahan matrices of order 60–120 the
 * estimate was within 1.3× of the SVD's), and σ_max from above by ‖R‖_F (at most √n too large, which errs
 * towards the SVD). The QR result is used only when σ̂_min &gt; {@value #RANK_TOLERANCE}·σ̂_max. That
 * threshold sits ~700× above the SVD's own cut-off (625·ε ≈ 1.4e-13 at m = 625) to absorb the estimator's
 * error, so every matrix the SVD would truncate goes to the SVD; matrices between the two thresholds are
 * full rank for both and get the same answer. The estimate costs ~5n² flops against the QR's 2mn².
 */
public final class DenseLeastSquares {
    private DenseLeastSquares() {}

    /** σ̂_min/σ̂_max at or below which QR hands over to the SVD (see the class comment). */
    public static final double RANK_TOLERANCE = 1e-10;

    /**
     * Largest relative change max_i |φ′(u_i) − φ′(u_i^f)|/|φ′(u_i^f)| of the Jacobian's row scales since
     * its factorization at which {@link #gaussNewton} still reuses that factorization. J = diag(φ′)A, so
     * J = (I + E)J_f with ‖E‖ ≤ δ, and the reused step H_f⁻¹g (H_f = J_fᵀJ_f, g = Jᵀr) differs from the
     * exact Gauss–Newton step H⁻¹g by the factor H_f⁻¹H = R⁻¹(I + M)R, ‖M‖ = ‖Qᵀ((I + E)² − I)Q‖ ≤ 2δ + δ²:
     * at δ = 1e-2 each reused step contracts the error, to first order, by at least ~50 in the J_f-norm
     * (a fresh factorization costs ~30 reused steps at 625 × 100).
     */
    static final double MAX_JACOBIAN_DRIFT = 1e-2;

    /** Gauss–Newton stops when ‖Δz‖ ≤ STEP_TOLERANCE·(‖z‖ + 1e-30). */
    static final double STEP_TOLERANCE = 1e-12;

    /**
     * Gauss–Newton also stops when the step's predicted reduction ‖JΔz‖² of ‖r‖² is at most this fraction
     * of ‖r‖² (MINPACK's ftol test, on the predicted reduction only). Why: at the solution of a problem
     * with a non-zero residual — float data always leave one, ~1e-7 relative — the computed loss carries
     * rounding noise far above such a reduction, so no line search can verify the step (measured at
     * 625 × 100: ‖r‖ ≈ 1.4e-6, the second step predicts 4e-10…2e-9 of ‖r‖² and moves z by ~5e-12, and
     * the trial loss ties or rises by noise; a test on ‖Δz‖ alone is then left to backtracking luck: the
     * previous rule spent a third factorization there, and once cycled to the budget). Stopping here
     * leaves a correction with ‖JΔz‖ ≤ 1e-4‖r‖, against the ~√(n/m)‖r‖ ≈ 0.4‖r‖ by which the data's own
     * residual already moves z: it cannot show in the SNR. A zero-residual problem (exact data) has
     * ‖JΔz‖ ≈ ‖r‖ and is stopped by the step test instead.
     */
    static final double PREDICTED_REDUCTION_TOLERANCE = 1e-8;

    /**
     * A reusable least-squares factorization of an m × n matrix A: Householder QR when A is tall and
     * numerically full rank, else the SVD pseudo-inverse. Factor once, then solve for many right-hand
     * sides; the EJML workspaces grow to the largest matrix seen and are reused by later calls. Not
     * thread-safe: one workspace per thread.
     */
    public static final class Workspace {
        private final LinearSolverQrHouseCol_DDRM qr = new LinearSolverQrHouseCol_DDRM();
        private LinearSolverDense<DMatrixRMaj> svd;
        private final DMatrixRMaj svdA = new DMatrixRMaj(1, 1), pinv = new DMatrixRMaj(1, 1);
        private final DMatrixRMaj bm = new DMatrixRMaj(1, 1), xm = new DMatrixRMaj(1, 1);
        private double[] tn = new double[0], tn2 = new double[0], tm = new double[0];
        private int rows = -1, cols = -1;
        private boolean qrPath;
        private double rcond = Double.NaN;
        private int factorizations, svdFactorizations;

        public Workspace() {}

        /**
         * Factors A (rows × cols, row-major, not modified).
         *
         * @return true if the QR path was taken (tall and numerically full rank), false for the SVD
         */
        public boolean factor(double[] a, int rows, int cols) {
            checkShape(a, rows, cols);
            return factor(DMatrixRMaj.wrap(rows, cols, a), true);
        }

        /** @param qrAllowed false skips the QR attempt (a caller that already knows A is rank-deficient) */
        boolean factor(DMatrixRMaj a, boolean qrAllowed) {
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
            if (rows == 0 || cols == 0) {
                return false;
            }
            factorizations++;
            if (qrAllowed && rows >= cols && qr.setA(a)) {
                rcond = reciprocalConditionOfR();
                if (rcond > RANK_TOLERANCE) {
                    qrPath = true;
                    return true;
                }
            }
            svdFactorizations++;
            if (svd == null) {
                svd = LinearSolverFactory_DDRM.pseudoInverse(true);
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
            return false;
        }

        /** x = A⁺b, the least-squares solution (minimum-norm on the SVD path); b has rows, x cols elements. */
        public void solve(double[] b, double[] x) {
            checkSolve("b", b, rows, x, cols);
            solveUnchecked(b, x);
        }

        void solveUnchecked(double[] b, double[] x) {
            if (rows == 0 || cols == 0) {
                java.util.Arrays.fill(x, 0, cols, 0);
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
         * x = (AᵀA)⁺g, the step of the normal equations for a given gradient g = Aᵀr (cols elements) —
         * R⁻¹R⁻ᵀg on the QR path ("semi-normal equations", accurate to ~κ²ε relative, enough for the
         * Gauss–Newton corrections it serves, whose size is what is being driven to zero), A⁺A⁺ᵀg on the
         * SVD path.
         */
        public void solveNormal(double[] g, double[] x) {
            checkSolve("g", g, cols, x, cols);
            solveNormalUnchecked(g, x);
        }

        void solveNormalUnchecked(double[] g, double[] x) {
            if (rows == 0 || cols == 0) {
                java.util.Arrays.fill(x, 0, cols, 0);
            } else if (qrPath) {
                double[][] r = qrData();
                solveRt(r, g, tn, cols);
                solveR(r, tn, x, cols);
            } else {
                double[] p = pinv.data;
                java.util.Arrays.fill(tm, 0, rows, 0);
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

        /** Whether the last {@code factor} took the QR path. */
        public boolean qrPath() {
            return qrPath;
        }

        /** The estimate σ̂_min/σ̂_max of the last QR attempt (NaN if none was made). */
        public double reciprocalCondition() {
            return rcond;
        }

        /** Factorizations done by this workspace, and how many of them were SVDs. */
        public int factorizations() {
            return factorizations;
        }

        public int svdFactorizations() {
            return svdFactorizations;
        }

        /** R of the QR, column-major: R(i, j) = r[j][i] for i ≤ j (EJML's combined QR storage). */
        private double[][] qrData() {
            return ((QRDecompositionHouseholderColumn_DDRM) qr.getDecomposition()).getQR();
        }

        /**
         * σ̂_min/σ̂_max for the R just computed (see the class comment); 0 when R has a zero or non-finite
         * diagonal or R⁻¹ overflows.
         */
        private double reciprocalConditionOfR() {
            double[][] r = qrData();
            int n = cols;
            double fro = 0, minDiag = Double.POSITIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                double[] col = r[j];
                for (int i = 0; i <= j; i++) {
                    fro += col[i] * col[i];
                }
                minDiag = Math.min(minDiag, Math.abs(col[j]));
            }
            if (!(minDiag > 0) || !Double.isFinite(fro)) {
                return 0;
            }
            // LINPACK's start (dtrco): solve Rᵀy = e with e_j = ±1 chosen so that |y_j| grows, which
            // picks up the direction of the smallest singular value; then inverse iteration on RᵀR.
            double[] y = tn, w = tn2;
            for (int j = 0; j < n; j++) {
                double[] col = r[j];
                double s = 0;
                for (int i = 0; i < j; i++) {
                    s += col[i] * y[i];
                }
                y[j] = ((s > 0 ? -1 : 1) - s) / col[j];
            }
            double growth = norm(y, n) / Math.sqrt(n);
            for (int it = 0; it < 2; it++) {
                double yn = norm(y, n);
                scale(y, n, 1 / yn);
                solveR(r, y, w, n);
                double wn = norm(w, n);
                scale(w, n, 1 / wn);
                solveRt(r, w, y, n);
                growth = Math.max(growth, Math.max(wn, norm(y, n)));
            }
            if (!Double.isFinite(growth)) {
                return 0;
            }
            return Math.min(minDiag, 1 / growth) / Math.sqrt(fro);
        }
    }

    /** Rᵀy = g by forward substitution, R upper triangular in EJML's column-major QR storage. */
    private static void solveRt(double[][] r, double[] g, double[] y, int n) {
        for (int j = 0; j < n; j++) {
            double[] col = r[j];
            double s = g[j];
            for (int i = 0; i < j; i++) {
                s -= col[i] * y[i];
            }
            y[j] = s / col[j];
        }
    }

    /** Rx = y by column-oriented back substitution (each column of R is contiguous). */
    private static void solveR(double[][] r, double[] y, double[] x, int n) {
        System.arraycopy(y, 0, x, 0, n);
        for (int j = n - 1; j >= 0; j--) {
            double[] col = r[j];
            double xj = x[j] / col[j];
            x[j] = xj;
            for (int i = 0; i < j; i++) {
                x[i] -= col[i] * xj;
            }
        }
    }

    private static double norm(double[] v, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += v[i] * v[i];
        }
        return Math.sqrt(s);
    }

    private static void scale(double[] v, int n, double f) {
        for (int i = 0; i < n; i++) {
            v[i] *= f;
        }
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

    /**
     * argmin_x ‖A x − b‖₂ by QR, or the minimum-norm solution by SVD when A is wide or numerically
     * rank-deficient.
     *
     * @param a    A, rows × cols, row-major (not modified)
     * @param b    rows elements
     * @return x, cols elements
     */
    public static double[] solve(double[] a, int rows, int cols, double[] b) {
        checkShape(a, rows, cols);
        Objects.requireNonNull(b, "b");
        if (b.length != rows) {
            throw new IllegalArgumentException("b: expected length " + rows + " (the rows of A), got " + b.length);
        }
        return solve(DMatrixRMaj.wrap(rows, cols, a), b, new Workspace());
    }

    /**
     * The minimum-norm least-squares solution A⁺b by the SVD alone (singular values below
     * max(rows, cols)·ε·σ_max treated as zero): the reference the QR path is checked against.
     */
    public static double[] solveMinimumNorm(double[] a, int rows, int cols, double[] b) {
        checkShape(a, rows, cols);
        Objects.requireNonNull(b, "b");
        if (b.length != rows) {
            throw new IllegalArgumentException("b: expected length " + rows + " (the rows of A), got " + b.length);
        }
        Workspace ws = new Workspace();
        ws.factor(DMatrixRMaj.wrap(rows, cols, a), false);
        double[] x = new double[cols];
        ws.solveUnchecked(b, x);
        return x;
    }

    /** argmin_x ‖A x − b‖₂ (QR, minimum-norm by SVD when wide or rank-deficient); A is not modified. */
    static double[] solve(DMatrixRMaj a, double[] b) {
        return solve(a, b, new Workspace());
    }

    /** argmin_x ‖A x − b‖₂ with the given workspace (see {@link #solve(double[], int, int, double[])}). */
    static double[] solve(DMatrixRMaj a, double[] b, Workspace ws) {
        ws.factor(a, true);
        double[] x = new double[a.numCols];
        ws.solveUnchecked(b, x);
        return x;
    }

    /** W[rows, cols] in double (cols null: every column). */
    static DMatrixRMaj sub(FloatMatrix w, int[] rows, int[] cols) {
        int nc = cols == null ? w.cols() : cols.length;
        DMatrixRMaj m = new DMatrixRMaj(rows.length, nc);
        float[] row = new float[w.cols()];
        for (int i = 0; i < rows.length; i++) {
            java.lang.foreign.MemorySegment.copy(w.segment(), FloatVec.LAYOUT, w.rowOffset(rows[i]), row, 0, w.cols());
            for (int j = 0; j < nc; j++) {
                m.unsafe_set(i, j, row[cols == null ? j : cols[j]]);
            }
        }
        return m;
    }

    /**
     * The affine map z ↦ A z + c of the generator with frozen supports (the product of Alg. 1 [002]):
     * the pre-activation of the observed outputs when hidden layer l keeps only the entries in S_l.
     * A = W_L[obs, S_{L−1}]·W_{L−1}[S_{L−1}, S_{L−2}] ⋯ W_1[S_1, :], c accumulates the biases likewise.
     *
     * <p>The products run on one double[] per row, as out_i += w_ip·m_p for each p: every access in the
     * inner loop has the same index, which C2 vectorizes without having to rule out aliasing. It is
     * ~3× faster than EJML's row-major mult at 625 × 141 × 100 (1.0 ms against 2.6–3.9 ms, measured),
     * which mattered once the Gauss–Newton solve itself took a few milliseconds. The summation order
     * (p ascending, biases added last) is that of the EJML product it replaces.
     *
     * @return {A (|obs| × n_0), c (|obs| × 1)}
     */
    static DMatrixRMaj[] composite(List<FloatMatrix> weights, List<FloatVec> biases, List<int[]> supports, int[] obs) {
        int depth = weights.size();
        FloatMatrix w1 = weights.get(0);
        int n0 = w1.cols();
        int[] s1 = supports.get(0);
        double[][] m = new double[s1.length][];
        float[] row = new float[n0];
        for (int i = 0; i < s1.length; i++) {
            java.lang.foreign.MemorySegment.copy(w1.segment(), FloatVec.LAYOUT, w1.rowOffset(s1[i]), row, 0, n0);
            double[] out = new double[n0];
            for (int q = 0; q < n0; q++) {
                out[q] = row[q];
            }
            m[i] = out;
        }
        double[] c = biasAt(biases.get(0), s1);
        for (int l = 2; l <= depth; l++) {
            int[] rows = l == depth ? obs : supports.get(l - 1);
            int[] cols = supports.get(l - 2);
            FloatMatrix wl = weights.get(l - 1);
            double[] bl = biasAt(biases.get(l - 1), rows);
            float[] wrow = new float[wl.cols()];
            double[][] nm = new double[rows.length][];
            double[] nc = new double[rows.length];
            for (int i = 0; i < rows.length; i++) {
                java.lang.foreign.MemorySegment.copy(wl.segment(), FloatVec.LAYOUT, wl.rowOffset(rows[i]), wrow, 0, wl.cols());
                double[] out = new double[n0];
                double ci = 0;
                for (int p = 0; p < cols.length; p++) {
                    double wip = wrow[cols[p]];
                    double[] mp = m[p];
                    for (int q = 0; q < n0; q++) {
                        out[q] += wip * mp[q];
                    }
                    ci += wip * c[p];
                }
                nm[i] = out;
                nc[i] = ci + bl[i];
            }
            m = nm;
            c = nc;
        }
        DMatrixRMaj a = new DMatrixRMaj(m.length, n0);
        for (int i = 0; i < m.length; i++) {
            System.arraycopy(m[i], 0, a.data, i * n0, n0);
        }
        return new DMatrixRMaj[] {a, DMatrixRMaj.wrap(c.length, 1, c)};
    }

    private static double[] biasAt(FloatVec b, int[] rows) {
        double[] c = new double[rows.length];
        if (b != null) {
            for (int i = 0; i < rows.length; i++) {
                c[i] = b.get(rows[i]);
            }
        }
        return c;
    }

    /**
     * Gauss–Newton with backtracking for min_z ½‖y_obs − φ(A z + c)‖² (Alg. 1 [002], and the debiasing
     * of Alg. 5): the Jacobian is J = diag(φ′(Az + c))·A and the step Δz = J⁺r, r = y − φ(Az + c). For
     * φ = identity the first step is exact.
     *
     * <p>The factorization of J is reused while the row scales φ′ have drifted by at most
     * {@link #MAX_JACOBIAN_DRIFT} (relative) since it was made: the step is then H_f⁻¹g with the current
     * gradient g = Jᵀr and the old H_f = J_fᵀJ_f, so the fixed point (g = 0) is exactly the Gauss–Newton
     * one and only the rate changes (see {@link #MAX_JACOBIAN_DRIFT}). Started near the solution (the
     * pursuits' estimate is ~1e-5 relative off, the drift after the first step ~1e-5) one factorization
     * serves the whole run: measured at 625 × 100 (sec. 6.1, n_1 = 300), a fresh step of ~1e-5 relative
     * and a reused one of ~5e-12 whose predicted reduction stops the run — 2 iterations and 1
     * factorization, where the previous rule took 3 iterations and 3 SVDs. A reused step that does not
     * lower the loss is recomputed from a fresh factorization before anything else is concluded. Once the
     * QR finds J rank-deficient (a property of A as long as φ′ ≠ 0) the run stays on the SVD, which
     * returns the minimum-norm step.
     *
     * <p>Stop reasons: TOLERANCE when ‖Δz‖ ≤ {@link #STEP_TOLERANCE}·(‖z‖ + 1e-30) or when the predicted
     * reduction ‖JΔz‖² ≤ {@link #PREDICTED_REDUCTION_TOLERANCE}·‖r‖² (the step is taken if it does not
     * raise the loss); TOLERANCE when the step from a fresh Jacobian cannot lower the loss before the
     * move t·‖Δz‖ falls to the step tolerance or after 30 halvings (the loss is at its rounding floor);
     * DIVERGED when the loss is not finite; MAX_ITERATIONS after {@code maxIter} steps.
     *
     * @param z  in: start, out: result (n_0)
     * @param ws the factorization workspace, reused across the iterations
     * @param t0 System.nanoTime() at the start of the stage (so building A and c counts in its seconds)
     */
    static Stage gaussNewton(String name, DMatrixRMaj a, DMatrixRMaj c, double[] yObs, OutputActivation phi, int maxIter,
                             double[] z, Workspace ws, long t0) {
        int m = a.numRows, n = a.numCols;
        double[] u = new double[m], r = new double[m], uT = new double[m], rT = new double[m];
        double[] d = new double[m], dF = new double[m];
        double[] step = new double[n], trial = new double[n], g = new double[n];
        DMatrixRMaj j = new DMatrixRMaj(m, n);
        double loss = loss(a, c, yObs, phi, z, u, r);
        StopReason reason = StopReason.MAX_ITERATIONS;
        boolean factored = false, fresh = false, rankDeficient = false;
        int k = 0;
        if (!Double.isFinite(loss)) {
            reason = StopReason.DIVERGED;
            maxIter = 0;
        }
        outer:
        while (k < maxIter) {
            k++;
            for (int i = 0; i < m; i++) {
                d[i] = phi.derivative(u[i]);
            }
            if (!factored || drift(d, dF) > MAX_JACOBIAN_DRIFT) {
                rankDeficient |= !factorJacobian(a, d, j, ws, !rankDeficient);
                System.arraycopy(d, 0, dF, 0, m);
                factored = fresh = true;
            }
            while (true) {
                if (fresh) {
                    ws.solveUnchecked(r, step);
                } else {
                    gradient(a, d, r, g);
                    ws.solveNormalUnchecked(g, step);
                }
                double sn = 0, zn = 0;
                for (int q = 0; q < n; q++) {
                    sn += step[q] * step[q];
                    zn += z[q] * z[q];
                }
                sn = Math.sqrt(sn);
                double floor = STEP_TOLERANCE * (Math.sqrt(zn) + 1e-30);
                boolean converged = sn <= floor
                        || predictedReduction(a, d, step) <= PREDICTED_REDUCTION_TOLERANCE * 2 * loss;
                // A converged step is tried once (it cannot matter); a reused direction that fails is
                // replaced by a fresh one below; only the exact Gauss–Newton direction is backtracked
                // along, while the move t·‖Δz‖ is above the step floor and for at most 30 halvings.
                double t = 1;
                boolean accepted = false;
                for (int back = 0; back < 30 && t * sn > (converged ? 0 : floor); back++) {
                    for (int q = 0; q < n; q++) {
                        trial[q] = z[q] + t * step[q];
                    }
                    double trialLoss = loss(a, c, yObs, phi, trial, uT, rT);
                    if (trialLoss <= loss) {
                        System.arraycopy(trial, 0, z, 0, n);
                        double[] sw = u;
                        u = uT;
                        uT = sw;
                        sw = r;
                        r = rT;
                        rT = sw;
                        loss = trialLoss;
                        accepted = true;
                        break;
                    }
                    if (converged || !fresh) {
                        break;
                    }
                    t *= 0.5;
                }
                if (converged) {
                    reason = StopReason.TOLERANCE;
                    break outer;
                }
                if (accepted) {
                    fresh = false;
                    break;
                }
                if (!fresh) {
                    rankDeficient |= !factorJacobian(a, d, j, ws, !rankDeficient);
                    System.arraycopy(d, 0, dF, 0, m);
                    fresh = true;
                    continue;
                }
                reason = Double.isFinite(loss) ? StopReason.TOLERANCE : StopReason.DIVERGED;
                break outer;
            }
        }
        return new Stage(name, 0, k, reason, Math.sqrt(2 * loss), (System.nanoTime() - t0) * 1e-9, Double.NaN);
    }

    /** Factors J = diag(d)·A into ws (J is the m × n workspace); returns whether the QR path was taken. */
    private static boolean factorJacobian(DMatrixRMaj a, double[] d, DMatrixRMaj j, Workspace ws, boolean qrAllowed) {
        int m = a.numRows, n = a.numCols;
        double[] src = a.data, dst = j.data;
        for (int i = 0; i < m; i++) {
            double di = d[i];
            int off = i * n;
            for (int q = 0; q < n; q++) {
                dst[off + q] = di * src[off + q];
            }
        }
        return ws.factor(j, qrAllowed);
    }

    /** ‖J Δz‖² = ‖d ∘ (A Δz)‖², the reduction of ‖r‖² the Gauss–Newton model predicts for the step. */
    private static double predictedReduction(DMatrixRMaj a, double[] d, double[] step) {
        int m = a.numRows, n = a.numCols;
        double[] src = a.data;
        double s = 0;
        for (int i = 0; i < m; i++) {
            double v = 0;
            int off = i * n;
            for (int q = 0; q < n; q++) {
                v += src[off + q] * step[q];
            }
            v *= d[i];
            s += v * v;
        }
        return s;
    }

    /** max_i |d_i − f_i|/|f_i| (∞ if some f_i = 0 ≠ d_i). */
    private static double drift(double[] d, double[] f) {
        double worst = 0;
        for (int i = 0; i < d.length; i++) {
            double diff = Math.abs(d[i] - f[i]);
            if (diff > worst * Math.abs(f[i])) {
                worst = diff / Math.abs(f[i]);
            }
        }
        return worst;
    }

    /** g = Aᵀ(d ∘ r) = Jᵀr, accumulated row by row so A is read contiguously. */
    private static void gradient(DMatrixRMaj a, double[] d, double[] r, double[] g) {
        int m = a.numRows, n = a.numCols;
        double[] src = a.data;
        java.util.Arrays.fill(g, 0);
        for (int i = 0; i < m; i++) {
            double wi = d[i] * r[i];
            int off = i * n;
            for (int q = 0; q < n; q++) {
                g[q] += wi * src[off + q];
            }
        }
    }

    /** ½‖y − φ(Az + c)‖²; fills u = Az + c and r = y − φ(u). */
    private static double loss(DMatrixRMaj a, DMatrixRMaj c, double[] y, OutputActivation phi, double[] z, double[] u,
                               double[] r) {
        int m = a.numRows, n = a.numCols;
        double[] src = a.data;
        double s = 0;
        for (int i = 0; i < m; i++) {
            double v = c.data[i];
            int off = i * n;
            for (int q = 0; q < n; q++) {
                v += src[off + q] * z[q];
            }
            u[i] = v;
            double ri = y[i] - phi.value(v);
            r[i] = ri;
            s += ri * ri;
        }
        return 0.5 * s;
    }
}
