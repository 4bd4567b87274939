package dev.netinvert.solvers.lifted;

import dev.netinvert.solvers.ConvergenceHistory;
import dev.netinvert.solvers.StopReason;
import java.util.List;

/**
 * What a lifted-Bregman solve (PDHG-TV, Landweber, coordinate descent) returns: the solution and the
 * truth about how it was reached.
 *
 * @param method         "pdhg-tv", "landweber" or "lifted-cd"
 * @param x              the recovered input x₀, {@code n} elements (row-major image when it is one)
 * @param hidden         the auxiliary variables x₁ … x_{L−1} of the lifted problem (3) [000] (empty for one layer)
 * @param iterations     iterations performed (outer iterations for coordinate descent)
 * @param stopReason     why the solve stopped
 * @param primalChange   the last ‖x⁺ − x‖₂
 * @param dualChange     the last ‖z⁺ − z‖₂ of the TV dual variable (NaN when there is none)
 * @param objective      the objective at the returned x: B_Ψ(y^δ, Wx + b) + α·TV(x) (TV term 0 for Landweber;
 *                       the lifted sum of eq. (3) [000] for coordinate descent)
 * @param discrepancy    ‖σ(Wx + b) − y^δ‖₂ at the returned x (last layer for coordinate descent)
 * @param layerResiduals per-layer B_Ψl(x_l, W_l x_{l−1} + b_l), l = 1 … L (one entry for one layer)
 * @param history        objective and changes sampled every {@code history.interval()} iterations
 * @param seconds        wall time of the iteration, set-up (workspace, operator norms) excluded
 * @param threads        threads used within the solve
 */
public record LiftedResult(String method, float[] x, List<float[]> hidden, int iterations, StopReason stopReason,
                           double primalChange, double dualChange, double objective, double discrepancy,
                           double[] layerResiduals, ConvergenceHistory history, double seconds, int threads) {

    /** Mean wall time per iteration in microseconds. */
    public double microsPerIteration() {
        return iterations == 0 ? 0 : seconds * 1e6 / iterations;
    }
}
