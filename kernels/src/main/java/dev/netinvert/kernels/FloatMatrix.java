package dev.netinvert.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A row-major float32 matrix of {@code rows × cols} elements: element (i, j) is the float at
 * {@code byteOffset + 4·(i·ld + j)} of {@code segment}, little-endian. This is exactly the layout of a
 * C-order .npy array, a safetensors F32 tensor and PyTorch's {@code nn.Linear.weight} (out × in).
 *
 * <p>The leading dimension {@code ld >= cols} is the distance between rows in elements; an {@code ld}
 * larger than {@code cols} lets rows start on cache-line boundaries ({@link #allocatePadded}) or a matrix
 * view a block of a larger one. The view lies inside its segment (validated here; kernels trust it).
 *
 * @param segment memory holding the elements
 * @param byteOffset offset of element (0, 0) in bytes
 * @param rows number of rows, {@code >= 0}
 * @param cols number of columns, {@code >= 0}
 * @param ld leading dimension in elements, {@code >= max(cols, 1)}
 */
public record FloatMatrix(MemorySegment segment, long byteOffset, int rows, int cols, int ld) {

    public FloatMatrix {
        Objects.requireNonNull(segment, "segment");
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("shape must be non-negative, got " + rows + "×" + cols);
        }
        if (ld < Math.max(cols, 1)) {
            throw new IllegalArgumentException("ld must be >= max(cols, 1) = " + Math.max(cols, 1) + ", got " + ld);
        }
        long span = rows == 0 ? 0 : ((long) (rows - 1) * ld + cols) * Float.BYTES;
        Checks.checkRange("matrix " + rows + "×" + cols + " (ld " + ld + ")", segment, byteOffset, span);
        ConfinedMemoryHint.note(segment);
    }

    /** Allocates a zero-filled, 64-byte-aligned {@code rows × cols} matrix with {@code ld = cols}. */
    public static FloatMatrix allocate(Arena arena, int rows, int cols) {
        return allocate(arena, rows, cols, Math.max(cols, 1));
    }

    /** Allocates a zero-filled, 64-byte-aligned matrix with the given leading dimension. */
    public static FloatMatrix allocate(Arena arena, int rows, int cols, int ld) {
        Objects.requireNonNull(arena, "arena");
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("shape must be non-negative, got " + rows + "×" + cols);
        }
        if (ld < Math.max(cols, 1)) {
            throw new IllegalArgumentException("ld must be >= max(cols, 1) = " + Math.max(cols, 1) + ", got " + ld);
        }
        long bytes = Math.multiplyExact((long) rows, (long) ld) * Float.BYTES;
        return new FloatMatrix(arena.allocate(bytes, FloatVec.ALIGNMENT), 0, rows, cols, ld);
    }

    /**
     * Allocates a matrix in the layout the kernels read fastest ({@link #paddedLd}): rows that start on 64-byte
     * lines and whose stride is not a multiple of {@link #ALIASING_STRIDE}.
     */
    public static FloatMatrix allocatePadded(Arena arena, int rows, int cols) {
        return allocate(arena, rows, cols, paddedLd(cols));
    }

    /**
     * Row strides that are multiples of this many bytes (2 KiB) put the same column of several rows in one set of
     * L1: L1 is indexed by the address bits below 4 KiB (64 sets of 64-byte lines on Zen 2-4), so rows 4 KiB apart
     * share every set and rows 2 KiB apart share it in fours. The SIMD kernels read eight rows at the same column
     * at once (a dot8 block, the fused gradient's eight-row step); at a 16 KiB stride those eight lines fill the
     * eight ways of their set, and x's and g's lines and the prefetched ones are evicted. One line more per row
     * puts the eight in eight sets. Measured with {@code MinOfBursts} at 512 bits on Zen 4, ld = cols against
     * ld = cols + 16, min µs of two alternated rounds (jmh/RESULTS.md, twenty-first session): fused gradient
     * 512×4096 (the circle's W) 213-216 → 189-190, 300×1024 27.2 (36.6 once) → 26.8-26.9, 64×8192 48.7 → 46.8, 625×512
     * 31.1-31.5 → 30.1-30.3; GEMV 512×4096 111 → 103; GEMVᵀ 512×4096 125-128 → 112-113, 64×8192 28.4-32.0 →
     * 27.2-27.3; 1000×1500 (a 6 000-byte stride) level. Under {@code -XX:UseAVX=2} (four-row steps) level.
     */
    public static final int ALIASING_STRIDE = 2048;

    /**
     * The leading dimension {@link #allocatePadded} gives rows of {@code cols} floats: {@code cols} rounded up to
     * whole 64-byte lines (16 floats), so that no vector load of a row straddles two lines, and one line more where
     * that stride would be a multiple of {@link #ALIASING_STRIDE}.
     */
    public static int paddedLd(int cols) {
        long ld = ((long) Math.max(cols, 1) + 15) / 16 * 16;
        if (4 * ld % ALIASING_STRIDE == 0) {
            ld += 16;
        }
        return (int) Math.min(Integer.MAX_VALUE, ld);
    }

    /** A view of existing memory, e.g. a memory-mapped file, with {@code ld = cols}. */
    public static FloatMatrix wrap(MemorySegment segment, long byteOffset, int rows, int cols) {
        return new FloatMatrix(segment, byteOffset, rows, cols, Math.max(cols, 1));
    }

    /** A matrix allocated in {@code arena} holding a copy of the row-major {@code values}. */
    public static FloatMatrix of(Arena arena, int rows, int cols, float[] values) {
        if ((long) rows * cols != values.length) {
            throw new IllegalArgumentException(
                    "values: expected " + rows + "×" + cols + " = " + (long) rows * cols + " elements, got " + values.length);
        }
        FloatMatrix m = allocate(arena, rows, cols);
        MemorySegment.copy(values, 0, m.segment, FloatVec.LAYOUT, 0, values.length);
        return m;
    }

    /**
     * Whether every row starts on a 64-byte cache line ({@link FloatVec#ALIGNMENT}): element (0, 0) at an
     * aligned address and {@code 4·ld} a multiple of 64, or at most one row. The kernels give the same bits
     * either way (their arithmetic depends on {@code cols}, never on addresses), but with rows off the lines a
     * vector load of a short row straddles two of them: the 100-column rows of a 784 × 100 layer (400 bytes,
     * three of every four rows off the line) cost its GEMVᵀ 19 % and its GEMV 10 % at 512 bits
     * (jmh/RESULTS.md, ninth session).
     */
    public boolean rowsAligned() {
        boolean base = segment.isNative() ? (segment.address() + byteOffset) % FloatVec.ALIGNMENT == 0
                : byteOffset % FloatVec.ALIGNMENT == 0;
        return base && (rows <= 1 || (4L * ld) % FloatVec.ALIGNMENT == 0);
    }

    /**
     * Whether the rows are staggered across L1's sets: at most one row, or a row stride that is not a multiple of
     * {@link #ALIASING_STRIDE} (at such strides the same column of eight consecutive rows falls in at most two sets,
     * four or eight rows to a set). Like {@link #rowsAligned}, a matter of speed only.
     */
    public boolean rowsStaggered() {
        return rows <= 1 || 4L * ld % ALIASING_STRIDE != 0;
    }

    /** A copy in {@code arena} in the layout of {@link #allocatePadded}; same elements. */
    public FloatMatrix copyPadded(Arena arena) {
        FloatMatrix c = allocatePadded(arena, rows, cols);
        copyTo(c);
        return c;
    }

    /** Copies the elements into {@code dst}, of the same shape and any leading dimension, row by row. */
    public void copyTo(FloatMatrix dst) {
        Objects.requireNonNull(dst, "dst");
        if (dst.rows != rows || dst.cols != cols) {
            throw new IllegalArgumentException("dst: expected " + rows + "×" + cols + ", got " + dst.rows + "×" + dst.cols);
        }
        for (int i = 0; i < rows; i++) {
            MemorySegment.copy(segment, rowOffset(i), dst.segment, dst.rowOffset(i), 4L * cols);
        }
    }

    /** Byte offset of row {@code i}. */
    public long rowOffset(int i) {
        return byteOffset + (long) i * ld * Float.BYTES;
    }

    /** Row {@code i} as a vector view of {@code cols} elements. */
    public FloatVec row(int i) {
        Objects.checkIndex(i, rows);
        return new FloatVec(segment, rowOffset(i), cols);
    }

    /** The rows {@code [r0, r1)} as a matrix view sharing this one's memory. */
    public FloatMatrix rows(int r0, int r1) {
        Objects.checkFromToIndex(r0, r1, rows);
        return new FloatMatrix(segment, rowOffset(r0), r1 - r0, cols, ld);
    }

    public float get(int i, int j) {
        Objects.checkIndex(i, rows);
        Objects.checkIndex(j, cols);
        return segment.get(FloatVec.LAYOUT, rowOffset(i) + (long) j * Float.BYTES);
    }

    public void set(int i, int j, float value) {
        Objects.checkIndex(i, rows);
        Objects.checkIndex(j, cols);
        segment.set(FloatVec.LAYOUT, rowOffset(i) + (long) j * Float.BYTES, value);
    }

    /** A new row-major heap array ({@code rows·cols} elements, padding dropped). */
    public float[] toArray() {
        float[] out = new float[Math.toIntExact((long) rows * cols)];
        for (int i = 0; i < rows; i++) {
            MemorySegment.copy(segment, FloatVec.LAYOUT, rowOffset(i), out, i * cols, cols);
        }
        return out;
    }

    /** Copies a row-major array of {@code rows·cols} elements into this matrix. */
    public void copyFrom(float[] src) {
        if (src.length != (long) rows * cols) {
            throw new IllegalArgumentException(
                    "src: expected " + rows + "×" + cols + " = " + (long) rows * cols + " elements, got " + src.length);
        }
        for (int i = 0; i < rows; i++) {
            MemorySegment.copy(src, i * cols, segment, FloatVec.LAYOUT, rowOffset(i), cols);
        }
    }

    @Override
    public String toString() {
        return "FloatMatrix[" + rows + "×" + cols + ", ld=" + ld + ", byteOffset=" + byteOffset + "]";
    }
}
