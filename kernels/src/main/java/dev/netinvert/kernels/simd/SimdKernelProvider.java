package dev.netinvert.kernels.simd;

import dev.netinvert.kernels.KernelProvider;

/**
 * The Vector API kernels of every family. {@link KernelProvider} loads this class reflectively, only
 * after it has checked that {@code jdk.incubator.vector} is present; constructing it loads every SIMD
 * family, so a family that fails to link fails the whole provider and all families fall back to scalar.
 */
public final class SimdKernelProvider extends KernelProvider {

    /** Use {@link KernelProvider#simd()} or {@link KernelProvider#getInstance()}. */
    public SimdKernelProvider() {
        super("simd", new SimdKernelSupport(), new SimdProxSupport(), new SimdStencilSupport(), new SimdConvSupport());
    }
}
