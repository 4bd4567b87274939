package dev.netinvert.tests.linalg;

import static dev.netinvert.tests.ArgumentErrors.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.solvers.linalg.LeastSquares;
import dev.netinvert.solvers.network.SeededGaussian;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.junit.jupiter.api.Test;

/**
 * The QR path of {@link LeastSquares} against the SVD path it replaced, the minimum-norm answers the SVD
 * fallback must keep giving, and the rank and σ_min/σ_max it reports.
 *
 * <p>Tolerances. Householder QR and the SVD are both backward stable for least squares: each solves a
 * problem (A + δA, b + δb) with ‖δA‖ ≤ γ‖A‖, γ ≈ m·n·u (u = 2⁻⁵³; Higham, Accuracy and Stability, Thm
 * 20.3). The perturbation bound for full-rank least squares (Wedin; Higham Thm 20.1) then gives
 * ‖x̂ − x‖/‖x‖ ≤ γ(2κ + κ²‖r‖/(‖A‖₂‖x‖)) to first order, with κ = σ_max/σ_min and r = b − Ax; two such
 * answers differ by at most twice that. κ comes from an independent EJML SVD of A. The
 * semi-normal-equations step R⁻¹R⁻ᵀAᵀb has forward error of order γκ²(1 + ‖r‖/(‖A‖‖x‖)) (Björck,
 * Numerical Methods for Least Squares Problems, sec. 2.5.3).
 */
class LeastSquaresTest {

    static final double U = 0x1p-53;

    static double[] gaussian(int n, long seed) {
        SeededGaussian g = new SeededGaussian(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = g.nextGaussian();
        }
        return v;
    }

    static double[] singularValues(double[] a, int rows, int cols) {
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(rows, cols, false, false, true);
        assertTrue(svd.decompose(DMatrixRMaj.wrap(rows, cols, a.clone())));
        return svd.getSingularValues();
    }

    static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    static double relDiff(double[] a, double[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return Math.sqrt(d) / norm(b);
    }

    static double[] mul(double[] a, int rows, int cols, double[] x) {
        double[] y = new double[rows];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                y[i] += a[i * cols + j] * x[j];
            }
        }
        return y;
    }

    /** Aᵀy as {@link #mul} of the transposed A (the same products, summed in the same order). */
    static double[] mulT(double[] a, int rows, int cols, double[] y) {
        double[] t = new double[cols * rows];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = a[i * cols + j];
            }
        }
        return mul(t, cols, rows, y);
    }

    /** The Kahan matrix K_n(c): k_ii = s^i, k_ij = −c·s^i for j &gt; i, s = √(1 − c²); upper triangular. */
    static double[] kahan(int n, double c) {
        double s = Math.sqrt(1 - c * c), si = 1;
        double[] k = new double[n * n];
        for (int i = 0; i < n; i++) {
            k[i * n + i] = si;
            for (int j = i + 1; j < n; j++) {
                k[i * n + j] = -c * si;
            }
            si *= s;
        }
        return k;
    }

    /**
     * Checks the QR answer against the SVD's on one full-rank problem, within the bound of the class
     * comment, and the semi-normal-equations step against both.
     */
    static void checkFullRank(String what, double[] a, int m, int n, double[] b) {
        LeastSquares ws = new LeastSquares();
        assertTrue(ws.factor(a, m, n), what + ": a full-rank tall matrix takes the QR path, rcond estimate "
                + ws.reciprocalCondition());
        double[] x = new double[n];
        ws.solve(b, x);
        double[] ref = LeastSquares.solveMinimumNorm(a, m, n, b);
        double[] sv = singularValues(a, m, n);
        double smax = 0, smin = Double.POSITIVE_INFINITY;
        for (double s : sv) {
            smax = Math.max(smax, s);
            smin = Math.min(smin, s);
        }
        double kappa = smax / smin;
        double[] r = mul(a, m, n, ref);
        for (int i = 0; i < m; i++) {
            r[i] = b[i] - r[i];
        }
        double ratio = norm(r) / (smax * norm(ref));
        double gamma = (double) m * n * U;
        double tol = 2 * gamma * (2 * kappa + kappa * kappa * ratio);
        double diff = relDiff(x, ref);
        assertTrue(diff <= tol, what + ": QR vs SVD relative difference " + diff + " > " + tol + " (κ = " + kappa + ")");
        // The rank test's estimate σ̂_min/σ̂_max is within a modest factor of 1/κ: ‖R‖_F overestimates
        // σ_max by at most √n, inverse iteration overestimates σ_min by a small factor.
        assertTrue(ws.reciprocalCondition() <= 10 / kappa && ws.reciprocalCondition() >= 1 / (10 * Math.sqrt(n) * kappa),
                what + ": rcond estimate " + ws.reciprocalCondition() + " against 1/κ = " + 1 / kappa);

        assertEquals(n, ws.rank(), what + ": full rank");

        // The SVD path reports the exact ratio: each singular value is computed to within ~p(m, n)·ε·σ_max
        // (the SVD is backward stable), so σ_min/σ_max is accurate to ~p·ε absolute; p = 1000·max(m, n).
        LeastSquares svd = new LeastSquares();
        svd.factorMinimumNorm(a, m, n);
        assertFalse(svd.qrPath(), what);
        assertEquals(n, svd.rank(), what + ": full rank on the SVD path");
        assertEquals(1 / kappa, svd.reciprocalCondition(), 1000.0 * Math.max(m, n) * U, what + ": SVD's σ_min/σ_max");

        double[] xn = new double[n];
        ws.solveNormal(mulT(a, m, n, b), xn);
        double tolN = 2 * gamma * kappa * kappa * (1 + ratio) + tol;
        double dn = relDiff(xn, ref);
        assertTrue(dn <= tolN, what + ": semi-normal step vs SVD relative difference " + dn + " > " + tolN);
    }

    @Test
    void qrAndSvdAgreeOnFullRankProblems() {
        // The debiasing's Jacobian: 625 × 100 with rows scaled by tanh′ of Gaussian pre-activations.
        int m = 625, n = 100;
        double[] a = gaussian(m * n, 1), u = gaussian(m, 2);
        for (int i = 0; i < m; i++) {
            double t = Math.tanh(u[i]);
            for (int j = 0; j < n; j++) {
                a[i * n + j] *= 1 - t * t;
            }
        }
        checkFullRank("625×100 Jacobian", a, m, n, gaussian(m, 3));
        for (int[] shape : new int[][] {{37, 23}, {23, 23}, {101, 1}, {1, 1}, {17, 16}}) {
            int rows = shape[0], cols = shape[1];
            checkFullRank(rows + "×" + cols, gaussian(rows * cols, 10 + rows), rows, cols, gaussian(rows, 20 + rows));
        }
        // Ill-conditioned but full rank (κ ≈ 1e7, below 1/RANK_TOLERANCE): still QR, same answer.
        int k = 60;
        checkFullRank("Kahan 60, c = 0.25", kahan(k, 0.25), k, k, gaussian(k, 4));
    }

    @Test
    void rankDeficientProductsGetTheMinimumNormSolution() {
        // A = B·C with B 60 × 15 and C 15 × 25: rank 15 < 25 columns, as W_2^S·W_1^S when s_1 < n_0.
        int m = 60, k = 15, n = 25;
        DMatrixRMaj bm = DMatrixRMaj.wrap(m, k, gaussian(m * k, 5)), cm = DMatrixRMaj.wrap(k, n, gaussian(k * n, 6));
        DMatrixRMaj am = new DMatrixRMaj(m, n);
        CommonOps_DDRM.mult(bm, cm, am);
        double[] b = gaussian(m, 7);
        // The minimum-norm least-squares solution A⁺b = C⁺B⁺b = Cᵀ(CCᵀ)⁻¹(BᵀB)⁻¹Bᵀb, from the normal
        // equations of the full-rank factors (κ(B) ≈ 3, κ(C) ≈ 8: accurate to ~1e-13), no SVD involved.
        DMatrixRMaj btb = new DMatrixRMaj(k, k), cct = new DMatrixRMaj(k, k), w = new DMatrixRMaj(k, 1), v = new DMatrixRMaj(k, 1);
        CommonOps_DDRM.multTransA(bm, bm, btb);
        CommonOps_DDRM.multTransB(cm, cm, cct);
        DMatrixRMaj btv = new DMatrixRMaj(k, 1);
        CommonOps_DDRM.multTransA(bm, DMatrixRMaj.wrap(m, 1, b.clone()), btv);
        assertTrue(CommonOps_DDRM.solve(btb, btv, w));
        assertTrue(CommonOps_DDRM.solve(cct, w, v));
        DMatrixRMaj xm = new DMatrixRMaj(n, 1);
        CommonOps_DDRM.multTransA(cm, v, xm);
        double[] expected = xm.data;

        LeastSquares ws = new LeastSquares();
        assertFalse(ws.factor(am.data, m, n), "rank 15 of 25 must fall back to the SVD, rcond estimate "
                + ws.reciprocalCondition());
        assertTrue(ws.reciprocalCondition() < LeastSquares.RANK_TOLERANCE);
        assertEquals(k, ws.rank(), "the SVD's numerical rank");
        assertEquals(0.0, ws.reciprocalCondition(), "a cut-off singular value makes σ_min/σ_max 0");
        double[] x = new double[n];
        ws.solve(b, x);
        // Error of the SVD's minimum-norm answer: γ·κ_r² with κ_r = σ_1/σ_15 the condition number on the
        // range (Higham Thm 20.1 applied to the rank-15 problem); γ = m·n·u.
        double[] sv = singularValues(am.data, m, n);
        java.util.Arrays.sort(sv);
        double kr = sv[sv.length - 1] / sv[sv.length - k];
        double tol = 4 * m * n * U * kr * kr;
        assertTrue(relDiff(x, expected) <= tol, "minimum-norm solution off by " + relDiff(x, expected) + " > " + tol);
        assertTrue(relDiff(LeastSquares.solve(am.data, m, n, b), expected) <= tol, "the one-shot solve");

        // Wide (fewer equations than unknowns, like W_1[S_1, :] when s_1 < n_0): minimum norm Cᵀ(CCᵀ)⁻¹t.
        double[] t = gaussian(k, 8);
        DMatrixRMaj y = new DMatrixRMaj(k, 1), xw = new DMatrixRMaj(n, 1);
        assertTrue(CommonOps_DDRM.solve(cct, DMatrixRMaj.wrap(k, 1, t.clone()), y));
        CommonOps_DDRM.multTransA(cm, y, xw);
        LeastSquares wide = new LeastSquares();
        assertFalse(wide.factor(cm.data, k, n), "a wide matrix goes to the SVD");
        double[] xwide = new double[n];
        wide.solve(t, xwide);
        double[] svc = singularValues(cm.data, k, n);
        java.util.Arrays.sort(svc);
        double kc = svc[svc.length - 1] / svc[0];
        assertEquals(k, wide.rank(), "a wide matrix of full row rank");
        assertEquals(1 / kc, wide.reciprocalCondition(), 1000.0 * n * U, "σ_min/σ_max over its " + k + " singular values");
        double tolWide = 4 * k * n * U * kc * kc;
        assertTrue(relDiff(xwide, xw.data) <= tolWide, "wide minimum-norm off by " + relDiff(xwide, xw.data) + " > " + tolWide);
    }

    @Test
    void theRankTestSeesThroughAHarmlessLookingDiagonal() {
        // Kahan's matrix at n = 100, c = 0.35: min |r_kk| / max |r_kk| = 1.6e-3, so the test
        // |r_kk| ≤ n·ε·max|r_jj| passes it as full rank, but σ_min/σ_max ≈ 4e-17 (below the SVD's cut-off
        // 100·ε = 2.2e-14): the QR "solution" K⁻¹b is the wrong answer, dominated by the null direction.
        int n = 100;
        double[] k = kahan(n, 0.35);
        double minDiag = Double.POSITIVE_INFINITY, maxDiag = 0;
        for (int i = 0; i < n; i++) {
            minDiag = Math.min(minDiag, Math.abs(k[i * n + i]));
            maxDiag = Math.max(maxDiag, Math.abs(k[i * n + i]));
        }
        assertTrue(minDiag > 1e6 * n * 0x1p-52 * maxDiag, "the diagonal looks well-conditioned");
        double[] b = gaussian(n, 9);
        LeastSquares ws = new LeastSquares();
        assertFalse(ws.factor(k, n, n), "numerically singular: SVD, rcond estimate " + ws.reciprocalCondition());
        assertTrue(ws.rank() < n, "rank " + ws.rank());
        assertEquals(0.0, ws.reciprocalCondition());
        double[] x = new double[n];
        ws.solve(b, x);
        double[] ref = LeastSquares.solveMinimumNorm(k, n, n, b);
        assertTrue(relDiff(x, ref) <= 1e-12, "the SVD answer, off by " + relDiff(x, ref));
        // Back substitution (what the QR path would return) is larger by many orders of magnitude.
        double[] basic = b.clone();
        for (int i = n - 1; i >= 0; i--) {
            for (int j = i + 1; j < n; j++) {
                basic[i] -= k[i * n + j] * basic[j];
            }
            basic[i] /= k[i * n + i];
        }
        assertTrue(norm(basic) > 1e6 * norm(ref), "‖K⁻¹b‖ = " + norm(basic) + " against ‖K⁺b‖ = " + norm(ref));
    }

    @Test
    void aWorkspaceServesMatricesOfDifferentSizes() {
        double[] big = gaussian(300 * 40, 11), small = gaussian(9 * 5, 12), bb = gaussian(300, 13), bs = gaussian(9, 14);
        double[] xb = LeastSquares.solve(big, 300, 40, bb), xs = LeastSquares.solve(small, 9, 5, bs);
        LeastSquares ws = new LeastSquares();
        double[] x40 = new double[40], x5 = new double[5];
        for (int round = 0; round < 2; round++) {
            ws.factor(small, 9, 5);
            ws.solve(bs, x5);
            assertArrayEquals(xs, x5, 0.0);
            ws.factor(big, 300, 40);
            ws.solve(bb, x40);
            assertArrayEquals(xb, x40, 0.0);
        }
        // An empty problem has the empty (zero) solution.
        assertArrayEquals(new double[3], LeastSquares.solve(new double[0], 0, 3, new double[0]), 0.0);
        ws.factor(new double[0], 0, 3);
        assertEquals(0, ws.rank());
        assertTrue(Double.isNaN(ws.reciprocalCondition()));
    }

    @Test
    void argumentsAreValidated() {
        assertMessage(() -> LeastSquares.solve(new double[12], 4, 3, new double[5]), "b", "4", "5");
        assertMessage(() -> LeastSquares.solve(new double[11], 4, 3, new double[4]), "a", "12", "11");
        assertMessage(() -> LeastSquares.solveMinimumNorm(new double[12], -4, 3, new double[4]),
                "rows", "-4");
        LeastSquares ws = new LeastSquares();
        assertThrows(IllegalStateException.class, () -> ws.solve(new double[4], new double[3]));
        assertThrows(IllegalStateException.class, ws::rank);
        ws.factor(gaussian(12, 15), 4, 3);
        assertMessage(() -> ws.solve(new double[4], new double[2]), "x", "3", "2");
        assertMessage(() -> ws.solveNormal(new double[4], new double[3]), "g", "3", "4");
    }
}
