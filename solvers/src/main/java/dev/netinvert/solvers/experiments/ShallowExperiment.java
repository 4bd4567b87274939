package dev.netinvert.solvers.experiments;

import dev.netinvert.kernels.Activation;
import dev.netinvert.solvers.lifted.ShallowInversion;
import dev.netinvert.solvers.lifted.ShallowNetwork;
import dev.netinvert.solvers.network.SeededGaussian;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The shallow-network example of the slides [001] (Part II): N(u) = Σ_{j=1..25} c_j ReLU(u − (j − 1)h),
 * h = 3/50, w_j = 1, with the outer weights c fitted (least squares on 301 points of [0, 1.5]) to
 * K(u) = u·(2u/3)^{3u}, the function on the slide; inverted by {@link ShallowInversion} with α = 1e-4.
 * <ul>
 *   <li>the network against K ({@link #networkPlot});</li>
 *   <li>the decoder R(f) = u₀*(f) against the true preimage N⁻¹(f) over the range of N ({@link #decoderPlot}),
 *       for several α;</li>
 *   <li>convergent regularisation: f^δ = N(u*) + δξ, ξ ~ U(−1, 1), the error |u₀ − u*| against δ with the
 *       a-priori rule α(δ) = δ (α → 0 and δ²/α → 0), and with α fixed ({@link #noisePlot}).</li>
 * </ul>
 */
public final class ShallowExperiment {
    private ShallowExperiment() {}

    public static final int UNITS = 25;
    public static final double H = 3.0 / 50;
    public static final double U_MAX = 1.5;

    /** K(u) = u·(2u/3)^{3u} for u ≥ 0 (K(0) = 0, its limit). */
    public static double k(double u) {
        return u <= 0 ? 0 : u * Math.pow(2 * u / 3, 3 * u);
    }

    /** The slides' network, c fitted to K. */
    public static ShallowNetwork network() {
        double[] w = new double[UNITS], b = new double[UNITS];
        for (int j = 0; j < UNITS; j++) {
            w[j] = 1;
            b[j] = -j * H;
        }
        int s = 301;
        double[] us = new double[s], ks = new double[s];
        for (int i = 0; i < s; i++) {
            us[i] = U_MAX * i / (s - 1);
            ks[i] = k(us[i]);
        }
        double[] c = ShallowNetwork.fitOuterWeights(w, b, Activation.RELU, us, ks);
        return ShallowNetwork.ramps(c, H, Activation.RELU);
    }

    /**
     * The preimage u ∈ [0, U_MAX] of f under N by bisection, when N is increasing there (checked on a fine
     * grid by the caller); NaN outside N's range on the interval.
     */
    public static double preimage(ShallowNetwork net, double f) {
        double lo = 0, hi = U_MAX;
        double flo = net.apply(new double[] {lo})[0], fhi = net.apply(new double[] {hi})[0];
        if (f < flo || f > fhi) {
            return Double.NaN;
        }
        for (int it = 0; it < 200 && hi - lo > 1e-15; it++) {
            double mid = 0.5 * (lo + hi);
            if (net.apply(new double[] {mid})[0] < f) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return 0.5 * (lo + hi);
    }

    /** Whether N is strictly increasing on [0, U_MAX] (sampled on 3001 points). */
    public static boolean increasing(ShallowNetwork net) {
        double prev = Double.NEGATIVE_INFINITY;
        for (int i = 0; i <= 3000; i++) {
            double v = net.apply(new double[] {U_MAX * i / 3000})[0];
            if (!(v > prev)) {
                return false;
            }
            prev = v;
        }
        return true;
    }

    /** One noise level's errors: the median and the 90 % quantile of |u₀ − u*|. */
    public record NoisePoint(double delta, double alpha, double medianError, double q90Error, double medianIterations) {}

    /**
     * For each δ, {@code draws} noisy observations of each of 20 points u* evenly spread over [0.15, 1.35]:
     * f^δ = N(u*) + δξ, ξ ~ U(−1, 1); α = alphaRule(δ). Seeded.
     */
    public static List<NoisePoint> noiseStudy(ShallowNetwork net, double[] deltas, java.util.function.DoubleUnaryOperator alphaRule,
                                              int draws, long seed) {
        List<NoisePoint> out = new ArrayList<>();
        SeededGaussian rnd = new SeededGaussian(seed);
        for (double delta : deltas) {
            double alpha = alphaRule.applyAsDouble(delta);
            ShallowInversion.Options o = ShallowInversion.Options.defaults().withAlpha(alpha);
            List<Double> errs = new ArrayList<>();
            List<Double> its = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                double uStar = 0.15 + 1.2 * i / 19;
                double clean = net.apply(new double[] {uStar})[0];
                for (int d = 0; d < draws; d++) {
                    double f = clean + delta * (2 * rnd.nextUniform() - 1);
                    ShallowInversion.Result r = ShallowInversion.solve(net, new double[] {f}, o);
                    errs.add(Math.abs(r.u0()[0] - uStar));
                    its.add((double) r.iterations());
                }
            }
            double[] e = errs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double[] it = its.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            out.add(new NoisePoint(delta, alpha, e[e.length / 2], e[(int) Math.floor(0.9 * (e.length - 1))], it[it.length / 2]));
        }
        return out;
    }

    /** N and K on [0, U_MAX], with the units' kinks (j − 1)h marked. */
    public static byte[] networkPlot(ShallowNetwork net) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(560).title("Shallow network [001]: N(u) = sum of 25 ReLU ramps fitted to K")
                .xAxisTitle("u").yAxisTitle("output").build();
        chart.getStyler().setXAxisDecimalPattern("0.00");
        chart.getStyler().setYAxisDecimalPattern("0.00");
        double[] us = new double[301], n = new double[301], kk = new double[301];
        for (int i = 0; i < us.length; i++) {
            us[i] = U_MAX * i / 300;
            n[i] = net.apply(new double[] {us[i]})[0];
            kk[i] = k(us[i]);
        }
        style(chart.addSeries("K(u) = u (2u/3)^(3u)", us, kk), 0, false);
        style(chart.addSeries("N(u)", us, n), 1, true);
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

    /** The decoder R(f) = u₀*(f) for each α against the true preimage N⁻¹(f), over the range of N on [0, U_MAX]. */
    public static byte[] decoderPlot(ShallowNetwork net, double[] alphas) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(560).title("Decoder R(f) of the implicit/explicit coordinate descent")
                .xAxisTitle("f").yAxisTitle("u0").build();
        chart.getStyler().setXAxisDecimalPattern("0.00");
        chart.getStyler().setYAxisDecimalPattern("0.00");
        double f0 = net.apply(new double[] {0})[0], f1 = net.apply(new double[] {U_MAX})[0];
        int s = 121;
        double[] fs = new double[s], truth = new double[s];
        for (int i = 0; i < s; i++) {
            fs[i] = f0 + (f1 - f0) * i / (s - 1);
            truth[i] = preimage(net, fs[i]);
        }
        style(chart.addSeries("true preimage N^-1(f)", fs, truth), 0, false);
        int ci = 1;
        for (double a : alphas) {
            double[] r = new double[s];
            ShallowInversion.Options o = ShallowInversion.Options.defaults().withAlpha(a);
            for (int i = 0; i < s; i++) {
                r[i] = ShallowInversion.solve(net, new double[] {fs[i]}, o).u0()[0];
            }
            style(chart.addSeries(String.format(Locale.ROOT, "R(f), alpha = %.0e", a), fs, r), ci++, true);
        }
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

    /** Median error against δ, log-log, one line per α rule. */
    public static byte[] noisePlot(List<List<NoisePoint>> studies, List<String> names) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(560).title("Convergent regularisation: error against noise level")
                .xAxisTitle("noise level delta").yAxisTitle("median |u0 - u*|").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        for (int i = 0; i < studies.size(); i++) {
            double[] d = studies.get(i).stream().mapToDouble(NoisePoint::delta).toArray();
            double[] e = studies.get(i).stream().mapToDouble(p -> Math.max(p.medianError(), 1e-16)).toArray();
            XYSeries s = chart.addSeries(names.get(i), d, e);
            style(s, i, true);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

    private static final Color[] COLORS = {new Color(0x7f7f7f), new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
            new Color(0xd62728)};

    private static void style(XYSeries s, int i, boolean solid) {
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(COLORS[i % COLORS.length]);
        s.setMarkerColor(COLORS[i % COLORS.length]);
        s.setLineStyle(solid ? new BasicStroke(2f)
                : new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {7f, 5f}, 0f));
    }

    /** The table of a noise study as CSV lines. */
    public static String csv(String rule, List<NoisePoint> points) {
        StringBuilder sb = new StringBuilder();
        for (NoisePoint p : points) {
            sb.append(String.format(Locale.ROOT, "%s,%.3g,%.3g,%.6g,%.6g,%.0f%n", rule, p.delta(), p.alpha(), p.medianError(),
                    p.q90Error(), p.medianIterations()));
        }
        return sb.toString();
    }

    static double[] logspace(double from, double to, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = Math.pow(10, from + (to - from) * i / (n - 1));
        }
        return v;
    }

    /** δ = 1e-1 … 1e-5. */
    public static double[] defaultDeltas() {
        return logspace(-1, -5, 9);
    }

    static String arrays(double[] v) {
        return Arrays.toString(v);
    }
}
