package dev.netinvert.tests;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.function.Executable;

/** The public API's rule for bad input: an IllegalArgumentException whose message names the argument, the expected and the actual value. */
public final class ArgumentErrors {
    private ArgumentErrors() {}

    /** Asserts that {@code e} throws an IllegalArgumentException whose message contains every fragment. */
    public static void assertMessage(Executable e, String... fragments) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        for (String f : fragments) {
            assertTrue(x.getMessage().contains(f), "message '" + x.getMessage() + "' should contain '" + f + "'");
        }
    }
}
