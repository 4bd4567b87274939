package dev.netinvert.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A matrix W together with copies of it in the layouts in which the active kernels read it in the products D·W
 * ({@link Blas#gemmNN(float, FloatMatrix, PackedMatrix, float, FloatMatrix)}) and X·Wᵀ
 * ({@link Blas#gemmNT(float, FloatMatrix, PackedMatrix, float, FloatMatrix, FloatVec)}), made once by
 * {@link Blas#pack} for a W that serves many products: the lockstep solvers' two GEMMs per iteration, with the
 * same W every time. An unpacked product copies W into cache-sized panels (D·W) or blocks of rows (X·Wᵀ, below
 * 512 bits) on every call (the Goto/BLIS scheme); for a batch of 64 rows against a 512 × 4096 W, the copy was
 * 22 % of D·W and 9 % of X·Wᵀ under {@code -XX:UseAVX=2}.
 *
 * <p>The copies are a snapshot: products through this object read W's values at the time of packing, so W must
 * not change while they are wanted (the solvers' networks are immutable). They take as much memory as W with
 * 512-bit vectors (the panels; rounded up to whole strips of columns) and twice as much below (the blocks of rows
 * too). Implementations without a packed form (the scalar kernels) keep none ({@link #isPacked()} is false) and
 * the products read W.
 */
public final class PackedMatrix {
    private final FloatMatrix matrix;
    private final MemorySegment packed;

    PackedMatrix(FloatMatrix matrix, MemorySegment packed) {
        this.matrix = Objects.requireNonNull(matrix, "matrix");
        this.packed = packed;
    }

    /**
     * W with no packed copy: the products through it read W itself, as they do when the kernels have no packed
     * form. For callers that pack only sometimes (the lockstep solvers pack for large blocks only) and call the
     * same products either way.
     */
    public static PackedMatrix unpacked(FloatMatrix w) {
        return new PackedMatrix(w, null);
    }

    /** W itself. */
    public FloatMatrix matrix() {
        return matrix;
    }

    /** Whether the active kernels keep packed copies (false: products read W). */
    public boolean isPacked() {
        return packed != null;
    }

    /** Bytes of the packed copies (0 if none). */
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
