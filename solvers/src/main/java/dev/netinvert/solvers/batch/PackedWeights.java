package dev.netinvert.solvers.batch;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.PackedMatrix;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * The weights of a lockstep solve packed once for all its blocks ({@link LockstepGradient#packs}: only when a
 * block can hold more than {@link LockstepGradient#FUSED_MAX_ROWS} observations), in a shared arena that
 * {@link #close} frees once every block is done. One copy per solve, whatever the number of blocks and threads:
 * the copies are as large as W with 512-bit vectors, twice as large below ({@link dev.netinvert.kernels.PackedMatrix}).
 */
final class PackedWeights implements AutoCloseable {
    private final Arena arena;
    private final PackedMatrix[] packed;

    /**
     * @param weights  the matrices to pack, in the order {@link #get} knows them by
     * @param capacity the most observations of one block: min(batch size, observations)
     */
    PackedWeights(List<FloatMatrix> weights, int capacity) {
        packed = new PackedMatrix[weights.size()];
        arena = LockstepGradient.packs(capacity) ? Arena.ofShared() : null;
        for (int i = 0; i < packed.length; i++) {
            packed[i] = arena != null ? Blas.pack(arena, weights.get(i)) : PackedMatrix.unpacked(weights.get(i));
        }
    }

    /** The i-th matrix, packed when the blocks are large enough. */
    PackedMatrix get(int i) {
        return packed[i];
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        }
    }
}
