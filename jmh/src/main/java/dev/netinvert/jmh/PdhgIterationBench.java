package dev.netinvert.jmh;

import dev.netinvert.kernels.Activation;
import dev.netinvert.solvers.lifted.PdhgEngine;
import dev.netinvert.solvers.lifted.ReferencePdhgTv;
import dev.netinvert.solvers.parallel.Parallelism;
import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One PDHG iteration (14a)+(14b) [000] of the circle experiment: 64×64 image, W 512×4096, ReLU,
 * isotropic TV. {@code fast} is the solver's step (fused gradient over fixed row blocks, fused primal
 * and dual stencil steps) with {@code threads} threads; {@code reference} the same iteration on the
 * plain-array reference kernels. 20 iterations per invocation, so that the fork-join entry is amortised;
 * the score is per iteration. Compare with {@code jmh/numpy_pdhg.py}, the same iteration in NumPy.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Benchmark)
public class PdhgIterationBench {
    static final int STEPS = 20;

    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private Parallelism par;
    private CircleProblem p;
    private PdhgEngine engine;
    private ReferencePdhgTv reference;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        par = Parallelism.of(threads);
        p = new CircleProblem(arena, 1);
        engine = new PdhgEngine(arena, p.layer, 1, 64, 64, true, p.alpha, p.tauX, p.tauZ, par);
        reference = new ReferencePdhgTv(p.layer.weight().toArray(), 512, 4096, p.layer.bias().toArray(),
                Activation.RELU, p.y.toArray(), 1, 64, 64, p.alpha, p.tauX, p.tauZ, true);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        par.close();
        arena.close();
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public double fast() {
        return par.call(this::steps);
    }

    private double steps() {
        for (int k = 0; k < STEPS; k++) {
            engine.step(p.y);
        }
        return engine.primalChangeSquared();
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public double reference() {
        if (threads != 1) {
            return 0; // the reference is single-threaded; one measurement is enough
        }
        for (int k = 0; k < STEPS; k++) {
            reference.step();
        }
        return 0;
    }
}
