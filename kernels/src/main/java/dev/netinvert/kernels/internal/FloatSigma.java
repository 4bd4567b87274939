package dev.netinvert.kernels.internal;

import dev.netinvert.kernels.Activation;

/**
 * σ of tanh and the sigmoid in float for the fused gradients' residuals e = σ(z) − t in the SIMD kernels (not
 * API: the package is internal to the kernels), 1.9-2.4× as fast as {@code (float) Math.tanh} (5.8-7.5 against
 * 13.6-14.4 ns an element on Zen 3) and 1.2-1.4× as fast as the sigmoid through {@code Math.exp}. Only +, −, ×, ÷, fused
 * multiply-add, comparisons and bit operations, each correctly rounded by IEEE 754 and the Java specification,
 * so the bits do not depend on the JIT tier or the machine; the Vector API's {@code TANH} and {@code EXP}
 * do (their Java fallback and C2's SVML calls round differently), which is why the residuals are not taken
 * from them. It leans on {@link Math#fma}, so it is for the SIMD kernels, which require hardware FMA (without
 * it {@code Math.fma} is a software routine); the scalar kernels keep {@link Activation#apply}.
 *
 * <p>Accuracy against the double-precision σ of {@link Activation}, in ulps of the correctly rounded float,
 * measured over every float with |z| ≤ 200 (2.3·10⁹ values; e^x over every x from −110 to 0): tanh ≤ 1.03
 * (mean 0.030), the sigmoid ≤ 2.41 (mean 0.077), e^x ≤ 1.01 (mean 0.063). ±0, ±∞, NaN and the subnormal
 * results of the sigmoid's lower tail are as the reference has them. {@code FloatSigmaTest} asserts these
 * bounds on a sweep. In a residual they are far below the rounding of z = W x + b.
 *
 * <ul>
 *   <li>e^x for x ≤ 0 ({@link #expNonPositive}): x clamped at −104 (e^−104 is below half the smallest subnormal),
 *       k = round(x·log₂e) by the 1.5·2²³ rounding trick (k from the sum's bits, never a float-to-int conversion,
 *       whose NaN case differs between Java and the hardware), r = x − k·ln 2 in two fused steps (Cody-Waite),
 *       e^r = 1 + r + r²·P(r) with P of degree 4 (a weighted least-squares fit on Chebyshev nodes of
 *       [−½ln 2, ½ln 2], relative error 3·10⁻⁹), times 2^(k + 64) and then 2⁻⁶⁴: two normal powers of two,
 *       so only the last product rounds, subnormal results included.</li>
 *   <li>tanh z: for |z| &lt; {@link #TANH_SERIES_MAX}, z + z³·Q(z²) with Q of degree 7 (the same kind of fit of
 *       (tanh a − a)/a³ on [0, 1], relative error 4·10⁻¹⁰); beyond, ±(1 − 2e/(1 + e)) with e = e^(−2|z|) ≤
 *       0.136, where 2e/(1 + e) ≤ 0.24 carries the rounding errors at a quarter of their weight. (The series up
 *       to 0.875 only, or as z·(1 + z²·Q), left 1.26 ulp.)</li>
 *   <li>the sigmoid: {1 or e}/(1 + e) with e = e^(−|z|), the form of {@code ActivationMath.logistic} (no
 *       cancellation on either side).</li>
 * </ul>
 */
public final class FloatSigma {
    private FloatSigma() {}

    /** 1.5·2²³: x + this rounds x (|x| ≤ 2²²) to an integer, which the sum's low bits hold. */
    private static final float ROUNDER = 12582912f;
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);

    /**
     * 2^k as 2^(k + 64) (a normal float for every k ≥ −150 that the clamp allows: bits (k + 64 + 127) &lt;&lt; 23) times
     * 2⁻⁶⁴: the first product is exact, the second rounds once, subnormal results included.
     */
    private static final int SCALE_BIAS = 127 + 64;
    private static final float TWO_TO_MINUS_64 = 0x1p-64f;

    /** Arguments of {@link #expNonPositive} are clamped here: e^(−104) rounds to 0 in float. */
    private static final float EXP_MIN = -104f;

    private static final float LOG2E = 1.44269504f;
    /** ln 2 = LN2_HI + LN2_LO; LN2_HI has 12 significant bits. */
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    /** (e^r − 1 − r)/r² ≈ E0 + E1·r + … + E4·r⁴ on |r| ≤ ½ln 2. */
    private static final float E0 = 4.999999404e-01f, E1 = 1.666652113e-01f, E2 = 4.166838899e-02f,
            E3 = 8.368710056e-03f, E4 = 1.381461043e-03f;

    /** tanh uses its series below this |z| and the exponential form from here on. */
    public static final float TANH_SERIES_MAX = 1f;
    /** (tanh a − a)/a³ ≈ Q0 + Q1·w + … + Q7·w⁷, w = a², on 0 ≤ a ≤ {@link #TANH_SERIES_MAX}. */
    private static final float Q0 = -3.333332837e-01f, Q1 = 1.333319992e-01f, Q2 = -5.395310000e-02f,
            Q3 = 2.178473212e-02f, Q4 = -8.595115505e-03f, Q5 = 3.078595269e-03f, Q6 = -8.411378367e-04f,
            Q7 = 1.214708682e-04f;

    /** σ(z) as the SIMD kernels compute it: tanh and the sigmoid here, every other activation by {@link Activation#apply} (exact). */
    public static float of(Activation sigma, float z) {
        return switch (sigma) {
            case Activation.Tanh t -> tanh(z);
            case Activation.Sigmoid s -> logistic(z);
            default -> sigma.apply(z);
        };
    }

    /** e^x for x ≤ 0 (and NaN for NaN); for x &gt; 0 the result is not e^x. */
    public static float expNonPositive(float x) {
        float c = Math.max(x, EXP_MIN); // NaN stays NaN
        float rounded = Math.fma(c, LOG2E, ROUNDER);
        float k = rounded - ROUNDER;
        int ki = Float.floatToRawIntBits(rounded) - ROUNDER_BITS;
        float r = Math.fma(k, -LN2_LO, Math.fma(k, -LN2_HI, c));
        float p = Math.fma(Math.fma(Math.fma(Math.fma(E4, r, E3), r, E2), r, E1), r, E0);
        float er = Math.fma(r * r, p, r) + 1f;
        return er * Float.intBitsToFloat((ki + SCALE_BIAS) << 23) * TWO_TO_MINUS_64;
    }

    /** tanh z. */
    public static float tanh(float z) {
        float a = Math.abs(z);
        float w = z * z;
        float q = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Q7, w, Q6), w, Q5), w, Q4), w, Q3), w, Q2),
                w, Q1), w, Q0);
        float series = z == 0f ? z : Math.fma(z * w, q, z); // z + z³·q would turn −0 into +0
        float e = expNonPositive(-2f * a);
        float exponential = 1f - (e + e) / (1f + e);
        return a < TANH_SERIES_MAX ? series : z < 0f ? -exponential : exponential;
    }

    /** The sigmoid 1/(1 + e^(−z)). */
    public static float logistic(float z) {
        float e = expNonPositive(-Math.abs(z));
        return (z < 0f ? e : 1f) / (1f + e);
    }
}
