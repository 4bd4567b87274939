package dev.netinvert.solvers.io;

import dev.netinvert.kernels.FloatVec;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * IDX files, the format of MNIST and Fashion-MNIST (LeCun et al., "THE MNIST DATABASE of handwritten
 * digits"): two zero bytes, a dtype code, the rank r, then r big-endian 32-bit dimensions and the
 * elements, big-endian, in C order (last index fastest).
 *
 * <table>
 *   <caption>dtype codes</caption>
 *   <tr><th>code</th><th>type</th><th>bytes</th></tr>
 *   <tr><td>0x08</td><td>unsigned byte</td><td>1</td></tr>
 *   <tr><td>0x09</td><td>signed byte</td><td>1</td></tr>
 *   <tr><td>0x0B</td><td>short</td><td>2</td></tr>
 *   <tr><td>0x0C</td><td>int</td><td>4</td></tr>
 *   <tr><td>0x0D</td><td>float</td><td>4</td></tr>
 *   <tr><td>0x0E</td><td>double</td><td>8</td></tr>
 * </table>
 *
 * <h2>Reading</h2>
 * Plain files and gzip files (recognised by their magic bytes 0x1f 0x8b, whatever the file's name; several
 * concatenated gzip members read as one stream, as {@code gzip -d} does) are read the same way.
 * {@link #read} converts every dtype to float32 into memory allocated in the caller's arena: integers
 * exactly up to 2²⁴ in magnitude and rounded to nearest beyond (int32 only), float64 by Java's narrowing
 * conversion as {@link Npy} does. {@link #readLabels} returns the elements of a 1-D integer file (the label
 * files) as an {@code int[]}, exactly.
 *
 * <p>A file is validated whole before anything is returned, and never yields a partial result:
 * <ul>
 *   <li>the magic, the dtype code and the rank must be as above; dimensions are signed, so those ≥ 2³¹ are
 *       negative and rejected;</li>
 *   <li>the element count (the product of the dimensions) must fit in 2³¹ − 1 (what a {@link FloatVec}
 *       holds), and the data it declares, and the float32 result, must each fit in
 *       {@link Options#maxBytes()} (default {@value #DEFAULT_MAX_BYTES} bytes);</li>
 *   <li>the data must be exactly as long as the header declares: a shorter file is truncated, a longer one
 *       has trailing bytes, both named with the two sizes. A plain file is checked from its size before any
 *       data is read. A gzip file is decompressed as a stream and never beyond the declared size plus one
 *       byte (the check for trailing data), so a gzip bomb costs no more than the size its header claims;
 *       and a header claiming more than deflate's 1032:1 ratio allows for the file's size is refused before
 *       anything is allocated.</li>
 * </ul>
 * The raw data is held in a scratch arena until it has been validated; only then is the result allocated
 * in the caller's arena.
 */
public final class Idx {
    private Idx() {}

    /** The default of {@link Options#maxBytes()}: 1 GiB (Fashion-MNIST's training images take 188 MB as float32). */
    public static final long DEFAULT_MAX_BYTES = 1L << 30;

    /** The largest expansion of a deflate stream (RFC 1951: 258-byte matches from 2-bit codes, about 1032:1). */
    static final long MAX_INFLATION = 1032;

    private static final int CHUNK = 1 << 16;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** The element types of IDX, with their codes (the third byte of a file) and sizes. */
    public enum DType {
        U8(0x08, 1), I8(0x09, 1), I16(0x0B, 2), I32(0x0C, 4), F32(0x0D, 4), F64(0x0E, 8);

        private final int code;
        private final int size;

        DType(int code, int size) {
            this.code = code;
            this.size = size;
        }

        /** The code of the dtype in an IDX header. */
        public int code() {
            return code;
        }

        /** Bytes per element. */
        public int size() {
            return size;
        }

        /** Whether the elements are integers (read exactly by {@link #readLabels}). */
        public boolean isInteger() {
            return this != F32 && this != F64;
        }

        static DType ofCode(int code) {
            for (DType t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            return null;
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT) + String.format(Locale.ROOT, " (0x%02X)", code);
        }
    }

    /**
     * What a read keeps and how much memory it may take.
     *
     * @param limit    the number of items (indices along the first dimension) to keep, ≥ 0; the result holds
     *                 the first {@code min(limit, d₀)} of them. The whole file is validated all the same.
     *                 Ignored for a 0-D file.
     * @param maxBytes the most bytes a file may declare as its data section (elements × dtype size), and the
     *                 most the float32 result may take (4 bytes per element); ≥ 0
     */
    public record Options(int limit, long maxBytes) {
        /** Every item, at most {@value Idx#DEFAULT_MAX_BYTES} bytes. */
        public static final Options DEFAULT = new Options(Integer.MAX_VALUE, DEFAULT_MAX_BYTES);

        public Options {
            if (limit < 0) {
                throw new IllegalArgumentException("limit: expected >= 0, got " + limit);
            }
            if (maxBytes < 0) {
                throw new IllegalArgumentException("maxBytes: expected >= 0, got " + maxBytes);
            }
        }

        public Options withLimit(int limit) {
            return new Options(limit, maxBytes);
        }

        public Options withMaxBytes(long maxBytes) {
            return new Options(limit, maxBytes);
        }
    }

    /**
     * An IDX header.
     *
     * @param dtype the element type
     * @param shape the dimensions, each ≥ 0, their product at most 2³¹ − 1
     */
    public record Header(DType dtype, int[] shape) {
        public Header {
            Objects.requireNonNull(dtype, "dtype");
            shape = Objects.requireNonNull(shape, "shape").clone();
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Header h && dtype == h.dtype && Arrays.equals(shape, h.shape);
        }

        @Override
        public int hashCode() {
            return 31 * dtype.hashCode() + Arrays.hashCode(shape);
        }

        @Override
        public String toString() {
            return "Header[" + dtype + ", shape " + Arrays.toString(shape) + "]";
        }
    }

    /** A validated header: the dtype, the dimensions, and how many items of the first dimension are kept. */
    private record Layout(DType dtype, int[] shape, long numel, int headerBytes, int kept, long keptElements) {
        long dataBytes() {
            return numel * dtype.size;
        }
    }

    /**
     * Reads an IDX file (plain or gzip, any dtype) as a float32 tensor in {@code arena}, named after the file.
     *
     * @throws FileFormatException if the file is not IDX, is truncated, has trailing bytes, declares an
     *                             impossible or too large shape, or is a corrupt gzip stream
     */
    public static Tensor read(Path file, Arena arena) throws IOException {
        return read(file, arena, Options.DEFAULT);
    }

    /**
     * Reads the first {@code options.limit()} items of an IDX file (validating all of it) as a float32 tensor
     * in {@code arena}: its shape is the file's, with the first dimension cut to the limit.
     *
     * @throws FileFormatException as {@link #read(Path, Arena)}, or if the file exceeds {@code options.maxBytes()}
     */
    public static Tensor read(Path file, Arena arena, Options options) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(arena, "arena");
        Objects.requireNonNull(options, "options");
        try (Arena scratch = Arena.ofShared()) {
            Raw raw = load(file, options, scratch, false);
            Layout h = raw.header;
            int n = (int) h.keptElements;
            FloatVec out = FloatVec.allocate(arena, n);
            MemorySegment src = raw.data;
            MemorySegment dst = out.segment();
            switch (h.dtype) {
                case U8 -> {
                    for (int k = 0; k < n; k++) {
                        dst.setAtIndex(FloatVec.LAYOUT, k, src.get(ValueLayout.JAVA_BYTE, k) & 0xff);
                    }
                }
                case I8 -> {
                    for (int k = 0; k < n; k++) {
                        dst.setAtIndex(FloatVec.LAYOUT, k, src.get(ValueLayout.JAVA_BYTE, k));
                    }
                }
                case I16 -> {
                    for (int k = 0; k < n; k++) {
                        dst.setAtIndex(FloatVec.LAYOUT, k, src.get(I16, 2L * k));
                    }
                }
                case I32 -> {
                    for (int k = 0; k < n; k++) {
                        dst.setAtIndex(FloatVec.LAYOUT, k, (float) src.get(I32, 4L * k));
                    }
                }
                case F32 -> {
                    for (int k = 0; k < n; k++) {
                        dst.setAtIndex(FloatVec.LAYOUT, k, src.get(F32, 4L * k));
                    }
                }
                case F64 -> {
                    for (int k = 0; k < n; k++) {
                        dst.setAtIndex(FloatVec.LAYOUT, k, (float) src.get(F64, 8L * k));
                    }
                }
            }
            int[] shape = h.shape.clone();
            if (shape.length > 0) {
                shape[0] = h.kept;
            }
            return new Tensor(String.valueOf(file.getFileName()), shape, out);
        }
    }

    /** The elements of a 1-D IDX file of an integer dtype (a label file: u8 for MNIST), exactly. */
    public static int[] readLabels(Path file) throws IOException {
        return readLabels(file, Options.DEFAULT);
    }

    /**
     * The first {@code options.limit()} elements of a 1-D IDX file of an integer dtype, exactly (the file is
     * validated whole).
     *
     * @throws FileFormatException as {@link #read(Path, Arena, Options)}, or if the file is not 1-D or holds
     *                             floating-point elements
     */
    public static int[] readLabels(Path file, Options options) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(options, "options");
        try (Arena scratch = Arena.ofShared()) {
            Raw raw = load(file, options, scratch, true);
            Layout h = raw.header;
            int n = (int) h.keptElements;
            int[] out = new int[n];
            MemorySegment src = raw.data;
            switch (h.dtype) {
                case U8 -> {
                    for (int k = 0; k < n; k++) {
                        out[k] = src.get(ValueLayout.JAVA_BYTE, k) & 0xff;
                    }
                }
                case I8 -> {
                    for (int k = 0; k < n; k++) {
                        out[k] = src.get(ValueLayout.JAVA_BYTE, k);
                    }
                }
                case I16 -> {
                    for (int k = 0; k < n; k++) {
                        out[k] = src.get(I16, 2L * k);
                    }
                }
                case I32 -> {
                    for (int k = 0; k < n; k++) {
                        out[k] = src.get(I32, 4L * k);
                    }
                }
                default -> throw new AssertionError(h.dtype);
            }
            return out;
        }
    }

    /** The validated header and the raw (big-endian) bytes of the kept items, in {@code scratch}. */
    private record Raw(Layout header, MemorySegment data) {}

    /**
     * Reads and validates the header of an IDX file (plain or gzip) without reading its data: the magic, the
     * dtype, the rank, the dimensions and their product; for a plain file also its size against the header,
     * for a gzip file the declared size against deflate's ratio. {@link #read} validates the data too.
     *
     * @throws FileFormatException if the header is malformed or declares more than {@link #DEFAULT_MAX_BYTES}
     */
    public static Header header(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            boolean gzip = isGzip(ch);
            InputStream in = Channels.newInputStream(ch.position(0));
            try {
                Layout h = layout(file, gzip ? new GZIPInputStream(in, CHUNK) : in, ch.size(), gzip, Options.DEFAULT, false);
                return new Header(h.dtype, h.shape);
            } catch (ZipException | EOFException e) {
                throw new FileFormatException(file, null, "corrupt or truncated gzip stream: " + e.getMessage(), e);
            }
        }
    }

    /** Whether the file starts with gzip's magic bytes 0x1f 0x8b. */
    private static boolean isGzip(FileChannel ch) throws IOException {
        java.nio.ByteBuffer magic = java.nio.ByteBuffer.allocate(2);
        while (magic.hasRemaining() && ch.read(magic, magic.position()) >= 0) {
            // a short read of a regular file only happens at its end
        }
        return magic.position() == 2 && magic.get(0) == (byte) 0x1f && magic.get(1) == (byte) 0x8b;
    }

    /**
     * Opens the file (gzip or plain), reads and validates the header, reads the kept items' bytes into
     * {@code scratch}, and checks that exactly the declared data follows, without holding more than the kept
     * bytes: the rest is read through a small buffer and counted.
     */
    private static Raw load(Path file, Options options, Arena scratch, boolean labels) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            boolean gzip = isGzip(ch);
            InputStream in = Channels.newInputStream(ch.position(0));
            String where = gzip ? " of the decompressed data" : "";
            try {
                if (gzip) {
                    in = new GZIPInputStream(in, CHUNK);
                }
                Layout h = layout(file, in, size, gzip, options, labels);
                long keptBytes = h.keptElements * h.dtype.size;
                MemorySegment data = scratch.allocate(Math.max(1, keptBytes));
                byte[] buf = new byte[(int) Math.min(CHUNK, Math.max(1, h.dataBytes()))];
                long done = 0, total = h.dataBytes();
                while (done < total) {
                    int want = (int) Math.min(buf.length, total - done);
                    int r = readFully(in, buf, 0, want);
                    if (r > 0) {
                        long copy = Math.min(r, Math.max(0, keptBytes - done));
                        if (copy > 0) {
                            MemorySegment.copy(buf, 0, data, ValueLayout.JAVA_BYTE, done, (int) copy);
                        }
                        done += r;
                    }
                    if (r < want) {
                        throw new FileFormatException(file, null, "truncated: " + dims(h) + " needs " + total
                                + " bytes of data after the " + h.headerBytes + "-byte header, but the "
                                + (gzip ? "decompressed stream" : "file") + " holds only " + done);
                    }
                }
                if (in.read() >= 0) {
                    throw new FileFormatException(file, null, "trailing data at offset " + (h.headerBytes + total) + where
                            + ": " + dims(h) + " needs exactly " + total + " bytes of data after the " + h.headerBytes
                            + "-byte header, but the " + (gzip ? "decompressed stream" : "file") + " holds more"
                            + (gzip ? "" : " (" + (size - h.headerBytes) + ")"));
                }
                return new Raw(h, data.asSlice(0, keptBytes));
            } catch (ZipException | EOFException e) {
                // GZIPInputStream's words for a corrupt or cut stream: "Corrupt GZIP trailer", "invalid stored
                // block lengths", "Unexpected end of ZLIB input stream", ...
                throw new FileFormatException(file, null, "corrupt or truncated gzip stream: " + e.getMessage(), e);
            }
        }
    }

    /** Reads and validates the header from {@code in}; {@code size} is the file's size (compressed, for gzip). */
    private static Layout layout(Path file, InputStream in, long size, boolean gzip, Options options, boolean labels)
            throws IOException {
        String where = gzip ? " of the decompressed data" : "";
        byte[] pre = new byte[4];
        int got = readFully(in, pre, 0, 4);
        if (got < 4) {
            throw new FileFormatException(file, null, "truncated: " + got + " bytes" + (gzip ? " after decompression" : "")
                    + ", shorter than the 4-byte IDX preamble (0x00 0x00, dtype, rank)");
        }
        if (pre[0] != 0 || pre[1] != 0) {
            throw new FileFormatException(file, null, String.format(Locale.ROOT,
                    "not an IDX file: offset 0%s: expected the magic bytes 0x00 0x00, got 0x%02X 0x%02X", where,
                    pre[0] & 0xff, pre[1] & 0xff));
        }
        DType dtype = DType.ofCode(pre[2] & 0xff);
        if (dtype == null) {
            throw new FileFormatException(file, null, String.format(Locale.ROOT,
                    "offset 2%s: unknown dtype code 0x%02X (expected one of %s)", where, pre[2] & 0xff,
                    Arrays.toString(DType.values())));
        }
        int rank = pre[3] & 0xff;
        int headerBytes = 4 + 4 * rank;
        byte[] dimBytes = new byte[4 * rank];
        got = readFully(in, dimBytes, 0, dimBytes.length);
        if (got < dimBytes.length) {
            throw new FileFormatException(file, null, "truncated header: rank " + rank + " needs " + rank
                    + " 4-byte dimensions (" + headerBytes + " header bytes), but the " + (gzip ? "decompressed stream" : "file")
                    + " ends after " + (4 + got) + " bytes");
        }
        int[] shape = new int[rank];
        boolean zero = false;
        for (int d = 0; d < rank; d++) {
            int o = 4 * d;
            shape[d] = (dimBytes[o] & 0xff) << 24 | (dimBytes[o + 1] & 0xff) << 16 | (dimBytes[o + 2] & 0xff) << 8
                    | (dimBytes[o + 3] & 0xff);
            if (shape[d] < 0) {
                throw new FileFormatException(file, null, "offset " + (4 + o) + where + ": dimension " + d + " is "
                        + Integer.toUnsignedString(shape[d]) + ", expected at most 2^31 - 1 (a signed 32-bit integer >= 0)");
            }
            zero |= shape[d] == 0;
        }
        // A zero dimension makes the product 0 whatever the others are; otherwise stop at the first overflow.
        long numel = zero ? 0 : 1;
        boolean overflow = false;
        for (int d = 0; d < rank && !zero && !overflow; d++) {
            try {
                numel = Math.multiplyExact(numel, shape[d]);
            } catch (ArithmeticException e) {
                overflow = true;
            }
        }
        Layout h0 = new Layout(dtype, shape, numel, headerBytes, 0, 0);
        if (overflow || numel > Integer.MAX_VALUE) {
            throw new FileFormatException(file, null, "shape " + Arrays.toString(shape) + " has "
                    + (overflow ? "more than 2^63" : String.valueOf(numel)) + " elements, more than the 2^31 - 1 a tensor holds");
        }
        if (labels && (!dtype.isInteger() || rank != 1)) {
            throw new FileFormatException(file, null, "expected a label file: 1-D, of an integer dtype; got "
                    + Arrays.toString(shape) + " of " + dtype);
        }
        long dataBytes = numel * dtype.size;
        if (dataBytes > options.maxBytes() || 4 * numel > options.maxBytes()) {
            throw new FileFormatException(file, null, "shape " + Arrays.toString(shape) + " of " + dtype + " declares "
                    + dataBytes + " bytes of data (" + 4 * numel + " bytes as float32), more than the limit of "
                    + options.maxBytes() + " bytes (Idx.Options.maxBytes)");
        }
        if (!gzip && size - headerBytes != dataBytes) {
            throw new FileFormatException(file, null, (size - headerBytes < dataBytes ? "truncated: " : "trailing data: ")
                    + dims(h0) + " needs " + dataBytes + " bytes of data after the " + headerBytes
                    + "-byte header, but the file holds " + (size - headerBytes));
        }
        if (gzip && dataBytes + headerBytes > MAX_INFLATION * size + 1024) {
            throw new FileFormatException(file, null, "header declares " + dims(h0) + ", " + dataBytes
                    + " bytes of data, but a gzip file of " + size + " bytes decompresses to at most about "
                    + MAX_INFLATION + "× that (deflate's limit)");
        }
        int kept = rank == 0 ? 1 : Math.min(options.limit(), shape[0]);
        long perItem = rank == 0 || shape[0] == 0 ? 0 : numel / shape[0];
        long keptElements = rank == 0 ? numel : kept * perItem;
        return new Layout(dtype, shape, numel, headerBytes, kept, keptElements);
    }

    private static String dims(Layout h) {
        return "shape " + Arrays.toString(h.shape) + " of " + h.dtype;
    }

    /** Reads up to {@code len} bytes, fewer only at the end of the stream; returns how many. */
    private static int readFully(InputStream in, byte[] b, int off, int len) throws IOException {
        int done = 0;
        while (done < len) {
            int r = in.read(b, off + done, len - done);
            if (r < 0) {
                break;
            }
            done += r;
        }
        return done;
    }
}
