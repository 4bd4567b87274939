package dev.netinvert.solvers.admm;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The Euclidean projection onto the graph A = {(x, y) : y = σ(x)} of an activation, the nonconvex
 * projection step of ADMM inversion (eq. (11) of Wong &amp; Kolter [004]): elementwise,
 * <pre>
 *   (ṽ, v) = P_A(a, b) = argmin over x of φ(x) = (x − a)² + (σ(x) − b)²,  v = σ(ṽ).
 * </pre>
 *
 * <h2>Piecewise-linear activations (closed forms)</h2>
 * The graph is a union of closed segments and rays; the projection onto each piece is an orthogonal
 * projection onto a line clamped to the piece, and the closest candidate wins:
 * <ul>
 *   <li>identity: ((a+b)/2, (a+b)/2);</li>
 *   <li>ReLU: (min(a, 0), 0) and (t, t) with t = max((a+b)/2, 0);</li>
 *   <li>leaky ReLU (slope s): (t, st) with t = min((a + sb)/(1 + s²), 0), and (t, t) with t = max((a+b)/2, 0);</li>
 *   <li>soft-threshold (λ): (t, t + λ) with t = min((a + b − λ)/2, −λ); (clamp(a, −λ, λ), 0);
 *       (t, t − λ) with t = max((a + b + λ)/2, λ);</li>
 *   <li>clip: (min(a, −1), −1); (t, t) with t = clamp((a+b)/2, −1, 1); (max(a, 1), 1).</li>
 * </ul>
 * <b>Ties</b> (equal squared distances, as computed) go to the candidate with the <b>smallest x</b>; the
 * candidates above are listed in increasing x, and a later one replaces an earlier one only when strictly
 * closer. The same rule decides between local minima of tanh and sigmoid.
 *
 * <h2>tanh and sigmoid (global minimisation of φ)</h2>
 * φ may have two local minima (tanh, a = −3, b = 3: near x = −2.96 and x = 0), so a plain Newton iteration
 * is wrong. With f = φ′/2 = (x − a) + (σ(x) − b)σ′(x) and f′ = φ″/2 = 1 + σ′² + (σ − b)σ″:
 * <ol>
 *   <li><b>Bracket.</b> σ is increasing, so for x &gt; max(a, x_b), x_b = σ⁻¹(b) (±∞ when b is outside σ's
 *       range), both terms of f are positive, and for x &lt; min(a, x_b) both are negative: every critical
 *       point, hence (φ being coercive) the global minimiser x*, lies between a and x_b. On that interval
 *       σ − b keeps the sign of σ(a) − b and |σ(x) − b| ≤ B := |σ(a) − b|. From f(x*) = 0,
 *       |x* − a| = |σ(x*) − b|·σ′(x*) ≤ B·σ′(x*), which is at most B·sup σ′ (sup σ′ = 1 for tanh, ¼ for
 *       sigmoid) and, with σ′(x) ≤ 4e^(−2|x|) (tanh) or e^(−|x|) (sigmoid), gives
 *       x* &lt; max(a, 0) + max(1, ½ln(1 + 4B)) (tanh; ln(1 + B) for sigmoid) when x* &gt; a, symmetrically
 *       below: the right-hand side U satisfies U − a ≥ 1 &gt; 4Be^(−2U), and x − a − 4Be^(−2x) is increasing.
 *       The bracket is the tightest of these bounds, widened by 2⁻⁴⁰ relative on its far side against
 *       rounding. Huge |b| (up to the double range) thus gives a bracket of width O(ln|b|), not |b|.</li>
 *   <li><b>Certified case.</b> On the bracket φ″/2 ≥ 1 − B·sup|σ″| (sup|σ″| = 4/(3√3) for tanh, √3/18 for
 *       sigmoid). If B·sup|σ″| ≤ 1 − 2⁻¹⁰ (the margin absorbs the widening), φ is strictly convex there, f
 *       has one root, and a safeguarded Newton iteration on f started at a finds it.</li>
 *   <li><b>Split case.</b> Otherwise φ″ changes sign where q(s) = 0, s = σ(x), a quartic:
 *       tanh (σ′ = 1 − s², σ″ = −2sσ′): q = 2 + 2bs − 4s² − 2bs³ + 3s⁴;
 *       sigmoid (σ′ = s(1 − s), σ″ = σ′(1 − 2s)): q = 1 − bs + (2 + 3b)s² − (5 + 2b)s³ + 3s⁴.
 *       Its roots are isolated rigorously by the derivative chain: the vertex of the quadratic q″ splits
 *       [σ(lo), σ(hi)] into intervals where q″ is monotone (≤ 2 roots of q″, by bisection on sign changes);
 *       those split it into intervals where q′ is monotone (≤ 3 roots of q′); those, mapped back to x by
 *       σ⁻¹ (σ is increasing, so the sign of d q(σ(x))/dx is that of q′), give intervals where φ″ is
 *       monotone in x, each with at most one root, found by bisection on φ″ evaluated in x (which stays
 *       accurate where s rounds to ±1, i.e. for huge |b|). Between consecutive roots φ is convex or concave;
 *       every piece with f(left) &lt; 0 &lt; f(right) is convex (a concave piece has f decreasing) and gets the
 *       safeguarded Newton iteration. The candidates are these roots and every piece end (including the
 *       bracket ends); the smallest φ wins (ties: smallest x).</li>
 * </ol>
 * The safeguarded Newton iteration keeps the sign-change bracket of f, takes the Newton step when it
 * stays strictly inside and at least halves the previous step, and otherwise bisects by the ordered bit
 * patterns of the end points (halving the number of doubles in between, so even a bracket such as
 * [−35, 10³⁰] is exhausted in at most 64 bisections). It stops when a Newton step is below 2⁻²⁷ relative
 * (the quadratic error term is then below the rounding of x), when f = 0, or when no double lies strictly
 * inside the bracket. At most {@value #MAX_NEWTON} iterations per piece; the tests check that finite
 * inputs stay far below this cap.
 *
 * <h2>Special values</h2>
 * NaN in a or b gives (NaN, NaN). If both a and b are infinite the result is (NaN, NaN) (the limit
 * depends on the path). If exactly one is infinite, the result is the limit of the projection as that
 * coordinate tends to ±∞ with the other fixed: a = ±∞ gives (a, σ(a)); b = ±∞ gives (b, σ(b)) except
 * where σ is flat on that side: ReLU with b = −∞ gives (min(a, 0), 0) and clip with b = ±∞ gives
 * (max(a, 1), 1) / (min(a, −1), −1). Large finite inputs (up to the double range) are handled without
 * overflow: squared distances are compared, after an exact power-of-two scaling, through the difference
 * (x₁ − x₂)(x₁ + x₂ − 2a) + (y₁ − y₂)(y₁ + y₂ − 2b), which does not cancel when (a, b) is far from both
 * candidates. Only a projection that itself lies beyond the double range (leaky ReLU, |a|, |b| near
 * {@link Double#MAX_VALUE}) rounds to ±∞.
 */
public final class GraphProjection {
    private GraphProjection() {}

    /** Iteration cap of one safeguarded Newton solve (one piece); unreachable for finite inputs (tested). */
    public static final int MAX_NEWTON = 100;

    /** sup|σ″| for tanh: |−2 tanh·sech²| is largest at tanh² = 1/3. */
    static final double TANH_MAX_CURVATURE = 4.0 / (3.0 * Math.sqrt(3.0));
    /** sup|σ″| for the logistic function: |s(1 − s)(1 − 2s)| is largest at (1 − 2s)² = 1/3. */
    static final double SIGMOID_MAX_CURVATURE = Math.sqrt(3.0) / 18.0;
    /** The certificate B·sup|σ″| ≤ this bound leaves a margin of 2⁻¹⁰ on φ″/2 for the widened bracket. */
    private static final double CERTIFIED = 1.0 - 0x1p-10;
    /** Relative widening of the far bracket end against rounding of the bounds. */
    private static final double WIDEN = 0x1p-40;

    /** Split-case workspace (inflection points and separators), one per thread so that nothing is allocated. */
    private static final ThreadLocal<double[]> WORK = ThreadLocal.withInitial(() -> new double[16]);

    /**
     * (pre, post) ← P_A(pre, post) elementwise, in place: pre holds a (in) and ṽ (out), post holds b and v.
     * Same length. Nothing allocated. Each element is projected in double by {@link #projectPoint} and
     * both coordinates are rounded to float once.
     *
     * @throws IllegalArgumentException if the lengths differ
     */
    public static void project(Activation sigma, FloatVec pre, FloatVec post) {
        Objects.requireNonNull(sigma, "sigma");
        Objects.requireNonNull(pre, "pre");
        Objects.requireNonNull(post, "post");
        if (pre.length() != post.length()) {
            throw new IllegalArgumentException(
                    "post: expected " + pre.length() + " elements (the length of pre), got " + post.length());
        }
        MemorySegment ps = pre.segment(), qs = post.segment();
        long po = pre.byteOffset(), qo = post.byteOffset();
        int n = pre.length();
        for (int i = 0; i < n; i++) {
            long pi = po + (long) i * Float.BYTES, qi = qo + (long) i * Float.BYTES;
            double a = ps.get(FloatVec.LAYOUT, pi), b = qs.get(FloatVec.LAYOUT, qi);
            double x, y;
            switch (sigma) {
                // The closed forms return x and compute y = σ(x) like projectPoint; no array needed.
                case Activation.Tanh _, Activation.Sigmoid _ -> {
                    double[] w = WORK.get();
                    projectCurved(sigma instanceof Activation.Tanh, a, b, w, 0);
                    x = w[0];
                    y = w[1];
                }
                default -> {
                    x = closedFormX(sigma, a, b);
                    y = Double.isNaN(x) ? x : sigma.sigma(x);
                }
            }
            ps.set(FloatVec.LAYOUT, pi, (float) x);
            qs.set(FloatVec.LAYOUT, qi, (float) y);
        }
    }

    /**
     * The projection of one point, in double: out[0] = x, out[1] = σ(x). Returns the number of Newton steps
     * used (0 for closed forms and for points already on the graph; summed over pieces in the split case).
     *
     * @param out receives (x, σ(x)); at least 2 elements
     * @throws IllegalArgumentException if out has fewer than 2 elements
     */
    public static int projectPoint(Activation sigma, double a, double b, double[] out) {
        Objects.requireNonNull(sigma, "sigma");
        Objects.requireNonNull(out, "out");
        if (out.length < 2) {
            throw new IllegalArgumentException("out: expected at least 2 elements, got " + out.length);
        }
        return switch (sigma) {
            case Activation.Tanh _ -> projectCurved(true, a, b, out, 0);
            case Activation.Sigmoid _ -> projectCurved(false, a, b, out, 0);
            default -> {
                double x = closedFormX(sigma, a, b);
                out[0] = x;
                out[1] = Double.isNaN(x) ? x : sigma.sigma(x);
                yield 0;
            }
        };
    }

    // ------------------------------------------------------------------ special values

    /** NaN, or the abscissa of the limit when a or b is infinite (see the class comment); the caller sets y = σ(x). */
    private static double specialX(Activation sigma, double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b) || (Double.isInfinite(a) && Double.isInfinite(b))) {
            return Double.NaN;
        }
        if (Double.isInfinite(a)) {
            return a;
        }
        // b = ±∞, a finite.
        return switch (sigma) {
            case Activation.Relu _ -> b < 0 ? Math.min(a, 0.0) : b;
            case Activation.Clip _ -> b < 0 ? Math.min(a, -1.0) : Math.max(a, 1.0);
            default -> b;
        };
    }

    // ------------------------------------------------------------------ closed forms

    /** The abscissa x of P_A(a, b) for the piecewise-linear activations (σ(x) is the ordinate). */
    private static double closedFormX(Activation sigma, double a, double b) {
        if (!(Math.abs(a) < Double.POSITIVE_INFINITY && Math.abs(b) < Double.POSITIVE_INFINITY)) {
            return specialX(sigma, a, b);
        }
        if (sigma.sigma(a) == b) {
            return a; // on the graph: distance 0, the unique nearest point (makes P_A exactly idempotent)
        }
        double scale = scaleFor(a, b);
        return switch (sigma) {
            case Activation.Identity _ -> half(a, b);
            case Activation.Relu _ -> {
                double t1 = Math.min(a, 0.0);                      // on {(x, 0) : x ≤ 0}
                double t2 = Math.max(half(a, b), 0.0);             // on {(x, x) : x ≥ 0}
                yield closer(t1, 0.0, t2, t2, a, b, scale);
            }
            case Activation.LeakyRelu l -> {
                double s = l.slope();
                // The graph is a cone, so P_A(a, b) = P_A(a·c, b·c)/c: compare in scaled units (|a·c|, |b·c| < 2),
                // where t = (a + sb)/(1 + s²), the projection onto the line y = sx, cannot overflow. (Unscaled,
                // it can exceed the double range, by up to 10% for s = 0.1, and then rounds to ±∞.)
                double as = a * scale, bs = b * scale;
                double t1 = Math.min((as + s * bs) / (1.0 + s * s), 0.0);
                double t2 = Math.max(half(as, bs), 0.0);
                yield closer(t1, s * t1, t2, t2, as, bs, 1.0) / scale;
            }
            case Activation.SoftThreshold st -> {
                double lam = st.lambda();
                double t1 = Math.min(half(a, b - lam), -lam);       // on {(x, x + λ) : x ≤ −λ}
                double t2 = Math.max(-lam, Math.min(a, lam));       // on {(x, 0) : |x| ≤ λ}
                double t3 = Math.max(half(a, b + lam), lam);        // on {(x, x − λ) : x ≥ λ}
                double best = closer(t1, t1 + lam, t2, 0.0, a, b, scale);
                yield closer(best, sigma.sigma(best), t3, t3 - lam, a, b, scale);
            }
            case Activation.Clip _ -> {
                double t1 = Math.min(a, -1.0);                      // on {(x, −1) : x ≤ −1}
                double t2 = Math.max(-1.0, Math.min(half(a, b), 1.0));
                double t3 = Math.max(a, 1.0);                       // on {(x, 1) : x ≥ 1}
                double best = closer(t1, -1.0, t2, t2, a, b, scale);
                yield closer(best, sigma.sigma(best), t3, 1.0, a, b, scale);
            }
            case Activation.Tanh _, Activation.Sigmoid _ -> throw new AssertionError("not piecewise linear: " + sigma);
        };
    }

    /** (u + v)/2 without overflow (and exact for u = v). */
    private static double half(double u, double v) {
        double s = u + v;
        return Math.abs(s) < Double.POSITIVE_INFINITY ? 0.5 * s : 0.5 * u + 0.5 * v;
    }

    /** A power of two that brings max(|a|, |b|, 1) near 1, so that squared distances cannot overflow. */
    private static double scaleFor(double a, double b) {
        return Math.scalb(1.0, -Math.getExponent(Math.max(1.0, Math.max(Math.abs(a), Math.abs(b)))));
    }

    /** (x1 if (x1, y1) is at most as far from (a, b) as (x2, y2), else x2): the tie goes to the first (smaller x). */
    private static double closer(double x1, double y1, double x2, double y2, double a, double b, double scale) {
        return dist2Difference(x1, y1, x2, y2, y1 - y2, a, b, scale) <= 0.0 ? x1 : x2;
    }

    /**
     * scale²·(|(x1, y1) − (a, b)|² − |(x2, y2) − (a, b)|²) as (x1 − x2)(x1 + x2 − 2a) + dy·(y1 + y2 − 2b),
     * dy = y1 − y2 supplied accurately by the caller: no cancellation of the large common part when (a, b)
     * is far from both points (b = 10²⁰ against candidates with y = ±1), no overflow.
     */
    private static double dist2Difference(double x1, double y1, double x2, double y2, double dy,
                                          double a, double b, double scale) {
        // Scale first (exact: a power of two), so that no difference or sum can overflow.
        double xs1 = x1 * scale, xs2 = x2 * scale, as = a * scale, bs = b * scale;
        double dx = xs1 - xs2, sx = (xs1 - as) + (xs2 - as);
        double sy = (y1 * scale - bs) + (y2 * scale - bs);
        return dx * sx + (dy * scale) * sy;
    }

    // ------------------------------------------------------------------ tanh and sigmoid

    /**
     * P_A(a, b) for tanh (tanh = true) or the logistic sigmoid into out[off], out[off + 1]; returns the
     * Newton steps. See the class comment for the argument.
     */
    private static int projectCurved(boolean tanh, double a, double b, double[] out, int off) {
        if (!(Math.abs(a) < Double.POSITIVE_INFINITY && Math.abs(b) < Double.POSITIVE_INFINITY)) {
            double x = specialX(tanh ? Activation.TANH : Activation.SIGMOID, a, b);
            out[off] = x;
            out[off + 1] = Double.isNaN(x) ? x : sig(tanh, x);
            return 0;
        }
        double sa = sig(tanh, a);
        double gap = sa - b;
        if (gap == 0.0) {
            out[off] = a;
            out[off + 1] = sa;
            return 0;
        }
        double bigB = Math.abs(gap);
        double lo, hi;
        if (gap < 0) { // σ(a) < b: x* ∈ [a, min(x_b, a + B·sup σ′, max(a, 0) + M)]
            hi = Math.min(inverse(tanh, b), Math.min(a + bigB * (tanh ? 1.0 : 0.25), Math.max(a, 0.0) + decayBound(tanh, bigB)));
            hi = hi + WIDEN * (Math.abs(hi) + 1.0);
            lo = a;
        } else {       // σ(a) > b: x* ∈ [max(x_b, a − B·sup σ′, min(a, 0) − M), a]
            lo = Math.max(inverse(tanh, b), Math.max(a - bigB * (tanh ? 1.0 : 0.25), Math.min(a, 0.0) - decayBound(tanh, bigB)));
            lo = lo - WIDEN * (Math.abs(lo) + 1.0);
            hi = a;
        }
        if (bigB * (tanh ? TANH_MAX_CURVATURE : SIGMOID_MAX_CURVATURE) <= CERTIFIED) {
            int steps = newton(tanh, a, b, lo, hi, a, out, off);
            out[off + 1] = sig(tanh, out[off]);
            return steps;
        }
        return splitCase(tanh, a, b, lo, hi, out, off);
    }

    /** max(1, ½ln(1 + 4B)) for tanh, max(1, ln(1 + B)) for sigmoid: see the bracket argument. */
    private static double decayBound(boolean tanh, double bigB) {
        return Math.max(1.0, tanh ? 0.5 * Math.log1p(4.0 * bigB) : Math.log1p(bigB));
    }

    private static double sig(boolean tanh, double x) {
        return tanh ? Math.tanh(x) : logistic(x);
    }

    /** σ⁻¹(y), ±∞ outside the open range. */
    private static double inverse(boolean tanh, double y) {
        if (tanh) {
            if (y >= 1.0) {
                return Double.POSITIVE_INFINITY;
            }
            if (y <= -1.0) {
                return Double.NEGATIVE_INFINITY;
            }
            return 0.5 * Math.log1p(2.0 * y / (1.0 - y));
        }
        if (y >= 1.0) {
            return Double.POSITIVE_INFINITY;
        }
        if (y <= 0.0) {
            return Double.NEGATIVE_INFINITY;
        }
        return Math.log(y / (1.0 - y));
    }

    private static double logistic(double x) {
        double e = Math.exp(-Math.abs(x));
        return x >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
    }

    /** σ′(x) without cancellation: sech²x = 4e/(1 + e)², e = e^(−2|x|); logistic′ = e/(1 + e)², e = e^(−|x|). */
    private static double deriv(boolean tanh, double x) {
        double e = Math.exp(tanh ? -2.0 * Math.abs(x) : -Math.abs(x));
        double r = 1.0 / (1.0 + e);
        return (tanh ? 4.0 * e : e) * r * r;
    }

    /** σ″(x) given s = σ(x) and p = σ′(x): −2sp (tanh); p(1 − 2s) with 1 − 2s = σ(−x) − σ(x) (sigmoid). */
    private static double deriv2(boolean tanh, double x, double s, double p) {
        return tanh ? -2.0 * s * p : p * (logistic(-x) - s);
    }

    /** f = φ′/2 = (x − a) + (σ(x) − b)σ′(x). */
    private static double slope(boolean tanh, double a, double b, double x) {
        return (x - a) + (sig(tanh, x) - b) * deriv(tanh, x);
    }

    /** φ″/2 = 1 + σ′² + (σ − b)σ″, evaluated in x (accurate where σ(x) rounds to its limits). */
    private static double curvature(boolean tanh, double b, double x) {
        double s = sig(tanh, x), p = deriv(tanh, x);
        return 1.0 + p * p + (s - b) * deriv2(tanh, x, s, p);
    }

    /**
     * scale²·(φ(x) − φ(y)) without cancellation: σ(x) − σ(y) from the distances to the nearer limit of σ when
     * x and y lie on the same side (tanh(x) = −1 + 2e^(2x)/(1 + e^(2x)) in double would lose e^(2x) below
     * 10⁻¹⁶, which decides between candidates when |b| is huge).
     */
    private static double phiDifference(boolean tanh, double a, double b, double x, double y, double scale) {
        double sx = sig(tanh, x), sy = sig(tanh, y);
        double dy;
        if (x >= 0 && y >= 0) {
            dy = tail(tanh, y) - tail(tanh, x);
        } else if (x < 0 && y < 0) {
            dy = tail(tanh, x) - tail(tanh, y);
        } else {
            dy = sx - sy;
        }
        return dist2Difference(x, sx, y, sy, dy, a, b, scale);
    }

    /** The distance of σ(x) to its nearer limit: 1 − |tanh x| = 2e/(1 + e), e = e^(−2|x|); the logistic of −|x|. */
    private static double tail(boolean tanh, double x) {
        if (tanh) {
            double e = Math.exp(-2.0 * Math.abs(x));
            return 2.0 * e / (1.0 + e);
        }
        return logistic(-Math.abs(x));
    }

    /** The order-preserving map of doubles to longs (an involution): −0.0 ↦ −1, +0.0 ↦ 0. */
    private static long key(double x) {
        long bits = Double.doubleToRawLongBits(x);
        return bits ^ ((bits >> 63) & Long.MAX_VALUE);
    }

    /** The double halfway between u &lt; w in the order of doubles: one bisection halves the doubles in between. */
    private static double keyMidpoint(double u, double w) {
        long ku = key(u), kw = key(w);
        long m = (ku >> 1) + (kw >> 1) + (ku & kw & 1);
        return Double.longBitsToDouble(m ^ ((m >> 63) & Long.MAX_VALUE));
    }

    /**
     * Safeguarded Newton iteration for a root of f = φ′/2 in [lo, hi], started at x0 ∈ [lo, hi]; the caller
     * guarantees f(lo) ≤ 0 ≤ f(hi) with f increasing (certified convexity, or a convex piece with a sign
     * change). Writes the root to dst[idx] and returns the number of iterations (f evaluations).
     */
    private static int newton(boolean tanh, double a, double b, double lo, double hi, double x0, double[] dst, int idx) {
        double x = x0, dxOld = Double.POSITIVE_INFINITY;
        int it = 0;
        while (it < MAX_NEWTON) {
            it++;
            double s = sig(tanh, x), p = deriv(tanh, x);
            double f = (x - a) + (s - b) * p;
            double fp = 1.0 + p * p + (s - b) * deriv2(tanh, x, s, p);
            if (f == 0.0) {
                break;
            }
            if (f < 0.0) {
                lo = x;
            } else {
                hi = x;
            }
            double dx = -f / fp;
            double xn = x + dx;
            // The error after a step this small is O(dx²): below the rounding of x. (Tested before the
            // bracket test: x + dx may round onto the bracket end x itself.)
            if (fp > 0.0 && (Math.abs(dx) <= 0x1p-27 * Math.abs(x) || Math.abs(dx) < Double.MIN_NORMAL)) {
                if (xn >= lo && xn <= hi) {
                    x = xn;
                }
                break;
            }
            // Newton only while it stays strictly inside the bracket and contracts (rtsafe's rule).
            if (fp > 0.0 && xn > lo && xn < hi && Math.abs(dx) <= 0.5 * Math.abs(dxOld)) {
                x = xn;
                dxOld = dx;
            } else {
                double m = keyMidpoint(lo, hi);
                if (m == lo || m == hi) {
                    break; // no double strictly inside: x is an end of a one-ulp bracket
                }
                dxOld = m - x;
                x = m;
            }
        }
        dst[idx] = x;
        return it;
    }

    /** Level-2 (q″) or level-1 (q′) of the quartic q(s) of the class comment, divided by m = max(1, |b|). */
    private static double quarticDerivative(boolean tanh, int level, double bm, double m, double s) {
        double s2 = s * s;
        if (tanh) {
            return level == 2
                    ? -12.0 * bm * s + (36.0 * s2 - 8.0) / m
                    : 2.0 * bm * (1.0 - 3.0 * s2) + (12.0 * s2 - 8.0) * s / m;
        }
        return level == 2
                ? bm * (6.0 - 12.0 * s) + (4.0 - 30.0 * s + 36.0 * s2) / m
                : bm * (-1.0 + 6.0 * s - 6.0 * s2) + (4.0 - 15.0 * s + 12.0 * s2) * s / m;
    }

    /** The level's function: q″ or q′ in s (levels 2, 1), φ″/2 in x (level 0). */
    private static double levelValue(boolean tanh, int level, double b, double bm, double m, double t) {
        return level == 0 ? curvature(tanh, b, t) : quarticDerivative(tanh, level, bm, m, t);
    }

    /**
     * The root of the level's function in (u, w] where it is monotone, by bisection in the order of doubles
     * (at most 64 halvings); NaN if there is no sign change ((u, w] empty, or equal signs at the ends). A
     * zero at w counts as a root, a zero at u does not (u is the previous separator).
     */
    private static double bisectRoot(boolean tanh, int level, double b, double bm, double m, double u, double w) {
        if (!(u < w)) {
            return Double.NaN;
        }
        double fu = levelValue(tanh, level, b, bm, m, u), fw = levelValue(tanh, level, b, bm, m, w);
        if (fw == 0.0) {
            return w;
        }
        if (!(fu < 0.0 && fw > 0.0 || fu > 0.0 && fw < 0.0)) {
            return Double.NaN;
        }
        boolean rising = fw > 0.0;
        for (int k = 0; k < 128; k++) { // 64 halvings exhaust any interval; the bound is a formality
            double mid = keyMidpoint(u, w);
            if (mid == u || mid == w) {
                break;
            }
            double fm = levelValue(tanh, level, b, bm, m, mid);
            if (fm == 0.0) {
                return mid;
            }
            if ((fm > 0.0) == rising) {
                w = mid;
            } else {
                u = mid;
            }
        }
        return w;
    }

    /**
     * The split case of the class comment on the bracket [lo, hi]: inflection points of φ by the derivative
     * chain of q, a safeguarded Newton solve in every piece where f = φ′/2 goes from negative to positive,
     * and the candidate (roots and piece ends) with the smallest φ. Workspace: the thread's {@link #WORK}
     * from index 2 (indices 0 and 1 are {@link #project}'s output).
     */
    private static int splitCase(boolean tanh, double a, double b, double lo, double hi, double[] out, int off) {
        double[] w = WORK.get();
        double m = Math.max(1.0, Math.abs(b)), bm = b / m;
        double sLo = sig(tanh, lo), sHi = sig(tanh, hi);
        // q″ is a quadratic: monotone on either side of its vertex.
        double vertex = tanh ? b / 6.0 : (5.0 + 2.0 * b) / 12.0;
        int n2 = 0;
        double r = bisectRoot(tanh, 2, b, bm, m, sLo, Math.min(vertex, sHi));
        if (!Double.isNaN(r)) {
            w[2 + n2++] = r;
        }
        r = bisectRoot(tanh, 2, b, bm, m, Math.max(vertex, sLo), sHi);
        if (!Double.isNaN(r)) {
            w[2 + n2++] = r;
        }
        // q′ is monotone between consecutive roots of q″: at most one root in each.
        int n1 = 0;
        double prev = sLo;
        for (int k = 0; k <= n2; k++) {
            double next = k < n2 ? w[2 + k] : sHi;
            r = bisectRoot(tanh, 1, b, bm, m, prev, next);
            if (!Double.isNaN(r)) {
                w[4 + n1++] = r;
            }
            prev = Math.max(prev, next);
        }
        // φ″ is monotone in x between the images of consecutive roots of q′: the inflection points.
        int np = 0;
        w[8 + np++] = lo;
        double prevX = lo;
        for (int k = 0; k <= n1; k++) {
            double nextX = k < n1 ? Math.max(lo, Math.min(inverse(tanh, w[4 + k]), hi)) : hi;
            r = bisectRoot(tanh, 0, b, bm, m, prevX, nextX);
            if (!Double.isNaN(r) && r < hi) {
                w[8 + np++] = r;
            }
            prevX = Math.max(prevX, nextX);
        }
        w[8 + np++] = hi;
        // Candidates in increasing x; a later one wins only when strictly better (ties: smallest x).
        double scale = scaleFor(a, b);
        double best = lo;
        double fLeft = slope(tanh, a, b, lo);
        int steps = 0;
        for (int j = 0; j + 1 < np; j++) {
            double u = w[8 + j], v = w[9 + j];
            double fRight = slope(tanh, a, b, v);
            if (fLeft < 0.0 && fRight > 0.0) {
                steps += newton(tanh, a, b, u, v, Math.abs(fLeft) <= Math.abs(fRight) ? u : v, w, 15);
                double x = w[15];
                if (phiDifference(tanh, a, b, x, best, scale) < 0.0) {
                    best = x;
                }
            }
            if (phiDifference(tanh, a, b, v, best, scale) < 0.0) {
                best = v;
            }
            fLeft = fRight;
        }
        out[off] = best;
        out[off + 1] = sig(tanh, best);
        return steps;
    }
}
