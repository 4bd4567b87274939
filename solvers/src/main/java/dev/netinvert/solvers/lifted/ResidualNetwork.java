package dev.netinvert.solvers.lifted;

import dev.netinvert.kernels.Activation;
import java.util.Objects;

/**
 * A residual network with tied weights, as on the slides [001] (Part II, "Example: residual neural
 * networks"):
 * <pre>
 *   N(u) = u^l,   u^k = u^{k−1} + W_kᵀ σ_k(W_k u^{k−1} + b_k),   k = 1 … l,   u^0 = u ∈ ℝⁿ,
 * </pre>
 * W_k ∈ ℝ^{h_k × n}, σ_k = prox_{Ψ_k}. Each block is the gradient of the convex function
 * u ↦ ½‖u‖² + Σ_i Φ_k*(w_{k,i}ᵀu + b_{k,i}) (Φ = ½|·|² + Ψ), so each block, and the network, is a monotone
 * map. In the lifted variables u = (u^0 … u^l), z = (z_1 … z_l) the forward pass is exactly the constraint
 * M u = Wᵀ z with z = prox_Ψ(W u + b) (the block matrices of the slide; {@link #liftedResidual}). Double
 * precision; immutable (arrays are copied in and out).
 */
public final class ResidualNetwork {
    private final double[][][] w;
    private final double[][] b;
    private final Activation[] sigma;
    private final int n;

    /**
     * @param w     l blocks, W_k as h_k rows of n entries (h_k ≥ 1, all finite)
     * @param b     l blocks, b_k with h_k entries
     * @param sigma one activation per block, or a single one for all
     */
    public ResidualNetwork(double[][][] w, double[][] b, Activation... sigma) {
        Objects.requireNonNull(w, "w");
        Objects.requireNonNull(b, "b");
        Objects.requireNonNull(sigma, "sigma");
        int l = w.length;
        if (l < 1 || b.length != l) {
            throw new IllegalArgumentException("w, b: expected the same number (>= 1) of blocks, got " + l + " and " + b.length);
        }
        if (w[0].length < 1 || w[0][0].length < 1) {
            throw new IllegalArgumentException("w[0]: expected at least one row of at least one input");
        }
        n = w[0][0].length;
        this.w = new double[l][][];
        this.b = new double[l][];
        for (int k = 0; k < l; k++) {
            int h = w[k].length;
            if (h < 1 || b[k].length != h) {
                throw new IllegalArgumentException("block " + (k + 1) + ": expected W with h >= 1 rows and b with h entries, got "
                        + h + " rows and " + b[k].length + " biases");
            }
            this.w[k] = new double[h][];
            for (int i = 0; i < h; i++) {
                if (w[k][i].length != n) {
                    throw new IllegalArgumentException("block " + (k + 1) + ", row " + i + ": expected " + n + " inputs, got "
                            + w[k][i].length);
                }
                this.w[k][i] = finite("w[" + k + "][" + i + "]", w[k][i].clone());
            }
            this.b[k] = finite("b[" + k + "]", b[k].clone());
        }
        if (sigma.length == 1) {
            this.sigma = new Activation[l];
            java.util.Arrays.fill(this.sigma, Objects.requireNonNull(sigma[0], "sigma"));
        } else if (sigma.length == l) {
            this.sigma = sigma.clone();
        } else {
            throw new IllegalArgumentException("sigma: expected 1 or " + l + " activations, got " + sigma.length);
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

    /** l, the number of blocks. */
    public int blocks() {
        return w.length;
    }

    /** n, the state size (input = output). */
    public int size() {
        return n;
    }

    /** h_k, block k's width (1-based k). */
    public int width(int k) {
        return w[k - 1].length;
    }

    /** W_k (a copy), 1-based. */
    public double[][] weight(int k) {
        double[][] c = new double[w[k - 1].length][];
        for (int i = 0; i < c.length; i++) {
            c[i] = w[k - 1][i].clone();
        }
        return c;
    }

    /** b_k (a copy), 1-based. */
    public double[] bias(int k) {
        return b[k - 1].clone();
    }

    public Activation activation(int k) {
        return sigma[k - 1];
    }

    /** W_k x + b_k. */
    double[] affine(int k, double[] x) {
        double[][] wk = w[k - 1];
        double[] out = new double[wk.length];
        for (int i = 0; i < wk.length; i++) {
            double s = b[k - 1][i];
            for (int j = 0; j < n; j++) {
                s += wk[i][j] * x[j];
            }
            out[i] = s;
        }
        return out;
    }

    /** y += a·W_kᵀ z. */
    void addTransposed(int k, double a, double[] z, double[] y) {
        double[][] wk = w[k - 1];
        for (int i = 0; i < wk.length; i++) {
            double s = a * z[i];
            for (int j = 0; j < n; j++) {
                y[j] += s * wk[i][j];
            }
        }
    }

    /** The lifted forward pass: states[k] = u^k (k = 0 … l) and codes[k] = z_k = σ_k(W_k u^{k−1} + b_k) (k = 1 … l, index 0 unused). */
    public record Pass(double[][] states, double[][] codes) {}

    /** The forward pass of u, every state and code kept. */
    public Pass pass(double[] u) {
        if (u.length != n) {
            throw new IllegalArgumentException("u: expected " + n + " values, got " + u.length);
        }
        int l = w.length;
        double[][] states = new double[l + 1][], codes = new double[l + 1][];
        states[0] = u.clone();
        for (int k = 1; k <= l; k++) {
            double[] pre = affine(k, states[k - 1]);
            for (int i = 0; i < pre.length; i++) {
                pre[i] = sigma[k - 1].sigma(pre[i]);
            }
            codes[k] = pre;
            states[k] = states[k - 1].clone();
            addTransposed(k, 1, pre, states[k]);
        }
        return new Pass(states, codes);
    }

    /** N(u) = u^l. */
    public double[] apply(double[] u) {
        return pass(u).states()[w.length];
    }

    /**
     * ‖M u − Wᵀ z‖₂ = √Σ_k ‖u^k − u^{k−1} − W_kᵀ z_k‖²: the lifted constraint's violation (0 for a forward pass).
     */
    public double liftedResidual(double[][] states, double[][] codes) {
        double s = 0;
        for (int k = 1; k <= w.length; k++) {
            double[] r = new double[n];
            for (int j = 0; j < n; j++) {
                r[j] = states[k][j] - states[k - 1][j];
            }
            addTransposed(k, -1, codes[k], r);
            for (double v : r) {
                s += v * v;
            }
        }
        return Math.sqrt(s);
    }

    /** max_k ‖W_k‖₂², from EJML's symmetric eigendecomposition of each W_kᵀW_k. */
    public double maxNormSquared() {
        double max = 0;
        for (double[][] wk : w) {
            org.ejml.data.DMatrixRMaj g = new org.ejml.data.DMatrixRMaj(n, n);
            for (double[] row : wk) {
                for (int r = 0; r < n; r++) {
                    for (int s = 0; s < n; s++) {
                        g.add(r, s, row[r] * row[s]);
                    }
                }
            }
            var eig = org.ejml.dense.row.factory.DecompositionFactory_DDRM.eig(n, false, true);
            if (!eig.decompose(g)) {
                throw new IllegalStateException("EJML's symmetric eigendecomposition failed");
            }
            for (int i = 0; i < n; i++) {
                max = Math.max(max, eig.getEigenvalue(i).getReal());
            }
        }
        return max;
    }
}
