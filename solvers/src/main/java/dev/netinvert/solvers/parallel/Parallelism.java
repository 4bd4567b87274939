package dev.netinvert.solvers.parallel;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * How many threads a solve may use. One thread runs everything in the caller; more threads run the
 * solve inside a private {@link ForkJoinPool}, where {@link BlockRunner}s split kernels over fixed
 * blocks. Close it to stop the pool's threads.
 */
public final class Parallelism implements AutoCloseable {
    private final int threads;
    private final ForkJoinPool pool;

    private Parallelism(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads);
    }

    /** Everything on the calling thread. */
    public static Parallelism sequential() {
        return new Parallelism(1);
    }

    /** A pool of {@code threads} workers ({@code 1} = sequential). */
    public static Parallelism of(int threads) {
        return new Parallelism(threads);
    }

    /** One worker per available processor. */
    public static Parallelism available() {
        return new Parallelism(Runtime.getRuntime().availableProcessors());
    }

    public int threads() {
        return threads;
    }

    /** The pool, or null when sequential; for running independent tasks (e.g. one solve per observation). */
    public ForkJoinPool pool() {
        return pool;
    }

    /**
     * Runs {@code body} so that the block runners it uses can fork work: inside the pool when there is
     * one, otherwise directly. Exceptions thrown by {@code body} propagate unchanged.
     */
    public <T> T call(Callable<T> body) {
        if (pool == null || ForkJoinTask.inForkJoinPool()) {
            try {
                return body.call();
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        try {
            return pool.submit(body).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while solving", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(c);
        }
    }

    /**
     * A runner that calls {@code body.accept(i)} for every block {@code i < blocks}, in parallel when
     * this has several threads and the caller runs inside the pool ({@link #call}). Its tasks are
     * allocated here, once, and re-armed on every {@link BlockRunner#run()}, so running allocates nothing.
     */
    public BlockRunner blockRunner(int blocks, IntConsumer body) {
        return new BlockRunner(blocks, body, pool != null);
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
        }
    }

    /** Runs a fixed set of block tasks; see {@link Parallelism#blockRunner}. */
    public static final class BlockRunner {
        private final IntConsumer body;
        private final BlockTask[] tasks;
        private final boolean parallel;

        BlockRunner(int blocks, IntConsumer body, boolean parallel) {
            this.body = body;
            this.parallel = parallel && blocks > 1;
            this.tasks = new BlockTask[blocks];
            for (int i = 0; i < blocks; i++) {
                tasks[i] = new BlockTask(body, i);
            }
        }

        public int blocks() {
            return tasks.length;
        }

        /** Runs every block and returns when all are done. */
        public void run() {
            if (!parallel || !ForkJoinTask.inForkJoinPool()) {
                for (int i = 0; i < tasks.length; i++) {
                    body.accept(i);
                }
                return;
            }
            for (BlockTask t : tasks) {
                t.reinitialize();
            }
            ForkJoinTask.invokeAll(tasks);
        }
    }

    private static final class BlockTask extends RecursiveAction {
        private final IntConsumer body;
        private final int index;

        BlockTask(IntConsumer body, int index) {
            this.body = body;
            this.index = index;
        }

        @Override
        protected void compute() {
            body.accept(index);
        }
    }
}
