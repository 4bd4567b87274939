package dev.netinvert.solvers.cli;

import dev.netinvert.solvers.experiments.ShallowExperiment;
import dev.netinvert.solvers.io.AtomicFiles;
import dev.netinvert.solvers.lifted.ShallowInversion;
import dev.netinvert.solvers.lifted.ShallowNetwork;
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

/** {@code shallow-1d}: the shallow-network inversion example of the slides [001], Part II. */
@Command(name = "shallow-1d", mixinStandardHelpOptions = true,
        description = {"The shallow-network example of [001] Part II: N(u) = sum_j c_j ReLU(u - (j-1)h), 25 units, h = 3/50, "
                + "c fitted to K(u) = u (2u/3)^(3u) on [0, 1.5]; inverted by the implicit/explicit coordinate descent.",
                "Writes network.png (N against K), decoder.png (R(f) for several alpha against the true preimage), noise.png "
                        + "(median |u0 - u*| against delta with alpha = delta, and with alpha fixed), noise.csv and summary.json to --out."})
final class Shallow1dCommand implements Callable<Integer> {

    @Option(names = "--alpha", defaultValue = "1e-4", description = "alpha of the single inversion reported (default ${DEFAULT-VALUE}, the slides').")
    double alpha;

    @Option(names = "--alphas", split = ",", description = "alphas of the decoder plot (default 1e-6,1e-4,1e-2,1e-1).")
    double[] alphas;

    @Option(names = "--draws", defaultValue = "5", description = "Noise draws per point and level (default ${DEFAULT-VALUE}).")
    int draws;

    @Mixin
    SweepOptions sweep;

    @Override
    public Integer call() throws Exception {
        if (draws < 1) {
            throw new IllegalArgumentException("--draws must be >= 1, got " + draws);
        }
        ShallowNetwork net = ShallowExperiment.network();
        Path out = sweep.run.createdOut();
        AtomicFiles.write(out.resolve("network.png"), ShallowExperiment.networkPlot(net));
        double[] as = alphas == null ? new double[] {1e-6, 1e-4, 1e-2, 1e-1} : alphas;
        AtomicFiles.write(out.resolve("decoder.png"), ShallowExperiment.decoderPlot(net, as));
        double[] deltas = ShallowExperiment.defaultDeltas();
        List<List<ShallowExperiment.NoisePoint>> studies = new ArrayList<>();
        List<String> names = List.of("alpha = delta", "alpha = 1e-4 fixed", "alpha = 1e-2 fixed");
        studies.add(ShallowExperiment.noiseStudy(net, deltas, d -> d, draws, sweep.seed));
        studies.add(ShallowExperiment.noiseStudy(net, deltas, d -> 1e-4, draws, sweep.seed));
        studies.add(ShallowExperiment.noiseStudy(net, deltas, d -> 1e-2, draws, sweep.seed));
        AtomicFiles.write(out.resolve("noise.png"), ShallowExperiment.noisePlot(studies, names));
        StringBuilder csv = new StringBuilder("rule,delta,alpha,median_error,q90_error,median_iterations\n");
        for (int i = 0; i < studies.size(); i++) {
            csv.append(ShallowExperiment.csv(names.get(i), studies.get(i)));
        }
        AtomicFiles.write(out.resolve("noise.csv"), csv.toString().getBytes(StandardCharsets.UTF_8));

        double uStar = 0.9, f = net.apply(new double[] {uStar})[0];
        ShallowInversion.Result r = ShallowInversion.solve(net, new double[] {f}, ShallowInversion.Options.defaults().withAlpha(alpha));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("units", ShallowExperiment.UNITS);
        json.put("h", ShallowExperiment.H);
        json.put("network_increasing_on_[0,1.5]", ShallowExperiment.increasing(net));
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("u_star", uStar);
        one.put("f", f);
        one.put("alpha", alpha);
        one.put("u0", r.u0()[0]);
        one.put("iterations", r.iterations());
        one.put("stop_reason", r.stopReason().label());
        one.put("energy", r.energy());
        one.put("misfit", r.misfit());
        one.put("optimality_residual", r.optimality());
        json.put("noiseless_inversion", one);
        List<Object> rows = new ArrayList<>();
        for (int i = 0; i < studies.size(); i++) {
            for (ShallowExperiment.NoisePoint p : studies.get(i)) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("rule", names.get(i));
                m.put("delta", p.delta());
                m.put("alpha", p.alpha());
                m.put("median_error", p.medianError());
                m.put("q90_error", p.q90Error());
                rows.add(m);
            }
        }
        json.put("noise_study", rows);
        Json.write(out.resolve("summary.json"), json);
        if (!sweep.run.quiet()) {
            System.out.printf(Locale.ROOT, "noiseless f = N(%.2f) = %.6f: u0 = %.8f (alpha %.0e), %d iterations (%s), misfit %.3g, "
                    + "optimality residual %.3g%n", uStar, f, r.u0()[0], alpha, r.iterations(), r.stopReason().label(), r.misfit(),
                    r.optimality());
            System.out.printf(Locale.ROOT, "%-20s %10s %10s %14s %14s%n", "rule", "delta", "alpha", "median error", "90% error");
            for (int i = 0; i < studies.size(); i++) {
                for (ShallowExperiment.NoisePoint p : studies.get(i)) {
                    System.out.printf(Locale.ROOT, "%-20s %10.1e %10.1e %14.4e %14.4e%n", names.get(i), p.delta(), p.alpha(),
                            p.medianError(), p.q90Error());
                }
            }
            System.out.println("written to " + out.toAbsolutePath().normalize());
        }
        return 0;
    }
}
