package dev.netinvert.solvers.io;

/**
 * What the loaders of models and observations accept beyond well-formed, finite data in the right domain,
 * and how they lay dense weights out. The default, {@link #STRICT}, rejects both relaxations: a NaN in a
 * weight or an observation outside the last activation's range is almost always a bug upstream, and the
 * solvers would turn it into NaN iterates or an infinite Bregman loss far from its cause.
 *
 * @param allowNonFinite     accept NaN and ±∞ in weights, biases and observations
 * @param allowOutsideDomain accept observations outside the range of the network's last activation
 *                           (e.g. negative values for ReLU); the caller then clips them, e.g. with
 *                           {@link dev.netinvert.solvers.network.Activations#clipToDomain}
 * @param alignedCopyLimit   the largest dense weight, in bytes, that is copied into the kernels' layout (rows
 *                           starting on 64-byte lines, at a stride that is not a multiple of 2 KiB) when its
 *                           rows in the file are not in it ({@link ModelFiles#weightForKernels}); larger ones are
 *                           used in place, memory-mapped. 0 keeps every weight in place. The copy gives the same
 *                           results, faster ({@link dev.netinvert.kernels.FloatMatrix#rowsAligned},
 *                           {@link dev.netinvert.kernels.FloatMatrix#rowsStaggered})
 */
public record LoadOptions(boolean allowNonFinite, boolean allowOutsideDomain, long alignedCopyLimit) {

    /**
     * The default {@link #alignedCopyLimit}: 64 MiB (16 M parameters). Copying that much takes milliseconds;
     * models larger than it keep the zero-copy mapping, so loading a 10⁸-parameter layer stays free.
     */
    public static final long DEFAULT_ALIGNED_COPY_LIMIT = 64L << 20;

    /** Rejects non-finite values and observations outside the last activation's domain. */
    public static final LoadOptions STRICT = new LoadOptions(false, false);

    public LoadOptions {
        if (alignedCopyLimit < 0) {
            throw new IllegalArgumentException("alignedCopyLimit: expected >= 0 bytes, got " + alignedCopyLimit);
        }
    }

    /** The two relaxations, with the {@link #DEFAULT_ALIGNED_COPY_LIMIT default} copy limit. */
    public LoadOptions(boolean allowNonFinite, boolean allowOutsideDomain) {
        this(allowNonFinite, allowOutsideDomain, DEFAULT_ALIGNED_COPY_LIMIT);
    }

    public LoadOptions withAllowNonFinite(boolean allow) {
        return new LoadOptions(allow, allowOutsideDomain, alignedCopyLimit);
    }

    public LoadOptions withAllowOutsideDomain(boolean allow) {
        return new LoadOptions(allowNonFinite, allow, alignedCopyLimit);
    }

    public LoadOptions withAlignedCopyLimit(long bytes) {
        return new LoadOptions(allowNonFinite, allowOutsideDomain, bytes);
    }
}
