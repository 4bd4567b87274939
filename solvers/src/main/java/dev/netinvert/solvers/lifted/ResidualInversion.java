package dev.netinvert.solvers.lifted;

import dev.netinvert.solvers.OptionChecks;
import dev.netinvert.solvers.StopReason;
import java.util.Arrays;
import java.util.Objects;

/**
 * Inversion of a {@link ResidualNetwork} through its lifted formulation (slides [001], Part II):
 * <pre>
 *   min_{u, z}  E(u, z) = (λ/2)‖u^l − f^δ‖² + Σ_k B_Ψk(z_k, W_k u^{k−1} + b_k) + (ρ/2)‖M u − Wᵀ z‖² + (α/2)‖u^0‖²,
 * </pre>
 * u = (u^0 … u^l), z = (z_1 … z_l), ‖Mu − Wᵀz‖² = Σ_k ‖u^k − u^{k−1} − W_kᵀz_k‖² (the slide's block matrices;
 * K selects the output u^l, J(u) = ½‖u^0‖²). The exact constraint M u = Wᵀ z is replaced by its quadratic
 * penalty, so (ρ/2)‖Mu − Wᵀz‖² is the augmented objective E^ρ_Ψ of the issue; the reported constraint
 * residual says how far the solution is from a true forward pass.
 *
 * <h2>The scheme: proximal alternating linearised minimisation (PALM)</h2>
 * Write B_Ψ(z, x) = ½‖z‖² + Ψ(z) + Φ*(x) − ⟨z, x⟩. Everything but Σ_k Ψ_k(z_k) is smooth:
 * H(u, z). PALM (Bolte, Sabach &amp; Teboulle, Math. Program. 146, 2014) alternates
 * <pre>
 *   u ← u − ∇_u H(u, z) / (γ L_u),          z ← prox_{Ψ/(γ L_z)}( z − ∇_z H(u, z) / (γ L_z) ),      γ &gt; 1,
 * </pre>
 * with L_u, L_z Lipschitz constants of ∇_u H(·, z) and ∇_z H(u, ·). From the operator norms:
 * <ul>
 *   <li>∇_u H: the data and regulariser terms contribute max(λ, α) (they act on different blocks), Σ_k Φ_k*(W_k
 *       u^{k−1} + b_k) at most max_k ‖W_k‖₂² (Φ*′ = σ is 1-Lipschitz, and each u^{k−1} meets one W_k), and the
 *       penalty ρ‖M‖₂² ≤ 4ρ (M is a block difference operator, ‖M‖₂ ≤ 2): L_u = max(λ, α) + max_k‖W_k‖² + 4ρ.</li>
 *   <li>∇_z H = z − (Wu + b) − ρW(Mu − Wᵀz): L_z = 1 + ρ max_k ‖W_k‖₂².</li>
 * </ul>
 * With these steps E decreases at every iteration (the sufficient-decrease lemma of PALM), and E is
 * semi-algebraic for ReLU (and definable for tanh and sigmoid), so the iterates converge to a critical point
 * (ibid., Thm. 1). The monotone decrease is tested.
 *
 * <p>Start: the forward pass of u⁰ = 0, where the penalty and every Bregman term are 0. Stop when the largest
 * change of any variable is ≤ tol (TOLERANCE), after maxIterations, or DIVERGED on a non-finite energy.
 */
public final class ResidualInversion {
    private ResidualInversion() {}

    /** The safety factor γ of the PALM steps 1/(γL). */
    public static final double GAMMA = 1.1;

    /**
     * @param lambda        λ &gt; 0, weight of the data term
     * @param rho           ρ &gt; 0, weight of the constraint penalty
     * @param alpha         α ≥ 0, weight of J(u) = ½‖u^0‖²
     * @param maxIterations budget ≥ 1
     * @param tolerance     stop when the largest change is ≤ this (≥ 0)
     */
    public record Options(double lambda, double rho, double alpha, int maxIterations, double tolerance) {
        public Options {
            OptionChecks.positive("lambda", lambda);
            OptionChecks.positive("rho", rho);
            OptionChecks.nonNegative("alpha", alpha);
            OptionChecks.atLeast("maxIterations", maxIterations, 1);
            OptionChecks.nonNegative("tolerance", tolerance);
        }

        /** λ = 1, ρ = 10, α = 1e-4, 200 000 iterations, tolerance 1e-12. */
        public static Options defaults() {
            return new Options(1, 10, 1e-4, 200_000, 1e-12);
        }

        public Options withAlpha(double a) {
            return new Options(lambda, rho, a, maxIterations, tolerance);
        }

        public Options withRho(double r) {
            return new Options(lambda, r, alpha, maxIterations, tolerance);
        }
    }

    /**
     * @param u0         the recovered input u^0
     * @param states     u^0 … u^l at the end
     * @param codes      z_1 … z_l at the end (index 0 unused)
     * @param iterations iterations performed
     * @param stopReason why it stopped
     * @param energy     E at the end
     * @param misfit     ‖N(u^0) − f^δ‖₂ by a true forward pass
     * @param constraint ‖M u − Wᵀ z‖₂ at the end
     * @param energies   E after every iteration (index 0: the start)
     */
    public record Result(double[] u0, double[][] states, double[][] codes, int iterations, StopReason stopReason, double energy,
                         double misfit, double constraint, double[] energies) {}

    /** Inverts N for f^δ (n values). */
    public static Result solve(ResidualNetwork net, double[] f, Options o) {
        Objects.requireNonNull(net, "net");
        Objects.requireNonNull(f, "f");
        Objects.requireNonNull(o, "options");
        int n = net.size(), l = net.blocks();
        if (f.length != n) {
            throw new IllegalArgumentException("f: expected " + n + " values (the network's output size), got " + f.length);
        }
        for (int j = 0; j < n; j++) {
            if (!Double.isFinite(f[j])) {
                throw new IllegalArgumentException("f: expected finite values, got " + f[j] + " at index " + j);
            }
        }
        double wn = net.maxNormSquared();
        double lu = GAMMA * (Math.max(o.lambda(), o.alpha()) + wn + 4 * o.rho());
        double lz = GAMMA * (1 + o.rho() * wn);
        ResidualNetwork.Pass start = net.pass(new double[n]);
        double[][] u = start.states(), z = start.codes();
        double[][] gu = new double[l + 1][n], r = new double[l + 1][];
        double[] energies = new double[o.maxIterations() + 1];
        energies[0] = energy(net, f, u, z, o);
        StopReason reason = StopReason.MAX_ITERATIONS;
        int it = 0;
        while (it < o.maxIterations()) {
            double change = 0;
            // u-step: gradient of H in u at (u, z)
            residuals(net, u, z, r);
            for (double[] g : gu) {
                Arrays.fill(g, 0);
            }
            for (int j = 0; j < n; j++) {
                gu[l][j] += o.lambda() * (u[l][j] - f[j]);
                gu[0][j] += o.alpha() * u[0][j];
            }
            for (int k = 1; k <= l; k++) {
                double[] pre = net.affine(k, u[k - 1]);
                for (int i = 0; i < pre.length; i++) {
                    pre[i] = net.activation(k).sigma(pre[i]) - z[k][i];
                }
                net.addTransposed(k, 1, pre, gu[k - 1]);
                for (int j = 0; j < n; j++) {
                    gu[k][j] += o.rho() * r[k][j];
                    gu[k - 1][j] -= o.rho() * r[k][j];
                }
            }
            for (int k = 0; k <= l; k++) {
                for (int j = 0; j < n; j++) {
                    double d = gu[k][j] / lu;
                    u[k][j] -= d;
                    change = Math.max(change, Math.abs(d));
                }
            }
            // z-step at the new u: z ← prox_{Ψ/Lz}(z − ∇_z H / Lz), ∇_z H = z − (Wu + b) − ρ W r
            residuals(net, u, z, r);
            for (int k = 1; k <= l; k++) {
                double[] pre = net.affine(k, u[k - 1]);
                double[] wr = net.affine(k, r[k]);
                double[] bk = net.bias(k);
                for (int i = 0; i < pre.length; i++) {
                    double g = z[k][i] - pre[i] - o.rho() * (wr[i] - bk[i]);
                    double next = net.activation(k).prox(z[k][i] - g / lz, 1 / lz);
                    change = Math.max(change, Math.abs(next - z[k][i]));
                    z[k][i] = next;
                }
            }
            it++;
            energies[it] = energy(net, f, u, z, o);
            if (!Double.isFinite(energies[it])) {
                reason = StopReason.DIVERGED;
                break;
            }
            if (change <= o.tolerance()) {
                reason = StopReason.TOLERANCE;
                break;
            }
        }
        double[] out = net.apply(u[0]);
        double misfit = 0;
        for (int j = 0; j < n; j++) {
            misfit += (out[j] - f[j]) * (out[j] - f[j]);
        }
        return new Result(u[0].clone(), u, z, it, reason, energies[it], Math.sqrt(misfit), net.liftedResidual(u, z),
                Arrays.copyOf(energies, it + 1));
    }

    /** r[k] = u^k − u^{k−1} − W_kᵀ z_k. */
    private static void residuals(ResidualNetwork net, double[][] u, double[][] z, double[][] r) {
        int n = net.size();
        for (int k = 1; k <= net.blocks(); k++) {
            double[] rk = new double[n];
            for (int j = 0; j < n; j++) {
                rk[j] = u[k][j] - u[k - 1][j];
            }
            net.addTransposed(k, -1, z[k], rk);
            r[k] = rk;
        }
    }

    /** E(u, z) of the class comment. */
    public static double energy(ResidualNetwork net, double[] f, double[][] u, double[][] z, Options o) {
        int n = net.size(), l = net.blocks();
        double e = 0;
        for (int j = 0; j < n; j++) {
            e += 0.5 * o.lambda() * (u[l][j] - f[j]) * (u[l][j] - f[j]) + 0.5 * o.alpha() * u[0][j] * u[0][j];
        }
        double[][] r = new double[l + 1][];
        residuals(net, u, z, r);
        for (int k = 1; k <= l; k++) {
            double[] pre = net.affine(k, u[k - 1]);
            for (int i = 0; i < pre.length; i++) {
                e += net.activation(k).bregman(z[k][i], pre[i]);
            }
            for (double v : r[k]) {
                e += 0.5 * o.rho() * v * v;
            }
        }
        return e;
    }
}
