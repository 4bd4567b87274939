package dev.netinvert.kernels.scalar;

import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.kernels.KernelSupport;
import dev.netinvert.kernels.ProxSupport;
import dev.netinvert.kernels.StencilSupport;

/** The scalar kernels of every family: plain loops over the same segments, for JVMs without the Vector API. */
public final class ScalarKernelProvider extends KernelProvider {
    private final KernelSupport kernels = new ScalarKernelSupport();
    private final ProxSupport prox = new ScalarProxSupport();
    private final StencilSupport stencils = new ScalarStencilSupport();

    /** Use {@link KernelProvider#scalar()} or {@link KernelProvider#getInstance()}. */
    public ScalarKernelProvider() {}

    @Override public String name() { return "scalar"; }
    @Override public KernelSupport kernelSupport() { return kernels; }
    @Override public ProxSupport proxSupport() { return prox; }
    @Override public StencilSupport stencilSupport() { return stencils; }
}
