package dev.netinvert.solvers.batch;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.Prox;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.parallel.Parallelism;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Fork-join over blocks of observations: rows [0, B), [B, 2B), … of the observation matrix, each block
 * solved by one task on one thread. The partition depends only on B, so results do not depend on the
 * number of threads.
 */
final class Blocks {
    private Blocks() {}

    /** A thread that owns nothing: a segment it may access is not confined to some thread. */
    private static final Thread OTHER_THREAD = Thread.ofVirtual().unstarted(() -> { });

    /** The shapes, the batch size and every row's domain, with messages naming the row. */
    static void checkObservations(DenseLayer layer, FloatMatrix observations, int batchSize) {
        Objects.requireNonNull(observations, "observations");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        int m = layer.weight().rows();
        if (observations.cols() != m) {
            throw new IllegalArgumentException("observations: expected " + m + " columns (W.rows), got "
                    + observations.rows() + "×" + observations.cols());
        }
        if (observations.rows() < 1) {
            throw new IllegalArgumentException("observations: expected at least 1 row, got 0");
        }
        for (int i = 0; i < observations.rows(); i++) {
            try {
                Prox.checkDomain("y", layer.activation(), observations.row(i));
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("observations row " + i + ": " + ex.getMessage(), ex);
            }
        }
    }

    /**
     * Runs {@code solve} on every block (a view of B rows, fewer for the last) and concatenates the results in
     * row order. Blocks run in {@code par}'s pool when it has one and there are several blocks.
     *
     * <p>If a block fails, the blocks that have not started yet are skipped, and this method waits for those
     * already running to finish before it rethrows the first failure in row order. So when it returns or throws,
     * no task of this call still runs: a caller may then free what the blocks read (the lockstep solvers' packed
     * weights) or write. {@code ForkJoinTask.cancel} cannot give that: it marks a running task done without
     * stopping it.
     */
    static <R> List<R> run(FloatMatrix observations, int batchSize, Parallelism par, Function<FloatMatrix, List<R>> solve) {
        Objects.requireNonNull(par, "par");
        int n = observations.rows(), blocks = (n + batchSize - 1) / batchSize;
        boolean parallel = par.pool() != null && blocks > 1;
        if (parallel && !observations.segment().isAccessibleBy(OTHER_THREAD)) {
            throw new IllegalArgumentException("observations: the memory is confined to one thread, but fork-join over "
                    + par.threads() + " threads reads it from the pool's threads; allocate it (and the network) in "
                    + "Arena.ofShared(), Arena.ofAuto() or Arena.global(), or solve with Parallelism.sequential()");
        }
        AtomicBoolean failed = new AtomicBoolean();
        List<ForkJoinTask<List<R>>> tasks = new ArrayList<>(blocks);
        for (int i = 0; i < blocks; i++) {
            FloatMatrix block = observations.rows(i * batchSize, Math.min(n, (i + 1) * batchSize));
            tasks.add(ForkJoinTask.adapt(() -> {
                if (failed.get()) {
                    return List.<R>of(); // skipped: an earlier block failed, the results are discarded
                }
                try {
                    return solve.apply(block);
                } catch (RuntimeException | Error e) {
                    failed.set(true);
                    throw e;
                }
            }));
        }
        List<R> results = new ArrayList<>(n);
        if (!parallel) {
            tasks.forEach(t -> results.addAll(t.invoke()));
            return results;
        }
        tasks.forEach(t -> par.pool().execute(t));
        tasks.forEach(ForkJoinTask::quietlyJoin); // every task done (run, skipped or failed) before anything else
        for (ForkJoinTask<List<R>> t : tasks) {
            results.addAll(t.join()); // rethrows the first failure in row order
        }
        return results;
    }

}
