package dev.netinvert.tests.fuzz;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.solvers.io.FileFormatException;
import dev.netinvert.solvers.io.Images;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.io.Safetensors;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inputs behind each fuzzing finding (RELIABILITY.md, "Fuzzing"), committed in ReaderFuzzTest's corpus as
 * {@code finding-*}, each with the message the fixed reader now gives. ReaderFuzzTest replays them too, but only
 * against the general contract; these pin the specific error.
 */
class FuzzFindingsTest {

    @TempDir
    Path dir;

    /** A corpus input of ReaderFuzzTest, copied to {@code name} in the temporary folder. */
    private Path input(String target, String finding, String name) throws IOException {
        String resource = "ReaderFuzzTestInputs/" + target + "/" + finding;
        try (InputStream in = FuzzFindingsTest.class.getResourceAsStream(resource)) {
            assertTrue(in != null, "missing corpus input " + resource);
            return Files.write(dir.resolve(name), in.readAllBytes());
        }
    }

    private interface Load {
        void run(Arena arena) throws IOException;
    }

    private static void rejects(Load load, String... fragments) {
        FileFormatException e = assertThrows(FileFormatException.class, () -> {
            try (Arena arena = Arena.ofConfined()) {
                load.run(arena);
            }
        });
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "expected \"" + f + "\" in: " + e.getMessage());
        }
    }

    /** Finding 1: a description that is not UTF-8 escaped as a bare MalformedInputException. */
    @Test
    void modelDescriptionNotUtf8() throws IOException {
        Path p = input("modelDescription", "finding-1-invalid-utf8", "model.json");
        rejects(arena -> ModelFiles.load(p, arena), p.toString(), "not a UTF-8 text file");
    }

    /** Finding 2: the JSON literal null was mapped to a null Map and dereferenced (NPE). */
    @Test
    void jsonNullOrEmpty() throws IOException {
        Path nul = input("modelDescription", "finding-2-json-null", "null.json");
        rejects(arena -> ModelFiles.load(nul, arena), nul.toString(), "not a valid JSON object", "got null");
        Path empty = input("modelDescription", "finding-2-empty", "empty.json");
        rejects(arena -> ModelFiles.load(empty, arena), "not a valid JSON object");
        Path st = input("safetensors", "finding-2-json-null.safetensors", "null.safetensors");
        rejects(arena -> Safetensors.open(st, arena), st.toString(), "header is not a valid JSON object", "got \"null\"");
        Path blank = input("safetensors", "finding-2-json-blank.safetensors", "blank.safetensors");
        rejects(arena -> Safetensors.open(blank, arena), "header is not a valid JSON object");
    }

    /**
     * Finding 3: a 10-bit gray TIFF whose 16-bit samples exceed 1023 gave pixels above 1 (up to 64); finding 4:
     * a 126-byte TIFF made the decoder exhaust a 1 GiB heap. Only PNG is read now (and samples beyond the
     * declared bit depth are rejected).
     */
    @Test
    void onlyPngImages() throws IOException {
        Path tenBit = input("png", "finding-3-tiff-10bit-samples-out-of-range.tiff", "ten-bit.tiff");
        rejects(arena -> Images.readGray(tenBit, arena), tenBit.toString(), "TIF image: expected PNG");
        Path oom = input("png", "finding-4-tiff-out-of-memory.tiff", "oom.tiff");
        rejects(arena -> Images.readGray(oom, arena), oom.toString(), "TIF image: expected PNG");
        Path bmp = input("png", "other_gray.bmp", "gray.bmp");
        rejects(arena -> Images.readGray(bmp, arena), "a BMP image: expected PNG");
    }
}
