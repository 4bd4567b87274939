package dev.netinvert.kernels;

/**
 * An activation function σ that is the proximal map of a proper, convex, lower semi-continuous
 * function Ψ: σ(z) = prox_Ψ(z) = argmin_u { ½(u − z)² + Ψ(u) } (section 2 of [000]; slides [001]).
 * Every activation here acts elementwise, so everything below is scalar; the vector kernels are in
 * {@link Prox}.
 *
 * <p>What each activation provides, with Φ = ½|·|² + Ψ:
 * <ul>
 *   <li>{@link #apply(float)} / {@link #sigma(double)}: σ = prox_Ψ;</li>
 *   <li>{@link #prox(double, double)}: the scaled map prox_{cΨ}(z), the root u of z − u ∈ c·∂Ψ(u), needed by
 *       eq. (17) [000] (there with c = τ/(1+τ)) and the slides' coordinate descent;</li>
 *   <li>{@link #psi(double)}: Ψ(u), +∞ outside dom Ψ;</li>
 *   <li>{@link #conjugate(double)}: Φ*(z) = sup_u { zu − ½u² − Ψ(u) } = zσ(z) − Φ(σ(z)), finite everywhere;</li>
 *   <li>{@link #bregman(double, double)}: the Bregman loss of eq. (4) [000],
 *       B_Ψ(y, z) = Φ(y) + Φ*(z) − yz ≥ ½(y − σ(z))², with ∇_z B_Ψ(y, z) = σ(z) − y
 *       ({@link #bregmanGradient(double, double)}) and B_Ψ(σ(z), z) = 0;</li>
 *   <li>{@link #derivative(double)}: σ′(z); at a kink the <b>smaller one-sided derivative</b> is returned
 *       (ReLU′(0) = 0, leaky′(0) = slope, soft-threshold′(±λ) = 0, clip′(±1) = 0; the convention of
 *       PyTorch's autograd), so a kink counts as inactive;</li>
 *   <li>{@link #inDomain(double)} and {@link #domain()}: dom Ψ, where y must lie for B_Ψ(y, ·) to be finite.</li>
 * </ul>
 *
 * <p>Ψ is determined by σ only up to an additive constant, which cancels in B_Ψ and in every prox; the
 * constants below are the natural ones (Ψ(0) = 0 where 0 ∈ dom Ψ).
 *
 * <p>Special values: NaN in gives NaN out everywhere. dom Ψ never contains ±∞, so Ψ(±∞) = +∞ and
 * B_Ψ(±∞, z) = +∞. An infinite pre-activation z is handled as the limit: σ(±∞), prox(±∞, c), σ′(±∞),
 * Φ*(±∞) and B_Ψ(y, ±∞) (which is 0 when y = σ(±∞) and +∞ otherwise) are the limits as z → ±∞.
 *
 * <p>The scalar methods compute in double precision and are the specification the vector kernels are
 * tested against; {@link #apply(float)} is the float entry the fused kernels call once per row of W.
 */
public sealed interface Activation {

    /** σ(z) for one float pre-activation value (correctly rounded to within one ulp). */
    float apply(float z);

    /** A short name used in logs, reports and the model description ("relu", "leaky_relu", ...). */
    String name();

    /** σ(z) = prox_Ψ(z) in double precision. */
    double sigma(double z);

    /**
     * The scaled proximal map prox_{cΨ}(z) = argmin_u { ½(u − z)² + cΨ(u) }, i.e. the u with
     * z − u ∈ c·∂Ψ(u). {@code prox(z, 1) == sigma(z)}.
     *
     * @param c the scale, finite and &gt; 0
     * @throws IllegalArgumentException if c is not finite and positive
     */
    double prox(double z, double c);

    /**
     * The number of Newton residual evaluations {@link #prox(double, double)} spends on (z, c): 0 for the
     * closed forms, ≥ 1 for tanh and sigmoid (c ≠ 1). A diagnostic for tests and benchmarks.
     */
    default int proxIterations(double z, double c) {
        checkScale(c);
        return 0;
    }

    /** σ′(z); at a kink, the smaller one-sided derivative. */
    double derivative(double z);

    /**
     * σ′ at the pre-activation u whose <em>output</em> is x = σ(u), in float — what backpropagation needs,
     * from the layer outputs alone (no second tanh or exp; PyTorch's autograd does the same for tanh and
     * sigmoid). With the kink conventions of {@link #derivative}:
     * <pre>
     *   identity 1;  relu 1 if x &gt; 0 else 0;  leaky_relu 1 if x &gt; 0 else slope;  soft_threshold 1 if x ≠ 0
     *   else 0;  tanh 1 − x²;  clip 1 if |x| &lt; 1 else 0;  sigmoid x·(1 − x)
     * </pre>
     * (u &gt; 0 ⟺ x &gt; 0 for relu, |u| &gt; λ ⟺ x ≠ 0 for soft-threshold, |u| &lt; 1 ⟺ |x| &lt; 1 for clip).
     * Float arithmetic, each operation rounded once: 1 − x² is x·x rounded, then subtracted (not fused).
     * A NaN x gives NaN for tanh and sigmoid and the comparison's "false" branch otherwise (0 for relu and
     * clip, the slope for leaky ReLU, 1 for soft-threshold since NaN ≠ 0), the scalar comparisons' IEEE
     * semantics; the vector kernel {@code Prox.multiplyByDerivativeFromOutput} reproduces them.
     */
    default float derivativeFromOutput(float x) {
        return switch (this) {
            case Identity _ -> 1f;
            case Relu _ -> x > 0f ? 1f : 0f;
            case LeakyRelu l -> x > 0f ? 1f : l.slope();
            case SoftThreshold _ -> x != 0f ? 1f : 0f;
            case Tanh _ -> 1f - x * x;
            case Clip _ -> Math.abs(x) < 1f ? 1f : 0f;
            case Sigmoid _ -> x * (1f - x);
        };
    }

    /** Ψ(u); +∞ when u ∉ dom Ψ. */
    double psi(double u);

    /** Φ*(z) = (½|·|² + Ψ)*(z). */
    double conjugate(double z);

    /**
     * B_Ψ(y, z) = Φ(y) + Φ*(z) − yz of eq. (4) [000], evaluated in a form that does not cancel when
     * y ≈ σ(z); +∞ when y ∉ dom Ψ.
     */
    double bregman(double y, double z);

    /** ∇_z B_Ψ(y, z) = σ(z) − y ([000] after eq. (4); slides [001], property 2 of B_Ψ). */
    default double bregmanGradient(double y, double z) {
        return sigma(z) - y;
    }

    /** Whether y ∈ dom Ψ (finite, and inside {@link #domain()}); NaN is in no domain. */
    boolean inDomain(double y);

    /** dom Ψ as text for messages, e.g. {@code "[0, ∞)"} or {@code "ℝ"}. */
    String domain();

    private static void checkScale(double c) {
        if (!(c > 0.0) || c == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("c must be finite and > 0, got " + c);
        }
    }

    /** NaN stays NaN, everything else not finite or outside dom Ψ maps to +∞. */
    private static double outside(double u) {
        return Double.isNaN(u) ? u : Double.POSITIVE_INFINITY;
    }

    /** B_Ψ(y, z) when y ∉ dom Ψ or z is NaN: NaN if either argument is NaN, +∞ otherwise. */
    private static double undefined(double y, double z) {
        return Double.isNaN(y) || Double.isNaN(z) ? Double.NaN : Double.POSITIVE_INFINITY;
    }

    /**
     * σ(z) = z; Ψ = 0 (the prox of the zero function). Φ*(z) = z²/2, B_Ψ(y, z) = ½(y − z)²: the
     * least-squares loss. prox_{cΨ}(z) = z.
     */
    record Identity() implements Activation {
        @Override public float apply(float z) { return z; }
        @Override public String name() { return "identity"; }
        @Override public double sigma(double z) { return z; }
        @Override public double prox(double z, double c) { checkScale(c); return z; }
        @Override public double derivative(double z) { return Double.isNaN(z) ? z : 1.0; }
        @Override public double psi(double u) { return inDomain(u) ? 0.0 : outside(u); }
        @Override public double conjugate(double z) { return 0.5 * z * z; }
        @Override public double bregman(double y, double z) {
            if (!inDomain(y)) {
                return undefined(y, z);
            }
            double r = y - z;
            return 0.5 * r * r;
        }
        @Override public boolean inDomain(double y) { return Math.abs(y) < Double.POSITIVE_INFINITY; }
        @Override public String domain() { return "ℝ"; }
    }

    /**
     * σ(z) = max(z, 0); Ψ = ι_{[0, ∞)}, the indicator of the non-negative half-line (slides [001];
     * Example 1 [000]). Φ*(z) = ½max(z, 0)²; B_Ψ(y, z) = ½(y − max(z, 0))² + y·max(−z, 0) for y ≥ 0
     * (both terms non-negative). prox_{cΨ} = σ for every c (the prox of an indicator is the projection).
     */
    record Relu() implements Activation {
        @Override public float apply(float z) { return Math.max(z, 0f); }
        @Override public String name() { return "relu"; }
        @Override public double sigma(double z) { return Math.max(z, 0.0); }
        @Override public double prox(double z, double c) { checkScale(c); return Math.max(z, 0.0); }
        @Override public double derivative(double z) { return Double.isNaN(z) ? z : (z > 0 ? 1.0 : 0.0); }
        @Override public double psi(double u) { return inDomain(u) ? 0.0 : outside(u); }
        @Override public double conjugate(double z) {
            double p = Math.max(z, 0.0);
            return 0.5 * p * p;
        }
        @Override public double bregman(double y, double z) {
            if (Double.isNaN(z) || !inDomain(y)) {
                return undefined(y, z);
            }
            if (Double.isInfinite(z)) {
                return z < 0 && y == 0.0 ? 0.0 : Double.POSITIVE_INFINITY;
            }
            double r = y - Math.max(z, 0.0);
            return 0.5 * r * r + y * Math.max(-z, 0.0);
        }
        @Override public boolean inDomain(double y) { return y >= 0.0 && y < Double.POSITIVE_INFINITY; }
        @Override public String domain() { return "[0, ∞)"; }
    }

    /**
     * σ(z) = z for z ≥ 0 and s·z for z &lt; 0, with slope 0 &lt; s ≤ 1. Derived (not in the papers):
     * Ψ(u) = ½k·u² for u &lt; 0 and 0 otherwise, with k = 1/s − 1 ≥ 0, since the optimality condition
     * z − u = Ψ′(u) = k·u gives u = s·z on the negative half-line. Φ(u) = ½u²/s (u &lt; 0), ½u² (u ≥ 0);
     * Φ*(z) = ½s·z² (z &lt; 0), ½z² (z ≥ 0). B_Ψ(y, z) = ½(y − z)² if y, z ≥ 0; (y − sz)²/(2s) if y, z &lt; 0;
     * and Φ(y) + Φ*(z) − yz with three non-negative terms when the signs differ.
     * prox_{cΨ}(z) = z for z ≥ 0 and z/(1 + c·k) for z &lt; 0 (from z − u = c·k·u).
     */
    record LeakyRelu(float slope) implements Activation {
        public LeakyRelu {
            if (!(slope > 0f && slope <= 1f)) {
                throw new IllegalArgumentException("leaky ReLU slope must lie in (0, 1], got " + slope);
            }
        }
        /** k = 1/s − 1, the curvature of Ψ on the negative half-line. */
        public double curvature() { return (1.0 - slope) / slope; }
        @Override public float apply(float z) { return z >= 0f ? z : slope * z; }
        @Override public String name() { return "leaky_relu"; }
        @Override public double sigma(double z) { return z >= 0 ? z : slope * z; }
        @Override public double prox(double z, double c) {
            checkScale(c);
            return z >= 0 ? z : z / (1.0 + c * curvature());
        }
        @Override public double derivative(double z) { return Double.isNaN(z) ? z : (z > 0 ? 1.0 : slope); }
        @Override public double psi(double u) {
            if (!inDomain(u)) {
                return outside(u);
            }
            return u >= 0 ? 0.0 : 0.5 * curvature() * u * u;
        }
        @Override public double conjugate(double z) { return z >= 0 ? 0.5 * z * z : 0.5 * slope * z * z; }
        @Override public double bregman(double y, double z) {
            if (Double.isNaN(z) || !inDomain(y)) {
                return undefined(y, z);
            }
            if (Double.isInfinite(z)) {
                return Double.POSITIVE_INFINITY;
            }
            double s = slope;
            if (y >= 0 && z >= 0) {
                double r = y - z;
                return 0.5 * r * r;
            }
            if (y < 0 && z < 0) {
                double r = y - s * z;
                return r * r / (2.0 * s);
            }
            double phiY = y >= 0 ? 0.5 * y * y : 0.5 * y * y / s;
            return phiY + conjugate(z) - y * z; // −yz ≥ 0 here
        }
        @Override public boolean inDomain(double y) { return Math.abs(y) < Double.POSITIVE_INFINITY; }
        @Override public String domain() { return "ℝ"; }
    }

    /**
     * σ(z) = sign(z)·max(|z| − λ, 0), λ ≥ 0; Ψ = λ|·| (slides [001]). Φ*(z) = ½max(|z| − λ, 0)²;
     * B_Ψ(y, z) = ½(y − σ(z))² + (λ|y| − y·p) with p = z − σ(z) = clamp(z, −λ, λ), both terms non-negative.
     * prox_{cΨ}(z) = sign(z)·max(|z| − cλ, 0). Moreau: z = prox_{cΨ}(z) + clamp(z, −cλ, cλ).
     */
    record SoftThreshold(float lambda) implements Activation {
        public SoftThreshold {
            if (!(lambda >= 0f) || Float.isInfinite(lambda)) {
                throw new IllegalArgumentException("soft-threshold λ must be finite and >= 0, got " + lambda);
            }
        }
        @Override public float apply(float z) {
            return z > lambda ? z - lambda : (z < -lambda ? z + lambda : (z == z ? 0f : z));
        }
        @Override public String name() { return "soft_threshold"; }
        @Override public double sigma(double z) { return shrink(z, lambda); }
        @Override public double prox(double z, double c) { checkScale(c); return shrink(z, c * lambda); }
        private static double shrink(double z, double t) {
            return z > t ? z - t : (z < -t ? z + t : (z == z ? 0.0 : z));
        }
        @Override public double derivative(double z) {
            return Double.isNaN(z) ? z : (Math.abs(z) > lambda || lambda == 0f ? 1.0 : 0.0);
        }
        @Override public double psi(double u) { return inDomain(u) ? lambda * Math.abs(u) : outside(u); }
        @Override public double conjugate(double z) {
            double p = Math.max(Math.abs(z) - lambda, 0.0);
            return 0.5 * p * p;
        }
        @Override public double bregman(double y, double z) {
            if (Double.isNaN(z) || !inDomain(y)) {
                return undefined(y, z);
            }
            if (Double.isInfinite(z)) {
                return Double.POSITIVE_INFINITY;
            }
            double s = sigma(z);
            double p = Math.max(-lambda, Math.min(z, lambda));
            double r = y - s;
            return 0.5 * r * r + (lambda * Math.abs(y) - y * p);
        }
        @Override public boolean inDomain(double y) { return Math.abs(y) < Double.POSITIVE_INFINITY; }
        @Override public String domain() { return "ℝ"; }
    }

    /**
     * σ(z) = tanh(z). Ψ(u) = u·artanh(u) + ½ln(1 − u²) − u²/2 on |u| &lt; 1 (slides [001]), extended to
     * its lower semi-continuous closure Ψ(±1) = ln 2 − ½ — the slides write +∞ at ±1, but eq. (4) [000]
     * asks for a lower semi-continuous Ψ, the prox is the same, and the closure keeps y = ±1 (which
     * float tanh returns for |z| ≥ 9.01) admissible: B_Ψ(1, z) = ln(1 + e^(−2z)). Equivalently
     * Φ(u) = ½[(1+u)ln(1+u) + (1−u)ln(1−u)] on [−1, 1] (0·ln 0 = 0), Φ*(z) = ln cosh z, and
     * B_Ψ(y, z) = ½(1+y)ln((1+y)/(1+tanh z)) + ½(1−y)ln((1−y)/(1−tanh z)), the Bernoulli
     * Kullback-Leibler divergence KL((1+y)/2 ‖ (1+tanh z)/2) (= the sigmoid's B_Ψ((1+y)/2, 2z)). prox_{cΨ}(z) solves u + c(artanh u − u) = z (no closed form;
     * safeguarded Newton, see {@code ActivationMath.tanhProx}).
     */
    record Tanh() implements Activation {
        @Override public float apply(float z) { return (float) Math.tanh(z); }
        @Override public String name() { return "tanh"; }
        @Override public double sigma(double z) { return Math.tanh(z); }
        @Override public double prox(double z, double c) { checkScale(c); return ActivationMath.tanhProx(z, c, null); }
        @Override public int proxIterations(double z, double c) {
            checkScale(c);
            int[] it = new int[1];
            ActivationMath.tanhProx(z, c, it);
            return it[0];
        }
        @Override public double derivative(double z) { return ActivationMath.tanhDerivative(z); }
        @Override public double psi(double u) { return ActivationMath.tanhPsi(u); }
        @Override public double conjugate(double z) { return ActivationMath.tanhConjugate(z); }
        @Override public double bregman(double y, double z) { return ActivationMath.tanhBregman(y, z); }
        @Override public boolean inDomain(double y) { return Math.abs(y) <= 1.0; }
        @Override public String domain() { return "[-1, 1]"; }
    }

    /**
     * σ(z) = min(max(z, −1), 1) (hard-tanh); Ψ = ι_{[−1, 1]} (derived: the prox of an indicator is the
     * projection onto its set). Φ*(z) = ½z² for |z| ≤ 1 and |z| − ½ otherwise;
     * B_Ψ(y, z) = ½(y − σ(z))² + (σ(z) − y)(z − σ(z)) for |y| ≤ 1, both terms non-negative.
     * prox_{cΨ} = σ for every c. Moreau with Ψ* = |·|: z = clip(z) + soft-threshold(z, 1).
     */
    record Clip() implements Activation {
        @Override public float apply(float z) { return z > 1f ? 1f : (z < -1f ? -1f : z); }
        @Override public String name() { return "clip"; }
        @Override public double sigma(double z) { return z > 1.0 ? 1.0 : (z < -1.0 ? -1.0 : z); }
        @Override public double prox(double z, double c) { checkScale(c); return sigma(z); }
        @Override public double derivative(double z) { return Double.isNaN(z) ? z : (Math.abs(z) < 1.0 ? 1.0 : 0.0); }
        @Override public double psi(double u) { return inDomain(u) ? 0.0 : outside(u); }
        @Override public double conjugate(double z) {
            double az = Math.abs(z);
            return az <= 1.0 ? 0.5 * z * z : az - 0.5;
        }
        @Override public double bregman(double y, double z) {
            if (Double.isNaN(z) || !inDomain(y)) {
                return undefined(y, z);
            }
            if (Double.isInfinite(z)) {
                return y == Math.signum(z) ? 0.0 : Double.POSITIVE_INFINITY;
            }
            double s = sigma(z);
            double r = y - s;
            return 0.5 * r * r + (s - y) * (z - s);
        }
        @Override public boolean inDomain(double y) { return Math.abs(y) <= 1.0; }
        @Override public String domain() { return "[-1, 1]"; }
    }

    /**
     * σ(z) = 1/(1 + e^(−z)). Derived (not in the papers): Ψ(u) = u·ln u + (1 − u)·ln(1 − u) − u²/2 on
     * [0, 1] (0·ln 0 = 0, the lower semi-continuous closure), since the optimality condition
     * z − u = Ψ′(u) = logit(u) − u inverts to u = σ(z). Φ(u) is the negative binary entropy,
     * Φ*(z) = ln(1 + e^z) (softplus), and B_Ψ(y, z) = y·ln(y/σ(z)) + (1−y)·ln((1−y)/(1−σ(z))), the Bernoulli
     * Kullback-Leibler divergence (the logistic loss minus the entropy of y). prox_{cΨ}(z) solves
     * u + c(logit u − u) = z (no closed form; safeguarded Newton, see {@code ActivationMath.sigmoidProx}).
     */
    record Sigmoid() implements Activation {
        @Override public float apply(float z) { return (float) ActivationMath.logistic(z); }
        @Override public String name() { return "sigmoid"; }
        @Override public double sigma(double z) { return ActivationMath.logistic(z); }
        @Override public double prox(double z, double c) { checkScale(c); return ActivationMath.sigmoidProx(z, c, null); }
        @Override public int proxIterations(double z, double c) {
            checkScale(c);
            int[] it = new int[1];
            ActivationMath.sigmoidProx(z, c, it);
            return it[0];
        }
        @Override public double derivative(double z) { return ActivationMath.sigmoidDerivative(z); }
        @Override public double psi(double u) { return ActivationMath.sigmoidPsi(u); }
        @Override public double conjugate(double z) { return ActivationMath.softplus(z); }
        @Override public double bregman(double y, double z) { return ActivationMath.sigmoidBregman(y, z); }
        @Override public boolean inDomain(double y) { return y >= 0.0 && y <= 1.0; }
        @Override public String domain() { return "[0, 1]"; }
    }

    Activation IDENTITY = new Identity();
    Activation RELU = new Relu();
    Activation TANH = new Tanh();
    Activation CLIP = new Clip();
    Activation SIGMOID = new Sigmoid();

    static Activation leakyRelu(float slope) { return new LeakyRelu(slope); }

    static Activation softThreshold(float lambda) { return new SoftThreshold(lambda); }
}
