package dev.netinvert.kernels.simd;

import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.kernels.KernelSupport;
import dev.netinvert.kernels.ProxSupport;
import dev.netinvert.kernels.StencilSupport;

/**
 * The Vector API kernels of every family. {@link KernelProvider} loads this class reflectively, only
 * after it has checked that {@code jdk.incubator.vector} is present; constructing it loads every SIMD
 * family, so a family that fails to link fails the whole provider and all families fall back to scalar.
 */
public final class SimdKernelProvider extends KernelProvider {
    private final KernelSupport kernels = new SimdKernelSupport();
    private final ProxSupport prox = new SimdProxSupport();
    private final StencilSupport stencils = new SimdStencilSupport();

    /** Use {@link KernelProvider#simd()} or {@link KernelProvider#getInstance()}. */
    public SimdKernelProvider() {}

    @Override public String name() { return "simd"; }
    @Override public KernelSupport kernelSupport() { return kernels; }
    @Override public ProxSupport proxSupport() { return prox; }
    @Override public StencilSupport stencilSupport() { return stencils; }
}
