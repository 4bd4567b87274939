package dev.netinvert.kernels;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/**
 * The compiler directive {@link KernelProvider} adds when a JVM was started without
 * {@link KernelProvider#INLINE_SLICES}: HotSpot accepts it, and then lists it, for the project's methods, with both
 * forced inlines. (Whether it works is measured, not unit-tested: 16 of 16 cold lifted-CD runs without the flags
 * were clean, jmh/RESULTS.md, twelfth session.)
 */
class InlineDirectiveTest {

    @Test
    void hotSpotTakesTheDirectiveForTheProjectsMethods() throws Exception {
        ObjectName dcmd = new ObjectName("com.sun.management:type=DiagnosticCommand");
        var server = ManagementFactory.getPlatformMBeanServer();
        assertNull(KernelProvider.addInlineDirective());
        try {
            String listed = String.valueOf(server.invoke(dcmd, "compilerDirectivesPrint", new Object[] {null},
                    new String[] {String[].class.getName()}));
            int at = listed.indexOf("matching: dev/netinvert/*.*");
            assertTrue(at >= 0, listed);
            String ours = listed.substring(at, listed.indexOf("Directive:", at) < 0 ? listed.length()
                    : listed.indexOf("Directive:", at));
            assertTrue(ours.contains("+jdk/internal/foreign/AbstractMemorySegmentImpl.asSlice,")
                    && ours.contains("+jdk/internal/foreign/AbstractMemorySegmentImpl.asSliceNoCheck"), ours);
        } finally {
            server.invoke(dcmd, "compilerDirectivesRemove", new Object[] {null},
                    new String[] {String[].class.getName()}); // pops the directive just added
        }
    }
}
