package dev.netinvert.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.kernels.KernelSupport;
import dev.netinvert.kernels.Prox;
import dev.netinvert.kernels.ProxSupport;
import dev.netinvert.kernels.StencilSupport;
import dev.netinvert.kernels.TotalVariation;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The provider picks what each surefire execution asks for (see native-tests/pom.xml). */
@Tag("kernels")
class ProviderTest {

    @Test
    void activeImplementationMatchesTheExecution() {
        String expect = System.getProperty("netinvert.expect", "simd");
        assertEquals(expect, Blas.active().name(), () -> "active: " + KernelProvider.getInstance().describe());
        if (expect.equals("scalar")) {
            assertNotNull(KernelProvider.simdUnavailableReason());
            assertTrue(KernelProvider.simd().isEmpty());
        } else {
            assertNull(KernelProvider.simdUnavailableReason());
        }
    }

    /**
     * Every test JVM carries the project's JIT flags (the pom's {@code jvm.jit.flags}, which must spell
     * {@link KernelProvider#JVM_FLAGS}): without the inline commands the allocation tests would pass or fail with
     * the JIT's luck on the short-row kernels' slices, and the tests would not run the JIT the users' launcher runs.
     */
    @Test
    void theTestJvmHasTheProjectsJitFlags() {
        List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (String flag : KernelProvider.JVM_FLAGS.split(" ")) {
            assertTrue(args.contains(flag), () -> flag + " missing from the JVM's arguments " + args);
        }
    }

    @Test
    void everyFacadeHoldsTheOneProvidersFamily() {
        KernelProvider p = KernelProvider.getInstance();
        assertSame(p, KernelProvider.getInstance());
        assertEquals(System.getProperty("netinvert.expect", "simd"), p.name(), p::describe);
        assertSame(p.kernelSupport(), Blas.active());
        assertSame(p.proxSupport(), Prox.active());
        assertSame(p.stencilSupport(), TotalVariation.active());
        assertEquals(p.name(), p.kernelSupport().name());
        assertEquals(p.name(), p.proxSupport().name());
        assertEquals(p.name(), p.stencilSupport().name());
    }

    @Test
    void freshProvidersServeBothImplementationsSideBySide() {
        KernelProvider scalar = KernelProvider.scalar();
        assertFamilies("scalar", scalar);
        assertNotSame(scalar.kernelSupport(), KernelProvider.scalar().kernelSupport(), "scalar() is a fresh instance");
        assertTrue(scalar.describe().startsWith("scalar, 32-bit vectors, FMA off"), scalar::describe);
        KernelProvider.simd().ifPresent(simd -> {
            assertFamilies("simd", simd);
            assertNotSame(simd.proxSupport(), KernelProvider.getInstance().proxSupport(), "simd() is a fresh instance");
        });
        assertEquals(KernelProvider.simdUnavailableReason() == null, KernelProvider.simd().isPresent());
    }

    private static void assertFamilies(String name, KernelProvider p) {
        assertEquals(name, p.name());
        KernelSupport k = p.kernelSupport();
        ProxSupport x = p.proxSupport();
        StencilSupport s = p.stencilSupport();
        assertEquals(name, k.name());
        assertEquals(name, x.name());
        assertEquals(name, s.name());
    }

    @Test
    void thereAreOnlyTheTwoProviders() {
        // A third subclass could mix families; the constructor refuses any class but the scalar and SIMD ones.
        KernelProvider scalar = KernelProvider.scalar();
        ProxSupport prox = KernelProvider.simd().orElse(scalar).proxSupport();
        assertThrows(UnsupportedOperationException.class,
                () -> new KernelProvider("mixed", scalar.kernelSupport(), prox, scalar.stencilSupport(),
                        scalar.convSupport()) {});
    }

    @Test
    void forcedWidthIsHonouredUpToThePreferredWidth() {
        String bits = System.getProperty(KernelProvider.BITS_PROPERTY);
        if (bits == null || !Blas.active().name().equals("simd")) {
            return; // nothing was forced in this execution
        }
        int requested = Integer.parseInt(bits);
        int active = Blas.active().vectorBitSize();
        // Narrowing is always honoured; a width above the CPU's preferred one is clamped to exactly that.
        int preferred = dev.netinvert.kernels.simd.VectorConstants.PREFERRED_BITS;
        assertEquals(Math.max(128, Math.min(requested, preferred)), active,
                () -> "requested " + requested + " bits on a CPU preferring " + preferred + ", active " + active);
    }
}
