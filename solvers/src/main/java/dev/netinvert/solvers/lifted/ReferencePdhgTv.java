package dev.netinvert.solvers.lifted;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.reference.ReferenceKernels;
import dev.netinvert.kernels.reference.ReferenceStencils;

/**
 * The PDHG iteration (14) [000] on the plain-array reference kernels: the executable specification
 * the fast {@link PdhgTv} is checked against, and its baseline in the benchmarks. Same start (x = z = 0),
 * same update order, same float arithmetic per element; only the summation order inside the
 * reductions differs.
 */
public final class ReferencePdhgTv {
    /** Told of x after each iteration. */
    @FunctionalInterface
    public interface Observer {
        void iterate(int k, float[] x);
    }

    private final float[] w, b, y;
    private final int m, n, c, h, wd;
    private final Activation sigma;
    private final float alpha, tauX, tauZ;
    private final boolean isotropic;
    private float[] x, xNew;
    private final float[] g, z, p1, p2;

    /**
     * @param w W row-major, {@code m × n}; @param b bias (m) or null; @param y the observation (m);
     *          the image is {@code c × h × wd} with c·h·wd = n
     */
    public ReferencePdhgTv(float[] w, int m, int n, float[] b, Activation sigma, float[] y, int c, int h, int wd,
                           float alpha, float tauX, float tauZ, boolean isotropic) {
        if ((long) m * n != w.length || y.length != m || (long) c * h * wd != n || (b != null && b.length != m)) {
            throw new IllegalArgumentException("inconsistent shapes: W " + w.length + " elements for " + m + "×" + n
                    + ", y " + y.length + ", image " + c + "×" + h + "×" + wd);
        }
        this.w = w;
        this.b = b;
        this.y = y;
        this.m = m;
        this.n = n;
        this.c = c;
        this.h = h;
        this.wd = wd;
        this.sigma = sigma;
        this.alpha = alpha;
        this.tauX = tauX;
        this.tauZ = tauZ;
        this.isotropic = isotropic;
        x = new float[n];
        xNew = new float[n];
        g = new float[n];
        z = new float[m];
        p1 = new float[n];
        p2 = new float[n];
    }

    /** Runs {@code iterations} steps, telling {@code observer} x after each; returns the final x. */
    public float[] run(int iterations, Observer observer) {
        for (int k = 1; k <= iterations; k++) {
            step();
            if (observer != null) {
                observer.iterate(k, x.clone());
            }
        }
        return x.clone();
    }

    /** One iteration of eq. (14a), (14b) [000]. */
    public void step() {
        ReferenceKernels.bregmanGradient(sigma, w, n, 0, m, n, x, b, y, z, g);
        ReferenceStencils.pdhgPrimal(c, h, wd, tauX, alpha, x, g, p1, p2, xNew);
        if (isotropic) {
            ReferenceStencils.pdhgDualIsotropic(c, h, wd, tauZ, alpha, xNew, x, p1, p2);
        } else {
            ReferenceStencils.pdhgDualAnisotropic(c, h, wd, tauZ, alpha, xNew, x, p1, p2);
        }
        float[] swap = x;
        x = xNew;
        xNew = swap;
    }
}
