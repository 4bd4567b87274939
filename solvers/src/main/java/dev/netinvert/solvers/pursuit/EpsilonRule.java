package dev.netinvert.solvers.pursuit;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.Network;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The ε-rule of Alg. 2 [002]: the λ of every LASSO of Layered Basis-Pursuit from a bound ε on the noise
 * of the observation y = G(z) + e, ‖e‖₂ ≤ ε, and the error bounds ε_i that Thm 2 [002] propagates
 * through the layers (proof in App. C, eqs. (25)-(31) [002]). With C = 3 + √1.5 (eq. (25) [002]), in the paper's
 * indexing (layers i = L … 1) and in the code's (see {@link InversionResult}: depth D, hidden x_1 … x_{D−1},
 * the paper's W_i is the code's W_{i+1}):
 * <pre>
 *   paper                                              code
 *   ε_{L+1} = ℓε                                        ε(x_D)     = ℓε
 *   λ_L = 2ℓε                                           λ(x_{D−1}) = 2ℓε
 *   ε_L = C√s_L / min_j ‖w_{L,j}‖₂ · ℓε                ε(x_{D−1}) = C√|Ŝ_{D−1}| / min_j ‖W_D[O, j]‖₂ · ℓε
 *   λ_i = 2ε_{i+1}                                      λ(x_{l−1}) = 2ε(x_l)                           l = D−1 … 2
 *   ε_i = C√s_i / min_j ‖w_{i,j}^{Ŝ_{i+1}}‖₂ · ε_{i+1}  ε(x_{l−1}) = C√|Ŝ_{l−1}| / min_j ‖W_l[Ŝ_l, j]‖₂ · ε(x_l)
 * </pre>
 * where W[R, j] is column j of W restricted to the rows R, O the observed outputs and Ŝ_l the support
 * of the estimate x̂_l. Under Thm 2's coherence conditions ‖x̂_l − x_l‖₂ &lt; ε(x_l) and Ŝ_l ⊆ S_l.
 *
 * <p>What the paper leaves open, and the choices made here:
 * <ul>
 *   <li><b>s_i.</b> Alg. 2 takes the sparsity levels s_i as known. Here s_i = |Ŝ_i|, the cardinality
 *       of the recovered support, which is available exactly when it is needed: λ(x_{l−1}) needs
 *       ε(x_l), which needs |Ŝ_l|, and x̂_l has been computed by then. Under Thm 2's conditions
 *       Ŝ_i ⊆ S_i, so |Ŝ_i| ≤ s_i and the ε's (and λ's) here are at most the paper's.</li>
 *   <li><b>ℓ.</b> The Lipschitz constant of φ⁻¹ on the data: the maximum over the observed outputs i of
 *       the Lipschitz constant of φ⁻¹ on [y_i − ε, y_i + ε] ({@link OutputActivation#inverseLipschitz}).
 *       The clean output x_i = y_i − e_i lies in that interval (|e_i| ≤ ‖e‖₂ ≤ ε), so
 *       ‖φ⁻¹(y) − φ⁻¹(x)‖₂ ≤ ℓ‖e‖₂ ≤ ℓε, which is what Thm 2 needs; (φ⁻¹)′ at y alone would not bound
 *       it. For tanh, ℓ = 1/(1 − (max_i |y_i| + ε)²); when some observed |y_i| + ε ≥ 1, ℓ is infinite
 *       (a saturated output may hide any pre-activation) and the rule is refused with an
 *       IllegalArgumentException.</li>
 *   <li><b>Mask.</b> The last layer's columns are restricted to the observed rows, the rows its LASSO
 *       sees (with ℓ finite every observed φ⁻¹(y_i) is finite, so no row is dropped for that).</li>
 *   <li><b>ε = 0.</b> Every λ and ε(x_l) is 0 (the noiseless case, Cor. 2); ℓ is not needed then and
 *       may be infinite.</li>
 *   <li><b>Empty support.</b> |Ŝ_l| = 0 gives ε(x_l) = 0 (the formula's √0). A zero column
 *       (min_j ‖·‖₂ = 0) with |Ŝ_l| &gt; 0 and a positive ε gives ε(x_l) = +∞; Layered Basis-Pursuit
 *       refuses to use it as a λ.</li>
 * </ul>
 */
public final class EpsilonRule {
    private EpsilonRule() {}

    /** C = 3 + √1.5, the ℓ∞ stability constant of the basis pursuit with λ = 2ε, eq. (25) [002] (Lemma 2, from [26]). */
    public static final double C = 3 + Math.sqrt(1.5);

    /**
     * The rule evaluated on one observation and a set of supports.
     *
     * @param noiseLevel ε, the bound on ‖e‖₂ over the observed outputs (units of y)
     * @param ell        ℓ, the Lipschitz constant of φ⁻¹ on the data (may be +∞ only when ε = 0)
     * @param lambdas    element l−1: λ of the LASSO for x_l (l = 1 … D−1), as in
     *                   {@link LayeredBasisPursuit.Options#lambdas()}
     * @param epsilons   element l−1: ε(x_l), Thm 2's bound on ‖x̂_l − x_l‖₂ (may be +∞, see the class comment)
     */
    public record Sequence(double noiseLevel, double ell, double[] lambdas, double[] epsilons) {
        public Sequence {
            lambdas = lambdas.clone();
            epsilons = epsilons.clone();
        }
    }

    /**
     * The λ's and ε's of the rule for the observation y and the given supports (e.g. an
     * {@link InversionResult#supports()} of Layered Basis-Pursuit, which reproduces the λ's that
     * solve used).
     *
     * @param network    a generator of eq. (3) [002]: depth D ≥ 2, ReLU hidden layers, invertible last activation
     * @param y          the observed signal, n_L elements
     * @param mask       null (all observed) or n_L entries of 0/1
     * @param noiseLevel ε ≥ 0, finite
     * @param supports   the supports of x̂_1 … x̂_{D−1} (sorted indices)
     * @throws IllegalArgumentException for a bad ε, or when ℓ is infinite for ε &gt; 0
     */
    public static Sequence of(Network network, FloatVec y, FloatVec mask, double noiseLevel, List<int[]> supports) {
        OutputActivation phi = Generators.checkGenerator(network);
        ObservationMasks.checkObservation(network, y, mask);
        checkNoiseLevel("noiseLevel", noiseLevel);
        Oracle.checkSupports(network, supports);
        int depth = network.depth();
        double ell = ell("noiseLevel", phi, y, mask, noiseLevel);
        double[] lambdas = new double[depth - 1];
        double[] eps = new double[depth - 1];
        double top = top(ell, noiseLevel);
        lambdas[depth - 2] = 2 * top;
        eps[depth - 2] = next(top, supports.get(depth - 2).length,
                minColumnNorm(network.dense(depth).weight(), ObservationMasks.observedRows(network, mask)));
        for (int l = depth - 1; l >= 2; l--) {
            lambdas[l - 2] = 2 * eps[l - 1];
            eps[l - 2] = next(eps[l - 1], supports.get(l - 2).length, minColumnNorm(network.dense(l).weight(), supports.get(l - 1)));
        }
        return new Sequence(noiseLevel, ell, lambdas, eps);
    }

    /** Checks ε: finite and ≥ 0; {@code name} is the argument's name in the message. */
    static void checkNoiseLevel(String name, double noiseLevel) {
        if (!(noiseLevel >= 0) || Double.isInfinite(noiseLevel)) {
            throw new IllegalArgumentException(name + " (the noise bound ε ≥ ‖e‖₂ of Alg. 2 [002]) must be finite and >= 0, got "
                    + noiseLevel);
        }
    }

    /** ε_{L+1} = ℓε, and 0 for ε = 0 whatever ℓ (∞·0 would be NaN). */
    static double top(double ell, double noiseLevel) {
        return noiseLevel == 0 ? 0 : ell * noiseLevel;
    }

    /**
     * ℓ = max over observed i of the Lipschitz constant of φ⁻¹ on [y_i − ε, y_i + ε].
     *
     * @throws IllegalArgumentException naming {@code name}, ε, the first element where it is infinite and
     *                                  its value, when ℓ = ∞ and ε &gt; 0
     */
    static double ell(String name, OutputActivation phi, FloatVec y, FloatVec mask, double noiseLevel) {
        double ell = 0;
        for (int i = 0; i < y.length(); i++) {
            if (mask != null && mask.get(i) != 1f) {
                continue;
            }
            double yi = y.get(i);
            double li = phi.inverseLipschitz(yi - noiseLevel, yi + noiseLevel);
            if (li == Double.POSITIVE_INFINITY && noiseLevel > 0) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "%s = %s: the ε-rule of Alg. 2 [002] needs the "
                        + "Lipschitz constant ℓ of %s⁻¹ on [y_i − ε, y_i + ε] for every observed output i, and it is infinite "
                        + "at element %d (y = %s, interval [%s, %s] reaches the boundary of %s's range); give explicit "
                        + "lambdas, a smaller noise level, or mask that output", name, noiseLevel, phi.sigma().name(), i, yi,
                        yi - noiseLevel, yi + noiseLevel, phi.sigma().name()));
            }
            ell = Math.max(ell, li);
        }
        return ell;
    }

    /**
     * min_j ‖W[R, j]‖₂ over all columns j of W, column j restricted to the rows R; 0 for an empty R.
     * Accumulates row by row (W is row-major) in double.
     */
    static double minColumnNorm(FloatMatrix w, int[] rows) {
        double[] sq = new double[w.cols()];
        for (int r : rows) {
            for (int j = 0; j < sq.length; j++) {
                double v = w.get(r, j);
                sq[j] += v * v;
            }
        }
        double min = Double.POSITIVE_INFINITY;
        for (double v : sq) {
            min = Math.min(min, v);
        }
        return sq.length == 0 ? 0 : Math.sqrt(min);
    }

    /** ε(x_{l−1}) = C√s / minColumnNorm · ε(x_l); 0 when s = 0 or ε(x_l) = 0; +∞ for a zero column otherwise. */
    static double next(double epsPrev, int s, double minColumnNorm) {
        if (s == 0 || epsPrev == 0) {
            return 0;
        }
        return C * Math.sqrt(s) / minColumnNorm * epsPrev;
    }
}
