package dev.netinvert.solvers.cli;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.solvers.experiments.GeneratorLp;
import dev.netinvert.solvers.experiments.GeneratorReport;
import dev.netinvert.solvers.experiments.PursuitSweep;
import dev.netinvert.solvers.io.AtomicFiles;
import dev.netinvert.solvers.io.Datasets;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.parallel.Parallelism;
import dev.netinvert.solvers.train.GeneratorTraining;
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

/** {@code generator-lp}: [003] sec. 5.2 on a generator from {@code train generator --arch 003}. */
@Command(name = "generator-lp", mixinStandardHelpOptions = true,
        description = {"The trained-network experiments of [003] sec. 5.2 on a ReLU model from 'train generator --arch 003': "
                + "signals G(z*) for the codes z* = E(x) of test images, (1) with Gaussian noise of each --levels, inverted by "
                + "the l-inf LP (Alg. 1) and by gradient descent (lr 1e-3, 10000 iterations); (2) with the pixels under a mask "
                + "hidden, by projected gradient descent with the LP as projection and by gradient descent.",
                "Writes runs.csv, summary.json, error-vs-noise.png (Fig. 1c), montage-denoise.png (Fig. 3: truth, noisy, LP, GD) "
                        + "and montage-sensing.png (Fig. 4: truth, observed, PGD-LP, GD) to --out."})
final class GeneratorLpCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "model.json written by 'train generator --arch 003' "
            + "(encoder.json and latent.npy are read from the same folder).")
    Path model;

    @Option(names = "--data", description = "Folder of the IDX files (default: /usr/share/datasets/fashion-mnist).")
    Path data;

    @Option(names = "--images", defaultValue = "32", description = "Signals per noise level and for sensing (default ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--levels", defaultValue = "1e-3,1e-2,3e-2,1e-1,3e-1", split = ",",
            description = "Noise standard deviations (default ${DEFAULT-VALUE}).")
    double[] levels;

    @Option(names = "--montage-level", defaultValue = "1e-1", description = "The noise level shown in montage-denoise.png "
            + "(one of --levels; default ${DEFAULT-VALUE}).")
    double montageLevel;

    @Option(names = "--no-sensing", description = "Skip the sensing experiment.")
    boolean noSensing;

    @Option(names = "--sensing-images", description = "Signals for the sensing experiment (default: --images).")
    Integer sensingImages;

    @Option(names = "--mask-fraction", defaultValue = "0.45", description = "Hidden fraction of the sensing mask (default ${DEFAULT-VALUE}).")
    double maskFraction;

    @Option(names = "--mask", defaultValue = "upper", description = "Sensing mask: upper (the upper rows) or random (default ${DEFAULT-VALUE}).")
    String mask;

    @Option(names = "--pgd-iter", defaultValue = "10", description = "Projections of the PGD (default ${DEFAULT-VALUE}).")
    int pgdIter;

    @Option(names = "--gd-iter", defaultValue = "10000", description = "Gradient-descent iterations (default ${DEFAULT-VALUE}, the paper's).")
    int gdIter;

    @Option(names = "--gd-step", defaultValue = "1e-3", description = "Gradient-descent learning rate (default ${DEFAULT-VALUE}, the paper's).")
    double gdStep;

    @Option(names = "--montage", defaultValue = "8", description = "Signals shown in each montage (default ${DEFAULT-VALUE}).")
    int montage;

    @Mixin
    SweepOptions sweep;

    @Override
    public Integer call() throws Exception {
        if (images < 1 || montage < 1 || (sensingImages != null && sensingImages < 1)) {
            throw new IllegalArgumentException("--images, --sensing-images and --montage must be >= 1, got " + images + ", "
                    + sensingImages + ", " + montage);
        }
        if (!mask.equals("upper") && !mask.equals("random")) {
            throw new IllegalArgumentException("--mask: expected upper or random, got '" + mask + "'");
        }
        Path out = sweep.run.createdOut();
        try (Arena arena = Arena.ofShared()) {
            Network g = GeneratorReport.loadGenerator(model, arena);
            float[][] stats = GeneratorReport.loadLatentStats(model, g.inputSize(), arena);
            Path dir = data == null ? Datasets.FASHION_MNIST_DIR : data;
            int sens = sensingImages == null ? images : sensingImages;
            int count = Math.max(images, sens);
            Datasets.LabeledImages test = Datasets.load(dir, Datasets.Split.TEST, count, arena);
            if (test.size() < count) {
                throw new IllegalArgumentException("--images " + count + ": the test split has only " + test.size() + " images");
            }
            FloatMatrix z = GeneratorTraining.apply(GeneratorReport.loadEncoder(model, arena), test.images());
            double initStd = GeneratorPursuitCommand.initStd(stats[1], g.inputSize());
            long t0 = System.nanoTime();
            List<GeneratorLp.Run> runs = new ArrayList<>();
            try (Parallelism par = sweep.run.parallelism()) {
                if (levels.length > 0) {
                    GeneratorLp.Config c = new GeneratorLp.Config(levels, false, maskFraction, mask.equals("upper"), pgdIter, gdIter,
                            gdStep, initStd, sweep.seed);
                    runs.addAll(GeneratorLp.run(g, z.rows(0, images), c, par, sweep.run.progress(i -> "noise level " + levels[i] + " done")));
                }
                if (!noSensing) {
                    GeneratorLp.Config c = new GeneratorLp.Config(new double[0], true, maskFraction, mask.equals("upper"), pgdIter,
                            gdIter, gdStep, initStd, sweep.seed);
                    runs.addAll(GeneratorLp.run(g, z.rows(0, sens), c, par, sweep.run.progress(i -> "sensing done")));
                }
            }
            double seconds = (System.nanoTime() - t0) * 1e-9;
            AtomicFiles.write(out.resolve("runs.csv"), GeneratorLp.csv(runs).getBytes(StandardCharsets.UTF_8));
            if (levels.length > 0) {
                AtomicFiles.write(out.resolve("error-vs-noise.png"), GeneratorLp.plotDenoise(runs, levels));
                double ml = montageLevel;
                boolean known = false;
                for (double l : levels) {
                    known |= l == ml;
                }
                if (!known) {
                    ml = levels[levels.length - 1];
                }
                GeneratorReport.writeMontage(out.resolve("montage-denoise.png"),
                        GeneratorLp.montageRows(runs, "denoise", ml, List.of("lp-linf", "gd"), montage), 3, 4);
            }
            if (!noSensing) {
                GeneratorReport.writeMontage(out.resolve("montage-sensing.png"),
                        GeneratorLp.montageRows(runs, "sensing", 0, List.of("pgd-lp", "gd"), montage), 3, 4);
            }
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("experiment", "[003] sec. 5.2, trained generator");
            json.put("model", model.toString());
            json.put("network", g.toString());
            json.put("signals", images);
            json.put("sensing_signals", noSensing ? 0 : sens);
            json.put("gd", Map.of("iterations", gdIter, "step", gdStep, "momentum", 0, "init_std", initStd));
            json.put("mask", mask + " " + maskFraction);
            json.put("pgd_projections", pgdIter);
            json.put("seed", sweep.seed);
            json.put("seconds", seconds);
            List<Object> summary = new ArrayList<>();
            List<double[]> points = new ArrayList<>();
            for (double l : levels) {
                points.add(new double[] {l});
            }
            if (!noSensing) {
                points.add(new double[] {0});
            }
            for (double[] p : points) {
                String exp = p[0] == 0 ? "sensing" : "denoise";
                for (String m : exp.equals("sensing") ? List.of("pgd-lp", "gd") : List.of("lp-linf", "gd")) {
                    List<GeneratorLp.Run> at = GeneratorLp.select(runs, exp, p[0], m);
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("experiment", exp);
                    e.put("level", p[0]);
                    e.put("method", m);
                    double[] ez = at.stream().mapToDouble(GeneratorLp.Run::errorZ).toArray();
                    double[] ei = at.stream().mapToDouble(GeneratorLp.Run::errorImage).toArray();
                    e.put("relative_noise_median", Json.finite(PursuitSweep.quantile(at.stream().mapToDouble(GeneratorLp.Run::relativeNoise).toArray(), 0.5)));
                    e.put("error_z", GeneratorPursuitCommand.quantiles(ez));
                    e.put("error_image", GeneratorPursuitCommand.quantiles(ei));
                    e.put("failures", at.stream().filter(r -> !r.failure().isEmpty()).count());
                    e.put("median_seconds", PursuitSweep.quantile(at.stream().mapToDouble(GeneratorLp.Run::seconds).toArray(), 0.5));
                    summary.add(e);
                    if (!sweep.run.quiet()) {
                        System.out.printf(Locale.ROOT, "%-8s a = %-6.3g %-8s median error z %.3g, image %.3g (q90 %.3g / %.3g), %d failures, "
                                        + "median %.2f s%n", exp, p[0], m, PursuitSweep.quantile(ez, 0.5), PursuitSweep.quantile(ei, 0.5),
                                PursuitSweep.quantile(ez, 0.9), PursuitSweep.quantile(ei, 0.9), (Long) e.get("failures"),
                                (Double) e.get("median_seconds"));
                    }
                }
            }
            json.put("summary", summary);
            Json.write(out.resolve("summary.json"), json);
            if (!sweep.run.quiet()) {
                System.out.printf(Locale.ROOT, "%d inversions in %.1f s, written to %s%n", runs.size(), seconds, out.toAbsolutePath().normalize());
            }
        }
        return 0;
    }
}
