package dev.netinvert.solvers.pursuit;

import dev.netinvert.kernels.Activation;

/**
 * The invertible last activation φ of the generator x = φ(W_L x_{L−1} + b_L) (eq. (3) [002]) and the
 * few facts about it the pursuits need: φ, φ′, φ⁻¹ (Alg. 2 and Alg. 6 [002] work on φ⁻¹(y)), the
 * Lipschitz constant of φ⁻¹ on an interval (the ℓ of Alg. 2's ε-rule) and a bound
 * on the curvature of the per-element loss f(u) = ½(φ(u) − y)², which sets the FISTA step of Alg. 3.
 *
 * <p>f″(u) = φ′(u)² + (φ(u) − y)·φ″(u). With |φ′| ≤ d₁, |φ″| ≤ d₂ and |φ(u) − y| ≤ r (the width of φ's
 * range, or unbounded), f″ ≤ d₁² + r·d₂:
 * <pre>
 *   identity      d₁ = 1,    d₂ = 0                      → 1
 *   tanh          d₁ = 1,    d₂ = 4/(3√3) ≈ 0.770, r = 2  → 1 + 2·0.770 = 2.540
 *   sigmoid       d₁ = 1/4,  d₂ = 1/(6√3) ≈ 0.0962, r = 1 → 1/16 + 0.0962 = 0.159
 *   leaky ReLU    piecewise linear: d₁ = 1, d₂ = 0 away from the kink → 1
 * </pre>
 * (For leaky ReLU f is not C¹ at u = 0 when y ≠ 0; FISTA is then a heuristic there, as in the paper.)
 * ReLU, clip and soft-threshold are not invertible and are refused with the reason.
 */
record OutputActivation(Activation sigma, double curvature) {

    static OutputActivation of(Activation sigma) {
        return switch (sigma) {
            case Activation.Identity _ -> new OutputActivation(sigma, 1.0);
            case Activation.Tanh _ -> new OutputActivation(sigma, 1.0 + 2.0 * 4.0 / (3.0 * Math.sqrt(3.0)));
            case Activation.Sigmoid _ -> new OutputActivation(sigma, 1.0 / 16.0 + 1.0 / (6.0 * Math.sqrt(3.0)));
            case Activation.LeakyRelu l -> {
                if (!(l.slope() > 0)) {
                    throw new IllegalArgumentException("last activation: leaky_relu needs a slope > 0 to be invertible, got "
                            + l.slope());
                }
                yield new OutputActivation(sigma, 1.0);
            }
            default -> throw new IllegalArgumentException("last activation: the pursuits need an invertible φ "
                    + "(identity, tanh, sigmoid or leaky_relu with slope > 0), got " + sigma.name());
        };
    }

    float apply(float u) {
        return sigma.apply(u);
    }

    /** φ′(u) in float, for the FISTA gradient. */
    float derivative(float u) {
        return switch (sigma) {
            case Activation.Identity _ -> 1f;
            case Activation.Tanh _ -> {
                float t = (float) Math.tanh(u);
                yield 1f - t * t;
            }
            case Activation.Sigmoid _ -> {
                float s = sigma.apply(u);
                yield s * (1f - s);
            }
            case Activation.LeakyRelu l -> u > 0f ? 1f : l.slope();
            default -> throw new AssertionError(sigma);
        };
    }

    double value(double u) {
        return sigma.sigma(u);
    }

    double derivative(double u) {
        return sigma.derivative(u);
    }

    /**
     * The Lipschitz constant of φ⁻¹ on the interval [lo, hi], sup_{t ∈ [lo, hi]} (φ⁻¹)′(t): the factor ℓ
     * by which φ⁻¹ can amplify a perturbation of an output that stays in the interval (Thm 2 [002] uses
     * it as ε_{L+1} = ℓε). +∞ when the interval reaches the boundary of φ's range, where φ⁻¹ is not
     * Lipschitz:
     * <pre>
     *   identity      (φ⁻¹)′ = 1                    → 1
     *   tanh          (φ⁻¹)′(t) = 1/(1 − t²)        → 1/(1 − m²), m = max(|lo|, |hi|) (+∞ if m ≥ 1)
     *   sigmoid       (φ⁻¹)′(t) = 1/(t(1 − t))      → 1/min(lo(1 − lo), hi(1 − hi)) (+∞ if lo ≤ 0 or hi ≥ 1)
     *   leaky ReLU    (φ⁻¹)′ ∈ {1, 1/slope}          → max(1, 1/slope) (the global constant)
     * </pre>
     * (tanh and sigmoid's (φ⁻¹)′ are convex with their minimum at the centre of the range, so the
     * supremum over an interval is at an endpoint.)
     *
     * @param lo the interval's lower end
     * @param hi the interval's upper end, ≥ lo
     */
    double inverseLipschitz(double lo, double hi) {
        return switch (sigma) {
            case Activation.Identity _ -> 1.0;
            case Activation.Tanh _ -> {
                double m = Math.max(Math.abs(lo), Math.abs(hi));
                // (1 − m)(1 + m) rather than 1 − m², which loses digits as m → 1.
                yield m >= 1 ? Double.POSITIVE_INFINITY : 1.0 / ((1 - m) * (1 + m));
            }
            case Activation.Sigmoid _ -> lo <= 0 || hi >= 1 ? Double.POSITIVE_INFINITY
                    : 1.0 / Math.min(lo * (1 - lo), hi * (1 - hi));
            case Activation.LeakyRelu l -> Math.max(1.0, 1.0 / l.slope());
            default -> throw new AssertionError(sigma);
        };
    }

    /** φ⁻¹(y); NaN or ±∞ when y is outside (or on the closed boundary of) φ's range. */
    double inverse(double y) {
        return switch (sigma) {
            case Activation.Identity _ -> y;
            case Activation.Tanh _ -> 0.5 * Math.log((1 + y) / (1 - y));
            case Activation.Sigmoid _ -> Math.log(y / (1 - y));
            case Activation.LeakyRelu l -> y >= 0 ? y : y / l.slope();
            default -> throw new AssertionError(sigma);
        };
    }
}
