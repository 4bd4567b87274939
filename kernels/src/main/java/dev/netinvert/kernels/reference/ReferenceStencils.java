package dev.netinvert.kernels.reference;

/**
 * The executable specification of the stencil kernels ({@code StencilSupport}, {@code TotalVariation}):
 * plain loops over {@code float[]}, written to be read against eq. (14) [000] and section 4.1, not to be
 * fast. Reductions are accumulated in double, in element order.
 *
 * <p>Images are {@code c × h × w} arrays, channel planes of row-major {@code h × w} rows: element
 * (ch, i, j) is {@code x[(ch·h + i)·w + j]}. A gradient field is two such arrays {@code p1} (∂₁, along
 * rows i) and {@code p2} (∂₂, along columns j). The fused PDHG steps are written as the composition of
 * the unfused operations (allocating temporaries), which is what the fast one-pass kernels must equal.
 */
public final class ReferenceStencils {
    private ReferenceStencils() {}

    private static int at(int h, int w, int ch, int i, int j) {
        return (ch * h + i) * w + j;
    }

    /**
     * The forward-difference gradient of section 4.1 [000]:
     * d1[i,j] = x[i+1,j] − x[i,j] for i &lt; h−1, 0 in the last row; d2[i,j] = x[i,j+1] − x[i,j] for
     * j &lt; w−1, 0 in the last column; per channel.
     */
    public static void gradient(int c, int h, int w, float[] x, float[] d1, float[] d2) {
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    int k = at(h, w, ch, i, j);
                    d1[k] = i < h - 1 ? x[at(h, w, ch, i + 1, j)] - x[k] : 0f;
                    d2[k] = j < w - 1 ? x[at(h, w, ch, i, j + 1)] - x[k] : 0f;
                }
            }
        }
    }

    /**
     * div p = −∇ᵀp, derived from {@link #gradient}: x[i,j] enters (∇x)₁ with +1 at row i−1 (when
     * i−1 &lt; h−1) and −1 at row i (when i &lt; h−1), so
     * (div p)[i,j] = (p1[i,j]·[i&lt;h−1] − p1[i−1,j]·[i&gt;0]) + (p2[i,j]·[j&lt;w−1] − p2[i,j−1]·[j&gt;0]).
     */
    public static void divergence(int c, int h, int w, float[] p1, float[] p2, float[] out) {
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    int k = at(h, w, ch, i, j);
                    float a1 = i < h - 1 ? p1[k] : 0f;
                    float b1 = i > 0 ? p1[at(h, w, ch, i - 1, j)] : 0f;
                    float a2 = j < w - 1 ? p2[k] : 0f;
                    float b2 = j > 0 ? p2[at(h, w, ch, i, j - 1)] : 0f;
                    out[k] = (a1 - b1) + (a2 - b2);
                }
            }
        }
    }

    /** ‖p‖₂,₁ = Σ_pixels √(Σ_ch p1² + p2²); the per-pixel sum of squares in float, channel by channel. */
    public static double norm21(int c, int h, int w, float[] p1, float[] p2) {
        double sum = 0.0;
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                sum += (float) Math.sqrt(pixelSumOfSquares(c, h, w, p1, p2, i, j));
            }
        }
        return sum;
    }

    /** ‖p‖₁,₁ = Σ |p1| + |p2| over all elements. */
    public static double norm11(int c, int h, int w, float[] p1, float[] p2) {
        double sum = 0.0;
        for (int k = 0; k < c * h * w; k++) {
            sum += Math.abs(p1[k]) + Math.abs(p2[k]);
        }
        return sum;
    }

    /** Isotropic TV ‖∇x‖₂,₁ (section 4.1 [000], p = 2). */
    public static double tvIsotropic(int c, int h, int w, float[] x) {
        float[] d1 = new float[x.length], d2 = new float[x.length];
        gradient(c, h, w, x, d1, d2);
        return norm21(c, h, w, d1, d2);
    }

    /** Anisotropic TV ‖∇x‖₁,₁ (section 4.1 [000], p = 1). */
    public static double tvAnisotropic(int c, int h, int w, float[] x) {
        float[] d1 = new float[x.length], d2 = new float[x.length];
        gradient(c, h, w, x, d1, d2);
        return norm11(c, h, w, d1, d2);
    }

    /**
     * Per pixel, p ← p · (1 / max(1, ‖p‖/r)), ‖p‖ = √(Σ_ch p1² + p2²): the projection onto the ℓ2 ball of
     * radius r, joint over channels and both directions.
     */
    public static void projectL2(int c, int h, int w, float[] p1, float[] p2, float r) {
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                float norm = (float) Math.sqrt(pixelSumOfSquares(c, h, w, p1, p2, i, j));
                float scale = 1f / Math.max(1f, norm / r);
                for (int ch = 0; ch < c; ch++) {
                    int k = at(h, w, ch, i, j);
                    p1[k] *= scale;
                    p2[k] *= scale;
                }
            }
        }
    }

    /** p ← max(−r, min(r, p)) elementwise: the projection onto the ℓ∞ box [−r, r]. */
    public static void projectLinf(int c, int h, int w, float[] p1, float[] p2, float r) {
        for (int k = 0; k < c * h * w; k++) {
            p1[k] = Math.max(-r, Math.min(r, p1[k]));
            p2[k] = Math.max(-r, Math.min(r, p2[k]));
        }
    }

    /**
     * PDHG primal step eq. (14a) [000] given g (the data term's gradient Wᵀ(σ(Wx + b) − y)):
     * out = x − τx·(g − α·div z). Returns Σ (out − x)² of the float values.
     */
    public static double pdhgPrimal(int c, int h, int w, float tauX, float alpha, float[] x, float[] g,
                                    float[] z1, float[] z2, float[] out) {
        float[] div = new float[x.length];
        divergence(c, h, w, z1, z2, div);
        double change = 0.0;
        for (int k = 0; k < x.length; k++) {
            float old = x[k];
            float t = g[k] - alpha * div[k];
            out[k] = old - tauX * t;
            float d = out[k] - old;
            change += (double) d * d;
        }
        return change;
    }

    /**
     * PDHG dual step eq. (14b) [000], isotropic: u = 2·xNew − xOld, q = z + σ·∇u with σ = τz·α, then the
     * projection of q onto the unit ℓ2 ball per pixel (the prox of the conjugate of ‖·‖₂,₁). In place on
     * z; returns Σ (z_new − z_old)².
     */
    public static double pdhgDualIsotropic(int c, int h, int w, float tauZ, float alpha, float[] xNew, float[] xOld,
                                           float[] z1, float[] z2) {
        float[] old1 = z1.clone(), old2 = z2.clone();
        dualAscent(c, h, w, tauZ * alpha, xNew, xOld, z1, z2);
        projectL2(c, h, w, z1, z2, 1f);
        return ReferenceKernels.distanceSquared(z1, old1) + ReferenceKernels.distanceSquared(z2, old2);
    }

    /** As {@link #pdhgDualIsotropic} with anisotropic TV: q projected onto the box [−1, 1] elementwise. */
    public static double pdhgDualAnisotropic(int c, int h, int w, float tauZ, float alpha, float[] xNew,
                                             float[] xOld, float[] z1, float[] z2) {
        float[] old1 = z1.clone(), old2 = z2.clone();
        dualAscent(c, h, w, tauZ * alpha, xNew, xOld, z1, z2);
        projectLinf(c, h, w, z1, z2, 1f);
        return ReferenceKernels.distanceSquared(z1, old1) + ReferenceKernels.distanceSquared(z2, old2);
    }

    /** z ← z + σ·∇(2·xNew − xOld). */
    private static void dualAscent(int c, int h, int w, float sigma, float[] xNew, float[] xOld, float[] z1,
                                   float[] z2) {
        float[] u = new float[xNew.length];
        for (int k = 0; k < u.length; k++) {
            u[k] = 2f * xNew[k] - xOld[k];
        }
        float[] d1 = new float[u.length], d2 = new float[u.length];
        gradient(c, h, w, u, d1, d2);
        for (int k = 0; k < u.length; k++) {
            z1[k] = z1[k] + sigma * d1[k];
            z2[k] = z2[k] + sigma * d2[k];
        }
    }

    private static float pixelSumOfSquares(int c, int h, int w, float[] p1, float[] p2, int i, int j) {
        float s = 0f;
        for (int ch = 0; ch < c; ch++) {
            int k = at(h, w, ch, i, j);
            s += p1[k] * p1[k];
            s += p2[k] * p2[k];
        }
        return s;
    }
}
