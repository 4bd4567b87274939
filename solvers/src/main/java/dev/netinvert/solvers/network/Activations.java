package dev.netinvert.solvers.network;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Everything the network code needs to know about an activation σ beyond its scalar map: elementwise
 * application to a vector, the derivative σ′ for backpropagation, and the domain of σ's range, where an
 * observation must lie for the Bregman loss B_Ψ of eq. (4) [000] to be finite.
 *
 * <h2>Elementwise application</h2>
 * {@link #applyInPlace} and {@link #apply} loop over {@link Activation#apply(float)} one element at a
 * time. This is the one place that does so: it is replaced by the vectorized prox kernel of the kernels
 * module once that lands. Its cost is O(n_l) per layer, next to the O(n_l·n_{l−1}) of the GEMV before it.
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

    /**
     * x ← σ(x) elementwise. The single per-element loop over {@link Activation#apply}; to be replaced by
     * the vectorized prox kernel.
     */
    public static void applyInPlace(Activation sigma, FloatVec x) {
        apply(sigma, x, x);
    }

    /** dst ← σ(src) elementwise; {@code src} and {@code dst} have equal lengths and may be the same view. */
    public static void apply(Activation sigma, FloatVec src, FloatVec dst) {
        Objects.requireNonNull(sigma, "sigma");
        sameLength("src", src, "dst", dst);
        if (sigma instanceof Activation.Identity) {
            if (src.segment() != dst.segment() || src.byteOffset() != dst.byteOffset()) {
                MemorySegment.copy(src.segment(), src.byteOffset(), dst.segment(), dst.byteOffset(),
                        (long) src.length() * Float.BYTES);
            }
            return;
        }
        MemorySegment s = src.segment(), d = dst.segment();
        long so = src.byteOffset(), dO = dst.byteOffset();
        int n = src.length();
        for (int i = 0; i < n; i++) {
            long o = 4L * i;
            d.set(FloatVec.LAYOUT, dO + o, sigma.apply(s.get(FloatVec.LAYOUT, so + o)));
        }
    }

    /**
     * σ′ at the pre-activation whose output is {@code x = σ(u)} (table in the class comment).
     *
     * @param sigma the activation
     * @param x     the output σ(u), not the pre-activation u
     */
    public static float derivativeFromOutput(Activation sigma, float x) {
        return switch (sigma) {
            case Activation.Identity _ -> 1f;
            case Activation.Relu _ -> x > 0f ? 1f : 0f;
            case Activation.LeakyRelu l -> x > 0f ? 1f : l.slope();
            case Activation.SoftThreshold _ -> x != 0f ? 1f : 0f;
            case Activation.Tanh _ -> 1f - x * x;
            case Activation.Clip _ -> Math.abs(x) < 1f ? 1f : 0f;
            case Activation.Sigmoid _ -> x * (1f - x);
        };
    }

    /** σ′(u), evaluated as {@link #derivativeFromOutput}{@code (σ, σ(u))}. */
    public static float derivative(Activation sigma, float u) {
        return derivativeFromOutput(sigma, sigma.apply(u));
    }

    /**
     * v ← σ′(u) ⊙ v, with σ′ taken from the layer outputs {@code x = σ(u)}: the step of
     * backpropagation through an activation, δ_l = σ_l′(u_l) ⊙ (W_{l+1}ᵀ δ_{l+1}).
     */
    public static void multiplyByDerivative(Activation sigma, FloatVec x, FloatVec v) {
        Objects.requireNonNull(sigma, "sigma");
        sameLength("x", x, "v", v);
        if (sigma instanceof Activation.Identity) {
            return;
        }
        MemorySegment xs = x.segment(), vs = v.segment();
        long xo = x.byteOffset(), vo = v.byteOffset();
        int n = x.length();
        for (int i = 0; i < n; i++) {
            long o = 4L * i;
            float d = derivativeFromOutput(sigma, xs.get(FloatVec.LAYOUT, xo + o));
            vs.set(FloatVec.LAYOUT, vo + o, d * vs.get(FloatVec.LAYOUT, vo + o));
        }
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
