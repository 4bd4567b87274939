package dev.netinvert.solvers.parallel;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ForkJoinTask;
import java.util.function.BiFunction;

/**
 * Inverts a batch of observations, one row each, with one single-threaded solve per row: the rows are the
 * units of parallelism (fork-join across signals). Used for the pursuits of [002] and, for a batch, the
 * lifted solvers of [000]. A pursuit solve is small (its matrices fit in L2) and serial by nature, so
 * splitting one solve over cores would synchronise every iteration for a few microseconds of work;
 * independent signals scale without any synchronisation. Results are identical to solving the rows one
 * after another, for any number of threads: each solve allocates its own workspace and touches nothing
 * shared but the read-only network.
 */
public final class Batch {
    private Batch() {}

    /** A thread that owns nothing: a segment it may access is not confined to some thread. */
    private static final Thread OTHER_THREAD = Thread.ofVirtual().unstarted(() -> { });

    /**
     * Solves every row of {@code observations} ({@code batch × n_L}). With more than one thread the rows
     * and everything the solves read (the network's weights) are touched by the pool's threads, so they
     * must live in memory any thread may access — {@code Arena.ofShared()}, {@code ofAuto()} or
     * {@code global()}, not {@code ofConfined()}.
     *
     * @param par   the pool ({@link Parallelism#sequential()} for one thread)
     * @param solve (row index, observation row) → result; called concurrently from the pool's threads, so it
     *              must not mutate shared state — the pursuits and the lifted solvers do not; give a solver
     *              that takes a {@link Parallelism} its own {@link Parallelism#sequential()}
     * @return the results in row order
     * @throws IllegalArgumentException if a row's solve rejects its input; the message starts with
     *                                  "observations row i: " and the unfinished solves are cancelled
     */
    public static <R> List<R> solveRows(FloatMatrix observations, Parallelism par, BiFunction<Integer, FloatVec, R> solve) {
        Objects.requireNonNull(observations, "observations");
        Objects.requireNonNull(par, "par");
        Objects.requireNonNull(solve, "solve");
        if (par.pool() != null && observations.rows() > 1 && !observations.segment().isAccessibleBy(OTHER_THREAD)) {
            throw new IllegalArgumentException("observations: the memory is confined to one thread, but fork-join over "
                    + par.threads() + " threads reads it from the pool's threads; allocate it (and the network) in "
                    + "Arena.ofShared(), Arena.ofAuto() or Arena.global(), or solve with Parallelism.sequential()");
        }
        List<ForkJoinTask<R>> tasks = new ArrayList<>(observations.rows());
        for (int i = 0; i < observations.rows(); i++) {
            int row = i;
            FloatVec yi = observations.row(i);
            tasks.add(ForkJoinTask.adapt(() -> {
                try {
                    return solve.apply(row, yi);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("observations row " + row + ": " + e.getMessage(), e);
                }
            }));
        }
        List<R> results = new ArrayList<>(tasks.size());
        if (par.pool() == null || tasks.size() <= 1) {
            tasks.forEach(t -> results.add(t.invoke()));
            return results;
        }
        tasks.forEach(t -> par.pool().execute(t));
        try {
            tasks.forEach(t -> results.add(t.join()));
        } catch (RuntimeException | Error e) {
            tasks.forEach(t -> t.cancel(false));
            throw unwrap(e);
        }
        return results;
    }

    /**
     * A task that failed on another thread is rethrown by {@code join} as a new exception of the same class
     * whose cause is the original (to keep the joining thread's stack); the caller wants the original.
     */
    private static Throwable unwrapOnce(Throwable e) {
        Throwable c = e.getCause();
        return c != null && c.getClass() == e.getClass() ? c : e;
    }

    private static RuntimeException unwrap(Throwable e) {
        Throwable t = unwrapOnce(e);
        if (t instanceof Error err) {
            throw err;
        }
        return (RuntimeException) t;
    }
}
