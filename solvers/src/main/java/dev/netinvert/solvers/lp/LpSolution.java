package dev.netinvert.solvers.lp;

/**
 * What a backend returns for one {@link LinearProgram}.
 *
 * @param status    the solver's verdict
 * @param values    the optimal point (vars elements) when {@code status} is OPTIMAL, otherwise whatever the
 *                  solver last held (not to be trusted)
 * @param objective cᵀv at {@code values} (NaN when not OPTIMAL)
 * @param seconds   wall time of the solve, model building included
 */
public record LpSolution(Status status, double[] values, double objective, double seconds) {

    /** The outcome of one LP solve. */
    public enum Status {
        /** An optimal vertex was found. */
        OPTIMAL,
        /** The constraints admit no point. */
        INFEASIBLE,
        /** The objective is unbounded below on the feasible set. */
        UNBOUNDED,
        /** The solver stopped without a verdict (iteration limit, numerical trouble). */
        FAILED;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public boolean optimal() {
        return status == Status.OPTIMAL;
    }
}
