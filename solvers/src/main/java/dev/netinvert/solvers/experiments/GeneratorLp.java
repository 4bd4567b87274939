package dev.netinvert.solvers.experiments;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.StepSize;
import dev.netinvert.solvers.lp.LayerNotInvertibleException;
import dev.netinvert.solvers.lp.LayerwiseInversion;
import dev.netinvert.solvers.lp.LayerwiseResult;
import dev.netinvert.solvers.lp.LpProjectedGradient;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.SeededGaussian;
import dev.netinvert.solvers.parallel.Parallelism;
import dev.netinvert.solvers.pursuit.GradientDescent;
import dev.netinvert.solvers.pursuit.InversionResult;
import dev.netinvert.solvers.pursuit.ObservationMasks;
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
 * The trained-generator experiments of [003] sec. 5.2 on a ReLU generator G: 20 → 60 → 784:
 * <ul>
 *   <li><b>denoise</b> (Figs. 1c/d and 3): y = G(z*) + a·ξ, ξ ~ N(0, I), for each noise level a; the ℓ∞ LP
 *       (Alg. 1 [003], {@link LayerwiseInversion.Method#LP_LINF}, ε₀ = a, α = 1.2, as {@link LpSweep}) against
 *       gradient descent on ½‖G(z) − y‖² with the paper's settings for this network: learning rate 1e-3, up to
 *       10 000 iterations or ‖∇‖ ≤ 1e-9, no momentum, from a seeded random start;</li>
 *   <li><b>sensing</b> (Fig. 4): the pixels under a mask are hidden (y = m ⊙ G(z*)); projected gradient descent with
 *       the ℓ∞ LP as projection ({@link LpProjectedGradient}) against gradient descent on ½‖m ⊙ (G(z) − y)‖².</li>
 * </ul>
 * Scored by the relative error of the latent ‖ẑ − z*‖/‖z*‖ and of the image ‖G(ẑ) − G(z*)‖/‖G(z*)‖. A method
 * that refuses ({@link LayerNotInvertibleException}) records error +∞ and the message.
 */
public final class GeneratorLp {
    private GeneratorLp() {}

    /**
     * @param levels        noise levels a of the denoising experiment (empty: skip it)
     * @param sensing       whether to run the sensing experiment
     * @param maskFraction  hidden fraction of the sensing mask
     * @param upperMask     hide the upper rows instead of random pixels
     * @param pgdIterations projections of the PGD
     * @param gdIterations  GD's budget (the paper: 10 000)
     * @param gdStep        GD's learning rate (the paper: 1e-3)
     * @param gdInitStd     standard deviation of GD's random start
     * @param seed          seed of the noise, the mask and GD's starts
     */
    public record Config(double[] levels, boolean sensing, double maskFraction, boolean upperMask, int pgdIterations,
                         int gdIterations, double gdStep, double gdInitStd, long seed) {
        public Config {
            Objects.requireNonNull(levels, "levels");
            if (Arrays.stream(levels).anyMatch(a -> !(a > 0) || !Double.isFinite(a))) {
                throw new IllegalArgumentException("levels: expected finite noise levels > 0, got " + Arrays.toString(levels));
            }
            if (levels.length == 0 && !sensing) {
                throw new IllegalArgumentException("levels, sensing: nothing to run (no noise level and no sensing)");
            }
            if (!(maskFraction > 0 && maskFraction < 1)) {
                throw new IllegalArgumentException("maskFraction must lie in (0, 1), got " + maskFraction);
            }
            if (pgdIterations < 1 || gdIterations < 1) {
                throw new IllegalArgumentException("pgdIterations and gdIterations must be >= 1, got " + pgdIterations + ", "
                        + gdIterations);
            }
            if (!(gdStep > 0) || !(gdInitStd >= 0)) {
                throw new IllegalArgumentException("gdStep must be > 0 and gdInitStd >= 0, got " + gdStep + ", " + gdInitStd);
            }
        }
    }

    /**
     * One inversion.
     *
     * @param experiment     "denoise" or "sensing"
     * @param level          the noise level a (0 for sensing)
     * @param method         "lp-linf", "pgd-lp" or "gd"
     * @param relativeNoise  ‖y − G(z*)‖/‖G(z*)‖ on the observed pixels
     * @param errorZ         ‖ẑ − z*‖/‖z*‖ (+∞ on failure)
     * @param errorImage     ‖G(ẑ) − G(z*)‖/‖G(z*)‖ over all pixels (+∞ on failure)
     * @param iterations     GD iterations or PGD projections (0 for the LP)
     * @param lps            LPs solved
     * @param failure        the refusal's message, or ""
     */
    public record Run(String experiment, double level, int signal, String method, double relativeNoise, double errorZ,
                      double errorImage, int iterations, int lps, double seconds, String failure, float[] observed,
                      float[] truth, float[] image) {}

    /** Runs both experiments for every latent (row of {@code latents}); independent runs go through the pool. */
    public static List<Run> run(Network g, FloatMatrix latents, Config c, Parallelism par, IntConsumer progress) {
        Objects.requireNonNull(g, "g");
        Objects.requireNonNull(latents, "latents");
        if (latents.cols() != g.inputSize()) {
            throw new IllegalArgumentException("latents: expected " + g.inputSize() + " columns (n_0), got " + latents.cols());
        }
        List<Run> runs = new ArrayList<>();
        int n = g.outputSize();
        float[] mask;
        try (Arena a = Arena.ofShared()) {
            mask = (c.upperMask() ? ObservationMasks.upperRows(a, n, c.maskFraction())
                    : ObservationMasks.random(a, n, c.maskFraction(), c.seed() + 17)).toArray();
        }
        int point = 0;
        for (int li = 0; li <= c.levels().length; li++) {
            boolean sensing = li == c.levels().length;
            if (sensing && !c.sensing()) {
                break;
            }
            double level = sensing ? 0 : c.levels()[li];
            List<ForkJoinTask<List<Run>>> tasks = new ArrayList<>();
            for (int k = 0; k < latents.rows(); k++) {
                int sig = k;
                float[] z = latents.row(k).toArray();
                tasks.add(ForkJoinTask.adapt(() -> sensing ? sensing(g, c, sig, z, mask) : denoise(g, c, sig, z, level)));
            }
            if (par.pool() == null) {
                tasks.forEach(t -> runs.addAll(t.invoke()));
            } else {
                tasks.forEach(t -> par.pool().execute(t));
                tasks.forEach(t -> runs.addAll(t.join()));
            }
            progress.accept(point++);
        }
        return runs;
    }

    private static List<Run> denoise(Network g, Config c, int sig, float[] zt, double level) {
        try (Arena a = Arena.ofShared()) {
            float[] truth = g.forward(FloatVec.of(a, zt), a).toArray();
            float[] y = truth.clone();
            SeededGaussian noise = new SeededGaussian(c.seed() * 1_000_003L + sig * 7919L + Double.hashCode(level));
            for (int i = 0; i < y.length; i++) {
                y[i] += (float) (level * noise.nextGaussian());
            }
            double relNoise = relative(y, truth);
            List<Run> out = new ArrayList<>();
            out.add(lp(g, "denoise", level, sig, zt, truth, y, relNoise,
                    LayerwiseInversion.Options.builder(LayerwiseInversion.Method.LP_LINF).eps0(level).build()));
            out.add(gd(g, c, "denoise", level, sig, zt, truth, y, null, relNoise, a));
            return out;
        }
    }

    private static List<Run> sensing(Network g, Config c, int sig, float[] zt, float[] mask) {
        try (Arena a = Arena.ofShared()) {
            float[] truth = g.forward(FloatVec.of(a, zt), a).toArray();
            float[] observed = truth.clone();
            for (int i = 0; i < observed.length; i++) {
                observed[i] *= mask[i];
            }
            List<Run> out = new ArrayList<>();
            LpProjectedGradient.Options po = new LpProjectedGradient.Options(LpProjectedGradient.Options.defaults().projection(), 1,
                    c.pgdIterations(), 1e-4);
            LpProjectedGradient.Result r = LpProjectedGradient.solve(g, truth, mask, po);
            double ez = r.z() == null ? Double.POSITIVE_INFINITY : relative(toFloat(r.z()), zt);
            out.add(new Run("sensing", 0, sig, "pgd-lp", 0, ez, r.z() == null ? Double.POSITIVE_INFINITY : relative(r.output(), truth),
                    r.iterations(), r.lps(), r.seconds(), r.failure(), observed, truth, r.output()));
            out.add(gd(g, c, "sensing", 0, sig, zt, truth, truth, FloatVec.of(a, mask), 0, a));
            out.set(1, withObserved(out.get(1), observed));
            return out;
        }
    }

    private static Run lp(Network g, String exp, double level, int sig, float[] zt, float[] truth, float[] y, double relNoise,
                          LayerwiseInversion.Options o) {
        long t0 = System.nanoTime();
        try {
            LayerwiseResult r = LayerwiseInversion.invert(g, y, o);
            float[] img = toFloat(r.output());
            return new Run(exp, level, sig, "lp-linf", relNoise, r.relativeError(zt), relative(img, truth), 0,
                    r.lpsFeasible() + r.lpsInfeasible(), r.seconds(), "", y, truth, img);
        } catch (LayerNotInvertibleException e) {
            return new Run(exp, level, sig, "lp-linf", relNoise, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, 0, 0,
                    (System.nanoTime() - t0) * 1e-9, e.getMessage(), y, truth, new float[truth.length]);
        }
    }

    private static Run gd(Network g, Config c, String exp, double level, int sig, float[] zt, float[] truth, float[] y,
                          FloatVec mask, double relNoise, Arena a) {
        InversionResult r = GradientDescent.solve(g, FloatVec.of(a, y), mask, GradientDescent.Options.builder().momentum(0)
                .step(StepSize.fixed(c.gdStep())).maxIterations(c.gdIterations()).gradTol(1e-9).seed(c.seed() * 7919 + sig)
                .initStd(c.gdInitStd()).build());
        return new Run(exp, level, sig, "gd", relNoise, relative(r.z(), zt), relative(r.output(), truth), r.totalIterations(), 0,
                r.seconds(), r.stopReason().label().equals("diverged") ? "diverged" : "", y, truth, r.output());
    }

    private static Run withObserved(Run r, float[] observed) {
        return new Run(r.experiment(), r.level(), r.signal(), r.method(), r.relativeNoise(), r.errorZ(), r.errorImage(),
                r.iterations(), r.lps(), r.seconds(), r.failure(), observed, r.truth(), r.image());
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    /** ‖x − truth‖/‖truth‖ in double. */
    static double relative(float[] x, float[] truth) {
        return ImageMetrics.relativeError(x, truth);
    }

    /** Every run as CSV with a header line. */
    public static String csv(List<Run> runs) {
        StringBuilder sb = new StringBuilder("experiment,level,signal,method,relative_noise,error_z,error_image,iterations,lps,seconds,failure\n");
        for (Run r : runs) {
            sb.append(String.format(Locale.ROOT, "%s,%.4g,%d,%s,%.6g,%.6g,%.6g,%d,%d,%.4g,\"%s\"%n", r.experiment(), r.level(), r.signal(),
                    r.method(), r.relativeNoise(), r.errorZ(), r.errorImage(), r.iterations(), r.lps(), r.seconds(),
                    r.failure().replace('"', '\'')));
        }
        return sb.toString();
    }

    /** The runs of one experiment, level and method. */
    public static List<Run> select(List<Run> runs, String experiment, double level, String method) {
        return runs.stream().filter(r -> r.experiment().equals(experiment) && r.level() == level && r.method().equals(method)).toList();
    }

    /**
     * A PNG in the manner of Fig. 1(c) [003]: every run as a dot, relative recovery error ‖ẑ − z*‖/‖z*‖ against the
     * relative noise ‖y − G(z*)‖/‖G(z*)‖ on log axes, and a line through the medians per noise level, per method.
     */
    public static byte[] plotDenoise(List<Run> runs, double[] levels) throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(520)
                .title("[003] sec. 5.2 on Fashion-MNIST (20-60-784 ReLU): denoising").xAxisTitle("relative noise ||e|| / ||G(z*)||")
                .yAxisTitle("relative error ||z - z*|| / ||z*||").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        String[] methods = {"lp-linf", "gd"};
        Color[] colors = {new Color(0x1f77b4), new Color(0xd62728)};
        for (int mi = 0; mi < methods.length; mi++) {
            String m = methods[mi];
            List<Run> all = runs.stream().filter(r -> r.experiment().equals("denoise") && r.method().equals(m)
                    && Double.isFinite(r.errorZ()) && r.errorZ() > 0).toList();
            if (all.isEmpty()) {
                continue;
            }
            XYSeries dots = chart.addSeries(m + " runs", all.stream().mapToDouble(Run::relativeNoise).toArray(),
                    all.stream().mapToDouble(Run::errorZ).toArray());
            dots.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            dots.setMarker(SeriesMarkers.CIRCLE);
            dots.setMarkerColor(new Color(colors[mi].getRed(), colors[mi].getGreen(), colors[mi].getBlue(), 90));
            dots.setShowInLegend(false);
            double[] mx = new double[levels.length], my = new double[levels.length];
            for (int i = 0; i < levels.length; i++) {
                List<Run> at = select(runs, "denoise", levels[i], m);
                mx[i] = PursuitSweep.quantile(at.stream().mapToDouble(Run::relativeNoise).toArray(), 0.5);
                my[i] = Math.max(1e-12, PursuitSweep.quantile(at.stream().mapToDouble(Run::errorZ).toArray(), 0.5));
            }
            XYSeries med = chart.addSeries(m + " (median)", mx, my);
            med.setMarker(SeriesMarkers.DIAMOND);
            med.setLineColor(colors[mi]);
            med.setMarkerColor(colors[mi]);
        }
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

    /** Montage rows: truth, observation, then each method's G(ẑ), for the first {@code count} signals. */
    public static List<List<float[]>> montageRows(List<Run> runs, String experiment, double level, List<String> methods, int count) {
        List<List<float[]>> rows = new ArrayList<>();
        List<Run> first = select(runs, experiment, level, methods.get(0)).stream().filter(r -> r.signal() < count).toList();
        rows.add(first.stream().map(Run::truth).toList());
        rows.add(first.stream().map(Run::observed).toList());
        for (String m : methods) {
            rows.add(select(runs, experiment, level, m).stream().filter(r -> r.signal() < count).map(Run::image).toList());
        }
        return rows;
    }
}
