package dev.netinvert.solvers.io;

import com.fasterxml.jackson.jr.ob.JSON;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The <a href="https://github.com/huggingface/safetensors">safetensors</a> format: an 8-byte little-endian
 * header length N, N bytes of JSON
 * {@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ..., "__metadata__": {..}}},
 * then the tensors' bytes, offsets relative to the end of the header.
 *
 * <h2>Reading ({@link #open})</h2>
 * The whole file is memory-mapped once into the caller's arena. The header is parsed with Jackson jr
 * (duplicate keys rejected) and validated as the reference implementation does, before any tensor is
 * touched: N within the file and at most 100 MB, every entry with a dtype, a non-negative shape whose
 * byte size (for dtypes of known width) equals {@code end − begin}, and the entries' byte ranges tiling
 * the data section exactly, without holes or overlaps. Tensors of dtypes this library cannot use (integers,
 * booleans, 8-bit floats) may be present — PyTorch's {@code state_dict} often holds some — and are
 * rejected only when asked for.
 *
 * <p>{@link SafetensorsFile#tensor} then returns:
 * <ul>
 *   <li>F32: a view of the mapping, used <b>in place</b> whatever the tensor's alignment in the file.
 *       {@link dev.netinvert.kernels.FloatVec} reads unaligned floats by design, and a tensor that is not
 *       4-byte aligned costs no extra cache-line splits over one that is 4- but not 64-byte aligned (a
 *       512-bit load of either straddles two lines); a copy, by contrast, would cost memory and the mapped
 *       weights' "no copy" guarantee. Files written here start the data at a multiple of 64 bytes.</li>
 *   <li>F16, BF16 and F64: converted to float32 into memory allocated in the arena — F16 by
 *       {@link Float#float16ToFloat} (exact), BF16 by placing its 16 bits in the upper half of a float32
 *       (exact), F64 by {@code (float) d} (round to nearest even; overflow to ±∞).</li>
 * </ul>
 *
 * <h2>Writing ({@link #write})</h2>
 * F32 tensors in the order given, contiguous; the JSON header is padded with spaces so that the data
 * starts at a multiple of 64 bytes. Atomic ({@link AtomicFiles}).
 */
public final class Safetensors {
    private Safetensors() {}

    /** The reference implementation's header limit. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final String METADATA = "__metadata__";

    /** A tensor's entry in the header. */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {
        public Entry {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    /** Bytes per element of the dtypes the format defines; -1 for names it does not. */
    static int dtypeSize(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> -1;
        };
    }

    /**
     * Opens and validates a safetensors file, mapping it into {@code arena}.
     *
     * @throws FileFormatException if the header is malformed or inconsistent with the file
     */
    public static SafetensorsFile open(Path file, Arena arena) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(arena, "arena");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new FileFormatException(file, null, "truncated: " + size
                        + " bytes, shorter than the 8-byte header length of a safetensors file");
            }
            long n = Npy.readAt(ch, 0, 8).getLong();
            if (n < 0 || n > size - 8) {
                throw new FileFormatException(file, null, "header length " + Long.toUnsignedString(n)
                        + " bytes is beyond the file size: only " + (size - 8) + " bytes follow the length field");
            }
            if (n > MAX_HEADER_BYTES) {
                throw new FileFormatException(file, null, "header length " + n + " bytes exceeds the limit of "
                        + MAX_HEADER_BYTES + " bytes");
            }
            if (n < 2) {
                throw new FileFormatException(file, null, "header length " + n + " is too short for a JSON object");
            }
            ByteBuffer hb = Npy.readAt(ch, 8, (int) n);
            Map<String, Object> json;
            try {
                json = JSON.std.with(JSON.Feature.FAIL_ON_DUPLICATE_MAP_KEYS, JSON.Feature.PRESERVE_FIELD_ORDERING)
                        .mapFrom(hb.array());
            } catch (IOException | RuntimeException e) {
                throw new FileFormatException(file, null, "header is not a valid JSON object: " + e.getMessage(), e);
            }
            if (json == null) {
                // Jackson jr maps the JSON literal null (and blank text) to a null Map.
                throw new FileFormatException(file, null, "header is not a valid JSON object: expected {...}, got "
                        + quote(new String(hb.array(), java.nio.charset.StandardCharsets.UTF_8)));
            }
            long dataStart = 8 + n;
            long dataSize = size - dataStart;
            Map<String, Entry> entries = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : json.entrySet()) {
                if (e.getKey().equals(METADATA)) {
                    if (!(e.getValue() instanceof Map<?, ?> m)) {
                        throw new FileFormatException(file, null, "\"__metadata__\" must be an object of strings, got " + e.getValue());
                    }
                    for (Map.Entry<?, ?> me : m.entrySet()) {
                        if (!(me.getValue() instanceof String s)) {
                            throw new FileFormatException(file, null, "\"__metadata__\" value for '" + me.getKey()
                                    + "' must be a string, got " + me.getValue());
                        }
                        metadata.put(String.valueOf(me.getKey()), s);
                    }
                    continue;
                }
                entries.put(e.getKey(), entry(file, e.getKey(), e.getValue(), dataSize));
            }
            checkTiling(file, entries.values(), dataSize);
            MemorySegment mapping = MappedFiles.mapReadOnly(ch, 0, size, arena);
            return new SafetensorsFile(file, mapping, dataStart, entries, metadata, arena);
        }
    }

    private static Entry entry(Path file, String name, Object value, long dataSize) throws FileFormatException {
        if (!(value instanceof Map<?, ?> m)) {
            throw new FileFormatException(file, name, "header entry must be an object with dtype, shape and data_offsets, got " + value);
        }
        for (Object key : m.keySet()) {
            if (!Set.of("dtype", "shape", "data_offsets").contains(key)) {
                throw new FileFormatException(file, name, "unexpected key '" + key + "' in the header entry (expected dtype, shape, data_offsets)");
            }
        }
        if (!(m.get("dtype") instanceof String dtype)) {
            throw new FileFormatException(file, name, "\"dtype\" must be a string, got " + m.get("dtype"));
        }
        long[] shape = longs(file, name, "shape", m.get("shape"), -1);
        long[] offsets = longs(file, name, "data_offsets", m.get("data_offsets"), 2);
        long begin = offsets[0], end = offsets[1];
        if (begin > end || end > dataSize) {
            throw new FileFormatException(file, name, "data_offsets [" + begin + ", " + end
                    + "] must satisfy begin <= end <= " + dataSize + " (the size of the data section)");
        }
        long numel = 1;
        for (long d : shape) {
            try {
                numel = Math.multiplyExact(numel, d);
            } catch (ArithmeticException e) {
                throw new FileFormatException(file, name, "shape " + Arrays.toString(shape) + " overflows a 64-bit element count");
            }
        }
        int size = dtypeSize(dtype);
        if (size > 0 && (numel > Long.MAX_VALUE / size || numel * size != end - begin)) {
            throw new FileFormatException(file, name, "shape " + Arrays.toString(shape) + " of " + dtype + " needs "
                    + (numel > Long.MAX_VALUE / size ? "more than 2^63" : String.valueOf(numel * size))
                    + " bytes, but data_offsets [" + begin + ", " + end + "] span " + (end - begin));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static long[] longs(Path file, String name, String key, Object value, int expectedLength)
            throws FileFormatException {
        if (!(value instanceof List<?> list) || (expectedLength >= 0 && list.size() != expectedLength)) {
            throw new FileFormatException(file, name, "\"" + key + "\" must be a list of "
                    + (expectedLength >= 0 ? expectedLength + " " : "") + "non-negative integers, got " + value);
        }
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            Object o = list.get(i);
            if (!(o instanceof Integer || o instanceof Long || o instanceof java.math.BigInteger)) {
                throw new FileFormatException(file, name, "\"" + key + "\"[" + i + "] must be an integer, got " + o);
            }
            Number num = (Number) o;
            if (o instanceof java.math.BigInteger b && b.bitLength() > 63) {
                throw new FileFormatException(file, name, "\"" + key + "\"[" + i + "] = " + o + " overflows a 64-bit integer");
            }
            if (num.longValue() < 0) {
                throw new FileFormatException(file, name, "\"" + key + "\"[" + i + "] must be >= 0, got " + o);
            }
            out[i] = num.longValue();
        }
        return out;
    }

    private static String quote(String s) {
        String t = s.strip();
        return "\"" + (t.length() > 40 ? t.substring(0, 40) + "…" : t) + "\"";
    }

    /** The entries' byte ranges, sorted, must cover [0, dataSize) exactly (the format forbids holes). */
    private static void checkTiling(Path file, java.util.Collection<Entry> entries, long dataSize)
            throws FileFormatException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        for (Entry e : sorted) {
            if (e.begin() != at) {
                throw new FileFormatException(file, e.name(), "data_offsets [" + e.begin() + ", " + e.end() + "] "
                        + (e.begin() > at ? "leave a hole" : "overlap another tensor") + " at byte " + at
                        + " of the data section (tensors must tile it exactly)");
            }
            at = e.end();
        }
        if (at != dataSize) {
            throw new FileFormatException(file, null, "the tensors cover " + at + " bytes but the data section holds "
                    + dataSize + (at < dataSize ? " (trailing bytes)" : ""));
        }
    }

    /** {@link #write(Path, List, Map)} without metadata. */
    public static void write(Path file, List<Tensor> tensors) throws IOException {
        write(file, tensors, Map.of());
    }

    /**
     * Writes F32 tensors in the given order, with optional string metadata ({@code __metadata__}).
     *
     * @throws IllegalArgumentException for duplicate names or the reserved name {@code __metadata__}
     */
    public static void write(Path file, List<Tensor> tensors, Map<String, String> metadata) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(tensors, "tensors");
        Objects.requireNonNull(metadata, "metadata");
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            header.put(METADATA, new LinkedHashMap<>(metadata));
        }
        Set<String> seen = new HashSet<>();
        long offset = 0;
        for (Tensor t : tensors) {
            if (t.name().equals(METADATA) || !seen.add(t.name())) {
                throw new IllegalArgumentException("tensors: name '" + t.name() + "' is "
                        + (t.name().equals(METADATA) ? "reserved" : "used twice"));
            }
            long bytes = 4L * t.data().length();
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("dtype", "F32");
            e.put("shape", Arrays.stream(t.shape()).boxed().toList());
            e.put("data_offsets", List.of(offset, offset + bytes));
            header.put(t.name(), e);
            offset += bytes;
        }
        byte[] json = JSON.std.asBytes(header);
        int padded = (int) ((8L + json.length + 63) / 64 * 64 - 8);
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        AtomicFiles.write(file, ch -> {
            AtomicFiles.writeFully(ch, head);
            for (Tensor t : tensors) {
                Npy.writeFloats(ch, t.data().segment(), t.data().byteOffset(), t.data().length());
            }
        });
    }
}
