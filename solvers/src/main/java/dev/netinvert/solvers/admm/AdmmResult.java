package dev.netinvert.solvers.admm;

import dev.netinvert.solvers.StopReason;
import java.util.List;

/**
 * What an inversion by {@link Admm} or by a {@link GradientBaseline} returns: the input found and the truth
 * about how it was reached.
 *
 * @param method         "admm", "adam", "pgd" or "gd"
 * @param x              the input found, n₀ elements (ADMM: z₁; inside the box when there is one)
 * @param output         f(x) by a true forward pass
 * @param iterations     iterations performed
 * @param stopReason     why the solve stopped
 * @param objective      ℓ(x, f(x)) = g(f(x)) + h(x) at the returned x, by a true forward pass
 * @param outputTerm     g(f(x))
 * @param inputTerm      h(x) = (λ/2)‖x − x̄‖² (0 when λ = 0)
 * @param primalResidual ADMM: √(Σᵢ ‖ṽᵢ − (Wᵢzᵢ + bᵢ)‖² + ‖vᵢ − zᵢ₊₁‖²) after the last iteration; NaN for a baseline
 * @param dualResidual   ADMM: ρ·√(Σᵢ ‖Wᵢ Δzᵢ‖² + ‖Δzᵢ₊₁‖²) of the last iteration; NaN for a baseline
 * @param layerResiduals ADMM: per layer i = 1…L, √(‖ṽᵢ − (Wᵢzᵢ + bᵢ)‖² + ‖vᵢ − zᵢ₊₁‖²); empty for a baseline
 * @param stationarity   a baseline's ‖x − P_B(x − ∇ℓ)‖₂ at the last iteration; NaN for ADMM
 * @param layerUpdates   how each z-update is solved, e.g. "z1: box-qp (projected Newton), mu = 0.01",
 *                       "z2: woodbury 128x128 Cholesky"; empty for a baseline
 * @param history        the samples of objective and residuals
 * @param setupSeconds   wall time before the loop (factorizations, workspaces)
 * @param seconds        wall time of the iterations
 */
public record AdmmResult(String method, float[] x, float[] output, int iterations, StopReason stopReason,
                         double objective, double outputTerm, double inputTerm, double primalResidual,
                         double dualResidual, double[] layerResiduals, double stationarity, List<String> layerUpdates,
                         History history, double setupSeconds, double seconds) {

    /** Mean wall time per iteration in microseconds. */
    public double microsPerIteration() {
        return iterations == 0 ? 0 : seconds * 1e6 / iterations;
    }
}
