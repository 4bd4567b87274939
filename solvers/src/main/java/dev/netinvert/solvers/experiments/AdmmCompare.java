package dev.netinvert.solvers.experiments;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.admm.Admm;
import dev.netinvert.solvers.admm.AdmmResult;
import dev.netinvert.solvers.admm.Box;
import dev.netinvert.solvers.admm.GradientBaseline;
import dev.netinvert.solvers.admm.InversionLoss;
import dev.netinvert.solvers.admm.OutputLoss;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.network.SeededGaussian;
import dev.netinvert.solvers.parallel.Parallelism;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ForkJoinTask;
import java.util.function.IntConsumer;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The experiments of [004] sec. 3.1 on a dense classifier ({@link RandomNetworks#mlp004}, 64 → 128 → 128
 * → 16, standing in for the paper's LeNet until convolutional and trained networks exist): ADMM against
 * Adam and projected gradient, objective and residuals against iterations. Four panels, each on
 * {@code runs} seeded instances (network seed s, x* ~ N(0, I) from seed s + 1000):
 * <ul>
 *   <li>{@code mse}: ½‖f(x) − f(x*)‖² + (λ/2)‖x‖² from x = 0; ADMM for every ρ (backward order) against
 *       Adam at every step;</li>
 *   <li>{@code orders}: the same problem, ADMM at ρ = 1 in the four orders (Fig. 1);</li>
 *   <li>{@code xent-l2}: cross-entropy towards the class with the smallest logit at x₀ = x*, plus
 *       (λ/2)‖x − x₀‖², from x₀ (Fig. 2 left); ADMM at ρ = xentRho against Adam;</li>
 *   <li>{@code xent-box}: the same cross-entropy with x ∈ [x₀ − r, x₀ + r] and no L2 term (Fig. 2 right);
 *       ADMM at ρ = boxRho against projected Adam and projected gradient (the paper's step 0.01).</li>
 * </ul>
 */
public final class AdmmCompare {
    private AdmmCompare() {}

    /**
     * @param seed       first instance's seed
     * @param runs       instances per panel
     * @param iterations iterations of every method
     * @param lambda     the L2 weight of the mse and xent-l2 panels
     * @param rhos       ADMM's ρ values on the mse panel
     * @param steps      Adam's learning rates
     * @param xentRho    ADMM's ρ on the xent-l2 panel
     * @param boxRho     ADMM's ρ on the xent-box panel
     * @param radius     the box radius r of the xent-box panel
     */
    public record Config(long seed, int runs, int iterations, double lambda, double[] rhos, double[] steps, double xentRho,
                         double boxRho, double radius) {
        public Config {
            if (runs < 1 || iterations < 1) {
                throw new IllegalArgumentException("runs and iterations must be >= 1, got " + runs + " and " + iterations);
            }
            if (rhos.length == 0 || steps.length == 0) {
                throw new IllegalArgumentException("rhos and steps: expected at least one value each");
            }
        }

        /**
         * 5 instances, 500 iterations, λ = 0.01, ρ ∈ {0.1, 1, 10}, Adam at 0.01 and 0.1, r = 0.5; ρ = 0.01 on
         * xent-l2 and ρ = 1 on xent-box, the best of {1e-5, 0.01, 0.1, 1} for each on these instances (the paper
         * takes ρ = 1e-5 for LeNet; here 1e-5 leaves the objective at 4-7 after 500 iterations).
         */
        public static Config defaults() {
            return new Config(1, 5, 500, 0.01, new double[] {0.1, 1, 10}, new double[] {0.01, 0.1}, 0.01, 1, 0.5);
        }
    }

    /** One method's run on one instance of one panel. */
    public record Curve(String panel, int run, String label, AdmmResult result) {}

    /** Every panel, every instance, every method; instances run in parallel, each single-threaded. */
    public static List<Curve> run(Config c, Parallelism par, IntConsumer progress) {
        List<ForkJoinTask<List<Curve>>> tasks = new ArrayList<>();
        for (int r = 0; r < c.runs(); r++) {
            int run = r;
            tasks.add(ForkJoinTask.adapt(() -> instance(c, run)));
        }
        List<Curve> all = new ArrayList<>();
        if (par.pool() == null) {
            for (int r = 0; r < tasks.size(); r++) {
                all.addAll(tasks.get(r).invoke());
                progress.accept(r);
            }
        } else {
            tasks.forEach(t -> par.pool().execute(t));
            for (int r = 0; r < tasks.size(); r++) {
                all.addAll(tasks.get(r).join());
                progress.accept(r);
            }
        }
        return all;
    }

    private static List<Curve> instance(Config c, int run) {
        List<Curve> out = new ArrayList<>();
        long s = c.seed() + run;
        try (Arena arena = Arena.ofShared()) {
            Network net = RandomNetworks.mlp004(arena, s);
            int n0 = net.inputSize(), nL = net.outputSize();
            FloatVec xStar = FloatVec.allocate(arena, n0);
            new SeededGaussian(s + 1000).fill(xStar, 0, 1);
            FloatVec y = FloatVec.allocate(arena, nL);
            Blas.copy(net.forward(xStar, arena), y);
            FloatVec zero = FloatVec.allocate(arena, n0);
            Admm.Options admm = Admm.Options.builder().maxIterations(c.iterations()).absoluteTol(0).relativeTol(0).build();
            GradientBaseline.Options adam = GradientBaseline.Options.builder().maxIterations(c.iterations()).tolerance(0).build();

            InversionLoss mse = InversionLoss.of(new OutputLoss.SquaredError(y, null), c.lambda(), zero);
            for (double rho : c.rhos()) {
                out.add(new Curve("mse", run, label("admm rho", rho), Admm.solve(net, mse, zero, admm.toBuilder().rho(rho).build())));
            }
            for (double step : c.steps()) {
                out.add(new Curve("mse", run, label("adam lr", step),
                        GradientBaseline.solve(net, mse, zero, adam.toBuilder().step(step).build())));
            }
            for (Admm.Order o : Admm.Order.values()) {
                out.add(new Curve("orders", run, "admm " + o.label(), Admm.solve(net, mse, zero, admm.toBuilder().order(o).build())));
            }

            int target = argmin(y);
            OutputLoss xent = new OutputLoss.CrossEntropy(target);
            InversionLoss l2 = InversionLoss.of(xent, c.lambda(), xStar);
            Admm.Options admmX = admm.toBuilder().rho(c.xentRho()).build();
            out.add(new Curve("xent-l2", run, label("admm rho", c.xentRho()), Admm.solve(net, l2, xStar, admmX)));
            for (double step : c.steps()) {
                out.add(new Curve("xent-l2", run, label("adam lr", step),
                        GradientBaseline.solve(net, l2, xStar, adam.toBuilder().step(step).build())));
            }
            InversionLoss boxed = InversionLoss.of(xent, 0, null).within(Box.around(arena, xStar, c.radius(),
                    Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY));
            out.add(new Curve("xent-box", run, label("admm rho", c.boxRho()), Admm.solve(net, boxed, xStar,
                    admm.toBuilder().rho(c.boxRho()).build())));
            out.add(new Curve("xent-box", run, label("adam lr", c.steps()[0]),
                    GradientBaseline.solve(net, boxed, xStar, adam.toBuilder().step(c.steps()[0]).build())));
            out.add(new Curve("xent-box", run, label("pgd lr", 0.01), GradientBaseline.solve(net, boxed, xStar,
                    adam.toBuilder().method(GradientBaseline.Method.PGD).step(0.01).build())));
        }
        return out;
    }

    private static String label(String what, double v) {
        return what + " " + new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }

    private static int argmin(FloatVec y) {
        int best = 0;
        for (int j = 1; j < y.length(); j++) {
            if (y.get(j) < y.get(best)) {
                best = j;
            }
        }
        return best;
    }

    /** The panels in their order. */
    public static final List<String> PANELS = List.of("mse", "orders", "xent-l2", "xent-box");

    /** runs.csv: one line per panel, instance and method. */
    public static String csv(List<Curve> curves) {
        StringBuilder sb = new StringBuilder("panel,run,label,iterations,stop_reason,objective,output_term,input_term,"
                + "primal_residual,dual_residual,seconds\n");
        for (Curve cv : curves) {
            AdmmResult r = cv.result();
            sb.append(String.format(Locale.ROOT, "%s,%d,%s,%d,%s,%.9g,%.9g,%.9g,%.4g,%.4g,%.4g%n", cv.panel(), cv.run(), cv.label(),
                    r.iterations(), r.stopReason().label(), r.objective(), r.outputTerm(), r.inputTerm(), r.primalResidual(),
                    r.dualResidual(), r.seconds()));
        }
        return sb.toString();
    }

    /**
     * Per panel and method: the median over instances of the final objective, of the first iteration at
     * which the objective is within 1e-3 (relative) of that instance's best final objective over all methods
     * of the panel (−1 when never), and of the final primal residual.
     */
    public record Summary(String panel, String label, double medianObjective, double medianIterationsToBest,
                          double medianPrimal, int diverged) {}

    public static List<Summary> summarize(List<Curve> curves) {
        List<Summary> out = new ArrayList<>();
        for (String panel : PANELS) {
            List<String> labels = curves.stream().filter(c -> c.panel().equals(panel)).map(Curve::label).distinct().toList();
            for (String label : labels) {
                List<Curve> mine = curves.stream().filter(c -> c.panel().equals(panel) && c.label().equals(label)).toList();
                double[] obj = mine.stream().mapToDouble(c -> c.result().objective()).toArray();
                double[] its = mine.stream().mapToDouble(c -> iterationsTo(c.result(), best(curves, panel, c.run()))).toArray();
                double[] pr = mine.stream().mapToDouble(c -> c.result().primalResidual()).toArray();
                int div = (int) mine.stream().filter(c -> c.result().stopReason() == StopReason.DIVERGED).count();
                out.add(new Summary(panel, label, median(obj), median(its), median(pr), div));
            }
        }
        return out;
    }

    private static double best(List<Curve> curves, String panel, int run) {
        return curves.stream().filter(c -> c.panel().equals(panel) && c.run() == run)
                .mapToDouble(c -> c.result().objective()).filter(Double::isFinite).min().orElse(Double.NaN);
    }

    /** The first sampled iteration whose objective is ≤ best + 1e-3·|best|, or −1. */
    static double iterationsTo(AdmmResult r, double best) {
        double[] o = r.history().objective();
        int[] k = r.history().iterations();
        for (int i = 0; i < o.length; i++) {
            if (o[i] <= best + 1e-3 * Math.abs(best)) {
                return k[i];
            }
        }
        return -1;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }

    /** The objective of every method of {@code panel} on instance {@code run} against iterations, log scale. */
    public static byte[] objectivePlot(List<Curve> curves, String panel, int run) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(560)
                .title("ADMM vs gradient baselines [004], " + panel + ", instance " + run + " (64-128-128-16 ReLU MLP)")
                .xAxisTitle("iteration").yAxisTitle("objective l(x, f(x)) at a forward pass (log scale when it spans a decade)").build();
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (Curve c : curves) {
            if (c.panel().equals(panel) && c.run() == run) {
                for (double v : c.result().history().objective()) {
                    if (Double.isFinite(v) && v > 0) {
                        lo = Math.min(lo, v);
                        hi = Math.max(hi, v);
                    }
                }
            }
        }
        // a log axis needs a decade or more to show a tick label; within one, a linear axis reads better
        chart.getStyler().setYAxisLogarithmic(hi > 10 * lo);
        int ci = 0;
        for (Curve c : curves) {
            if (c.panel().equals(panel) && c.run() == run) {
                double[] o = Arrays.stream(c.result().history().objective()).map(v -> Math.max(v, 1e-12)).toArray();
                XYSeries s = chart.addSeries(c.label(), Arrays.stream(c.result().history().iterations()).asDoubleStream().toArray(), o);
                style(s, ci++, c.label().startsWith("admm"));
            }
        }
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

    /** ADMM's primal (solid) and dual (dashed) residuals of the mse panel on instance {@code run}, log scale (Fig. 3 right). */
    public static byte[] residualPlot(List<Curve> curves, String panel, int run) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(560)
                .title("ADMM residuals, " + panel + ", instance " + run).xAxisTitle("iteration").yAxisTitle("residual").build();
        chart.getStyler().setYAxisLogarithmic(true);
        int ci = 0;
        for (Curve c : curves) {
            if (c.panel().equals(panel) && c.run() == run && c.result().method().equals("admm")) {
                double[] x = Arrays.stream(c.result().history().iterations()).asDoubleStream().toArray();
                double[] p = Arrays.stream(c.result().history().primalResidual()).map(v -> Math.max(v, 1e-12)).toArray();
                double[] d = Arrays.stream(c.result().history().dualResidual()).map(v -> Math.max(v, 1e-12)).toArray();
                // iteration 0 has residual 0 by construction (a forward pass): not drawable on a log axis
                XYSeries sp = chart.addSeries(c.label() + " primal", Arrays.copyOfRange(x, 1, x.length),
                        Arrays.copyOfRange(p, 1, p.length));
                XYSeries sd = chart.addSeries(c.label() + " dual", Arrays.copyOfRange(x, 1, x.length),
                        Arrays.copyOfRange(d, 1, d.length));
                style(sp, ci, true);
                style(sd, ci, false);
                ci++;
            }
        }
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
            new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2)};

    private static void style(XYSeries s, int i, boolean solid) {
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(COLORS[i % COLORS.length]);
        s.setLineStyle(solid ? new BasicStroke(2f)
                : new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
    }
}
