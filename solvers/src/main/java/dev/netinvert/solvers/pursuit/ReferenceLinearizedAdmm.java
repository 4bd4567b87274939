package dev.netinvert.solvers.pursuit;

import dev.netinvert.kernels.reference.ReferenceKernels;

/**
 * The plain-array twin of {@link LinearizedAdmm}: the same iteration (Alg. 4 / eq. (18) [002]) on
 * {@code float[]} with straightforward loops (the products P·x + b and Pᵀr by {@link ReferenceKernels}). P is row-major m × n, the first s rows W^S; b may be null.
 */
public final class ReferenceLinearizedAdmm {
    private final float[] p, b, target;
    private final int m, n, s;
    private final boolean first;
    private final float rho, step, lamStep, keep, gStep;
    private final float[] v, r, g, a, u, x;
    private double change, norm, cons;

    public ReferenceLinearizedAdmm(float[] p, int m, int n, int s, float[] b, float[] target, boolean first, double lambda,
                                   double gamma, double rho, double alphaPlusBeta) {
        if (p.length != m * n || target.length != s || (b != null && b.length != m) || s > m) {
            throw new IllegalArgumentException("shapes: expected P " + m + "×" + n + ", b of " + m + ", target of s = " + s);
        }
        this.p = p;
        this.b = b;
        this.target = target;
        this.m = m;
        this.n = n;
        this.s = s;
        this.first = first;
        this.rho = (float) rho;
        step = (float) (1.0 / alphaPlusBeta);
        lamStep = (float) (lambda / alphaPlusBeta);
        keep = (float) (alphaPlusBeta / (alphaPlusBeta + gamma));
        gStep = (float) (1.0 / (alphaPlusBeta + gamma));
        v = new float[m];
        r = new float[m];
        g = new float[n];
        x = new float[n];
        a = new float[m - s];
        u = new float[m - s];
    }

    private void forward() {
        ReferenceKernels.gemv(1f, p, n, 0, m, n, x, 0f, v, b);
    }

    public void reset(float[] x0) {
        System.arraycopy(x0, 0, x, 0, n);
        java.util.Arrays.fill(u, 0f);
        forward();
        for (int j = 0; j < m - s; j++) {
            a[j] = Math.min(v[s + j], 0f);
        }
    }

    public boolean step() {
        for (int i = 0; i < s; i++) {
            r[i] = v[i] - target[i];
        }
        for (int j = 0; j < m - s; j++) {
            r[s + j] = rho * (v[s + j] - a[j] - u[j]);
        }
        ReferenceKernels.gemvT(1f, p, n, 0, m, n, r, 0f, g);
        double ch = 0, nr = 0;
        for (int j = 0; j < n; j++) {
            float nx = first ? keep * x[j] - gStep * g[j] : Math.max(x[j] - step * g[j] - lamStep, 0f);
            ch += (double) (nx - x[j]) * (nx - x[j]);
            nr += (double) nx * nx;
            x[j] = nx;
        }
        forward();
        double c = 0;
        for (int j = 0; j < m - s; j++) {
            float vj = v[s + j];
            float aj = -Math.max(u[j] - vj, 0f);
            a[j] = aj;
            u[j] += aj - vj;
            c += (double) (aj - vj) * (aj - vj);
        }
        change = ch;
        norm = nr;
        cons = c;
        return Double.isFinite(ch) && Double.isFinite(c);
    }

    public boolean converged(double tol) {
        double vn = 0;
        for (float e : v) {
            vn += (double) e * e;
        }
        return Math.sqrt(change) <= tol * Math.sqrt(norm) && Math.sqrt(cons) <= tol * Math.max(Math.sqrt(vn), Float.MIN_NORMAL);
    }

    public float[] solution() {
        return x.clone();
    }
}
