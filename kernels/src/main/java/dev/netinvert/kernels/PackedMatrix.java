package dev.netinvert.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A matrix W together with a copy of it in the layout in which the active kernels read the second operand of
 * D·W ({@link Blas#gemmNN(float, FloatMatrix, PackedMatrix, float, FloatMatrix)}), made once by
 * {@link Blas#pack} for a W that serves many products: the lockstep solvers' G = R·W, once per iteration with
 * the same W. An unpacked product copies W into cache-sized panels on every call (the Goto/BLIS scheme); for a
 * batch of 64 rows against a 512 × 4096 W that copy was 22 % of the product under {@code -XX:UseAVX=2}.
 *
 * <p>The packed copy is a snapshot: products through this object read W's values at the time of packing, so W
 * must not change while they are wanted (the solvers' networks are immutable). It takes as much memory as W
 * (rounded up to whole strips of columns). Implementations without a packed form (the scalar kernels) keep
 * none ({@link #isPacked()} is false) and the products read W.
 */
public final class PackedMatrix {
    private final FloatMatrix matrix;
    private final MemorySegment packed;

    PackedMatrix(FloatMatrix matrix, MemorySegment packed) {
        this.matrix = Objects.requireNonNull(matrix, "matrix");
        this.packed = packed;
    }

    /** W itself. */
    public FloatMatrix matrix() {
        return matrix;
    }

    /** Whether the active kernels keep a packed copy (false: products read W). */
    public boolean isPacked() {
        return packed != null;
    }

    /** Bytes of the packed copy (0 if none). */
    public long packedBytes() {
        return packed == null ? 0 : packed.byteSize();
    }

    /** The packed copy, or null. */
    MemorySegment packed() {
        return packed;
    }

    static PackedMatrix pack(KernelSupport k, Arena arena, FloatMatrix w) {
        Objects.requireNonNull(arena, "arena");
        long bytes = k.gemmPackedBytes(w.rows(), w.cols());
        if (bytes == 0) {
            return new PackedMatrix(w, null);
        }
        MemorySegment dst = arena.allocate(bytes, FloatVec.ALIGNMENT);
        k.gemmPack(w.segment(), w.byteOffset(), w.ld(), w.rows(), w.cols(), dst);
        return new PackedMatrix(w, dst);
    }

    @Override
    public String toString() {
        return "PackedMatrix[" + matrix + (packed == null ? ", not packed]" : ", " + packed.byteSize() + " bytes packed]");
    }
}
