package dev.netinvert.solvers.network;

import java.util.function.Supplier;

/**
 * A layer's ‖A‖₂, computed on first request and cached: concurrent first requests compute it once (double-checked
 * locking on a volatile field). The one copy of that logic for every {@link Layer} kind.
 */
final class NormCache {
    private final Supplier<OperatorNorm> compute;
    private volatile OperatorNorm norm;

    NormCache(Supplier<OperatorNorm> compute) {
        this.compute = compute;
    }

    OperatorNorm get() {
        OperatorNorm n = norm;
        if (n == null) {
            synchronized (this) {
                n = norm;
                if (n == null) {
                    n = compute.get();
                    norm = n;
                }
            }
        }
        return n;
    }
}
