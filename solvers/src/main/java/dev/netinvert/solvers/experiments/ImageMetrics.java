package dev.netinvert.solvers.experiments;

import dev.netinvert.kernels.reference.ReferenceStencils;
import java.util.Objects;

/** Error measures between a reconstruction and the ground truth, computed in double. */
public final class ImageMetrics {
    private ImageMetrics() {}

    public static double norm2(float[] x) {
        double s = 0;
        for (float v : x) {
            s += (double) v * v;
        }
        return Math.sqrt(s);
    }

    /** ‖x − truth‖₂ / ‖truth‖₂. */
    public static double relativeError(float[] x, float[] truth) {
        checkSame(x, truth);
        double num = 0;
        for (int i = 0; i < x.length; i++) {
            double d = (double) x[i] - truth[i];
            num += d * d;
        }
        return Math.sqrt(num) / norm2(truth);
    }

    /**
     * Peak signal-to-noise ratio in dB, 10·log₁₀(peak² / MSE), with the peak taken as the ground truth's
     * dynamic range (max − min; 1 for a binary image).
     */
    public static double psnr(float[] x, float[] truth) {
        checkSame(x, truth);
        double mse = 0, lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < x.length; i++) {
            double d = (double) x[i] - truth[i];
            mse += d * d;
            lo = Math.min(lo, truth[i]);
            hi = Math.max(hi, truth[i]);
        }
        mse /= x.length;
        double peak = hi > lo ? hi - lo : 1.0;
        return 10 * Math.log10(peak * peak / mse);
    }

    /**
     * Anisotropic TV Σ |∂₁x| + |∂₂x| with the forward differences of eq. (14) [000] (the plain-array
     * reference, summed in double), for reports.
     */
    public static double anisotropicTv(float[] x, int height, int width) {
        return ReferenceStencils.tvAnisotropic(1, height, width, x);
    }

    /** Isotropic TV Σ √((∂₁x)² + (∂₂x)²), as {@link #anisotropicTv}. */
    public static double isotropicTv(float[] x, int height, int width) {
        return ReferenceStencils.tvIsotropic(1, height, width, x);
    }

    /**
     * 10·log₁₀(‖truth‖² / ‖truth − estimate‖²) in dB, the measure of Fig. 4 [002]; +∞ for an exact estimate.
     */
    public static double snrDb(float[] truth, float[] estimate) {
        Objects.requireNonNull(truth, "truth");
        Objects.requireNonNull(estimate, "estimate");
        if (truth.length != estimate.length) {
            throw new IllegalArgumentException("estimate: expected length " + truth.length + " (the truth's), got "
                    + estimate.length);
        }
        double s = 0, e = 0;
        for (int i = 0; i < truth.length; i++) {
            double d = (double) truth[i] - estimate[i];
            s += (double) truth[i] * truth[i];
            e += d * d;
        }
        return 10 * Math.log10(s / e);
    }

    private static void checkSame(float[] x, float[] truth) {
        if (x.length != truth.length) {
            throw new IllegalArgumentException("x: expected length " + truth.length + " (the ground truth's), got " + x.length);
        }
    }
}
