package dev.netinvert.kernels.simd;

import static jdk.incubator.vector.VectorOperators.CBRT;
import static jdk.incubator.vector.VectorOperators.EQ;
import static jdk.incubator.vector.VectorOperators.EXP;
import static jdk.incubator.vector.VectorOperators.F2D;
import static jdk.incubator.vector.VectorOperators.GE;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LE;
import static jdk.incubator.vector.VectorOperators.LOG;
import static jdk.incubator.vector.VectorOperators.LOG1P;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.LT;
import static jdk.incubator.vector.VectorOperators.TANH;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.ProxSupport;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API implementation of the activation kernels over native segments. Loaded reflectively by
 * the provider only after it has checked that {@code jdk.incubator.vector} is present.
 *
 * <p>Every kernel is a vector loop over {@code F.length()} floats and a scalar tail that calls the
 * double-precision {@link Activation} mathematics (no masked loads). Precision, measured against the
 * double-precision reference on this machine's SVML-backed {@code EXP}/{@code TANH}/{@code LOG1P}
 * intrinsics (≈ 0.56 ulp each):
 * <ul>
 *   <li>σ and σ′ of the piecewise-linear activations are exact (the same float operations as the
 *       reference, or the exactly rounded fused form); the scaled prox of leaky ReLU is within 2 ulp;</li>
 *   <li>tanh σ uses the {@code TANH} intrinsic, the sigmoid 1/(1 + e^(−|z|)) or e^(−|z|)/(1 + e^(−|z|)):
 *       within 2 ulp; σ′ of both from e = e^(−2|z|) resp. e^(−|z|) as 4e/(1+e)² resp. e/(1+e)²: within 3 ulp;</li>
 *   <li>the scaled prox of tanh and sigmoid: a safeguarded Newton iteration in float, vectorized with
 *       lane-wise convergence masks (see {@link #tanhProx} and {@link #sigmoidProx}): within 4 ulp of
 *       the reference (typically ≤ 2), after 1–6 residual evaluations per element;</li>
 *   <li>the sums Σ Ψ, Σ Φ*, Σ B_Ψ convert each float to double and evaluate the reference formulas in
 *       double lanes, so they match the reference to summation order (a few n·2⁻⁵³·Σ|terms|).</li>
 * </ul>
 * The transcendental operations fall back to Java code (same results to an ulp) when a call site is
 * not yet compiled by C2, so results may differ by an ulp between the first calls and later ones.
 */
public final class SimdProxSupport implements ProxSupport {

    // static final so that C2 treats species, lengths and the FMA choice as constants (DESIGN.md decision 3).
    private static final VectorSpecies<Float> F = VectorConstants.SPECIES;
    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, F.vectorShape());
    private static final int L = F.length();
    private static final boolean FMA = VectorConstants.USE_FMA;
    private static final ByteOrder LE_ORDER = ByteOrder.LITTLE_ENDIAN;

    private static final float INF = Float.POSITIVE_INFINITY;
    private static final int SIGN_BIT = 0x8000_0000;

    /** Upper bound on Newton iterations per vector; never reached in the tests (≤ 6 seen), a guard only. */
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

    private static final double LN2 = 0.6931471805599453;

    public SimdProxSupport() {}

    @Override public String name() { return "simd"; }

    // ------------------------------------------------------------------ plumbing

    private static FloatVector load(MemorySegment s, long off) {
        return FloatVector.fromMemorySegment(F, s, off, LE_ORDER);
    }

    private static void store(FloatVector v, MemorySegment s, long off) {
        v.intoMemorySegment(s, off, LE_ORDER);
    }

    private static float get(MemorySegment s, long off) {
        return s.get(FloatVec.LAYOUT, off);
    }

    private static void put(MemorySegment s, long off, float v) {
        s.set(FloatVec.LAYOUT, off, v);
    }

    private static FloatVector fmaPerf(FloatVector a, FloatVector b, FloatVector c) {
        return FMA ? a.fma(b, c) : a.mul(b).add(c);
    }

    private static DoubleVector lo(FloatVector v) {
        return (DoubleVector) v.convert(F2D, 0);
    }

    private static DoubleVector hi(FloatVector v) {
        return (DoubleVector) v.convert(F2D, 1);
    }

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
        p = fmaPerf(p, x, FloatVector.broadcast(F, G7));
        p = fmaPerf(p, x, FloatVector.broadcast(F, G6));
        p = fmaPerf(p, x, FloatVector.broadcast(F, G5));
        p = fmaPerf(p, x, FloatVector.broadcast(F, G4));
        p = fmaPerf(p, x, FloatVector.broadcast(F, G3));
        p = fmaPerf(p, x, FloatVector.broadcast(F, G2));
        p = fmaPerf(p, x, FloatVector.broadcast(F, G1));
        p = fmaPerf(p, x, FloatVector.broadcast(F, G0));
        return x.mul(t).mul(p);
    }

    /** artanh(a) for 0 ≤ a &lt; 1 as ½ ln(1 + 2a/(1 − a)); +∞ where a ≥ 1. */
    private static FloatVector artanhOrInf(FloatVector a) {
        FloatVector r = a.add(a).div(a.neg().add(1f)).lanewise(LOG1P).mul(0.5f);
        return r.blend(INF, a.compare(GE, 1f));
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
                    store(load(z, zo + 4L * i).max(0f), out, oo + 4L * i);
                }
            }
            case Activation.LeakyRelu lr -> {
                float s = lr.slope();
                for (; i < bound; i += L) {
                    FloatVector v = load(z, zo + 4L * i);
                    store(v.blend(v.mul(s), v.compare(LT, 0f)), out, oo + 4L * i);
                }
            }
            case Activation.SoftThreshold st -> {
                float lambda = st.lambda();
                for (; i < bound; i += L) {
                    FloatVector v = load(z, zo + 4L * i);
                    store(copySign(v.abs().sub(lambda).max(0f), v), out, oo + 4L * i);
                }
            }
            case Activation.Tanh t -> {
                for (; i < bound; i += L) {
                    store(load(z, zo + 4L * i).lanewise(TANH), out, oo + 4L * i);
                }
            }
            case Activation.Clip c -> {
                for (; i < bound; i += L) {
                    store(load(z, zo + 4L * i).min(1f).max(-1f), out, oo + 4L * i);
                }
            }
            case Activation.Sigmoid s -> {
                for (; i < bound; i += L) {
                    store(logistic(load(z, zo + 4L * i)), out, oo + 4L * i);
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
                    FloatVector v = load(z, zo + 4L * i);
                    store(v.blend(v.mul(f), v.compare(LT, 0f)), out, oo + 4L * i);
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
                return tanhProx(c, z, zo, out, oo, n, count);
            }
            case Activation.Sigmoid s -> {
                if (c == 1f) {
                    apply(sigma, z, zo, out, oo, n);
                    return 0;
                }
                return sigmoidProx(c, z, zo, out, oo, n, count);
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
            FloatVector v = load(z, zo + 4L * i);
            store(copySign(negC.fma(lam, v.abs()).max(0f), v), out, oo + 4L * i);
        }
        for (; i < n; i++) {
            float v = get(z, zo + 4L * i);
            put(out, oo + 4L * i, Math.copySign(Math.max(Math.fma(-c, lambda, Math.abs(v)), 0f), v));
        }
    }

    /**
     * prox_{cΨ} of tanh: the root u of u + c(artanh u − u) = z, solved for a = |z| in v = artanh u by
     * Newton on G(v) = (tanh v − a) + c·(v − tanh v), G′ = sech²v + c·tanh²v (the same iteration as
     * {@code ActivationMath.tanhProx}, in float):
     * <ul>
     *   <li>the residual is one FMA over an accurate v − tanh v (a polynomial in tanh v below 0.7), so
     *       it does not cancel when c ≫ 1 and u is small;</li>
     *   <li>the bracket [lo, hi] ⊂ [0, 10] comes from the closed-form bounds (widened by their rounding);
     *       a Newton step that leaves it is replaced by a bisection in bit patterns;</li>
     *   <li>the start is the Lambert-W solution of the saturated equation for c &lt; 1, and
     *       min(a, 1 + a/c, artanh((3a/c)^(1/3))) for c &gt; 1, which puts most lanes within 1–3 steps of
     *       the root;</li>
     *   <li>a lane is done when its step is below 2⁻¹⁴·v (the error left is O(δ²)), its residual is at
     *       rounding level, or the bracket stops moving; its result is the linearised
     *       tanh v + sech²v·δ, which carries the last sub-ulp correction. The vector iterates until all
     *       its lanes are done or {@link #MAX_NEWTON} is reached.</li>
     * </ul>
     *
     * @return the number of lane-iterations (residual evaluations) if {@code count}, else 0
     */
    private static long tanhProx(float c, MemorySegment z, long zo, MemorySegment out, long oo, int n,
                                 boolean count) {
        final boolean below = c < 1f;
        final float oneMinusC = 1f - c;
        final float logK = below ? (float) Math.log(4.0 * (1.0 - c) / c) : 0f;
        final float threeOverC = 3f / c;
        final float widenAbs = 0x1p-20f / Math.min(c, 1f);
        FloatVector cv = FloatVector.broadcast(F, c);
        long iterations = 0;
        int i = 0;
        int bound = F.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector zv = load(z, zo + 4L * i);
            FloatVector a = zv.abs();
            FloatVector lo, hi, v;
            if (below) {
                FloatVector loB = a.sub(oneMinusC).div(c);
                lo = a.max(loB);
                lo = lo.sub(lo.add(a.add(1f).mul(widenAbs)).mul(0x1p-20f));
                hi = a.div(c).min(artanhOrInf(a));
                hi = hi.add(hi.mul(0x1p-20f));
                v = loB.add(lambertWFromLog(loB.mul(-2f).add(logK)).mul(0.5f));
            } else {
                lo = a.div(c);
                lo = lo.sub(lo.mul(0x1p-20f));
                hi = a.min(a.div(c).add(1f)).min(artanhOrInf(a.mul(threeOverC).lanewise(CBRT)));
                hi = hi.add(hi.mul(0x1p-20f));
                v = hi;
            }
            lo = lo.max(0f).min(TANH_V_MAX);
            hi = hi.min(TANH_V_MAX);
            // NaN-proof clamp: a NaN start (the Lambert guess overflowing) becomes hi.
            v = v.blend(hi, v.compare(LE, hi).not());
            v = v.blend(lo, v.compare(GE, lo).not());

            // Lanes with z = 0 or NaN keep z (via a); z = ±∞ gives ±1; the rest iterate.
            FloatVector mag = a.blend(1f, a.compare(EQ, INF));
            VectorMask<Float> active = a.compare(GT, 0f).and(a.compare(LT, INF));
            FloatVector uNew = mag;
            for (int it = 0; it < MAX_NEWTON && active.anyTrue(); it++) {
                if (count) {
                    iterations += active.trueCount();
                }
                FloatVector t = v.lanewise(TANH);
                FloatVector sech2 = bump(v.mul(-2f).lanewise(EXP), 4f);
                FloatVector d = v.sub(t).blend(artanhMinusIdentityPoly(t), t.compare(LT, G_POLY_MAX));
                FloatVector g = d.fma(cv, t.sub(a));
                FloatVector gp = fmaPerf(t.mul(t), cv, sech2);
                FloatVector delta = g.div(gp).neg().max(-TANH_V_MAX).min(TANH_V_MAX);
                uNew = sech2.fma(delta, t).min(1f); // a saturated lane may take a long step

                FloatVector cand = v.add(delta);
                lo = lo.blend(v, g.compare(LT, 0f));
                hi = hi.blend(v, g.compare(GT, 0f));
                VectorMask<Float> outside = cand.compare(GE, lo).and(cand.compare(LE, hi)).not();
                cand = cand.blend(bitsMidpoint(lo, hi), outside);
                VectorMask<Float> done = delta.abs().compare(LE, v.mul(0x1p-14f))
                        .or(g.abs().compare(LE, fmaPerf(cv, d, t).mul(0x1p-22f)))
                        .or(cand.compare(EQ, v));
                mag = mag.blend(uNew, active.and(done));
                active = active.andNot(done);
                v = cand;
            }
            mag = mag.blend(uNew, active); // only if MAX_NEWTON was reached: the last linearised value
            store(copySign(mag, zv), out, oo + 4L * i);
        }
        Activation tanh = Activation.TANH;
        for (; i < n; i++) {
            float zi = get(z, zo + 4L * i);
            if (count) {
                iterations += tanh.proxIterations(zi, c);
            }
            put(out, oo + 4L * i, (float) tanh.prox(zi, c));
        }
        return iterations;
    }

    /**
     * prox_{cΨ} of the sigmoid: the root u of u + c(logit u − u) = z, solved in w = logit u by Newton on
     * G(w) = (c·w − z) + (1 − c)·σ(w), G′ = σ′ + c(1 − σ′) (as {@code ActivationMath.sigmoidProx}, in
     * float): c·w − z is one FMA (exact before rounding), which is what resolves the tails; the bracket
     * is the closed-form one intersected with the half-line w ≥ 0 ⇔ z ≥ (1 − c)/2 and clamped to
     * [−120, 120] (σ is 0f or 1f beyond), with arithmetic bisection as the fallback; the start for c &lt; 1
     * is the tangent at w = 0 (also a bound) near the centre and the Lambert-W solution of the tail
     * equation beyond |w| = 1, for c &gt; 1 a fixed-point step from the minimiser of Ψ; the result is the
     * linearised σ(w) + σ′(w)·δ.
     */
    private static long sigmoidProx(float c, MemorySegment z, long zo, MemorySegment out, long oo, int n,
                                    boolean count) {
        final boolean below = c < 1f;
        final float oneMinusC = 1f - c;
        final float half = 0.5f * oneMinusC;
        final float logK = below ? (float) Math.log((1.0 - c) / c) : 0f;
        final float invMinC = 1f / Math.min(c, 1f);
        final float tangentSlopeInv = (float) (1.0 / (0.25 + 0.75 * c)); // 1/G′(0)
        FloatVector cv = FloatVector.broadcast(F, c);
        long iterations = 0;
        int i = 0;
        int bound = F.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector zv = load(z, zo + 4L * i);
            VectorMask<Float> upper = zv.compare(GE, half);
            FloatVector za = zv.div(c);
            FloatVector zb = zv.sub(oneMinusC).div(c);
            FloatVector wid0 = zv.abs().add(1f + c).mul(0x1p-20f);
            FloatVector wid = wid0.mul(invMinC).min(1e30f); // finite, so that ±∞ − wid is never NaN
            FloatVector lo = za.min(zb).sub(wid);
            FloatVector hi = za.max(zb).add(wid);
            lo = lo.blend(lo.max(wid0.neg()), upper);
            hi = hi.blend(hi.min(wid0), upper.not());
            FloatVector w;
            if (below) {
                // The tangent at w = 0 bounds the root on the monotone side and starts the centre lanes;
                // the Lambert-W tail solution starts the lanes with |w₀| > 1.
                FloatVector wLin = zv.sub(half).mul(tangentSlopeInv).max(-1e30f).min(1e30f);
                FloatVector widLin = wLin.abs().add(wid0).mul(0x1p-20f);
                lo = lo.blend(lo.max(wLin.sub(widLin)), upper);
                hi = hi.blend(hi.min(wLin.add(widLin)), upper.not());
                FloatVector logQ = za.add(logK).blend(zb.neg().add(logK), upper);
                FloatVector lw = lambertWFromLog(logQ);
                w = za.sub(lw).blend(zb.add(lw), upper).blend(wLin, wLin.abs().compare(LE, 1f));
            } else {
                w = zv.sub(SIGMOID_PSI_ARGMIN).div(c).add(SIGMOID_PSI_ARGMIN);
            }
            lo = lo.max(-SIGMOID_W_MAX).min(SIGMOID_W_MAX);
            hi = hi.min(SIGMOID_W_MAX).max(-SIGMOID_W_MAX);
            w = w.blend(hi, w.compare(LE, hi).not());
            w = w.blend(lo, w.compare(GE, lo).not());

            // NaN lanes stay NaN; ±∞ give 1 and 0.
            FloatVector res = zv.blend(1f, zv.compare(EQ, INF)).blend(0f, zv.compare(EQ, -INF));
            VectorMask<Float> active = zv.abs().compare(LT, INF);
            FloatVector uNew = res;
            for (int it = 0; it < MAX_NEWTON && active.anyTrue(); it++) {
                if (count) {
                    iterations += active.trueCount();
                }
                FloatVector e = w.abs().neg().lanewise(EXP);
                FloatVector s = FloatVector.broadcast(F, 1f).blend(e, w.compare(LT, 0f)).div(e.add(1f));
                FloatVector sp = bump(e, 1f);
                FloatVector g = w.fma(cv, zv.neg()).add(s.mul(oneMinusC));
                FloatVector gp = fmaPerf(sp.neg().add(1f), cv, sp);
                FloatVector delta = g.div(gp).neg().max(-2 * SIGMOID_W_MAX).min(2 * SIGMOID_W_MAX);
                uNew = sp.fma(delta, s).max(0f).min(1f);

                FloatVector cand = w.add(delta);
                lo = lo.blend(w, g.compare(LT, 0f));
                hi = hi.blend(w, g.compare(GT, 0f));
                VectorMask<Float> outside = cand.compare(GE, lo).and(cand.compare(LE, hi)).not();
                cand = cand.blend(lo.add(hi).mul(0.5f), outside);
                // Absolute in w: in the lower tail the relative error of u is the absolute error of w (≈ δ²/2).
                VectorMask<Float> done = delta.abs().compare(LE, 0x1p-14f)
                        .or(g.abs().compare(LE, s.mul(Math.abs(oneMinusC) * 0x1p-22f)))
                        .or(cand.compare(EQ, w));
                res = res.blend(uNew, active.and(done));
                active = active.andNot(done);
                w = cand;
            }
            res = res.blend(uNew, active);
            store(res, out, oo + 4L * i);
        }
        Activation sigmoid = Activation.SIGMOID;
        for (; i < n; i++) {
            float zi = get(z, zo + 4L * i);
            if (count) {
                iterations += sigmoid.proxIterations(zi, c);
            }
            put(out, oo + 4L * i, (float) sigmoid.prox(zi, c));
        }
        return iterations;
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
                    FloatVector v = load(z, zo + 4L * i);
                    store(one.add(v.sub(v).blend(0f, v.abs().compare(EQ, INF))), out, oo + 4L * i); // NaN stays NaN
                }
            }
            case Activation.Relu r -> {
                for (; i < bound; i += L) {
                    FloatVector v = load(z, zo + 4L * i);
                    store(zero.blend(1f, v.compare(GT, 0f)).blend(v, v.compare(EQ, v).not()), out, oo + 4L * i);
                }
            }
            case Activation.LeakyRelu lr -> {
                float s = lr.slope();
                for (; i < bound; i += L) {
                    FloatVector v = load(z, zo + 4L * i);
                    store(FloatVector.broadcast(F, s).blend(1f, v.compare(GT, 0f)).blend(v, v.compare(EQ, v).not()),
                            out, oo + 4L * i);
                }
            }
            case Activation.SoftThreshold st -> {
                float lambda = st.lambda();
                boolean identity = lambda == 0f;
                for (; i < bound; i += L) {
                    FloatVector v = load(z, zo + 4L * i);
                    VectorMask<Float> slope1 = identity ? F.maskAll(true) : v.abs().compare(GT, lambda);
                    store(zero.blend(1f, slope1).blend(v, v.compare(EQ, v).not()), out, oo + 4L * i);
                }
            }
            case Activation.Clip cl -> {
                for (; i < bound; i += L) {
                    FloatVector v = load(z, zo + 4L * i);
                    store(zero.blend(1f, v.abs().compare(LT, 1f)).blend(v, v.compare(EQ, v).not()), out, oo + 4L * i);
                }
            }
            case Activation.Tanh t -> {
                for (; i < bound; i += L) {
                    FloatVector v = load(z, zo + 4L * i);
                    store(bump(v.abs().mul(-2f).lanewise(EXP), 4f), out, oo + 4L * i);
                }
            }
            case Activation.Sigmoid s -> {
                for (; i < bound; i += L) {
                    FloatVector v = load(z, zo + 4L * i);
                    store(bump(v.abs().neg().lanewise(EXP), 1f), out, oo + 4L * i);
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
                    store(load(z, zo + 4L * i).sub(load(y, yo + 4L * i)), out, oo + 4L * i);
                }
            }
            case Activation.Relu r -> {
                for (; i < bound; i += L) {
                    store(load(z, zo + 4L * i).max(0f).sub(load(y, yo + 4L * i)), out, oo + 4L * i);
                }
            }
            case Activation.LeakyRelu lr -> {
                float s = lr.slope();
                for (; i < bound; i += L) {
                    FloatVector v = load(z, zo + 4L * i);
                    store(v.blend(v.mul(s), v.compare(LT, 0f)).sub(load(y, yo + 4L * i)), out, oo + 4L * i);
                }
            }
            case Activation.SoftThreshold st -> {
                float lambda = st.lambda();
                for (; i < bound; i += L) {
                    FloatVector v = load(z, zo + 4L * i);
                    store(copySign(v.abs().sub(lambda).max(0f), v).sub(load(y, yo + 4L * i)), out, oo + 4L * i);
                }
            }
            case Activation.Tanh t -> {
                for (; i < bound; i += L) {
                    store(load(z, zo + 4L * i).lanewise(TANH).sub(load(y, yo + 4L * i)), out, oo + 4L * i);
                }
            }
            case Activation.Clip c -> {
                for (; i < bound; i += L) {
                    store(load(z, zo + 4L * i).min(1f).max(-1f).sub(load(y, yo + 4L * i)), out, oo + 4L * i);
                }
            }
            case Activation.Sigmoid s -> {
                for (; i < bound; i += L) {
                    store(logistic(load(z, zo + 4L * i)).sub(load(y, yo + 4L * i)), out, oo + 4L * i);
                }
            }
        }
        for (; i < n; i++) {
            float yi = get(y, yo + 4L * i);
            put(out, oo + 4L * i, sigma.apply(get(z, zo + 4L * i)) - yi);
        }
    }

    // ------------------------------------------------------------------ sums in double lanes
    //
    // Each float vector is widened into two double vectors and the reference formulas of Activation are
    // evaluated lane-wise in double. One loop per activation with small element functions, so that C2
    // inlines them and no vector is ever boxed.

    private static final double PINF = Double.POSITIVE_INFINITY;

    /** x·ln x with 0·ln 0 = 0, for x ≥ 0. */
    private static DoubleVector xlogx(DoubleVector x) {
        return x.mul(x.lanewise(LOG)).blend(0.0, x.compare(EQ, 0.0));
    }

    private static VectorMask<Double> isInf(DoubleVector v) {
        return v.abs().compare(EQ, PINF);
    }

    /** Ψ = 0 on a set S: 0 inside, +∞ outside, NaN stays NaN. */
    private static DoubleVector indicator(DoubleVector u, VectorMask<Double> outside) {
        return u.sub(u).blend(0.0, isInf(u)).blend(PINF, outside);
    }

    private static DoubleVector psiLeaky(DoubleVector u, double k) {
        return u.mul(u).mul(0.5 * k).blend(0.0, u.compare(GE, 0.0)).blend(PINF, isInf(u));
    }

    private static DoubleVector psiTanh(DoubleVector u) {
        DoubleVector au = u.abs();
        DoubleVector x = u.mul(u);
        // Σ_{k≥2} u^(2k)/(2k(2k−1)) below |u| = 0.1, where the direct form would cancel; 9 terms reach 2⁻⁵³.
        DoubleVector s = x.mul(1.0 / 380).add(1.0 / 306);
        s = s.mul(x).add(1.0 / 240);
        s = s.mul(x).add(1.0 / 182);
        s = s.mul(x).add(1.0 / 132);
        s = s.mul(x).add(1.0 / 90);
        s = s.mul(x).add(1.0 / 56);
        s = s.mul(x).add(1.0 / 30);
        s = s.mul(x).add(1.0 / 12);
        s = s.mul(x).mul(x);
        DoubleVector direct = xlogx(u.add(1.0)).add(xlogx(u.neg().add(1.0))).mul(0.5).sub(x.mul(0.5));
        return direct.blend(s, au.compare(LT, 0.1)).blend(PINF, au.compare(GT, 1.0));
    }

    private static DoubleVector psiSigmoid(DoubleVector u) {
        DoubleVector v = xlogx(u).add(xlogx(u.neg().add(1.0))).sub(u.mul(u).mul(0.5));
        return v.blend(PINF, u.compare(LT, 0.0).or(u.compare(GT, 1.0)));
    }

    private static DoubleVector conjugateTanh(DoubleVector z) {
        DoubleVector az = z.abs();
        DoubleVector t = z.lanewise(TANH);
        DoubleVector small = t.mul(t).neg().lanewise(LOG1P).mul(-0.5); // ln cosh = −½ ln(1 − tanh²)
        DoubleVector large = az.add(az.mul(-2.0).lanewise(EXP).lanewise(LOG1P)).sub(LN2);
        return large.blend(small, az.compare(LE, 1.0));
    }

    private static DoubleVector softplus(DoubleVector z) {
        return z.max(0.0).add(z.abs().neg().lanewise(EXP).lanewise(LOG1P));
    }

    /**
     * The special cases of B_Ψ(y, z) on top of the finite formula b: z = ±∞ gives 0 if y = σ(±∞)
     * ({@code limit}) and +∞ otherwise; y ∉ dom Ψ gives +∞; NaN in either gives NaN.
     */
    private static DoubleVector bregmanFinish(DoubleVector b, DoubleVector limit, VectorMask<Double> outside,
                                              DoubleVector y, DoubleVector z) {
        DoubleVector atInf = DoubleVector.broadcast(D, PINF).blend(0.0, y.compare(EQ, limit));
        b = b.blend(atInf, isInf(z)).blend(PINF, outside);
        return b.blend(y.add(z), y.compare(EQ, y).and(z.compare(EQ, z)).not());
    }

    private static DoubleVector bregmanIdentity(DoubleVector y, DoubleVector z) {
        DoubleVector r = y.sub(z);
        return bregmanFinish(r.mul(r).mul(0.5), z, isInf(y), y, z);
    }

    private static DoubleVector bregmanRelu(DoubleVector y, DoubleVector z) {
        DoubleVector s = z.max(0.0);
        DoubleVector r = y.sub(s);
        DoubleVector b = r.mul(r).mul(0.5).add(y.mul(z.neg().max(0.0)));
        return bregmanFinish(b, s, y.compare(LT, 0.0).or(y.compare(EQ, PINF)), y, z);
    }

    private static DoubleVector bregmanLeaky(DoubleVector y, DoubleVector z, double s) {
        VectorMask<Double> yNeg = y.compare(LT, 0.0), zNeg = z.compare(LT, 0.0);
        DoubleVector r = y.sub(z);
        DoubleVector bothPos = r.mul(r).mul(0.5);
        DoubleVector rn = y.sub(z.mul(s));
        DoubleVector bothNeg = rn.mul(rn).mul(0.5 / s);
        DoubleVector phiY = y.mul(y).mul(0.5).blend(y.mul(y).mul(0.5 / s), yNeg);
        DoubleVector conj = z.mul(z).mul(0.5).blend(z.mul(z).mul(0.5 * s), zNeg);
        DoubleVector mixed = phiY.add(conj).sub(y.mul(z)); // three non-negative terms when the signs differ
        DoubleVector b = mixed.blend(bothPos, yNeg.or(zNeg).not()).blend(bothNeg, yNeg.and(zNeg));
        return bregmanFinish(b, z, isInf(y), y, z);
    }

    private static DoubleVector bregmanSoft(DoubleVector y, DoubleVector z, double lambda) {
        DoubleVector m = z.abs().sub(lambda).max(0.0);
        DoubleVector s = m.blend(m.neg(), z.compare(LT, 0.0));
        DoubleVector p = z.max(-lambda).min(lambda);
        DoubleVector r = y.sub(s);
        DoubleVector b = r.mul(r).mul(0.5).add(y.abs().mul(lambda).sub(y.mul(p)));
        return bregmanFinish(b, z, isInf(y), y, z);
    }

    private static DoubleVector bregmanClip(DoubleVector y, DoubleVector z) {
        DoubleVector s = z.min(1.0).max(-1.0);
        DoubleVector r = y.sub(s);
        DoubleVector b = r.mul(r).mul(0.5).add(s.sub(y).mul(z.sub(s)));
        return bregmanFinish(b, s, y.abs().compare(GT, 1.0), y, z);
    }

    private static DoubleVector bregmanTanh(DoubleVector y, DoubleVector z) {
        DoubleVector phi = xlogx(y.add(1.0)).add(xlogx(y.neg().add(1.0))).mul(0.5).sub(LN2);
        DoubleVector linear = y.neg().add(1.0).mul(z).blend(y.add(1.0).mul(z).neg(), z.compare(LT, 0.0));
        DoubleVector b = phi.add(z.abs().mul(-2.0).lanewise(EXP).lanewise(LOG1P)).add(linear);
        return bregmanFinish(b, z.lanewise(TANH), y.abs().compare(GT, 1.0), y, z);
    }

    private static DoubleVector bregmanSigmoid(DoubleVector y, DoubleVector z) {
        DoubleVector phi = xlogx(y).add(xlogx(y.neg().add(1.0)));
        DoubleVector linear = y.neg().add(1.0).mul(z).blend(y.mul(z).neg(), z.compare(LT, 0.0));
        DoubleVector b = phi.add(z.abs().neg().lanewise(EXP).lanewise(LOG1P)).add(linear);
        DoubleVector limit = DoubleVector.zero(D).blend(1.0, z.compare(GT, 0.0));
        return bregmanFinish(b, limit, y.compare(LT, 0.0).or(y.compare(GT, 1.0)), y, z);
    }

    @Override
    public double psiSum(Activation sigma, MemorySegment u, long uo, int n) {
        DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
        int bound = F.loopBound(n);
        switch (sigma) {
            case Activation.Identity id -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector v = load(u, uo + 4L * i);
                    a0 = a0.add(indicator(lo(v), isInf(lo(v))));
                    a1 = a1.add(indicator(hi(v), isInf(hi(v))));
                }
            }
            case Activation.Relu r -> {
                for (int i = 0; i < bound; i += L) {
                    DoubleVector v0 = lo(load(u, uo + 4L * i)), v1 = hi(load(u, uo + 4L * i));
                    a0 = a0.add(indicator(v0, v0.compare(LT, 0.0).or(v0.compare(EQ, PINF))));
                    a1 = a1.add(indicator(v1, v1.compare(LT, 0.0).or(v1.compare(EQ, PINF))));
                }
            }
            case Activation.Clip c -> {
                for (int i = 0; i < bound; i += L) {
                    DoubleVector v0 = lo(load(u, uo + 4L * i)), v1 = hi(load(u, uo + 4L * i));
                    a0 = a0.add(indicator(v0, v0.abs().compare(GT, 1.0)));
                    a1 = a1.add(indicator(v1, v1.abs().compare(GT, 1.0)));
                }
            }
            case Activation.LeakyRelu lr -> {
                double k = lr.curvature();
                for (int i = 0; i < bound; i += L) {
                    FloatVector v = load(u, uo + 4L * i);
                    a0 = a0.add(psiLeaky(lo(v), k));
                    a1 = a1.add(psiLeaky(hi(v), k));
                }
            }
            case Activation.SoftThreshold st -> {
                double lambda = st.lambda();
                for (int i = 0; i < bound; i += L) {
                    FloatVector v = load(u, uo + 4L * i);
                    a0 = a0.add(lo(v).abs().mul(lambda).blend(PINF, isInf(lo(v))));
                    a1 = a1.add(hi(v).abs().mul(lambda).blend(PINF, isInf(hi(v))));
                }
            }
            case Activation.Tanh t -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector v = load(u, uo + 4L * i);
                    a0 = a0.add(psiTanh(lo(v)));
                    a1 = a1.add(psiTanh(hi(v)));
                }
            }
            case Activation.Sigmoid s -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector v = load(u, uo + 4L * i);
                    a0 = a0.add(psiSigmoid(lo(v)));
                    a1 = a1.add(psiSigmoid(hi(v)));
                }
            }
        }
        double sum = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (int i = bound; i < n; i++) {
            sum += sigma.psi(get(u, uo + 4L * i));
        }
        return sum;
    }

    @Override
    public double conjugateSum(Activation sigma, MemorySegment z, long zo, int n) {
        DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
        int bound = F.loopBound(n);
        switch (sigma) {
            case Activation.Identity id -> {
                for (int i = 0; i < bound; i += L) {
                    DoubleVector v0 = lo(load(z, zo + 4L * i)), v1 = hi(load(z, zo + 4L * i));
                    a0 = a0.add(v0.mul(v0).mul(0.5));
                    a1 = a1.add(v1.mul(v1).mul(0.5));
                }
            }
            case Activation.Relu r -> {
                for (int i = 0; i < bound; i += L) {
                    DoubleVector v0 = lo(load(z, zo + 4L * i)).max(0.0), v1 = hi(load(z, zo + 4L * i)).max(0.0);
                    a0 = a0.add(v0.mul(v0).mul(0.5));
                    a1 = a1.add(v1.mul(v1).mul(0.5));
                }
            }
            case Activation.LeakyRelu lr -> {
                double s = lr.slope();
                for (int i = 0; i < bound; i += L) {
                    DoubleVector v0 = lo(load(z, zo + 4L * i)), v1 = hi(load(z, zo + 4L * i));
                    a0 = a0.add(v0.mul(v0).mul(0.5).blend(v0.mul(v0).mul(0.5 * s), v0.compare(LT, 0.0)));
                    a1 = a1.add(v1.mul(v1).mul(0.5).blend(v1.mul(v1).mul(0.5 * s), v1.compare(LT, 0.0)));
                }
            }
            case Activation.SoftThreshold st -> {
                double lambda = st.lambda();
                for (int i = 0; i < bound; i += L) {
                    DoubleVector v0 = lo(load(z, zo + 4L * i)).abs().sub(lambda).max(0.0);
                    DoubleVector v1 = hi(load(z, zo + 4L * i)).abs().sub(lambda).max(0.0);
                    a0 = a0.add(v0.mul(v0).mul(0.5));
                    a1 = a1.add(v1.mul(v1).mul(0.5));
                }
            }
            case Activation.Clip c -> {
                for (int i = 0; i < bound; i += L) {
                    DoubleVector v0 = lo(load(z, zo + 4L * i)), v1 = hi(load(z, zo + 4L * i));
                    DoubleVector b0 = v0.abs(), b1 = v1.abs();
                    a0 = a0.add(b0.sub(0.5).blend(v0.mul(v0).mul(0.5), b0.compare(LE, 1.0)));
                    a1 = a1.add(b1.sub(0.5).blend(v1.mul(v1).mul(0.5), b1.compare(LE, 1.0)));
                }
            }
            case Activation.Tanh t -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector v = load(z, zo + 4L * i);
                    a0 = a0.add(conjugateTanh(lo(v)));
                    a1 = a1.add(conjugateTanh(hi(v)));
                }
            }
            case Activation.Sigmoid s -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector v = load(z, zo + 4L * i);
                    a0 = a0.add(softplus(lo(v)));
                    a1 = a1.add(softplus(hi(v)));
                }
            }
        }
        double sum = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (int i = bound; i < n; i++) {
            sum += sigma.conjugate(get(z, zo + 4L * i));
        }
        return sum;
    }

    @Override
    public double bregmanSum(Activation sigma, MemorySegment y, long yo, MemorySegment z, long zo, int n) {
        DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
        int bound = F.loopBound(n);
        switch (sigma) {
            case Activation.Identity id -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector yv = load(y, yo + 4L * i), zv = load(z, zo + 4L * i);
                    a0 = a0.add(bregmanIdentity(lo(yv), lo(zv)));
                    a1 = a1.add(bregmanIdentity(hi(yv), hi(zv)));
                }
            }
            case Activation.Relu r -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector yv = load(y, yo + 4L * i), zv = load(z, zo + 4L * i);
                    a0 = a0.add(bregmanRelu(lo(yv), lo(zv)));
                    a1 = a1.add(bregmanRelu(hi(yv), hi(zv)));
                }
            }
            case Activation.LeakyRelu lr -> {
                double s = lr.slope();
                for (int i = 0; i < bound; i += L) {
                    FloatVector yv = load(y, yo + 4L * i), zv = load(z, zo + 4L * i);
                    a0 = a0.add(bregmanLeaky(lo(yv), lo(zv), s));
                    a1 = a1.add(bregmanLeaky(hi(yv), hi(zv), s));
                }
            }
            case Activation.SoftThreshold st -> {
                double lambda = st.lambda();
                for (int i = 0; i < bound; i += L) {
                    FloatVector yv = load(y, yo + 4L * i), zv = load(z, zo + 4L * i);
                    a0 = a0.add(bregmanSoft(lo(yv), lo(zv), lambda));
                    a1 = a1.add(bregmanSoft(hi(yv), hi(zv), lambda));
                }
            }
            case Activation.Clip c -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector yv = load(y, yo + 4L * i), zv = load(z, zo + 4L * i);
                    a0 = a0.add(bregmanClip(lo(yv), lo(zv)));
                    a1 = a1.add(bregmanClip(hi(yv), hi(zv)));
                }
            }
            case Activation.Tanh t -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector yv = load(y, yo + 4L * i), zv = load(z, zo + 4L * i);
                    a0 = a0.add(bregmanTanh(lo(yv), lo(zv)));
                    a1 = a1.add(bregmanTanh(hi(yv), hi(zv)));
                }
            }
            case Activation.Sigmoid s -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector yv = load(y, yo + 4L * i), zv = load(z, zo + 4L * i);
                    a0 = a0.add(bregmanSigmoid(lo(yv), lo(zv)));
                    a1 = a1.add(bregmanSigmoid(hi(yv), hi(zv)));
                }
            }
        }
        double sum = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (int i = bound; i < n; i++) {
            sum += sigma.bregman(get(y, yo + 4L * i), get(z, zo + 4L * i));
        }
        return sum;
    }

    // ------------------------------------------------------------------ domain scan

    @Override
    public int firstOutsideDomain(Activation sigma, MemorySegment y, long yo, int n) {
        int i = 0;
        int bound = F.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = load(y, yo + 4L * i);
            VectorMask<Float> inside = switch (sigma) {
                case Activation.Relu r -> v.compare(GE, 0f).and(v.compare(LT, INF));
                case Activation.Tanh t -> v.abs().compare(LE, 1f);
                case Activation.Clip c -> v.abs().compare(LE, 1f);
                case Activation.Sigmoid s -> v.compare(GE, 0f).and(v.compare(LE, 1f));
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
}
