package dev.netinvert.jmh;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.IterationListener;
import dev.netinvert.solvers.experiments.CircleExperiment;
import dev.netinvert.solvers.experiments.Phantoms;
import dev.netinvert.solvers.lifted.LiftedCoordinateDescent;
import dev.netinvert.solvers.lifted.PdhgTv;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.Observations;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.parallel.Parallelism;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Time to steady speed in a fresh JVM (issue 10, target 7): one solve, one thread, with the end of every iteration
 * time-stamped by its {@link IterationListener}, so that the first 100 and 1 000 iterations can be set against the
 * steady state of the same run. Run it once per JVM, several JVMs in a row (the first solve of a JVM is the point):
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED &lt;README "JVM flags"&gt; \
 *        -cp jmh/target/benchmarks.jar dev.netinvert.jmh.WarmUpCurve circle|lifted-cd
 * </pre>
 *
 * <ul>
 *   <li>{@code circle}: the circle experiment's PDHG-TV solve (the problem of {@link CircleExperiment#run}: 10 000
 *       iterations on the 512 × 4096 layer, the paper's defaults, with the history sample every 10 iterations).</li>
 *   <li>{@code lifted-cd}: the 256 → 192 → 384 ReLU network of RESULTS.md's small-problem sections (seed 7,
 *       fan-in scaling, bias 0.05), its clean output of a 16 × 16 disc, 2 000 outer iterations of 10 inner each
 *       ({@code --tol 1e-30} in the CLI's terms, so that every run does the same work).</li>
 * </ul>
 *
 * Prints the JVM's uptime when the solve started, the mean time per iteration over iterations 1-100, 101-1 000 and
 * the rest, the steady rate (the median of the 100-iteration windows' means over the last fifth of the run), the
 * warm-up's cost (the solve's time less its iterations at the steady rate) and the iteration and time by which 90 %
 * of that cost was paid.
 */
public final class WarmUpCurve {
    private WarmUpCurve() {}

    /** Stamps the end of every iteration; allocation-free after construction. */
    private static final class Stamps implements IterationListener {
        final long[] ns;
        int last;

        Stamps(int iterations) {
            ns = new long[iterations + 1];
        }

        @Override
        public void onIteration(int iteration, int maxIterations) {
            if (iteration < ns.length) {
                ns[iteration] = System.nanoTime();
                last = Math.max(last, iteration);
            }
        }

        @Override
        public int every() {
            return 1;
        }
    }

    public static void main(String[] args) {
        String which = args.length > 0 ? args[0] : "circle";
        long uptimeAtStart = ManagementFactory.getRuntimeMXBean().getUptime();
        Stamps stamps;
        switch (which) {
            case "circle" -> {
                CircleExperiment.Config c = CircleExperiment.Config.paper();
                stamps = new Stamps(c.pdhg().maxIterations());
                try (Arena arena = Arena.ofShared()) { // CircleExperiment.run's problem, its PDHG solve alone
                    Network net = RandomNetworks.perceptron000(arena, c.seed(), c.weightStd());
                    FloatVec y = Observations.noisy(net, FloatVec.of(arena, Phantoms.paperCircle()),
                            new Observations.Noise.Gaussian(c.noiseStd()), c.seed() + 1, true, arena);
                    stamps.ns[0] = System.nanoTime();
                    PdhgTv.solve(net.dense(1), y, 1, 64, 64, c.pdhg(), Parallelism.sequential(), stamps);
                }
            }
            case "lifted-cd" -> {
                int outer = 2000;
                stamps = new Stamps(outer);
                try (Arena arena = Arena.ofShared()) {
                    Network net = RandomNetworks.gaussianWithBias(arena, 7, new int[] {256, 192, 384},
                            List.of(Activation.RELU, Activation.RELU), RandomNetworks.WeightScale.fanIn(), 0.05);
                    FloatVec y = Observations.realizable(net,
                            FloatVec.of(arena, Phantoms.disc(16, 16, 7.5, 7.5, 5.2)), arena);
                    LiftedCoordinateDescent.Options o = LiftedCoordinateDescent.Options.builder()
                            .maxOuterIterations(outer).tol(1e-30).build();
                    stamps.ns[0] = System.nanoTime();
                    LiftedCoordinateDescent.solve(net.layers(), y, 1, 16, 16, o, Parallelism.sequential(), stamps);
                }
            }
            default -> throw new IllegalArgumentException("expected circle or lifted-cd, got " + which);
        }
        report(which, uptimeAtStart, stamps);
    }

    private static void report(String which, long uptimeMs, Stamps s) {
        int n = s.last;
        if (n < 1100) {
            throw new IllegalStateException(which + ": only " + n + " iterations stamped");
        }
        long[] t = s.ns;
        int window = 100, windows = n / window;
        double[] mean = new double[windows]; // µs per iteration in window w: iterations (w·100, (w+1)·100]
        for (int w = 0; w < windows; w++) {
            mean[w] = (t[(w + 1) * window] - t[w * window]) / 1e3 / window;
        }
        double[] tail = Arrays.copyOfRange(mean, windows - windows / 5, windows);
        Arrays.sort(tail);
        double steady = tail[tail.length / 2];
        // The warm-up's cost: what the solve took beyond n iterations at the steady rate; and when 90 % of it was
        // paid (a host's noise makes "every later window within x %" land anywhere in the run).
        double solve = (t[n] - t[0]) / 1e9, excess = solve - n * steady / 1e6;
        int paid = 0;
        while (paid < n && (t[paid] - t[0]) / 1e9 - paid * steady / 1e6 < 0.9 * excess) {
            paid++;
        }
        System.out.printf(Locale.ROOT, "%s kernels=%s-%d uptime-at-start %.2f s | µs/iter: 1-100 %.1f, 101-1000 %.1f,"
                        + " 1001-%d %.1f, steady %.1f | solve %.2f s, at the steady rate %.2f s: warm-up costs %.2f s,"
                        + " 90 %% of it paid by iteration %d (%.2f s into the solve)%n",
                which, Blas.active().name(), Blas.active().vectorBitSize(), uptimeMs / 1e3,
                (t[100] - t[0]) / 1e3 / 100, (t[1000] - t[100]) / 1e3 / 900, n, (t[n] - t[1000]) / 1e3 / (n - 1000),
                steady, solve, n * steady / 1e6, excess, paid, (t[paid] - t[0]) / 1e9);
    }
}
