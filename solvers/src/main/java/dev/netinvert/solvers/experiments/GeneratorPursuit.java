package dev.netinvert.solvers.experiments;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.StepSize;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.parallel.Parallelism;
import dev.netinvert.solvers.pursuit.Generators;
import dev.netinvert.solvers.pursuit.GradientDescent;
import dev.netinvert.solvers.pursuit.InversionResult;
import dev.netinvert.solvers.pursuit.LatentPursuit;
import dev.netinvert.solvers.pursuit.ObservationMasks;
import dev.netinvert.solvers.pursuit.Oracle;
import dev.netinvert.solvers.pursuit.Uniqueness;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ForkJoinTask;
import java.util.function.IntConsumer;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The trained-generator experiment of [002] sec. 6.2 (Figs. 5-13) on a generator G: z → x_1 → … → x_L = image:
 * signals y = G(z*) for given latents z* (the codes of test images, or random latents), observed whole
 * ("none"), with 45 % of the pixels hidden at random ("random", Fig. 8) or with the upper rows hidden
 * ("upper", 13 of 28 rows, Fig. 11) ({@link ObservationMasks}). Each is inverted by
 * <ul>
 *   <li>Latent-Pursuit (Alg. 5 [002], ρ = 1e-2, λ = 0, γ = 0, debiased: {@link LatentPursuit.Options#defaults()});</li>
 *   <li>the Oracle, which knows the true supports ({@link Oracle});</li>
 *   <li>gradient descent on ½‖M(G(z) − y)‖² with the paper's schedule: momentum 0.9, step 1e-1 "that gradually
 *       decays", 10 000 iterations; the decay is geometric, η_k = η·γ^k ({@link GradientDescent.Options#stepDecay}).</li>
 * </ul>
 * As in the paper, the recovered ẑ is fed back through G and every layer is scored against the truth's:
 * SNR = 10·log₁₀(‖x_l‖²/‖x_l − x̂_l‖²) for z, each hidden layer and the image (the whole image, hidden pixels
 * included). The uniqueness diagnostic of Cor. 1 [002] ({@link Uniqueness}) is evaluated on the true supports
 * and on those Latent-Pursuit found.
 */
public final class GeneratorPursuit {
    private GeneratorPursuit() {}

    public static final List<String> METHODS = List.of("latent-pursuit", "oracle", "gd");
    public static final List<String> MASKS = List.of("none", "random", "upper");

    /**
     * @param masks        any of {@link #MASKS}
     * @param maskFraction the hidden fraction (the paper: 0.45, i.e. 13 of 28 rows for "upper")
     * @param methods      any of {@link #METHODS}
     * @param gdIterations GD's budget (the paper: 10 000)
     * @param gdStep       GD's first step η (the paper: 1e-1), or NaN for {@link GradientDescent#automaticStep}
     * @param gdDecay      γ of η_k = η·γ^k, in (0, 1]
     * @param gdInitStd    standard deviation of GD's random start
     * @param seed         seed of the masks and of GD's starts
     */
    public record Config(List<String> masks, double maskFraction, List<String> methods, int gdIterations, double gdStep,
                         double gdDecay, double gdInitStd, long seed) {
        public Config {
            masks = List.copyOf(masks);
            methods = List.copyOf(methods);
            for (String m : masks) {
                if (!MASKS.contains(m)) {
                    throw new IllegalArgumentException("masks: expected any of " + MASKS + ", got '" + m + "'");
                }
            }
            for (String m : methods) {
                if (!METHODS.contains(m)) {
                    throw new IllegalArgumentException("methods: expected any of " + METHODS + ", got '" + m + "'");
                }
            }
            if (masks.isEmpty() || methods.isEmpty()) {
                throw new IllegalArgumentException("masks and methods: expected at least one each, got " + masks + ", " + methods);
            }
            if (!(maskFraction > 0 && maskFraction < 1)) {
                throw new IllegalArgumentException("maskFraction must lie in (0, 1), got " + maskFraction);
            }
            if (gdIterations < 1) {
                throw new IllegalArgumentException("gdIterations must be >= 1, got " + gdIterations);
            }
            if (!(gdStep > 0) && !Double.isNaN(gdStep)) {
                throw new IllegalArgumentException("gdStep must be > 0 (or NaN for the automatic step), got " + gdStep);
            }
            if (!(gdDecay > 0 && gdDecay <= 1)) {
                throw new IllegalArgumentException("gdDecay must lie in (0, 1], got " + gdDecay);
            }
            if (!(gdInitStd >= 0)) {
                throw new IllegalArgumentException("gdInitStd must be >= 0, got " + gdInitStd);
            }
        }
    }

    /**
     * One inversion.
     *
     * @param snr           SNR in dB of z, x_1 … x_{L−1} and the image (L + 1 values; +∞ when exact)
     * @param cardinalities s_1 … s_{L−1} of the true signal
     * @param uniqueTrue    Cor. 1 [002] on the true supports (and the observed count)
     * @param uniqueFound   Cor. 1 on the supports the method used or found
     * @param observed      the observation as shown: y on observed pixels, 0 on hidden ones
     * @param truth         G(z*)
     * @param image         G(ẑ)
     */
    public record Run(String mask, int signal, String method, double[] snr, double residual, int iterations,
                      String stopReason, double seconds, int[] cardinalities, boolean uniqueTrue, boolean uniqueFound,
                      float[] observed, float[] truth, float[] image) {}

    /** Runs every mask × latent × method; latents of one mask in parallel on {@code par}'s pool. */
    public static List<Run> run(Network g, FloatMatrix latents, Config c, Parallelism par, IntConsumer progress) {
        Objects.requireNonNull(g, "g");
        Objects.requireNonNull(latents, "latents");
        if (latents.cols() != g.inputSize()) {
            throw new IllegalArgumentException("latents: expected " + g.inputSize() + " columns (n_0), got " + latents.cols());
        }
        for (int l = 1; l <= g.depth(); l++) {
            g.dense(l).operatorNorm(); // computed once here, not raced for by the tasks
        }
        List<Run> runs = new ArrayList<>();
        for (int mi = 0; mi < c.masks().size(); mi++) {
            String maskName = c.masks().get(mi);
            try (Arena arena = Arena.ofShared()) {
                FloatVec mask = switch (maskName) {
                    case "none" -> null;
                    case "random" -> ObservationMasks.random(arena, g.outputSize(), c.maskFraction(), c.seed() + 17);
                    default -> ObservationMasks.upperRows(arena, g.outputSize(), c.maskFraction());
                };
                List<ForkJoinTask<List<Run>>> tasks = new ArrayList<>();
                for (int k = 0; k < latents.rows(); k++) {
                    int sig = k;
                    FloatVec z = FloatVec.of(arena, latents.row(k).toArray());
                    tasks.add(ForkJoinTask.adapt(() -> one(g, c, maskName, sig, z, mask)));
                }
                if (par.pool() == null) {
                    tasks.forEach(t -> runs.addAll(t.invoke()));
                } else {
                    tasks.forEach(t -> par.pool().execute(t));
                    tasks.forEach(t -> runs.addAll(t.join()));
                }
            }
            progress.accept(mi);
        }
        return runs;
    }

    private static List<Run> one(Network g, Config c, String maskName, int sig, FloatVec z, FloatVec mask) {
        List<Run> out = new ArrayList<>();
        try (Arena a = Arena.ofShared()) {
            FloatVec y = g.forward(z, a);
            float[] truth = y.toArray(), observed = truth.clone();
            if (mask != null) {
                for (int i = 0; i < observed.length; i++) {
                    observed[i] *= mask.get(i);
                }
            }
            List<float[]> hidden = Generators.hiddenOf(g, z);
            List<int[]> supports = Generators.supportsOf(g, z);
            int[] card = supports.stream().mapToInt(s -> s.length).toArray();
            boolean uniqueTrue = Uniqueness.ofLatent(g, z, mask).holds();
            float[] zt = z.toArray();
            for (String m : c.methods()) {
                InversionResult r = switch (m) {
                    case "latent-pursuit" -> LatentPursuit.solve(g, y, mask, LatentPursuit.Options.defaults());
                    case "oracle" -> Oracle.solve(g, y, mask, supports, Oracle.Options.defaults());
                    default -> GradientDescent.solve(g, y, mask, GradientDescent.Options.builder().momentum(0.9)
                            .step(Double.isNaN(c.gdStep()) ? StepSize.auto() : StepSize.fixed(c.gdStep()))
                            .stepDecay(c.gdDecay()).maxIterations(c.gdIterations()).seed(c.seed() * 7919 + sig)
                            .initStd(c.gdInitStd()).build());
                };
                FloatVec zh = FloatVec.of(a, r.z());
                List<float[]> hh = Generators.hiddenOf(g, zh);
                float[] img = g.forward(zh, a).toArray();
                double[] snr = new double[g.depth() + 1];
                snr[0] = ImageMetrics.snrDb(zt, r.z());
                for (int l = 1; l < g.depth(); l++) {
                    snr[l] = ImageMetrics.snrDb(hidden.get(l - 1), hh.get(l - 1));
                }
                snr[g.depth()] = ImageMetrics.snrDb(truth, img);
                out.add(new Run(maskName, sig, m, snr, r.residual(), r.totalIterations(), r.stopReason().label(), r.seconds(),
                        card, uniqueTrue, r.uniqueness() != null && r.uniqueness().holds(), observed, truth, img));
            }
        }
        return out;
    }

    /** Every run as CSV with a header line (snr_0 is z, snr_L the image). */
    public static String csv(List<Run> runs, int depth) {
        StringBuilder sb = new StringBuilder("mask,signal,method");
        for (int l = 0; l <= depth; l++) {
            sb.append(",snr_").append(l == 0 ? "z" : l == depth ? "image" : "x" + l).append("_db");
        }
        sb.append(",residual,iterations,stop_reason,seconds");
        for (int l = 1; l < depth; l++) {
            sb.append(",s").append(l);
        }
        sb.append(",unique_true,unique_found\n");
        for (Run r : runs) {
            sb.append(r.mask()).append(',').append(r.signal()).append(',').append(r.method());
            for (double s : r.snr()) {
                sb.append(String.format(Locale.ROOT, ",%.6g", s));
            }
            sb.append(String.format(Locale.ROOT, ",%.6g,%d,%s,%.4g", r.residual(), r.iterations(), r.stopReason(), r.seconds()));
            for (int s : r.cardinalities()) {
                sb.append(',').append(s);
            }
            sb.append(',').append(r.uniqueTrue()).append(',').append(r.uniqueFound()).append('\n');
        }
        return sb.toString();
    }

    /** The SNRs of layer l (0 = z, depth = image) of one mask and method. */
    public static double[] snrs(List<Run> runs, String mask, String method, int l) {
        return runs.stream().filter(r -> r.mask().equals(mask) && r.method().equals(method)).mapToDouble(r -> r.snr()[l]).toArray();
    }

    /** SNRs above this are drawn at it (exact recoveries are +∞). */
    private static final double CAP_DB = 160;

    /**
     * A PNG in the manner of Fig. 5 [002]: for one mask, per method, the median SNR of every layer (z, x_1, …,
     * image) as a thick line with markers and the 10/25/75/90 % quantiles as thin lines of the same colour.
     */
    public static byte[] plot(List<Run> runs, String mask, List<String> methods, Network g) throws IOException {
        int depth = g.depth();
        XYChart chart = new XYChartBuilder().width(800).height(520)
                .title(String.format(Locale.ROOT, "[002] sec. 6.2 on Fashion-MNIST: SNR per layer, %s", switch (mask) {
                    case "none" -> "clean images";
                    case "random" -> "random mask inpainting";
                    default -> "upper-rows mask inpainting";
                })).xAxisTitle("layer: 0 = z (" + g.inputSize() + "), 1.." + (depth - 1) + " hidden, " + depth + " = image ("
                        + g.outputSize() + ")").yAxisTitle("SNR [dB]").build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        Color[] colors = {new Color(0x1f77b4), new Color(0x2ca02c), new Color(0xd62728)};
        double[] xs = new double[depth + 1];
        for (int l = 0; l <= depth; l++) {
            xs[l] = l;
        }
        double[] qs = {0.1, 0.25, 0.5, 0.75, 0.9};
        for (int mi = 0; mi < methods.size(); mi++) {
            String m = methods.get(mi);
            double[][] q = new double[5][depth + 1];
            for (int l = 0; l <= depth; l++) {
                double[] v = snrs(runs, mask, m, l);
                for (int i = 0; i < v.length; i++) {
                    v[i] = Math.min(CAP_DB, Double.isNaN(v[i]) ? -CAP_DB : v[i]);
                }
                for (int k = 0; k < 5; k++) {
                    q[k][l] = v.length == 0 ? Double.NaN : PursuitSweep.quantile(v, qs[k]);
                }
            }
            Color col = colors[METHODS.indexOf(m) % colors.length];
            for (int k = 0; k < 5; k++) {
                XYSeries s = chart.addSeries(k == 2 ? m : m + " q" + (int) Math.round(qs[k] * 100), xs, q[k]);
                s.setMarker(k == 2 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
                s.setMarkerColor(col);
                s.setLineColor(k == 2 ? col : new Color(col.getRed(), col.getGreen(), col.getBlue(), k == 1 || k == 3 ? 150 : 80));
                s.setLineStyle(k == 2 ? new BasicStroke(2.5f) : new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
                        10f, k == 1 || k == 3 ? null : new float[] {4f, 4f}, 0f));
                s.setShowInLegend(k == 2);
            }
        }
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * Rows of a montage for one mask (Figs. 6-13 [002]): the truth, the observation (hidden pixels black), then
     * G(ẑ) for each method, for the first {@code count} signals.
     */
    public static List<List<float[]>> montageRows(List<Run> runs, String mask, List<String> methods, int count) {
        List<List<float[]>> rows = new ArrayList<>();
        List<Run> first = runs.stream().filter(r -> r.mask().equals(mask) && r.method().equals(methods.get(0))
                && r.signal() < count).toList();
        rows.add(first.stream().map(Run::truth).toList());
        if (!mask.equals("none")) {
            rows.add(first.stream().map(Run::observed).toList());
        }
        for (String m : methods) {
            rows.add(runs.stream().filter(r -> r.mask().equals(mask) && r.method().equals(m) && r.signal() < count)
                    .map(Run::image).toList());
        }
        return rows;
    }
}
