package dev.netinvert.solvers.lp;

import java.util.List;

/**
 * What a layer-wise inversion returns.
 *
 * @param method      the per-layer solve
 * @param backend     the LP backend's name
 * @param z           the recovered latent, n_0 elements (double precision)
 * @param layers      one report per layer, element l−1 for layer l (estimate of x_{l−1}, ε, LP counts, status,
 *                    residuals against the layer's own observation, time)
 * @param output      G(z) in double precision, n_L elements
 * @param residualL2  ‖G(z) − y‖₂
 * @param residualInf ‖G(z) − y‖_∞
 * @param residualL1  ‖G(z) − y‖₁
 * @param seconds     wall time of the inversion
 */
public record LayerwiseResult(LayerwiseInversion.Method method, String backend, double[] z, List<LayerReport> layers,
                              double[] output, double residualL2, double residualInf, double residualL1,
                              double seconds) {

    /** LPs solved to optimality, over all layers. */
    public int lpsFeasible() {
        return layers.stream().mapToInt(LayerReport::lpsFeasible).sum();
    }

    /** LPs found infeasible, over all layers. */
    public int lpsInfeasible() {
        return layers.stream().mapToInt(LayerReport::lpsInfeasible).sum();
    }

    /** ‖z − truth‖₂ / ‖truth‖₂. */
    public double relativeError(float[] truth) {
        if (truth.length != z.length) {
            throw new IllegalArgumentException("truth: expected length " + z.length + ", got " + truth.length);
        }
        double num = 0, den = 0;
        for (int i = 0; i < z.length; i++) {
            double d = z[i] - truth[i];
            num += d * d;
            den += (double) truth[i] * truth[i];
        }
        return Math.sqrt(num / den);
    }
}
