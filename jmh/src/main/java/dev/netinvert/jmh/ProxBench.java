package dev.netinvert.jmh;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.kernels.ProxSupport;
import dev.netinvert.kernels.reference.ReferenceProx;
import java.util.Locale;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The activation kernels — σ, the scaled prox prox_{cΨ} (c = ½, the eq. (17) [000] scale for τ = 1),
 * the Bregman loss Σ B_Ψ(y, z) and the conjugate's sum Σ Φ*(z) — for the plain-array reference, the SIMD
 * kernels and the scalar fallback, on n pre-activations z ~ N(0, 2²) and data y = σ(z) + noise inside dom Ψ.
 *
 * <p>Each operation moves 8 bytes per element (σ and prox: read z, write out; the loss: read y and z), except
 * Σ Φ*, which reads z only. For tanh and sigmoid the scaled prox is a Newton iteration: the setup prints the
 * mean number of residual evaluations per element of the SIMD kernel, counted by its instrumented twin
 * ({@code ProxSupport.proxCountingIterations}) so that the timed kernel does not count.
 */
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ProxBench extends Bench {

    @Param({"4096", "4194304"})
    public int n;

    @Param({"relu", "tanh", "sigmoid"})
    public String activation;

    /** The scale of the prox: c = τ/(1 + τ) of eq. (17) [000] with τ = 1. */
    private static final float C = 0.5f;

    private Activation sigma;
    private FloatVec z, y, out;
    private float[] zArray, yArray, outArray;
    private ProxSupport simd, scalar;

    @Setup(Level.Trial)
    public void setUp() {
        sigma = switch (activation) {
            case "relu" -> Activation.RELU;
            case "tanh" -> Activation.TANH;
            case "sigmoid" -> Activation.SIGMOID;
            default -> throw new IllegalArgumentException("activation must be relu, tanh or sigmoid, got " + activation);
        };
        simd = KernelProvider.simd().map(KernelProvider::proxSupport)
                .orElseThrow(() -> new IllegalStateException("SIMD kernels unavailable: " + KernelProvider.simdUnavailableReason()));
        scalar = KernelProvider.scalar().proxSupport();
        SplittableRandom rnd = new SplittableRandom(2023);
        zArray = new float[n];
        yArray = new float[n];
        outArray = new float[n];
        for (int i = 0; i < n; i++) {
            double u1 = rnd.nextDouble(), u2 = rnd.nextDouble();
            zArray[i] = (float) (2 * Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
            double v = sigma.sigma(zArray[i]) + 0.05 * (rnd.nextDouble() - 0.5);
            yArray[i] = (float) switch (activation) {
                case "relu" -> Math.max(v, 0);
                case "tanh" -> Math.max(-1, Math.min(1, v));
                default -> Math.max(0, Math.min(1, v));
            };
        }
        z = FloatVec.allocate(arena, n);
        y = FloatVec.allocate(arena, n);
        out = FloatVec.allocate(arena, n);
        z.copyFrom(zArray);
        y.copyFrom(yArray);
        long evaluations = simd.proxCountingIterations(sigma, C, z.segment(), z.byteOffset(), out.segment(),
                out.byteOffset(), n);
        System.out.printf(Locale.ROOT, "%n# prox_{cΨ} %s, c = %s, n = %d: %.3f Newton residual evaluations per element (SIMD)%n",
                activation, C, n, evaluations / (double) n);
    }

    // ------------------------------------------------------------------ σ

    @Benchmark
    public float[] applyReference() {
        ReferenceProx.apply(sigma, zArray, outArray);
        return outArray;
    }

    @Benchmark
    public FloatVec applySimd() {
        simd.apply(sigma, z.segment(), z.byteOffset(), out.segment(), out.byteOffset(), n);
        return out;
    }

    @Benchmark
    public FloatVec applyScalar() {
        scalar.apply(sigma, z.segment(), z.byteOffset(), out.segment(), out.byteOffset(), n);
        return out;
    }

    // ------------------------------------------------------------------ prox_{cΨ}

    @Benchmark
    public float[] proxReference() {
        ReferenceProx.prox(sigma, C, zArray, outArray);
        return outArray;
    }

    @Benchmark
    public FloatVec proxSimd() {
        simd.prox(sigma, C, z.segment(), z.byteOffset(), out.segment(), out.byteOffset(), n);
        return out;
    }

    @Benchmark
    public FloatVec proxScalar() {
        scalar.prox(sigma, C, z.segment(), z.byteOffset(), out.segment(), out.byteOffset(), n);
        return out;
    }

    // ------------------------------------------------------------------ Σ B_Ψ(y, z)

    @Benchmark
    public double bregmanReference() {
        return ReferenceProx.bregmanSum(sigma, yArray, zArray);
    }

    @Benchmark
    public double bregmanSimd() {
        return simd.bregmanSum(sigma, y.segment(), y.byteOffset(), z.segment(), z.byteOffset(), n);
    }

    @Benchmark
    public double bregmanScalar() {
        return scalar.bregmanSum(sigma, y.segment(), y.byteOffset(), z.segment(), z.byteOffset(), n);
    }

    // ------------------------------------------------------------------ Σ Φ*(z)

    @Benchmark
    public double conjugateReference() {
        return ReferenceProx.conjugateSum(sigma, zArray);
    }

    @Benchmark
    public double conjugateSimd() {
        return simd.conjugateSum(sigma, z.segment(), z.byteOffset(), n);
    }

    @Benchmark
    public double conjugateScalar() {
        return scalar.conjugateSum(sigma, z.segment(), z.byteOffset(), n);
    }
}
