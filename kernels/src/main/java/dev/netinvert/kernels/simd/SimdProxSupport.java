package dev.netinvert.kernels.simd;

import static dev.netinvert.kernels.internal.SegmentFloats.get;
import static dev.netinvert.kernels.internal.SegmentFloats.put;
import static dev.netinvert.kernels.simd.VectorConstants.LE;
import static jdk.incubator.vector.VectorOperators.CBRT;
import static jdk.incubator.vector.VectorOperators.EQ;
import static jdk.incubator.vector.VectorOperators.EXP;
import static jdk.incubator.vector.VectorOperators.GE;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LOG1P;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.LT;
import static jdk.incubator.vector.VectorOperators.TANH;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.ProxSupport;
import dev.netinvert.kernels.scalar.ScalarProxSupport;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API implementation of the activation kernels over native segments: the elementwise maps σ,
 * prox_{cΨ}, σ′ and the gradients here, the sums in double lanes in {@link DoubleLaneSums}. Created only by
 * {@link SimdKernelProvider}, which is loaded after the check that {@code jdk.incubator.vector} is present.
 *
 * <p>Every kernel is a vector loop over {@code F.length()} floats and a scalar tail that calls the
 * double-precision {@link Activation} mathematics (no masked loads). Precision against the
 * double-precision reference, measured over 2·10⁶ inputs (uniform on [−20, 20] and log-uniform
 * magnitudes in [10⁻⁸, 10⁴]) on this machine's SVML-backed {@code EXP}/{@code TANH}/{@code LOG1P}
 * intrinsics (≈ 0.56 ulp each):
 * <ul>
 *   <li>σ and σ′ of the piecewise-linear activations: exact (the same float operation as the reference,
 *       or an exactly rounded fused form); the scaled prox of leaky ReLU: within 1 ulp;</li>
 *   <li>tanh σ ({@code TANH} intrinsic): ≤ 0.57 ulp; sigmoid σ = {1 or e}/(1 + e), e = e^(−|z|): ≤ 2.3 ulp;
 *       σ′ = 4e/(1+e)² resp. e/(1+e)² with e = e^(−2|z|) resp. e^(−|z|): ≤ 4.1 ulp;</li>
 *   <li>the scaled prox of tanh and sigmoid, a safeguarded Newton iteration in float vectorized with
 *       lane-wise convergence masks ({@link #tanhProxBelow}, {@link #sigmoidProxBelow}): ≤ 1.8 ulp (tanh) and
 *       ≤ 3.3 ulp (sigmoid) from the reference for c from 10⁻⁶ to 10⁶ (≤ 1.7 and ≤ 2.9 ulp from the exact
 *       root), after a mean of 1.0–3.8 residual evaluations per element (the most for c &gt; 1);</li>
 *   <li>the sums Σ Ψ, Σ Φ*, Σ B_Ψ ({@link DoubleLaneSums}) widen each float to double and evaluate the reference formulas in
 *       double lanes, so they match the reference up to summation order (a few n·2⁻⁵³·Σ|terms|); inputs
 *       with NaN, ±∞ or data outside dom Ψ are summed by the scalar reference instead.</li>
 * </ul>
 * Every multiply-add is fused (the SIMD kernels require hardware FMA); in the Newton residuals and the
 * scaled soft-threshold that exactness carries the accuracy. The transcendental operations run as
 * Java code (equal to an ulp) until C2 has compiled a call site, so early and late results may differ
 * by an ulp.
 */
public final class SimdProxSupport implements ProxSupport {

    // static final so that C2 treats species and lengths as constants (DESIGN.md decision 3).
    private static final VectorSpecies<Float> F = VectorConstants.SPECIES;
    private static final int L = F.length();
    private static final long LB = 4L * L;

    private static final float INF = Float.POSITIVE_INFINITY;
    private static final int SIGN_BIT = 0x8000_0000;

    /** Upper bound on Newton iterations per vector: a guard (the extreme-input tests stay below a mean of 12). */
    static final int MAX_NEWTON = 32;

    /** tanh v rounds to 1f for v ≥ 9.02; the v-bracket is clamped here so nothing overflows. */
    private static final float TANH_V_MAX = 10f;

    /** σ(w) rounds to 1f for w ≥ 17.4 and to 0f for w ≤ −103.3; the w-bracket is clamped to ±this. */
    private static final float SIGMOID_W_MAX = 120f;

    private static final float SIGMOID_PSI_ARGMIN = 0.65904607f;

    /**
     * artanh(t) − t = t³·P(t²) for 0 ≤ t ≤ 0.7: a weighted least-squares fit of Σ t^(2k)/(2k+3) on Chebyshev
     * nodes, relative error 3·10⁻⁸ (≈ 4 ulp in float evaluation including the rounding of t³). Beyond
     * 0.7 the direct difference v − t cancels at most 5.2×.
     */
    private static final float G_POLY_MAX = 0.7f;
    private static final float G0 = 3.333333433e-01f, G1 = 1.999976784e-01f, G2 = 1.429821551e-01f,
            G3 = 1.085496694e-01f, G4 = 1.167481840e-01f, G5 = -6.602385640e-02f, G6 = 5.138146281e-01f,
            G7 = -6.995490193e-01f, G8 = 6.291957498e-01f;

    SimdProxSupport() {}

    @Override public String name() { return "simd"; }

    // ------------------------------------------------------------------ plumbing

    /** |m| with the sign bit of s (copySign, −0 and NaN included). */
    private static FloatVector copySign(FloatVector m, FloatVector s) {
        IntVector sign = s.reinterpretAsInts().and(SIGN_BIT);
        return m.reinterpretAsInts().and(~SIGN_BIT).or(sign).reinterpretAsFloats();
    }

    /** Midpoint in bit patterns of non-negative floats: a geometric bisection that exhausts any bracket in ≤ 31 steps. */
    private static FloatVector bitsMidpoint(FloatVector lo, FloatVector hi) {
        // Both bit patterns are < 2^31, so the sum fits in 32 unsigned bits and LSHR halves it exactly.
        return lo.reinterpretAsInts().add(hi.reinterpretAsInts()).lanewise(LSHR, 1).reinterpretAsFloats();
    }

    /** Winitzki's Lambert W(e^L), relative error below 2% (a starting point only); NaN for L = +∞. */
    private static FloatVector lambertWFromLog(FloatVector logQ) {
        FloatVector l = logQ.max(0f).add(logQ.abs().neg().lanewise(EXP).lanewise(LOG1P));
        return l.mul(l.lanewise(LOG1P).div(l.add(2f)).neg().add(1f));
    }

    /** artanh(t) − t for 0 ≤ t ≤ {@link #G_POLY_MAX}, by the fitted polynomial. */
    private static FloatVector artanhMinusIdentityPoly(FloatVector t) {
        FloatVector x = t.mul(t);
        FloatVector p = FloatVector.broadcast(F, G8);
        p = p.fma(x, FloatVector.broadcast(F, G7));
        p = p.fma(x, FloatVector.broadcast(F, G6));
        p = p.fma(x, FloatVector.broadcast(F, G5));
        p = p.fma(x, FloatVector.broadcast(F, G4));
        p = p.fma(x, FloatVector.broadcast(F, G3));
        p = p.fma(x, FloatVector.broadcast(F, G2));
        p = p.fma(x, FloatVector.broadcast(F, G1));
        p = p.fma(x, FloatVector.broadcast(F, G0));
        return x.mul(t).mul(p);
    }

    /** σ(z) for the sigmoid with e = e^(−|z|): 1/(1+e) for z ≥ 0, e/(1+e) for z &lt; 0 (no cancellation). */
    private static FloatVector logistic(FloatVector z) {
        FloatVector e = z.abs().neg().lanewise(EXP);
        return FloatVector.broadcast(F, 1f).blend(e, z.compare(LT, 0f)).div(e.add(1f));
    }

    /** 4e/(1 + e)² (sech² for e = e^(−2|v|)) or e/(1 + e)² (σ′ for e = e^(−|w|)), scaled by {@code k}: one rounding per operation. */
    private static FloatVector bump(FloatVector e, float k) {
        FloatVector ope = e.add(1f);
        return e.mul(k).div(ope.mul(ope));
    }

    // ------------------------------------------------------------------ σ

    @Override
    public void apply(Activation sigma, MemorySegment z, long zo, MemorySegment out, long oo, int n) {
        int i = 0;
        int bound = F.loopBound(n);
        switch (sigma) {
            case Activation.Identity id -> {
                if (z != out || zo != oo) {
                    MemorySegment.copy(z, zo, out, oo, 4L * n);
                }
                return;
            }
            case Activation.Relu r -> {
                for (; i < bound; i += L) {
                    (FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE).max(0f)).intoMemorySegment(out, oo + 4L * i, LE);
                }
            }
            case Activation.LeakyRelu lr -> {
                float s = lr.slope();
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    (v.blend(v.mul(s), v.compare(LT, 0f))).intoMemorySegment(out, oo + 4L * i, LE);
                }
            }
            case Activation.SoftThreshold st -> {
                // v − clamp(v, −λ, λ): z − λ, z + λ or v − v = +0, the very operations of Activation.apply
                // (so σ is bit-identical to it, +0 included, where sign(z)·max(|z| − λ, 0) gave −0 for
                // −λ ≤ z < 0); NaN stays NaN.
                float lambda = st.lambda();
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    v.sub(v.max(-lambda).min(lambda)).intoMemorySegment(out, oo + 4L * i, LE);
                }
            }
            case Activation.Tanh t -> {
                for (; i < bound; i += L) {
                    (FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE).lanewise(TANH)).intoMemorySegment(out, oo + 4L * i, LE);
                }
            }
            case Activation.Clip c -> {
                for (; i < bound; i += L) {
                    (FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE).min(1f).max(-1f)).intoMemorySegment(out, oo + 4L * i, LE);
                }
            }
            case Activation.Sigmoid s -> {
                // logistic() written out: this loop runs in every forward pass of the networks, and a helper
                // taking a vector that C2 leaves out of line boxes it (see the allocation tests).
                FloatVector one = FloatVector.broadcast(F, 1f);
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    FloatVector e = v.abs().neg().lanewise(EXP);
                    one.blend(e, v.compare(LT, 0f)).div(e.add(1f)).intoMemorySegment(out, oo + 4L * i, LE);
                }
            }
        }
        for (; i < n; i++) {
            put(out, oo + 4L * i, sigma.apply(get(z, zo + 4L * i)));
        }
    }

    // ------------------------------------------------------------------ prox_{cΨ}

    @Override
    public void prox(Activation sigma, float c, MemorySegment z, long zo, MemorySegment out, long oo, int n) {
        prox(sigma, c, z, zo, out, oo, n, false);
    }

    @Override
    public long proxCountingIterations(Activation sigma, float c, MemorySegment z, long zo,
                                       MemorySegment out, long oo, int n) {
        return prox(sigma, c, z, zo, out, oo, n, true);
    }

    private long prox(Activation sigma, float c, MemorySegment z, long zo, MemorySegment out, long oo, int n,
                      boolean count) {
        switch (sigma) {
            case Activation.LeakyRelu lr -> {
                // u = z/(1 + c·k) on the negative half-line; the factor is rounded once, from double.
                float f = (float) (1.0 / (1.0 + c * lr.curvature()));
                int i = 0;
                int bound = F.loopBound(n);
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    (v.blend(v.mul(f), v.compare(LT, 0f))).intoMemorySegment(out, oo + 4L * i, LE);
                }
                for (; i < n; i++) {
                    put(out, oo + 4L * i, (float) sigma.prox(get(z, zo + 4L * i), c));
                }
                return 0;
            }
            case Activation.SoftThreshold st -> {
                softThresholdScaled(st.lambda(), c, z, zo, out, oo, n);
                return 0;
            }
            case Activation.Tanh t -> {
                if (c == 1f) {
                    apply(sigma, z, zo, out, oo, n);
                    return 0;
                }
                return c < 1f ? tanhProxBelow(c, z, zo, out, oo, n, count) : tanhProxAbove(c, z, zo, out, oo, n, count);
            }
            case Activation.Sigmoid s -> {
                if (c == 1f) {
                    apply(sigma, z, zo, out, oo, n);
                    return 0;
                }
                return c < 1f ? sigmoidProxBelow(c, z, zo, out, oo, n, count)
                        : sigmoidProxAbove(c, z, zo, out, oo, n, count);
            }
            // The prox of the zero function and of indicators does not depend on c.
            case Activation.Identity id -> apply(sigma, z, zo, out, oo, n);
            case Activation.Relu r -> apply(sigma, z, zo, out, oo, n);
            case Activation.Clip cl -> apply(sigma, z, zo, out, oo, n);
        }
        return 0;
    }

    /**
     * sign(z)·max(|z| − cλ, 0) with |z| − cλ as one fused multiply-add, so the threshold is the exact
     * product cλ (as in the double-precision reference) and the comparison with it is exact.
     */
    private static void softThresholdScaled(float lambda, float c, MemorySegment z, long zo, MemorySegment out,
                                            long oo, int n) {
        FloatVector negC = FloatVector.broadcast(F, -c);
        FloatVector lam = FloatVector.broadcast(F, lambda);
        int i = 0;
        int bound = F.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
            (copySign(negC.fma(lam, v.abs()).max(0f), v)).intoMemorySegment(out, oo + 4L * i, LE);
        }
        for (; i < n; i++) {
            float v = get(z, zo + 4L * i);
            put(out, oo + 4L * i, Math.copySign(Math.max(Math.fma(-c, lambda, Math.abs(v)), 0f), v));
        }
    }

    // The Newton kernels below are four separate loops (tanh and sigmoid, c < 1 and c > 1) rather than
    // one: each must stay small enough for C2 to inline every vector operation of its body (beyond
    // NodeCountInliningCutoff it stops inlining and the vectors are boxed, 30-100x slower).

    /** The Newton loops' shared scalar tail: the double-precision reference, counting its iterations. */
    private static long proxTail(Activation sigma, float c, MemorySegment z, long zo, MemorySegment out, long oo,
                                 int from, int n, boolean count) {
        long iterations = 0;
        for (int i = from; i < n; i++) {
            float zi = get(z, zo + 4L * i);
            if (count) {
                iterations += sigma.proxIterations(zi, c);
            }
            put(out, oo + 4L * i, (float) sigma.prox(zi, c));
        }
        return iterations;
    }

    /**
     * prox_{cΨ} of tanh: the root u of u + c(artanh u − u) = z, solved for a = |z| in v = artanh u by
     * Newton on G(v) = c·v − a + (1 − c)·tanh v (c &lt; 1, {@link #tanhProxBelow}) or
     * G(v) = (tanh v − a) + c·(v − tanh v) (c &gt; 1, {@link #tanhProxAbove}), G′ = sech²v + c·tanh²v — the
     * iteration of {@code ActivationMath.tanhProx}, in float:
     * <ul>
     *   <li>the residual is exact before its last rounding where it matters: c·v − a is one FMA, and for
     *       c &gt; 1, where c·v and (c − 1)·tanh v would cancel for small v, v − tanh v is a polynomial in
     *       tanh v below 0.7 ({@link #artanhMinusIdentityPoly});</li>
     *   <li>the bracket [lo, hi] ⊂ [0, 10] comes from closed-form bounds (widened by their rounding); a
     *       Newton step that leaves it is replaced by a bisection in bit patterns;</li>
     *   <li>the start is the Lambert-W solution of the saturated equation (1−c)(1 − 2e^(−2v)) + cv = a,
     *       clamped into [max(a, (a − 1 + c)/c), min(a/c, artanh a)], for c &lt; 1, and the upper bound
     *       min(a, 1 + a/c, artanh((3a/c)^(1/3))) for c &gt; 1, where G is convex;</li>
     *   <li>a lane is done when its step is below 2⁻¹⁴·v (the error left is O(δ²)), its residual is at
     *       rounding level, or the bracket stops moving; its result is the linearised
     *       tanh v + sech²v·δ, which carries the last sub-ulp correction. A vector iterates until all
     *       its lanes are done or {@link #MAX_NEWTON} is reached.</li>
     * </ul>
     *
     * @return the number of lane-iterations (residual evaluations) if {@code count}, else 0
     */
    private static long tanhProxBelow(float c, MemorySegment z, long zo, MemorySegment out, long oo, int n,
                                      boolean count) {
        final float oneMinusC = 1f - c;
        final float logK = (float) Math.log(4.0 * (1.0 - c) / c);
        final float widenAbs = 0x1p-20f / c;
        FloatVector cv = FloatVector.broadcast(F, c);
        long iterations = 0;
        int i = 0;
        int bound = F.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector zv = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
            FloatVector a = zv.abs();
            FloatVector loB = a.sub(oneMinusC).div(c);
            FloatVector lo = a.max(loB).min(TANH_V_MAX); // clamped first: a/c may overflow, and ∞ − ∞ is NaN
            lo = lo.sub(lo.add(a.add(1f).mul(widenAbs)).mul(0x1p-20f)).max(0f);
            // artanh(a) = ½ ln(1 + 2a/(1 − a)) bounds v from above for a < 1
            FloatVector at = a.add(a).div(a.neg().add(1f)).lanewise(LOG1P).mul(0.5f);
            FloatVector hi = a.div(c).min(at.blend(INF, a.compare(GE, 1f)));
            hi = hi.add(hi.mul(0x1p-20f)).min(TANH_V_MAX);
            // Lambert-W start (Winitzki): v₀ = loB + ½W(q), ln q = ln(4(1−c)/c) − 2·loB
            FloatVector logQ = loB.mul(-2f).add(logK);
            FloatVector l = logQ.max(0f).add(logQ.abs().neg().lanewise(EXP).lanewise(LOG1P));
            FloatVector v = loB.add(l.mul(l.lanewise(LOG1P).div(l.add(2f)).neg().add(1f)).mul(0.5f));
            // NaN-proof clamp: a NaN start (the guess overflowing) becomes hi.
            v = v.blend(hi, v.compare(VectorOperators.LE, hi).not());
            v = v.blend(lo, v.compare(GE, lo).not());

            // Lanes with z = 0 or NaN keep z; z = ±∞ gives ±1; the rest iterate.
            FloatVector mag = a.blend(1f, a.compare(EQ, INF));
            // 1 while a lane iterates: loop state as a vector, since C2 boxes a VectorMask carried around a loop
            FloatVector pending = FloatVector.zero(F).blend(1f, a.compare(GT, 0f).and(a.compare(LT, INF)));
            FloatVector uNew = mag;
            for (int it = 0; it < MAX_NEWTON; it++) {
                VectorMask<Float> active = pending.compare(GT, 0f);
                if (!active.anyTrue()) {
                    break;
                }
                if (count) {
                    iterations += active.trueCount();
                }
                FloatVector t = v.lanewise(TANH);
                FloatVector e = v.mul(-2f).lanewise(EXP);
                FloatVector ope = e.add(1f);
                FloatVector sech2 = e.mul(4f).div(ope.mul(ope));
                FloatVector g = v.fma(cv, a.neg()).add(t.mul(oneMinusC)); // all terms but −a are ≥ 0
                FloatVector delta = g.div(t.mul(t).mul(cv).add(sech2)).neg().max(-TANH_V_MAX).min(TANH_V_MAX);
                uNew = sech2.fma(delta, t).min(1f); // a saturated lane may take a long step

                FloatVector cand = v.add(delta);
                lo = lo.blend(v, g.compare(LT, 0f));
                hi = hi.blend(v, g.compare(GT, 0f));
                cand = cand.blend(lo.add(hi).mul(0.5f), cand.compare(GE, lo).and(cand.compare(VectorOperators.LE, hi)).not());
                VectorMask<Float> done = delta.abs().compare(VectorOperators.LE, v.mul(0x1p-14f))
                        .or(g.abs().compare(VectorOperators.LE, a.mul(0x1p-22f)))
                        .or(cand.compare(EQ, v));
                mag = mag.blend(uNew, active.and(done));
                pending = pending.blend(0f, done);
                v = cand;
            }
            mag = mag.blend(uNew, pending.compare(GT, 0f)); // only if MAX_NEWTON was reached: the last linearised value
            mag.blend(mag.neg(), zv.compare(LT, 0f)).intoMemorySegment(out, oo + 4L * i, LE);
        }
        return iterations + proxTail(Activation.TANH, c, z, zo, out, oo, i, n, count);
    }

    /** prox_{cΨ} of tanh for c &gt; 1; see {@link #tanhProxBelow}. */
    private static long tanhProxAbove(float c, MemorySegment z, long zo, MemorySegment out, long oo, int n,
                                      boolean count) {
        final float threeOverC = 3f / c;
        final float invC = 1f / c;
        FloatVector cv = FloatVector.broadcast(F, c);
        long iterations = 0;
        int i = 0;
        int bound = F.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector zv = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
            FloatVector a = zv.abs();
            FloatVector lo = a.mul(invC);
            FloatVector hi = a.min(lo.add(1f)); // v = tanh v + (a − tanh v)/c ≤ 1 + a/c, and v ≤ a
            // artanh(u) − u ≥ u³/3 bounds u by (3a/c)^(1/3): v ≤ artanh of that when it is below 1
            FloatVector ub = a.mul(threeOverC).lanewise(CBRT);
            FloatVector at = ub.add(ub).div(ub.neg().add(1f)).lanewise(LOG1P).mul(0.5f);
            hi = hi.blend(at, at.compare(LT, hi).and(ub.compare(LT, 1f)));
            lo = lo.mul(1f - 0x1p-20f).min(TANH_V_MAX);
            hi = hi.mul(1f + 0x1p-20f).min(TANH_V_MAX);
            FloatVector v = hi; // G is convex here: Newton from the right is monotone

            FloatVector mag = a.blend(1f, a.compare(EQ, INF));
            // 1 while a lane iterates: loop state as a vector, since C2 boxes a VectorMask carried around a loop
            FloatVector pending = FloatVector.zero(F).blend(1f, a.compare(GT, 0f).and(a.compare(LT, INF)));
            FloatVector uNew = mag;
            for (int it = 0; it < MAX_NEWTON; it++) {
                VectorMask<Float> active = pending.compare(GT, 0f);
                if (!active.anyTrue()) {
                    break;
                }
                if (count) {
                    iterations += active.trueCount();
                }
                FloatVector t = v.lanewise(TANH);
                FloatVector e = v.mul(-2f).lanewise(EXP);
                FloatVector ope = e.add(1f);
                FloatVector sech2 = e.mul(4f).div(ope.mul(ope));
                // v − tanh v: the polynomial in t below 0.7, where the difference would cancel
                FloatVector x = t.mul(t);
                FloatVector p = x.mul(G8).add(G7);
                p = p.mul(x).add(G6);
                p = p.mul(x).add(G5);
                p = p.mul(x).add(G4);
                p = p.mul(x).add(G3);
                p = p.mul(x).add(G2);
                p = p.mul(x).add(G1);
                p = p.mul(x).add(G0);
                FloatVector d = v.sub(t).blend(x.mul(t).mul(p), t.compare(LT, G_POLY_MAX));
                FloatVector g = d.fma(cv, t.sub(a));
                FloatVector delta = g.div(x.mul(cv).add(sech2)).neg();
                uNew = sech2.fma(delta, t);
                uNew = uNew.blend(1f, uNew.compare(GT, 1f)); // a saturated lane may take a long step

                FloatVector cand = v.add(delta);
                lo = lo.blend(v, g.compare(LT, 0f));
                hi = hi.blend(v, g.compare(GT, 0f));
                cand = cand.blend(lo.add(hi).mul(0.5f), cand.compare(GE, lo).and(cand.compare(VectorOperators.LE, hi)).not());
                VectorMask<Float> done = delta.abs().compare(VectorOperators.LE, v.mul(0x1p-14f))
                        .or(g.abs().compare(VectorOperators.LE, d.mul(cv).add(t).mul(0x1p-22f)))
                        .or(cand.compare(EQ, v));
                mag = mag.blend(uNew, active.and(done));
                pending = pending.blend(0f, done);
                v = cand;
            }
            mag = mag.blend(uNew, pending.compare(GT, 0f));
            mag.blend(mag.neg(), zv.compare(LT, 0f)).intoMemorySegment(out, oo + 4L * i, LE);
        }
        return iterations + proxTail(Activation.TANH, c, z, zo, out, oo, i, n, count);
    }

    /**
     * prox_{cΨ} of the sigmoid: the root u of u + c(logit u − u) = z, solved in w = logit u by Newton on
     * G(w) = (c·w − z) + (1 − c)·σ(w), G′ = σ′ + c(1 − σ′) (as {@code ActivationMath.sigmoidProx}, in
     * float): c·w − z is one FMA (exact before rounding), which is what resolves the tails; the bracket
     * is the closed-form one intersected with the half-line w ≥ 0 ⇔ z ≥ (1 − c)/2 and clamped to
     * [−120, 120] (σ is 0f or 1f beyond), with arithmetic bisection as the fallback. For c &lt; 1 the start
     * is the tangent at w = 0 (also a bound on the monotone side) near the centre and the Lambert-W
     * solution of the tail equation beyond |w| = 1 ({@link #sigmoidProxBelow}); for c &gt; 1 a fixed-point
     * step from the minimiser of Ψ ({@link #sigmoidProxAbove}). A lane is done when |δ| ≤ 2⁻¹⁴ — absolute,
     * because in the lower tail the relative error of u is the absolute error of w (≈ δ²/2) — and its
     * result is the linearised σ(w) + σ′(w)·δ.
     */
    private static long sigmoidProxBelow(float c, MemorySegment z, long zo, MemorySegment out, long oo, int n,
                                         boolean count) {
        final float oneMinusC = 1f - c;
        final float half = 0.5f * oneMinusC;
        final float logK = (float) Math.log((1.0 - c) / c);
        final float invC = 1f / c;
        final float tangentSlopeInv = (float) (1.0 / (0.25 + 0.75 * c)); // 1/G′(0)
        final float noise = oneMinusC * 0x1p-22f;
        FloatVector cv = FloatVector.broadcast(F, c);
        FloatVector one = FloatVector.broadcast(F, 1f);
        long iterations = 0;
        int i = 0;
        int bound = F.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector zv = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
            FloatVector nz = zv.neg();
            VectorMask<Float> upper = zv.compare(GE, half);
            // Bounds from 0 < σ < 1, w ∈ [(z − 1 + c)/c, z/c], tightened on the monotone side by the
            // tangent at 0 (G is concave for w ≥ 0 and convex for w ≤ 0), widened by their rounding.
            FloatVector za = zv.mul(invC);
            FloatVector zb = zv.sub(oneMinusC).mul(invC);
            FloatVector wLin = zv.sub(half).mul(tangentSlopeInv);
            FloatVector wid = zv.abs().add(1f + c).mul(invC * 0x1p-18f).min(1e30f); // finite: ±∞ − wid is never NaN
            FloatVector lo = zb.sub(wid);
            FloatVector hi = za.add(wid);
            lo = lo.blend(wLin.sub(wid), upper.and(wLin.sub(wid).compare(GT, lo)));
            hi = hi.blend(wLin.add(wid), upper.not().and(wLin.add(wid).compare(LT, hi)));
            lo = lo.max(-SIGMOID_W_MAX).min(SIGMOID_W_MAX); // σ is 0f or 1f beyond ±120
            hi = hi.min(SIGMOID_W_MAX).max(-SIGMOID_W_MAX);
            // Start: the tangent near the centre, the Lambert-W tail solution (Winitzki) beyond |w| = 1.
            FloatVector logQ = za.add(logK).blend(zb.neg().add(logK), upper);
            FloatVector l = logQ.max(0f).add(logQ.abs().neg().lanewise(EXP).lanewise(LOG1P));
            FloatVector lw = l.mul(l.lanewise(LOG1P).div(l.add(2f)).neg().add(1f));
            FloatVector w = za.sub(lw).blend(zb.add(lw), upper).blend(wLin, wLin.abs().compare(VectorOperators.LE, 1f));
            w = w.blend(hi, w.compare(VectorOperators.LE, hi).not()); // NaN-proof clamp into the bracket
            w = w.blend(lo, w.compare(GE, lo).not());

            // NaN lanes stay NaN; ±∞ give 1 and 0 (through the final clamp).
            FloatVector res = zv;
            // 1 while a lane iterates: loop state as a vector, since C2 boxes a VectorMask carried around a loop
            FloatVector pending = FloatVector.zero(F).blend(1f, zv.abs().compare(LT, INF));
            FloatVector uNew = res;
            for (int it = 0; it < MAX_NEWTON; it++) {
                VectorMask<Float> active = pending.compare(GT, 0f);
                if (!active.anyTrue()) {
                    break;
                }
                if (count) {
                    iterations += active.trueCount();
                }
                FloatVector e = w.abs().neg().lanewise(EXP);
                FloatVector r = one.div(e.add(1f));
                FloatVector s = one.blend(e, w.compare(LT, 0f)).mul(r);
                FloatVector sp = e.mul(r).mul(r);
                FloatVector g = w.fma(cv, nz).add(s.mul(oneMinusC));
                // |δ| beyond the bracket width means nothing; capped, so that σ′·δ is never 0·∞
                FloatVector delta = g.div(sp.neg().add(1f).mul(cv).add(sp)).neg()
                        .max(-2 * SIGMOID_W_MAX).min(2 * SIGMOID_W_MAX);
                uNew = sp.fma(delta, s);

                FloatVector cand = w.add(delta);
                lo = lo.blend(w, g.compare(LT, 0f));
                hi = hi.blend(w, g.compare(GT, 0f));
                cand = cand.blend(lo.add(hi).mul(0.5f), cand.compare(GE, lo).and(cand.compare(VectorOperators.LE, hi)).not());
                VectorMask<Float> done = delta.abs().compare(VectorOperators.LE, 0x1p-14f)
                        .or(g.abs().compare(VectorOperators.LE, s.mul(noise)))
                        .or(cand.compare(EQ, w));
                res = res.blend(uNew, active.and(done));
                pending = pending.blend(0f, done);
                w = cand;
            }
            res = res.blend(uNew, pending.compare(GT, 0f)); // only if MAX_NEWTON was reached
            res.max(0f).min(1f).intoMemorySegment(out, oo + 4L * i, LE);
        }
        return iterations + proxTail(Activation.SIGMOID, c, z, zo, out, oo, i, n, count);
    }

    /** prox_{cΨ} of the sigmoid for c &gt; 1; see {@link #sigmoidProxBelow}. */
    private static long sigmoidProxAbove(float c, MemorySegment z, long zo, MemorySegment out, long oo, int n,
                                         boolean count) {
        final float oneMinusC = 1f - c;
        final float half = 0.5f * oneMinusC;
        final float invC = 1f / c;
        final float noise = -oneMinusC * 0x1p-22f;
        FloatVector cv = FloatVector.broadcast(F, c);
        FloatVector one = FloatVector.broadcast(F, 1f);
        long iterations = 0;
        int i = 0;
        int bound = F.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector zv = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
            FloatVector nz = zv.neg();
            VectorMask<Float> upper = zv.compare(GE, half);
            // w ∈ [z/c, (z − 1 + c)/c] from 0 < σ < 1, on the half-line of the root, clamped to ±120
            FloatVector wid = zv.abs().add(1f + c).mul(0x1p-20f);
            FloatVector lo = zv.mul(invC).sub(wid);
            FloatVector hi = zv.sub(oneMinusC).mul(invC).add(wid);
            lo = lo.blend(wid.neg(), upper.and(lo.compare(LT, wid.neg())));
            hi = hi.blend(wid, upper.not().and(hi.compare(GT, wid)));
            lo = lo.max(-SIGMOID_W_MAX).min(SIGMOID_W_MAX);
            hi = hi.min(SIGMOID_W_MAX).max(-SIGMOID_W_MAX);
            // Start: one fixed-point step w = σ(w) + (z − σ(w))/c from the minimiser of Ψ
            FloatVector w = zv.sub(SIGMOID_PSI_ARGMIN).mul(invC).add(SIGMOID_PSI_ARGMIN);
            w = w.blend(hi, w.compare(VectorOperators.LE, hi).not());
            w = w.blend(lo, w.compare(GE, lo).not());

            FloatVector res = zv;
            // 1 while a lane iterates: loop state as a vector, since C2 boxes a VectorMask carried around a loop
            FloatVector pending = FloatVector.zero(F).blend(1f, zv.abs().compare(LT, INF));
            FloatVector uNew = res;
            for (int it = 0; it < MAX_NEWTON; it++) {
                VectorMask<Float> active = pending.compare(GT, 0f);
                if (!active.anyTrue()) {
                    break;
                }
                if (count) {
                    iterations += active.trueCount();
                }
                FloatVector e = w.abs().neg().lanewise(EXP);
                FloatVector r = one.div(e.add(1f));
                FloatVector s = one.blend(e, w.compare(LT, 0f)).mul(r);
                FloatVector sp = e.mul(r).mul(r);
                FloatVector g = w.fma(cv, nz).add(s.mul(oneMinusC));
                // |δ| beyond the bracket width means nothing; capped, so that σ′·δ is never 0·∞
                FloatVector delta = g.div(sp.neg().add(1f).mul(cv).add(sp)).neg()
                        .max(-2 * SIGMOID_W_MAX).min(2 * SIGMOID_W_MAX);
                uNew = sp.fma(delta, s);

                FloatVector cand = w.add(delta);
                lo = lo.blend(w, g.compare(LT, 0f));
                hi = hi.blend(w, g.compare(GT, 0f));
                cand = cand.blend(lo.add(hi).mul(0.5f), cand.compare(GE, lo).and(cand.compare(VectorOperators.LE, hi)).not());
                VectorMask<Float> done = delta.abs().compare(VectorOperators.LE, 0x1p-14f)
                        .or(g.abs().compare(VectorOperators.LE, s.mul(noise)))
                        .or(cand.compare(EQ, w));
                res = res.blend(uNew, active.and(done));
                pending = pending.blend(0f, done);
                w = cand;
            }
            res = res.blend(uNew, pending.compare(GT, 0f)); // only if MAX_NEWTON was reached
            res.max(0f).min(1f).intoMemorySegment(out, oo + 4L * i, LE);
        }
        return iterations + proxTail(Activation.SIGMOID, c, z, zo, out, oo, i, n, count);
    }

    // ------------------------------------------------------------------ σ′ and the gradient σ(z) − y

    @Override
    public void derivative(Activation sigma, MemorySegment z, long zo, MemorySegment out, long oo, int n) {
        int i = 0;
        int bound = F.loopBound(n);
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector zero = FloatVector.zero(F);
        switch (sigma) {
            case Activation.Identity id -> {
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    (one.add(v.sub(v).blend(0f, v.abs().compare(EQ, INF)))).intoMemorySegment(out, oo + 4L * i, LE); // NaN stays NaN
                }
            }
            case Activation.Relu r -> {
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    (zero.blend(1f, v.compare(GT, 0f)).blend(v, v.compare(EQ, v).not())).intoMemorySegment(out, oo + 4L * i, LE);
                }
            }
            case Activation.LeakyRelu lr -> {
                float s = lr.slope();
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    (FloatVector.broadcast(F, s).blend(1f, v.compare(GT, 0f)).blend(v, v.compare(EQ, v).not())).intoMemorySegment(out, oo + 4L * i, LE);
                }
            }
            case Activation.SoftThreshold st -> {
                float lambda = st.lambda();
                boolean identity = lambda == 0f;
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    VectorMask<Float> slope1 = identity ? F.maskAll(true) : v.abs().compare(GT, lambda);
                    (zero.blend(1f, slope1).blend(v, v.compare(EQ, v).not())).intoMemorySegment(out, oo + 4L * i, LE);
                }
            }
            case Activation.Clip cl -> {
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    (zero.blend(1f, v.abs().compare(LT, 1f)).blend(v, v.compare(EQ, v).not())).intoMemorySegment(out, oo + 4L * i, LE);
                }
            }
            case Activation.Tanh t -> {
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    (bump(v.abs().mul(-2f).lanewise(EXP), 4f)).intoMemorySegment(out, oo + 4L * i, LE);
                }
            }
            case Activation.Sigmoid s -> {
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    (bump(v.abs().neg().lanewise(EXP), 1f)).intoMemorySegment(out, oo + 4L * i, LE);
                }
            }
        }
        for (; i < n; i++) {
            put(out, oo + 4L * i, (float) sigma.derivative(get(z, zo + 4L * i)));
        }
    }

    @Override
    public void bregmanGradient(Activation sigma, MemorySegment y, long yo, MemorySegment z, long zo,
                                MemorySegment out, long oo, int n) {
        int i = 0;
        int bound = F.loopBound(n);
        switch (sigma) {
            case Activation.Identity id -> {
                for (; i < bound; i += L) {
                    (FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE).sub(FloatVector.fromMemorySegment(F, y, yo + 4L * i, LE))).intoMemorySegment(out, oo + 4L * i, LE);
                }
            }
            case Activation.Relu r -> {
                for (; i < bound; i += L) {
                    (FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE).max(0f).sub(FloatVector.fromMemorySegment(F, y, yo + 4L * i, LE))).intoMemorySegment(out, oo + 4L * i, LE);
                }
            }
            case Activation.LeakyRelu lr -> {
                float s = lr.slope();
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    (v.blend(v.mul(s), v.compare(LT, 0f)).sub(FloatVector.fromMemorySegment(F, y, yo + 4L * i, LE))).intoMemorySegment(out, oo + 4L * i, LE);
                }
            }
            case Activation.SoftThreshold st -> {
                float lambda = st.lambda();
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE);
                    (copySign(v.abs().sub(lambda).max(0f), v).sub(FloatVector.fromMemorySegment(F, y, yo + 4L * i, LE))).intoMemorySegment(out, oo + 4L * i, LE);
                }
            }
            case Activation.Tanh t -> {
                for (; i < bound; i += L) {
                    (FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE).lanewise(TANH).sub(FloatVector.fromMemorySegment(F, y, yo + 4L * i, LE))).intoMemorySegment(out, oo + 4L * i, LE);
                }
            }
            case Activation.Clip c -> {
                for (; i < bound; i += L) {
                    (FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE).min(1f).max(-1f).sub(FloatVector.fromMemorySegment(F, y, yo + 4L * i, LE))).intoMemorySegment(out, oo + 4L * i, LE);
                }
            }
            case Activation.Sigmoid s -> {
                for (; i < bound; i += L) {
                    (logistic(FloatVector.fromMemorySegment(F, z, zo + 4L * i, LE)).sub(FloatVector.fromMemorySegment(F, y, yo + 4L * i, LE))).intoMemorySegment(out, oo + 4L * i, LE);
                }
            }
        }
        for (; i < n; i++) {
            float yi = get(y, yo + 4L * i);
            put(out, oo + 4L * i, sigma.apply(get(z, zo + 4L * i)) - yi);
        }
    }

    // ------------------------------------------------------------------ m·σ′(z)·(σ(z) − y)

    /**
     * One transcendental per element: for tanh and sigmoid σ′ is formed from σ (1 − s², s(1 − s)), which
     * costs at most a few ulp of 1 in σ′ where σ saturates (σ′ → 0), against the separate e^(−2|z|) of
     * {@link #derivative}; the product with σ(z) − y makes that an absolute error of a few 2⁻²⁴·|σ − y|.
     */
    @Override
    public void l1ProxStep(float mu, float t, boolean nonNeg, MemorySegment x, long xo, MemorySegment g, long go,
                           MemorySegment p, long po, MemorySegment u, long uo, int n, double[] sums) {
        // Two loops, not one with a branch on nonNeg inside: with the branch, C2's profiled loop predicates
        // kept failing under -XX:UseAVX=2 (JMH's FISTA benchmark, whose set-up also runs the ADMM's in-place
        // calls), and after the recompilations the Vector API calls were left out of line: 29.8 KB per step.
        // Each loop is also not a counted loop (a long byte offset compared with "!="), so C2 hoists no
        // predicate out of it: as counted loops, l1ProxNonNegative still hit "profile_predicate" traps at its
        // back-edge under -XX:UseAVX=2, was recompiled 30-odd times, and ran boxed in between (≈ 30 KB per
        // FISTA step for the first 5-10 s of JMH's FISTA benchmark, -Xlog:deoptimization=debug).
        int bound = nonNeg ? l1ProxNonNegative(mu, t, x, xo, g, go, p, po, u, uo, n, sums)
                           : l1ProxSoft(mu, t, x, xo, g, go, p, po, u, uo, n, sums);
        ScalarProxSupport.l1ProxRange(mu, t, nonNeg, x, xo, g, go, p, po, u, uo, bound, n, sums);
    }

    /** The vector part of {@link #l1ProxStep} for u = max(x − μg − t, 0); returns where the scalar tail starts. */
    private static int l1ProxNonNegative(float mu, float t, MemorySegment x, long xo, MemorySegment g, long go,
                                         MemorySegment p, long po, MemorySegment u, long uo, int n, double[] sums) {
        FloatVector negMu = FloatVector.broadcast(F, -mu), tv = FloatVector.broadcast(F, t);
        FloatVector change = FloatVector.zero(F), norm = change, dir = change;
        int bound = F.loopBound(n);
        // Not a counted loop on purpose (a long offset and "!="): see l1ProxStep.
        for (long o = 0, end = 4L * bound; o != end; o += LB) {
            FloatVector xv = FloatVector.fromMemorySegment(F, x, xo + o, LE);
            FloatVector pv = FloatVector.fromMemorySegment(F, p, po + o, LE); // before u's store: u may be p
            FloatVector uv = FloatVector.fromMemorySegment(F, g, go + o, LE).fma(negMu, xv).sub(tv).max(0f);
            uv.intoMemorySegment(u, uo + o, LE);
            FloatVector d = uv.sub(pv);
            change = d.fma(d, change);
            norm = uv.fma(uv, norm);
            dir = xv.sub(uv).fma(d, dir);
        }
        for (int f = L / 2; f > 0; f >>= 1) { // Lanes.fold: see the class comment of SimdKernelSupport
            change = change.add(change.rearrange(Lanes.fold(f)));
            norm = norm.add(norm.rearrange(Lanes.fold(f)));
            dir = dir.add(dir.rearrange(Lanes.fold(f)));
        }
        sums[0] = change.lane(0);
        sums[1] = norm.lane(0);
        sums[2] = dir.lane(0);
        return bound;
    }

    /** The vector part of {@link #l1ProxStep} for the soft threshold u = v − clamp(v, −t, t), v = x − μg. */
    private static int l1ProxSoft(float mu, float t, MemorySegment x, long xo, MemorySegment g, long go,
                                  MemorySegment p, long po, MemorySegment u, long uo, int n, double[] sums) {
        FloatVector negMu = FloatVector.broadcast(F, -mu), tv = FloatVector.broadcast(F, t), negT = tv.neg();
        FloatVector change = FloatVector.zero(F), norm = change, dir = change;
        int bound = F.loopBound(n);
        // Not a counted loop on purpose (a long offset and "!="): see l1ProxStep.
        for (long o = 0, end = 4L * bound; o != end; o += LB) {
            FloatVector xv = FloatVector.fromMemorySegment(F, x, xo + o, LE);
            FloatVector pv = FloatVector.fromMemorySegment(F, p, po + o, LE);
            FloatVector v = FloatVector.fromMemorySegment(F, g, go + o, LE).fma(negMu, xv);
            FloatVector uv = v.sub(v.max(negT).min(tv));
            uv.intoMemorySegment(u, uo + o, LE);
            FloatVector d = uv.sub(pv);
            change = d.fma(d, change);
            norm = uv.fma(uv, norm);
            dir = xv.sub(uv).fma(d, dir);
        }
        for (int f = L / 2; f > 0; f >>= 1) {
            change = change.add(change.rearrange(Lanes.fold(f)));
            norm = norm.add(norm.rearrange(Lanes.fold(f)));
            dir = dir.add(dir.rearrange(Lanes.fold(f)));
        }
        sums[0] = change.lane(0);
        sums[1] = norm.lane(0);
        sums[2] = dir.lane(0);
        return bound;
    }

    @Override
    public void leastSquaresGradient(Activation sigma, MemorySegment y, long yo, MemorySegment z, long zo,
                                     MemorySegment m, long mo, MemorySegment out, long oo, int n) {
        int i = 0;
        int bound = F.loopBound(n);
        FloatVector one = FloatVector.broadcast(F, 1f), zero = FloatVector.zero(F);
        switch (sigma) {
            case Activation.Identity id -> {
                for (; i < bound; i += L) {
                    long o = 4L * i;
                    lsStore(one, FloatVector.fromMemorySegment(F, z, zo + o, LE), y, yo, m, mo, out, oo, o);
                }
            }
            case Activation.Relu r -> {
                for (; i < bound; i += L) {
                    long o = 4L * i;
                    FloatVector v = FloatVector.fromMemorySegment(F, z, zo + o, LE);
                    lsStore(zero.blend(1f, v.compare(GT, 0f)), v.max(0f), y, yo, m, mo, out, oo, o);
                }
            }
            case Activation.LeakyRelu lr -> {
                float k = lr.slope();
                FloatVector slope = FloatVector.broadcast(F, k);
                for (; i < bound; i += L) {
                    long o = 4L * i;
                    FloatVector v = FloatVector.fromMemorySegment(F, z, zo + o, LE);
                    lsStore(slope.blend(1f, v.compare(GT, 0f)), v.blend(v.mul(k), v.compare(LT, 0f)), y, yo, m, mo,
                            out, oo, o);
                }
            }
            case Activation.SoftThreshold st -> {
                float lambda = st.lambda();
                boolean identity = lambda == 0f; // σ′ = 1 everywhere, as in derivative()
                for (; i < bound; i += L) {
                    long o = 4L * i;
                    FloatVector v = FloatVector.fromMemorySegment(F, z, zo + o, LE);
                    VectorMask<Float> slope1 = identity ? F.maskAll(true) : v.abs().compare(GT, lambda);
                    lsStore(zero.blend(1f, slope1), copySign(v.abs().sub(lambda).max(0f), v), y, yo, m, mo, out, oo, o);
                }
            }
            case Activation.Clip c -> {
                for (; i < bound; i += L) {
                    long o = 4L * i;
                    FloatVector v = FloatVector.fromMemorySegment(F, z, zo + o, LE);
                    lsStore(zero.blend(1f, v.abs().compare(LT, 1f)), v.min(1f).max(-1f), y, yo, m, mo, out, oo, o);
                }
            }
            case Activation.Tanh t -> {
                for (; i < bound; i += L) {
                    long o = 4L * i;
                    FloatVector s = FloatVector.fromMemorySegment(F, z, zo + o, LE).lanewise(TANH);
                    lsStore(one.sub(s.mul(s)), s, y, yo, m, mo, out, oo, o);
                }
            }
            case Activation.Sigmoid sg -> {
                for (; i < bound; i += L) {
                    long o = 4L * i;
                    FloatVector s = logistic(FloatVector.fromMemorySegment(F, z, zo + o, LE));
                    lsStore(s.mul(one.sub(s)), s, y, yo, m, mo, out, oo, o);
                }
            }
        }
        for (; i < n; i++) {
            long o = 4L * i;
            float w = m == null ? 1f : get(m, mo + o);
            float zi = get(z, zo + o);
            put(out, oo + o, w == 0f ? 0f : w * ((float) sigma.derivative(zi) * (sigma.apply(zi) - get(y, yo + o))));
        }
    }

    /** out ← m·d·(s − y) at byte offset o, +0 where m = 0 (m null: no weights). */
    private static void lsStore(FloatVector d, FloatVector s, MemorySegment y, long yo, MemorySegment m, long mo,
                                MemorySegment out, long oo, long o) {
        FloatVector g = d.mul(s.sub(FloatVector.fromMemorySegment(F, y, yo + o, LE)));
        if (m != null) {
            FloatVector w = FloatVector.fromMemorySegment(F, m, mo + o, LE);
            g = g.mul(w).blend(0f, w.compare(EQ, 0f));
        }
        g.intoMemorySegment(out, oo + o, LE);
    }

    // ------------------------------------------------------------------ sums (DoubleLaneSums)

    @Override
    public double psiSum(Activation sigma, MemorySegment u, long uo, int n) {
        return DoubleLaneSums.psiSum(sigma, u, uo, n);
    }

    @Override
    public double conjugateSum(Activation sigma, MemorySegment z, long zo, int n) {
        return DoubleLaneSums.conjugateSum(sigma, z, zo, n);
    }

    @Override
    public double bregmanSum(Activation sigma, MemorySegment y, long yo, MemorySegment z, long zo, int n) {
        return DoubleLaneSums.bregmanSum(sigma, y, yo, z, zo, n);
    }

    // ------------------------------------------------------------------ domain scan

    @Override
    public int firstOutsideDomain(Activation sigma, MemorySegment y, long yo, int n) {
        int i = 0;
        int bound = F.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromMemorySegment(F, y, yo + 4L * i, LE);
            VectorMask<Float> inside = switch (sigma) {
                case Activation.Relu r -> v.compare(GE, 0f).and(v.compare(LT, INF));
                case Activation.Tanh t -> v.abs().compare(VectorOperators.LE, 1f);
                case Activation.Clip c -> v.abs().compare(VectorOperators.LE, 1f);
                case Activation.Sigmoid s -> v.compare(GE, 0f).and(v.compare(VectorOperators.LE, 1f));
                default -> v.abs().compare(LT, INF);
            };
            if (!inside.allTrue()) {
                return i + inside.not().firstTrue();
            }
        }
        for (; i < n; i++) {
            if (!sigma.inDomain(get(y, yo + 4L * i))) {
                return i;
            }
        }
        return -1;
    }

    // ------------------------------------------------------------------ v ← σ′(from the output x) ⊙ v

    /**
     * The backpropagation step through an activation, σ′ formed from the outputs x = σ(u) with the float
     * operations of {@link Activation#derivativeFromOutput} — a blend of constants by an IEEE comparison
     * (false for NaN, as in Java), 1 − x·x and x·(1 − x) unfused — and multiplied by v: bit-identical to
     * the scalar definition and the reference (one rounding per operation, no transcendental). Each loop
     * calls the Vector API directly (no helper taking a vector, see the allocation tests).
     */
    @Override
    public void multiplyByDerivativeFromOutput(Activation sigma, MemorySegment x, long xo, MemorySegment v, long vo,
                                               int n) {
        int i = 0;
        int bound = F.loopBound(n);
        FloatVector one = FloatVector.broadcast(F, 1f), zero = FloatVector.zero(F);
        switch (sigma) {
            case Activation.Identity id -> {
                return;
            }
            case Activation.Relu r -> {
                for (; i < bound; i += L) {
                    FloatVector xv = FloatVector.fromMemorySegment(F, x, xo + 4L * i, LE);
                    zero.blend(1f, xv.compare(GT, 0f)).mul(FloatVector.fromMemorySegment(F, v, vo + 4L * i, LE)).intoMemorySegment(v, vo + 4L * i, LE);
                }
            }
            case Activation.LeakyRelu lr -> {
                FloatVector slope = FloatVector.broadcast(F, lr.slope());
                for (; i < bound; i += L) {
                    FloatVector xv = FloatVector.fromMemorySegment(F, x, xo + 4L * i, LE);
                    slope.blend(1f, xv.compare(GT, 0f)).mul(FloatVector.fromMemorySegment(F, v, vo + 4L * i, LE)).intoMemorySegment(v, vo + 4L * i, LE);
                }
            }
            case Activation.SoftThreshold st -> {
                for (; i < bound; i += L) { // x ≠ 0 as not(x == 0): true for NaN, like Java's !=
                    FloatVector xv = FloatVector.fromMemorySegment(F, x, xo + 4L * i, LE);
                    one.blend(0f, xv.compare(EQ, 0f)).mul(FloatVector.fromMemorySegment(F, v, vo + 4L * i, LE)).intoMemorySegment(v, vo + 4L * i, LE);
                }
            }
            case Activation.Tanh t -> {
                for (; i < bound; i += L) {
                    FloatVector xv = FloatVector.fromMemorySegment(F, x, xo + 4L * i, LE);
                    one.sub(xv.mul(xv)).mul(FloatVector.fromMemorySegment(F, v, vo + 4L * i, LE)).intoMemorySegment(v, vo + 4L * i, LE);
                }
            }
            case Activation.Clip c -> {
                for (; i < bound; i += L) {
                    FloatVector xv = FloatVector.fromMemorySegment(F, x, xo + 4L * i, LE);
                    zero.blend(1f, xv.abs().compare(LT, 1f)).mul(FloatVector.fromMemorySegment(F, v, vo + 4L * i, LE)).intoMemorySegment(v, vo + 4L * i, LE);
                }
            }
            case Activation.Sigmoid s -> {
                for (; i < bound; i += L) {
                    FloatVector xv = FloatVector.fromMemorySegment(F, x, xo + 4L * i, LE);
                    xv.mul(one.sub(xv)).mul(FloatVector.fromMemorySegment(F, v, vo + 4L * i, LE)).intoMemorySegment(v, vo + 4L * i, LE);
                }
            }
        }
        ScalarProxSupport.multiplyByDerivativeFromOutputRange(sigma, x, xo, v, vo, i, n);
    }
}
