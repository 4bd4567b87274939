package dev.netinvert.solvers.pursuit;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.linalg.LeastSquares;
import dev.netinvert.solvers.network.Network;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ejml.data.DMatrixRMaj;

/**
 * The debiasing of Alg. 5 [002] (and the end-to-end step of Alg. 1 for the Oracle): with the hidden
 * supports frozen the generator is z ↦ φ(Az + c), and z is fitted to the observed outputs by Gauss–Newton
 * in double precision, each step a least-squares solve by {@link LeastSquares}.
 */
final class Debias {
    private Debias() {}

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
     * The debiasing of Alg. 5 [002] (and Alg. 1 for the Oracle): the supports frozen, z fitted end to end
     * by Gauss–Newton from {@code z0}; appends its stage.
     */
    static float[] debias(Network network, OutputActivation phi, FloatVec y, FloatVec mask, List<int[]> supports,
                          float[] z0, int maxIter, List<Stage> stages) {
        return debias(network, phi, y, mask, supports, z0, maxIter, stages, new LeastSquares());
    }

    /**
     * {@link #debias} with a caller's workspace. The stage's seconds include composing A and c (in sec. 6.1
     * a 625 × 141 by 141 × 100 product, ~1.5 ms against ~3 ms for the Gauss–Newton solve).
     */
    static float[] debias(Network network, OutputActivation phi, FloatVec y, FloatVec mask, List<int[]> supports,
                          float[] z0, int maxIter, List<Stage> stages, LeastSquares ws) {
        long t0 = System.nanoTime();
        int[] obs = ObservationMasks.observedRows(network, mask);
        DMatrixRMaj[] ac = composite(weights(network), biases(network), supports, obs);
        double[] yObs = new double[obs.length];
        for (int i = 0; i < obs.length; i++) {
            yObs[i] = y.get(obs[i]);
        }
        double[] z = new double[z0.length];
        for (int i = 0; i < z.length; i++) {
            z[i] = z0[i];
        }
        stages.add(gaussNewton("debias", ac[0], ac[1], yObs, phi, maxIter, z, ws, t0));
        float[] out = new float[z.length];
        for (int i = 0; i < z.length; i++) {
            out[i] = (float) z[i];
        }
        return out;
    }

    /** The weights and biases of the layers, input to output. */
    private static List<FloatMatrix> weights(Network network) {
        List<FloatMatrix> w = new ArrayList<>();
        for (int l = 1; l <= network.depth(); l++) {
            w.add(network.dense(l).weight());
        }
        return w;
    }

    private static List<FloatVec> biases(Network network) {
        List<FloatVec> b = new ArrayList<>();
        for (int l = 1; l <= network.depth(); l++) {
            b.add(network.dense(l).bias());
        }
        return b;
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
            MemorySegment.copy(w1.segment(), FloatVec.LAYOUT, w1.rowOffset(s1[i]), row, 0, n0);
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
                MemorySegment.copy(wl.segment(), FloatVec.LAYOUT, wl.rowOffset(rows[i]), wrow, 0, wl.cols());
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
     * raise the loss); STALLED when the step from a fresh Jacobian cannot lower the loss before the
     * move t·‖Δz‖ falls to the step tolerance or after 30 halvings (a failed line search: typically the
     * loss is at its rounding floor while the step is still above the step tolerance, but no stopping test
     * was met, so it is not reported as convergence); DIVERGED when the loss is not finite;
     * MAX_ITERATIONS after {@code maxIter} steps.
     *
     * @param z  in: start, out: result (n_0)
     * @param ws the factorization workspace, reused across the iterations
     * @param t0 System.nanoTime() at the start of the stage (so building A and c counts in its seconds)
     */
    static Stage gaussNewton(String name, DMatrixRMaj a, DMatrixRMaj c, double[] yObs, OutputActivation phi, int maxIter,
                             double[] z, LeastSquares ws, long t0) {
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
                    ws.solve(r, step);
                } else {
                    gradient(a, d, r, g);
                    ws.solveNormal(g, step);
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
                // The line search along the exact Gauss–Newton direction failed: no stopping test was
                // met, so this is not convergence, whatever the loss is.
                reason = Double.isFinite(loss) ? StopReason.STALLED : StopReason.DIVERGED;
                break outer;
            }
        }
        return new Stage(name, 0, k, reason, Math.sqrt(2 * loss), (System.nanoTime() - t0) * 1e-9, Double.NaN);
    }

    /** Factors J = diag(d)·A into ws (J is the m × n workspace); returns whether the QR path was taken. */
    private static boolean factorJacobian(DMatrixRMaj a, double[] d, DMatrixRMaj j, LeastSquares ws, boolean qrAllowed) {
        int m = a.numRows, n = a.numCols;
        double[] src = a.data, dst = j.data;
        for (int i = 0; i < m; i++) {
            double di = d[i];
            int off = i * n;
            for (int q = 0; q < n; q++) {
                dst[off + q] = di * src[off + q];
            }
        }
        if (qrAllowed) {
            return ws.factor(dst, m, n);
        }
        ws.factorMinimumNorm(dst, m, n);
        return false;
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
        Arrays.fill(g, 0);
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
