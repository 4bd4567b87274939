package dev.netinvert.tests.io;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.solvers.io.FileFormatException;
import java.io.IOException;
import java.lang.foreign.Arena;

/** The one check of the loaders' error messages, shared by the io tests. */
final class FileErrors {
    private FileErrors() {}

    /** A load that takes an arena, as every loader does. */
    interface Load {
        void run(Arena arena) throws IOException;
    }

    /**
     * Asserts that {@code load}, run in a fresh confined arena, throws a {@link FileFormatException} whose
     * message holds every one of {@code fragments}; returns it for further checks.
     */
    static FileFormatException rejects(Load load, String... fragments) {
        FileFormatException e = assertThrows(FileFormatException.class, () -> {
            try (Arena arena = Arena.ofConfined()) {
                load.run(arena);
            }
        });
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "expected \"" + f + "\" in: " + e.getMessage());
        }
        return e;
    }

    /** {@link #rejects(Load, String...)}, and the message names {@code file}. */
    static FileFormatException rejectsNaming(Object file, Load load, String... fragments) {
        FileFormatException e = rejects(load, fragments);
        assertTrue(e.getMessage().contains(file.toString()), () -> "names the file: " + e.getMessage());
        return e;
    }
}
