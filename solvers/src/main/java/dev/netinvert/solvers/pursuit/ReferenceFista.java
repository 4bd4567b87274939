package dev.netinvert.solvers.pursuit;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.reference.ReferenceKernels;

/**
 * The plain-array twin of {@link Fista}: the same iteration (Alg. 3 [002] with adaptive restart) on
 * {@code float[]} with straightforward loops (the products A·x + b and Aᵀr by {@link ReferenceKernels}), written for clarity — the executable specification the fast
 * workspace is tested and benchmarked against. A is row-major m × n; b and mask may be null.
 */
public final class ReferenceFista {
    private final float[] a, b, y, mask;
    private final int m, n;
    private final OutputActivation phi;
    private final boolean nonNeg;
    private final float mu, muLambda;
    private final float[] x, u, uPrev, g, pre, r;
    private double t = 1;
    private double change, norm;

    public ReferenceFista(float[] a, int m, int n, float[] b, float[] y, float[] mask, Activation phi, double lambda,
                          boolean nonNeg, double normA) {
        if (a.length != m * n || y.length != m || (b != null && b.length != m) || (mask != null && mask.length != m)) {
            throw new IllegalArgumentException("shapes: expected A " + m + "×" + n + ", b/y/mask of " + m);
        }
        this.a = a;
        this.b = b;
        this.y = y;
        this.mask = mask;
        this.m = m;
        this.n = n;
        this.phi = OutputActivation.of(phi);
        this.nonNeg = nonNeg;
        mu = (float) (1.0 / (this.phi.curvature() * normA * normA * 1.02));
        muLambda = (float) (mu * lambda);
        x = new float[n];
        u = new float[n];
        uPrev = new float[n];
        g = new float[n];
        pre = new float[m];
        r = new float[m];
    }

    public void reset(float[] x0) {
        System.arraycopy(x0, 0, x, 0, n);
        System.arraycopy(x0, 0, uPrev, 0, n);
        t = 1;
    }

    public boolean step() {
        ReferenceKernels.gemv(1f, a, n, 0, m, n, x, 0f, pre, b);
        for (int i = 0; i < m; i++) {
            float v = phi.derivative(pre[i]) * (phi.apply(pre[i]) - y[i]); // the definition; Fista's kernel forms φ′ from φ
            r[i] = mask == null ? v : v * mask[i];
        }
        ReferenceKernels.gemvT(1f, a, n, 0, m, n, r, 0f, g);
        double tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
        double ch = 0, nr = 0, dir = 0;
        for (int j = 0; j < n; j++) {
            float v = x[j] - mu * g[j];
            float uj = nonNeg ? Math.max(v - muLambda, 0f) : (v > muLambda ? v - muLambda : (v < -muLambda ? v + muLambda : 0f));
            u[j] = uj;
            float d = uj - uPrev[j];
            ch += (double) d * d;
            nr += (double) uj * uj;
            dir += (double) (x[j] - uj) * d;
        }
        change = ch;
        norm = nr;
        if (!Double.isFinite(ch) || !Double.isFinite(nr)) {
            return false;
        }
        float beta;
        if (dir > 0) {
            t = 1;
            beta = 0f;
        } else {
            beta = (float) ((t - 1) / tNext);
            t = tNext;
        }
        for (int j = 0; j < n; j++) {
            x[j] = u[j] + beta * (u[j] - uPrev[j]);
            uPrev[j] = u[j];
        }
        return true;
    }

    public double lastChange() {
        return Math.sqrt(change);
    }

    public double lastNorm() {
        return Math.sqrt(norm);
    }

    public float[] solution() {
        return uPrev.clone();
    }
}
