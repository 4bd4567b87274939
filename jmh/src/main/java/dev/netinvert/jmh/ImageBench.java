package dev.netinvert.jmh;

import dev.netinvert.kernels.GradientField;
import dev.netinvert.kernels.Image;
import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.kernels.StencilSupport;
import dev.netinvert.kernels.TotalVariation;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Param;

/**
 * The common ground of the stencil benchmarks ({@link StencilBench}, {@link PdhgStepBench}): a
 * single-channel {@code size × size} image (64², 512² and 2048², the last 16 MiB a plane, beyond L2), the
 * scalar fallback to run over the same off-heap memory, and a fork that must run the SIMD stencils.
 */
public abstract class ImageBench extends Bench {

    @Param({"64", "512", "2048"})
    public int size;

    protected final StencilSupport scalar = KernelProvider.scalar().stencilSupport();

    /**
     * Fails the fork unless the {@link TotalVariation} facade runs the SIMD stencils (a scalar fallback
     * would post scalar times under the SIMD names); returns the seeded stream for the inputs.
     */
    protected static SplittableRandom requireSimdStencils(long seed) {
        if (!TotalVariation.active().name().equals("simd")) {
            throw new IllegalStateException("the SIMD stencils are not active in this fork; run with --add-modules jdk.incubator.vector");
        }
        return new SplittableRandom(seed);
    }

    /** A {@code size × size} image in the arena holding {@code values} (the reference's heap copy). */
    protected Image image(float[] values) {
        Image im = Image.allocate(arena, 1, size, size);
        im.values().copyFrom(values);
        return im;
    }

    /** A gradient field in the arena holding {@code d1}, {@code d2} (the reference's heap copies). */
    protected GradientField field(float[] d1, float[] d2) {
        GradientField f = GradientField.allocate(arena, 1, size, size);
        f.d1().copyFrom(d1);
        f.d2().copyFrom(d2);
        return f;
    }
}
