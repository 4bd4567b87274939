package dev.netinvert.solvers.lp;

import java.util.Objects;

/**
 * A dense linear program in the one form every backend accepts:
 * <pre>
 *   minimise  cᵀv   subject to  rowLower ≤ A v ≤ rowUpper,   varLower ≤ v ≤ varUpper
 * </pre>
 * A is {@code rows × vars}, row-major; an absent bound is ±∞. The layer LPs of [003] are small and dense
 * (at most n_l constraints on n_{l−1} + n_l variables), so a dense row-major array is the honest layout:
 * building one costs a copy of W_l in double, nothing next to the solve.
 *
 * @param vars     number of variables (≥ 1)
 * @param rows     number of constraints (≥ 0)
 * @param a        the constraint matrix, rows × vars, row-major
 * @param rowLower lower bound of each constraint (−∞ for none)
 * @param rowUpper upper bound of each constraint (+∞ for none)
 * @param varLower lower bound of each variable (−∞ for a free variable)
 * @param varUpper upper bound of each variable (+∞ for none)
 * @param cost     the objective's coefficients, minimised
 */
public record LinearProgram(int vars, int rows, double[] a, double[] rowLower, double[] rowUpper,
                            double[] varLower, double[] varUpper, double[] cost) {

    public LinearProgram {
        if (vars < 1) {
            throw new IllegalArgumentException("vars: expected >= 1, got " + vars);
        }
        if (rows < 0) {
            throw new IllegalArgumentException("rows: expected >= 0, got " + rows);
        }
        length("a", a, (long) rows * vars);
        length("rowLower", rowLower, rows);
        length("rowUpper", rowUpper, rows);
        length("varLower", varLower, vars);
        length("varUpper", varUpper, vars);
        length("cost", cost, vars);
        for (int i = 0; i < rows; i++) {
            if (!(rowLower[i] <= rowUpper[i]) || Double.isNaN(rowLower[i]) || Double.isNaN(rowUpper[i])) {
                throw new IllegalArgumentException("row " + i + ": expected lower <= upper, got ["
                        + rowLower[i] + ", " + rowUpper[i] + "]");
            }
        }
        for (int j = 0; j < vars; j++) {
            if (!(varLower[j] <= varUpper[j])) {
                throw new IllegalArgumentException("variable " + j + ": expected lower <= upper, got ["
                        + varLower[j] + ", " + varUpper[j] + "]");
            }
            if (!Double.isFinite(cost[j])) {
                throw new IllegalArgumentException("cost[" + j + "]: expected a finite value, got " + cost[j]);
            }
        }
        for (int k = 0; k < a.length; k++) {
            if (!Double.isFinite(a[k])) {
                throw new IllegalArgumentException("a[" + k / vars + "][" + k % vars + "]: expected a finite value, got " + a[k]);
            }
        }
    }

    /** A v for a candidate point, rows elements. */
    public double[] activity(double[] v) {
        length("v", v, vars);
        double[] out = new double[rows];
        for (int i = 0; i < rows; i++) {
            double s = 0;
            for (int j = 0, off = i * vars; j < vars; j++) {
                s += a[off + j] * v[j];
            }
            out[i] = s;
        }
        return out;
    }

    /**
     * The largest violation of any bound by v (0 when v is feasible): max over rows and variables of
     * (lower − value)⁺ and (value − upper)⁺.
     */
    public double maxViolation(double[] v) {
        double[] act = activity(v);
        double worst = 0;
        for (int i = 0; i < rows; i++) {
            worst = Math.max(worst, Math.max(rowLower[i] - act[i], act[i] - rowUpper[i]));
        }
        for (int j = 0; j < vars; j++) {
            worst = Math.max(worst, Math.max(varLower[j] - v[j], v[j] - varUpper[j]));
        }
        return worst;
    }

    private static void length(String name, double[] array, long expected) {
        Objects.requireNonNull(array, name);
        if (array.length != expected) {
            throw new IllegalArgumentException(name + ": expected length " + expected + ", got " + array.length);
        }
    }
}
