package dev.netinvert.solvers.io;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0).
 *
 * <h2>Reading</h2>
 * <ul>
 *   <li>{@code '<f4'} (little-endian float32) in C order is <b>memory-mapped</b> into the caller's arena
 *       and used in place: {@link Tensor#isMapped()} is true and nothing is copied. The mapping is
 *       read-only and lives until the arena is closed.</li>
 *   <li>{@code '<f8'} (float64) is converted to float32 on load into memory allocated in the arena, by
 *       Java's narrowing conversion {@code (float) d}: round to nearest, ties to even; magnitudes above
 *       {@link Float#MAX_VALUE} become ±∞ (which the model and observation loaders then reject as
 *       non-finite), tiny ones become subnormal or ±0. Nothing is logged.</li>
 *   <li>Fortran order ({@code 'fortran_order': True}, what {@code np.save} writes for a transposed view)
 *       is <b>transposed on load</b> into C order, a copy in the arena: the result always has the shape
 *       the file states, with the last index fastest. For 0-D and 1-D arrays the two orders coincide and
 *       the data is mapped as usual.</li>
 *   <li>Every other dtype (big-endian, integers, float16, structured) is rejected, naming it.</li>
 * </ul>
 * Sizes are checked against the file's length before anything is allocated or mapped: a header length
 * beyond the file, a negative or overflowing shape, or a data section shorter or longer than the shape
 * needs is a {@link FileFormatException}, never an {@link OutOfMemoryError}. Headers are limited to
 * 1 MiB (NumPy's own reader stops at 10 000 bytes by default).
 *
 * <h2>Writing</h2>
 * Always version 1.0 (2.0 only if the header exceeds 65 535 bytes), {@code '<f4'}, C order, with the
 * header padded with spaces so that the data starts at a multiple of 64 bytes (a mapping of it is then
 * cache-line aligned). Files are written atomically ({@link AtomicFiles}).
 */
public final class Npy {
    private Npy() {}

    static final int MAX_HEADER_BYTES = 1 << 20;
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int COPY_CHUNK = 1 << 20;

    /** The parsed header dictionary. */
    record Header(String descr, boolean fortranOrder, long[] shape) {}

    /**
     * Reads an .npy file; '&lt;f4' C-order data is mapped, not copied (see the class comment).
     *
     * @param file  the .npy file
     * @param arena owns the mapping or the converted copy; the tensor is valid while it is alive
     * @throws FileFormatException if the file is malformed, truncated or of an unsupported dtype
     */
    public static Tensor read(Path file, Arena arena) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(arena, "arena");
        String name = String.valueOf(file.getFileName());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 10) {
                throw new FileFormatException(file, null,
                        "truncated: " + size + " bytes, shorter than the 10-byte .npy preamble");
            }
            ByteBuffer pre = readAt(ch, 0, (int) Math.min(12, size));
            for (int i = 0; i < MAGIC.length; i++) {
                if (pre.get(i) != MAGIC[i]) {
                    throw new FileFormatException(file, null, "not an .npy file: it does not start with \\x93NUMPY");
                }
            }
            int major = pre.get(6) & 0xff, minor = pre.get(7) & 0xff;
            long headerLen;
            int prefix;
            if (major == 1) {
                headerLen = pre.getShort(8) & 0xffffL;
                prefix = 10;
            } else if (major == 2 || major == 3) {
                if (size < 12) {
                    throw new FileFormatException(file, null, "truncated: " + size
                            + " bytes, shorter than the 12-byte preamble of format version " + major + ".0");
                }
                headerLen = pre.getInt(8) & 0xffff_ffffL;
                prefix = 12;
            } else {
                throw new FileFormatException(file, null, "unsupported .npy format version " + major + "." + minor
                        + " (supported: 1.0, 2.0, 3.0)");
            }
            if (headerLen > size - prefix) {
                throw new FileFormatException(file, null, "header length " + headerLen
                        + " bytes is beyond the file size: only " + (size - prefix) + " bytes follow the preamble");
            }
            if (headerLen > MAX_HEADER_BYTES) {
                throw new FileFormatException(file, null, "header length " + headerLen
                        + " bytes exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
            }
            ByteBuffer hb = readAt(ch, prefix, (int) headerLen);
            String text = new String(hb.array(), 0, (int) headerLen,
                    major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            Header h;
            try {
                h = parseHeader(text);
            } catch (IllegalArgumentException e) {
                throw new FileFormatException(file, null, "malformed header " + quote(text) + ": " + e.getMessage(), e);
            }
            int itemSize = switch (h.descr()) {
                case "<f4" -> 4;
                case "<f8" -> 8;
                default -> throw new FileFormatException(file, null, "unsupported dtype '" + h.descr()
                        + "' (supported: '<f4' little-endian float32 and '<f8' little-endian float64)");
            };
            int[] shape = new int[h.shape().length];
            long numel = 1;
            for (int d = 0; d < shape.length; d++) {
                long dim = h.shape()[d];
                if (dim < 0) {
                    throw new FileFormatException(file, null, "negative dimension " + dim + " in shape " + shapeText(h.shape()));
                }
                if (dim > Integer.MAX_VALUE) {
                    throw new FileFormatException(file, null, "dimension " + dim + " in shape " + shapeText(h.shape())
                            + " exceeds 2^31 - 1");
                }
                shape[d] = (int) dim;
                try {
                    numel = Math.multiplyExact(numel, dim);
                } catch (ArithmeticException e) {
                    throw new FileFormatException(file, null, "shape " + shapeText(h.shape()) + " overflows a 64-bit element count");
                }
            }
            long dataOffset = prefix + headerLen;
            long available = size - dataOffset;
            long bytes = numel > Long.MAX_VALUE / itemSize ? Long.MAX_VALUE : numel * itemSize;
            if (available < bytes) {
                throw new FileFormatException(file, null, "truncated: shape " + shapeText(h.shape()) + " of '" + h.descr()
                        + "' needs " + (bytes == Long.MAX_VALUE ? "more than 2^63" : String.valueOf(bytes))
                        + " bytes of data, but the file holds " + available + " bytes after its header");
            }
            if (available > bytes) {
                throw new FileFormatException(file, null, "shape " + shapeText(h.shape()) + " of '" + h.descr() + "' needs "
                        + bytes + " bytes of data, but the file holds " + available + " bytes after its header");
            }
            if (numel > Integer.MAX_VALUE) {
                throw new FileFormatException(file, null, "shape " + shapeText(h.shape()) + " has " + numel
                        + " elements, more than a FloatVec holds (2^31 - 1)");
            }
            int n = (int) numel;
            boolean fortran = h.fortranOrder() && shape.length >= 2;
            if (n == 0) {
                return new Tensor(name, shape, FloatVec.allocate(arena, 0));
            }
            if (itemSize == 4 && !fortran) {
                MemorySegment mapped = MappedFiles.mapReadOnly(ch, dataOffset, bytes, arena);
                return new Tensor(name, shape, FloatVec.wrap(mapped, 0, n));
            }
            FloatVec out = FloatVec.allocate(arena, n);
            try (Arena scratch = Arena.ofShared()) {
                MemorySegment src = ch.map(FileChannel.MapMode.READ_ONLY, dataOffset, bytes, scratch);
                convert(src, itemSize, fortran ? shape : null, out);
            }
            return new Tensor(name, shape, out);
        }
    }

    /**
     * Copies {@code src} (float32 or float64 little-endian) into {@code out} as float32 in C order;
     * {@code fortranShape} is null for C-order sources, else the shape of a Fortran-order source.
     */
    private static void convert(MemorySegment src, int itemSize, int[] fortranShape, FloatVec out) {
        int n = out.length();
        if (fortranShape == null) {
            for (int k = 0; k < n; k++) {
                out.set(k, element(src, itemSize, k));
            }
            return;
        }
        // Walk the C-order index (last dimension fastest) like an odometer and keep the matching
        // Fortran offset Σ idx_d · stride_d, stride_0 = 1, stride_d = Π_{e<d} shape_e, up to date.
        int rank = fortranShape.length;
        long[] stride = new long[rank];
        long s = 1;
        for (int d = 0; d < rank; d++) {
            stride[d] = s;
            s *= fortranShape[d];
        }
        int[] idx = new int[rank];
        long f = 0;
        for (int k = 0; k < n; k++) {
            out.set(k, element(src, itemSize, f));
            for (int d = rank - 1; d >= 0; d--) {
                if (++idx[d] < fortranShape[d]) {
                    f += stride[d];
                    break;
                }
                f -= stride[d] * (idx[d] - 1);
                idx[d] = 0;
            }
        }
    }

    private static float element(MemorySegment src, int itemSize, long k) {
        return itemSize == 4 ? src.get(FloatVec.LAYOUT, 4 * k) : (float) src.get(F64, 8 * k);
    }

    /** Writes a 1-D array of {@code v}'s elements. */
    public static void write(Path file, FloatVec v) throws IOException {
        Objects.requireNonNull(v, "v");
        write(file, v, v.length());
    }

    /** Writes a 2-D {@code rows × cols} array; rows padded by {@code ld > cols} are written without padding. */
    public static void write(Path file, FloatMatrix m) throws IOException {
        Objects.requireNonNull(m, "m");
        byte[] header = header(new int[] {m.rows(), m.cols()});
        AtomicFiles.write(file, ch -> {
            AtomicFiles.writeFully(ch, ByteBuffer.wrap(header));
            for (int i = 0; i < m.rows(); i++) {
                writeFloats(ch, m.segment(), m.rowOffset(i), m.cols());
            }
        });
    }

    /** Writes a tensor with its shape. */
    public static void write(Path file, Tensor t) throws IOException {
        Objects.requireNonNull(t, "t");
        write(file, t.data(), t.shape());
    }

    /**
     * Writes {@code data} as an array of the given shape (C order).
     *
     * @throws IllegalArgumentException if the shape's element count differs from {@code data.length()}
     */
    public static void write(Path file, FloatVec data, int... shape) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(data, "data");
        long n = Tensor.elementCount(shape);
        if (n != data.length()) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has " + n
                    + " elements but data has " + data.length());
        }
        byte[] header = header(shape);
        AtomicFiles.write(file, ch -> {
            AtomicFiles.writeFully(ch, ByteBuffer.wrap(header));
            writeFloats(ch, data.segment(), data.byteOffset(), data.length());
        });
    }

    /** Writes {@code n} little-endian floats from {@code seg} through a heap buffer (works for every segment kind). */
    static void writeFloats(FileChannel ch, MemorySegment seg, long offset, long n) throws IOException {
        long bytes = 4 * n;
        byte[] buf = new byte[(int) Math.min(COPY_CHUNK, bytes)];
        for (long done = 0; done < bytes; ) {
            int len = (int) Math.min(buf.length, bytes - done);
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, offset + done, buf, 0, len);
            AtomicFiles.writeFully(ch, ByteBuffer.wrap(buf, 0, len));
            done += len;
        }
    }

    /** The preamble and header dictionary for '&lt;f4' C-order data, padded so the data starts at a multiple of 64. */
    static byte[] header(int[] shape) {
        StringBuilder dict = new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': (");
        for (int d = 0; d < shape.length; d++) {
            dict.append(d == 0 ? "" : ", ").append(shape[d]);
        }
        dict.append(shape.length == 1 ? ",), }" : "), }");
        int prefix = 10;
        int total = round64(prefix + dict.length() + 1);
        if (total - prefix > 0xffff) {
            prefix = 12;
            total = round64(prefix + dict.length() + 1);
        }
        int headerLen = total - prefix;
        while (dict.length() < headerLen - 1) {
            dict.append(' ');
        }
        dict.append('\n');
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) (prefix == 10 ? 1 : 2)).put((byte) 0);
        if (prefix == 10) {
            b.putShort((short) headerLen);
        } else {
            b.putInt(headerLen);
        }
        b.put(dict.toString().getBytes(StandardCharsets.ISO_8859_1));
        return b.array();
    }

    private static int round64(int n) {
        return (n + 63) / 64 * 64;
    }

    static ByteBuffer readAt(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, position + b.position()) < 0) {
                throw new IOException("unexpected end of file at byte " + (position + b.position()));
            }
        }
        return b.flip();
    }

    private static String shapeText(long[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int d = 0; d < shape.length; d++) {
            sb.append(d == 0 ? "" : ", ").append(shape[d]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    private static String quote(String s) {
        String t = s.strip();
        return "\"" + (t.length() > 200 ? t.substring(0, 200) + "…" : t) + "\"";
    }

    // ------------------------------------------------------------------------------------------ header

    /**
     * Parses the header, a Python dict literal such as
     * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }}. Exactly the three keys NumPy
     * writes are accepted (NumPy's reader insists on the same).
     *
     * @throws IllegalArgumentException saying what is wrong and where
     */
    static Header parseHeader(String text) {
        HeaderParser p = new HeaderParser(text);
        String descr = null;
        Boolean fortran = null;
        long[] shape = null;
        p.expect('{');
        while (true) {
            p.skipSpace();
            if (p.peek() == '}') {
                p.pos++;
                break;
            }
            String key = p.string();
            p.skipSpace();
            p.expect(':');
            p.skipSpace();
            switch (key) {
                case "descr" -> {
                    if (p.peek() == '[') {
                        throw new IllegalArgumentException("structured (record) dtypes are not supported");
                    }
                    descr = p.string();
                }
                case "fortran_order" -> fortran = p.bool();
                case "shape" -> shape = p.tuple();
                default -> throw new IllegalArgumentException("unexpected key '" + key
                        + "' (an .npy header has exactly 'descr', 'fortran_order' and 'shape')");
            }
            p.skipSpace();
            if (p.peek() == ',') {
                p.pos++;
            } else if (p.peek() != '}') {
                throw new IllegalArgumentException("expected ',' or '}' at offset " + p.pos);
            }
        }
        p.skipSpace();
        if (p.pos != text.length()) {
            throw new IllegalArgumentException("unexpected text after the dictionary at offset " + p.pos);
        }
        if (descr == null || fortran == null || shape == null) {
            throw new IllegalArgumentException("missing key(s): needs 'descr', 'fortran_order' and 'shape'");
        }
        return new Header(descr, fortran, shape);
    }

    private static final class HeaderParser {
        final String s;
        int pos;

        HeaderParser(String s) {
            this.s = s;
        }

        char peek() {
            if (pos >= s.length()) {
                throw new IllegalArgumentException("unexpected end of header");
            }
            return s.charAt(pos);
        }

        void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        void expect(char c) {
            skipSpace();
            if (peek() != c) {
                throw new IllegalArgumentException("expected '" + c + "' at offset " + pos + ", found '" + peek() + "'");
            }
            pos++;
        }

        String string() {
            char q = peek();
            if (q != '\'' && q != '"') {
                throw new IllegalArgumentException("expected a quoted string at offset " + pos);
            }
            int end = s.indexOf(q, pos + 1);
            if (end < 0) {
                throw new IllegalArgumentException("unterminated string at offset " + pos);
            }
            String v = s.substring(pos + 1, end);
            pos = end + 1;
            return v;
        }

        boolean bool() {
            if (s.startsWith("True", pos)) {
                pos += 4;
                return true;
            }
            if (s.startsWith("False", pos)) {
                pos += 5;
                return false;
            }
            throw new IllegalArgumentException("expected True or False at offset " + pos);
        }

        long[] tuple() {
            expect('(');
            List<Long> dims = new ArrayList<>();
            while (true) {
                skipSpace();
                if (peek() == ')') {
                    pos++;
                    break;
                }
                dims.add(integer());
                skipSpace();
                if (peek() == ',') {
                    pos++;
                } else if (peek() != ')') {
                    throw new IllegalArgumentException("expected ',' or ')' in the shape at offset " + pos);
                }
            }
            long[] out = new long[dims.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = dims.get(i);
            }
            return out;
        }

        long integer() {
            int start = pos;
            if (peek() == '-') {
                pos++;
            }
            int digits = pos;
            while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                pos++;
            }
            if (pos == digits) {
                throw new IllegalArgumentException("expected an integer at offset " + start);
            }
            String t = s.substring(start, pos);
            if (pos < s.length() && s.charAt(pos) == 'L') {
                pos++; // Python 2 long suffix, as old NumPy wrote it
            }
            try {
                return Long.parseLong(t);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("dimension " + t + " overflows a 64-bit integer");
            }
        }
    }
}
