package dev.netinvert.solvers.network;

import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.FloatMatrix;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A reproducible source of Gaussian and uniform numbers: the same seed gives the same numbers on every
 * JDK and CPU.
 *
 * <p>Uniforms come from {@link SplittableRandom#nextDouble()} (SplitMix64, 53-bit doubles in [0, 1)).
 * Gaussians use the Box–Muller transform on pairs of those uniforms, computed with {@link StrictMath} so
 * that the result is bit-for-bit defined (the JDK's own {@code nextGaussian()} algorithm is an
 * implementation detail that may change, and {@code Math.log}/{@code Math.cos} may differ by an ulp
 * between platforms):
 * <pre>
 *   u₁ = 1 − nextDouble() ∈ (0, 1],  u₂ = nextDouble(),  r = √(−2 ln u₁)
 *   g₁ = r·cos(2π u₂),  g₂ = r·sin(2π u₂)
 * </pre>
 * g₁ is returned first, g₂ on the next call. A value μ + s·g is computed in double and rounded to float
 * once when stored in a vector.
 *
 * <p>Not thread-safe: give each thread its own instance (seeded differently).
 */
public final class SeededGaussian {
    private final SplittableRandom random;
    private double spare;
    private boolean hasSpare;

    public SeededGaussian(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** A standard normal number N(0, 1). */
    public double nextGaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spare;
        }
        double u1 = 1.0 - random.nextDouble();
        double u2 = random.nextDouble();
        double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
        double theta = 2.0 * StrictMath.PI * u2;
        spare = r * StrictMath.sin(theta);
        hasSpare = true;
        return r * StrictMath.cos(theta);
    }

    /** A uniform number in [0, 1). */
    public double nextUniform() {
        return random.nextDouble();
    }

    /** x[i] ← (float) (mean + std·g_i), i in order, g_i standard normal. */
    public void fill(FloatVec x, double mean, double std) {
        Objects.requireNonNull(x, "x");
        checkStd(std);
        for (int i = 0; i < x.length(); i++) {
            x.set(i, (float) (mean + std * nextGaussian()));
        }
    }

    /** Every element of {@code m}, row by row, ← (float) (mean + std·g). */
    public void fill(FloatMatrix m, double mean, double std) {
        Objects.requireNonNull(m, "m");
        checkStd(std);
        for (int i = 0; i < m.rows(); i++) {
            for (int j = 0; j < m.cols(); j++) {
                m.set(i, j, (float) (mean + std * nextGaussian()));
            }
        }
    }

    private static void checkStd(double std) {
        if (!(std >= 0) || Double.isInfinite(std)) {
            throw new IllegalArgumentException("std must be finite and >= 0, got " + std);
        }
    }
}
