package dev.netinvert.solvers.cli;

import dev.netinvert.solvers.experiments.PursuitSweep;
import dev.netinvert.solvers.io.AtomicFiles;
import dev.netinvert.solvers.parallel.Parallelism;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code pursuit-sweep}: the random-weight experiment of sec. 6.1 [002] (Fig. 4). */
@Command(name = "pursuit-sweep", mixinStandardHelpOptions = true,
        description = {"The random-weight experiment of sec. 6.1 [002]: x = tanh(W2 ReLU(W1 z)) with N(0,1) weights, n1 swept; "
                + "SNR of z and of the hidden layer for gradient descent, Layered Basis-Pursuit, Latent-Pursuit and the Oracle.",
                "Writes runs.csv (every inversion), summary.json (quantiles per n1 and method), snr-z.png and snr-x1.png "
                        + "(median with 10/25/75/90%% quantiles, dashed line at n1/2 = n0) to --out."})
final class PursuitSweepCommand implements Callable<Integer> {

    @Option(names = "--n0", defaultValue = "100", description = "Latent size (paper: 100 or 200; default ${DEFAULT-VALUE}).")
    int n0;

    @Option(names = "--n", defaultValue = "625", description = "Output size (default ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--n1", defaultValue = "50,100,150,200,250,300,400,500,625,750,1000", split = ",",
            description = "Hidden sizes (default ${DEFAULT-VALUE}).")
    int[] n1s;

    @Option(names = "--signals", defaultValue = "32", description = "Signals per n1 (paper: 512; default ${DEFAULT-VALUE}).")
    int signals;

    @Option(names = "--methods", defaultValue = "gd,layered-bp,latent-pursuit,oracle", split = ",",
            description = "Methods (default ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--gd-iter", defaultValue = "2000", description = "Gradient-descent iterations (paper: 10000; default ${DEFAULT-VALUE}).")
    int gdIter;

    @Option(names = "--mask-fraction", defaultValue = "0", description = "Fraction of outputs hidden at random (inpainting; "
            + "the paper uses 0.45; default ${DEFAULT-VALUE}).")
    double maskFraction;

    @Option(names = "--mask-upper", description = "Hide the upper rows of the output seen as a square image (n must be a "
            + "perfect square; the paper's second inpainting mask) instead of random outputs.")
    boolean maskUpper;

    @Mixin
    SweepOptions sweep;

    @Override
    public Integer call() throws Exception {
        PursuitSweep.Config c = new PursuitSweep.Config(n0, n, n1s, signals, List.copyOf(methods), gdIter, maskFraction, maskUpper, sweep.seed);
        List<PursuitSweep.Run> runs;
        try (Parallelism par = sweep.run.parallelism()) {
            runs = PursuitSweep.run(c, par, sweep.run.progress(n1 -> "n1 = " + n1 + " done"));
        }
        Path dir = sweep.run.createdOut();
        AtomicFiles.write(dir.resolve("runs.csv"), PursuitSweep.csv(runs).getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(dir.resolve("snr-z.png"), PursuitSweep.plot(runs, c, false));
        AtomicFiles.write(dir.resolve("snr-x1.png"), PursuitSweep.plot(runs, c, true));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("experiment", "[002] sec. 6.1, x = tanh(W2 ReLU(W1 z))");
        json.put("n0", n0);
        json.put("n", n);
        json.put("signals", signals);
        json.put("mask_fraction", maskFraction);
        json.put("mask", maskFraction == 0 ? "none" : maskUpper ? "upper-rows" : "random");
        json.put("seed", sweep.seed);
        List<Object> summary = new ArrayList<>();
        for (int n1 : n1s) {
            for (String m : methods) {
                double[] z = runs.stream().filter(r -> r.n1() == n1 && r.method().equals(m)).mapToDouble(PursuitSweep.Run::snrZ).toArray();
                double[] h = runs.stream().filter(r -> r.n1() == n1 && r.method().equals(m)).mapToDouble(PursuitSweep.Run::snrHidden).toArray();
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("n1", n1);
                e.put("method", m);
                e.put("snr_z_db", quantiles(z));
                e.put("snr_x1_db", quantiles(h));
                summary.add(e);
                if (!sweep.run.quiet()) {
                    System.out.printf(Locale.ROOT, "n1 = %4d  %-15s median SNR z %7.1f dB, x1 %7.1f dB%n", n1, m,
                            PursuitSweep.quantile(z, 0.5), PursuitSweep.quantile(h, 0.5));
                }
            }
        }
        json.put("summary", summary);
        Json.write(dir.resolve("summary.json"), json);
        if (!sweep.run.quiet()) {
            System.out.println("written to " + dir.toAbsolutePath().normalize() + ": runs.csv, summary.json, snr-z.png, snr-x1.png");
        }
        return 0;
    }

    /** 10/25/50/75/90% quantiles; +∞ (exact) becomes null in JSON. */
    private static Map<String, Object> quantiles(double[] v) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (double q : new double[] {0.1, 0.25, 0.5, 0.75, 0.9}) {
            m.put("q" + (int) Math.round(q * 100), Json.finite(PursuitSweep.quantile(v, q)));
        }
        return m;
    }
}
