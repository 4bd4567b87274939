package dev.netinvert.tests.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.io.FileFormatException;
import dev.netinvert.solvers.io.Safetensors;
import dev.netinvert.solvers.io.SafetensorsFile;
import dev.netinvert.solvers.io.Tensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** safetensors reading (in place and converted), writing, and every kind of bad header. */
class SafetensorsTest {

    @TempDir
    Path dir;

    /** A safetensors file with the given JSON header (not padded) and data section. */
    private Path file(String json, byte[] data) throws IOException {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Path p = Files.createTempFile(dir, "t", ".safetensors");
        Files.write(p, b.array());
        return p;
    }

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    @Test
    void writeThenReadInPlaceWithMetadata() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            FloatMatrix w = FloatMatrix.of(arena, 2, 3, new float[] {1, 2, 3, 4, 5, 6});
            FloatVec b = FloatVec.of(arena, -1f, 0.5f);
            Path p = dir.resolve("m.safetensors");
            Safetensors.write(p, List.of(Tensor.of("w", w), Tensor.of("b", b)), Map.of("who", "test"));
            SafetensorsFile f = Safetensors.open(p, arena);
            assertEquals(List.of("w", "b"), List.copyOf(f.names()));
            assertEquals(Map.of("who", "test"), f.metadata());
            assertEquals(0, f.dataStart() % 64, "data section starts on a 64-byte boundary");
            Tensor tw = f.tensor("w");
            assertTrue(tw.isMapped());
            assertEquals(f.mapping().address() + f.dataStart(), tw.data().segment().address() + tw.data().byteOffset(),
                    "the tensor is the mapping itself, at the first tensor's offset");
            assertArrayEquals(w.toArray(), tw.data().toArray());
            assertArrayEquals(new int[] {2, 3}, tw.shape());
            assertArrayEquals(b.toArray(), f.tensor("b").data().toArray());
            assertThrows(IllegalArgumentException.class,
                    () -> Safetensors.write(dir.resolve("dup.safetensors"), List.of(Tensor.of("b", b), Tensor.of("b", b))));
        }
    }

    /** A header whose length is not a multiple of 4 puts F32 data at an odd address; it is used in place. */
    @Test
    void unalignedFloat32IsUsedInPlace() throws IOException {
        String json = "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}";
        assertTrue((8 + json.length()) % 4 != 0, "the test needs an unaligned data start");
        Path p = file(json, floats(1.25f, -3f, 7f));
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Safetensors.open(p, arena).tensor("x");
            assertTrue(t.isMapped());
            assertArrayEquals(new float[] {1.25f, -3f, 7f}, t.data().toArray());
        }
    }

    @Test
    void halfBfloatAndDoubleAreConverted() throws IOException {
        ByteBuffer d = ByteBuffer.allocate(2 * 3 + 2 * 3 + 8 * 2).order(ByteOrder.LITTLE_ENDIAN);
        float[] h = {1.5f, -0.25f, 65504f};
        for (float x : h) {
            d.putShort(Float.floatToFloat16(x));
        }
        float[] bf = {3.0f, -1024f, 0.5f};
        for (float x : bf) {
            d.putShort((short) (Float.floatToRawIntBits(x) >>> 16));
        }
        d.putDouble(0.1).putDouble(1e300);
        String json = "{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},"
                + "\"bf\":{\"dtype\":\"BF16\",\"shape\":[1,3],\"data_offsets\":[6,12]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[12,28]}}";
        Path p = file(json, d.array());
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile f = Safetensors.open(p, arena);
            Tensor th = f.tensor("h");
            assertFalse(th.isMapped());
            assertArrayEquals(h, th.data().toArray());
            assertArrayEquals(bf, f.tensor("bf").data().toArray());
            assertArrayEquals(new float[] {0.1f, Float.POSITIVE_INFINITY}, f.tensor("d").data().toArray());
        }
    }

    private static FileFormatException rejects(Path p, String... fragments) {
        return FileErrors.rejectsNaming(p, arena -> Safetensors.open(p, arena), fragments);
    }

    @Test
    void truncatedFilesAndLyingHeaderLengths() throws IOException {
        Path p = dir.resolve("short.safetensors");
        Files.write(p, new byte[5]);
        rejects(p, "truncated", "5 bytes");
        ByteBuffer b = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40);
        Files.write(p, b.array());
        rejects(p, "header length 1099511627776", "beyond the file size", "24 bytes");
        b = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN).putLong(-2);
        Files.write(p, b.array());
        rejects(p, "header length 18446744073709551614", "beyond the file size");
        // data section cut short: the tensor's offsets point past the end of the file
        rejects(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", floats(1f, 2f)),
                "tensor 'x'", "data_offsets [0, 16]", "<= 8");
    }

    @Test
    void malformedHeaders() throws IOException {
        rejects(file("{not json", new byte[0]), "not a valid JSON object");
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}", new byte[0]), "not a valid JSON", "a");
        rejects(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4]),
                "tensor 'x'", "\"shape\"[0] must be >= 0, got -1");
        rejects(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,4]}}",
                new byte[4]), "tensor 'x'", "overflows");
        rejects(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,4]}}",
                new byte[4]), "overflows a 64-bit integer");
        rejects(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]),
                "tensor 'x'", "needs 12 bytes", "span 8");
        rejects(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]),
                "tensor 'x'", "leave a hole");
        rejects(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]), "overlap");
        rejects(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[12]),
                "trailing bytes");
        rejects(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":1}}", new byte[4]),
                "unexpected key 'extra'");
        rejects(file("{\"__metadata__\":{\"k\":3}}", new byte[0]), "must be a string");
        rejects(file("[1,2,3]", new byte[0]), "not a valid JSON object");
    }

    @Test
    void unsupportedAndMissingTensorsAreRejectedWhenAskedFor() throws IOException {
        String json = "{\"steps\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                + "\"q\":{\"dtype\":\"Q7\",\"shape\":[2],\"data_offsets\":[8,9]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[9,13]}}";
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes(new byte[9]);
        data.writeBytes(floats(2.5f));
        Path p = file(json, data.toByteArray());
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile f = Safetensors.open(p, arena);
            assertArrayEquals(new float[] {2.5f}, f.tensor("w").data().toArray(), "usable tensors still load");
            FileFormatException i64 = assertThrows(FileFormatException.class, () -> f.tensor("steps"));
            assertTrue(i64.getMessage().contains("unsupported dtype I64") && i64.getMessage().contains("'steps'"),
                    i64.getMessage());
            assertEquals("steps", i64.tensor().orElseThrow());
            assertThrows(FileFormatException.class, () -> f.tensor("q"));
            FileFormatException missing = assertThrows(FileFormatException.class, () -> f.tensor("layer9.weight"));
            assertTrue(missing.getMessage().contains("'layer9.weight'") && missing.getMessage().contains("no such tensor")
                    && missing.getMessage().contains("'w'"), missing.getMessage());
        }
    }
}
