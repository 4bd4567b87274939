package dev.netinvert.solvers.lifted;

import dev.netinvert.kernels.Activation;
import dev.netinvert.solvers.OptionChecks;
import dev.netinvert.solvers.StopReason;
import java.util.Arrays;
import java.util.Objects;

/**
 * Inversion of a {@link ShallowNetwork} by the variational regularisation of the slides [001] (Part II,
 * "Example: shallow two-layer neural networks"), solved by their implicit/explicit coordinate descent:
 * <pre>
 *   min_{u₀ ∈ ℝⁿ, u ∈ ℝᵐ}  E(u₀, u) = ½‖f^δ − Σ_j c_j u_j‖² + Σ_j B_Ψj(u_j, w_jᵀu₀ + b_j) + (α/2)‖u₀‖²
 * </pre>
 * with B_Ψ the Bregman loss of the activation ({@link Activation#bregman}). One iteration is
 * <ol>
 *   <li><b>implicit</b> Gauss–Seidel over the units l = 1…m: the exact minimiser in u_l with the others
 *       fixed,
 *       u_l = prox_{Ψ_l/(1+‖c_l‖²)}( (c_lᵀ r_l + w_lᵀu₀ + b_l) / (1 + ‖c_l‖²) ),
 *       r_l = f^δ − Σ_{j≠l} c_j u_j (the slides' formula, with c_l² → ‖c_l‖² for vector outputs);</li>
 *   <li><b>explicit</b> u₀-step: a gradient step on Σ_j B_Ψj(u_j, w_jᵀu₀ + b_j), whose gradient
 *       Wᵀ(σ(Wu₀ + b) − u) is ‖W‖₂²-Lipschitz (σ is non-expansive), with step 1/‖W‖₂², followed by the
 *       proximal (implicit) step on (α/2)‖u₀‖²:
 *       u₀ ← (1 + α/‖W‖₂²)⁻¹ (u₀ − ‖W‖₂⁻² Wᵀ(σ(Wu₀ + b) − u)), the slides' update for n = 1.</li>
 * </ol>
 * Both steps do not increase E (an exact block minimisation, and a proximal-gradient step with step
 * 1/L), so E decreases monotonically; the history records it, and a test checks it. At a fixed point the
 * optimality conditions of E hold: every u_l is its block minimiser, and αu₀ + Wᵀ(σ(Wu₀ + b) − u) = 0
 * ({@link #optimalityResidual}).
 *
 * <p>Stopping: when max(‖Δu₀‖∞, ‖Δu‖∞) ≤ tol (TOLERANCE), after maxIterations, or DIVERGED on a
 * non-finite iterate. The result reports E, the data misfit ‖N(u₀) − f^δ‖ at a true forward pass and the
 * optimality residual of the returned point.
 */
public final class ShallowInversion {
    private ShallowInversion() {}

    /**
     * @param alpha         α ≥ 0, the weight of J(u₀) = ½‖u₀‖²
     * @param maxIterations iteration budget ≥ 1
     * @param tolerance     stop when the largest change of any variable is ≤ this (≥ 0)
     */
    public record Options(double alpha, int maxIterations, double tolerance) {
        public Options {
            OptionChecks.nonNegative("alpha", alpha);
            OptionChecks.atLeast("maxIterations", maxIterations, 1);
            OptionChecks.nonNegative("tolerance", tolerance);
        }

        /** The slides' α = 1e-4, 100 000 iterations, tolerance 1e-12. */
        public static Options defaults() {
            return new Options(1e-4, 100_000, 1e-12);
        }

        public Options withAlpha(double a) {
            return new Options(a, maxIterations, tolerance);
        }
    }

    /**
     * @param u0          the recovered input
     * @param hidden      the unit variables u_1 … u_m
     * @param iterations  iterations performed
     * @param stopReason  why it stopped
     * @param energy      E(u₀, u) at the returned point
     * @param misfit      ‖N(u₀) − f^δ‖₂ by a true forward pass
     * @param optimality  {@link #optimalityResidual} of the returned point
     * @param energies    E after every iteration (index 0: the start)
     */
    public record Result(double[] u0, double[] hidden, int iterations, StopReason stopReason, double energy, double misfit,
                         double optimality, double[] energies) {}

    /**
     * Inverts N for one observation f^δ from u₀ = 0, u_j = σ_j(b_j) (the forward pass of 0, so every Bregman
     * term starts at 0).
     *
     * @throws IllegalArgumentException if f has the wrong length or non-finite entries
     */
    public static Result solve(ShallowNetwork net, double[] f, Options options) {
        Objects.requireNonNull(net, "net");
        Objects.requireNonNull(f, "f");
        Objects.requireNonNull(options, "options");
        int m = net.units(), n = net.inputSize(), p = net.outputSize();
        if (f.length != p) {
            throw new IllegalArgumentException("f: expected " + p + " values (the network's outputs), got " + f.length);
        }
        for (int i = 0; i < p; i++) {
            if (!Double.isFinite(f[i])) {
                throw new IllegalArgumentException("f: expected finite values, got " + f[i] + " at index " + i);
            }
        }
        double lip = net.innerNormSquared();
        double[][] c = new double[m][], w = new double[m][];
        double[] c2 = new double[m], b = new double[m];
        Activation[] sigma = new Activation[m];
        for (int j = 0; j < m; j++) {
            w[j] = net.inner(j);
            b[j] = net.bias(j);
            sigma[j] = net.activation(j);
            c[j] = net.outer(j);
            for (double v : c[j]) {
                c2[j] += v * v;
            }
        }
        double[] u0 = new double[n], u = new double[m];
        for (int j = 0; j < m; j++) {
            u[j] = sigma[j].sigma(b[j]);
        }
        // r = f − Σ_j c_j u_j, kept up to date as the u_j change
        double[] r = f.clone();
        for (int j = 0; j < m; j++) {
            for (int i = 0; i < p; i++) {
                r[i] -= c[j][i] * u[j];
            }
        }
        double[] grad = new double[n];
        double[] energies = new double[options.maxIterations() + 1];
        energies[0] = energy(net, f, u0, u, options.alpha());
        StopReason reason = StopReason.MAX_ITERATIONS;
        int k = 0;
        while (k < options.maxIterations()) {
            double change = 0;
            // implicit Gauss–Seidel sweep over the units
            for (int l = 0; l < m; l++) {
                double dot = 0;
                for (int i = 0; i < p; i++) {
                    dot += c[l][i] * (r[i] + c[l][i] * u[l]); // c_lᵀ r_l with r_l = r + c_l u_l
                }
                double scale = 1 + c2[l];
                double next = sigma[l].prox((dot + affine(w[l], b[l], u0)) / scale, 1 / scale);
                double d = next - u[l];
                if (d != 0) {
                    for (int i = 0; i < p; i++) {
                        r[i] -= c[l][i] * d;
                    }
                    u[l] = next;
                }
                change = Math.max(change, Math.abs(d));
            }
            // explicit gradient step on the Bregman terms, implicit step on (α/2)‖u₀‖²
            Arrays.fill(grad, 0);
            for (int j = 0; j < m; j++) {
                double g = sigma[j].sigma(affine(w[j], b[j], u0)) - u[j];
                for (int s = 0; s < n; s++) {
                    grad[s] += w[j][s] * g;
                }
            }
            double shrink = 1 / (1 + options.alpha() / lip);
            for (int s = 0; s < n; s++) {
                double next = shrink * (u0[s] - grad[s] / lip);
                change = Math.max(change, Math.abs(next - u0[s]));
                u0[s] = next;
            }
            k++;
            energies[k] = energy(net, f, u0, u, options.alpha());
            if (!Double.isFinite(change) || !Double.isFinite(energies[k])) {
                reason = StopReason.DIVERGED;
                break;
            }
            if (change <= options.tolerance()) {
                reason = StopReason.TOLERANCE;
                break;
            }
        }
        double[] out = net.apply(u0);
        double misfit = 0;
        for (int i = 0; i < p; i++) {
            misfit += (out[i] - f[i]) * (out[i] - f[i]);
        }
        return new Result(u0, u, k, reason, energies[k], Math.sqrt(misfit), optimalityResidual(net, f, u0, u, options.alpha()),
                Arrays.copyOf(energies, k + 1));
    }

    /** wᵀu + b. */
    private static double affine(double[] w, double b, double[] u) {
        double s = b;
        for (int k = 0; k < u.length; k++) {
            s += w[k] * u[k];
        }
        return s;
    }

    /** E(u₀, u) of the class comment. */
    public static double energy(ShallowNetwork net, double[] f, double[] u0, double[] u, double alpha) {
        double[] fit = net.combine(u);
        double e = 0;
        for (int i = 0; i < f.length; i++) {
            e += 0.5 * (f[i] - fit[i]) * (f[i] - fit[i]);
        }
        for (int j = 0; j < u.length; j++) {
            e += net.activation(j).bregman(u[j], net.preActivation(j, u0));
        }
        double n2 = 0;
        for (double v : u0) {
            n2 += v * v;
        }
        return e + 0.5 * alpha * n2;
    }

    /**
     * The first-order optimality residual of E at (u₀, u): the largest of |u_l − (its block minimiser)| over
     * the units and of ‖αu₀ + Wᵀ(σ(Wu₀ + b) − u)‖∞. Zero exactly at a fixed point of the iteration, which
     * is then a stationary point of E (a minimiser in each block, and ∇_{u₀}E = 0).
     */
    public static double optimalityResidual(ShallowNetwork net, double[] f, double[] u0, double[] u, double alpha) {
        int m = net.units(), n = net.inputSize();
        double[] fit = net.combine(u);
        double worst = 0;
        double[] grad = new double[n];
        for (int l = 0; l < m; l++) {
            double[] cl = net.outer(l);
            double dot = 0, c2 = 0;
            for (int i = 0; i < cl.length; i++) {
                dot += cl[i] * (f[i] - fit[i] + cl[i] * u[l]);
                c2 += cl[i] * cl[i];
            }
            double x = net.preActivation(l, u0);
            double best = net.activation(l).prox((dot + x) / (1 + c2), 1 / (1 + c2));
            worst = Math.max(worst, Math.abs(best - u[l]));
            double g = net.activation(l).sigma(x) - u[l];
            double[] wl = net.inner(l);
            for (int s = 0; s < n; s++) {
                grad[s] += wl[s] * g;
            }
        }
        for (int s = 0; s < n; s++) {
            worst = Math.max(worst, Math.abs(alpha * u0[s] + grad[s]));
        }
        return worst;
    }
}
