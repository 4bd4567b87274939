package dev.netinvert.solvers.cli;

import dev.netinvert.solvers.experiments.LpSweep;
import dev.netinvert.solvers.io.AtomicFiles;
import dev.netinvert.solvers.parallel.Parallelism;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lp-sweep noise|success}: the synthetic experiments of sec. 5.1 [003] (Figs. 1a/b and 2). */
@Command(name = "lp-sweep", mixinStandardHelpOptions = true,
        description = {"The synthetic experiments of sec. 5.1 [003] for the layer-wise LP inversion, on generators with "
                + "N(0, 1/n_out) weights and no bias:",
                "  noise   (Fig. 1a/b) 20 -> 100 -> 500 ReLU, y = G(z*) + a*noise, a in {1e-1 .. 1e-6}: relative error of z "
                        + "against relative noise for lp-linf, lp-l1, lp-relaxed and gd;",
                "  success (Fig. 2) k -> 250 -> 600, noiseless, k swept: the rate of runs with ||z - z*||/||z*|| <= 1e-3, "
                        + "ReLU and leaky ReLU panels, for exact, the LPs and gd.",
                "Writes runs.csv (every inversion), summary.json and the plots (noise.png, or success-relu.png and "
                        + "success-leaky_relu.png) to --out."})
final class LpSweepCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "noise or success")
    String experiment;

    @Option(names = "--hidden", description = "Hidden width (default: noise 100, success 250, as in [003]).")
    Integer hidden;

    @Option(names = "--n", description = "Output width (default: noise 500, success 600, as in [003]).")
    Integer n;

    @Option(names = "--runs", defaultValue = "10", description = "Runs per point (the paper: 200; default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--noise", defaultValue = "uniform", description = "noise: uniform (a*U(-1,1)) or gaussian (a*N(0,1)) "
            + "(default ${DEFAULT-VALUE}).")
    String noise;

    @Option(names = "--levels", split = ",", description = "noise: the levels a (default 1e-1,1e-2,...,1e-6).")
    double[] levels;

    @Option(names = "--k", split = ",", description = "Latent sizes: noise uses the first (default 20); success sweeps them "
            + "(default 10,30,50,70,90,110,130,150).")
    int[] k;

    @Option(names = "--methods", split = ",", description = "Methods, any of exact, lp-linf, lp-l1, lp-relaxed, gd "
            + "(default: noise lp-linf,lp-l1,lp-relaxed,gd; success all).")
    List<String> methods;

    @Option(names = "--relu-only", description = "success: skip the leaky-ReLU panel.")
    boolean reluOnly;

    @Mixin
    SweepOptions sweep;

    @Override
    public Integer call() throws Exception {
        LpSweep.Config c = config();
        List<LpSweep.Run> all;
        try (Parallelism par = sweep.run.parallelism()) {
            all = LpSweep.run(c, par, sweep.run.progress(p -> "point " + (p + 1) + " done"));
        }
        Path out = sweep.run.createdOut();
        AtomicFiles.write(out.resolve("runs.csv"), LpSweep.csv(all).getBytes(StandardCharsets.UTF_8));
        List<String> files = new ArrayList<>(List.of("runs.csv", "summary.json"));
        if (c.experiment().equals("noise")) {
            AtomicFiles.write(out.resolve("noise.png"), LpSweep.noisePlot(all, c));
            files.add("noise.png");
        } else {
            for (String act : all.stream().map(LpSweep.Run::activation).distinct().toList()) {
                AtomicFiles.write(out.resolve("success-" + act + ".png"), LpSweep.successPlot(all, c, act));
                files.add("success-" + act + ".png");
            }
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("experiment", "[003] sec. 5.1 " + c.experiment());
        json.put("k", Arrays.stream(c.k()).boxed().toList());
        json.put("hidden", c.hidden());
        json.put("n", c.n());
        json.put("runs", c.runs());
        json.put("seed", c.seed());
        if (c.experiment().equals("noise")) {
            json.put("noise", c.noise().label());
        }
        List<Object> summary = new ArrayList<>();
        for (String act : all.stream().map(LpSweep.Run::activation).distinct().toList()) {
            for (int kk : c.k()) {
                for (double a : c.experiment().equals("noise") ? c.levels() : new double[] {0}) {
                    for (String m : c.methods()) {
                        List<LpSweep.Run> pts = all.stream().filter(r -> r.activation().equals(act) && r.k() == kk
                                && r.level() == a && r.method().equals(m)).toList();
                        if (pts.isEmpty()) {
                            continue;
                        }
                        double[] err = pts.stream().mapToDouble(LpSweep.Run::relativeError).toArray();
                        double rate = pts.stream().filter(LpSweep.Run::success).count() / (double) pts.size();
                        double medErr = LpSweep.median(err), medNoise = LpSweep.median(pts.stream().mapToDouble(LpSweep.Run::relativeNoise).toArray());
                        double secs = LpSweep.median(pts.stream().mapToDouble(LpSweep.Run::seconds).toArray());
                        Map<String, Object> e = new LinkedHashMap<>();
                        e.put("activation", act);
                        e.put("k", kk);
                        e.put("level", a);
                        e.put("method", m);
                        e.put("median_relative_noise", Json.finite(medNoise));
                        e.put("median_relative_error", Json.finite(medErr));
                        e.put("success_rate", rate);
                        e.put("refused", pts.stream().filter(r -> !r.failure().isEmpty()).count());
                        e.put("median_seconds", secs);
                        summary.add(e);
                        if (!sweep.run.quiet()) {
                            System.out.printf(Locale.ROOT, "%-10s k %3d  a %-7.0e %-10s median rel. error %9.3e  success %5.1f%%  %.3f s%n",
                                    act, kk, a, m, medErr, 100 * rate, secs);
                        }
                    }
                }
            }
        }
        json.put("summary", summary);
        Json.write(out.resolve("summary.json"), json);
        if (!sweep.run.quiet()) {
            System.out.println("written to " + out.toAbsolutePath().normalize() + ": " + String.join(", ", files));
        }
        return 0;
    }

    LpSweep.Config config() {
        LpSweep.Noise kind = switch (noise) {
            case "uniform" -> LpSweep.Noise.UNIFORM;
            case "gaussian" -> LpSweep.Noise.GAUSSIAN;
            default -> throw new IllegalArgumentException("--noise: expected uniform or gaussian, got '" + noise + "'");
        };
        LpSweep.Config d = switch (experiment) {
            case "noise" -> LpSweep.Config.noise(kind, runs, sweep.seed);
            case "success" -> LpSweep.Config.success(new int[] {10, 30, 50, 70, 90, 110, 130, 150}, runs, sweep.seed);
            default -> throw new IllegalArgumentException("experiment: expected noise or success, got '" + experiment + "'");
        };
        return new LpSweep.Config(d.experiment(), k != null ? k : d.k(), hidden != null ? hidden : d.hidden(),
                n != null ? n : d.n(), levels != null ? levels : d.levels(),
                d.noise(), d.leaky() && !reluOnly, runs, methods != null ? List.copyOf(methods) : d.methods(), sweep.seed);
    }
}
