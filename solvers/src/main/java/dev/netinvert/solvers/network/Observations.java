package dev.netinvert.solvers.network;

import dev.netinvert.kernels.FloatVec;

import java.lang.foreign.Arena;
import java.util.Objects;

/**
 * Observations y = N(z) of a network (realizable) and noisy ones y^δ = N(z) + e, as the experiments of
 * the papers make them.
 */
public final class Observations {
    private Observations() {}

    /** The distribution of additive noise e. */
    public sealed interface Noise {
        /** e_i ~ N(0, std²): sec. 5.1.1 [000] (std 0.005), the N(0, a) noise of sec. 5.1 [003]. */
        record Gaussian(double std) implements Noise {
            public Gaussian {
                if (!(std >= 0) || Double.isInfinite(std)) {
                    throw new IllegalArgumentException("noise std must be finite and >= 0, got " + std);
                }
            }
        }

        /** e_i ~ U(−a, a): the ℓ∞-bounded noise of sec. 5.1 [003]. */
        record Uniform(double a) implements Noise {
            public Uniform {
                if (!(a >= 0) || Double.isInfinite(a)) {
                    throw new IllegalArgumentException("noise half-width a must be finite and >= 0, got " + a);
                }
            }
        }
    }

    /** y = N(z), a new vector in {@code arena}. */
    public static FloatVec realizable(Network network, FloatVec z, Arena arena) {
        return Objects.requireNonNull(network, "network").forward(z, arena);
    }

    /** y ← y + e with e drawn from {@code noise} by {@link SeededGaussian}{@code (seed)}, element 0 first. */
    public static void addNoise(FloatVec y, Noise noise, long seed) {
        Objects.requireNonNull(y, "y");
        Objects.requireNonNull(noise, "noise");
        SeededGaussian g = new SeededGaussian(seed);
        for (int i = 0; i < y.length(); i++) {
            double e = switch (noise) {
                case Noise.Gaussian n -> n.std() * g.nextGaussian();
                case Noise.Uniform u -> u.a() * (2.0 * g.nextUniform() - 1.0);
            };
            y.set(i, (float) (y.get(i) + e));
        }
    }

    /**
     * y^δ = N(z) + e, then (if {@code clip}) projected onto the range of the last activation by
     * {@link Activations#clipToDomain} — "we clip all the negative values of y^δ to ensure
     * y^δ ∈ dom(Ψ)" (sec. 5.1.1 [000]). A new vector in {@code arena}.
     */
    public static FloatVec noisy(Network network, FloatVec z, Noise noise, long seed, boolean clip, Arena arena) {
        FloatVec y = realizable(network, z, arena);
        addNoise(y, noise, seed);
        if (clip) {
            Activations.clipToDomain(network.lastActivation(), y);
        }
        return y;
    }
}
