package dev.netinvert.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The elementwise activation kernels — σ = prox_Ψ, the scaled prox, Ψ, the conjugate Φ*, the Bregman
 * loss B_Ψ of eq. (4) [000] and its gradient, σ′ and the domain scan — as implemented by the SIMD and
 * the scalar kernel families (the Lucene {@code VectorUtilSupport} pattern, like {@link KernelSupport}).
 *
 * <p>Arguments are raw {@code (segment, byteOffset)} pairs of {@code n} little-endian floats and are
 * <b>trusted</b>: the validating facade is {@link Prox}. An output may be the very same range as an
 * input (same segment and offset) but must not overlap it otherwise. The mathematics of every method
 * is that of the scalar {@link Activation} methods, which are the specification; see there for the
 * formulas, the kink conventions of σ′ and the handling of NaN and infinities.
 *
 * <p>Sums are accumulated in double precision; each implementation documents the precision of the
 * per-element terms.
 */
public interface ProxSupport {

    /** "simd" or "scalar". */
    String name();

    /** out[i] ← σ(z[i]). */
    void apply(Activation sigma, MemorySegment z, long zOff, MemorySegment out, long outOff, int n);

    /** out[i] ← prox_{cΨ}(z[i]), c finite and &gt; 0. */
    void prox(Activation sigma, float c, MemorySegment z, long zOff, MemorySegment out, long outOff, int n);

    /**
     * Exactly {@link #prox}, and returns the total number of Newton residual evaluations spent over the
     * n elements (0 for closed-form activations). An instrumented twin for benchmarks and tests; the
     * counting is kept out of {@link #prox}.
     */
    long proxCountingIterations(Activation sigma, float c, MemorySegment z, long zOff,
                                MemorySegment out, long outOff, int n);

    /** out[i] ← σ′(z[i]). */
    void derivative(Activation sigma, MemorySegment z, long zOff, MemorySegment out, long outOff, int n);

    /** out[i] ← σ(z[i]) − y[i] = ∇_z B_Ψ(y, z)[i]. */
    void bregmanGradient(Activation sigma, MemorySegment y, long yOff, MemorySegment z, long zOff,
                         MemorySegment out, long outOff, int n);

    /**
     * out[i] ← m[i]·σ′(z[i])·(σ(z[i]) − y[i]), the gradient of z ↦ ½Σ m[i](σ(z[i]) − y[i])² (m[i] = 1 when
     * {@code m} is null). Where m[i] = 0 the output is +0 and y[i], z[i] are not used. σ′ has the kink
     * conventions of {@link Activation#derivative}.
     */
    void leastSquaresGradient(Activation sigma, MemorySegment y, long yOff, MemorySegment z, long zOff,
                              MemorySegment m, long mOff, MemorySegment out, long outOff, int n);

    /**
     * The proximal-gradient step of an ℓ1-regularised problem: u[i] ← S(x[i] − μ·g[i]), S the soft threshold
     * at {@code t} (v − t, 0 or v + t, computed as v − clamp(v, −t, t) so that NaN stays NaN), or with
     * {@code nonNeg} the threshold onto [0, ∞): max(v − t, 0). v = x[i] − μ·g[i] is rounded once (an FMA).
     * Writes sums[0] = Σ (u[i] − p[i])², sums[1] = Σ u[i]², sums[2] = Σ (x[i] − u[i])·(u[i] − p[i]), with
     * x[i] and p[i] read before u[i] is written (u may be x or p itself).
     */
    void l1ProxStep(float mu, float t, boolean nonNeg, MemorySegment x, long xOff, MemorySegment g, long gOff,
                    MemorySegment p, long pOff, MemorySegment u, long uOff, int n, double[] sums);

    /** Σ Ψ(u[i]) (+∞ if some u[i] ∉ dom Ψ). */
    double psiSum(Activation sigma, MemorySegment u, long uOff, int n);

    /** Σ Φ*(z[i]) with Φ = ½|·|² + Ψ. */
    double conjugateSum(Activation sigma, MemorySegment z, long zOff, int n);

    /** Σ B_Ψ(y[i], z[i]) (+∞ if some y[i] ∉ dom Ψ). */
    double bregmanSum(Activation sigma, MemorySegment y, long yOff, MemorySegment z, long zOff, int n);

    /** The smallest i with y[i] ∉ dom Ψ (NaN and ±∞ included), or −1 if there is none. */
    int firstOutsideDomain(Activation sigma, MemorySegment y, long yOff, int n);

    /**
     * v[i] ← σ′·v[i] with σ′ = {@link Activation#derivativeFromOutput}(x[i]), x the layer outputs σ(u):
     * the step of backpropagation through an activation. Each factor and the product are the same float
     * operations as the scalar definition, so every implementation is bit-identical to it (NaN payloads
     * aside). The identity leaves v untouched.
     */
    void multiplyByDerivativeFromOutput(Activation sigma, MemorySegment x, long xOff, MemorySegment v, long vOff,
                                        int n);
}
