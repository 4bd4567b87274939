package dev.netinvert.kernels;

/**
 * Holds the implementation chosen by {@link KernelProvider} in a {@code static final} field, so that
 * the JIT sees one implementation at every call site of {@link Blas} and {@link Fused}
 * (DESIGN.md decision 4).
 */
public final class Kernels {
    private Kernels() {}

    private static final KernelSupport ACTIVE =
            KernelProvider.choose(KernelSupport.class, KernelProvider.SIMD_CLASS, KernelProvider::scalar);

    /** The active implementation. */
    public static KernelSupport active() {
        return ACTIVE;
    }

    /** One line: implementation, vector width, FMA — for logs and reports. */
    public static String describe() {
        return KernelProvider.describe(ACTIVE);
    }
}
