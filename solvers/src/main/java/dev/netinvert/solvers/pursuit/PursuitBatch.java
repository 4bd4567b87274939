package dev.netinvert.solvers.pursuit;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.parallel.Parallelism;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ForkJoinTask;
import java.util.function.BiFunction;

/**
 * Inverts a batch of observations, one row each, with one single-threaded solve per row: the rows are the
 * units of parallelism (fork-join across signals). Each pursuit solve is small (its matrices fit in L2)
 * and serial by nature, so splitting one solve over cores would synchronise every iteration for a few
 * microseconds of work; independent signals scale without any synchronisation. Results are identical to
 * solving the rows one after another, for any number of threads: each solve allocates its own workspace
 * and touches nothing shared but the read-only network.
 */
public final class PursuitBatch {
    private PursuitBatch() {}

    /**
     * Solves every row of {@code observations} ({@code batch × n_L}).
     *
     * @param par   the pool ({@link Parallelism#sequential()} for one thread)
     * @param solve (row index, observation row) → result; called concurrently from the pool's threads, so it
     *              must not mutate shared state — the solvers of this package do not
     * @return the results in row order
     */
    public static List<InversionResult> solve(FloatMatrix observations, Parallelism par,
                                              BiFunction<Integer, FloatVec, InversionResult> solve) {
        Objects.requireNonNull(observations, "observations");
        Objects.requireNonNull(par, "par");
        Objects.requireNonNull(solve, "solve");
        List<ForkJoinTask<InversionResult>> tasks = new ArrayList<>(observations.rows());
        for (int i = 0; i < observations.rows(); i++) {
            int row = i;
            FloatVec yi = observations.row(i);
            tasks.add(ForkJoinTask.adapt(() -> solve.apply(row, yi)));
        }
        List<InversionResult> results = new ArrayList<>(tasks.size());
        if (par.pool() == null || tasks.size() <= 1) {
            tasks.forEach(t -> results.add(t.invoke()));
        } else {
            tasks.forEach(t -> par.pool().execute(t));
            tasks.forEach(t -> results.add(t.join()));
        }
        return results;
    }
}
