package dev.netinvert.kernels;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Activations as proximal maps, over whole vectors: σ = prox_Ψ, the scaled prox prox_{cΨ} (eq. (17)
 * [000]), Ψ, the conjugate Φ* of Φ = ½|·|² + Ψ, the Bregman loss B_Ψ of eq. (4) [000] with its
 * gradient σ(z) − y, the derivative σ′, and the domain check for data y. The formulas, the conventions
 * at kinks and the handling of NaN and ±∞ are those of {@link Activation}.
 *
 * <p>Every entry point validates its arguments (non-null, live arenas, equal lengths, c finite and
 * &gt; 0, outputs that are either the same range as an input or disjoint from it) and throws with a
 * message naming the argument; the kernels behind it trust them. The implementation (SIMD or scalar)
 * is chosen once per JVM by {@link KernelProvider} and kept in a {@code static final} field.
 *
 * <p>Precision (see {@code SimdProxSupport} for measured figures): elementwise outputs agree with the
 * double-precision reference to a few ulp; sums are accumulated in double and their terms are computed
 * in double, so they agree with the reference to a small multiple of n·2⁻⁵³·Σ|terms|.
 */
public final class Prox {
    private Prox() {}

    private static final ProxSupport K = KernelProvider.getInstance().proxSupport();

    /** The active implementation. */
    public static ProxSupport active() {
        return K;
    }

    /**
     * out ← σ(z), elementwise.
     *
     * @param z   pre-activations, n elements
     * @param out n elements; may be {@code z} itself
     */
    public static void apply(Activation sigma, FloatVec z, FloatVec out) {
        unary(sigma, z, out);
        K.apply(sigma, z.segment(), z.byteOffset(), out.segment(), out.byteOffset(), z.length());
    }

    /**
     * out ← prox_{cΨ}(z) = argmin_u ½(u − z)² + c·Ψ(u), elementwise. Closed forms for the piecewise-linear
     * activations; a vectorized safeguarded Newton iteration for tanh and sigmoid.
     *
     * @param c   the scale, finite and &gt; 0 (c = 1 gives σ)
     * @param z   n elements
     * @param out n elements; may be {@code z} itself
     */
    public static void prox(Activation sigma, float c, FloatVec z, FloatVec out) {
        scale(c);
        unary(sigma, z, out);
        K.prox(sigma, c, z.segment(), z.byteOffset(), out.segment(), out.byteOffset(), z.length());
    }

    /**
     * {@link #prox} through the instrumented kernel: also returns the total number of Newton residual
     * evaluations (0 for closed forms), so mean iterations per element = result / n. For benchmarks
     * and diagnostics; {@link #prox} does not count.
     */
    public static long proxCountingIterations(Activation sigma, float c, FloatVec z, FloatVec out) {
        scale(c);
        unary(sigma, z, out);
        return K.proxCountingIterations(sigma, c, z.segment(), z.byteOffset(), out.segment(), out.byteOffset(),
                z.length());
    }

    /** out ← σ′(z), elementwise, with the smaller one-sided derivative at kinks; out may be z. */
    public static void derivative(Activation sigma, FloatVec z, FloatVec out) {
        unary(sigma, z, out);
        K.derivative(sigma, z.segment(), z.byteOffset(), out.segment(), out.byteOffset(), z.length());
    }

    /**
     * out ← σ(z) − y = ∇_z Σᵢ B_Ψ(yᵢ, zᵢ). The domain of y is not checked here (see
     * {@link #checkDomain}); the arithmetic is plain IEEE.
     *
     * @param y   the data, n elements
     * @param z   pre-activations, n elements
     * @param out n elements; may be {@code y} or {@code z} itself
     */
    public static void bregmanGradient(Activation sigma, FloatVec y, FloatVec z, FloatVec out) {
        Objects.requireNonNull(sigma, "sigma must not be null");
        Checks.sameLength("y", y, "z", z);
        Checks.sameLength("y", y, "out", out);
        sameOrDisjoint("y", y, "out", out);
        sameOrDisjoint("z", z, "out", out);
        K.bregmanGradient(sigma, y.segment(), y.byteOffset(), z.segment(), z.byteOffset(),
                out.segment(), out.byteOffset(), y.length());
    }

    /**
     * out ← m ⊙ σ′(z) ⊙ (σ(z) − y), the gradient of the output least-squares loss
     * z ↦ ½Σᵢ mᵢ(σ(zᵢ) − yᵢ)² — the chain-rule factor of ½‖M(y − σ(Wx + b))‖² that Alg. 3 [002] multiplies
     * by Wᵀ. One pass and, for tanh and sigmoid, one transcendental per element (σ′ from σ).
     *
     * @param y   the data, n elements (not read where mᵢ = 0)
     * @param z   pre-activations, n elements
     * @param m   null (every mᵢ = 1) or n non-negative weights — 0/1 for an observation mask; where
     *            mᵢ = 0 the output is +0 whatever yᵢ and zᵢ hold
     * @param out n elements; may be y, z or m itself, or disjoint from them
     */
    public static void leastSquaresGradient(Activation sigma, FloatVec y, FloatVec z, FloatVec m, FloatVec out) {
        Objects.requireNonNull(sigma, "sigma must not be null");
        Checks.sameLength("y", y, "z", z);
        Checks.sameLength("y", y, "out", out);
        sameOrDisjoint("y", y, "out", out);
        sameOrDisjoint("z", z, "out", out);
        if (m != null) {
            Checks.sameLength("y", y, "m", m);
            sameOrDisjoint("m", m, "out", out);
        }
        K.leastSquaresGradient(sigma, y.segment(), y.byteOffset(), z.segment(), z.byteOffset(),
                m == null ? null : m.segment(), m == null ? 0 : m.byteOffset(), out.segment(), out.byteOffset(), y.length());
    }

    /**
     * One proximal-gradient step of an ℓ1-regularised least-squares problem (step 2 of Alg. 3 [002]):
     * u ← S(x − μg), with S the soft threshold at {@code threshold} (= μλ), or with {@code nonNeg} the
     * threshold onto [0, ∞) (u = max(x − μg − μλ, 0)). Also returns, in {@code sums}, the quantities FISTA's
     * stopping and restart tests need: sums[0] = ‖u − p‖², sums[1] = ‖u‖², sums[2] = ⟨x − u, u − p⟩, where
     * p is the previous iterate (summed in float lanes by the SIMD kernel: convergence measures).
     *
     * @param x    the extrapolated point, n elements
     * @param g    the gradient at x, n elements
     * @param p    the previous iterate, n elements
     * @param u    the result, n elements: x or p itself (an update in place) or disjoint from them, and
     *             disjoint from g
     * @param sums at least 3 elements
     */
    public static void l1ProxStep(float mu, float threshold, boolean nonNeg, FloatVec x, FloatVec g, FloatVec p,
                                  FloatVec u, double[] sums) {
        Checks.sameLength("x", x, "g", g);
        Checks.sameLength("x", x, "p", p);
        Checks.sameLength("x", x, "u", u);
        sameOrDisjoint("x", x, "u", u);
        Checks.disjoint("u", u, "g", g);
        sameOrDisjoint("p", p, "u", u);
        Objects.requireNonNull(sums, "sums must not be null");
        if (sums.length < 3) {
            throw new IllegalArgumentException("sums: expected at least 3 elements, got " + sums.length);
        }
        if (!(threshold >= 0) || !Float.isFinite(mu)) {
            throw new IllegalArgumentException("threshold must be >= 0 and mu finite, got threshold " + threshold
                    + ", mu " + mu);
        }
        K.l1ProxStep(mu, threshold, nonNeg, x.segment(), x.byteOffset(), g.segment(), g.byteOffset(), p.segment(),
                p.byteOffset(), u.segment(), u.byteOffset(), x.length(), sums);
    }

    /** Σᵢ Ψ(uᵢ) in double; +∞ if some uᵢ ∉ dom Ψ, NaN if some uᵢ is NaN. */
    public static double psi(Activation sigma, FloatVec u) {
        Objects.requireNonNull(sigma, "sigma must not be null");
        Checks.vec("u", u);
        return K.psiSum(sigma, u.segment(), u.byteOffset(), u.length());
    }

    /** Σᵢ Φ*(zᵢ) in double, Φ* = (½|·|² + Ψ)*. */
    public static double conjugate(Activation sigma, FloatVec z) {
        Objects.requireNonNull(sigma, "sigma must not be null");
        Checks.vec("z", z);
        return K.conjugateSum(sigma, z.segment(), z.byteOffset(), z.length());
    }

    /**
     * Σᵢ B_Ψ(yᵢ, zᵢ) of eq. (4) [000] in double: ≥ ½‖y − σ(z)‖², 0 iff y = σ(z). +∞ if some yᵢ ∉ dom Ψ
     * (call {@link #checkDomain} once on data at the solver boundary to get a clear message instead).
     *
     * @param y the data (targets), n elements
     * @param z pre-activations, n elements
     */
    public static double bregmanLoss(Activation sigma, FloatVec y, FloatVec z) {
        Objects.requireNonNull(sigma, "sigma must not be null");
        Checks.sameLength("y", y, "z", z);
        return K.bregmanSum(sigma, y.segment(), y.byteOffset(), z.segment(), z.byteOffset(), y.length());
    }

    /**
     * Throws unless every element of y lies in dom Ψ (NaN and ±∞ never do), naming the argument, the
     * index and value of the first offending element, and the domain — e.g.
     * {@code "y[17] = -0.5 is outside the domain [0, ∞) of Ψ for relu: B_Ψ(y, z) would be +∞"}.
     *
     * @param argName the name of y in the caller's terms, used in the message
     * @throws IllegalArgumentException if some element is outside dom Ψ
     */
    public static void checkDomain(String argName, Activation sigma, FloatVec y) {
        Objects.requireNonNull(argName, "argName must not be null");
        Objects.requireNonNull(sigma, "sigma must not be null");
        Checks.vec(argName, y);
        int i = K.firstOutsideDomain(sigma, y.segment(), y.byteOffset(), y.length());
        if (i >= 0) {
            throw new IllegalArgumentException(argName + "[" + i + "] = " + y.get(i) + " is outside the domain "
                    + sigma.domain() + " of Ψ for " + sigma.name() + ": B_Ψ(" + argName + ", z) would be "
                    + (Float.isNaN(y.get(i)) ? "NaN" : "+∞"));
        }
    }

    /**
     * v ← σ′(u) ⊙ v with σ′ taken from the outputs x = σ(u) ({@link Activation#derivativeFromOutput}): the
     * step of backpropagation through an activation, δ_l = σ_l′(u_l) ⊙ (W_{l+1}ᵀ δ_{l+1}). Bit-identical to
     * the scalar definition (float products, no transcendental).
     *
     * @param x the layer outputs σ(u), n elements (not the pre-activations u)
     * @param v n elements, updated in place; may be x itself or disjoint from it
     */
    public static void multiplyByDerivativeFromOutput(Activation sigma, FloatVec x, FloatVec v) {
        Objects.requireNonNull(sigma, "sigma must not be null");
        Checks.sameLength("x", x, "v", v);
        sameOrDisjoint("x", x, "v", v);
        K.multiplyByDerivativeFromOutput(sigma, x.segment(), x.byteOffset(), v.segment(), v.byteOffset(), x.length());
    }

    // ------------------------------------------------------------------ validation

    private static void unary(Activation sigma, FloatVec z, FloatVec out) {
        Objects.requireNonNull(sigma, "sigma must not be null");
        Checks.sameLength("z", z, "out", out);
        sameOrDisjoint("z", z, "out", out);
    }

    private static void scale(float c) {
        if (!(c > 0f) || c == Float.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("c must be finite and > 0, got " + c);
        }
    }

    /**
     * Elementwise kernels may write over their input only in place: a partially overlapping output would
     * be written before some of the input is read (a vector store spans several elements).
     */
    static void sameOrDisjoint(String a, FloatVec x, String b, FloatVec y) {
        MemorySegment sx = x.segment(), sy = y.segment();
        if (sx.isNative() != sy.isNative() || x.length() == 0 || y.length() == 0) {
            return;
        }
        if (!sx.isNative() && sx.heapBase().orElse(null) != sy.heapBase().orElse(null)) {
            return;
        }
        long x0 = sx.address() + x.byteOffset(), x1 = x0 + 4L * x.length();
        long y0 = sy.address() + y.byteOffset(), y1 = y0 + 4L * y.length();
        if (x0 < y1 && y0 < x1 && x0 != y0) {
            throw new IllegalArgumentException(b + " must be either " + a + " itself or disjoint from it; "
                    + "they overlap partially (" + b + " starts " + (y0 - x0) + " bytes after " + a + ")");
        }
    }
}
