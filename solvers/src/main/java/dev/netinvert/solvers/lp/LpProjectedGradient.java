package dev.netinvert.solvers.lp;

import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.Network;
import java.lang.foreign.Arena;
import java.util.Objects;

/**
 * Projected gradient descent for y = A·G(z*) with the layer-wise LP inversion as the projection onto the
 * generator's range: the sensing experiment of [003] sec. 5.2 (Fig. 4), after Shah and Hegde [24] ("[the LP
 * inversion] can be used as a projection step to solve general linear inverse problems with projected gradient
 * descent", sec. 6 [003]). With a sensing matrix that keeps the observed pixels, A = diag(m), m ∈ {0, 1}ⁿ:
 * <pre>
 *   x⁰ = m ⊙ y
 *   w^t = x^t + η·Aᵀ(y − A x^t) = x^t + η·m ⊙ (y − x^t)          (gradient step on ½‖y − Ax‖²)
 *   z^{t+1} = LayerwiseInversion.invert(G, w^t),  x^{t+1} = G(z^{t+1})   (projection P_G(w) ≈ argmin_{x ∈ range G} ‖x − w‖)
 * </pre>
 * until ‖x^{t+1} − x^t‖₂ ≤ tol·‖x^t‖₂ or the iteration budget. The projection is the ℓ∞ LP of Alg. 1 [003]
 * by default, so P_G is an ℓ∞ (not Euclidean) projection, as in the paper. With η = 1 (the default; ‖A‖ = 1),
 * w^t is y on the observed pixels and the previous estimate elsewhere. This is not in [003]'s text beyond the
 * sentence above; it is built here on {@link LayerwiseInversion}.
 */
public final class LpProjectedGradient {
    private LpProjectedGradient() {}

    /**
     * @param projection    the layer-wise inversion used as P_G
     * @param step          η &gt; 0
     * @param maxIterations the most projections (≥ 1)
     * @param tol           relative change below which it stops (≥ 0)
     */
    public record Options(LayerwiseInversion.Options projection, double step, int maxIterations, double tol) {
        public Options {
            Objects.requireNonNull(projection, "projection");
            if (!(step > 0) || !Double.isFinite(step)) {
                throw new IllegalArgumentException("step: expected a finite value > 0, got " + step);
            }
            if (maxIterations < 1) {
                throw new IllegalArgumentException("maxIterations: expected >= 1, got " + maxIterations);
            }
            if (!(tol >= 0)) {
                throw new IllegalArgumentException("tol: expected >= 0, got " + tol);
            }
        }

        /** ℓ∞ LP projection with ε₀ = 1e-3, η = 1, 20 projections, tol 1e-4. */
        public static Options defaults() {
            return new Options(LayerwiseInversion.Options.builder(LayerwiseInversion.Method.LP_LINF).eps0(1e-3).build(), 1, 20,
                    1e-4);
        }
    }

    /**
     * @param z          the last projection's latent (null if the first projection failed)
     * @param output     G(z) in float (m ⊙ y if the first projection failed)
     * @param iterations projections done
     * @param lps        LPs solved over all projections
     * @param residual   ‖m ⊙ (G(z) − y)‖₂
     * @param converged  whether the relative change fell below tol
     * @param failure    the message of a projection that threw {@link LayerNotInvertibleException}, or ""
     * @param seconds    wall time
     */
    public record Result(double[] z, float[] output, int iterations, int lps, double residual, boolean converged,
                         String failure, double seconds) {}

    /**
     * @param network a ReLU / leaky-ReLU generator ({@link LayerwiseInversion})
     * @param y       n_L observed values (entries where the mask is 0 are ignored)
     * @param mask    n_L entries of 0 (hidden) or 1 (observed)
     */
    public static Result solve(Network network, float[] y, float[] mask, Options options) {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(y, "y");
        Objects.requireNonNull(mask, "mask");
        Objects.requireNonNull(options, "options");
        int n = network.outputSize();
        if (y.length != n || mask.length != n) {
            throw new IllegalArgumentException("y, mask: expected length " + n + " (n_L), got " + y.length + ", " + mask.length);
        }
        for (int i = 0; i < n; i++) {
            if (mask[i] != 0f && mask[i] != 1f) {
                throw new IllegalArgumentException("mask[" + i + "]: expected 0 or 1, got " + mask[i]);
            }
        }
        long t0 = System.nanoTime();
        float[] x = new float[n], w = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = mask[i] * y[i];
        }
        double[] z = null;
        int lps = 0, it = 0;
        boolean converged = false;
        String failure = "";
        float eta = (float) options.step();
        try (Arena arena = Arena.ofShared()) {
            FloatVec zv = FloatVec.allocate(arena, network.inputSize());
            while (it < options.maxIterations()) {
                for (int i = 0; i < n; i++) {
                    w[i] = x[i] + eta * mask[i] * (y[i] - x[i]);
                }
                LayerwiseResult r;
                try {
                    r = LayerwiseInversion.invert(network, w, options.projection());
                } catch (LayerNotInvertibleException e) {
                    failure = e.getMessage();
                    break;
                }
                it++;
                lps += r.lpsFeasible() + r.lpsInfeasible();
                z = r.z();
                for (int j = 0; j < z.length; j++) {
                    zv.set(j, (float) z[j]);
                }
                float[] next = network.forward(zv, arena).toArray();
                double d = 0, s = 0;
                for (int i = 0; i < n; i++) {
                    double e = (double) next[i] - x[i];
                    d += e * e;
                    s += (double) x[i] * x[i];
                }
                x = next;
                if (Math.sqrt(d) <= options.tol() * Math.sqrt(s)) {
                    converged = true;
                    break;
                }
            }
        }
        double res = 0;
        for (int i = 0; i < n; i++) {
            double e = mask[i] * ((double) x[i] - y[i]);
            res += e * e;
        }
        return new Result(z, x, it, lps, Math.sqrt(res), converged, failure, (System.nanoTime() - t0) * 1e-9);
    }
}
