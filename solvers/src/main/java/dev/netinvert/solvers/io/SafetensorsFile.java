package dev.netinvert.solvers.io;

import dev.netinvert.kernels.FloatVec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Set;

/**
 * An opened, validated safetensors file, memory-mapped into the arena given to {@link Safetensors#open}.
 * Tensors are views of the mapping (F32) or conversions allocated in that arena (F16, BF16, F64); either
 * way they are valid while the arena is alive. Reading is thread-safe if the arena is shared.
 */
public final class SafetensorsFile {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path file;
    private final MemorySegment mapping;
    private final long dataStart;
    private final Map<String, Safetensors.Entry> entries;
    private final Map<String, String> metadata;
    private final Arena arena;

    SafetensorsFile(Path file, MemorySegment mapping, long dataStart, Map<String, Safetensors.Entry> entries,
                    Map<String, String> metadata, Arena arena) {
        this.file = file;
        this.mapping = mapping;
        this.dataStart = dataStart;
        this.entries = Collections.unmodifiableMap(entries);
        this.metadata = Collections.unmodifiableMap(metadata);
        this.arena = arena;
    }

    public Path file() {
        return file;
    }

    /** The mapping of the whole file (read-only). */
    public MemorySegment mapping() {
        return mapping;
    }

    /** Byte offset of the data section in the file (8 + header length). */
    public long dataStart() {
        return dataStart;
    }

    /** The tensor names, in header order. */
    public Set<String> names() {
        return entries.keySet();
    }

    /** The {@code __metadata__} strings (empty if none). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Whether a tensor of this name exists. */
    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    /** The header entry of a tensor, or null. */
    public Safetensors.Entry entry(String name) {
        return entries.get(name);
    }

    /**
     * The tensor {@code name} as float32: a view of the mapping for F32, a converted copy in the arena for
     * F16, BF16 and F64.
     *
     * @throws FileFormatException if there is no such tensor, its dtype is not a float type, or it has more
     *                             than 2^31 − 1 elements
     */
    public Tensor tensor(String name) throws FileFormatException {
        Safetensors.Entry e = entries.get(name);
        if (e == null) {
            throw new FileFormatException(file, name, "no such tensor; the file holds " + listNames());
        }
        long[] shape = e.shape();
        int[] dims = new int[shape.length];
        long numel = 1;
        for (int d = 0; d < shape.length; d++) {
            numel *= shape[d]; // cannot overflow: validated against the data offsets when the file was opened
            if (shape[d] > Integer.MAX_VALUE) {
                throw new FileFormatException(file, name, "dimension " + shape[d] + " of shape " + Arrays.toString(shape)
                        + " exceeds 2^31 - 1");
            }
            dims[d] = (int) shape[d];
        }
        if (numel > Integer.MAX_VALUE) {
            throw new FileFormatException(file, name, "shape " + Arrays.toString(shape) + " has " + numel
                    + " elements, more than a FloatVec holds (2^31 - 1)");
        }
        int n = (int) numel;
        long at = dataStart + e.begin();
        switch (e.dtype()) {
            case "F32" -> {
                return new Tensor(name, dims, FloatVec.wrap(mapping, at, n));
            }
            case "F16", "BF16", "F64" -> {
                FloatVec out = FloatVec.allocate(arena, n);
                for (int i = 0; i < n; i++) {
                    out.set(i, switch (e.dtype()) {
                        case "F16" -> Float.float16ToFloat(mapping.get(I16, at + 2L * i));
                        case "BF16" -> Float.intBitsToFloat((mapping.get(I16, at + 2L * i) & 0xffff) << 16);
                        default -> (float) mapping.get(F64, at + 8L * i);
                    });
                }
                return new Tensor(name, dims, out);
            }
            default -> throw new FileFormatException(file, name, "unsupported dtype " + e.dtype()
                    + " (supported: F32 in place; F16, BF16 and F64 converted to float32)");
        }
    }

    String listNames() {
        if (entries.isEmpty()) {
            return "no tensors";
        }
        StringBuilder sb = new StringBuilder(entries.size() + " tensor(s): ");
        int k = 0;
        for (String s : entries.keySet()) {
            if (k++ == 20) {
                sb.append(", …");
                break;
            }
            sb.append(k == 1 ? "" : ", ").append('\'').append(s).append('\'');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + file + ", " + entries.size() + " tensors]";
    }
}
