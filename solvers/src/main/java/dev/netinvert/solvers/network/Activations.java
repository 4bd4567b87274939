package dev.netinvert.solvers.network;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Prox;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Everything the network code needs to know about an activation σ beyond its scalar map: elementwise
 * application to a vector, the derivative σ′ for backpropagation, and the domain of σ's range, where an
 * observation must lie for the Bregman loss B_Ψ of eq. (4) [000] to be finite.
 *
 * <h2>Elementwise application</h2>
 * {@link #applyInPlace}, {@link #apply} and {@link #multiplyByDerivative} run on every forward pass and
 * every backpropagation, so they are the vector kernels {@link Prox#apply} and
 * {@link Prox#multiplyByDerivativeFromOutput}. σ of the piecewise-linear activations and every σ′ product
 * are bit-identical to the scalar maps; tanh and sigmoid are the kernels' vector TANH and EXP, within 2
 * and 3 ulp of the double-precision σ (see {@code SimdProxSupport}) rather than equal to
 * {@link Activation#apply(float)}. The one-sample and batch passes apply σ to the same vectors (one layer
 * of one sample, from its element 0), so they still agree bit for bit.
 *
 * <h2>Derivatives</h2>
 * σ′ is expressed through the <em>output</em> x = σ(u), as PyTorch's autograd does for tanh and sigmoid,
 * so backpropagation needs only the layer outputs and no second evaluation of tanh or exp:
 * <pre>
 *   identity        σ′ = 1
 *   relu            σ′ = 1 if x &gt; 0 else 0                (u &gt; 0 ⟺ x &gt; 0; ReLU′(0) = 0)
 *   leaky_relu(c)   σ′ = 1 if x &gt; 0 else c                (LeakyReLU′(0) = c)
 *   soft_threshold  σ′ = 1 if x ≠ 0 else 0                (|u| &gt; λ ⟺ x ≠ 0; σ′(±λ) = 0)
 *   tanh            σ′ = 1 − x²
 *   clip            σ′ = 1 if |x| &lt; 1 else 0             (|u| &lt; 1 ⟺ |x| &lt; 1; σ′(±1) = 0)
 *   sigmoid         σ′ = x·(1 − x)
 * </pre>
 * At the kinks of the piecewise-linear maps σ′ takes the value of the flat (or shallower) side, the
 * convention of PyTorch's {@code relu}, {@code leaky_relu}, {@code softshrink} and {@code hardtanh}
 * backward passes, so gradients agree with the baselines of [002]–[004] computed there.
 */
public final class Activations {
    private Activations() {}

    /** Smallest distance we keep from the boundary of an open domain when clipping: one float ulp at 1. */
    private static final float OPEN_MARGIN = 0x1p-24f;

    /** x ← σ(x) elementwise ({@link Prox#apply}). */
    public static void applyInPlace(Activation sigma, FloatVec x) {
        apply(sigma, x, x);
    }

    /**
     * dst ← σ(src) elementwise ({@link Prox#apply}); {@code src} and {@code dst} have equal lengths and are
     * the same view or disjoint.
     */
    public static void apply(Activation sigma, FloatVec src, FloatVec dst) {
        Objects.requireNonNull(sigma, "sigma");
        sameLength("src", src, "dst", dst);
        Prox.apply(sigma, src, dst);
    }

    /**
     * σ′ at the pre-activation whose output is {@code x = σ(u)} (table in the class comment).
     *
     * @param sigma the activation
     * @param x     the output σ(u), not the pre-activation u
     */
    public static float derivativeFromOutput(Activation sigma, float x) {
        return sigma.derivativeFromOutput(x); // the kernels' definition, which the vector kernel reproduces
    }

    /** σ′(u), evaluated as {@link #derivativeFromOutput}{@code (σ, σ(u))}. */
    public static float derivative(Activation sigma, float u) {
        return derivativeFromOutput(sigma, sigma.apply(u));
    }

    /**
     * v ← σ′(u) ⊙ v, with σ′ taken from the layer outputs {@code x = σ(u)}: the step of
     * backpropagation through an activation, δ_l = σ_l′(u_l) ⊙ (W_{l+1}ᵀ δ_{l+1})
     * ({@link Prox#multiplyByDerivativeFromOutput}, bit-identical to {@link #derivativeFromOutput} times v).
     */
    public static void multiplyByDerivative(Activation sigma, FloatVec x, FloatVec v) {
        Objects.requireNonNull(sigma, "sigma");
        sameLength("x", x, "v", v);
        Prox.multiplyByDerivativeFromOutput(sigma, x, v);
    }

    /**
     * Whether {@code y} lies in the range of σ, the domain of the Bregman loss B_Ψ(y, ·) of eq. (4) [000]:
     * relu y ≥ 0; tanh |y| &lt; 1; sigmoid 0 &lt; y &lt; 1; clip |y| ≤ 1; identity, leaky ReLU and soft-threshold
     * any finite y. NaN is in no domain.
     */
    public static boolean inDomain(Activation sigma, float y) {
        // One definition of the domains: the kernels' (closed for tanh and sigmoid — the closure of Ψ, so
        // that float tanh's exact ±1 outputs are valid observations).
        return Float.isFinite(y) && sigma.inDomain(y);
    }

    /** The domain as text for messages, e.g. {@code "y >= 0"} or {@code "-1 < y < 1"}. */
    public static String domainDescription(Activation sigma) {
        return sigma.domain();
    }

    /**
     * Elements of {@code y} outside σ's range (see {@link #inDomain}): how many, and the first one.
     *
     * @return the violations; {@link Violations#count()} is 0 when every element is inside
     */
    public static Violations outsideDomain(Activation sigma, FloatVec y) {
        Objects.requireNonNull(sigma, "sigma");
        Objects.requireNonNull(y, "y");
        long count = 0;
        int first = -1;
        float firstValue = 0f;
        MemorySegment s = y.segment();
        long off = y.byteOffset();
        for (int i = 0; i < y.length(); i++) {
            float v = s.get(FloatVec.LAYOUT, off + 4L * i);
            if (!inDomain(sigma, v)) {
                if (count++ == 0) {
                    first = i;
                    firstValue = v;
                }
            }
        }
        return new Violations(count, first, firstValue);
    }

    /**
     * Projects {@code y} onto σ's range in place — "we clip all the negative values of y^δ to ensure
     * y^δ ∈ dom(Ψ)" (sec. 5.1.1 [000]) — and returns how many elements changed. Closed bounds are hit
     * exactly (ReLU: max(y, 0); clip: [−1, 1]); open bounds are approached to within 2⁻²⁴ (tanh:
     * [−1 + 2⁻²⁴, 1 − 2⁻²⁴]; sigmoid: [2⁻²⁴, 1 − 2⁻²⁴]), the nearest floats that keep Ψ finite. NaN
     * elements are left alone (they are a bug upstream, not noise); identity, leaky ReLU and
     * soft-threshold have nothing to clip.
     */
    public static int clipToDomain(Activation sigma, FloatVec y) {
        Objects.requireNonNull(sigma, "sigma");
        Objects.requireNonNull(y, "y");
        float lo, hi;
        switch (sigma) {
            case Activation.Identity _, Activation.LeakyRelu _, Activation.SoftThreshold _ -> {
                return 0;
            }
            case Activation.Relu _ -> { lo = 0f; hi = Float.POSITIVE_INFINITY; }
            case Activation.Tanh _ -> { lo = -1f + OPEN_MARGIN; hi = 1f - OPEN_MARGIN; }
            case Activation.Clip _ -> { lo = -1f; hi = 1f; }
            case Activation.Sigmoid _ -> { lo = OPEN_MARGIN; hi = 1f - OPEN_MARGIN; }
        }
        int changed = 0;
        for (int i = 0; i < y.length(); i++) {
            float v = y.get(i);
            float c = v < lo ? lo : (v > hi ? hi : v);
            if (c != v) {
                y.set(i, c);
                changed++;
            }
        }
        return changed;
    }

    /**
     * Elements that fail a check.
     *
     * @param count      how many elements fail
     * @param firstIndex index of the first failing element, −1 if none
     * @param firstValue its value (0 if none)
     */
    public record Violations(long count, int firstIndex, float firstValue) {
        public boolean any() {
            return count > 0;
        }
    }

    private static void sameLength(String a, FloatVec x, String b, FloatVec y) {
        Objects.requireNonNull(x, a);
        Objects.requireNonNull(y, b);
        if (x.length() != y.length()) {
            throw new IllegalArgumentException(
                    b + ": expected length " + x.length() + " (= " + a + ".length), got " + y.length());
        }
    }
}
