package dev.netinvert.kernels.reference;

import dev.netinvert.kernels.Activation;

/**
 * The executable specification of every kernel in {@code Blas} and {@code Fused}: straightforward loops
 * over {@code float[]}, one accumulator, sequential order, no tricks. The fast implementations are
 * tested against these, and the benchmarks measure them as the baseline.
 *
 * <p>Matrices are row-major {@code float[]} with leading dimension {@code ld}: element (i, j) is
 * {@code w[i·ld + j]}. Vectors are whole arrays.
 */
public final class ReferenceKernels {
    private ReferenceKernels() {}

    public static float dot(float[] x, float[] y) {
        float s = 0f;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }

    /** y ← a·x + y. */
    public static void axpy(float a, float[] x, float[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += a * x[i];
        }
    }

    /** x ← a·x. */
    public static void scale(float a, float[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] *= a;
        }
    }

    public static void copy(float[] src, float[] dst) {
        for (int i = 0; i < src.length; i++) {
            dst[i] = src[i];
        }
    }

    public static void fill(float[] x, float v) {
        for (int i = 0; i < x.length; i++) {
            x[i] = v;
        }
    }

    public static float sumOfSquares(float[] x) {
        float s = 0f;
        for (float v : x) {
            s += v * v;
        }
        return s;
    }

    public static float norm2(float[] x) {
        return (float) Math.sqrt(sumOfSquares(x));
    }

    /** max |x[i]|; 0 for an empty array; NaN if any element is NaN. */
    public static float maxAbs(float[] x) {
        float m = 0f;
        for (float v : x) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /** y[i] ← α·(W x)[i] + β·y[i] (+ b[i]) for rows r0 ≤ i &lt; r1; b may be null; β = 0 does not read y. */
    public static void gemv(float alpha, float[] w, int ld, int r0, int r1, int cols, float[] x, float beta,
                            float[] y, float[] b) {
        for (int i = r0; i < r1; i++) {
            float s = 0f;
            for (int j = 0; j < cols; j++) {
                s += w[i * ld + j] * x[j];
            }
            float v = alpha * s;
            if (beta != 0f) {
                v += beta * y[i];
            }
            if (b != null) {
                v += b[i];
            }
            y[i] = v;
        }
    }

    /** y ← α·W[r0:r1]ᵀ r[r0:r1] + β·y (y has cols elements); β = 0 does not read y. */
    public static void gemvT(float alpha, float[] w, int ld, int r0, int r1, int cols, float[] r, float beta,
                             float[] y) {
        for (int j = 0; j < cols; j++) {
            y[j] = beta == 0f ? 0f : beta * y[j];
        }
        for (int i = r0; i < r1; i++) {
            float c = alpha * r[i];
            for (int j = 0; j < cols; j++) {
                y[j] += c * w[i * ld + j];
            }
        }
    }

    /**
     * x ← L⁻¹x by forward substitution, x_i = (x_i − Σ_{j&lt;i} L_ij·x_j) / L_ii, each sum taken in order in
     * float; L is n × n (n = x.length) with element (i, j) at {@code l[i·ld + j]}, only j ≤ i read.
     */
    public static void trsvLower(float[] l, int ld, float[] x) {
        int n = x.length;
        for (int i = 0; i < n; i++) {
            float s = x[i];
            for (int j = 0; j < i; j++) {
                s -= l[i * ld + j] * x[j];
            }
            x[i] = s / l[i * ld + i];
        }
    }

    /** x ← L⁻ᵀx by back substitution, x_i = (x_i − Σ_{j&gt;i} L_ji·x_j) / L_ii for i = n − 1 … 0, sums in order. */
    public static void trsvLowerTransposed(float[] l, int ld, float[] x) {
        int n = x.length;
        for (int i = n - 1; i >= 0; i--) {
            float s = x[i];
            for (int j = i + 1; j < n; j++) {
                s -= l[j * ld + i] * x[j];
            }
            x[i] = s / l[i * ld + i];
        }
    }

    /**
     * Rows [r0, r1) of: z = Wx + b, g = Wᵀ(σ(z) − t) (g overwritten), returns Σ(σ(z_i) − t_i)² — written
     * as the two separate passes the fused kernels avoid.
     */
    public static double bregmanGradient(Activation sigma, float[] w, int ld, int r0, int r1, int cols, float[] x,
                                         float[] b, float[] t, float[] z, float[] g) {
        gemv(1f, w, ld, r0, r1, cols, x, 0f, z, b);
        fill(g, 0f);
        double sumSq = 0.0;
        for (int i = r0; i < r1; i++) {
            float e = sigma.apply(z[i]) - t[i];
            sumSq += (double) e * e;
            for (int j = 0; j < cols; j++) {
                g[j] += e * w[i * ld + j];
            }
        }
        return sumSq;
    }

    /**
     * The batched Bregman gradient (see {@code KernelSupport.bregmanGradientBatch}), row by row in the plain
     * order: for each observation s, r_s = σ(W x_s + b) − t_s (z_s = W x_s + b when z is not null),
     * sums[s] = Σ r_si² in double (when sums is not null), g_s = Wᵀ r_s. X and G are {@code rows × n} (ldx, ldg),
     * T, Z, R {@code rows × m} (ldt, ldz, ldr), W {@code m × n} (ldw).
     */
    public static void bregmanGradientBatch(Activation sigma, float[] w, int ldw, int m, int n, float[] x, int ldx,
                                            int rows, float[] b, float[] t, int ldt, float[] z, int ldz, float[] r,
                                            int ldr, float[] g, int ldg, double[] sums) {
        for (int s = 0; s < rows; s++) {
            double sq = 0.0;
            for (int j = 0; j < n; j++) {
                g[s * ldg + j] = 0f;
            }
            for (int i = 0; i < m; i++) {
                float v = 0f;
                for (int j = 0; j < n; j++) {
                    v += w[i * ldw + j] * x[s * ldx + j];
                }
                if (b != null) {
                    v += b[i];
                }
                if (z != null) {
                    z[s * ldz + i] = v;
                }
                float e = sigma.apply(v) - t[s * ldt + i];
                r[s * ldr + i] = e;
                sq += (double) e * e;
                for (int j = 0; j < n; j++) {
                    g[s * ldg + j] += e * w[i * ldw + j];
                }
            }
            if (sums != null) {
                sums[s] = sq;
            }
        }
    }

    /**
     * The fused linearized-ADMM step (see {@code KernelSupport.admmGradient}): v = P x + b; for i ≥ s the
     * split and multiplier updates a, u of Alg. 4 steps 2–3 [002]; r = [v^S − t; ρ(v^{S^c} − a − u)];
     * g = Pᵀ r. Returns Σ (a[j] − v[s + j])².
     */
    public static double admmGradient(float[] w, int ld, int rows, int cols, int s, float[] x, float[] b, float[] t,
                                      float rho, float[] a, float[] u, float[] v, float[] r, float[] g) {
        gemv(1f, w, ld, 0, rows, cols, x, 0f, v, b);
        double cons = 0.0;
        for (int j = 0; j < rows - s; j++) {
            float vi = v[s + j];
            a[j] = -Math.max(u[j] - vi, 0f);
            float d = a[j] - vi;
            u[j] += d;
            cons += (double) d * d;
        }
        fill(g, 0f);
        for (int i = 0; i < rows; i++) {
            r[i] = i < s ? v[i] - t[i] : rho * (v[i] - a[i - s] - u[i - s]);
            for (int j = 0; j < cols; j++) {
                g[j] += r[i] * w[i * ld + j];
            }
        }
        return cons;
    }

    /** Σ (x[i] − y[i])², each difference in float, squared and summed in double in index order. */
    public static double distanceSquared(float[] x, float[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            float d = x[i] - y[i];
            s += (double) d * d;
        }
        return s;
    }

    /** r[i] = (x[i] − y[i])·m[i] in float (m null: x[i] − y[i]); returns Σ r[i]² in double. r may be x or y. */
    public static double maskedResidual(float[] x, float[] y, float[] m, float[] r) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            float e = x[i] - y[i];
            if (m != null) {
                e *= m[i];
            }
            r[i] = e;
            s += (double) e * e;
        }
        return s;
    }

    /** x[i] = u[i] + β(u[i] − p[i]); then p[i] = u[i]. */
    public static void extrapolate(float beta, float[] u, float[] p, float[] x) {
        for (int i = 0; i < u.length; i++) {
            x[i] = u[i] + beta * (u[i] - p[i]);
            p[i] = u[i];
        }
    }

    /** z[i] = keep·z[i] − step·g[i]; sums[0] = Σ (z⁺ − z)² (the difference in float), sums[1] = Σ z⁺², in double. */
    public static void scaledGradientStep(float keep, float step, float[] z, float[] g, double[] sums) {
        double change = 0, norm = 0;
        for (int i = 0; i < z.length; i++) {
            float nz = keep * z[i] - step * g[i];
            float d = nz - z[i];
            change += (double) d * d;
            norm += (double) nz * nz;
            z[i] = nz;
        }
        sums[0] = change;
        sums[1] = norm;
    }

    /** Adam: m ← β₁m + (1−β₁)g, s ← β₂s + (1−β₂)g², z ← z − η̂m/(√(ŝs) + ε), elementwise in float. */
    public static void adamStep(float beta1, float beta2, float etaHat, float sHat, float eps, float[] z, float[] g,
                                float[] m, float[] s) {
        for (int i = 0; i < z.length; i++) {
            m[i] = beta1 * m[i] + (1 - beta1) * g[i];
            s[i] = beta2 * s[i] + (1 - beta2) * g[i] * g[i];
            z[i] -= etaHat * m[i] / ((float) Math.sqrt(s[i] * sHat) + eps);
        }
    }

    /**
     * The start of Alg. 4 [002] from v = P x + b: a = min(v^{S^c}, 0), u = 0, r = [v^S − t; ρ(v^{S^c} − a − u)]
     * (s = t.length).
     */
    public static void admmStart(float[] v, float[] t, float rho, float[] a, float[] u, float[] r) {
        int s = t.length;
        for (int i = 0; i < v.length; i++) {
            if (i < s) {
                r[i] = v[i] - t[i];
            } else {
                a[i - s] = Math.min(v[i], 0f);
                u[i - s] = 0f;
                r[i] = rho * (v[i] - a[i - s] - u[i - s]);
            }
        }
    }

    /**
     * Y[s][i] ← α·Σ_p X[s][p]·W[i][p] + β·Y[s][i] (+ b[i]) for s &lt; rows, i &lt; m: X is {@code rows × k}
     * (leading dimension ldx), W {@code m × k} (ldw), Y {@code rows × m} (ldy); b may be null; β = 0 does not read Y.
     */
    public static void gemmNT(float alpha, float[] x, int ldx, int rows, int k, float[] w, int ldw, int m, float beta,
                              float[] y, int ldy, float[] b) {
        for (int s = 0; s < rows; s++) {
            for (int i = 0; i < m; i++) {
                float acc = 0f;
                for (int p = 0; p < k; p++) {
                    acc += x[s * ldx + p] * w[i * ldw + p];
                }
                float v = alpha * acc;
                if (beta != 0f) {
                    v += beta * y[s * ldy + i];
                }
                if (b != null) {
                    v += b[i];
                }
                y[s * ldy + i] = v;
            }
        }
    }

    /**
     * G[i][j] ← α·Σ_s D[s][i]·X[s][j] + β·G[i][j] for i &lt; m, j &lt; n: D is {@code rows × m} (ldd), X
     * {@code rows × n} (ldx), G {@code m × n} (ldg); β = 0 does not read G.
     */
    public static void gemmTN(float alpha, float[] d, int ldd, int rows, int m, float[] x, int ldx, int n, float beta,
                              float[] g, int ldg) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float acc = 0f;
                for (int s = 0; s < rows; s++) {
                    acc += d[s * ldd + i] * x[s * ldx + j];
                }
                float v = alpha * acc;
                if (beta != 0f) {
                    v += beta * g[i * ldg + j];
                }
                g[i * ldg + j] = v;
            }
        }
    }

    /**
     * Z[s][j] ← α·Σ_i D[s][i]·W[i][j] + β·Z[s][j] for s &lt; rows, j &lt; n: D is {@code rows × m} (ldd), W
     * {@code m × n} (ldw), Z {@code rows × n} (ldz); β = 0 does not read Z.
     */
    public static void gemmNN(float alpha, float[] d, int ldd, int rows, int m, float[] w, int ldw, int n, float beta,
                              float[] z, int ldz) {
        for (int s = 0; s < rows; s++) {
            for (int j = 0; j < n; j++) {
                float acc = 0f;
                for (int i = 0; i < m; i++) {
                    acc += d[s * ldd + i] * w[i * ldw + j];
                }
                float v = alpha * acc;
                if (beta != 0f) {
                    v += beta * z[s * ldz + j];
                }
                z[s * ldz + j] = v;
            }
        }
    }
}
