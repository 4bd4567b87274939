package dev.netinvert.kernels;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * {@link ConfinedMemoryHint} tells confined memory from the rest, and is silent in the test JVMs, which have
 * {@link KernelProvider#STABLE_PREDICATES} (so a confined arena in a test costs nothing and says nothing).
 */
class ConfinedMemoryHintTest {

    @Test
    void onlyAConfinedArenasMemoryIsConfined() {
        try (Arena confined = Arena.ofConfined(); Arena shared = Arena.ofShared()) {
            assertTrue(ConfinedMemoryHint.confined(confined.allocate(16)));
            assertTrue(ConfinedMemoryHint.confined(FloatVec.allocate(confined, 3).slice(1, 2).segment()));
            assertFalse(ConfinedMemoryHint.confined(shared.allocate(16)));
            assertFalse(ConfinedMemoryHint.confined(Arena.ofAuto().allocate(16)));
            assertFalse(ConfinedMemoryHint.confined(Arena.global().allocate(16)));
            assertFalse(ConfinedMemoryHint.confined(MemorySegment.ofArray(new float[4])));
        }
    }

    @Test
    void theTestJvmHasTheFlagSoTheHintIsOff() {
        assertTrue(ConfinedMemoryHint.FLAG, "the test JVM lacks " + KernelProvider.STABLE_PREDICATES);
    }
}
