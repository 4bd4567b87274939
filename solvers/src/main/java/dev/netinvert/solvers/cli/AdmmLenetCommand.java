package dev.netinvert.solvers.cli;

import dev.netinvert.solvers.experiments.AdmmLenet;
import dev.netinvert.solvers.io.AtomicFiles;
import dev.netinvert.solvers.io.Datasets;
import dev.netinvert.solvers.io.LoadOptions;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.network.Network;
import java.lang.foreign.Arena;
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

/** {@code admm-lenet}: [004] sec. 3 on a trained LeNet and real test images: ADMM vs Adam vs projected gradient. */
@Command(name = "admm-lenet", mixinStandardHelpOptions = true,
        description = {"The experiments of [004] sec. 3 (Fig. 2, Fig. 4) on a classifier from 'train lenet' (or any model with "
                + "linear layer operators: average pooling, not max) and --images test images x0 in [0, 1]: towards the class t "
                + "with the smallest logit at x0,",
                "  xent-l2   CE(f(x), t) + lambda/2 ||x - x0||^2 from x0, ADMM for every --xent-rhos, Adam for every --steps;",
                "  xent-box  CE(f(x), t) for x in [x0 - r, x0 + r] and [0, 1] (an adversarial example), ADMM for every --box-rhos, "
                        + "projected Adam for every --steps and projected gradient at --pgd-step.",
                "Every method runs --iterations iterations; a run succeeds when argmax f(x) = t. Writes runs.csv, curves.csv (every "
                        + "run's objective against iterations), summary.json, "
                        + "<panel>.png (median objective over the images against iterations) and montage.png (original, adversarial "
                        + "and amplified difference of the box panel, with predicted labels) to --out."})
final class AdmmLenetCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "model.json, e.g. from 'train lenet'.")
    Path model;

    @Option(names = "--data", description = "Folder of the IDX files (default: /usr/share/datasets/fashion-mnist).")
    Path data;

    @Option(names = "--images", defaultValue = "20", description = "Test images (rows 0, n/N, 2n/N, ...; default ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--iterations", description = "Iterations of every method (default 200).")
    Integer iterations;

    @Option(names = "--lambda", description = "L2 weight of xent-l2 (default 0.01).")
    Double lambda;

    @Option(names = "--radius", description = "Box radius r of xent-box (default 0.1).")
    Double radius;

    @Option(names = "--xent-rhos", split = ",", description = "ADMM's rho grid on xent-l2 (default 0.001,0.01,0.1).")
    double[] xentRhos;

    @Option(names = "--box-rhos", split = ",", description = "ADMM's rho grid on xent-box (default 0.001,0.01,0.1).")
    double[] boxRhos;

    @Option(names = "--steps", split = ",", description = "Adam's learning rates (default 0.01,0.1).")
    double[] steps;

    @Option(names = "--pgd-step", description = "Projected gradient's step on xent-box (default 0.01, the paper's).")
    Double pgdStep;

    @Option(names = "--montage", defaultValue = "8", description = "Images in montage.png (default ${DEFAULT-VALUE}).")
    int montage;

    @Mixin
    RunOptions run;

    @Override
    public Integer call() throws Exception {
        if (images < 1 || montage < 0) {
            throw new IllegalArgumentException("--images must be >= 1 and --montage >= 0, got " + images + " and " + montage);
        }
        AdmmLenet.Config d = AdmmLenet.Config.defaults();
        AdmmLenet.Config c = new AdmmLenet.Config(iterations == null ? d.iterations() : iterations,
                lambda == null ? d.lambda() : lambda, radius == null ? d.radius() : radius,
                xentRhos == null ? d.xentRhos() : xentRhos, boxRhos == null ? d.boxRhos() : boxRhos,
                steps == null ? d.steps() : steps, pgdStep == null ? d.pgdStep() : pgdStep, d.innerTolerance(),
                d.innerMaxIterations(), d.boxMaxIterations());
        Path dir = data == null ? Datasets.FASHION_MNIST_DIR : data;
        try (Arena arena = Arena.ofShared()) {
            Network net = ModelFiles.load(model, arena, LoadOptions.STRICT);
            Datasets.LabeledImages test = Datasets.load(dir, Datasets.Split.TEST, Integer.MAX_VALUE, arena);
            if (images > test.size()) {
                throw new IllegalArgumentException("--images: expected at most " + test.size() + " (the test images), got " + images);
            }
            int[] rows = new int[images];
            for (int i = 0; i < images; i++) {
                rows[i] = (int) ((long) i * test.size() / images);
            }
            Path out = run.createdOut();
            int[] done = {0};
            long t0 = System.nanoTime();
            List<AdmmLenet.Run> all = AdmmLenet.run(net, test.images(), test.labels(), rows, c, mine -> {
                done[0]++;
                if (!run.quiet()) {
                    AdmmLenet.Run f = mine.get(0);
                    System.out.printf(Locale.ROOT, "[%d/%d] row %d (label %d, predicted %d, target %d): %s%n", done[0], images,
                            f.row(), f.label(), f.startClass(), f.target(), AdmmLenet.successLine(mine));
                }
            });
            double seconds = (System.nanoTime() - t0) * 1e-9;
            AtomicFiles.write(out.resolve("runs.csv"), AdmmLenet.csv(all).getBytes(StandardCharsets.UTF_8));
            AtomicFiles.write(out.resolve("curves.csv"), AdmmLenet.curves(all).getBytes(StandardCharsets.UTF_8));
            List<String> files = new ArrayList<>(List.of("runs.csv", "curves.csv", "summary.json"));
            StringBuilder kinds = new StringBuilder();
            for (int l = 1; l <= net.depth(); l++) {
                kinds.append(l > 1 ? " " : "").append(net.layer(l).kind());
            }
            String netLabel = kinds + ": " + net;
            Map<String, Integer> counts = new LinkedHashMap<>();
            for (int l = 1; l <= net.depth(); l++) {
                counts.merge(net.layer(l).kind(), 1, Integer::sum);
            }
            StringBuilder shortLabel = new StringBuilder();
            counts.forEach((k, n) -> shortLabel.append(shortLabel.isEmpty() ? "" : " + ").append(n).append(" ").append(k));
            for (String panel : AdmmLenet.PANELS) {
                AtomicFiles.write(out.resolve(panel + ".png"), AdmmLenet.medianPlot(all, panel, shortLabel.toString()));
                files.add(panel + ".png");
            }
            List<AdmmLenet.Summary> summary = AdmmLenet.summarize(all);
            String bestBox = AdmmLenet.bestAdmm(summary, "xent-box");
            if (montage > 0) {
                int side = (int) Math.round(Math.sqrt(net.inputSize()));
                List<String> methods = new ArrayList<>(List.of(bestBox));
                methods.add(all.stream().filter(r -> r.panel().equals("xent-box") && r.method().startsWith("pgd")).findFirst()
                        .orElseThrow().method());
                List<String> names = test.height() == 28 ? AdmmLenet.FASHION_CLASSES : List.of();
                AtomicFiles.write(out.resolve("montage.png"), AdmmLenet.montage(all, "xent-box", methods, test.images(), side,
                        c.radius(), montage, net, names));
                files.add("montage.png");
            }
            List<Object> rowsJson = new ArrayList<>();
            for (AdmmLenet.Summary s : summary) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("panel", s.panel());
                m.put("method", s.method());
                m.put("runs", s.runs());
                m.put("success_rate", s.successRate());
                m.put("median_objective", Json.finite(s.medianObjective()));
                m.put("median_distance_l2", Json.finite(s.medianDistance()));
                m.put("median_iterations_to_best", s.medianIterationsToBest());
                m.put("median_seconds", s.medianSeconds());
                m.put("median_cpu_seconds", s.medianCpuSeconds());
                m.put("diverged", s.diverged());
                rowsJson.add(m);
            }
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("model", model.toString());
            json.put("network", netLabel);
            json.put("data", dir.toString());
            json.put("test_rows", rows);
            json.put("target", "argmin of the logits at x0 (the least likely class)");
            json.put("iterations", c.iterations());
            json.put("lambda", c.lambda());
            json.put("radius", c.radius());
            json.put("pixel_range", List.of(0, 1));
            json.put("xent_rhos", c.xentRhos());
            json.put("box_rhos", c.boxRhos());
            json.put("adam_steps", c.steps());
            json.put("pgd_step", c.pgdStep());
            json.put("inner_tolerance", c.innerTolerance());
            json.put("inner_max_iterations", c.innerMaxIterations());
            json.put("box_max_iterations", c.boxMaxIterations());
            json.put("best_admm", Map.of("xent-l2", AdmmLenet.bestAdmm(summary, "xent-l2"), "xent-box", bestBox));
            json.put("seconds", seconds);
            json.put("summary", rowsJson);
            json.put("files", files);
            Json.write(out.resolve("summary.json"), json);
            if (!run.quiet()) {
                System.out.printf(Locale.ROOT, "%-9s %-15s %8s %16s %12s %12s %9s %9s%n", "panel", "method", "success",
                        "median objective", "median |d|2", "its to best", "median s", "cpu s");
                for (AdmmLenet.Summary s : summary) {
                    System.out.printf(Locale.ROOT, "%-9s %-15s %7.0f%% %16.6g %12.4g %12.0f %9.3f %9.3f%s%n", s.panel(), s.method(),
                            100 * s.successRate(), s.medianObjective(), s.medianDistance(), s.medianIterationsToBest(),
                            s.medianSeconds(), s.medianCpuSeconds(), s.diverged() > 0 ? "  (" + s.diverged() + " diverged)" : "");
                }
                System.out.println("written to " + out.toAbsolutePath().normalize());
            }
        }
        return 0;
    }
}
