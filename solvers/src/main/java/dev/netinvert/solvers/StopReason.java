package dev.netinvert.solvers;

/** Why an iterative solve stopped. Every solve reports one; none stops silently. */
public enum StopReason {
    /** The stopping tolerance was met (e.g. ‖x⁺ − x‖ and ‖z⁺ − z‖ both below tol for PDHG). */
    TOLERANCE,
    /** Morozov's discrepancy principle ‖σ(Wx + b) − y^δ‖ ≤ η·δ was met (Landweber). */
    DISCREPANCY,
    /** The iteration budget ran out before any stopping rule was met. */
    MAX_ITERATIONS,
    /**
     * The iterates became non-finite (NaN/∞) or the objective grew beyond a blow-up bound; the
     * returned solution is the last finite iterate, which must not be trusted.
     */
    DIVERGED;

    /** Lower-case name with dashes, as printed in reports ("max-iterations"). */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
