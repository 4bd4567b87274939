package dev.netinvert.solvers.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.solvers.parallel.Parallelism;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link Blocks#run} when a block fails: the first failure in row order reaches the caller, and only after every
 * block that had started has finished, so that the caller may free what the blocks use (the lockstep solvers
 * close the arena of their packed weights right after). Before, the other blocks were cancelled with
 * {@code cancel(false)}, which marks a running task done without stopping it, and the failure was rethrown while
 * they still ran. This class sits in the solvers' package for the package-private {@code Blocks}.
 */
class BlocksFailureTest {
    private static final RuntimeException BOOM = new IllegalStateException("block 0 failed");

    @Test
    void aFailureIsRethrownOnlyAfterTheRunningBlocksHaveFinished() {
        try (Arena arena = Arena.ofShared()) {
            FloatMatrix observations = FloatMatrix.allocate(arena, 8, 3);
            try (Parallelism par = Parallelism.of(2)) {
                AtomicInteger running = new AtomicInteger(), started = new AtomicInteger();
                CountDownLatch another = new CountDownLatch(1);
                RuntimeException thrown = assertThrows(RuntimeException.class, () -> Blocks.run(observations, 1, par,
                        block -> {
                            started.incrementAndGet();
                            if (block.byteOffset() == observations.byteOffset()) { // row 0
                                awaitQuietly(another);
                                throw BOOM;
                            }
                            running.incrementAndGet();
                            another.countDown();
                            sleepQuietly(300); // still running when block 0 fails
                            running.decrementAndGet();
                            return List.of(block.rows());
                        }));
                assertTrue(thrown == BOOM || thrown.getCause() == BOOM, () -> "expected block 0's failure, got " + thrown);
                assertEquals(0, running.get(), "blocks still running when the failure reached the caller");
                assertTrue(started.get() < 8, "blocks not yet started when block 0 failed should be skipped, "
                        + "but all 8 ran");
            }
        }
    }

    @Test
    void withoutFailureEveryBlockRunsInRowOrder() {
        try (Arena arena = Arena.ofShared()) {
            FloatMatrix observations = FloatMatrix.allocate(arena, 7, 2);
            try (Parallelism par = Parallelism.of(2)) {
                List<Long> rows = Blocks.run(observations, 3, par, block -> List.of(
                        (block.byteOffset() - observations.byteOffset()) / (2L * Float.BYTES),
                        (long) block.rows()));
                assertEquals(List.of(0L, 3L, 3L, 3L, 6L, 1L), rows);
            }
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
