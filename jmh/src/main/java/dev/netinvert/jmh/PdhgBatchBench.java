package dev.netinvert.jmh;

import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.IterationListener;
import dev.netinvert.solvers.lifted.PdhgTv;
import dev.netinvert.solvers.parallel.Parallelism;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Fork-join scaling of PDHG-TV solves at the circle's size, 200 iterations each:
 * {@code oneSolve} — one solve, the gradient split over row blocks within it; {@code batch16} — 16
 * observations against the same network, one single-threaded solve per task. Compare threads = 2
 * with threads = 1 (target ≥ 1.7× when both cores are free).
 */
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
public class PdhgBatchBench extends ThreadsBench {
    static final int ITERATIONS = 200;

    private CircleProblem p;
    private List<FloatVec> ys;
    private PdhgTv.Options options;

    @Setup(Level.Trial)
    public void setup() {
        startPool();
        p = new CircleProblem(arena, 1);
        ys = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            ys.add(new CircleProblem(arena, 1).y); // same W (same seed), noise seeds equal too: same work per solve
        }
        options = PdhgTv.Options.builder(p.alpha).maxIterations(ITERATIONS).tol(1e-30).build();
    }

    @Benchmark
    public float oneSolve() {
        return PdhgTv.solve(p.layer, p.y, 1, 64, 64, options, par, IterationListener.NONE).x()[0];
    }

    @Benchmark
    public float batch16() {
        List<ForkJoinTask<float[]>> tasks = new ArrayList<>();
        for (FloatVec y : ys) {
            tasks.add(ForkJoinTask.adapt(() -> {
                try (Parallelism one = Parallelism.sequential()) {
                    return PdhgTv.solve(p.layer, y, 1, 64, 64, options, one, IterationListener.NONE).x();
                }
            }));
        }
        float s = 0;
        if (par.pool() == null) {
            for (ForkJoinTask<float[]> t : tasks) {
                s += t.invoke()[0];
            }
        } else {
            tasks.forEach(par.pool()::execute);
            for (ForkJoinTask<float[]> t : tasks) {
                s += t.join()[0];
            }
        }
        return s;
    }
}
