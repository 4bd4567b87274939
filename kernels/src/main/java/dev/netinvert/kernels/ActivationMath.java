package dev.netinvert.kernels;

/**
 * The double-precision scalar mathematics behind {@link Activation}: numerically stable forms of Ψ,
 * of the conjugate Φ* of Φ = ½|·|² + Ψ and of the Bregman loss B_Ψ of eq. (4) [000], and the
 * safeguarded Newton iterations for the scaled proximal maps of tanh and sigmoid. This is the
 * executable specification the vectorized kernels are tested against, so it favours accuracy over speed.
 *
 * <p>Conventions shared by every method: a NaN argument gives NaN; a value outside dom Ψ (which never
 * contains ±∞) gives +∞ for Ψ and B_Ψ; an infinite pre-activation z gives the limit z → ±∞.
 */
final class ActivationMath {
    private ActivationMath() {}

    static final double LN2 = 0.6931471805599453;

    /** The fixed point of the logistic function, u = 1/(1 + e^(−u)): the minimiser of the sigmoid's Ψ. */
    static final double SIGMOID_PSI_ARGMIN = 0.6590460684074598;

    /** The v = artanh u beyond which tanh v = 1 in double: the bracket of the tanh iteration is clamped here. */
    static final double TANH_V_MAX = 20.0;

    /** Upper bound on Newton iterations; a lane that reaches it keeps its last linearised value. */
    static final int MAX_NEWTON = 64;

    // ------------------------------------------------------------------ small helpers

    /** x·ln x with the continuous extension 0·ln 0 = 0 (x ≥ 0). */
    static double xlogx(double x) {
        return x == 0.0 ? 0.0 : x * Math.log(x);
    }

    /** ln(1 + e^x) without overflow or cancellation. */
    static double softplus(double x) {
        return Math.max(x, 0.0) + Math.log1p(Math.exp(-Math.abs(x)));
    }

    /** The logistic function 1/(1 + e^(−x)), evaluated so that neither tail loses relative accuracy. */
    static double logistic(double x) {
        double e = Math.exp(-Math.abs(x));
        return x >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
    }

    /**
     * g(t) = artanh(t) − t for |t| &lt; 1, to full relative precision: the series Σ_{k≥1} t^(2k+1)/(2k+1)
     * for |t| &lt; ½ (the direct difference would cancel), the difference otherwise (at most 11× cancellation).
     */
    static double artanhMinusIdentity(double t) {
        double at = Math.abs(t);
        if (at < 0.5) {
            double x = t * t, term = t * x, sum = 0.0;
            for (int k = 1; k < 80; k++) {
                double add = term / (2 * k + 1);
                sum += add;
                if (Math.abs(add) <= 1e-18 * Math.abs(sum)) {
                    break;
                }
                term *= x;
            }
            return sum;
        }
        return 0.5 * Math.log1p(2.0 * t / (1.0 - t)) - t;
    }

    static double artanh(double t) {
        return 0.5 * Math.log1p(2.0 * t / (1.0 - t));
    }

    /**
     * Winitzki's approximation of the Lambert function W(q) for q = e^L &gt; 0, relative error below 2%,
     * from L = ln q so that huge arguments do not overflow. Only used for starting points.
     */
    static double lambertWFromLog(double logQ) {
        double l = softplus(logQ); // ln(1 + q)
        return l * (1.0 - Math.log1p(l) / (2.0 + l));
    }

    /** Midpoint of two non-negative doubles in their bit patterns: a geometric bisection, ≤ 64 steps to exhaust. */
    static double bitsMidpoint(double lo, double hi) {
        long a = Double.doubleToRawLongBits(lo), b = Double.doubleToRawLongBits(hi);
        return Double.longBitsToDouble((a >> 1) + (b >> 1) + (a & b & 1));
    }

    // ------------------------------------------------------------------ tanh

    /**
     * Φ(u) = ½u² + Ψ(u) = ½[(1+u)ln(1+u) + (1−u)ln(1−u)] for |u| ≤ 1 (the closure: Φ(±1) = ln 2).
     */
    static double tanhPhi(double u) {
        return 0.5 * (xlogx(1.0 + u) + xlogx(1.0 - u));
    }

    /** Ψ(u) = Φ(u) − ½u² = Σ_{k≥2} u^(2k)/(2k(2k−1)); the series below |u| = 0.1 avoids the cancellation. */
    static double tanhPsi(double u) {
        double au = Math.abs(u);
        if (Double.isNaN(u)) {
            return u;
        }
        if (!(au <= 1.0)) {
            return Double.POSITIVE_INFINITY;
        }
        if (au < 0.1) {
            double x = u * u, term = x * x, sum = 0.0;
            for (int k = 2; k < 40; k++) {
                double add = term / ((2.0 * k) * (2.0 * k - 1.0));
                sum += add;
                if (add <= 1e-18 * sum) {
                    break;
                }
                term *= x;
            }
            return sum;
        }
        return tanhPhi(u) - 0.5 * u * u;
    }

    /** Φ*(z) = ln cosh z: −½ ln(1 − tanh²z) for |z| ≤ 1 (no cancellation), |z| + ln(1 + e^(−2|z|)) − ln 2 beyond. */
    static double tanhConjugate(double z) {
        double az = Math.abs(z);
        if (az <= 1.0) {
            double t = Math.tanh(z);
            return -0.5 * Math.log1p(-t * t);
        }
        return az + Math.log1p(Math.exp(-2.0 * az)) - LN2;
    }

    /**
     * B_Ψ(y, z) = Φ(y) + ln cosh z − yz, written as [Φ(y) − ln 2] + ln(1 + e^(−2|z|)) + (z ≥ 0 ? (1−y)z : −(1+y)z):
     * the first bracket is in [−ln 2, 0], the other two terms are non-negative and finite for every finite z.
     */
    static double tanhBregman(double y, double z) {
        if (Double.isNaN(y) || Double.isNaN(z)) {
            return Double.NaN;
        }
        if (!(Math.abs(y) <= 1.0)) {
            return Double.POSITIVE_INFINITY;
        }
        if (Double.isInfinite(z)) {
            return y == Math.signum(z) ? 0.0 : Double.POSITIVE_INFINITY;
        }
        double az = Math.abs(z);
        double linear = z >= 0 ? (1.0 - y) * z : -(1.0 + y) * z;
        return (tanhPhi(y) - LN2) + Math.log1p(Math.exp(-2.0 * az)) + linear;
    }

    /** σ′(z) = 1 − tanh²z = 4e/(1 + e)² with e = e^(−2|z|) (no cancellation for large |z|). */
    static double tanhDerivative(double z) {
        double e = Math.exp(-2.0 * Math.abs(z));
        double r = 1.0 / (1.0 + e);
        return 4.0 * e * r * r;
    }

    /**
     * prox_{cΨ}(z) for tanh: the root u of u + c(artanh u − u) = z. Solved by symmetry for a = |z| in
     * v = artanh u ≥ 0, where G(v) = tanh v − a + c(v − tanh v) is increasing with
     * G′(v) = sech²v + c·tanh²v ≥ min(1, c): concave for c &lt; 1 and convex for c &gt; 1, so Newton is
     * monotone from the right side and a bracket [lo, hi] with a geometric (bit-pattern) bisection
     * fallback makes it safe from any start. Starting points:
     * <ul>
     *   <li>c &lt; 1: v ∈ [max(a, (a − 1 + c)/c), min(a/c, artanh a)]; start at the Lambert-W solution of
     *       the saturated equation (1−c)(1 − 2e^(−2v)) + cv = a, clamped into the bracket;</li>
     *   <li>c &gt; 1: v ∈ [a/c, min(a, 1 + a/c, artanh((3a/c)^(1/3)))] (v = tanh v + (a − tanh v)/c, and
     *       artanh u − u ≥ u³/3); start at the top.</li>
     * </ul>
     * The result is the Newton-linearised tanh v + sech²v·δ at the last iterate, which carries the
     * sub-ulp correction δ. {@code iterations[0]} (if non-null) receives the number of residual evaluations.
     */
    static double tanhProx(double z, double c, int[] iterations) {
        if (iterations != null) {
            iterations[0] = 0;
        }
        double a = Math.abs(z);
        if (Double.isNaN(z) || a == 0.0) {
            return z;
        }
        if (Double.isInfinite(a)) {
            return Math.signum(z);
        }
        if (c == 1.0) {
            return Math.tanh(z);
        }
        double lo, hi, v;
        if (c < 1.0) {
            double loB = (a - (1.0 - c)) / c;
            lo = Math.max(a, loB);
            hi = a / c;
            if (a < 1.0) {
                hi = Math.min(hi, artanh(a));
            }
            double logQ = Math.log(4.0 * (1.0 - c) / c) - 2.0 * loB;
            v = loB + 0.5 * lambertWFromLog(logQ);
        } else {
            lo = a / c;
            hi = Math.min(a, 1.0 + a / c); // v = tanh v + (a − tanh v)/c ≤ 1 + a/c
            double ub = Math.cbrt(3.0 * a / c);
            if (ub < 1.0) {
                hi = Math.min(hi, artanh(ub));
            }
            v = hi;
        }
        // The bounds are rounded; widen them so that the root is inside for certain.
        lo = Math.max(0.0, lo - 0x1p-40 * (lo + (a + 1.0) / Math.min(c, 1.0)));
        hi = hi + 0x1p-40 * hi;
        // tanh v is 1 in double beyond v = 19.1, so larger roots need not be resolved (nor overflow anything).
        lo = Math.min(lo, TANH_V_MAX);
        hi = Math.min(hi, TANH_V_MAX);
        if (!(v >= lo)) {
            v = lo;
        }
        if (!(v <= hi)) {
            v = hi;
        }
        double u = Double.NaN;
        for (int it = 1; it <= MAX_NEWTON; it++) {
            if (iterations != null) {
                iterations[0] = it;
            }
            double t = Math.tanh(v);
            double s2 = tanhDerivative(v);
            double d = t < 0.5 ? artanhMinusIdentity(t) : v - t; // = v − tanh v without cancellation
            double g = Math.fma(c, d, t - a);
            double gp = s2 + c * t * t;
            double delta = -g / gp;
            u = Math.fma(s2, delta, t);
            // After a step this small the linearised value is exact to rounding (the error is O(δ²)).
            if (Math.abs(delta) <= 0x1p-27 * v || g == 0.0) {
                break;
            }
            if (g < 0) {
                lo = v;
            } else {
                hi = v;
            }
            double cand = v + delta;
            if (!(cand >= lo && cand <= hi)) {
                cand = bitsMidpoint(lo, hi);
            }
            if (cand == v) {
                break;
            }
            v = cand;
        }
        return Math.copySign(Math.min(u, 1.0), z);
    }

    // ------------------------------------------------------------------ sigmoid

    /** Φ(u) = u ln u + (1−u) ln(1−u) on [0, 1] (0·ln 0 = 0), so Ψ = Φ − ½u². */
    static double sigmoidPhi(double u) {
        return xlogx(u) + xlogx(1.0 - u);
    }

    static double sigmoidPsi(double u) {
        if (Double.isNaN(u)) {
            return u;
        }
        if (!(u >= 0.0 && u <= 1.0)) {
            return Double.POSITIVE_INFINITY;
        }
        return sigmoidPhi(u) - 0.5 * u * u;
    }

    /**
     * B_Ψ(y, z) = Φ(y) + ln(1 + e^z) − yz = Φ(y) + ln(1 + e^(−|z|)) + (z ≥ 0 ? (1−y)z : −yz): the Bernoulli
     * Kullback-Leibler divergence KL(y ‖ σ(z)); Φ(y) ∈ [−ln 2, 0], the other terms are non-negative.
     */
    static double sigmoidBregman(double y, double z) {
        if (Double.isNaN(y) || Double.isNaN(z)) {
            return Double.NaN;
        }
        if (!(y >= 0.0 && y <= 1.0)) {
            return Double.POSITIVE_INFINITY;
        }
        if (Double.isInfinite(z)) {
            return y == (z > 0 ? 1.0 : 0.0) ? 0.0 : Double.POSITIVE_INFINITY;
        }
        double linear = z >= 0 ? (1.0 - y) * z : -y * z;
        return sigmoidPhi(y) + Math.log1p(Math.exp(-Math.abs(z))) + linear;
    }

    /** σ′(z) = σ(1 − σ) = e/(1 + e)² with e = e^(−|z|). */
    static double sigmoidDerivative(double z) {
        double e = Math.exp(-Math.abs(z));
        double r = 1.0 / (1.0 + e);
        return e * r * r;
    }

    /**
     * prox_{cΨ}(z) for the sigmoid: the root u of u + c(logit u − u) = z, solved in w = logit u where
     * G(w) = c·w − z + (1 − c)σ(w) is increasing with G′(w) = σ′(w) + c(1 − σ′(w)) ≥ min(1, c)·¾.
     * The residual uses one fused multiply-add for c·w − z, which is what carries the information in the
     * tails (|G| is then far below ulp(z)). Bracket: w ∈ [(z − 1 + c)/c, z/c] for c &lt; 1 (reversed for
     * c &gt; 1), and the half-line w ≥ 0 exactly when z ≥ (1 − c)/2 (where u = ½). Starting points:
     * c &lt; 1: the tangent at w = 0, w₀ = (z − (1 − c)/2)/(¼ + ¾c), which is also a bound on the monotone
     * side of the root, when |w₀| ≤ 1, else the Lambert-W solution of the tail equation (1 − c)e^w + cw = z
     * (or its mirror image for the upper half); c &gt; 1: one fixed-point step w₀ = w* + (z − w*)/c from the
     * minimiser w* of Ψ.
     * The result is the Newton-linearised σ(w) + σ′(w)·δ at the last iterate.
     */
    static double sigmoidProx(double z, double c, int[] iterations) {
        if (iterations != null) {
            iterations[0] = 0;
        }
        if (Double.isNaN(z)) {
            return z;
        }
        if (Double.isInfinite(z)) {
            return z > 0 ? 1.0 : 0.0;
        }
        if (c == 1.0) {
            return logistic(z);
        }
        boolean upper = z >= 0.5 * (1.0 - c);
        double zb = (z - (1.0 - c)) / c, za = z / c;
        double wid = 0x1p-40 * (Math.abs(z) + 1.0 + c) / Math.min(c, 1.0);
        double lo = Math.min(za, zb) - wid, hi = Math.max(za, zb) + wid;
        double wid0 = 0x1p-40 * (Math.abs(z) + 1.0 + c);
        if (upper) {
            lo = Math.max(lo, -wid0);
        } else {
            hi = Math.min(hi, wid0);
        }
        double w;
        if (c < 1.0) {
            // The tangent at w = 0 bounds the root from the monotone side (G is concave on w ≥ 0 and convex
            // on w ≤ 0 when c < 1), and is the better start near the centre; the tail solution beyond |w| = 1.
            double wLin = (z - 0.5 * (1.0 - c)) / (0.25 + 0.75 * c);
            double widLin = 0x1p-40 * (Math.abs(wLin) + wid0);
            if (upper) {
                lo = Math.max(lo, wLin - widLin);
            } else {
                hi = Math.min(hi, wLin + widLin);
            }
            double k = Math.log((1.0 - c) / c);
            w = Math.abs(wLin) <= 1.0 ? wLin : upper ? zb + lambertWFromLog(k - zb) : za - lambertWFromLog(k + za);
        } else {
            w = SIGMOID_PSI_ARGMIN + (z - SIGMOID_PSI_ARGMIN) / c;
        }
        if (!(w >= lo)) {
            w = lo;
        }
        if (!(w <= hi)) {
            w = hi;
        }
        double u = Double.NaN;
        for (int it = 1; it <= MAX_NEWTON; it++) {
            if (iterations != null) {
                iterations[0] = it;
            }
            double e = Math.exp(-Math.abs(w));
            double r = 1.0 / (1.0 + e);
            double s = w >= 0 ? r : e * r;
            double sp = e * r * r;
            double g = Math.fma(c, w, -z) + (1.0 - c) * s;
            double gp = sp + c * (1.0 - sp);
            double delta = -g / gp;
            u = Math.max(0.0, Math.min(1.0, Math.fma(sp, delta, s)));
            if (Math.abs(delta) <= 0x1p-27 * Math.max(1.0, Math.abs(w)) || g == 0.0) {
                break;
            }
            if (g < 0) {
                lo = w;
            } else {
                hi = w;
            }
            double cand = w + delta;
            if (!(cand >= lo && cand <= hi)) {
                cand = 0.5 * (lo + hi);
            }
            if (cand == w) {
                break;
            }
            w = cand;
        }
        return u;
    }
}
