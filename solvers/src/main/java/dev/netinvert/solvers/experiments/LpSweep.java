package dev.netinvert.solvers.experiments;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.StepSize;
import dev.netinvert.solvers.lp.LayerNotInvertibleException;
import dev.netinvert.solvers.lp.LayerwiseInversion;
import dev.netinvert.solvers.lp.LayerwiseInversion.Method;
import dev.netinvert.solvers.lp.LayerwiseResult;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.network.SeededGaussian;
import dev.netinvert.solvers.parallel.Parallelism;
import dev.netinvert.solvers.pursuit.GradientDescent;
import dev.netinvert.solvers.pursuit.InversionResult;

import java.awt.Color;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ForkJoinTask;
import java.util.function.IntConsumer;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The synthetic experiments of sec. 5.1 [003], on generators with entries N(0, 1/n_out) and no bias
 * ({@link RandomNetworks#generator003}), latents z* ~ N(0, I):
 * <ul>
 *   <li><b>noise</b> (Fig. 1a/b): 20 → 100 → 500 ReLU; y = G(z*) + a·u with u uniform on (−1, 1) or N(0, 1),
 *       a ∈ {1e-1, …, 1e-6}; relative error ‖z − z*‖/‖z*‖ against the relative noise ‖y − G(z*)‖/‖G(z*)‖;</li>
 *   <li><b>success</b> (Fig. 2): k → 250 → 600, noiseless, k swept; success is ‖z − z*‖/‖z*‖ ≤ 1e-3; ReLU and
 *       leaky ReLU (slope 0.1) panels.</li>
 * </ul>
 * Methods: "exact", "lp-linf", "lp-l1", "lp-relaxed" ({@link LayerwiseInversion}, α = 1.2) and "gd": plain
 * gradient descent on ½‖G(z) − y‖² with learning rate 1, at most 1000 iterations or until ‖∇‖ ≤ 1e-9, from a
 * seeded N(0, I) start (z = 0 is a stationary point of a bias-free ReLU generator). With noise, the LPs get
 * the noise level as their initial guess, ε₀ = a (Thm. 3 [003] sets ε = ‖e‖∞; the relaxed LP has no ε loop
 * and uses it as its ε). Alg. 2 needs that guess: from ε₀ = 1e-6 it stops, on its own rule, with ε far
 * below the noise and relative errors of 0.3-0.5 at a = 1e-2 (measured), because every noise-positive output
 * is then fitted as active. Noiseless runs use the default ε₀ = 1e-6 (the relaxed LP 1e-7, the float
 * rounding of y). A method that
 * refuses a run ({@link LayerNotInvertibleException}) records it as a failure with error +∞. Runs are
 * independent and go through the fork-join pool, so both cores work.
 */
public final class LpSweep {
    private LpSweep() {}

    public static final List<String> METHODS = List.of("exact", "lp-linf", "lp-l1", "lp-relaxed", "gd");

    /** The noise of the noise experiment. */
    public enum Noise {
        UNIFORM, GAUSSIAN;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * @param experiment "noise" or "success"
     * @param k          latent sizes (noise: one, the paper's 20; success: the sweep)
     * @param hidden     hidden width (100 / 250)
     * @param n          output width (500 / 600)
     * @param levels     noise levels a (noise experiment; ignored by success)
     * @param noise      noise distribution (noise experiment)
     * @param leaky      success experiment: also run the leaky-ReLU panel
     * @param runs       runs per point (the paper: 200)
     * @param methods    a subset of {@link #METHODS}
     * @param seed       seed of networks, latents and noise
     */
    public record Config(String experiment, int[] k, int hidden, int n, double[] levels, Noise noise, boolean leaky,
                         int runs, List<String> methods, long seed) {
        public Config {
            if (!experiment.equals("noise") && !experiment.equals("success")) {
                throw new IllegalArgumentException("experiment: expected noise or success, got '" + experiment + "'");
            }
            if (k.length == 0 || Arrays.stream(k).anyMatch(v -> v < 1)) {
                throw new IllegalArgumentException("k: expected latent sizes >= 1, got " + Arrays.toString(k));
            }
            if (hidden < 1 || n < 1) {
                throw new IllegalArgumentException("hidden and n must be >= 1, got " + hidden + ", " + n);
            }
            if (experiment.equals("noise") && (levels.length == 0 || Arrays.stream(levels).anyMatch(a -> !(a > 0)))) {
                throw new IllegalArgumentException("levels: expected noise levels > 0, got " + Arrays.toString(levels));
            }
            if (runs < 1) {
                throw new IllegalArgumentException("runs: expected >= 1, got " + runs);
            }
            for (String m : methods) {
                if (!METHODS.contains(m)) {
                    throw new IllegalArgumentException("methods: expected any of " + METHODS + ", got '" + m + "'");
                }
            }
            Objects.requireNonNull(noise, "noise");
        }

        /** Fig. 1a/b's setting: 20 → 100 → 500, a ∈ {1e-1 … 1e-6}, the LPs and GD. */
        public static Config noise(Noise noise, int runs, long seed) {
            return new Config("noise", new int[] {20}, 100, 500, new double[] {1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6}, noise,
                    false, runs, List.of("lp-linf", "lp-l1", "lp-relaxed", "gd"), seed);
        }

        /** Fig. 2's setting: k → 250 → 600, noiseless, both activations, every method. */
        public static Config success(int[] k, int runs, long seed) {
            return new Config("success", k, 250, 600, new double[0], Noise.UNIFORM, true, runs, METHODS, seed);
        }
    }

    /**
     * One inversion.
     *
     * @param activation    "relu" or "leaky_relu"
     * @param k             latent size
     * @param level         noise level a (0 when noiseless)
     * @param relativeNoise ‖y − G(z*)‖/‖G(z*)‖
     * @param relativeError ‖z − z*‖/‖z*‖ (+∞ when the method refused)
     * @param lps           LPs solved (0 for exact and GD)
     * @param failure       the refusal's message, or "" when the method returned
     */
    public record Run(String activation, int k, double level, int run, String method, double relativeNoise,
                      double relativeError, int lps, double seconds, String failure) {
        public boolean success() {
            return relativeError <= 1e-3;
        }
    }

    /** Runs every point of the experiment; {@code progress} gets the index of each finished point. */
    public static List<Run> run(Config c, Parallelism par, IntConsumer progress) {
        List<Run> out = new ArrayList<>();
        List<Activation> activations = c.experiment().equals("success") && c.leaky()
                ? List.of(Activation.RELU, Activation.leakyRelu(0.1f)) : List.of(Activation.RELU);
        double[] levels = c.experiment().equals("noise") ? c.levels() : new double[] {0};
        int point = 0;
        for (Activation sigma : activations) {
            for (int k : c.k()) {
                for (double a : levels) {
                    List<ForkJoinTask<List<Run>>> tasks = new ArrayList<>();
                    for (int r = 0; r < c.runs(); r++) {
                        int run = r;
                        tasks.add(ForkJoinTask.adapt(() -> one(c, sigma, k, a, run)));
                    }
                    if (par.pool() == null) {
                        tasks.forEach(t -> out.addAll(t.invoke()));
                    } else {
                        tasks.forEach(t -> par.pool().execute(t));
                        tasks.forEach(t -> out.addAll(t.join()));
                    }
                    progress.accept(point++);
                }
            }
        }
        return out;
    }

    private static List<Run> one(Config c, Activation sigma, int k, double a, int run) {
        long seed = c.seed() * 1_000_003L + k * 7919L + run * 104_729L + Math.round(-Math.log10(a > 0 ? a : 1) * 31);
        List<Run> out = new ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            Network net = RandomNetworks.generator003(arena, seed, k, c.hidden(), c.n(), sigma);
            FloatVec z = RandomNetworks.latent(arena, k, seed + 1, 1.0);
            float[] clean = net.forward(z, arena).toArray();
            float[] y = clean.clone();
            SeededGaussian g = new SeededGaussian(seed + 2);
            double noise2 = 0, clean2 = 0;
            for (int i = 0; i < y.length; i++) {
                double e = a * (c.noise() == Noise.UNIFORM ? 2 * g.nextUniform() - 1 : g.nextGaussian());
                y[i] = (float) (clean[i] + e);
                noise2 += (y[i] - clean[i]) * (double) (y[i] - clean[i]);
                clean2 += (double) clean[i] * clean[i];
            }
            double relNoise = Math.sqrt(noise2 / clean2);
            float[] truth = z.toArray();
            for (String m : c.methods()) {
                if (m.equals("lp-relaxed") && sigma instanceof Activation.LeakyRelu) {
                    continue;   // (8) [003] is stated for ReLU only; the leaky panel of Fig. 2 has no such line
                }
                long t0 = System.nanoTime();
                double err;
                int lps = 0;
                String failure = "";
                try {
                    if (m.equals("gd")) {
                        InversionResult r = GradientDescent.solve(net, FloatVec.of(arena, y), null, gdBaseline(seed + 3));
                        err = ImageMetrics.relativeError(r.z(), truth);
                    } else {
                        Method method = Method.of(m);
                        LayerwiseInversion.Options.Builder b = LayerwiseInversion.Options.builder(method);
                        if (a > 0) {
                            b.eps0(a);
                        } else if (method == Method.LP_RELAXED) {
                            b.eps0(1e-7);
                        }
                        LayerwiseResult r = LayerwiseInversion.invert(net, y, b.build());
                        err = r.relativeError(truth);
                        lps = r.lpsFeasible() + r.lpsInfeasible();
                    }
                } catch (LayerNotInvertibleException | IllegalArgumentException e) {
                    err = Double.POSITIVE_INFINITY;
                    failure = e.getMessage();
                }
                out.add(new Run(sigma.name(), k, a, run, m, relNoise, err, lps, (System.nanoTime() - t0) * 1e-9, failure));
            }
        }
        return out;
    }

    /** Sec. 5.1 [003]'s GD: learning rate 1, no momentum, ≤ 1000 iterations or ‖∇‖ ≤ 1e-9, N(0, I) start. */
    public static GradientDescent.Options gdBaseline(long seed) {
        return GradientDescent.Options.builder().seed(seed).initStd(1.0).step(StepSize.fixed(1.0)).momentum(0)
                .maxIterations(1000).gradTol(1e-9).build();
    }

    /** Every run as CSV with a header line. */
    public static String csv(List<Run> runs) {
        StringBuilder sb = new StringBuilder("activation,k,level,run,method,relative_noise,relative_error,lps,seconds,failure\n");
        for (Run r : runs) {
            sb.append(String.format(Locale.ROOT, "%s,%d,%.3g,%d,%s,%.6g,%.6g,%d,%.4g,\"%s\"%n", r.activation(), r.k(), r.level(),
                    r.run(), r.method(), r.relativeNoise(), r.relativeError(), r.lps(), r.seconds(),
                    r.failure().replace("\"", "'")));
        }
        return sb.toString();
    }

    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
            new Color(0xd62728), new Color(0x9467bd)};

    /**
     * Fig. 1a/b: every run as a dot (relative noise, relative error) on log-log axes, and per method the line
     * through the medians at each level.
     */
    public static byte[] noisePlot(List<Run> runs, Config c) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(600)
                .title(String.format(Locale.ROOT, "%d → %d → %d ReLU, %s noise, %d runs per level", c.k()[0], c.hidden(), c.n(),
                        c.noise().label(), c.runs()))
                .xAxisTitle("relative noise ‖e‖/‖G(z*)‖").yAxisTitle("relative error ‖z − z*‖/‖z*‖").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        for (int mi = 0; mi < c.methods().size(); mi++) {
            String m = c.methods().get(mi);
            Color col = COLORS[mi % COLORS.length];
            List<Run> mine = runs.stream().filter(r -> r.method().equals(m) && Double.isFinite(r.relativeError())
                    && r.relativeError() > 0).toList();
            if (mine.isEmpty()) {
                continue;
            }
            XYSeries dots = chart.addSeries(m + " runs", mine.stream().mapToDouble(Run::relativeNoise).toArray(),
                    mine.stream().mapToDouble(Run::relativeError).toArray());
            dots.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            dots.setMarkerColor(new Color(col.getRed(), col.getGreen(), col.getBlue(), 90));
            dots.setShowInLegend(false);
            double[] xs = new double[c.levels().length], ys = new double[c.levels().length];
            for (int i = 0; i < c.levels().length; i++) {
                double a = c.levels()[i];
                xs[i] = median(mine.stream().filter(r -> r.level() == a).mapToDouble(Run::relativeNoise).toArray());
                ys[i] = median(mine.stream().filter(r -> r.level() == a).mapToDouble(Run::relativeError).toArray());
            }
            XYSeries line = chart.addSeries(m + " median", xs, ys);
            line.setLineColor(col);
            line.setMarkerColor(col);
            line.setMarker(SeriesMarkers.CIRCLE);
        }
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

    /** Fig. 2: the success rate against k, one line per method, for one activation. */
    public static byte[] successPlot(List<Run> runs, Config c, String activation) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(560)
                .title(String.format(Locale.ROOT, "k → %d → %d %s, noiseless, %d runs per k: success ‖z − z*‖/‖z*‖ ≤ 1e-3",
                        c.hidden(), c.n(), activation, c.runs()))
                .xAxisTitle("k (latent size)").yAxisTitle("success rate").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSW);
        chart.getStyler().setYAxisMin(-0.02);
        chart.getStyler().setYAxisMax(1.02);
        double[] xs = Arrays.stream(c.k()).asDoubleStream().toArray();
        for (int mi = 0; mi < c.methods().size(); mi++) {
            String m = c.methods().get(mi);
            double[] ys = new double[xs.length];
            for (int i = 0; i < xs.length; i++) {
                int k = c.k()[i];
                List<Run> mine = runs.stream().filter(r -> r.method().equals(m) && r.k() == k
                        && r.activation().equals(activation)).toList();
                ys[i] = mine.isEmpty() ? Double.NaN : mine.stream().filter(Run::success).count() / (double) mine.size();
            }
            if (Arrays.stream(ys).allMatch(Double::isNaN)) {
                continue;
            }
            XYSeries s = chart.addSeries(m, xs, ys);
            s.setLineColor(COLORS[mi % COLORS.length]);
            s.setMarkerColor(COLORS[mi % COLORS.length]);
        }
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

    /** The median of {@code v} (NaN when empty). */
    public static double median(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }
}
