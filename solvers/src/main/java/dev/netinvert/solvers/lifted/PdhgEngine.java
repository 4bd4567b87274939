package dev.netinvert.solvers.lifted;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.GradientField;
import dev.netinvert.kernels.Image;
import dev.netinvert.kernels.Prox;
import dev.netinvert.kernels.TotalVariation;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.parallel.BlockedBregmanGradient;
import dev.netinvert.solvers.parallel.Parallelism;
import java.lang.foreign.Arena;

/**
 * The state and one step of the PDHG iteration, eq. (14) [000] / eq. (16) [000], for a perceptron with a TV prior,
 * shared by {@link PdhgTv} (one layer) and {@link LiftedCoordinateDescent} (the x₀-step, warm-started
 * across outer iterations). The workspace is allocated once, in the arena given; {@link #step} allocates
 * nothing. Public for callers that drive the iteration themselves (custom stopping rules, benchmarks);
 * {@link PdhgTv#solve} is the complete method.
 *
 * <p>Names follow the paper: x the primal image, z the dual variable (a gradient field, eq. (14b) [000]);
 * {@code pre} is the pre-activation Wx + b and g the data gradient Wᵀ(σ(Wx + b) − t).
 */
public final class PdhgEngine {
    final Activation sigma;
    final BlockedBregmanGradient gradient;
    final boolean isotropic;
    final float alpha, tauX, tauZ;
    final FloatVec g, pre;
    final GradientField z;
    private Image x, xNew;

    // ‖x⁺ − x‖², ‖z⁺ − z‖² (the dual) and ‖σ(Wx + b) − t‖² of the last step (the last at the x before it).
    double dx2 = Double.NaN, dz2 = Double.NaN, r2 = Double.NaN;

    /** ‖x⁺ − x‖² of the last step. */
    public double primalChangeSquared() {
        return dx2;
    }

    /** ‖z⁺ − z‖² of the last step. */
    public double dualChangeSquared() {
        return dz2;
    }

    /**
     * @param arena  where the workspace lives; shared if {@code par} has several threads
     * @param layer  the perceptron σ(Wx + b), W {@code m × n} with n = c·h·w
     * @param tauX   primal step τx, e.g. {@link dev.netinvert.solvers.StepRules#gradient} 1.99/‖W‖₂²
     * @param tauZ   dual step τz, e.g. {@link dev.netinvert.solvers.StepRules#pdhgDual} 1/(8α)
     * @param par    threads for the fused gradient; {@link #step} must then run inside {@link Parallelism#call}
     */
    public PdhgEngine(Arena arena, DenseLayer layer, int c, int h, int w, boolean isotropic, float alpha, float tauX,
                      float tauZ, Parallelism par) {
        this.sigma = layer.activation();
        this.isotropic = isotropic;
        this.alpha = alpha;
        this.tauX = tauX;
        this.tauZ = tauZ;
        x = Image.allocate(arena, c, h, w);
        xNew = Image.allocate(arena, c, h, w);
        g = FloatVec.allocate(arena, x.size());
        pre = FloatVec.allocate(arena, layer.weight().rows());
        z = GradientField.allocate(arena, c, h, w);
        gradient = new BlockedBregmanGradient(arena, sigma, layer.weight(), layer.bias(), par);
    }

    /** The current primal iterate x. */
    public Image x() {
        return x;
    }

    /**
     * One iteration against the target t (y^δ, or x₁ᵗ in the coordinate descent):
     * <pre>
     *   x⁺ = x − τx·(Wᵀ(σ(Wx + b) − t) − α·div z)        eq. (14a)/(16a) [000]
     *   z⁺ = proj_{‖·‖≤1}(z + τz·α·∇(2x⁺ − x))             eq. (14b)/(16b) [000]
     * </pre>
     * Afterwards {@link #pre} holds Wx + b at the x <em>before</em> the step (for its objective), and
     * {@link #dx2}, {@link #dz2}, {@link #r2} are set.
     */
    public void step(FloatVec t) {
        r2 = gradient.compute(x.values(), t, pre, g);
        dx2 = TotalVariation.primalStep(x, g, z, tauX, alpha, xNew);
        dz2 = isotropic ? TotalVariation.dualStepIsotropic(xNew, x, z, tauZ, alpha)
                        : TotalVariation.dualStepAnisotropic(xNew, x, z, tauZ, alpha);
        if (Double.isFinite(dx2) && Double.isFinite(dz2)) {
            Image swap = x;
            x = xNew;
            xNew = swap;
        } // else keep x: the last finite iterate
    }

    /** α·TV(x) of the current iterate. */
    double regulariser() {
        return alpha * (isotropic ? TotalVariation.isotropic(x) : TotalVariation.anisotropic(x));
    }

    /** Recomputes pre = Wx + b and r² at the current x (one pass over W). */
    void refresh(FloatVec t) {
        r2 = gradient.compute(x.values(), t, pre, g);
    }
}
