package dev.netinvert.solvers.lp;

/**
 * A layer cannot be inverted by the requested method with the data given: too few active outputs for a
 * unique solution (Thm. 2 [003] needs at least n_{l−1}), a rank-deficient active submatrix, no feasible ε
 * within the step budget, or an LP the backend could not solve. The message names the layer and the
 * figures that decided it. Nothing is returned in this case: a partial latent would look like an answer.
 */
public final class LayerNotInvertibleException extends RuntimeException {
    private final int layer;

    public LayerNotInvertibleException(int layer, String message) {
        super("layer " + layer + ": " + message);
        this.layer = layer;
    }

    /** The layer (1-based) that could not be inverted. */
    public int layer() {
        return layer;
    }
}
