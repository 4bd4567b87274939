package dev.netinvert.solvers.lp;

/**
 * What the inversion of one layer found and what it cost.
 *
 * @param layer          the layer l (1-based, as in {@link dev.netinvert.solvers.network.Network}); its
 *                       input x_{l−1} was estimated from its output x_l
 * @param estimate       the estimate of x_{l−1} (the latent z for l = 1), double precision
 * @param epsilon        the ε of the returned estimate (Alg. 1/2 [003]: the first feasible ε, or the ε of
 *                       z^(t−1)); the relaxed LP's ε; NaN for exact inversion
 * @param lpsFeasible    LPs solved to optimality
 * @param lpsInfeasible  LPs solved that were infeasible (Alg. 1 as written), or whose optimum δ* exceeded ε
 *                       (the δ-free form, see {@link LayerwiseInversion.Search})
 * @param stepsSkipped   ε steps settled without an LP: Alg. 1 steps whose classes equal those of an LP
 *                       already solved with δ* above them, and Alg. 2's step whose LP would repeat the last
 * @param lastStatus     the status of the last LP solved (OPTIMAL for exact inversion)
 * @param activeRows     rows used as equalities: {j : x_j &gt; ε} for the LPs, the active set for exact
 *                       inversion (all rows for leaky ReLU)
 * @param condition      exact inversion: the 2-norm condition number of W_S (an estimate σ̂_max/σ̂_min on
 *                       the QR path, exact on the SVD path; see {@link dev.netinvert.solvers.linalg.LeastSquares});
 *                       NaN for the LPs
 * @param residualInf    ‖φ_l(estimate) − x_l‖_∞ against this layer's own observation x_l
 * @param residualL1     ‖φ_l(estimate) − x_l‖₁
 * @param lpSeconds      time spent inside the LP backend
 * @param seconds        wall time of this layer
 */
public record LayerReport(int layer, double[] estimate, double epsilon, int lpsFeasible, int lpsInfeasible,
                          int stepsSkipped, LpSolution.Status lastStatus, int activeRows, double condition,
                          double residualInf, double residualL1, double lpSeconds, double seconds) {

    /** LPs solved on this layer. */
    public int lps() {
        return lpsFeasible + lpsInfeasible;
    }
}
