package dev.netinvert.solvers.experiments;

import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.parallel.Parallelism;
import dev.netinvert.solvers.pursuit.Generators;
import dev.netinvert.solvers.pursuit.GradientDescent;
import dev.netinvert.solvers.pursuit.InversionResult;
import dev.netinvert.solvers.pursuit.LatentPursuit;
import dev.netinvert.solvers.pursuit.Lambdas;
import dev.netinvert.solvers.pursuit.ObservationMasks;
import dev.netinvert.solvers.pursuit.LayeredBasisPursuit;
import dev.netinvert.solvers.pursuit.Oracle;
import dev.netinvert.solvers.pursuit.Supports;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ForkJoinTask;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The random-weight experiment of sec. 6.1 [002] (Fig. 4): x = tanh(W_2 ReLU(W_1 z)), n = 625, N(0, 1)
 * weights, n_1 swept; for each n_1, K signals with z ~ N(0, σ²) ({@link RandomNetworks#latentStd}), inverted by
 * gradient descent, Layered Basis-Pursuit (the λ of {1e-5, 7e-6, 3e-6, 1e-6, 0} with the smallest
 * residual ‖G(ẑ) − y‖ — the paper takes "the best", which needs the ground truth; the residual does not),
 * Latent-Pursuit (λ = 0, ρ = 1e-2, γ = 0, debiased) and the Oracle. Records the SNR of z and of the hidden
 * layer x_1 = ReLU(W_1 ẑ) (the hidden layer of the recovered latent, as in sec. 6.2).
 *
 * <p>Alg. 2's own λ rule ({@link Lambdas#epsilonRule}, λ_L = 2ℓε from a noise bound ε)
 * is not among the candidates: the sweep's signals are noiseless, ε = 0, for which the rule gives λ = 0 —
 * already in the set. It becomes a distinct choice only for noisy observations.
 *
 * <p>Gradient descent: momentum 0.9 from a N(0, σ²) start with the automatic step
 * ({@link GradientDescent#automaticStep}) and a configurable budget (the paper's 10,000 steps and step
 * search are affordable only for small sweeps on two cores).
 */
public final class PursuitSweep {
    private PursuitSweep() {}

    /** The λ set of sec. 6.1 for Layered Basis-Pursuit. */
    public static final double[] LBP_LAMBDAS = {1e-5, 7e-6, 3e-6, 1e-6, 0};

    /**
     * @param n0          latent size
     * @param n           output size
     * @param n1s         hidden sizes swept
     * @param signals     K signals per n_1
     * @param methods     any of "gd", "layered-bp", "latent-pursuit", "oracle"
     * @param gdIterations gradient-descent budget
     * @param maskFraction fraction of outputs hidden (0: none; the paper's inpainting: 0.45)
     * @param upperMask   hide the upper rows of the output seen as a square image instead of random outputs
     *                    ({@link ObservationMasks#upperRows}, the paper's second inpainting mask)
     * @param seed        seed of the networks, latents and masks
     */
    public record Config(int n0, int n, int[] n1s, int signals, List<String> methods, int gdIterations, double maskFraction,
                         boolean upperMask, long seed) {
        /** Random masks (or none). */
        public Config(int n0, int n, int[] n1s, int signals, List<String> methods, int gdIterations, double maskFraction,
                      long seed) {
            this(n0, n, n1s, signals, methods, gdIterations, maskFraction, false, seed);
        }

        public Config {
            if (n0 < 1 || n < 1) {
                throw new IllegalArgumentException("n0 and n must be >= 1, got " + n0 + ", " + n);
            }
            Objects.requireNonNull(n1s, "n1s");
            if (n1s.length == 0 || Arrays.stream(n1s).anyMatch(v -> v < 1)) {
                throw new IllegalArgumentException("n1s: expected at least one hidden size >= 1, got " + Arrays.toString(n1s));
            }
            if (signals < 1) {
                throw new IllegalArgumentException("signals must be >= 1, got " + signals);
            }
            for (String m : methods) {
                if (!List.of("gd", "layered-bp", "latent-pursuit", "oracle").contains(m)) {
                    throw new IllegalArgumentException("methods: expected gd, layered-bp, latent-pursuit or oracle, got '" + m + "'");
                }
            }
            if (gdIterations < 1) {
                throw new IllegalArgumentException("gdIterations must be >= 1, got " + gdIterations);
            }
            if (!(maskFraction >= 0 && maskFraction < 1)) {
                throw new IllegalArgumentException("maskFraction must lie in [0, 1), got " + maskFraction);
            }
        }
    }

    /** One inversion: SNRs in dB, the residual, iterations, time, s_1 and Cor. 1's verdict for the true signal. */
    public record Run(int n1, int signal, String method, double snrZ, double snrHidden, double residual, int iterations,
                      String stopReason, double seconds, int s1, boolean unique) {}

    /** Runs the sweep; signals of one n_1 in parallel on {@code par}'s pool. */
    public static List<Run> run(Config c, Parallelism par, java.util.function.IntConsumer progress) {
        List<Run> runs = new ArrayList<>();
        for (int n1 : c.n1s()) {
            try (Arena arena = Arena.ofShared()) {
                Network net = RandomNetworks.generator002(arena, c.seed() * 1000 + n1, c.n0(), n1, c.n());
                net.dense(1).operatorNorm();
                net.dense(2).operatorNorm();
                double std = RandomNetworks.latentStd(c.n0(), n1);
                FloatVec mask = c.maskFraction() == 0 ? null : c.upperMask()
                        ? ObservationMasks.upperRows(arena, c.n(), c.maskFraction())
                        : ObservationMasks.random(arena, c.n(), c.maskFraction(), c.seed() + 17);
                FloatVec mk = mask;
                List<ForkJoinTask<List<Run>>> tasks = new ArrayList<>();
                for (int k = 0; k < c.signals(); k++) {
                    int sig = k;
                    FloatVec z = RandomNetworks.latent(arena, c.n0(), c.seed() * 1_000_003L + n1 * 1009L + k, std);
                    FloatVec y = net.forward(z, arena);
                    tasks.add(ForkJoinTask.adapt(() -> one(c, net, n1, sig, z, y, mk, std)));
                }
                if (par.pool() == null) {
                    tasks.forEach(t -> runs.addAll(t.invoke()));
                } else {
                    tasks.forEach(t -> par.pool().execute(t));
                    tasks.forEach(t -> runs.addAll(t.join()));
                }
            }
            progress.accept(n1);
        }
        return runs;
    }

    private static List<Run> one(Config c, Network net, int n1, int sig, FloatVec z, FloatVec y, FloatVec mask, double std) {
        float[] zt = z.toArray();
        float[] x1 = Generators.hiddenOf(net, z).get(0);
        int s1 = Supports.support(x1, 0).length;
        boolean unique = dev.netinvert.solvers.pursuit.Uniqueness.ofLatent(net, z, mask).holds();
        List<Run> out = new ArrayList<>();
        for (String m : c.methods()) {
            InversionResult r = switch (m) {
                case "gd" -> GradientDescent.solve(net, y, mask,
                        GradientDescent.Options.builder().seed(c.seed() + sig).initStd(std).maxIterations(c.gdIterations())
                                .build());
                case "layered-bp" -> {
                    InversionResult best = null;
                    for (double lambda : LBP_LAMBDAS) {
                        InversionResult t = LayeredBasisPursuit.solve(net, y, mask, LayeredBasisPursuit.Options.builder()
                                .lambdas(Lambdas.uniform(lambda)).build());
                        if (best == null || t.residual() < best.residual()) {
                            best = t;
                        }
                    }
                    yield best;
                }
                case "latent-pursuit" -> LatentPursuit.solve(net, y, mask, LatentPursuit.Options.defaults());
                default -> Oracle.solve(net, y, mask, Generators.supportsOf(net, z), Oracle.Options.defaults());
            };
            float[] h;
            try (Arena a = Arena.ofShared()) {
                h = Generators.hiddenOf(net, FloatVec.of(a, r.z())).get(0);
            }
            out.add(new Run(n1, sig, m, ImageMetrics.snrDb(zt, r.z()), ImageMetrics.snrDb(x1, h), r.residual(), r.totalIterations(),
                    r.stopReason().label(), r.seconds(), s1, unique));
        }
        return out;
    }

    /** Every run as CSV with a header line. */
    public static String csv(List<Run> runs) {
        StringBuilder sb = new StringBuilder("n1,signal,method,snr_z_db,snr_x1_db,residual,iterations,stop_reason,seconds,s1,unique\n");
        for (Run r : runs) {
            sb.append(String.format(Locale.ROOT, "%d,%d,%s,%.6g,%.6g,%.6g,%d,%s,%.6g,%d,%b%n", r.n1(), r.signal(), r.method(),
                    r.snrZ(), r.snrHidden(), r.residual(), r.iterations(), r.stopReason(), r.seconds(), r.s1(), r.unique()));
        }
        return sb.toString();
    }

    /** The q-quantile (linear interpolation) of the values; +∞ SNRs (exact recovery) sort last. */
    public static double quantile(double[] v, double q) {
        double[] s = v.clone();
        Arrays.sort(s);
        double pos = q * (s.length - 1);
        int lo = (int) Math.floor(pos), hi = (int) Math.ceil(pos);
        if (lo == hi || s[hi] == s[lo]) {
            return s[lo];
        }
        return s[lo] + (pos - lo) * (s[hi] - s[lo]);
    }

    /** SNR values capped for plotting (exact recoveries are +∞). */
    private static final double CAP_DB = 160;

    /**
     * A PNG in the style of Fig. 4 [002]: per method, the median SNR of z (or of x_1) against n_1 as a solid
     * line and the 10/25/75/90% quantiles as thin lines of the same colour, with a dashed vertical line at
     * n_1/2 = n_0, where Cor. 1 (iii) s_1 ≈ n_1/2 ≥ n_0 starts to hold.
     */
    public static byte[] plot(List<Run> runs, Config c, boolean hidden) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(560)
                .title(String.format(Locale.ROOT, "%s recovery, n0 = %d, n = %d%s", hidden ? "hidden layer x1" : "latent z", c.n0(),
                        c.n(), c.maskFraction() > 0 ? String.format(Locale.ROOT, ", %.0f%% masked%s", 100 * c.maskFraction(),
                                c.upperMask() ? " (upper rows)" : "") : ""))
                .xAxisTitle("n1 (hidden layer size)").yAxisTitle("SNR [dB]").build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideSE);
        Color[] colors = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728)};
        int[] n1s = c.n1s();
        double[] xs = Arrays.stream(n1s).asDoubleStream().toArray();
        double lo = 0, hi = 0;
        for (int mi = 0; mi < c.methods().size(); mi++) {
            String m = c.methods().get(mi);
            double[][] q = new double[5][n1s.length];
            double[] qs = {0.1, 0.25, 0.5, 0.75, 0.9};
            for (int j = 0; j < n1s.length; j++) {
                int n1 = n1s[j];
                double[] v = runs.stream().filter(r -> r.n1() == n1 && r.method().equals(m))
                        .mapToDouble(r -> Math.min(CAP_DB, hidden ? r.snrHidden() : r.snrZ())).toArray();
                for (int k = 0; k < 5; k++) {
                    q[k][j] = v.length == 0 ? Double.NaN : quantile(v, qs[k]);
                    lo = Math.min(lo, q[k][j]);
                    hi = Math.max(hi, q[k][j]);
                }
            }
            Color col = colors[mi % colors.length];
            for (int k = 0; k < 5; k++) {
                XYSeries s = chart.addSeries(k == 2 ? m : m + " q" + (int) Math.round(qs[k] * 100), xs, q[k]);
                s.setMarker(SeriesMarkers.NONE);
                s.setLineColor(k == 2 ? col : new Color(col.getRed(), col.getGreen(), col.getBlue(), k == 1 || k == 3 ? 140 : 70));
                s.setLineStyle(new BasicStroke(k == 2 ? 2.5f : 1f));
                s.setShowInLegend(k == 2);
            }
        }
        XYSeries line = chart.addSeries("n1/2 = n0", new double[] {2.0 * c.n0(), 2.0 * c.n0()}, new double[] {lo, hi});
        line.setMarker(SeriesMarkers.NONE);
        line.setLineColor(Color.GRAY);
        line.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 6f}, 0f));
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }
}
