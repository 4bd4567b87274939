package dev.netinvert.solvers;

/**
 * The default step sizes, each computed here only, with the condition that makes it safe. ‖W‖₂ comes from
 * {@link dev.netinvert.solvers.network.Lanczos} (via {@code DenseLayer.operatorNorm()}).
 */
public final class StepRules {
    private StepRules() {}

    /**
     * τ = 1.99/‖W‖₂², the forward step on B_Ψ(t, Wx + b) of PDHG (τx, eq. (14a) [000]) and of the lifted
     * proximal-gradient step (τ_l, eq. (17) [000]); sec. 5.1.1 and 5.2 [000].
     * Condition: the step (13a) [000] is contractive for τ &lt; 2/‖W‖₂² (Wᵀ(σ(Wx + b) − t) is ‖W‖₂²-Lipschitz, σ 1-Lipschitz).
     */
    public static double gradient(double operatorNorm) {
        return 1.99 / Math.pow(operatorNorm, 2);
    }

    /**
     * τz = 1/(8α), the PDHG dual step of eq. (14b) [000] (sec. 5.1.1 [000], after [54] there).
     * Condition: PDHG (13) [000] converges for τx·τz·‖K‖² &lt; 1 (sec. 4.1 [000]); here K = α∇ with ‖∇‖² ≤ 8 (2-D forward
     * differences), so τx·τz·‖K‖² ≤ τx·α.
     */
    public static double pdhgDual(double alpha) {
        return 1.0 / (8.0 * alpha);
    }

    /**
     * τ = 1/‖W‖₂², the Landweber step (sec. 5.1.1 [000]).
     * Condition: gradient descent on B_Ψ(y^δ, Wx + b) decreases it for τ &lt; 2/‖W‖₂² (the same Lipschitz bound as {@link #gradient}).
     */
    public static double landweber(double operatorNorm) {
        return 1.0 / Math.pow(operatorNorm, 2);
    }
}
