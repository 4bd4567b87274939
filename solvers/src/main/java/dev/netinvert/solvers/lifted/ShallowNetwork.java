package dev.netinvert.solvers.lifted;

import dev.netinvert.kernels.Activation;
import java.util.Arrays;
import java.util.Objects;

/**
 * A shallow two-layer network, the linear combination of perceptrons of the slides [001] (Part II,
 * "Example: shallow two-layer neural networks"), generalised to vector input and output:
 * <pre>
 *   N(u) = Σ_{j=1..m} c_j σ_j(w_jᵀu + b_j),     u ∈ ℝⁿ, w_j ∈ ℝⁿ, b_j ∈ ℝ, c_j ∈ ℝᵖ,
 * </pre>
 * σ_j = prox_{Ψ_j}. The slides' case is n = p = 1. Stored in double precision: these networks are small
 * (the slides' example has m = 25 units) and the inversion's fixed-point conditions are checked in double.
 * Immutable; the arrays are copied in and out.
 */
public final class ShallowNetwork {
    private final double[][] w;
    private final double[] b;
    private final double[][] c;
    private final Activation[] sigma;

    /**
     * @param w     the inner weights, m rows w_jᵀ of n entries (m, n ≥ 1), finite
     * @param b     the biases, m entries, finite
     * @param c     the outer weights as a p × m matrix (column j is c_j), p ≥ 1, finite
     * @param sigma σ_j for each unit (m entries), or a single activation for all
     * @throws IllegalArgumentException on ragged or mismatched shapes, or non-finite entries
     */
    public ShallowNetwork(double[][] w, double[] b, double[][] c, Activation... sigma) {
        Objects.requireNonNull(w, "w");
        Objects.requireNonNull(b, "b");
        Objects.requireNonNull(c, "c");
        Objects.requireNonNull(sigma, "sigma");
        int m = w.length;
        if (m < 1 || w[0] == null || w[0].length < 1) {
            throw new IllegalArgumentException("w: expected at least 1 unit with at least 1 input, got " + m + " rows");
        }
        int n = w[0].length;
        this.w = new double[m][];
        for (int j = 0; j < m; j++) {
            if (w[j] == null || w[j].length != n) {
                throw new IllegalArgumentException("w: expected " + m + " rows of " + n + " inputs, row " + j + " has "
                        + (w[j] == null ? "none" : w[j].length));
            }
            this.w[j] = finite("w[" + j + "]", w[j].clone());
        }
        if (b.length != m) {
            throw new IllegalArgumentException("b: expected " + m + " biases (one per unit), got " + b.length);
        }
        this.b = finite("b", b.clone());
        if (c.length < 1) {
            throw new IllegalArgumentException("c: expected at least 1 output row, got none");
        }
        this.c = new double[c.length][];
        for (int i = 0; i < c.length; i++) {
            if (c[i] == null || c[i].length != m) {
                throw new IllegalArgumentException("c: expected " + c.length + " rows of " + m + " (one per unit), row " + i
                        + " has " + (c[i] == null ? "none" : c[i].length));
            }
            this.c[i] = finite("c[" + i + "]", c[i].clone());
        }
        if (sigma.length == 1) {
            this.sigma = new Activation[m];
            Arrays.fill(this.sigma, Objects.requireNonNull(sigma[0], "sigma"));
        } else if (sigma.length == m) {
            this.sigma = sigma.clone();
            for (Activation a : this.sigma) {
                Objects.requireNonNull(a, "sigma");
            }
        } else {
            throw new IllegalArgumentException("sigma: expected 1 or " + m + " activations, got " + sigma.length);
        }
    }

    private static double[] finite(String name, double[] v) {
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                throw new IllegalArgumentException(name + ": expected finite values, got " + v[i] + " at index " + i);
            }
        }
        return v;
    }

    /**
     * The slides' example, one input and one output: m units with w_j = 1, b_j = −(j − 1)h and activation σ;
     * the outer weights c are given (e.g. fitted by {@link #fitOuterWeights}).
     */
    public static ShallowNetwork ramps(double[] c, double h, Activation sigma) {
        int m = c.length;
        double[][] w = new double[m][1];
        double[] b = new double[m];
        for (int j = 0; j < m; j++) {
            w[j][0] = 1;
            b[j] = -j * h;
        }
        return new ShallowNetwork(w, b, new double[][] {c.clone()}, sigma);
    }

    /**
     * The outer weights c that make N(u) = Σ c_j σ(w_j u + b_j) the least-squares fit of samples (u_i, k_i)
     * for fixed inner weights and biases (a linear problem in c, solved with
     * {@link dev.netinvert.solvers.linalg.LeastSquares}); n = p = 1.
     */
    public static double[] fitOuterWeights(double[] w, double[] b, Activation sigma, double[] us, double[] ks) {
        int m = w.length, s = us.length;
        if (b.length != m || ks.length != s) {
            throw new IllegalArgumentException("fitOuterWeights: expected b of " + m + " and ks of " + s + " values, got "
                    + b.length + " and " + ks.length);
        }
        double[] a = new double[s * m];
        for (int i = 0; i < s; i++) {
            for (int j = 0; j < m; j++) {
                a[i * m + j] = sigma.sigma(w[j] * us[i] + b[j]);
            }
        }
        return dev.netinvert.solvers.linalg.LeastSquares.solve(a, s, m, ks);
    }

    /** m, the number of units. */
    public int units() {
        return w.length;
    }

    /** n, the input size. */
    public int inputSize() {
        return w[0].length;
    }

    /** p, the output size. */
    public int outputSize() {
        return c.length;
    }

    /** w_j (a copy). */
    public double[] inner(int j) {
        return w[j].clone();
    }

    public double bias(int j) {
        return b[j];
    }

    /** c_j, column j of C (a copy). */
    public double[] outer(int j) {
        double[] col = new double[c.length];
        for (int i = 0; i < c.length; i++) {
            col[i] = c[i][j];
        }
        return col;
    }

    public Activation activation(int j) {
        return sigma[j];
    }

    /** w_jᵀu + b_j. */
    public double preActivation(int j, double[] u) {
        double s = b[j];
        for (int k = 0; k < u.length; k++) {
            s += w[j][k] * u[k];
        }
        return s;
    }

    /** N(u). */
    public double[] apply(double[] u) {
        checkInput(u);
        double[] hidden = new double[units()];
        for (int j = 0; j < hidden.length; j++) {
            hidden[j] = sigma[j].sigma(preActivation(j, u));
        }
        return combine(hidden);
    }

    /** Σ_j c_j h_j for hidden values h. */
    public double[] combine(double[] hidden) {
        double[] out = new double[c.length];
        for (int i = 0; i < c.length; i++) {
            double s = 0;
            for (int j = 0; j < hidden.length; j++) {
                s += c[i][j] * hidden[j];
            }
            out[i] = s;
        }
        return out;
    }

    /**
     * ‖W‖₂², W the m × n matrix of the rows w_jᵀ: the largest eigenvalue of the n × n matrix WᵀW, from EJML's
     * symmetric eigendecomposition (exact to rounding, not a power-iteration estimate, because it sets the
     * step 1/‖W‖₂² of the explicit u₀-update and an underestimate would make that step too long).
     */
    public double innerNormSquared() {
        int n = inputSize();
        org.ejml.data.DMatrixRMaj g = new org.ejml.data.DMatrixRMaj(n, n);
        for (double[] row : w) {
            for (int r = 0; r < n; r++) {
                for (int s = 0; s < n; s++) {
                    g.add(r, s, row[r] * row[s]);
                }
            }
        }
        var eig = org.ejml.dense.row.factory.DecompositionFactory_DDRM.eig(n, false, true);
        if (!eig.decompose(g)) {
            throw new IllegalStateException("EJML's symmetric eigendecomposition of W^T W (" + n + "x" + n + ") failed");
        }
        double max = 0;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, eig.getEigenvalue(i).getReal());
        }
        return max;
    }

    void checkInput(double[] u) {
        if (u.length != inputSize()) {
            throw new IllegalArgumentException("u: expected " + inputSize() + " inputs, got " + u.length);
        }
    }
}
