package dev.netinvert.kernels;

/**
 * An activation function σ that is the proximal map of a convex function Ψ, σ = prox_Ψ
 * (section 2 of [000]; slides [001]). The lifted-Bregman methods need σ, Ψ and the Bregman loss
 * B_Ψ built from them; the fused kernels here need only the scalar map {@link #apply(float)}, which
 * they evaluate once per row of W (its cost is negligible next to the row's dot product).
 */
public sealed interface Activation {

    /** σ(z) for one pre-activation value. */
    float apply(float z);

    /** A short name used in logs, reports and the model description ("relu", "leaky_relu", ...). */
    String name();

    /** σ(z) = z; Ψ = 0 (the prox of the zero function). */
    record Identity() implements Activation {
        @Override public float apply(float z) { return z; }
        @Override public String name() { return "identity"; }
    }

    /** σ(z) = max(z, 0); Ψ = indicator of [0, ∞) [001]. */
    record Relu() implements Activation {
        @Override public float apply(float z) { return z > 0f ? z : 0f; }
        @Override public String name() { return "relu"; }
    }

    /**
     * σ(z) = z for z ≥ 0, c·z for z &lt; 0, with slope 0 &lt; c ≤ 1. It is the prox of
     * Ψ(u) = (1/c − 1)·u²/2 for u &lt; 0, 0 otherwise (derived: the optimality condition
     * z − u = Ψ′(u) gives u = c·z on the negative half-line).
     */
    record LeakyRelu(float slope) implements Activation {
        public LeakyRelu {
            if (!(slope > 0f && slope <= 1f)) {
                throw new IllegalArgumentException("leaky ReLU slope must lie in (0, 1], got " + slope);
            }
        }
        @Override public float apply(float z) { return z >= 0f ? z : slope * z; }
        @Override public String name() { return "leaky_relu"; }
    }

    /** σ(z) = sign(z)·max(|z| − λ, 0), λ ≥ 0; Ψ = λ‖·‖₁ [001]. */
    record SoftThreshold(float lambda) implements Activation {
        public SoftThreshold {
            if (!(lambda >= 0f) || Float.isInfinite(lambda)) {
                throw new IllegalArgumentException("soft-threshold λ must be finite and >= 0, got " + lambda);
            }
        }
        @Override public float apply(float z) {
            return z > lambda ? z - lambda : (z < -lambda ? z + lambda : 0f);
        }
        @Override public String name() { return "soft_threshold"; }
    }

    /** σ(z) = tanh(z); Ψ(u) = u·artanh(u) + ½ln(1 − u²) − u²/2 on (−1, 1) [001]. */
    record Tanh() implements Activation {
        @Override public float apply(float z) { return (float) Math.tanh(z); }
        @Override public String name() { return "tanh"; }
    }

    /** σ(z) = min(max(z, −1), 1) (hard-tanh); Ψ = indicator of [−1, 1] (derived). */
    record Clip() implements Activation {
        @Override public float apply(float z) { return z > 1f ? 1f : (z < -1f ? -1f : z); }
        @Override public String name() { return "clip"; }
    }

    /**
     * σ(z) = 1 / (1 + e^(−z)); Ψ(u) = u·ln u + (1 − u)·ln(1 − u) − u²/2 on (0, 1) (derived: the
     * optimality condition z − u = Ψ′(u) = logit(u) − u inverts to u = σ(z)).
     */
    record Sigmoid() implements Activation {
        @Override public float apply(float z) { return (float) (1.0 / (1.0 + Math.exp(-z))); }
        @Override public String name() { return "sigmoid"; }
    }

    Activation IDENTITY = new Identity();
    Activation RELU = new Relu();
    Activation TANH = new Tanh();
    Activation CLIP = new Clip();
    Activation SIGMOID = new Sigmoid();

    static Activation leakyRelu(float slope) { return new LeakyRelu(slope); }

    static Activation softThreshold(float lambda) { return new SoftThreshold(lambda); }
}
