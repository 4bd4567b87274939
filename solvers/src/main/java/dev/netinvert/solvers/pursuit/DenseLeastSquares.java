package dev.netinvert.solvers.pursuit;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.StopReason;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * The least-squares steps of [002] — the Oracle's projections (Alg. 6, Alg. 1), the last step of Alg. 2
 * and the debiasing of Alg. 5 — in double precision with EJML's SVD-based pseudo-inverse.
 *
 * <p>Why a direct double-precision solver and not CG on the normal equations with the float kernels:
 * these are the steps that decide the final accuracy (the yardstick of Fig. 4 is SNR in the 100 dB
 * range), they are small (at most n_L × n_0 after composing the supported layers; 625 × 100 in sec. 6.1)
 * and run once per layer, not per iteration. Normal equations square the condition number (κ² ≈ 10⁴ for
 * a 150 × 100 Gaussian W^S) and float CG would then stall near 1e-4 relative accuracy; an SVD in double
 * reaches the accuracy the float data allow. The SVD (rather than QR) returns the minimum-norm solution
 * when the supported matrix is rank-deficient (e.g. s_1 &lt; n_0, where Cor. 1 says the inverse is not
 * unique); a column-pivoted QR gave "basic" solutions of norm ~1e7 there. At 625 × 100 an SVD costs a few
 * milliseconds.
 */
final class DenseLeastSquares {
    private DenseLeastSquares() {}

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

    /** argmin_x ‖A x − b‖₂ (minimum-norm if A is rank-deficient, by SVD); A is not modified. */
    static double[] solve(DMatrixRMaj a, double[] b) {
        if (a.numRows == 0 || a.numCols == 0) {
            return new double[a.numCols];
        }
        LinearSolverDense<DMatrixRMaj> ls = LinearSolverFactory_DDRM.pseudoInverse(true);
        DMatrixRMaj aa = ls.modifiesA() ? a.copy() : a;
        if (!ls.setA(aa)) {
            throw new ArithmeticException("least squares: SVD of a " + a.numRows + "×" + a.numCols + " matrix failed");
        }
        DMatrixRMaj x = new DMatrixRMaj(a.numCols, 1);
        ls.solve(DMatrixRMaj.wrap(b.length, 1, b.clone()), x);
        return x.data;
    }

    /**
     * The affine map z ↦ A z + c of the generator with frozen supports (the product of Alg. 1 [002]):
     * the pre-activation of the observed outputs when hidden layer l keeps only the entries in S_l.
     * A = W_L[obs, S_{L−1}]·W_{L−1}[S_{L−1}, S_{L−2}] ⋯ W_1[S_1, :], c accumulates the biases likewise.
     *
     * @return {A (|obs| × n_0), c (|obs| × 1)}
     */
    static DMatrixRMaj[] composite(List<FloatMatrix> weights, List<FloatVec> biases, List<int[]> supports, int[] obs) {
        int depth = weights.size();
        DMatrixRMaj m = sub(weights.get(0), supports.get(0), null);
        DMatrixRMaj c = biasAt(biases.get(0), supports.get(0));
        for (int l = 2; l <= depth; l++) {
            int[] rows = l == depth ? obs : supports.get(l - 1);
            DMatrixRMaj wl = sub(weights.get(l - 1), rows, supports.get(l - 2));
            DMatrixRMaj nm = new DMatrixRMaj(rows.length, m.numCols);
            CommonOps_DDRM.mult(wl, m, nm);
            DMatrixRMaj nc = new DMatrixRMaj(rows.length, 1);
            CommonOps_DDRM.mult(wl, c, nc);
            CommonOps_DDRM.addEquals(nc, biasAt(biases.get(l - 1), rows));
            m = nm;
            c = nc;
        }
        return new DMatrixRMaj[] {m, c};
    }

    private static DMatrixRMaj biasAt(FloatVec b, int[] rows) {
        DMatrixRMaj c = new DMatrixRMaj(rows.length, 1);
        if (b != null) {
            for (int i = 0; i < rows.length; i++) {
                c.data[i] = b.get(rows[i]);
            }
        }
        return c;
    }

    /**
     * Gauss–Newton with backtracking for min_z ½‖y_obs − φ(A z + c)‖² (Alg. 1 [002], and the debiasing
     * of Alg. 5): the Jacobian is diag(φ′(Az + c))·A, each step a least-squares solve. For φ = identity
     * the first step is exact. Stops when the step is below 1e-12·(‖z‖ + 1e-30), when a step cannot reduce
     * the loss (TOLERANCE: float data, reached the rounding floor), or after {@code maxIter}.
     *
     * @param z in: start, out: result (n_0)
     */
    static Stage gaussNewton(String name, DMatrixRMaj a, DMatrixRMaj c, double[] yObs, OutputActivation phi, int maxIter,
                             double[] z) {
        long t0 = System.nanoTime();
        int m = a.numRows, n = a.numCols;
        double[] u = new double[m], r = new double[m];
        DMatrixRMaj j = new DMatrixRMaj(m, n);
        double loss = loss(a, c, yObs, phi, z, u, r);
        StopReason reason = StopReason.MAX_ITERATIONS;
        int k = 0;
        double[] trial = new double[n];
        while (k < maxIter) {
            k++;
            for (int i = 0; i < m; i++) {
                double d = phi.derivative(u[i]);
                for (int q = 0; q < n; q++) {
                    j.unsafe_set(i, q, d * a.unsafe_get(i, q));
                }
            }
            double[] step = solve(j, r);
            double sn = 0, zn = 0;
            for (int q = 0; q < n; q++) {
                sn += step[q] * step[q];
                zn += z[q] * z[q];
            }
            double t = 1;
            double trialLoss = Double.POSITIVE_INFINITY;
            for (int back = 0; back < 30; back++) {
                for (int q = 0; q < n; q++) {
                    trial[q] = z[q] + t * step[q];
                }
                trialLoss = loss(a, c, yObs, phi, trial, u, r);
                if (trialLoss <= loss) {
                    break;
                }
                t *= 0.5;
            }
            if (!(trialLoss <= loss)) {
                loss(a, c, yObs, phi, z, u, r);
                reason = Double.isFinite(loss) ? StopReason.TOLERANCE : StopReason.DIVERGED;
                break;
            }
            System.arraycopy(trial, 0, z, 0, n);
            loss = trialLoss;
            if (Math.sqrt(sn) * t <= 1e-12 * (Math.sqrt(zn) + 1e-30)) {
                reason = StopReason.TOLERANCE;
                break;
            }
        }
        return new Stage(name, 0, k, reason, Math.sqrt(2 * loss), (System.nanoTime() - t0) * 1e-9);
    }

    /** ½‖y − φ(Az + c)‖²; fills u = Az + c and r = y − φ(u). */
    private static double loss(DMatrixRMaj a, DMatrixRMaj c, double[] y, OutputActivation phi, double[] z, double[] u,
                               double[] r) {
        int m = a.numRows, n = a.numCols;
        double s = 0;
        for (int i = 0; i < m; i++) {
            double v = c.data[i];
            for (int q = 0; q < n; q++) {
                v += a.unsafe_get(i, q) * z[q];
            }
            u[i] = v;
            r[i] = y[i] - phi.value(v);
            s += r[i] * r[i];
        }
        return 0.5 * s;
    }
}
