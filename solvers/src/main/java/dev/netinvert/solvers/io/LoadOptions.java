package dev.netinvert.solvers.io;

/**
 * What the loaders of models and observations accept beyond well-formed, finite data in the right domain.
 * The default, {@link #STRICT}, rejects both relaxations: a NaN in a weight or an observation outside
 * the last activation's range is almost always a bug upstream, and the solvers would turn it into NaN
 * iterates or an infinite Bregman loss far from its cause.
 *
 * @param allowNonFinite     accept NaN and ±∞ in weights, biases and observations
 * @param allowOutsideDomain accept observations outside the range of the network's last activation
 *                           (e.g. negative values for ReLU); the caller then clips them, e.g. with
 *                           {@link dev.netinvert.solvers.network.Activations#clipToDomain}
 */
public record LoadOptions(boolean allowNonFinite, boolean allowOutsideDomain) {

    /** Rejects non-finite values and observations outside the last activation's domain. */
    public static final LoadOptions STRICT = new LoadOptions(false, false);

    public LoadOptions withAllowNonFinite(boolean allow) {
        return new LoadOptions(allow, allowOutsideDomain);
    }

    public LoadOptions withAllowOutsideDomain(boolean allow) {
        return new LoadOptions(allowNonFinite, allow);
    }
}
