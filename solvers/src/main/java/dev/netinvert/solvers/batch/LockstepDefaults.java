package dev.netinvert.solvers.batch;

/**
 * The default number of observations per lockstep block, and how the command line picks B for a batch.
 *
 * <p>Measured (jmh/RESULTS-batch.md, LockstepBench, one thread): the throughput of a PDHG-TV iteration in
 * observations·iterations per second grows with B while the GEMMs' reuse of W grows, and levels off once the
 * per-image stencil work dominates; {@link #BATCH_SIZE} is where it levelled off at the circle's 512×4096 and
 * at 100×784. Beyond that a larger block only delays the first results and holds more memory
 * (5·B·n floats).
 */
public final class LockstepDefaults {
    private LockstepDefaults() {}

    /** Observations per block when there are enough of them to keep every thread busy. */
    public static final int BATCH_SIZE = 64;

    /**
     * B for {@code n} observations on {@code threads} threads: {@link #BATCH_SIZE}, but no more than
     * ⌈n / threads⌉, so that every thread gets a block (blocks are the unit of parallelism).
     */
    public static int batchSize(int n, int threads) {
        if (n < 1 || threads < 1) {
            throw new IllegalArgumentException("n and threads must be >= 1, got " + n + " and " + threads);
        }
        return Math.max(1, Math.min(BATCH_SIZE, (n + threads - 1) / threads));
    }
}
