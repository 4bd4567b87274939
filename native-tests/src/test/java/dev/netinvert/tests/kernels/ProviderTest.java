package dev.netinvert.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.kernels.Kernels;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The provider picks what each surefire execution asks for (see native-tests/pom.xml). */
@Tag("kernels")
class ProviderTest {

    @Test
    void activeImplementationMatchesTheExecution() {
        String expect = System.getProperty("netinvert.expect", "simd");
        assertEquals(expect, Kernels.active().name(), () -> "active: " + Kernels.describe());
        if (expect.equals("scalar")) {
            assertNotNull(KernelProvider.simdUnavailableReason());
            assertTrue(KernelProvider.simd().isEmpty());
        } else {
            assertNull(KernelProvider.simdUnavailableReason());
        }
    }

    @Test
    void forcedWidthIsHonouredUpToThePreferredWidth() {
        String bits = System.getProperty(KernelProvider.BITS_PROPERTY);
        if (bits == null || !Kernels.active().name().equals("simd")) {
            return; // nothing was forced in this execution
        }
        int requested = Integer.parseInt(bits);
        int active = Kernels.active().vectorBitSize();
        // Narrowing is always honoured; a width above the CPU's preferred one is clamped to exactly that.
        int preferred = dev.netinvert.kernels.simd.VectorConstants.PREFERRED_BITS;
        assertEquals(Math.max(128, Math.min(requested, preferred)), active,
                () -> "requested " + requested + " bits on a CPU preferring " + preferred + ", active " + active);
    }
}
