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

    /**
     * Finding 5 (left open by the fuzzing run, then fixed): a PNG of a few dozen bytes whose IHDR declares
     * 8192×8192 16-bit RGBA made ImageIO allocate the 512 MiB raster before inflating anything. The header is
     * now checked against deflate's 1032:1 bound on the file's size; a real PNG of the same size class still
     * reads.
     */
    @Test
    void pngHeaderPromisingMoreThanDeflateCanHold() throws IOException {
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        java.nio.ByteBuffer ihdr = java.nio.ByteBuffer.allocate(13).putInt(8192).putInt(8192).put((byte) 16).put((byte) 6)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(png, "IHDR", ihdr.array());
        chunk(png, "IDAT", new byte[] {0x78, (byte) 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(png, "IEND", new byte[0]);
        Path bomb = Files.write(dir.resolve("bomb.png"), png.toByteArray());
        rejects(arena -> Images.readGray(bomb, arena), bomb.toString(), "8192×8192", "decodes to at most 1032×");
        try (Arena arena = Arena.ofConfined()) {
            dev.netinvert.kernels.FloatMatrix m = dev.netinvert.kernels.FloatMatrix.allocate(arena, 64, 64);
            Path ok = dir.resolve("ok.png");
            Images.writePng(ok, m, Images.Scaling.CLIP_0_1);
            assertTrue(Images.readGray(ok, arena).rows() == 64, "a real (all-black, highly compressed) PNG still reads");
        }
    }

    private static void chunk(java.io.ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        crc.update(t);
        crc.update(data);
        out.write(java.nio.ByteBuffer.allocate(4).putInt(data.length).array());
        out.write(t);
        out.write(data);
        out.write(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
