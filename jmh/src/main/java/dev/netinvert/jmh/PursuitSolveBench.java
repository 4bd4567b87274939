package dev.netinvert.jmh;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.parallel.Batch;
import dev.netinvert.solvers.pursuit.GradientDescent;
import dev.netinvert.solvers.pursuit.InversionResult;
import dev.netinvert.solvers.pursuit.LatentPursuit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Whole inversions at the sizes of sec. 6.1 [002] (x = tanh(W_2 ReLU(W_1 z)), n = 625, n_0 = 100,
 * n_1 = {@code n1}): {@link #SIGNALS} signals per operation, one single-threaded solve per signal, on
 * {@code threads} fork-join workers ({@link Batch}). The score divided by 32 is the time per
 * signal; the ratio of the {@code threads = 1} and {@code threads = 2} scores is the fork-join speed-up.
 * <ul>
 *   <li>{@code latentPursuit}: Alg. 5 with the defaults of sec. 6.1 (λ = 0, ρ = 1e-2, γ = 0, debiasing);</li>
 *   <li>{@code gradientDescent}: the GD baseline with momentum 0.9 and the automatic step, 10,000
 *       iterations at most (stops earlier at ‖g‖ ≤ 1e-9).</li>
 * </ul>
 * Each operation checks that no solve diverged, so a broken solver cannot post a fast time.
 */
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
public class PursuitSolveBench extends ThreadsBench {
    static final int SIGNALS = 32;

    @Param({"300"})
    public int n1;

    private Network net;
    private FloatMatrix ys;
    private double std;

    @Setup(Level.Trial)
    public void setup() {
        net = RandomNetworks.generator002(arena, 7, 100, n1, 625);
        std = RandomNetworks.latentStd(100, n1);
        FloatMatrix zs = RandomNetworks.latentBatch(arena, SIGNALS, 100, 11, std);
        ys = FloatMatrix.allocate(arena, SIGNALS, 625);
        for (int i = 0; i < SIGNALS; i++) {
            ys.row(i).copyFrom(net.forward(zs.row(i), arena).toArray());
        }
        startPool();
    }

    @Benchmark
    public List<InversionResult> latentPursuit() {
        LatentPursuit.Options o = LatentPursuit.Options.defaults();
        return checked(Batch.solveRows(ys, par, (i, y) -> LatentPursuit.solve(net, y, null, o)));
    }

    @Benchmark
    public List<InversionResult> gradientDescent() {
        return checked(Batch.solveRows(ys, par,
                (i, y) -> GradientDescent.solve(net, y, null, GradientDescent.Options.builder().seed(1000 + i).initStd(std).build())));
    }

    private static List<InversionResult> checked(List<InversionResult> rs) {
        for (InversionResult r : rs) {
            if (r.stopReason() == StopReason.DIVERGED) {
                throw new IllegalStateException(r.method() + " diverged: the timing would be meaningless");
            }
        }
        return rs;
    }
}
