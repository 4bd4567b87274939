package dev.netinvert.solvers.parallel;

/**
 * A fixed partition of {@code [0, n)} into contiguous blocks. The partition depends only on {@code n}
 * and the block size — never on the number of threads — so that block-wise partial results combined
 * in block order are bit-identical for 1, 2 or 16 threads (DESIGN.md decision 7).
 */
public record RowBlocks(int n, int blockSize) {

    public RowBlocks {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, got " + n);
        }
        if (blockSize < 1) {
            throw new IllegalArgumentException("blockSize must be >= 1, got " + blockSize);
        }
    }

    /**
     * W smaller than this many elements (1 MiB of float32) is one block, run by the calling thread: one
     * pass over it takes ≲ 10 µs, and a fork-join hand-off plus the sum of per-block partial gradients cost
     * several µs of their own (the 192 × 256 layers of a small lifted problem spent most of their time there).
     */
    public static final long MIN_PARALLEL_ELEMENTS = 1L << 18;

    /**
     * Blocks for a {@code rows} × {@code cols} matrix: one block when it has fewer than
     * {@link #MIN_PARALLEL_ELEMENTS} elements; otherwise about 64 rows each (a multiple of the kernels'
     * 4-row blocking) and at most 16 blocks, enough to balance 2-8 workers without making the final sum of
     * partials (one vector per block) costly. The partition depends on the shape only, never on the number
     * of threads, so results are bit-identical for any thread count.
     */
    public static RowBlocks forMatrix(int rows, int cols) {
        if ((long) rows * cols < MIN_PARALLEL_ELEMENTS) {
            return new RowBlocks(rows, Math.max(1, rows));
        }
        int size = Math.max(64, ((rows + 15) / 16 + 3) / 4 * 4);
        return new RowBlocks(rows, size);
    }

    public int count() {
        return n == 0 ? 0 : (n + blockSize - 1) / blockSize;
    }

    public int start(int block) {
        return block * blockSize;
    }

    public int end(int block) {
        return Math.min(n, (block + 1) * blockSize);
    }
}
