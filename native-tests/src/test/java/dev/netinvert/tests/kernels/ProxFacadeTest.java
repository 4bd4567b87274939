package dev.netinvert.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Prox;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The validation of the {@link Prox} facade and the messages of its domain check. */
@Tag("kernels")
class ProxFacadeTest {

    private static String message(Class<? extends Throwable> type, Executable call) {
        return assertThrows(type, call).getMessage();
    }

    @Test
    void domainCheckNamesTheArgumentIndexValueAndDomain() {
        try (Arena arena = Arena.ofConfined()) {
            FloatVec y = FloatVec.allocate(arena, 40);
            for (int i = 0; i < 40; i++) {
                y.set(i, 0.25f);
            }
            assertDoesNotThrow(() -> Prox.checkDomain("y", Activation.RELU, y));
            assertDoesNotThrow(() -> Prox.checkDomain("y", Activation.SIGMOID, y));
            y.set(37, -1f);
            y.set(17, -0.5f);
            assertEquals("y[17] = -0.5 is outside the domain [0, ∞) of Ψ for relu: B_Ψ(y, z) would be +∞",
                    message(IllegalArgumentException.class, () -> Prox.checkDomain("y", Activation.RELU, y)));
            y.set(17, 0.25f);
            assertEquals("target[37] = -1.0 is outside the domain [0, 1] of Ψ for sigmoid: B_Ψ(target, z) would be +∞",
                    message(IllegalArgumentException.class, () -> Prox.checkDomain("target", Activation.SIGMOID, y)));
            // The closure of the tanh Ψ admits ±1; just beyond is rejected.
            y.set(37, -1f);
            assertDoesNotThrow(() -> Prox.checkDomain("y", Activation.TANH, y));
            y.set(3, Math.nextUp(1f));
            assertTrue(message(IllegalArgumentException.class, () -> Prox.checkDomain("y", Activation.TANH, y))
                    .startsWith("y[3] = 1.0000001 is outside the domain [-1, 1] of Ψ for tanh"));
            y.set(3, Float.NaN);
            assertEquals("y[3] = NaN is outside the domain ℝ of Ψ for identity: B_Ψ(y, z) would be NaN",
                    message(IllegalArgumentException.class, () -> Prox.checkDomain("y", Activation.IDENTITY, y)));
            y.set(3, Float.POSITIVE_INFINITY);
            assertTrue(message(IllegalArgumentException.class, () -> Prox.checkDomain("y", Activation.softThreshold(1f), y))
                    .startsWith("y[3] = Infinity is outside the domain ℝ of Ψ for soft_threshold"));
        }
    }

    @Test
    void bregmanLossIsInfiniteOutsideTheDomain() {
        try (Arena arena = Arena.ofConfined()) {
            FloatVec y = FloatVec.of(arena, 0.5f, -0.25f, 0.5f), z = FloatVec.of(arena, 1f, 1f, 1f);
            assertEquals(Double.POSITIVE_INFINITY, Prox.bregmanLoss(Activation.RELU, y, z));
            assertEquals(Double.POSITIVE_INFINITY, Prox.psi(Activation.RELU, y));
            y.set(1, Float.NaN);
            assertTrue(Double.isNaN(Prox.bregmanLoss(Activation.RELU, y, z)));
        }
    }

    @Test
    void argumentsAreValidatedWithNamedMessages() {
        try (Arena arena = Arena.ofConfined()) {
            FloatVec z = FloatVec.allocate(arena, 10), out = FloatVec.allocate(arena, 10), shorter = FloatVec.allocate(arena, 9);
            Activation t = Activation.TANH;
            assertEquals("sigma must not be null", message(NullPointerException.class, () -> Prox.apply(null, z, out)));
            assertEquals("z must not be null", message(NullPointerException.class, () -> Prox.apply(t, null, out)));
            assertEquals("out must not be null", message(NullPointerException.class, () -> Prox.derivative(t, z, null)));
            assertEquals("out: expected length 10 (= z.length), got 9",
                    message(IllegalArgumentException.class, () -> Prox.apply(t, z, shorter)));
            assertEquals("z: expected length 10 (= y.length), got 9",
                    message(IllegalArgumentException.class, () -> Prox.bregmanLoss(t, z, shorter)));
            assertEquals("out: expected length 10 (= y.length), got 9",
                    message(IllegalArgumentException.class, () -> Prox.bregmanGradient(t, z, out, shorter)));
            for (float c : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY}) {
                assertEquals("c must be finite and > 0, got " + c,
                        message(IllegalArgumentException.class, () -> Prox.prox(t, c, z, out)));
                assertEquals("c must be finite and > 0, got " + c,
                        message(IllegalArgumentException.class, () -> Prox.proxCountingIterations(t, c, z, out)));
            }
            assertEquals("m: expected length 10 (= y.length), got 9",
                    message(IllegalArgumentException.class, () -> Prox.leastSquaresGradient(t, z, z, shorter, out)));
            assertEquals("out: expected length 10 (= y.length), got 9",
                    message(IllegalArgumentException.class, () -> Prox.leastSquaresGradient(t, z, z, null, shorter)));
            FloatVec big = FloatVec.allocate(arena, 11);
            assertTrue(message(IllegalArgumentException.class,
                    () -> Prox.leastSquaresGradient(t, big.slice(0, 10), z, null, big.slice(1, 10)))
                    .startsWith("out must be either y itself or disjoint from it"));
            assertDoesNotThrow(() -> Prox.leastSquaresGradient(t, z, out, null, z));
            assertEquals("argName must not be null", message(NullPointerException.class, () -> Prox.checkDomain(null, t, z)));
            assertEquals("u must not be null", message(NullPointerException.class, () -> Prox.psi(t, null)));
        }
    }

    @Test
    void closedArenasAreRejected() {
        FloatVec z, out;
        try (Arena arena = Arena.ofConfined()) {
            z = FloatVec.allocate(arena, 4);
            out = FloatVec.allocate(arena, 4);
        }
        assertEquals("z: its arena is already closed",
                message(IllegalStateException.class, () -> Prox.prox(Activation.SIGMOID, 0.5f, z, out)));
        assertEquals("z: its arena is already closed",
                message(IllegalStateException.class, () -> Prox.conjugate(Activation.SIGMOID, z)));
    }

    @Test
    void outputsMayAliasAnInputExactlyButNotPartially() {
        try (Arena arena = Arena.ofConfined()) {
            FloatVec base = FloatVec.allocate(arena, 40);
            for (int i = 0; i < 40; i++) {
                base.set(i, i - 20f);
            }
            FloatVec z = base.slice(0, 32), shifted = base.slice(1, 32);
            assertTrue(message(IllegalArgumentException.class, () -> Prox.apply(Activation.RELU, z, shifted))
                    .startsWith("out must be either z itself or disjoint from it"));
            assertTrue(message(IllegalArgumentException.class, () -> Prox.bregmanGradient(Activation.RELU, shifted, z, base.slice(2, 32)))
                    .startsWith("out must be either y itself or disjoint from it"));
            // Heap segments are checked too.
            float[] array = new float[40];
            FloatVec h = FloatVec.wrap(MemorySegment.ofArray(array), 0, 32), hs = FloatVec.wrap(MemorySegment.ofArray(array), 8, 32);
            assertThrows(IllegalArgumentException.class, () -> Prox.prox(Activation.TANH, 0.5f, h, hs));
            // In place is allowed and equals out of place.
            FloatVec copy = FloatVec.allocate(arena, 32);
            Prox.prox(Activation.SIGMOID, 0.3f, z, copy);
            Prox.prox(Activation.SIGMOID, 0.3f, z, z);
            for (int i = 0; i < 32; i++) {
                assertEquals(copy.get(i), z.get(i));
            }
            FloatVec y = FloatVec.allocate(arena, 32);
            Prox.bregmanGradient(Activation.SIGMOID, y, z, y);
            for (int i = 0; i < 32; i++) {
                assertEquals(Activation.SIGMOID.apply(z.get(i)), y.get(i), 3 * Math.ulp(1f));
            }
        }
    }

    @Test
    void emptyVectorsAreFine() {
        try (Arena arena = Arena.ofConfined()) {
            FloatVec e = FloatVec.allocate(arena, 0);
            Prox.prox(Activation.TANH, 2f, e, e);
            assertEquals(0.0, Prox.bregmanLoss(Activation.SIGMOID, e, e));
            assertEquals(0L, Prox.proxCountingIterations(Activation.TANH, 2f, e, e));
            assertDoesNotThrow(() -> Prox.checkDomain("y", Activation.RELU, e));
        }
    }
}
