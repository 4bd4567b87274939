package dev.netinvert.solvers.admm;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;

/**
 * The plain-array twin of {@link Admm}: the same iteration (eqs. (8)-(12) [004], the same orders) on
 * {@code double[]} with textbook linear algebra — every zᵢ-system (μI + WᵀW) z = μp + Wᵀq is formed
 * and solved by an unblocked Cholesky factorization of the n×n matrix each time (never Woodbury), with no
 * kernels and no workspaces. It exists to be read and to check {@link Admm.Engine} in tests; it supports the
 * closed-form losses (squared error with its mask, linear) without a box.
 */
public final class ReferenceAdmm {
    private final int depth;
    private final double[][][] w;
    private final double[][] b;
    private final Activation[] act;
    private final double[][] z, vt, v, ut, u;
    private final double rho, lambda, mu;
    private final double[] center, target, mask, coefficients;
    private final Admm.Order order;
    private int iteration;
    private double primalSq, dualSq;

    /**
     * @param start x⁰ (not projected: no box here)
     */
    public ReferenceAdmm(Network network, InversionLoss loss, float[] start, double rho, Admm.Order order) {
        if (loss.box() != null) {
            throw new IllegalArgumentException("loss: the reference has no box QP; got a box");
        }
        depth = network.depth();
        w = new double[depth + 1][][];
        b = new double[depth + 1][];
        act = new Activation[depth + 1];
        z = new double[depth + 2][];
        vt = new double[depth + 1][];
        v = new double[depth + 1][];
        ut = new double[depth + 1][];
        u = new double[depth + 1][];
        for (int i = 1; i <= depth; i++) {
            DenseLayer layer = network.dense(i);
            int m = layer.outputs(), n = layer.inputs();
            w[i] = new double[m][n];
            for (int r = 0; r < m; r++) {
                for (int c = 0; c < n; c++) {
                    w[i][r][c] = layer.weight().get(r, c);
                }
            }
            b[i] = layer.bias() == null ? new double[m] : widen(layer.bias());
            act[i] = layer.activation();
        }
        this.rho = rho;
        this.order = order;
        this.lambda = loss.lambda();
        this.mu = lambda / rho;
        int n0 = network.inputSize();
        center = loss.center() == null ? new double[n0] : widen(loss.center());
        switch (loss.output()) {
            case OutputLoss.SquaredError se -> {
                target = widen(se.target());
                mask = se.mask() == null ? null : widen(se.mask());
                coefficients = null;
            }
            case OutputLoss.Linear li -> {
                target = null;
                mask = null;
                coefficients = widen(li.coefficients());
            }
            default -> throw new IllegalArgumentException("loss: the reference supports mse and linear, got " + loss.output().label());
        }
        z[1] = new double[n0];
        for (int j = 0; j < n0; j++) {
            z[1][j] = start[j];
        }
        for (int i = 1; i <= depth; i++) {
            vt[i] = affine(i, z[i]);
            v[i] = new double[vt[i].length];
            for (int j = 0; j < v[i].length; j++) {
                v[i][j] = act[i].sigma(vt[i][j]);
            }
            z[i + 1] = v[i].clone();
            ut[i] = new double[vt[i].length];
            u[i] = new double[vt[i].length];
        }
    }

    private static double[] widen(FloatVec x) {
        double[] d = new double[x.length()];
        for (int j = 0; j < d.length; j++) {
            d[j] = x.get(j);
        }
        return d;
    }

    /** Wᵢx + bᵢ. */
    private double[] affine(int i, double[] x) {
        double[] y = new double[w[i].length];
        for (int r = 0; r < y.length; r++) {
            double s = b[i][r];
            for (int c = 0; c < x.length; c++) {
                s += w[i][r][c] * x[c];
            }
            y[r] = s;
        }
        return y;
    }

    /** One iteration, as {@link Admm.Engine#iterate()}. */
    public void iterate() {
        iteration++;
        double[][] zPrev = new double[depth + 2][];
        for (int i = 1; i <= depth + 1; i++) {
            zPrev[i] = z[i].clone();
        }
        Admm.Order o = order == Admm.Order.ALTERNATING ? (iteration % 2 == 1 ? Admm.Order.FORWARD : Admm.Order.BACKWARD) : order;
        switch (o) {
            case BACKWARD -> {
                updateOutput();
                for (int i = depth; i >= 1; i--) {
                    project(i);
                    updateInputOf(i);
                }
            }
            case FORWARD -> {
                for (int i = 1; i <= depth; i++) {
                    updateInputOf(i);
                    project(i);
                }
                updateOutput();
            }
            case JACOBI -> {
                updateOutput();
                for (int i = depth; i >= 1; i--) {
                    updateInputOf(i);
                }
                for (int i = 1; i <= depth; i++) {
                    project(i);
                }
            }
            default -> throw new AssertionError(o);
        }
        primalSq = 0;
        dualSq = 0;
        for (int i = 1; i <= depth; i++) {
            double[] a = affine(i, z[i]), aPrev = affine(i, zPrev[i]);
            for (int j = 0; j < a.length; j++) {
                double r1 = vt[i][j] - a[j], r2 = v[i][j] - z[i + 1][j];
                ut[i][j] += r1;
                u[i][j] += r2;
                primalSq += r1 * r1 + r2 * r2;
                double d1 = a[j] - aPrev[j], d2 = z[i + 1][j] - zPrev[i + 1][j];
                dualSq += rho * rho * (d1 * d1 + d2 * d2);
            }
        }
    }

    private void updateOutput() {
        double[] c = new double[v[depth].length];
        for (int j = 0; j < c.length; j++) {
            c[j] = v[depth][j] + u[depth][j];
            if (target != null) {
                boolean observed = mask == null || mask[j] != 0;
                c[j] = observed ? (target[j] + rho * c[j]) / (1 + rho) : c[j];
            } else {
                c[j] -= coefficients[j] / rho;
            }
        }
        z[depth + 1] = c;
    }

    private void updateInputOf(int i) {
        double[] q = new double[vt[i].length];
        for (int j = 0; j < q.length; j++) {
            q[j] = vt[i][j] + ut[i][j] - b[i][j];
        }
        double m = i == 1 ? mu : 1;
        double[] p = new double[w[i][0].length];
        for (int j = 0; j < p.length; j++) {
            p[j] = i == 1 ? center[j] : v[i - 1][j] + u[i - 1][j];
        }
        z[i] = solveGram(w[i], m, p, q);
    }

    /** (μI + WᵀW)⁻¹(μp + Wᵀq) by Cholesky of the formed n×n matrix. */
    static double[] solveGram(double[][] w, double mu, double[] p, double[] q) {
        int n = p.length;
        double[][] a = new double[n][n];
        double[] rhs = new double[n];
        for (int r = 0; r < n; r++) {
            rhs[r] = mu * p[r];
            for (int k = 0; k < w.length; k++) {
                rhs[r] += w[k][r] * q[k];
            }
            for (int c = 0; c <= r; c++) {
                double s = r == c ? mu : 0;
                for (int k = 0; k < w.length; k++) {
                    s += w[k][r] * w[k][c];
                }
                a[r][c] = s;
            }
        }
        double[][] l = new double[n][n];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c <= r; c++) {
                double s = a[r][c];
                for (int k = 0; k < c; k++) {
                    s -= l[r][k] * l[c][k];
                }
                if (r == c) {
                    if (!(s > 0)) {
                        throw new IllegalArgumentException("the Gram matrix is not positive definite (pivot " + r + ")");
                    }
                    l[r][r] = Math.sqrt(s);
                } else {
                    l[r][c] = s / l[c][c];
                }
            }
        }
        double[] y = new double[n];
        for (int r = 0; r < n; r++) {
            double s = rhs[r];
            for (int k = 0; k < r; k++) {
                s -= l[r][k] * y[k];
            }
            y[r] = s / l[r][r];
        }
        double[] x = new double[n];
        for (int r = n - 1; r >= 0; r--) {
            double s = y[r];
            for (int k = r + 1; k < n; k++) {
                s -= l[k][r] * x[k];
            }
            x[r] = s / l[r][r];
        }
        return x;
    }

    private void project(int i) {
        double[] a = affine(i, z[i]);
        double[] out = new double[2];
        for (int j = 0; j < a.length; j++) {
            GraphProjection.projectPoint(act[i], a[j] - ut[i][j], z[i + 1][j] - u[i][j], out);
            vt[i][j] = out[0];
            v[i][j] = out[1];
        }
    }

    /** z₁. */
    public double[] input() {
        return z[1].clone();
    }

    /** z_{L+1}. */
    public double[] output() {
        return z[depth + 1].clone();
    }

    public double primalResidual() {
        return Math.sqrt(primalSq);
    }

    public double dualResidual() {
        return Math.sqrt(dualSq);
    }
}
