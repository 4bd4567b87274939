package dev.netinvert.solvers.lp;

/**
 * A linear-programming solver. The layer-wise inversion of [003] only builds {@link LinearProgram}s and
 * reads {@link LpSolution}s, so another solver (HiGHS through a native binding, a GPU simplex) is one
 * class implementing this interface. Implementations must be safe to call from several threads at once
 * (the experiments run inversions in parallel), e.g. by building a fresh model per call.
 */
public interface LpBackend {

    /** Solves {@code lp}; never throws for an infeasible or unbounded LP (that is a {@link LpSolution.Status}). */
    LpSolution solve(LinearProgram lp);

    /** A short name for reports ("ojalgo"). */
    String name();

    /** The default backend: ojAlgo's {@code ExpressionsBasedModel} (pure Java, MIT). */
    static LpBackend ojAlgo() {
        return OjAlgoBackend.INSTANCE;
    }
}
