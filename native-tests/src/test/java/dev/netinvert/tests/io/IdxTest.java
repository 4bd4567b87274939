package dev.netinvert.tests.io;

import static dev.netinvert.tests.io.FileErrors.rejects;
import static dev.netinvert.tests.io.FileErrors.rejectsNaming;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.solvers.io.Idx;
import dev.netinvert.solvers.io.Idx.DType;
import dev.netinvert.solvers.io.Tensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * IDX reading: every dtype at awkward shapes, plain and gzipped, against files written here byte by byte;
 * limits; label files; and every malformation, each named in its message.
 */
class IdxTest {

    @TempDir
    Path dir;

    // ------------------------------------------------------------------------------------------ writing, here

    /** An IDX file's bytes: 0, 0, code, rank, big-endian dims, then {@code data} as given. */
    static byte[] idx(int code, int[] shape, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * shape.length + data.length);
        b.put((byte) 0).put((byte) 0).put((byte) code).put((byte) shape.length);
        for (int d : shape) {
            b.putInt(d);
        }
        return b.put(data).array();
    }

    static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    /**
     * The k-th test value of a dtype, cycling through its extremes and awkward values, as a double; and its
     * big-endian bytes appended to {@code b}.
     */
    static double value(DType t, int k) {
        return switch (t) {
            case U8 -> (new int[] {0, 255, 1, 128, 127, 7}[k % 6] + k / 6) & 0xff;
            case I8 -> new int[] {-128, 127, 0, -1, 1, 37}[k % 6];
            case I16 -> new int[] {-32768, 32767, 0, -1, 1000, 12345 + k}[k % 6];
            case I32 -> new int[] {Integer.MIN_VALUE, Integer.MAX_VALUE, 0, -1, (1 << 24) + 1, -(1 << 24) - 3, k}[k % 7];
            case F32 -> new float[] {0f, -0f, 1.5f, -2.25e-3f, Float.MIN_VALUE, Float.MAX_VALUE, Float.POSITIVE_INFINITY,
                    Float.NEGATIVE_INFINITY, Float.NaN, 3.14159f + k}[k % 10];
            case F64 -> new double[] {0.1, -0.0, 1e300, -1e300, 1e-320, Math.PI, Double.NaN, k}[k % 8];
        };
    }

    static void put(ByteBuffer b, DType t, double v) {
        switch (t) {
            case U8, I8 -> b.put((byte) (int) v);
            case I16 -> b.putShort((short) (int) v);
            case I32 -> b.putInt((int) v);
            case F32 -> b.putFloat((float) v);
            case F64 -> b.putDouble(v);
        }
    }

    static byte[] data(DType t, long n) {
        ByteBuffer b = ByteBuffer.allocate((int) (n * t.size()));
        for (int k = 0; k < n; k++) {
            put(b, t, value(t, k));
        }
        return b.array();
    }

    static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    private Path file(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    static final List<int[]> SHAPES = List.of(new int[] {}, new int[] {0}, new int[] {1}, new int[] {3},
            new int[] {17}, new int[] {2, 3}, new int[] {3, 1, 5}, new int[] {2, 0, 4}, new int[] {1, 1, 1, 1},
            new int[] {31, 33}, new int[] {2, 3, 5, 7});

    // ------------------------------------------------------------------------------------------ round trips

    @Test
    void everyDtypeAtAwkwardShapesPlainAndGzipped() throws IOException {
        for (DType t : DType.values()) {
            for (int[] shape : SHAPES) {
                byte[] plain = idx(t.code(), shape, data(t, numel(shape)));
                for (boolean gz : new boolean[] {false, true}) {
                    Path p = file(t + Arrays.toString(shape) + (gz ? ".gz" : ""), gz ? gzip(plain) : plain);
                    String what = p.getFileName().toString();
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor x = Idx.read(p, arena);
                        assertArrayEquals(shape, x.shape(), what);
                        assertEquals(p.getFileName().toString(), x.name());
                        assertEquals(numel(shape), x.data().length(), what);
                        for (int k = 0; k < numel(shape); k++) {
                            // float32 of the value: exact for u8..i16, rounded to nearest for large i32 and f64.
                            float expected = (float) value(t, k);
                            assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(x.data().get(k)),
                                    what + " element " + k + ": expected " + expected + ", got " + x.data().get(k));
                        }
                    }
                    assertEquals(new Idx.Header(t, shape), Idx.header(p), what);
                }
            }
        }
    }

    @Test
    void conversionsRoundAsJavaDoes() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 * 3);
        b.putDouble(1e300).putDouble(0.1).putDouble(1e-320);
        Path f64 = file("f64", idx(0x0E, new int[] {3}, b.array()));
        ByteBuffer c = ByteBuffer.allocate(4 * 2);
        c.putInt((1 << 24) + 1).putInt(Integer.MAX_VALUE);
        Path i32 = file("i32", idx(0x0C, new int[] {2}, c.array()));
        try (Arena arena = Arena.ofConfined()) {
            float[] d = Idx.read(f64, arena).data().toArray();
            assertArrayEquals(new float[] {Float.POSITIVE_INFINITY, 0.1f, 0f}, d, "f64 narrowed: overflow, nearest, underflow");
            float[] i = Idx.read(i32, arena).data().toArray();
            assertArrayEquals(new float[] {16777216f, 2147483648f}, i, "i32 above 2^24 rounds to nearest even");
        }
    }

    @Test
    void aLimitKeepsTheFirstItemsButValidatesTheWholeFile() throws IOException {
        int[] shape = {5, 3, 2};
        byte[] plain = idx(0x0B, shape, data(DType.I16, 30));
        for (byte[] bytes : new byte[][] {plain, gzip(plain)}) {
            Path p = file("limit", bytes);
            try (Arena arena = Arena.ofConfined()) {
                Tensor two = Idx.read(p, arena, Idx.Options.DEFAULT.withLimit(2));
                assertArrayEquals(new int[] {2, 3, 2}, two.shape());
                for (int k = 0; k < 12; k++) {
                    assertEquals((float) value(DType.I16, k), two.data().get(k), 0f);
                }
                assertArrayEquals(new int[] {0, 3, 2}, Idx.read(p, arena, Idx.Options.DEFAULT.withLimit(0)).shape());
                assertArrayEquals(shape, Idx.read(p, arena, Idx.Options.DEFAULT.withLimit(99)).shape());
            }
        }
        byte[] cut = Arrays.copyOf(plain, plain.length - 1);
        Path cutPlain = file("cut", cut);
        rejectsNaming(cutPlain, a -> Idx.read(cutPlain, a, Idx.Options.DEFAULT.withLimit(1)), "truncated", "needs 60 bytes", "holds 59");
        Path cutGz = file("cut.gz", gzip(cut));
        rejectsNaming(cutGz, a -> Idx.read(cutGz, a, Idx.Options.DEFAULT.withLimit(1)), "truncated", "needs 60 bytes",
                "decompressed stream holds only 59");
        assertThrows(IllegalArgumentException.class, () -> Idx.Options.DEFAULT.withLimit(-1));
        assertThrows(IllegalArgumentException.class, () -> Idx.Options.DEFAULT.withMaxBytes(-1));
    }

    @Test
    void labelFilesOfEveryIntegerDtypeReadExactly() throws IOException {
        for (DType t : List.of(DType.U8, DType.I8, DType.I16, DType.I32)) {
            for (int n : new int[] {0, 1, 7, 1000}) {
                byte[] plain = idx(t.code(), new int[] {n}, data(t, n));
                for (byte[] bytes : new byte[][] {plain, gzip(plain)}) {
                    Path p = file("labels-" + t.name(), bytes);
                    int[] labels = Idx.readLabels(p);
                    assertEquals(n, labels.length);
                    for (int k = 0; k < n; k++) {
                        assertEquals((int) value(t, k), labels[k], t + " label " + k);
                    }
                    int[] first = Idx.readLabels(p, Idx.Options.DEFAULT.withLimit(3));
                    assertArrayEquals(Arrays.copyOf(labels, Math.min(3, n)), first);
                }
            }
        }
        Path floats = file("f32-labels", idx(0x0D, new int[] {2}, data(DType.F32, 2)));
        rejectsNaming(floats, a -> Idx.readLabels(floats), "expected a label file: 1-D, of an integer dtype", "f32 (0x0D)");
        Path matrix = file("2d-labels", idx(0x08, new int[] {2, 2}, data(DType.U8, 4)));
        rejectsNaming(matrix, a -> Idx.readLabels(matrix), "expected a label file", "[2, 2] of u8 (0x08)");
    }

    // ------------------------------------------------------------------------------------------ malformed

    /** Writes the bytes plain and gzipped and expects both rejected with the fragments (plus the file's name). */
    private void rejectsBoth(String name, byte[] bytes, String... fragments) throws IOException {
        Path plain = file(name, bytes);
        rejectsNaming(plain, a -> Idx.read(plain, a), fragments);
        Path gz = file(name + ".gz", gzip(bytes));
        rejectsNaming(gz, a -> Idx.read(gz, a), fragments);
    }

    @Test
    void shortFilesAndBadPreambles() throws IOException {
        rejectsBoth("empty", new byte[0], "truncated: 0 bytes", "shorter than the 4-byte IDX preamble");
        rejectsBoth("three", new byte[] {0, 0, 8}, "truncated: 3 bytes");
        rejectsBoth("magic", new byte[] {1, 0, 8, 1, 0, 0, 0, 0}, "not an IDX file", "offset 0",
                "expected the magic bytes 0x00 0x00, got 0x01 0x00");
        rejectsBoth("dtype", idx(0x0A, new int[] {1}, new byte[1]), "offset 2", "unknown dtype code 0x0A",
                "u8 (0x08), i8 (0x09), i16 (0x0B), i32 (0x0C), f32 (0x0D), f64 (0x0E)");
        byte[] cutHeader = Arrays.copyOf(idx(0x08, new int[] {2, 3, 4}, new byte[0]), 10);
        rejectsBoth("header", cutHeader, "truncated header: rank 3 needs 3 4-byte dimensions (16 header bytes)", "ends after 10 bytes");
        // The gzip offsets are said to be in the decompressed data.
        Path gz = file("magic2.gz", gzip(new byte[] {0, 7, 8, 0, 1}));
        rejects(a -> Idx.read(gz, a), "offset 0 of the decompressed data", "got 0x00 0x07");
    }

    @Test
    void lyingDimensions() throws IOException {
        rejectsBoth("negative", idx(0x08, new int[] {3, 0x80000000}, new byte[0]), "offset 8", "dimension 1 is 2147483648",
                "expected at most 2^31 - 1");
        int m = Integer.MAX_VALUE;
        rejectsBoth("overflow", idx(0x08, new int[] {m, m, m, m, m}, new byte[0]), "has more than 2^63 elements",
                "more than the 2^31 - 1 a tensor holds");
        rejectsBoth("too-many", idx(0x08, new int[] {65536, 32768}, new byte[0]), "[65536, 32768]",
                "has 2147483648 elements");
        // A zero dimension makes every product 0, whatever the others say.
        Path zero = file("zero", idx(0x0E, new int[] {m, m, m, 0, m}, new byte[0]));
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(0, Idx.read(zero, arena).data().length());
        }
        byte[] big = idx(0x0D, new int[] {4, 4}, data(DType.F32, 16));
        Path p = file("big", big);
        rejectsNaming(p, a -> Idx.read(p, a, Idx.Options.DEFAULT.withMaxBytes(63)), "declares 64 bytes of data",
                "(64 bytes as float32)", "more than the limit of 63 bytes");
        Path u8 = file("u8", idx(0x08, new int[] {16}, data(DType.U8, 16)));
        rejectsNaming(u8, a -> Idx.read(u8, a, Idx.Options.DEFAULT.withMaxBytes(63)), "declares 16 bytes of data",
                "(64 bytes as float32)");
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(16, Idx.read(p, arena, Idx.Options.DEFAULT.withMaxBytes(64)).data().length(), "the limit is inclusive");
        }
    }

    @Test
    void truncatedAndTrailingData() throws IOException {
        byte[] whole = idx(0x0C, new int[] {2, 3}, data(DType.I32, 6));
        Path cut = file("cut", Arrays.copyOf(whole, whole.length - 3));
        rejectsNaming(cut, a -> Idx.read(cut, a), "truncated: shape [2, 3] of i32 (0x0C) needs 24 bytes of data after the 12-byte header",
                "the file holds 21");
        Path cutGz = file("cut.gz", gzip(Arrays.copyOf(whole, whole.length - 3)));
        rejectsNaming(cutGz, a -> Idx.read(cutGz, a), "truncated", "needs 24 bytes", "decompressed stream holds only 21");
        byte[] longer = Arrays.copyOf(whole, whole.length + 5);
        Path extra = file("extra", longer);
        rejectsNaming(extra, a -> Idx.read(extra, a), "trailing data", "needs 24 bytes", "the file holds 29");
        Path extraGz = file("extra.gz", gzip(longer));
        rejectsNaming(extraGz, a -> Idx.read(extraGz, a), "trailing data at offset 36 of the decompressed data",
                "needs exactly 24 bytes", "decompressed stream holds more");
    }

    @Test
    void gzipBombsAndCorruptStreams() throws IOException {
        // A 1 MiB declaration over 64 MiB of zeros: rejected after reading 1 MiB + 1 byte, not 64 MiB.
        byte[] header = idx(0x08, new int[] {1 << 20}, new byte[0]);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(header);
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 64; i++) {
                gz.write(zeros);
            }
        }
        Path bomb = file("bomb.gz", out.toByteArray());
        assertTrue(Files.size(bomb) < 100_000, "a real bomb: " + Files.size(bomb) + " bytes");
        rejectsNaming(bomb, a -> Idx.read(bomb, a), "trailing data at offset 1048584 of the decompressed data");
        // A header that promises more than deflate can expand the file to, refused before any allocation.
        Path liar = file("liar.gz", gzip(idx(0x0E, new int[] {1 << 20, 64}, new byte[100])));
        rejectsNaming(liar, a -> Idx.read(liar, a), "declares shape [1048576, 64] of f64 (0x0E), 536870912 bytes of data",
                "decompresses to at most about 1032× that");
        byte[] good = gzip(idx(0x08, new int[] {200}, data(DType.U8, 200)));
        byte[] flipped = good.clone();
        flipped[flipped.length - 6] ^= 0x55; // in the CRC-32 of the trailer
        Path crc = file("crc.gz", flipped);
        rejectsNaming(crc, a -> Idx.read(crc, a), "corrupt or truncated gzip stream", "Corrupt GZIP trailer");
        Path cut = file("cutgz.gz", Arrays.copyOf(good, good.length - 12));
        rejectsNaming(cut, a -> Idx.read(cut, a), "corrupt or truncated gzip stream");
        Path notIdx = file("text.gz", gzip("hello, world\n".getBytes()));
        rejectsNaming(notIdx, a -> Idx.read(notIdx, a), "not an IDX file", "got 0x68 0x65");
    }

    @Test
    void concatenatedGzipMembersReadAsOneStream() throws IOException {
        byte[] plain = idx(0x09, new int[] {4, 5}, data(DType.I8, 20));
        byte[] a = gzip(Arrays.copyOf(plain, 13)), b = gzip(Arrays.copyOfRange(plain, 13, plain.length));
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        Path p = file("two-members.gz", both);
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Idx.read(p, arena);
            assertArrayEquals(new int[] {4, 5}, t.shape());
            for (int k = 0; k < 20; k++) {
                assertEquals((float) value(DType.I8, k), t.data().get(k), 0f);
            }
        }
    }

    @Test
    void aMissingFileIsAnIoErrorNamingIt() {
        Path p = dir.resolve("absent");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> {
            try (Arena arena = Arena.ofConfined()) {
                Idx.read(p, arena);
            }
        });
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
    }
}
