package dev.netinvert.solvers.cli;

import dev.netinvert.solvers.experiments.AdmmCompare;
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

/** {@code admm-compare}: ADMM against Adam and projected gradient on a dense MLP ([004] sec. 3.1, Figs. 1-3). */
@Command(name = "admm-compare", mixinStandardHelpOptions = true,
        description = {"The experiments of [004] sec. 3.1 on a seeded 64-128-128-16 ReLU MLP (He-initialised): ADMM against Adam "
                + "and projected gradient descent, objective l(x, f(x)) at a true forward pass and ADMM's residuals per iteration.",
                "Panels: mse (1/2||f(x) - f(x*)||^2 + lambda/2 ||x||^2; ADMM for every --rho, Adam for every --steps), orders "
                        + "(ADMM at rho = 1: backward, forward, alternating, jacobi; Fig. 1), xent-l2 (cross-entropy towards the "
                        + "least likely class + lambda/2 ||x - x0||^2; Fig. 2 left) and xent-box (the same within "
                        + "[x0 - r, x0 + r]; Fig. 2 right, with projected gradient).",
                "Writes runs.csv, summary.json and <panel>.png (objective) and <panel>-residuals.png (ADMM primal and dual residuals) to --out."})
final class AdmmCompareCommand implements Callable<Integer> {

    @Option(names = "--runs", defaultValue = "5", description = "Instances per panel (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--iterations", defaultValue = "500", description = "Iterations of every method (default ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--rhos", split = ",", description = "ADMM's rho on the mse panel (default 0.1,1,10).")
    double[] rhos;

    @Option(names = "--steps", split = ",", description = "Adam's learning rates (default 0.01,0.1).")
    double[] steps;

    @Option(names = "--lambda", description = "L2 weight of the mse and xent-l2 panels (default 0.01).")
    Double lambda;

    @Option(names = "--xent-rho", description = "ADMM's rho on the xent-l2 panel (default 0.01).")
    Double xentRho;

    @Option(names = "--box-rho", description = "ADMM's rho on the xent-box panel (default 1).")
    Double boxRho;

    @Option(names = "--radius", description = "Box radius r of the xent-box panel (default 0.5).")
    Double radius;

    @Mixin
    SweepOptions sweep;

    @Override
    public Integer call() throws Exception {
        AdmmCompare.Config d = AdmmCompare.Config.defaults();
        AdmmCompare.Config c = new AdmmCompare.Config(sweep.seed, runs, iterations, lambda == null ? d.lambda() : lambda,
                rhos == null ? d.rhos() : rhos, steps == null ? d.steps() : steps, xentRho == null ? d.xentRho() : xentRho,
                boxRho == null ? d.boxRho() : boxRho,
                radius == null ? d.radius() : radius);
        List<AdmmCompare.Curve> all;
        try (Parallelism par = sweep.run.parallelism()) {
            all = AdmmCompare.run(c, par, sweep.run.progress(r -> "instance " + (r + 1) + " of " + c.runs() + " done"));
        }
        Path out = sweep.run.createdOut();
        AtomicFiles.write(out.resolve("runs.csv"), AdmmCompare.csv(all).getBytes(StandardCharsets.UTF_8));
        List<String> files = new ArrayList<>(List.of("runs.csv", "summary.json"));
        for (String panel : AdmmCompare.PANELS) {
            AtomicFiles.write(out.resolve(panel + ".png"), AdmmCompare.objectivePlot(all, panel, 0));
            files.add(panel + ".png");
        }
        for (String panel : AdmmCompare.PANELS) {
            AtomicFiles.write(out.resolve(panel + "-residuals.png"), AdmmCompare.residualPlot(all, panel, 0));
            files.add(panel + "-residuals.png");
        }
        List<AdmmCompare.Summary> summary = AdmmCompare.summarize(all);
        List<Object> rows = new ArrayList<>();
        for (AdmmCompare.Summary s : summary) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("panel", s.panel());
            m.put("method", s.label());
            m.put("median_objective", Json.finite(s.medianObjective()));
            m.put("median_iterations_to_best", Json.finite(s.medianIterationsToBest()));
            m.put("median_primal_residual", Json.finite(s.medianPrimal()));
            m.put("diverged", s.diverged());
            rows.add(m);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("network", "64-128-128-16 relu, relu, identity; He weights, biases N(0, 0.01)");
        json.put("runs", c.runs());
        json.put("iterations", c.iterations());
        json.put("lambda", c.lambda());
        json.put("xent_rho", c.xentRho());
        json.put("box_rho", c.boxRho());
        json.put("radius", c.radius());
        json.put("summary", rows);
        json.put("files", files);
        Json.write(out.resolve("summary.json"), json);
        if (!sweep.run.quiet()) {
            System.out.printf(Locale.ROOT, "%-9s %-16s %16s %14s %12s%n", "panel", "method", "median objective", "its to best",
                    "primal res");
            for (AdmmCompare.Summary s : summary) {
                System.out.printf(Locale.ROOT, "%-9s %-16s %16.8g %14.0f %12.3g%s%n", s.panel(), s.label(), s.medianObjective(),
                        s.medianIterationsToBest(), s.medianPrimal(), s.diverged() > 0 ? "  (" + s.diverged() + " diverged)" : "");
            }
            System.out.println("written to " + out.toAbsolutePath().normalize());
        }
        return 0;
    }
}
