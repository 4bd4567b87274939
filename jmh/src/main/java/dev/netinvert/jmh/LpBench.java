package dev.netinvert.jmh;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.lp.LayerPrograms;
import dev.netinvert.solvers.lp.LayerwiseInversion;
import dev.netinvert.solvers.lp.LayerwiseResult;
import dev.netinvert.solvers.lp.LinearProgram;
import dev.netinvert.solvers.lp.LpBackend;
import dev.netinvert.solvers.lp.LpSolution;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.network.SeededGaussian;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * The LPs of the layer-wise inversion of [003] on the last layer of Fig. 2's network (600 outputs,
 * 250 inputs, entries N(0, 1/600), a nonnegative input x₁ = ReLU(W₁z), z ∈ ℝ¹⁰⁰), y = G(z*) + 1e-3·U(−1, 1),
 * one LP per operation with ojAlgo:
 * <ul>
 *   <li>{@code linfInfeasible}: Alg. 1's LP (6) with δ ≤ ε at ε = 1e-5, below the noise (what most of the
 *       literal loop solves);</li>
 *   <li>{@code linfFree}: the same LP with δ unbounded (always feasible; its δ* decides every ε);</li>
 *   <li>{@code l1}: Alg. 2's LP at ε = 1e-3; {@code relaxed}: (8) at ε = 1e-3;</li>
 *   <li>{@code layerLinf}: the whole Alg. 1 on this layer from ε₀ = 1e-6 with the given {@code search}
 *       (α = 1.2); its LP count is printed once per fork.</li>
 * </ul>
 * The setup writes W.npy and x.npy to {@code target/lp-instance/} so that {@code jmh/scipy_lp.py} times
 * HiGHS on the same LPs.
 */
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class LpBench extends Bench {

    @Param({"BISECT"})
    public String search;

    private Network layer;
    private float[] y;
    private LinearProgram linfInfeasible, linfFree, l1, relaxed;
    private final LpBackend backend = LpBackend.ojAlgo();

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Network net = RandomNetworks.generator003(arena, 5, 100, 250, 600, Activation.RELU);
        FloatVec z = RandomNetworks.latent(arena, 100, 6, 1.0);
        float[] clean = net.forward(z, arena).toArray();
        y = clean.clone();
        SeededGaussian g = new SeededGaussian(7);
        for (int i = 0; i < y.length; i++) {
            y[i] += (float) (1e-3 * (2 * g.nextUniform() - 1));
        }
        DenseLayer last = net.dense(2);
        layer = Network.of(List.of(last));
        double[] x = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            x[i] = y[i];
        }
        linfInfeasible = LayerPrograms.linf(last, true, x, 1e-5, true);
        linfFree = LayerPrograms.linf(last, true, x, 1e-5, false);
        l1 = LayerPrograms.l1(last, true, x, 1e-3);
        relaxed = LayerPrograms.relaxed(last, true, x, 1e-3);
        Path dir = Path.of("target", "lp-instance");
        Files.createDirectories(dir);
        Npy.write(dir.resolve("W.npy"), last.weight());
        Npy.write(dir.resolve("x.npy"), FloatVec.of(arena, y));
        LayerwiseResult r = LayerwiseInversion.invert(layer, y, options());
        System.out.printf("%nlayerLinf %s: %d feasible + %d infeasible LPs, %d steps skipped, ε = %.3g%n", search,
                r.layers().get(0).lpsFeasible(), r.layers().get(0).lpsInfeasible(), r.layers().get(0).stepsSkipped(),
                r.layers().get(0).epsilon());
    }

    private LayerwiseInversion.Options options() {
        return LayerwiseInversion.Options.builder(LayerwiseInversion.Method.LP_LINF)
                .search(LayerwiseInversion.Search.valueOf(search)).build();
    }

    private static LpSolution expect(LpSolution s, LpSolution.Status status) {
        if (s.status() != status) {
            throw new IllegalStateException("expected " + status + ", got " + s.status());
        }
        return s;
    }

    @Benchmark
    public LpSolution linfInfeasible() {
        return expect(backend.solve(linfInfeasible), LpSolution.Status.INFEASIBLE);
    }

    @Benchmark
    public LpSolution linfFree() {
        return expect(backend.solve(linfFree), LpSolution.Status.OPTIMAL);
    }

    @Benchmark
    public LpSolution l1() {
        return expect(backend.solve(l1), LpSolution.Status.OPTIMAL);
    }

    @Benchmark
    public LpSolution relaxed() {
        return expect(backend.solve(relaxed), LpSolution.Status.OPTIMAL);
    }

    @Benchmark
    public LayerwiseResult layerLinf() {
        return LayerwiseInversion.invert(layer, y, options());
    }
}
