package dev.netinvert.kernels.reference;

import dev.netinvert.kernels.Activation;

/**
 * The executable specification of every kernel in {@code Prox}: loops over {@code float[]} that call
 * the double-precision scalar mathematics of {@link Activation} and round each element once; sums are
 * accumulated in double in index order. The fast kernels are tested against these, and the benchmarks
 * measure them as the baseline.
 */
public final class ReferenceProx {
    private ReferenceProx() {}

    /** out[i] = σ(z[i]); out may be z. */
    public static void apply(Activation sigma, float[] z, float[] out) {
        for (int i = 0; i < z.length; i++) {
            out[i] = (float) sigma.sigma(z[i]);
        }
    }

    /** out[i] = prox_{cΨ}(z[i]); out may be z. */
    public static void prox(Activation sigma, float c, float[] z, float[] out) {
        for (int i = 0; i < z.length; i++) {
            out[i] = (float) sigma.prox(z[i], c);
        }
    }

    /** {@link #prox} that also returns the total number of Newton residual evaluations. */
    public static long proxCountingIterations(Activation sigma, float c, float[] z, float[] out) {
        long count = 0;
        for (int i = 0; i < z.length; i++) {
            count += sigma.proxIterations(z[i], c);
            out[i] = (float) sigma.prox(z[i], c);
        }
        return count;
    }

    /** out[i] = σ′(z[i]). */
    public static void derivative(Activation sigma, float[] z, float[] out) {
        for (int i = 0; i < z.length; i++) {
            out[i] = (float) sigma.derivative(z[i]);
        }
    }

    /** out[i] = σ(z[i]) − y[i], the gradient of z ↦ Σ B_Ψ(y[i], z[i]). */
    public static void bregmanGradient(Activation sigma, float[] y, float[] z, float[] out) {
        for (int i = 0; i < z.length; i++) {
            out[i] = sigma.apply(z[i]) - y[i];
        }
    }

    /**
     * out[i] = m[i]·σ′(z[i])·(σ(z[i]) − y[i]) in double, rounded once (m[i] = 1 when m is null; +0 where
     * m[i] = 0, y[i] and z[i] unused): the gradient of z ↦ ½Σ m[i](σ(z[i]) − y[i])².
     */
    public static void leastSquaresGradient(Activation sigma, float[] y, float[] z, float[] m, float[] out) {
        for (int i = 0; i < z.length; i++) {
            double w = m == null ? 1.0 : m[i];
            out[i] = w == 0 ? 0f : (float) (w * sigma.derivative(z[i]) * (sigma.sigma(z[i]) - y[i]));
        }
    }

    /**
     * u[i] = S(x[i] − μ·g[i]) (soft threshold at t, or max(· − t, 0) when nonNeg), the difference rounded to
     * float once; sums as in the SPI ({@code ProxSupport.l1ProxStep}), in double.
     */
    public static void l1ProxStep(float mu, float t, boolean nonNeg, float[] x, float[] g, float[] p, float[] u,
                                  double[] sums) {
        double change = 0, norm = 0, dir = 0;
        for (int i = 0; i < x.length; i++) {
            float v = (float) ((double) x[i] - (double) mu * g[i]);
            // The soft threshold as v − clamp(v, −t, t): NaN stays NaN (a diverged iterate is seen as one).
            float ui = nonNeg ? Math.max(v - t, 0f) : v - Math.min(Math.max(v, -t), t);
            u[i] = ui;
            double d = (double) ui - p[i];
            change += d * d;
            norm += (double) ui * ui;
            dir += ((double) x[i] - ui) * d;
        }
        sums[0] = change;
        sums[1] = norm;
        sums[2] = dir;
    }

    public static double psiSum(Activation sigma, float[] u) {
        double sum = 0.0;
        for (float v : u) {
            sum += sigma.psi(v);
        }
        return sum;
    }

    public static double conjugateSum(Activation sigma, float[] z) {
        double sum = 0.0;
        for (float v : z) {
            sum += sigma.conjugate(v);
        }
        return sum;
    }

    public static double bregmanSum(Activation sigma, float[] y, float[] z) {
        double sum = 0.0;
        for (int i = 0; i < z.length; i++) {
            sum += sigma.bregman(y[i], z[i]);
        }
        return sum;
    }

    /** The first index with y[i] ∉ dom Ψ, or −1. */
    public static int firstOutsideDomain(Activation sigma, float[] y) {
        for (int i = 0; i < y.length; i++) {
            if (!sigma.inDomain(y[i])) {
                return i;
            }
        }
        return -1;
    }

    /**
     * v[i] = σ′·v[i], σ′ = {@link Activation#derivativeFromOutput}(x[i]) from the outputs x = σ(u), one float
     * product per element (exact in the sense that every implementation must agree bit for bit); v may be x.
     */
    public static void multiplyByDerivativeFromOutput(Activation sigma, float[] x, float[] v) {
        for (int i = 0; i < x.length; i++) {
            v[i] = sigma.derivativeFromOutput(x[i]) * v[i];
        }
    }
}
