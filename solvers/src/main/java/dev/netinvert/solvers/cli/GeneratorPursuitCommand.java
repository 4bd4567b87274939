package dev.netinvert.solvers.cli;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.solvers.experiments.GeneratorPursuit;
import dev.netinvert.solvers.experiments.GeneratorReport;
import dev.netinvert.solvers.experiments.PursuitSweep;
import dev.netinvert.solvers.io.AtomicFiles;
import dev.netinvert.solvers.io.Datasets;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.parallel.Parallelism;
import dev.netinvert.solvers.pursuit.Uniqueness;
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

/** {@code generator-pursuit}: [002] sec. 6.2 on a generator from {@code train generator --arch 002}. */
@Command(name = "generator-pursuit", mixinStandardHelpOptions = true,
        description = {"The trained-network experiment of [002] sec. 6.2 on a model from 'train generator': signals G(z*) for the "
                + "codes z* = E(x) of test images (or random latents from the codes' Gaussian) are inverted by Latent-Pursuit, "
                + "the Oracle and gradient descent (momentum 0.9, step 0.1 decaying, 10000 iterations), whole and with 45%% of the "
                + "pixels hidden at random or in the upper rows; SNR of every layer of G(z^) against G(z*), and Cor. 1's "
                + "uniqueness diagnostic.",
                "Writes runs.csv (every inversion), summary.json (quantiles per mask, method and layer; uniqueness), "
                        + "snr-<mask>.png (Fig. 5/8/11) and montage-<mask>.png (truth, observation, one row per method) to --out."})
final class GeneratorPursuitCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "model.json written by 'train generator' (encoder.json and "
            + "latent.npy are read from the same folder).")
    Path model;

    @Option(names = "--data", description = "Folder of the IDX files (default: /usr/share/datasets/fashion-mnist).")
    Path data;

    @Option(names = "--images", defaultValue = "64", description = "Signals per mask (the paper: 512; default ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--latents", defaultValue = "encoded", description = "encoded (the codes of the first test images) or "
            + "random (the Gaussian fitted to the training codes) (default ${DEFAULT-VALUE}).")
    String latents;

    @Option(names = "--masks", defaultValue = "none,random,upper", split = ",", description = "Masks (default ${DEFAULT-VALUE}).")
    List<String> masks;

    @Option(names = "--mask-fraction", defaultValue = "0.45", description = "Hidden fraction (default ${DEFAULT-VALUE}, the paper's).")
    double maskFraction;

    @Option(names = "--methods", defaultValue = "latent-pursuit,oracle,gd", split = ",", description = "Methods (default ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--gd-iter", defaultValue = "10000", description = "Gradient-descent iterations (default ${DEFAULT-VALUE}, the paper's).")
    int gdIter;

    @Option(names = "--gd-step", defaultValue = "0.1", description = "First GD step, or 'auto' for 1/(c prod ||W_l||^2) "
            + "(default ${DEFAULT-VALUE}, the paper's).")
    String gdStep;

    @Option(names = "--gd-decay", defaultValue = "0.9995", description = "GD step k is step*decay^k (default ${DEFAULT-VALUE}: "
            + "a factor 150 over 10000 steps).")
    double gdDecay;

    @Option(names = "--montage", defaultValue = "8", description = "Signals shown in each montage (default ${DEFAULT-VALUE}).")
    int montage;

    @Mixin
    SweepOptions sweep;

    @Override
    public Integer call() throws Exception {
        if (images < 1 || montage < 1) {
            throw new IllegalArgumentException("--images and --montage must be >= 1, got " + images + ", " + montage);
        }
        if (!latents.equals("encoded") && !latents.equals("random")) {
            throw new IllegalArgumentException("--latents: expected encoded or random, got '" + latents + "'");
        }
        double step = gdStep.equals("auto") ? Double.NaN : Double.parseDouble(gdStep);
        Path out = sweep.run.createdOut();
        try (Arena arena = Arena.ofShared()) {
            Network g = GeneratorReport.loadGenerator(model, arena);
            float[][] stats = GeneratorReport.loadLatentStats(model, g.inputSize(), arena);
            FloatMatrix z = latents(g, stats, arena);
            double initStd = initStd(stats[1], g.inputSize());
            GeneratorPursuit.Config c = new GeneratorPursuit.Config(masks, maskFraction, methods, gdIter, step, gdDecay, initStd,
                    sweep.seed);
            List<GeneratorPursuit.Run> runs;
            long t0 = System.nanoTime();
            try (Parallelism par = sweep.run.parallelism()) {
                runs = GeneratorPursuit.run(g, z, c, par, sweep.run.progress(i -> "mask " + c.masks().get(i) + " done"));
            }
            double seconds = (System.nanoTime() - t0) * 1e-9;
            int depth = g.depth();
            AtomicFiles.write(out.resolve("runs.csv"), GeneratorPursuit.csv(runs, depth).getBytes(StandardCharsets.UTF_8));
            for (String mask : c.masks()) {
                AtomicFiles.write(out.resolve("snr-" + mask + ".png"), GeneratorPursuit.plot(runs, mask, c.methods(), g));
                GeneratorReport.writeMontage(out.resolve("montage-" + mask + ".png"),
                        GeneratorPursuit.montageRows(runs, mask, c.methods(), montage), 3, 4);
            }
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("experiment", "[002] sec. 6.2, trained generator");
            json.put("model", model.toString());
            json.put("network", g.toString());
            json.put("latents", latents);
            json.put("signals", images);
            json.put("mask_fraction", maskFraction);
            json.put("gd", Map.of("iterations", gdIter, "step", gdStep, "decay", gdDecay, "momentum", 0.9, "init_std", initStd));
            json.put("seed", sweep.seed);
            json.put("seconds", seconds);
            List<Object> summary = new ArrayList<>();
            for (String mask : c.masks()) {
                for (String m : c.methods()) {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("mask", mask);
                    e.put("method", m);
                    List<Object> layers = new ArrayList<>();
                    StringBuilder line = new StringBuilder();
                    for (int l = 0; l <= depth; l++) {
                        double[] v = GeneratorPursuit.snrs(runs, mask, m, l);
                        layers.add(quantiles(v));
                        line.append(String.format(Locale.ROOT, " %8.1f", PursuitSweep.quantile(v, 0.5)));
                    }
                    e.put("snr_db_per_layer", layers);
                    List<GeneratorPursuit.Run> mine = runs.stream().filter(r -> r.mask().equals(mask) && r.method().equals(m)).toList();
                    e.put("unique_found_fraction", mine.stream().filter(GeneratorPursuit.Run::uniqueFound).count() / (double) mine.size());
                    e.put("median_seconds", PursuitSweep.quantile(mine.stream().mapToDouble(GeneratorPursuit.Run::seconds).toArray(), 0.5));
                    summary.add(e);
                    if (!sweep.run.quiet()) {
                        System.out.printf(Locale.ROOT, "%-7s %-15s median SNR [dB] z, hidden..., image:%s%n", mask, m, line);
                    }
                }
                List<GeneratorPursuit.Run> one = runs.stream().filter(r -> r.mask().equals(mask)
                        && r.method().equals(c.methods().get(0))).toList();
                Map<String, Object> u = new LinkedHashMap<>();
                u.put("mask", mask);
                u.put("unique_true_fraction", one.stream().filter(GeneratorPursuit.Run::uniqueTrue).count() / (double) one.size());
                List<Object> card = new ArrayList<>();
                for (int l = 1; l < depth; l++) {
                    int ll = l;
                    card.add(quantiles(one.stream().mapToDouble(r -> r.cardinalities()[ll - 1]).toArray()));
                }
                u.put("cardinalities", card);
                Uniqueness first = Uniqueness.of(g.inputSize(), one.get(0).cardinalities(), observedCount(mask, g, c));
                u.put("report_signal_0", first.report());
                summary.add(u);
                if (!sweep.run.quiet()) {
                    System.out.printf(Locale.ROOT, "%-7s Cor. 1 holds for %.0f%% of the true signals; signal 0:%n%s%n", mask,
                            100 * (Double) u.get("unique_true_fraction"), first.report());
                }
            }
            json.put("summary", summary);
            Json.write(out.resolve("summary.json"), json);
            if (!sweep.run.quiet()) {
                System.out.printf(Locale.ROOT, "%d inversions in %.1f s, written to %s%n", runs.size(), seconds,
                        out.toAbsolutePath().normalize());
            }
        }
        return 0;
    }

    private FloatMatrix latents(Network g, float[][] stats, Arena arena) throws Exception {
        if (latents.equals("random")) {
            return GeneratorReport.randomLatents(stats[0], stats[1], images, sweep.seed);
        }
        Path dir = data == null ? Datasets.FASHION_MNIST_DIR : data;
        Datasets.LabeledImages test = Datasets.load(dir, Datasets.Split.TEST, images, arena);
        if (test.size() < images) {
            throw new IllegalArgumentException("--images " + images + ": the test split has only " + test.size() + " images");
        }
        return GeneratorTraining.apply(GeneratorReport.loadEncoder(model, arena), test.images());
    }

    /** √(trace Σ / n_0) from the Cholesky factor: the codes' RMS spread, GD's start scale. */
    static double initStd(float[] chol, int n0) {
        double s = 0;
        for (float v : chol) {
            s += (double) v * v;
        }
        return Math.sqrt(s / n0);
    }

    private static int observedCount(String mask, Network g, GeneratorPursuit.Config c) {
        int n = g.outputSize();
        if (mask.equals("none")) {
            return n;
        }
        try (Arena a = Arena.ofShared()) {
            var m = mask.equals("random") ? dev.netinvert.solvers.pursuit.ObservationMasks.random(a, n, c.maskFraction(), c.seed() + 17)
                    : dev.netinvert.solvers.pursuit.ObservationMasks.upperRows(a, n, c.maskFraction());
            int k = 0;
            for (int i = 0; i < n; i++) {
                k += m.get(i) == 1f ? 1 : 0;
            }
            return k;
        }
    }

    /** 10/25/50/75/90% quantiles; +∞ (exact) becomes null in JSON. */
    static Map<String, Object> quantiles(double[] v) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (double q : new double[] {0.1, 0.25, 0.5, 0.75, 0.9}) {
            m.put("q" + (int) Math.round(q * 100), Json.finite(PursuitSweep.quantile(v, q)));
        }
        return m;
    }
}
