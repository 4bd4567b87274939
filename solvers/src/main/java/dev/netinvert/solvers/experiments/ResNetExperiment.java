package dev.netinvert.solvers.experiments;

import dev.netinvert.kernels.Activation;
import dev.netinvert.solvers.lifted.ResidualInversion;
import dev.netinvert.solvers.lifted.ResidualNetwork;
import dev.netinvert.solvers.network.SeededGaussian;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The residual-network example of the slides [001] (Part II): l = 20 tied-weight ReLU blocks
 * u^k = u^{k−1} + W_kᵀ ReLU(W_k u^{k−1} + b_k) on ℝ, trained (full-batch Adam on the mean squared error, in
 * double, seeded) to approximate K(u) = u³ + u on [−1.2, 1.2], then inverted through the lifted formulation by
 * {@link ResidualInversion}: the trained network against K, the decoder against the true preimage, and the
 * error against the noise level δ with α = δ.
 */
public final class ResNetExperiment {
    private ResNetExperiment() {}

    public static final int BLOCKS = 20;
    public static final double U_MAX = 1.2;

    /** K(u) = u³ + u. */
    public static double k(double u) {
        return u * u * u + u;
    }

    /** What training reports: the network and its root-mean-square error on the training grid. */
    public record Trained(ResidualNetwork network, double rmse, int steps) {}

    /**
     * Trains l = 20 blocks of width {@code width} (n = 1) on 121 points of [−U_MAX, U_MAX]: weights N(0, 0.3²),
     * biases U(−1, 1), full-batch Adam (lr 1e-2, β = (0.9, 0.999)) on ½·mean (N(u) − K(u))², backpropagated by
     * hand through the tied blocks: with x = W_k u + b, s = σ(x), a = ∂L/∂u^k, the gradients are
     * ∂L/∂W_k[i] = a·s_i + (W_k[i]·a)·σ′(x_i)·u^{k−1}, ∂L/∂b_k[i] = (W_k[i]·a)·σ′(x_i), and
     * ∂L/∂u^{k−1} = a + W_kᵀ diag(σ′(x)) W_k a.
     */
    public static Trained train(int width, int steps, long seed) {
        SeededGaussian rnd = new SeededGaussian(seed);
        int l = BLOCKS, s = 121;
        double[][] w = new double[l][width], b = new double[l][width];
        for (int k = 0; k < l; k++) {
            for (int i = 0; i < width; i++) {
                w[k][i] = 0.3 * rnd.nextGaussian();
                b[k][i] = 2 * rnd.nextUniform() - 1;
            }
        }
        double[] us = new double[s];
        for (int i = 0; i < s; i++) {
            us[i] = -U_MAX + 2 * U_MAX * i / (s - 1);
        }
        double[][] mw = new double[l][width], vw = new double[l][width], mb = new double[l][width], vb = new double[l][width];
        double b1 = 0.9, b2 = 0.999, lr = 1e-2, b1k = 1, b2k = 1;
        double[][] state = new double[l + 1][s];
        double[][] gw = new double[l][width], gb = new double[l][width];
        double rmse = Double.NaN;
        for (int step = 1; step <= steps; step++) {
            for (double[] g : gw) {
                java.util.Arrays.fill(g, 0);
            }
            for (double[] g : gb) {
                java.util.Arrays.fill(g, 0);
            }
            double loss = 0;
            for (int p = 0; p < s; p++) {
                state[0][p] = us[p];
                for (int k = 0; k < l; k++) {
                    double u = state[k][p], next = u;
                    for (int i = 0; i < width; i++) {
                        next += w[k][i] * Math.max(0, w[k][i] * u + b[k][i]);
                    }
                    state[k + 1][p] = next;
                }
                double err = state[l][p] - k(us[p]);
                loss += 0.5 * err * err / s;
                double a = err / s;
                for (int k = l - 1; k >= 0; k--) {
                    double u = state[k][p], back = a;
                    for (int i = 0; i < width; i++) {
                        double x = w[k][i] * u + b[k][i];
                        double act = Math.max(0, x), d = x > 0 ? 1 : 0;
                        gw[k][i] += a * act + w[k][i] * a * d * u;
                        gb[k][i] += w[k][i] * a * d;
                        back += w[k][i] * d * w[k][i] * a;
                    }
                    a = back;
                }
            }
            rmse = Math.sqrt(2 * loss);
            b1k *= b1;
            b2k *= b2;
            for (int k = 0; k < l; k++) {
                for (int i = 0; i < width; i++) {
                    mw[k][i] = b1 * mw[k][i] + (1 - b1) * gw[k][i];
                    vw[k][i] = b2 * vw[k][i] + (1 - b2) * gw[k][i] * gw[k][i];
                    w[k][i] -= lr * (mw[k][i] / (1 - b1k)) / (Math.sqrt(vw[k][i] / (1 - b2k)) + 1e-12);
                    mb[k][i] = b1 * mb[k][i] + (1 - b1) * gb[k][i];
                    vb[k][i] = b2 * vb[k][i] + (1 - b2) * gb[k][i] * gb[k][i];
                    b[k][i] -= lr * (mb[k][i] / (1 - b1k)) / (Math.sqrt(vb[k][i] / (1 - b2k)) + 1e-12);
                }
            }
        }
        double[][][] wm = new double[l][width][1];
        for (int k = 0; k < l; k++) {
            for (int i = 0; i < width; i++) {
                wm[k][i][0] = w[k][i];
            }
        }
        return new Trained(new ResidualNetwork(wm, b, Activation.RELU), rmse, steps);
    }

    /** The preimage of f under the (monotone) trained network on [−U_MAX, U_MAX], by bisection; NaN outside its range. */
    public static double preimage(ResidualNetwork net, double f) {
        double lo = -U_MAX, hi = U_MAX;
        if (f < net.apply(new double[] {lo})[0] || f > net.apply(new double[] {hi})[0]) {
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

    public record NoisePoint(double delta, double alpha, double medianError, double medianConstraint) {}

    /** 15 points u* over [−1, 1], {@code draws} noise draws each, f = N(u*) + δξ, ξ ~ U(−1, 1), α = δ. */
    public static List<NoisePoint> noiseStudy(ResidualNetwork net, double[] deltas, ResidualInversion.Options base, int draws,
                                              long seed) {
        List<NoisePoint> out = new ArrayList<>();
        SeededGaussian rnd = new SeededGaussian(seed);
        for (double delta : deltas) {
            ResidualInversion.Options o = base.withAlpha(delta);
            List<Double> errs = new ArrayList<>(), cons = new ArrayList<>();
            for (int i = 0; i < 15; i++) {
                double uStar = -1 + 2.0 * i / 14;
                double clean = net.apply(new double[] {uStar})[0];
                for (int d = 0; d < draws; d++) {
                    double f = clean + delta * (2 * rnd.nextUniform() - 1);
                    ResidualInversion.Result r = ResidualInversion.solve(net, new double[] {f}, o);
                    errs.add(Math.abs(r.u0()[0] - uStar));
                    cons.add(r.constraint());
                }
            }
            out.add(new NoisePoint(delta, o.alpha(), median(errs), median(cons)));
        }
        return out;
    }

    private static double median(List<Double> v) {
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s[s.length / 2];
    }

    public static byte[] networkPlot(ResidualNetwork net) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(560)
                .title("Residual network [001], 20 tied ReLU blocks trained on K(u) = u^3 + u").xAxisTitle("u").yAxisTitle("output")
                .build();
        chart.getStyler().setXAxisDecimalPattern("0.00");
        chart.getStyler().setYAxisDecimalPattern("0.00");
        double[] us = new double[241], n = new double[241], kk = new double[241];
        for (int i = 0; i < us.length; i++) {
            us[i] = -U_MAX + 2 * U_MAX * i / 240;
            n[i] = net.apply(new double[] {us[i]})[0];
            kk[i] = k(us[i]);
        }
        style(chart.addSeries("K(u) = u^3 + u", us, kk), 0, false);
        style(chart.addSeries("N(u)", us, n), 1, true);
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

    public static byte[] decoderPlot(ResidualNetwork net, ResidualInversion.Options base, double[] alphas) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(560).title("Decoder R(f) of the lifted residual-network inversion")
                .xAxisTitle("f").yAxisTitle("u0").build();
        chart.getStyler().setXAxisDecimalPattern("0.00");
        chart.getStyler().setYAxisDecimalPattern("0.00");
        double f0 = net.apply(new double[] {-U_MAX})[0], f1 = net.apply(new double[] {U_MAX})[0];
        int s = 61;
        double[] fs = new double[s], truth = new double[s];
        for (int i = 0; i < s; i++) {
            fs[i] = f0 + (f1 - f0) * i / (s - 1);
            truth[i] = preimage(net, fs[i]);
        }
        style(chart.addSeries("true preimage N^-1(f)", fs, truth), 0, false);
        int ci = 1;
        for (double a : alphas) {
            double[] r = new double[s];
            for (int i = 0; i < s; i++) {
                r[i] = ResidualInversion.solve(net, new double[] {fs[i]}, base.withAlpha(a)).u0()[0];
            }
            style(chart.addSeries(String.format(Locale.ROOT, "R(f), alpha = %.0e", a), fs, r), ci++, true);
        }
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

    public static byte[] noisePlot(List<NoisePoint> points) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(560).title("Residual network: error against noise level, alpha = delta")
                .xAxisTitle("noise level delta").yAxisTitle("median").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        double[] d = points.stream().mapToDouble(NoisePoint::delta).toArray();
        XYSeries e = chart.addSeries("|u0 - u*|", d, points.stream().mapToDouble(p -> Math.max(1e-16, p.medianError())).toArray());
        XYSeries c = chart.addSeries("||Mu - W^T z||", d, points.stream().mapToDouble(p -> Math.max(1e-16, p.medianConstraint())).toArray());
        style(e, 1, true);
        style(c, 2, false);
        e.setMarker(SeriesMarkers.CIRCLE);
        c.setMarker(SeriesMarkers.DIAMOND);
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
}
