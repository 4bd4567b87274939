package dev.netinvert.solvers;

/**
 * Why a solve, or one stage of it, stopped. Every solve reports one; none stops silently, and none reports
 * a test that was not made: TOLERANCE and DISCREPANCY only when that stopping rule was evaluated and met.
 *
 * <p>Severity, for results that combine several stages ({@link #worst}): DIVERGED, MAX_ITERATIONS,
 * EMPTY_SUPPORT, STALLED, then the successful ends TOLERANCE, GAP, DISCREPANCY and DIRECT (most to least
 * severe). The {@link #label()}s are what reports, the CLI's summaries and its {@code result.json} print.
 */
public enum StopReason {
    /** The stopping tolerance was met (e.g. ‖x⁺ − x‖ and ‖z⁺ − z‖ both below tol for PDHG). */
    TOLERANCE,
    /** Morozov's discrepancy principle ‖σ(Wx + b) − y^δ‖ ≤ η·δ was met (Landweber). */
    DISCREPANCY,
    /**
     * A certified primal-dual gap fell below the requested bound (PDHG-TV with a gap stop): the returned x is
     * within that gap of the best objective over the certificate's box, not merely an iterate that stopped
     * moving.
     */
    GAP,
    /**
     * Not an iterative solve: a direct method (a least-squares factorization, e.g. the first layer of
     * Alg. 2 [002] or every layer of the Oracle) gave the answer, so there was no tolerance to meet. How well
     * it fits is the stage's residual.
     */
    DIRECT,
    /**
     * Nothing was solved: the sub-problem is restricted to the support found one layer above, and that
     * support is empty, so the estimate is 0 by construction after 0 iterations. Everything downstream
     * (the latent vector included) carries no information about the data; a smaller λ or threshold, or a
     * different method, is needed.
     */
    EMPTY_SUPPORT,
    /**
     * No step could lower the objective: a line search along a freshly computed descent direction failed
     * before any stopping test was met (e.g. Gauss–Newton whose loss is at its rounding floor, or a
     * Jacobian that does not describe the loss). The iterate is the best found but not a verified solution.
     */
    STALLED,
    /** The iteration budget ran out before any stopping rule was met. */
    MAX_ITERATIONS,
    /**
     * The iterates became non-finite (NaN/∞) or the objective grew beyond a blow-up bound; the
     * returned solution is the last finite iterate, which must not be trusted.
     */
    DIVERGED;

    /** Lower-case name with dashes, as printed in reports ("max-iterations", "empty-support"). */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** Whether the solve ended by meeting its stopping rule or by a direct solve (TOLERANCE, GAP, DISCREPANCY, DIRECT). */
    public boolean succeeded() {
        return this == TOLERANCE || this == GAP || this == DISCREPANCY || this == DIRECT;
    }

    /**
     * The more severe of two reasons, in the order DIVERGED, MAX_ITERATIONS, EMPTY_SUPPORT, STALLED,
     * TOLERANCE, GAP, DISCREPANCY, DIRECT (so a result whose stages were all direct solves says DIRECT, and one
     * with an iterative stage that met its tolerance says TOLERANCE).
     */
    public static StopReason worst(StopReason a, StopReason b) {
        return a.severity() >= b.severity() ? a : b;
    }

    private int severity() {
        return switch (this) {
            case DIRECT -> 0;
            case DISCREPANCY -> 1;
            case GAP -> 2;
            case TOLERANCE -> 3;
            case STALLED -> 4;
            case EMPTY_SUPPORT -> 5;
            case MAX_ITERATIONS -> 6;
            case DIVERGED -> 7;
        };
    }
}
