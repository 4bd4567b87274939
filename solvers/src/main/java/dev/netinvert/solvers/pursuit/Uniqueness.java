package dev.netinvert.solvers.pursuit;

import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The uniqueness conditions of Cor. 1 [002] (Thm. 1 specialised to weights with iid entries, where every
 * spark and sub-spark is maximal with probability 1) for a signal whose hidden layers have cardinalities
 * s_1 … s_H, H = L − 1:
 * <pre>
 *   (i)   s_H &lt; (n + 1)/2                    n = the number of observed output entries
 *   (ii)  s_i &lt; (s_{i+1} + 1)/2,  i = 1 … H−1
 *   (iii) s_1 ≥ n_0
 * </pre>
 * If they hold, the signal's latent vector is the unique solution of eq. (1) [002] among those with these
 * sparsity levels. For trained (non-random) weights Thm. 1 asks for spark(W) and sub-spark instead, which
 * are NP-hard to compute; the report says so — there the conditions above are necessary-style heuristics,
 * not a guarantee. With a mask, n is the number of observed entries (the rows of W_L that remain).
 *
 * @param n0          the latent size n_0
 * @param cardinalities s_1 … s_H
 * @param observed    n, the number of observed output entries
 * @param conditions  each condition with its numbers
 */
public record Uniqueness(int n0, int[] cardinalities, int observed, List<Condition> conditions) {

    /**
     * One inequality of Cor. 1.
     *
     * @param name  "(i)", "(ii) i=1", "(iii)"
     * @param text  the inequality with its numbers, e.g. {@code "s_1 = 75 >= n_0 = 100"}
     * @param holds whether it holds
     */
    public record Condition(String name, String text, boolean holds) {}

    /** Whether every condition holds. */
    public boolean holds() {
        return conditions.stream().allMatch(Condition::holds);
    }

    /** The conditions that fail (empty when {@link #holds()}). */
    public List<Condition> violated() {
        return conditions.stream().filter(c -> !c.holds()).toList();
    }

    /**
     * Evaluates Cor. 1 for the given cardinalities.
     *
     * @param n0            latent size, ≥ 1
     * @param cardinalities s_1 … s_H (H ≥ 1), each ≥ 0
     * @param observed      number of observed output entries, ≥ 1
     */
    public static Uniqueness of(int n0, int[] cardinalities, int observed) {
        Objects.requireNonNull(cardinalities, "cardinalities");
        if (n0 < 1) {
            throw new IllegalArgumentException("n0 must be >= 1, got " + n0);
        }
        if (cardinalities.length < 1) {
            throw new IllegalArgumentException("cardinalities: expected s_1 … s_H with H >= 1 hidden layers, got none");
        }
        if (observed < 1) {
            throw new IllegalArgumentException("observed must be >= 1, got " + observed);
        }
        int h = cardinalities.length;
        List<Condition> c = new ArrayList<>();
        int sH = cardinalities[h - 1];
        // 2·s < n + 1 is s < (n + 1)/2 without rounding.
        c.add(new Condition("(i)", String.format(Locale.ROOT, "s_%d = %d < (n + 1)/2 = %.1f", h, sH, (observed + 1) / 2.0),
                2L * sH < observed + 1L));
        for (int i = 1; i < h; i++) {
            int si = cardinalities[i - 1], next = cardinalities[i];
            c.add(new Condition("(ii) i=" + i, String.format(Locale.ROOT, "s_%d = %d < (s_%d + 1)/2 = %.1f", i, si, i + 1,
                    (next + 1) / 2.0), 2L * si < next + 1L));
        }
        c.add(new Condition("(iii)", String.format(Locale.ROOT, "s_1 = %d >= n_0 = %d", cardinalities[0], n0),
                cardinalities[0] >= n0));
        return new Uniqueness(n0, cardinalities.clone(), observed, List.copyOf(c));
    }

    /** Cor. 1 for hidden layers given by their supports. */
    static Uniqueness ofSupports(Network network, List<int[]> supports, int observed) {
        int[] s = new int[supports.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = supports.get(i).length;
        }
        return of(network.inputSize(), s, observed);
    }

    /**
     * Cor. 1 for the signal G(z) of a known latent vector: the hidden layers of the forward pass.
     *
     * @param mask null (every output observed) or n_L entries of 0/1
     */
    public static Uniqueness ofLatent(Network network, FloatVec z, FloatVec mask) {
        Generators.checkGenerator(network);
        int observed = ObservationMasks.observedCount(network, mask);
        List<int[]> supports = Generators.supportsOf(network, z);
        return ofSupports(network, supports, observed);
    }

    /** A multi-line report: the cardinalities, each condition with ✓/✗, and the verdict. */
    public String report() {
        StringBuilder sb = new StringBuilder();
        sb.append("uniqueness (Cor. 1 of [002], iid weights): n_0 = ").append(n0).append(", s = [");
        for (int i = 0; i < cardinalities.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(cardinalities[i]);
        }
        sb.append("], n = ").append(observed).append(" observed outputs\n");
        for (Condition c : conditions) {
            sb.append("  ").append(c.holds() ? "holds   " : "VIOLATED").append(' ').append(c.name()).append(": ")
                    .append(c.text()).append('\n');
        }
        if (holds()) {
            sb.append("  => the inverse is unique among signals with these sparsity levels (with probability 1 for iid "
                    + "weights; for trained weights Thm. 1 needs spark conditions that cannot be checked here)");
        } else {
            sb.append("  => uniqueness is NOT guaranteed: ").append(violated().size())
                    .append(" condition(s) violated; another latent vector may explain the signal equally well");
        }
        return sb.toString();
    }
}
