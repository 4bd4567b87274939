package dev.netinvert.solvers.lifted;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.GradientField;
import dev.netinvert.kernels.Image;
import dev.netinvert.kernels.Prox;
import dev.netinvert.kernels.TotalVariation;
import dev.netinvert.solvers.network.Layer;
import dev.netinvert.solvers.parallel.BregmanGradient;
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
    final BregmanGradient gradient;
    final boolean isotropic;
    final float alpha, tauX, tauZ;
    final FloatVec g, pre;
    final GradientField z;
    private Image x, xNew;
    /** Scratch of {@link #gap}: ∇x, and div z then s = g − α·div z. */
    private final GradientField gradX;
    private final Image divZ;

    // ‖x⁺ − x‖², ‖z⁺ − z‖² (the dual) and ‖σ(Wx + b) − t‖² of the last step (the last at the x before it).
    double dx2 = Double.NaN, dz2 = Double.NaN, r2 = Double.NaN;
    /**
     * The observation whose gradient g, pre = Wx + b and r² at the current x {@link #refresh} left behind, or null.
     * The next {@link #step} for the same observation starts from them instead of passing over W again: the solver's
     * history samples (every {@code historyInterval} steps) certify the gap at the x the next step starts from, and
     * recomputing the same g cost one fused gradient per sample (circle experiment, AVX2: ≈ 7 % of the loop).
     * Sound because x changes only in {@link #step}, and only {@code PdhgTv}'s loop, which does not write t between
     * the two, calls {@link #refresh} and {@link #gap}.
     */
    private FloatVec fresh;

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
     * @param layer  the perceptron σ(Ax + b): a dense W {@code m × n} or any other {@link Layer}, with n = c·h·w inputs
     * @param tauX   primal step τx, e.g. {@link dev.netinvert.solvers.StepRules#gradient} 1.99/‖W‖₂²
     * @param tauZ   dual step τz, e.g. {@link dev.netinvert.solvers.StepRules#pdhgDual} 1/(8α)
     * @param par    threads for the fused gradient; {@link #step} must then run inside {@link Parallelism#call}
     */
    public PdhgEngine(Arena arena, Layer layer, int c, int h, int w, boolean isotropic, float alpha, float tauX,
                      float tauZ, Parallelism par) {
        this.sigma = layer.activation();
        this.isotropic = isotropic;
        this.alpha = alpha;
        this.tauX = tauX;
        this.tauZ = tauZ;
        x = Image.allocate(arena, c, h, w);
        xNew = Image.allocate(arena, c, h, w);
        g = FloatVec.allocate(arena, x.size());
        pre = FloatVec.allocate(arena, layer.outputs());
        z = GradientField.allocate(arena, c, h, w);
        gradX = GradientField.allocate(arena, c, h, w);
        divZ = Image.allocate(arena, c, h, w);
        gradient = BregmanGradient.of(arena, layer, par);
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
        if (fresh != t) {
            r2 = gradient.compute(x.values(), t, pre, g);
        }
        fresh = null;
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

    /**
     * A certified primal-dual gap at the current pair (x, z) for P(x) = B_Ψ(t, Wx + b) + α·TV(x) over the box
     * ‖x‖∞ ≤ R, R = max(radius, ‖x‖∞): P(x) − min_{‖x′‖∞ ≤ R} P(x′) ≤ the value returned, which is ≥ 0.
     *
     * <p>Why: f(x) = B_Ψ(t, Wx + b) is convex and differentiable, with ∇f(x) = Wᵀ(σ(Wx + b) − t), and
     * α·TV(x′) ≥ α⟨z, ∇x′⟩ = −α⟨div z, x′⟩ for every z in the dual ball (|z_p| ≤ 1 pointwise, the set
     * eq. (14b) projects onto). So for every x′, P(x′) ≥ f(x) + ⟨s, x′ − x⟩ − α⟨div z, x⟩ with
     * s = ∇f(x) − α·div z (the vector the primal step (14a) moves along), and minimising the right-hand side over
     * the box gives the lower bound f(x) − α⟨div z, x⟩ − ⟨s, x⟩ − R‖s‖₁ on min P. The gap is
     * <pre>
     *   P(x) − bound = α·(TV(x) − ⟨z, ∇x⟩) + ⟨s, x⟩ + R·‖s‖₁,
     * </pre>
     * the first term ≥ 0 (|z| ≤ 1), the second and third ≥ −R‖s‖₁ + R‖s‖₁ = 0 (‖x‖∞ ≤ R). Both vanish at a
     * saddle point (z attains the supremum of TV, and s = 0 is eq. (14a)'s fixed point), so the gap → 0 as PDHG
     * converges. Without a box the dual of B_Ψ(t, W·+b) + α·TV is infeasible unless div z ∈ range(Wᵀ) (W is
     * wide, so it almost never is): R is what makes the certificate finite; for images in [0, 1], R = 1.
     * Costs one pass over W (to get ∇f at this x) and three stencil passes; it leaves {@link #pre} and the
     * residual at the current x, as {@link #refresh} does.
     */
    double gap(FloatVec t, double radius) {
        refresh(t);
        return certifiedGap(x, z, g, alpha, isotropic, radius, gradX, divZ);
    }

    /**
     * The gap of {@link #gap} at (x, z) given g = ∇f(x) = Wᵀ(σ(Wx + b) − t) at that x: the formula only, without
     * the pass over W, so that the lockstep solvers ({@code dev.netinvert.solvers.batch}), which get g for a
     * whole batch from one GEMM, share it. Allocates nothing.
     *
     * @param gradX scratch of x's shape (overwritten with ∇x)
     * @param divZ  scratch of x's shape (overwritten with g − α·div z)
     */
    public static double certifiedGap(Image x, GradientField z, FloatVec g, float alpha, boolean isotropic,
                                      double radius, GradientField gradX, Image divZ) {
        FloatVec xv = x.values(), s = divZ.values();
        TotalVariation.divergence(z, divZ);
        TotalVariation.gradient(x, gradX);
        // s = g − α·div z, in place of div z
        Blas.scale(-alpha, s);
        Blas.axpy(1f, g, s);
        // Every sum in double: TV(x) − ⟨z, ∇x⟩ cancels (both ≈ TV near the saddle point), so a float dot's
        // rounding (~√n·ε·TV) would be a floor under the gap.
        double zGradX = 0, sx = 0, s1 = 0, xInf = 0;
        FloatVec z1 = z.d1(), z2 = z.d2(), g1 = gradX.d1(), g2 = gradX.d2();
        for (int i = 0; i < xv.length(); i++) {
            double si = s.get(i), xi = xv.get(i);
            zGradX += (double) z1.get(i) * g1.get(i) + (double) z2.get(i) * g2.get(i);
            sx += si * xi;
            s1 += Math.abs(si);
            xInf = Math.max(xInf, Math.abs(xi));
        }
        double r = Math.max(radius, xInf);
        double tv = isotropic ? TotalVariation.isotropic(x) : TotalVariation.anisotropic(x);
        return Math.max(0, alpha * (tv - zGradX)) + sx + r * s1;
    }

    /** pre = Wx + b, g and r² at the current x: one pass over W, unless they are already those of x and t. */
    void refresh(FloatVec t) {
        if (fresh != t) {
            r2 = gradient.compute(x.values(), t, pre, g);
            fresh = t;
        }
    }
}
