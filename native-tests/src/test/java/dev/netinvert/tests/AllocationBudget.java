package dev.netinvert.tests;

/**
 * How long an allocation test may wait for C2 before a non-zero count is read as allocation. C2 compiles
 * asynchronously, on the same two cores as the test: on a quiet machine the iterations reach 0 B within
 * 2-10 s, but with the cores oversubscribed (load 8-15, seen while other builds ran) 30 s was not always
 * enough. A passing test stops at its first clean round, so the budget costs time only when it fails.
 */
public final class AllocationBudget {
    private AllocationBudget() {}

    public static final long NANOS = 90_000_000_000L;

    /**
     * The fewest bytes that 200 runs of {@code pass} allocated in one round, measured with the thread's
     * allocated-bytes counter. Rounds repeat, at least 20 and then until one is clean or {@link #NANOS} has
     * passed, because C2 compiles asynchronously: a pass allocates until its kernels are compiled and their
     * vector temporaries scalar-replaced.
     */
    public static long bestRound(Runnable pass) {
        return bestRound(pass, 0);
    }

    /**
     * As {@link #bestRound(Runnable)}, but stops as soon as a round allocates no more than {@code target} bytes
     * (for a known, bounded allocation: waiting for 0 would spend the whole budget).
     */
    public static long bestRound(Runnable pass, long target) {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long best = Long.MAX_VALUE;
        long deadline = System.nanoTime() + NANOS;
        for (int round = 0; best > target && (round < 20 || System.nanoTime() < deadline); round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int k = 0; k < 200; k++) {
                pass.run();
            }
            best = Math.min(best, mx.getCurrentThreadAllocatedBytes() - before);
        }
        return best;
    }

    /**
     * Fails unless some round of 200 runs of {@code pass} allocates 0 bytes ({@link #bestRound(Runnable)}). The
     * GEMM-based passes were held to 32 KB per call below 512 bits until the packing of {@code simd.SimdGemm}
     * stopped using vectors; every width now gets 0.
     */
    public static void assertNothingOnceWarm(Runnable pass, String what) {
        long bytes = bestRound(pass);
        if (bytes != 0) {
            throw new AssertionError(what + ": " + bytes + " bytes in the best round of 200 at "
                    + dev.netinvert.kernels.Blas.active().vectorBitSize() + " bits (expected 0)");
        }
    }
}
