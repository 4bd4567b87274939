package dev.netinvert.solvers.lp;

import java.util.Arrays;

/**
 * The linear programs of [003] for one layer x = σ(W z + b), σ = ReLU or leaky ReLU with slope c. Variables
 * are z (n_{l−1} of them, ≥ 0 when z is itself a ReLU output, free for the latent) followed by the slack:
 * one δ for the ℓ∞ LP, one e_j per output for the ℓ1 LP, none for the relaxed LP. Writing u_j = w_jᵀz + b_j:
 * <pre>
 *   class of row j          ReLU                               leaky ReLU (after Cor. 1 [003])
 *   ON   x_j &gt; ε          x_j − s ≤ u_j ≤ x_j + s             x_j − s ≤ u_j ≤ x_j + s
 *   MID  −ε &lt; x_j ≤ ε    u_j ≤ x_j + s   (ReLU: all x_j ≤ ε)  (x_j − s)/c ≤ u_j ≤ x_j + s
 *   NEG  x_j ≤ −ε         u_j ≤ x_j + s                      x_j − s ≤ c·u_j ≤ x_j + s
 * </pre>
 * with s = δ (Alg. 1, constraints (6) [003]) or s = e_j (Alg. 2 [003]). Each two-sided row with the slack on
 * both sides is two LP rows (u − s ≤ x and u + s ≥ x), since s enters them with opposite signs.
 */
final class LayerLps {
    private LayerLps() {}

    static final byte ON = 0, MID = 1, NEG = 2;

    /** The class of every row of x for threshold ε (ReLU: ON or MID only). */
    static byte[] classes(LayerMap map, double[] x, double eps) {
        byte[] c = new byte[x.length];
        for (int j = 0; j < x.length; j++) {
            c[j] = x[j] > eps ? ON : (!map.leaky() || x[j] > -eps) ? MID : NEG;
        }
        return c;
    }

    /**
     * min δ over (z, δ) subject to the rows of {@code cls} with s = δ, 0 ≤ δ ≤ {@code deltaMax}
     * (+∞ gives the LP that is always feasible and whose optimum δ* decides Alg. 1's feasibility at every ε
     * with the same classes).
     */
    static LinearProgram linf(LayerMap map, double[] x, byte[] cls, double deltaMax) {
        int k = map.inputs;
        Rows rows = new Rows(k + 1, k, 2 * map.outputs);
        for (int j = 0; j < map.outputs; j++) {
            addRow(rows, map, x[j], cls[j], j, k);
        }
        double[] lo = variableLower(map, k + 1), hi = filled(k + 1, Double.POSITIVE_INFINITY);
        lo[k] = 0;
        hi[k] = deltaMax;
        double[] cost = new double[k + 1];
        cost[k] = 1;
        return rows.build(lo, hi, cost);
    }

    /** min Σ e_j over (z, e) subject to the rows of {@code cls} with s = e_j ≥ 0 (Alg. 2 [003]). */
    static LinearProgram l1(LayerMap map, double[] x, byte[] cls) {
        int k = map.inputs, n = map.outputs;
        Rows rows = new Rows(k + n, k, 2 * n);
        for (int j = 0; j < n; j++) {
            addRow(rows, map, x[j], cls[j], j, k + j);
        }
        double[] lo = variableLower(map, k + n), hi = filled(k + n, Double.POSITIVE_INFINITY);
        double[] cost = new double[k + n];
        for (int j = 0; j < n; j++) {
            lo[k + j] = 0;
            cost[k + j] = 1;
        }
        return rows.build(lo, hi, cost);
    }

    /**
     * The relaxation (8) [003] for ReLU: max Σ_j max(0, x_j)·w_jᵀz subject to u_j ≤ max(0, x_j + ε). The
     * bound is valid whether unit j is on or off (relu(u_j) = x_j − e_j with |e_j| ≤ ε gives u_j ≤ x_j + ε
     * when on and u_j ≤ 0 when off), so no sign pattern is guessed; z = 0 is feasible, and the objective is
     * bounded because every row bounds u_j from above and every objective weight is ≥ 0.
     */
    static LinearProgram relaxed(LayerMap map, double[] x, double eps) {
        int k = map.inputs, n = map.outputs;
        Rows rows = new Rows(k, k, n);
        double[] cost = new double[k];
        for (int j = 0; j < n; j++) {
            int off = j * k;
            double weight = Math.max(0, x[j]);
            for (int i = 0; i < k; i++) {
                cost[i] -= weight * map.w[off + i];
            }
            rows.add(map.w, off, 1.0, -1, 0, Double.NEGATIVE_INFINITY, Math.max(0, x[j] + eps) - map.b[j]);
        }
        return rows.build(variableLower(map, k), filled(k, Double.POSITIVE_INFINITY), cost);
    }

    private static void addRow(Rows rows, LayerMap map, double xj, byte cls, int j, int slack) {
        int off = j * map.inputs;
        double bj = map.b[j];
        double inf = Double.POSITIVE_INFINITY;
        switch (cls) {
            case ON -> {
                rows.add(map.w, off, 1.0, slack, -1, -inf, xj - bj);      // u − s ≤ x
                rows.add(map.w, off, 1.0, slack, 1, xj - bj, inf);        // u + s ≥ x
            }
            case MID -> {
                rows.add(map.w, off, 1.0, slack, -1, -inf, xj - bj);      // u − s ≤ x
                if (map.leaky()) {
                    double c = map.slope;                                  // u + s/c ≥ x/c
                    rows.add(map.w, off, 1.0, slack, 1 / c, xj / c - bj, inf);
                }
            }
            case NEG -> {
                double c = map.slope;
                rows.add(map.w, off, c, slack, -1, -inf, xj - c * bj);    // c·u − s ≤ x
                rows.add(map.w, off, c, slack, 1, xj - c * bj, inf);      // c·u + s ≥ x
            }
            default -> throw new AssertionError("row class " + cls);
        }
    }

    private static double[] variableLower(LayerMap map, int vars) {
        double[] lo = filled(vars, Double.NEGATIVE_INFINITY);
        if (map.nonNegativeInput) {
            Arrays.fill(lo, 0, map.inputs, 0);
        }
        return lo;
    }

    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        Arrays.fill(a, v);
        return a;
    }

    /** Constraint rows collected densely (z in the first {@code zCols} columns, slacks after), then trimmed. */
    private static final class Rows {
        private final int vars, zCols;
        private final double[] a, lo, hi;
        private int count;

        Rows(int vars, int zCols, int capacity) {
            this.vars = vars;
            this.zCols = zCols;
            a = new double[capacity * vars];
            lo = new double[capacity];
            hi = new double[capacity];
        }

        /** The row scale·w[off, off + zCols) on z, plus {@code slackCoef} on column {@code slack} (−1: none). */
        void add(double[] w, int off, double scale, int slack, double slackCoef, double lower, double upper) {
            int base = count * vars;
            for (int i = 0; i < zCols; i++) {
                a[base + i] = scale * w[off + i];
            }
            if (slack >= 0) {
                a[base + slack] = slackCoef;
            }
            lo[count] = lower;
            hi[count] = upper;
            count++;
        }

        LinearProgram build(double[] varLo, double[] varHi, double[] cost) {
            return new LinearProgram(vars, count, Arrays.copyOf(a, count * vars), Arrays.copyOf(lo, count),
                    Arrays.copyOf(hi, count), varLo, varHi, cost);
        }
    }
}
