package dev.netinvert.tests.kernels;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.kernels.ProxSupport;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Shared inputs, implementations and tolerance helpers of the activation-kernel tests. */
final class ProxFixtures {
    private ProxFixtures() {}

    /** Every activation, with parameters that exercise the interesting branches. */
    static final List<Activation> ACTIVATIONS = List.of(
            Activation.IDENTITY, Activation.RELU, Activation.leakyRelu(0.1f), Activation.leakyRelu(1f),
            Activation.softThreshold(0.5f), Activation.softThreshold(0f), Activation.TANH, Activation.CLIP,
            Activation.SIGMOID);

    /** Awkward lengths: below, at and above vector widths and unroll factors, primes. */
    static final int[] SIZES = {1, 2, 3, 15, 16, 17, 31, 33, 97, 251, 1023, 4097};

    /** The implementations to pit against the reference in this JVM: scalar always, SIMD when available. */
    static List<ProxSupport> implementations() {
        List<ProxSupport> list = new ArrayList<>();
        list.add(KernelProvider.scalar().proxSupport());
        KernelProvider.simd().ifPresent(p -> list.add(p.proxSupport()));
        return list;
    }

    /** A view of n floats starting {@code offset} elements into a fresh allocation (unaligned when offset ≠ 0 mod 16). */
    static FloatVec vec(Arena arena, float[] values, int offset) {
        FloatVec backing = FloatVec.allocate(arena, values.length + offset + 1);
        FloatVec v = backing.slice(offset, values.length);
        v.copyFrom(values);
        return v;
    }

    /**
     * Pre-activations spread over the regimes that matter: unit-scale normals, tiny values, large values,
     * log-uniform magnitudes, and the kinks and saturation points of every activation.
     */
    static float[] preActivations(SplittableRandom rnd, int n) {
        float[] special = {0f, -0f, 0.5f, -0.5f, 1f, -1f, Math.nextUp(1f), Math.nextDown(-1f), 9.5f, -9.5f, 20f,
                -20f, 0.65904607f, 17.5f, -104f, 1e-30f, -1e-30f};
        float[] z = new float[n];
        for (int i = 0; i < n; i++) {
            double u = rnd.nextDouble();
            double v;
            if (u < 0.35) {
                v = 3 * gaussian(rnd);
            } else if (u < 0.5) {
                v = 0.05 * gaussian(rnd);
            } else if (u < 0.7) {
                v = 60 * rnd.nextDouble() - 30;
            } else if (u < 0.9) {
                v = (rnd.nextBoolean() ? 1 : -1) * Math.pow(10, -6 + 10 * rnd.nextDouble());
            } else {
                v = special[rnd.nextInt(special.length)];
            }
            z[i] = (float) v;
        }
        return z;
    }

    /** Data y inside dom Ψ, including its boundary points, and values close to σ(z) (the tight regime of B_Ψ). */
    static float[] data(SplittableRandom rnd, Activation sigma, float[] z) {
        float[] y = new float[z.length];
        for (int i = 0; i < z.length; i++) {
            double u = rnd.nextDouble();
            double v;
            if (u < 0.3) {
                v = sigma.sigma(z[i]) + 1e-3 * gaussian(rnd);
            } else {
                v = 3 * gaussian(rnd);
            }
            y[i] = (float) v;
            switch (sigma) {
                case Activation.Relu r -> y[i] = u > 0.9 ? 0f : Math.abs(y[i]);
                case Activation.Tanh t -> y[i] = u > 0.9 ? (u > 0.95 ? 1f : -1f) : clamp(y[i], -1f, 1f, rnd);
                case Activation.Clip c -> y[i] = u > 0.9 ? (u > 0.95 ? 1f : -1f) : clamp(y[i], -1f, 1f, rnd);
                case Activation.Sigmoid s -> y[i] = u > 0.9 ? (u > 0.95 ? 1f : 0f) : clamp(y[i], 0f, 1f, rnd);
                default -> { }
            }
        }
        return y;
    }

    /** y if inside [lo, hi], else a uniform draw from it. */
    private static float clamp(float y, float lo, float hi, SplittableRandom rnd) {
        return y >= lo && y <= hi ? y : (float) (lo + (hi - lo) * rnd.nextDouble());
    }

    static double gaussian(SplittableRandom rnd) {
        double u1 = rnd.nextDouble(), u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** |a − b| in units of ulp(b) (ulp of the smallest normal for subnormal and zero b); 0 if both are NaN or equal. */
    static double ulpDistance(float a, double b) {
        if (Double.isNaN(b) || Float.isNaN(a)) {
            return Double.isNaN(b) && Float.isNaN(a) ? 0 : Double.POSITIVE_INFINITY;
        }
        if (a == b) {
            return 0;
        }
        if (Double.isInfinite(b) || Float.isInfinite(a)) {
            return Double.POSITIVE_INFINITY;
        }
        float bf = (float) b;
        double ulp = Math.max(Math.ulp(bf), Math.ulp(Float.MIN_NORMAL));
        return Math.abs(a - b) / ulp;
    }

    static String label(Activation sigma) {
        return switch (sigma) {
            case Activation.LeakyRelu lr -> "leaky_relu(" + lr.slope() + ")";
            case Activation.SoftThreshold st -> "soft_threshold(" + st.lambda() + ")";
            default -> sigma.name();
        };
    }
}
