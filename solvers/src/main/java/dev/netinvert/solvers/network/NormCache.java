package dev.netinvert.solvers.network;

import java.util.function.Supplier;

/**
 * A layer's ‖A‖₂, computed on first request and cached: concurrent first requests compute it once (double-checked
 * locking on a volatile field). The one copy of that logic for every {@link Layer} kind.
 */
final class NormCache {
    private final Supplier<PowerIteration.OperatorNorm> compute;
    private volatile PowerIteration.OperatorNorm norm;

    NormCache(Supplier<PowerIteration.OperatorNorm> compute) {
        this.compute = compute;
    }

    PowerIteration.OperatorNorm get() {
        PowerIteration.OperatorNorm n = norm;
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
