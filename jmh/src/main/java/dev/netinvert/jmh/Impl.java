package dev.netinvert.jmh;

import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.kernels.KernelSupport;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The two implementations of the kernel SPI, each in its own {@link State} so that a benchmark method
 * instantiates only the one it measures. JMH forks a JVM per benchmark method, so every call site
 * {@code impl.k.gemv(...)} sees exactly one receiver class and C2 inlines it, as it does behind the
 * {@code static final} field of the {@code Blas} facade.
 */
public final class Impl {
    private Impl() {}

    /** The Vector API implementation; the fork fails loudly if it is unavailable rather than measuring scalar code. */
    @State(Scope.Benchmark)
    public static class Simd {
        public KernelSupport k;

        @Setup
        public void load() {
            k = KernelProvider.simd().map(KernelProvider::kernelSupport).orElseThrow(() -> new IllegalStateException(
                    "SIMD kernels unavailable in this fork: " + KernelProvider.simdUnavailableReason()
                            + " (a command-line -jvmArgsAppend replaces the annotation's --add-modules jdk.incubator.vector)"));
        }
    }

    /** The scalar fallback over the same segments. */
    @State(Scope.Benchmark)
    public static class Scalar {
        public KernelSupport k;

        @Setup
        public void load() {
            k = KernelProvider.scalar().kernelSupport();
        }
    }
}
