package dev.netinvert.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A matrix W together with copies of it in the layouts in which the active kernels read it in the products D·W
 * ({@link Blas#gemmNN(float, FloatMatrix, PackedMatrix, float, FloatMatrix)}) and X·Wᵀ
 * ({@link Blas#gemmNT(float, FloatMatrix, PackedMatrix, float, FloatMatrix, FloatVec)}), made once by
 * {@link Blas#pack} for a W that serves many products: the lockstep solvers' two GEMMs per iteration, with the
 * same W every time. Or, made by {@link Blas#packForGemv}, with a copy for the GEMV
 * ({@link Blas#gemv(float, PackedMatrix, FloatVec, float, FloatVec, FloatVec)}), which the SIMD kernels read as
 * panels of eight rows where rows have at most 1 024 columns: a solver's GEMV on
 * the same W in every iteration (FISTA). (The fused gradient does not read it: its second pass over W's rows comes
 * from L1 after the first, and with the panels as the first it came from L2, 15-35 % slower on AVX2.)
 *
 * <p>An unpacked product copies W into cache-sized panels (D·W) or blocks of rows (X·Wᵀ, below 512 bits) on
 * every call (the Goto/BLIS scheme); for a batch of 64 rows against a 512 × 4096 W, the copy was 22 % of D·W and
 * 9 % of X·Wᵀ under {@code -XX:UseAVX=2}.
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
    private final MemorySegment gemvPacked;

    PackedMatrix(FloatMatrix matrix, MemorySegment packed) {
        this(matrix, packed, null);
    }

    private PackedMatrix(FloatMatrix matrix, MemorySegment packed, MemorySegment gemvPacked) {
        this.matrix = Objects.requireNonNull(matrix, "matrix");
        this.packed = packed;
        this.gemvPacked = gemvPacked;
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
        return packed != null || gemvPacked != null;
    }

    /** Bytes of the packed copies (0 if none). */
    public long packedBytes() {
        return (packed == null ? 0 : packed.byteSize()) + (gemvPacked == null ? 0 : gemvPacked.byteSize());
    }

    /** The packed copy for the GEMMs, or null. */
    MemorySegment packed() {
        return packed;
    }

    /** The packed copy for the GEMV, or null. */
    MemorySegment gemvPacked() {
        return gemvPacked;
    }

    static PackedMatrix pack(KernelSupport k, Arena arena, FloatMatrix w) {
        MemorySegment dst = copy(arena, k.gemmPackedBytes(w.rows(), w.cols()));
        if (dst != null) {
            k.gemmPack(w.segment(), w.byteOffset(), w.ld(), w.rows(), w.cols(), dst);
        }
        return new PackedMatrix(w, dst);
    }

    static PackedMatrix packForGemv(KernelSupport k, Arena arena, FloatMatrix w) {
        MemorySegment dst = copy(arena, k.gemvPackedBytes(w.rows(), w.cols()));
        if (dst != null) {
            k.gemvPack(w.segment(), w.byteOffset(), w.ld(), w.rows(), w.cols(), dst);
        }
        return new PackedMatrix(w, null, dst);
    }

    /** Room for a packed copy of {@code bytes} in {@code arena}, or null for none. */
    private static MemorySegment copy(Arena arena, long bytes) {
        Objects.requireNonNull(arena, "arena");
        return bytes == 0 ? null : arena.allocate(bytes, FloatVec.ALIGNMENT);
    }

    @Override
    public String toString() {
        return "PackedMatrix[" + matrix + (isPacked() ? ", " + packedBytes() + " bytes packed]" : ", not packed]");
    }
}
