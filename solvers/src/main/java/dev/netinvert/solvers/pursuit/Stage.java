package dev.netinvert.solvers.pursuit;

import dev.netinvert.solvers.StopReason;
import java.util.List;

/**
 * One stage of an inversion: a layer's sub-problem (Alg. 3, Alg. 4, eq. (18) [002], a least-squares solve)
 * or a whole baseline run.
 *
 * @param name       what was solved, e.g. {@code "fista-last-layer"} (Alg. 3 [002]) or {@code "ladmm-first-layer"}
 * @param layer      the code's layer index l whose input x_{l−1} this stage estimates (1 ≤ l ≤ L; l = 1
 *                   estimates z); 0 for stages over the whole network (debiasing, baselines)
 * @param iterations iterations done (1 for a direct least-squares solve, 0 for a stage with an empty support)
 * @param stopReason why it stopped: {@link StopReason#DIRECT} for a least-squares solve,
 *                   {@link StopReason#EMPTY_SUPPORT} when there was nothing to solve for
 * @param residual   the stage's own data residual at its result: ‖M(φ(Wx + b) − y)‖₂ for the last layer,
 *                   ‖W^S x + b^S − x^S_next‖₂ for the others (for baselines the loss ½‖M(G(z) − y)‖²)
 * @param seconds    wall time of the stage
 * @param lambda     the ℓ1 weight λ of the stage's sub-problem (eqs. (8), (9) [002], the LASSOs of Alg. 2 —
 *                   for Layered Basis-Pursuit the given λ or the one of its ε-rule, {@link EpsilonRule});
 *                   NaN for stages without an ℓ1 term (least squares, debiasing, baselines)
 * @param warnings   what the stage had to work around and the user should know, one sentence each (e.g. a
 *                   Lanczos estimate for the step size that did not converge, {@link LinearizedAdmm#lambdaMax});
 *                   empty when nothing happened
 */
public record Stage(String name, int layer, int iterations, StopReason stopReason, double residual, double seconds,
                    double lambda, List<String> warnings) {
    public Stage {
        warnings = List.copyOf(warnings);
    }

    /** A stage without warnings. */
    public Stage(String name, int layer, int iterations, StopReason stopReason, double residual, double seconds,
                 double lambda) {
        this(name, layer, iterations, stopReason, residual, seconds, lambda, List.of());
    }
}
