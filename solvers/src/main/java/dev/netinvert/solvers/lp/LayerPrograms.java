package dev.netinvert.solvers.lp;

import dev.netinvert.solvers.network.DenseLayer;

/**
 * The per-layer linear programs of [003] as {@link LinearProgram}s, for a caller that wants to solve them
 * with its own {@link LpBackend}, inspect them, or time them (the LP benchmark). Variables: z (n_{l−1}; ≥ 0
 * when {@code nonNegativeInput}) first, then the slacks. See {@code LayerLps} for the constraint sets.
 */
public final class LayerPrograms {
    private LayerPrograms() {}

    /**
     * Alg. 1's LP (6) [003] at threshold ε: min δ, with δ ≤ ε when {@code bounded} (the literal loop's LP,
     * infeasible when ε is below the best fit) or δ free above 0 (always feasible; its δ* decides feasibility).
     */
    public static LinearProgram linf(DenseLayer layer, boolean nonNegativeInput, double[] x, double eps, boolean bounded) {
        LayerMap map = map(layer, nonNegativeInput, x, eps);
        return LayerLps.linf(map, x, LayerLps.classes(map, x, eps), bounded ? eps : Double.POSITIVE_INFINITY);
    }

    /** Alg. 2's LP [003] at threshold ε: min Σ e_j. */
    public static LinearProgram l1(DenseLayer layer, boolean nonNegativeInput, double[] x, double eps) {
        LayerMap map = map(layer, nonNegativeInput, x, eps);
        return LayerLps.l1(map, x, LayerLps.classes(map, x, eps));
    }

    /** The relaxed LP (8) [003] at ε (ReLU layers). */
    public static LinearProgram relaxed(DenseLayer layer, boolean nonNegativeInput, double[] x, double eps) {
        LayerMap map = map(layer, nonNegativeInput, x, eps);
        if (map.leaky()) {
            throw new IllegalArgumentException("layer: the relaxed LP (8) [003] is stated for ReLU, got leaky_relu");
        }
        return LayerLps.relaxed(map, x, eps);
    }

    private static LayerMap map(DenseLayer layer, boolean nonNegativeInput, double[] x, double eps) {
        LayerMap map = LayerMap.of(1, layer, nonNegativeInput);
        if (x == null || x.length != map.outputs) {
            throw new IllegalArgumentException("x: expected length " + map.outputs + " (the layer's outputs), got "
                    + (x == null ? "null" : x.length));
        }
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("eps: expected a finite value >= 0, got " + eps);
        }
        return map;
    }
}
