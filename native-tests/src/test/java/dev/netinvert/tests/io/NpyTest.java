package dev.netinvert.tests.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.io.FileFormatException;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.io.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** .npy reading (NumPy-written fixtures, see resources/npy/make_fixtures.py), writing, and bad input. */
class NpyTest {

    @TempDir
    Path dir;

    static Path fixture(String name) {
        try {
            return Path.of(NpyTest.class.getResource("/npy/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The fixtures' values: k + k/8 for C-order index k. */
    static float value(int k) {
        return k + k / 8f;
    }

    private static void assertValues(Tensor t) {
        for (int k = 0; k < t.data().length(); k++) {
            assertEquals(value(k), t.data().get(k), 0f, t.name() + " element " + k);
        }
    }

    @Test
    void float32InCOrderIsMappedNotCopied() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Npy.read(fixture("f4_c_3x4.npy"), arena);
            assertArrayEquals(new int[] {3, 4}, t.shape());
            assertTrue(t.isMapped());
            assertEquals(48, t.data().segment().byteSize(), "the mapping covers exactly the data section");
            // Whether it comes as the mapped segment or as its native view (with native access), the file's
            // memory cannot be written through it: an exception, not a fault in a read-only mapping.
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> t.data().set(0, 1f));
            assertTrue(e.getMessage().contains("read-only"), e.getMessage());
            assertTrue(t.data().segment().isNative() && !t.data().segment().isMapped(),
                    "with native access (as in these tests) the loader hands out a native view of the mapping");
            assertValues(t);
            assertEquals(value(6), t.asMatrix().get(1, 2));
            for (String v : new String[] {"f4_v2_2x2.npy", "f4_v3_2x2.npy"}) {
                Tensor u = Npy.read(fixture(v), arena);
                assertArrayEquals(new int[] {2, 2}, u.shape());
                assertTrue(u.isMapped());
                assertValues(u);
            }
            Tensor scalar = Npy.read(fixture("f4_scalar.npy"), arena);
            assertEquals(0, scalar.rank());
            assertEquals(1, scalar.data().length());
            Tensor empty = Npy.read(fixture("f4_empty_0x3.npy"), arena);
            assertArrayEquals(new int[] {0, 3}, empty.shape());
            assertEquals(0, empty.data().length());
        }
    }

    @Test
    void float64IsConvertedAndFortranOrderTransposed() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Tensor f8 = Npy.read(fixture("f8_c_5.npy"), arena);
            assertFalse(f8.isMapped(), "converted into the arena");
            assertValues(f8);
            Tensor f = Npy.read(fixture("f4_fortran_3x4.npy"), arena);
            assertArrayEquals(new int[] {3, 4}, f.shape());
            assertFalse(f.isMapped(), "transposed copy");
            assertValues(f);
            Tensor f3 = Npy.read(fixture("f8_fortran_2x3x4.npy"), arena);
            assertArrayEquals(new int[] {2, 3, 4}, f3.shape());
            assertValues(f3);
        }
    }

    @Test
    void float64NarrowingRule() throws IOException {
        double[] d = {0.1, -1e39, 1e-50, 3.0000001192092896, Double.NaN};
        ByteBuffer data = ByteBuffer.allocate(8 * d.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : d) {
            data.putDouble(x);
        }
        Path p = npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }", data.array());
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Npy.read(p, arena);
            for (int i = 0; i < d.length; i++) {
                assertEquals((float) d[i], t.data().get(i), 0f, "element " + i);
            }
            assertEquals(Float.NEGATIVE_INFINITY, t.data().get(1));
        }
    }

    @Test
    void writeThenReadRoundTripsAndAlignsTheData() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            FloatMatrix m = FloatMatrix.allocatePadded(arena, 3, 5);
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 5; j++) {
                    m.set(i, j, i * 10 + j + 0.5f);
                }
            }
            Path p = dir.resolve("m.npy");
            Npy.write(p, m);
            Tensor t = Npy.read(p, arena);
            assertArrayEquals(new int[] {3, 5}, t.shape());
            assertArrayEquals(m.toArray(), t.data().toArray());
            assertEquals(0, (Files.size(p) - 60) % 64, "data starts at a multiple of 64");
            assertEquals(0, t.data().segment().address() % 64, "so the mapping is cache-line aligned");

            FloatVec v = FloatVec.of(arena, 1f, 2f, 3f, 4f, 5f, 6f);
            Npy.write(dir.resolve("v.npy"), v);
            assertArrayEquals(new int[] {6}, Npy.read(dir.resolve("v.npy"), arena).shape());
            Npy.write(dir.resolve("c.npy"), v, 1, 2, 3);
            Tensor c = Npy.read(dir.resolve("c.npy"), arena);
            assertArrayEquals(new int[] {1, 2, 3}, c.shape());
            assertArrayEquals(v.toArray(), c.data().toArray());
            String header = new String(Files.readAllBytes(dir.resolve("v.npy")), 10, 60, StandardCharsets.ISO_8859_1);
            assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }"), header);
            assertThrows(IllegalArgumentException.class, () -> Npy.write(dir.resolve("bad.npy"), v, 4, 2));
            assertFalse(Files.exists(dir.resolve("bad.npy")));
        }
    }

    // ------------------------------------------------------------------------------ bad input

    private Path npyFile(String dict, byte[] data) throws IOException {
        return npyFile(1, dict, data);
    }

    /** An .npy file with the given header dictionary (padded as NumPy does) and data bytes. */
    private Path npyFile(int major, String dict, byte[] data) throws IOException {
        int prefix = major == 1 ? 10 : 12;
        StringBuilder h = new StringBuilder(dict);
        while ((prefix + h.length() + 1) % 64 != 0) {
            h.append(' ');
        }
        h.append('\n');
        ByteBuffer b = ByteBuffer.allocate(prefix + h.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) h.length());
        } else {
            b.putInt(h.length());
        }
        b.put(h.toString().getBytes(StandardCharsets.ISO_8859_1)).put(data);
        Path p = Files.createTempFile(dir, "bad", ".npy");
        Files.write(p, b.array());
        return p;
    }

    private static FileFormatException rejects(Path p, String... fragments) {
        FileFormatException e = FileErrors.rejectsNaming(p, arena -> Npy.read(p, arena), fragments);
        assertEquals(p, e.file());
        return e;
    }

    @Test
    void truncatedAndOverlongData() throws IOException {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }";
        rejects(npyFile(dict, new byte[20]), "truncated", "(3, 4)", "needs 48 bytes", "holds 20 bytes");
        rejects(npyFile(dict, new byte[52]), "needs 48 bytes", "holds 52 bytes");
        byte[] whole = Files.readAllBytes(fixture("f4_c_3x4.npy"));
        Path cut = dir.resolve("cut.npy");
        Files.write(cut, java.util.Arrays.copyOf(whole, 9));
        rejects(cut, "truncated", "9 bytes");
        Files.write(cut, java.util.Arrays.copyOf(whole, 100));
        rejects(cut, "header length 118", "beyond the file size");
    }

    @Test
    void headerLengthBeyondTheFileOrTheLimit() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt(-1);
        Path p = dir.resolve("huge-header.npy");
        Files.write(p, b.array());
        rejects(p, "header length 4294967295", "beyond the file size", "52 bytes");
        ByteBuffer big = ByteBuffer.allocate(12 + (2 << 20)).order(ByteOrder.LITTLE_ENDIAN);
        big.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt(2 << 20);
        Files.write(p, big.array());
        rejects(p, "exceeds the limit");
    }

    @Test
    void negativeAndOverflowingShapes() throws IOException {
        rejects(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (3, -4), }", new byte[0]),
                "negative dimension -4");
        rejects(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", new byte[0]),
                "exceeds 2^31 - 1");
        rejects(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2147483647, 2147483647, 2147483647), }",
                new byte[0]), "overflows");
        rejects(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", new byte[0]),
                "overflows a 64-bit integer");
        rejects(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536), }", new byte[16]),
                "truncated", "needs 17179869184 bytes");
    }

    @Test
    void unsupportedDtypesAndVersions() throws IOException {
        rejects(fixture("i4_3.npy"), "unsupported dtype '<i4'", "'<f4'");
        rejects(fixture("f4_bigendian_3.npy"), "unsupported dtype '>f4'");
        rejects(npyFile("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new byte[4]),
                "structured");
        rejects(npyFile(4, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new byte[4]),
                "unsupported .npy format version 4.0");
    }

    @Test
    void malformedHeaders() throws IOException {
        rejects(npyFile("{'descr': '<f4', 'shape': (1,), }", new byte[4]), "missing key");
        rejects(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", new byte[4]),
                "unexpected key 'x'");
        rejects(npyFile("{'descr': '<f4', 'fortran_order': maybe, 'shape': (1,), }", new byte[4]), "True or False");
        rejects(npyFile("not a dict at all", new byte[4]), "malformed header");
        Path garbage = dir.resolve("garbage.npy");
        Files.writeString(garbage, "PK\u0003\u0004 this is a zip, not an npy");
        rejects(garbage, "not an .npy file");
    }

    @Test
    void pythonTwoLongSuffixAndDoubleQuotesAreAccepted() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f);
        Path p = npyFile("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2L,)}", data.array());
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Npy.read(p, arena);
            assertArrayEquals(new float[] {1.5f, -2f}, t.data().toArray());
        }
    }
}
