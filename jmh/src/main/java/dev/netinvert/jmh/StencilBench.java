package dev.netinvert.jmh;

import dev.netinvert.kernels.GradientField;
import dev.netinvert.kernels.Image;
import dev.netinvert.kernels.TotalVariation;
import dev.netinvert.kernels.reference.ReferenceStencils;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

/**
 * The unfused stencil kernels on a single-channel {@code size × size} image: the SIMD facade
 * ({@link TotalVariation}), the scalar fallback over the same off-heap memory, and the plain-array
 * reference. Bytes that must move per call (N = size²): ∇ reads x and writes d1, d2 (12·N);
 * div reads p1, p2 and writes out (12·N); TV reads x (4·N); the ℓ2 projection reads and writes p1, p2
 * (16·N). See jmh/RESULTS-stencils.md.
 */
public class StencilBench extends ImageBench {

    private Image x, out;
    private GradientField p, grad;
    private float[] xa, p1a, p2a, outa, d1a, d2a;

    @Setup
    public void setup() {
        SplittableRandom rnd = requireSimdStencils(42);
        int n = size * size;
        xa = Inputs.uniform(rnd, n);
        // A field inside the unit ball mostly, so the projection does real work on a fraction of pixels.
        p1a = Inputs.uniform(rnd, n);
        p2a = Inputs.uniform(rnd, n);
        outa = new float[n];
        d1a = new float[n];
        d2a = new float[n];
        x = image(xa);
        out = Image.allocate(arena, 1, size, size);
        p = field(p1a, p2a);
        grad = GradientField.allocate(arena, 1, size, size);
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
