package dev.netinvert.solvers.linalg;

/**
 * The upper-triangular R of a Householder QR in EJML's column-major combined storage (R(i, j) = r[j][i]
 * for i ≤ j, each column contiguous): the two triangular solves and the estimate of σ_min/σ_max that
 * {@link LeastSquares} uses as its rank test.
 */
final class UpperTriangular {
    private UpperTriangular() {}

    /**
     * σ̂_min/σ̂_max of the n × n R (see {@link LeastSquares}' class comment): σ̂_min = min(min_k |r_kk|,
     * 1/‖R⁻¹‖_est), ‖R⁻¹‖_est from LINPACK's start vector and two steps of inverse iteration on RᵀR, σ̂_max
     * = ‖R‖_F; 0 when R has a zero or non-finite diagonal or R⁻¹ overflows.
     *
     * @param y, w workspaces of at least n elements (overwritten)
     */
    static double reciprocalCondition(double[][] r, int n, double[] y, double[] w) {
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
            solve(r, y, w, n);
            double wn = norm(w, n);
            scale(w, n, 1 / wn);
            solveTransposed(r, w, y, n);
            growth = Math.max(growth, Math.max(wn, norm(y, n)));
        }
        if (!Double.isFinite(growth)) {
            return 0;
        }
        return Math.min(minDiag, 1 / growth) / Math.sqrt(fro);
    }

    /** Rᵀy = g by forward substitution. */
    static void solveTransposed(double[][] r, double[] g, double[] y, int n) {
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
    static void solve(double[][] r, double[] y, double[] x, int n) {
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
}
