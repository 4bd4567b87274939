package dev.netinvert.jmh;

import dev.netinvert.kernels.GradientField;
import dev.netinvert.kernels.Image;
import dev.netinvert.kernels.TotalVariation;
import dev.netinvert.kernels.reference.ReferenceStencils;
import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.kernels.StencilSupport;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The unfused stencil kernels on a single-channel {@code size × size} image: the SIMD facade
 * ({@link TotalVariation}), the scalar fallback over the same off-heap memory, and the plain-array
 * reference. Bytes that must move per call (N = size²): ∇ reads x and writes d1, d2 (12·N);
 * div reads p1, p2 and writes out (12·N); TV reads x (4·N); the ℓ2 projection reads and writes p1, p2
 * (16·N). See jmh/RESULTS-stencils.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = Forks.COUNT, jvmArgsAppend = {Forks.MODULE, Forks.VECTOR, Forks.NATIVE})
public class StencilBench {

    @Param({"64", "512", "2048"})
    public int size;

    private Arena arena;
    private Image x, out;
    private GradientField p, grad;
    private float[] xa, p1a, p2a, outa, d1a, d2a;
    private final StencilSupport scalar = KernelProvider.scalar().stencilSupport();

    @Setup
    public void setup() {
        if (!TotalVariation.active().name().equals("simd")) {
            throw new IllegalStateException("the SIMD stencils are not active in this fork; run with --add-modules jdk.incubator.vector");
        }
        arena = Arena.ofShared();
        int n = size * size;
        SplittableRandom rnd = new SplittableRandom(42);
        xa = random(rnd, n);
        // A field inside the unit ball mostly, so the projection does real work on a fraction of pixels.
        p1a = random(rnd, n);
        p2a = random(rnd, n);
        outa = new float[n];
        d1a = new float[n];
        d2a = new float[n];
        x = Image.allocate(arena, 1, size, size);
        x.values().copyFrom(xa);
        out = Image.allocate(arena, 1, size, size);
        p = GradientField.allocate(arena, 1, size, size);
        p.d1().copyFrom(p1a);
        p.d2().copyFrom(p2a);
        grad = GradientField.allocate(arena, 1, size, size);
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    static float[] random(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int k = 0; k < n; k++) {
            a[k] = (float) (2 * rnd.nextDouble() - 1);
        }
        return a;
    }

    // ---------------------------------------------------------------- ∇

    @Benchmark
    public void gradientSimd() {
        TotalVariation.gradient(x, grad);
    }

    @Benchmark
    public void gradientScalar() {
        scalar.gradient(x.values().segment(), x.values().byteOffset(), 1, size, size, 0, size,
                grad.d1().segment(), grad.d1().byteOffset(), grad.d2().segment(), grad.d2().byteOffset());
    }

    @Benchmark
    public void gradientReference() {
        ReferenceStencils.gradient(1, size, size, xa, d1a, d2a);
    }

    // ---------------------------------------------------------------- div

    @Benchmark
    public void divergenceSimd() {
        TotalVariation.divergence(p, out);
    }

    @Benchmark
    public void divergenceScalar() {
        scalar.divergence(p.d1().segment(), p.d1().byteOffset(), p.d2().segment(), p.d2().byteOffset(), 1, size, size,
                0, size, out.values().segment(), out.values().byteOffset());
    }

    @Benchmark
    public void divergenceReference() {
        ReferenceStencils.divergence(1, size, size, p1a, p2a, outa);
    }

    // ---------------------------------------------------------------- isotropic TV value

    @Benchmark
    public double tvIsotropicSimd() {
        return TotalVariation.isotropic(x);
    }

    @Benchmark
    public double tvIsotropicScalar() {
        return scalar.tvIsotropic(x.values().segment(), x.values().byteOffset(), 1, size, size, 0, size);
    }

    /** The reference computes ∇x into two temporaries first (as written: the specification). */
    @Benchmark
    public double tvIsotropicReference() {
        return ReferenceStencils.tvIsotropic(1, size, size, xa);
    }

    // ---------------------------------------------------------------- ℓ2-ball projection

    @Benchmark
    public void projectL2Simd() {
        TotalVariation.projectL2Ball(p, 0.9f);
    }

    @Benchmark
    public void projectL2Scalar() {
        scalar.projectL2(0.9f, p.d1().segment(), p.d1().byteOffset(), p.d2().segment(), p.d2().byteOffset(), 1, size,
                size, 0, size);
    }

    @Benchmark
    public void projectL2Reference() {
        ReferenceStencils.projectL2(1, size, size, p1a, p2a, 0.9f);
    }
}
