package dev.netinvert.jmh;

import dev.netinvert.solvers.parallel.Parallelism;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The benchmarks that compare one fork-join worker with two ({@code threads = 1} and {@code 2}; the
 * machine of RESULTS.md has two cores): {@link #par} is their pool, started by the subclass's setup and
 * shut down after the trial.
 */
public abstract class ThreadsBench extends Bench {

    @Param({"1", "2"})
    public int threads;

    protected Parallelism par;

    /** Call in the subclass's setup before anything made for {@link #par} (the PDHG engine splits its rows for it). */
    protected void startPool() {
        par = Parallelism.of(threads);
    }

    @TearDown
    public void closePool() {
        par.close();
    }
}
