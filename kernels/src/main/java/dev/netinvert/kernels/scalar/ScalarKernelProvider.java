package dev.netinvert.kernels.scalar;

import dev.netinvert.kernels.KernelProvider;

/** The scalar kernels of every family: plain loops over the same segments, for JVMs without the Vector API. */
public final class ScalarKernelProvider extends KernelProvider {

    /** Use {@link KernelProvider#scalar()} or {@link KernelProvider#getInstance()}. */
    public ScalarKernelProvider() {
        super("scalar", new ScalarKernelSupport(), new ScalarProxSupport(), new ScalarStencilSupport(), new ScalarConvSupport());
    }
}
