package dev.netinvert.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A float32 vector of {@code length} elements stored contiguously, little-endian, in a
 * {@link MemorySegment} starting at {@code byteOffset}.
 *
 * <p>A {@code FloatVec} is a view: it owns no memory. Allocate one in an {@link Arena} you control
 * with {@link #allocate(Arena, int)} (64-byte aligned, zero-filled), or view existing memory, such as a
 * memory-mapped file, with {@link #wrap(MemorySegment, long, int)}. The memory is freed when its arena
 * is closed; using the view afterwards fails with an {@link IllegalStateException} at the kernel
 * boundary, never a crash.
 *
 * <p>The shape is validated once, here: the view lies inside its segment. Kernels trust it.
 *
 * @param segment the memory holding the elements
 * @param byteOffset offset of element 0 in {@code segment}, in bytes (need not be aligned)
 * @param length number of elements, {@code >= 0}
 */
public record FloatVec(MemorySegment segment, long byteOffset, int length) {

    /** Little-endian float32, the layout of .npy {@code <f4} and safetensors F32; unaligned access allowed. */
    public static final ValueLayout.OfFloat LAYOUT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Alignment of everything this library allocates: one cache line, one 512-bit vector. */
    public static final long ALIGNMENT = 64;

    public FloatVec {
        Objects.requireNonNull(segment, "segment");
        if (length < 0) {
            throw new IllegalArgumentException("length must be >= 0, got " + length);
        }
        Checks.checkRange("vector", segment, byteOffset, (long) length * Float.BYTES);
        ConfinedMemoryHint.note(segment);
    }

    /** Allocates a zero-filled, 64-byte-aligned vector of {@code length} floats in {@code arena}. */
    public static FloatVec allocate(Arena arena, int length) {
        Objects.requireNonNull(arena, "arena");
        if (length < 0) {
            throw new IllegalArgumentException("length must be >= 0, got " + length);
        }
        return new FloatVec(arena.allocate((long) length * Float.BYTES, ALIGNMENT), 0, length);
    }

    /** Allocates a vector in {@code arena} holding a copy of {@code values}. */
    public static FloatVec of(Arena arena, float... values) {
        FloatVec v = allocate(arena, values.length);
        MemorySegment.copy(values, 0, v.segment, LAYOUT, 0, values.length);
        return v;
    }

    /** A view of {@code length} floats of existing memory starting at {@code byteOffset}. */
    public static FloatVec wrap(MemorySegment segment, long byteOffset, int length) {
        return new FloatVec(segment, byteOffset, length);
    }

    /** A view of a whole segment; its size must be a multiple of 4 bytes. */
    public static FloatVec wrap(MemorySegment segment) {
        Objects.requireNonNull(segment, "segment");
        long size = segment.byteSize();
        if (size % Float.BYTES != 0 || size / Float.BYTES > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "segment must hold a whole number of floats (at most 2^31-1), got " + size + " bytes");
        }
        return new FloatVec(segment, 0, (int) (size / Float.BYTES));
    }

    /** The sub-vector {@code [from, from + len)} of this one, sharing its memory. */
    public FloatVec slice(int from, int len) {
        Objects.checkFromIndexSize(from, len, length);
        return new FloatVec(segment, byteOffset + (long) from * Float.BYTES, len);
    }

    /** Element {@code i}; bounds-checked, for setup and inspection rather than hot loops. */
    public float get(int i) {
        Objects.checkIndex(i, length);
        return segment.get(LAYOUT, byteOffset + (long) i * Float.BYTES);
    }

    /** Sets element {@code i}; bounds-checked. */
    public void set(int i, float value) {
        Objects.checkIndex(i, length);
        segment.set(LAYOUT, byteOffset + (long) i * Float.BYTES, value);
    }

    /** Copies {@code src} (which must have {@code length} elements) into this vector. */
    public void copyFrom(float[] src) {
        if (src.length != length) {
            throw new IllegalArgumentException("src: expected " + length + " elements, got " + src.length);
        }
        MemorySegment.copy(src, 0, segment, LAYOUT, byteOffset, length);
    }

    /** A new heap array with a copy of the elements. */
    public float[] toArray() {
        float[] out = new float[length];
        MemorySegment.copy(segment, LAYOUT, byteOffset, out, 0, length);
        return out;
    }

    @Override
    public String toString() {
        return "FloatVec[length=" + length + ", byteOffset=" + byteOffset + "]";
    }
}
