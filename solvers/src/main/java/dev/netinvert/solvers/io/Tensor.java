package dev.netinvert.solvers.io;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

/**
 * A named float32 array read from or written to a file: its shape (C order, last index fastest) and its
 * elements as one contiguous little-endian {@link FloatVec}. When the file held little-endian float32 in
 * C order, {@code data} is a view of the memory-mapped file ({@link #isMapped()}), not a copy.
 *
 * @param name  the tensor's name (a safetensors key, or an .npy file's name)
 * @param shape the dimensions, each ≥ 0; their product is {@code data.length()}
 * @param data  the elements
 */
public record Tensor(String name, int[] shape, FloatVec data) {

    public Tensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(data, "data");
        shape = Objects.requireNonNull(shape, "shape").clone();
        long n = elementCount(shape);
        if (n != data.length()) {
            throw new IllegalArgumentException("data: expected " + n + " elements (shape " + Arrays.toString(shape)
                    + "), got " + data.length());
        }
    }

    /** The product of the dimensions of {@code shape}, each checked to be ≥ 0 (a long: it may exceed an int). */
    static long elementCount(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("shape: dimensions must be >= 0, got " + Arrays.toString(shape));
            }
            n *= d;
        }
        return n;
    }

    /** A tensor viewing a matrix's elements; the matrix must be contiguous ({@code ld == cols}). */
    public static Tensor of(String name, FloatMatrix m) {
        Objects.requireNonNull(m, "m");
        if (m.ld() != Math.max(m.cols(), 1) && m.rows() > 1) {
            throw new IllegalArgumentException("m: expected a contiguous matrix (ld = cols = " + m.cols()
                    + "), got ld " + m.ld() + "; copy it into FloatMatrix.allocate(...) first");
        }
        return new Tensor(name, new int[] {m.rows(), m.cols()}, FloatVec.wrap(m.segment(), m.byteOffset(), Math.toIntExact((long) m.rows() * m.cols())));
    }

    /** A 1-D tensor viewing a vector. */
    public static Tensor of(String name, FloatVec v) {
        return new Tensor(name, new int[] {v.length()}, v);
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** The number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Dimension {@code d}. */
    public int dim(int d) {
        return shape[d];
    }

    /** Whether the elements are a view of a memory-mapped file. */
    public boolean isMapped() {
        return isFileView(data.segment());
    }

    /**
     * Whether {@code s} views a file mapped by this package rather than memory of an arena: a mapped
     * segment, or the read-only native view of one that the loaders hand out for speed (see
     * {@code MappedFiles}); copies made by the loaders are writable arena memory.
     */
    public static boolean isFileView(MemorySegment s) {
        return s.isMapped() || s.isReadOnly();
    }

    /** The elements of a 2-D tensor as a row-major matrix view (no copy). */
    public FloatMatrix asMatrix() {
        if (shape.length != 2) {
            throw new IllegalStateException("tensor '" + name + "': expected 2 dimensions, got shape " + Arrays.toString(shape));
        }
        return FloatMatrix.wrap(data.segment(), data.byteOffset(), shape[0], shape[1]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && name.equals(t.name) && Arrays.equals(shape, t.shape) && data.equals(t.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(shape), data);
    }

    @Override
    public String toString() {
        return "Tensor[" + name + ", shape " + Arrays.toString(shape) + (isMapped() ? ", mapped" : "") + "]";
    }
}
