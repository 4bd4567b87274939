package dev.netinvert.solvers.experiments;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.admm.Admm;
import dev.netinvert.solvers.admm.AdmmResult;
import dev.netinvert.solvers.admm.Box;
import dev.netinvert.solvers.admm.GradientBaseline;
import dev.netinvert.solvers.admm.InversionLoss;
import dev.netinvert.solvers.admm.OutputLoss;
import dev.netinvert.solvers.network.Network;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The experiments of [004] sec. 3 (Fig. 2 and the adversarial example of Fig. 4) on a <em>trained</em> LeNet-shaped
 * classifier and real images: for each test image x₀ (pixels in [0, 1]) and the class t the network finds least likely
 * at x₀ (the smallest logit), ADMM against Adam and projected gradient on
 * <ul>
 *   <li>{@code xent-l2}: CE(f(x), t) + (λ/2)‖x − x₀‖², unconstrained, from x₀ (Fig. 2 left);</li>
 *   <li>{@code xent-box}: CE(f(x), t) for x ∈ [x₀ − r, x₀ + r] ∩ [0, 1], from x₀ (Fig. 2 right; an adversarial
 *       example in the ℓ∞ ball of radius r that stays a valid image).</li>
 * </ul>
 * CE(z, t) = −log softmax(z)_t ({@link OutputLoss.CrossEntropy}). ADMM runs for every ρ of the panel's grid; every
 * method runs the same number of iterations (no early stop) and the objective is recorded at a true forward pass of
 * each iterate. A run succeeds when argmax f(x) = t at the end. ADMM needs linear layer operators, so the network
 * must use average pooling (or strided convolutions), not max pooling.
 */
public final class AdmmLenet {
    private AdmmLenet() {}

    /** Fashion-MNIST's class names, by label. */
    public static final List<String> FASHION_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
            "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** The panels in their order. */
    public static final List<String> PANELS = List.of("xent-l2", "xent-box");

    /**
     * @param iterations       iterations of every method
     * @param lambda           the L2 weight λ of xent-l2
     * @param radius           the box radius r of xent-box
     * @param xentRhos         ADMM's ρ grid on xent-l2
     * @param boxRhos          ADMM's ρ grid on xent-box
     * @param steps            Adam's learning rates (both panels)
     * @param pgdStep          projected gradient's step on xent-box
     * @param innerTolerance   ADMM's inner CG / FISTA tolerance (relative)
     * @param innerMaxIterations ADMM's CG cap per z-update
     * @param boxMaxIterations ADMM's FISTA cap per boxed z₁-update
     */
    public record Config(int iterations, double lambda, double radius, double[] xentRhos, double[] boxRhos, double[] steps,
                         double pgdStep, double innerTolerance, int innerMaxIterations, int boxMaxIterations) {
        public Config {
            if (iterations < 1) {
                throw new IllegalArgumentException("iterations must be >= 1, got " + iterations);
            }
            if (!(lambda >= 0) || !(radius > 0) || !(pgdStep > 0)) {
                throw new IllegalArgumentException("expected lambda >= 0, radius > 0 and pgdStep > 0, got " + lambda + ", " + radius
                        + ", " + pgdStep);
            }
            if (xentRhos.length == 0 || boxRhos.length == 0 || steps.length == 0) {
                throw new IllegalArgumentException("xentRhos, boxRhos and steps: expected at least one value each");
            }
            for (double[] grid : List.of(xentRhos, boxRhos, steps)) {
                for (double v : grid) {
                    if (!(v > 0) || Double.isInfinite(v)) {
                        throw new IllegalArgumentException("rho and step values must be finite and > 0, got " + v);
                    }
                }
            }
        }

        /**
         * 200 iterations, λ = 0.01, r = 0.1, ρ ∈ {0.001, 0.01, 0.1} on both panels, Adam at 0.01 (the paper's step) and
         * 0.1, projected gradient at 0.01 (the paper's), inner tolerance 1e-4, at most 50 CG and 50 FISTA iterations per
         * z-update: the settings of docs/experiments/lenet (the paper's ρ = 1e-5 for its LeNet stalls here).
         */
        public static Config defaults() {
            return new Config(200, 0.01, 0.1, new double[] {0.001, 0.01, 0.1}, new double[] {0.001, 0.01, 0.1},
                    new double[] {0.01, 0.1}, 0.01, 1e-4, 50, 50);
        }
    }

    /**
     * One method on one image of one panel.
     *
     * @param image     the index of the image in the experiment (0-based)
     * @param row       its row in the data set
     * @param label     its true label
     * @param startClass argmax f(x₀)
     * @param target    t, argmin f(x₀)
     * @param predicted argmax f(x) at the end
     * @param distance  ‖x − x₀‖₂
     * @param maxDeviation ‖x − x₀‖∞
     * @param targetProbability softmax(f(x))_t
     * @param cpuSeconds the solving thread's CPU time for the whole solve (set-up and iterations): the cost on one core,
     *                   which the wall time of a shared machine overstates
     */
    public record Run(String panel, int image, int row, int label, int startClass, int target, String method,
                      AdmmResult result, int predicted, double distance, double maxDeviation, double targetProbability,
                      double cpuSeconds) {
        public boolean success() {
            return predicted == target;
        }
    }

    /** Every panel and method on every row of {@code images} listed in {@code rows}, one image after another. */
    public static List<Run> run(Network net, FloatMatrix images, int[] labels, int[] rows, Config c, Consumer<List<Run>> progress) {
        if (net.inputSize() != images.cols()) {
            throw new IllegalArgumentException("images: expected " + net.inputSize() + " pixels per row (the network's input), got "
                    + images.cols());
        }
        List<Run> all = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) {
            List<Run> mine = image(net, images.row(rows[i]), i, rows[i], labels[rows[i]], c);
            all.addAll(mine);
            progress.accept(mine);
        }
        return all;
    }

    private static List<Run> image(Network net, FloatVec x0, int image, int row, int label, Config c) {
        List<Run> out = new ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            float[] y0 = net.forward(x0, arena).toArray();
            int start = argmax(y0), target = argmin(y0);
            Admm.Options admm = Admm.Options.builder().maxIterations(c.iterations()).absoluteTol(0).relativeTol(0)
                    .innerTolerance(c.innerTolerance()).innerMaxIterations(c.innerMaxIterations())
                    .boxMaxIterations(c.boxMaxIterations()).build();
            GradientBaseline.Options adam = GradientBaseline.Options.builder().maxIterations(c.iterations()).tolerance(0).build();
            OutputLoss xent = new OutputLoss.CrossEntropy(target);

            InversionLoss l2 = InversionLoss.of(xent, c.lambda(), x0);
            for (double rho : c.xentRhos()) {
                out.add(finish("xent-l2", image, row, label, start, target, label("admm rho", rho), x0,
                        () -> Admm.solve(net, l2, x0, admm.toBuilder().rho(rho).build())));
            }
            for (double step : c.steps()) {
                out.add(finish("xent-l2", image, row, label, start, target, label("adam lr", step), x0,
                        () -> GradientBaseline.solve(net, l2, x0, adam.toBuilder().step(step).build())));
            }
            InversionLoss boxed = InversionLoss.of(xent, 0, null).within(Box.around(arena, x0, c.radius(), 0, 1));
            for (double rho : c.boxRhos()) {
                out.add(finish("xent-box", image, row, label, start, target, label("admm rho", rho), x0,
                        () -> Admm.solve(net, boxed, x0, admm.toBuilder().rho(rho).build())));
            }
            for (double step : c.steps()) {
                out.add(finish("xent-box", image, row, label, start, target, label("adam lr", step), x0,
                        () -> GradientBaseline.solve(net, boxed, x0, adam.toBuilder().step(step).build())));
            }
            out.add(finish("xent-box", image, row, label, start, target, label("pgd lr", c.pgdStep()), x0,
                    () -> GradientBaseline.solve(net, boxed, x0, adam.toBuilder().method(GradientBaseline.Method.PGD)
                            .step(c.pgdStep()).build())));
        }
        return out;
    }

    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private static Run finish(String panel, int image, int row, int label, int start, int target, String method, FloatVec x0,
                              Supplier<AdmmResult> solve) {
        long c0 = CPU.getCurrentThreadCpuTime();
        AdmmResult r = solve.get();
        double cpu = (CPU.getCurrentThreadCpuTime() - c0) * 1e-9;
        double d2 = 0, dInf = 0;
        for (int j = 0; j < r.x().length; j++) {
            double d = r.x()[j] - x0.get(j);
            d2 += d * d;
            dInf = Math.max(dInf, Math.abs(d));
        }
        float[] y = r.output();
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float v : y) {
            max = Math.max(max, v);
        }
        for (float v : y) {
            sum += Math.exp(v - max);
        }
        double p = Math.exp(y[target] - max) / sum;
        return new Run(panel, image, row, label, start, target, method, r, argmax(y), Math.sqrt(d2), dInf, p, cpu);
    }

    static String label(String what, double v) {
        return what + " " + new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }

    static int argmax(float[] y) {
        int best = 0;
        for (int j = 1; j < y.length; j++) {
            if (y[j] > y[best]) {
                best = j;
            }
        }
        return best;
    }

    static int argmin(float[] y) {
        int best = 0;
        for (int j = 1; j < y.length; j++) {
            if (y[j] < y[best]) {
                best = j;
            }
        }
        return best;
    }

    /** runs.csv: one line per panel, image and method. */
    public static String csv(List<Run> runs) {
        StringBuilder sb = new StringBuilder("panel,image,row,label,start_class,target,method,iterations,stop_reason,objective,"
                + "output_term,input_term,predicted,success,target_probability,distance_l2,distance_linf,primal_residual,"
                + "setup_seconds,seconds,cpu_seconds\n");
        for (Run u : runs) {
            AdmmResult r = u.result();
            sb.append(String.format(Locale.ROOT, "%s,%d,%d,%d,%d,%d,%s,%d,%s,%.9g,%.9g,%.9g,%d,%b,%.6g,%.6g,%.6g,%.4g,%.4g,%.4g,%.4g%n",
                    u.panel(), u.image(), u.row(), u.label(), u.startClass(), u.target(), u.method(), r.iterations(),
                    r.stopReason().label(), r.objective(), r.outputTerm(), r.inputTerm(), u.predicted(), u.success(),
                    u.targetProbability(), u.distance(), u.maxDeviation(), r.primalResidual(), r.setupSeconds(), r.seconds(), u.cpuSeconds()));
        }
        return sb.toString();
    }

    /**
     * curves.csv: every run's objective against iterations, one row per panel, image and method (columns: the
     * iterations the history recorded, the same for every run since none stops early), values to 6 digits.
     */
    public static String curves(List<Run> runs) {
        StringBuilder sb = new StringBuilder("panel,image,method");
        int[] its = runs.isEmpty() ? new int[0] : runs.get(0).result().history().iterations();
        for (int k : its) {
            sb.append(",it").append(k);
        }
        sb.append('\n');
        for (Run u : runs) {
            sb.append(u.panel()).append(',').append(u.image()).append(',').append(u.method());
            for (double v : u.result().history().objective()) {
                sb.append(',').append(String.format(Locale.ROOT, "%.6g", v));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * Per panel and method, over the images: the success rate, the medians of the final objective, of ‖x − x₀‖₂, of
     * the first iteration at which the objective is within 1e-3 (relative) of that image's best final objective over
     * the panel's methods (−1 when never), of the wall time (set-up + iterations) and of the CPU time; and the number of
     * diverged runs.
     */
    public record Summary(String panel, String method, int runs, double successRate, double medianObjective,
                          double medianDistance, double medianIterationsToBest, double medianSeconds, double medianCpuSeconds,
                          int diverged) {}

    public static List<Summary> summarize(List<Run> runs) {
        List<Summary> out = new ArrayList<>();
        for (String panel : PANELS) {
            List<String> methods = runs.stream().filter(r -> r.panel().equals(panel)).map(Run::method).distinct().toList();
            for (String m : methods) {
                List<Run> mine = runs.stream().filter(r -> r.panel().equals(panel) && r.method().equals(m)).toList();
                double success = mine.stream().filter(Run::success).count() / (double) mine.size();
                double[] obj = mine.stream().mapToDouble(r -> r.result().objective()).toArray();
                double[] dist = mine.stream().mapToDouble(Run::distance).toArray();
                double[] its = mine.stream().mapToDouble(r -> AdmmCompare.iterationsTo(r.result(), best(runs, panel, r.image())))
                        .toArray();
                double[] sec = mine.stream().mapToDouble(r -> r.result().setupSeconds() + r.result().seconds()).toArray();
                double[] cpu = mine.stream().mapToDouble(Run::cpuSeconds).toArray();
                int div = (int) mine.stream().filter(r -> r.result().stopReason() == StopReason.DIVERGED).count();
                out.add(new Summary(panel, m, mine.size(), success, AdmmCompare.median(obj), AdmmCompare.median(dist),
                        AdmmCompare.median(its), AdmmCompare.median(sec), AdmmCompare.median(cpu), div));
            }
        }
        return out;
    }

    private static double best(List<Run> runs, String panel, int image) {
        return runs.stream().filter(r -> r.panel().equals(panel) && r.image() == image)
                .mapToDouble(r -> r.result().objective()).filter(Double::isFinite).min().orElse(Double.NaN);
    }

    /** The ADMM method of {@code panel} with the lowest median final objective (the ρ the grid chooses). */
    public static String bestAdmm(List<Summary> summary, String panel) {
        return summary.stream().filter(s -> s.panel().equals(panel) && s.method().startsWith("admm"))
                .min((a, b) -> Double.compare(a.medianObjective(), b.medianObjective())).map(Summary::method).orElseThrow();
    }

    /**
     * The median over images of each method's objective against iterations (every method records every iteration
     * and runs the same number, so the samples line up); log scale when the curves span a decade.
     */
    public static byte[] medianPlot(List<Run> runs, String panel, String network) throws IOException {
        int images = (int) runs.stream().filter(r -> r.panel().equals(panel)).mapToInt(Run::image).distinct().count();
        XYChart chart = new XYChartBuilder().width(900).height(560)
                .title("[004] " + panel + ": median over " + images + " images, " + network)
                .xAxisTitle("iteration").yAxisTitle("median objective l(x, f(x)) at a forward pass").build();
        List<String> methods = runs.stream().filter(r -> r.panel().equals(panel)).map(Run::method).distinct().toList();
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        List<double[][]> series = new ArrayList<>();
        for (String m : methods) {
            List<Run> mine = runs.stream().filter(r -> r.panel().equals(panel) && r.method().equals(m)).toList();
            int len = mine.stream().mapToInt(r -> r.result().history().iterations().length).min().orElse(0);
            double[] x = new double[len], y = new double[len];
            for (int k = 0; k < len; k++) {
                int kk = k;
                x[k] = mine.get(0).result().history().iterations()[k];
                y[k] = Math.max(1e-12, AdmmCompare.median(mine.stream().mapToDouble(r -> r.result().history().objective()[kk])
                        .toArray()));
                if (Double.isFinite(y[k])) {
                    lo = Math.min(lo, y[k]);
                    hi = Math.max(hi, y[k]);
                }
            }
            series.add(new double[][] {x, y});
        }
        chart.getStyler().setYAxisLogarithmic(hi > 10 * lo);
        for (int i = 0; i < methods.size(); i++) {
            XYSeries s = chart.addSeries(methods.get(i), series.get(i)[0], series.get(i)[1]);
            s.setMarker(SeriesMarkers.NONE);
            s.setLineColor(COLORS[i % COLORS.length]);
            s.setLineStyle(methods.get(i).startsWith("admm") ? new BasicStroke(2f)
                    : new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        }
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
            new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2)};

    /**
     * A montage of adversarial examples (Fig. 4 [004]): one row per image, columns original x₀, then for each of
     * {@code methods} the result x and the difference x − x₀ amplified to the box radius (gray 0.5 + (x − x₀)/(2r); blue
     * below, red above x₀, saturated at ±r); tiles enlarged to 112 pixels or more. Under each tile: the predicted class and
     * its softmax probability, and whether the target was hit (the original's true label; the differences' ℓ₂ and ℓ∞ norms).
     *
     * @param images side × side pixels per image, values in [0, 1]
     * @param names  class names by label (numbers are used beyond the list)
     */
    public static byte[] montage(List<Run> runs, String panel, List<String> methods, FloatMatrix images, int side, double radius,
                                 int count, Network net, List<String> names) throws IOException {
        List<Integer> imgs = runs.stream().filter(r -> r.panel().equals(panel)).map(Run::image).distinct().limit(count).toList();
        int scale = Math.max(1, 112 / side), tile = side * scale, gap = 10, text = 30;
        int cols = 1 + 2 * methods.size();
        int width = cols * (tile + gap) + gap, height = 22 + imgs.size() * (tile + text + gap) + gap;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 11));
        g.drawString("original", gap, 15);
        for (int m = 0; m < methods.size(); m++) {
            g.drawString(methods.get(m), gap + (1 + 2 * m) * (tile + gap), 15);
            g.drawString("x - x0, ±" + radius, gap + (2 + 2 * m) * (tile + gap), 15);
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        try (Arena arena = Arena.ofShared()) {
            for (int i = 0; i < imgs.size(); i++) {
                int image = imgs.get(i);
                Run any = runs.stream().filter(r -> r.panel().equals(panel) && r.image() == image).findFirst().orElseThrow();
                FloatVec x0 = images.row(any.row());
                float[] y0 = net.forward(x0, arena).toArray();
                int top = 22 + i * (tile + text + gap);
                float[] orig = x0.toArray();
                drawGray(img, orig, side, scale, gap, top);
                caption(g, gap, top + tile, "true " + name(names, any.label()),
                        "pred " + name(names, any.startClass()) + String.format(Locale.ROOT, " %.2f", softmax(y0, any.startClass())));
                for (int m = 0; m < methods.size(); m++) {
                    String method = methods.get(m);
                    Run r = runs.stream().filter(u -> u.panel().equals(panel) && u.image() == image && u.method().equals(method))
                            .findFirst().orElseThrow();
                    int left = gap + (1 + 2 * m) * (tile + gap);
                    drawGray(img, r.result().x(), side, scale, left, top);
                    caption(g, left, top + tile, "pred " + name(names, r.predicted()) + String.format(Locale.ROOT, " %.2f",
                            softmax(r.result().output(), r.predicted())), (r.success() ? "hit: " : "missed: ") + name(names, r.target()));
                    float[] diff = new float[orig.length];
                    for (int j = 0; j < diff.length; j++) {
                        diff[j] = r.result().x()[j] - orig[j];
                    }
                    drawDiff(img, diff, side, scale, left + tile + gap, top, radius);
                    caption(g, left + tile + gap, top + tile, String.format(Locale.ROOT, "|d|2 %.2f", r.distance()),
                            String.format(Locale.ROOT, "|d|inf %.3f", r.maxDeviation()));
                }
            }
        }
        g.dispose();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(img, "png", bytes);
        return bytes.toByteArray();
    }

    private static String name(List<String> names, int label) {
        return label < names.size() ? names.get(label) : Integer.toString(label);
    }

    private static double softmax(float[] y, int k) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float v : y) {
            max = Math.max(max, v);
        }
        for (float v : y) {
            sum += Math.exp(v - max);
        }
        return Math.exp(y[k] - max) / sum;
    }

    private static void caption(Graphics2D g, int left, int top, String a, String b) {
        g.setColor(Color.BLACK);
        g.drawString(a, left, top + 12);
        g.drawString(b, left, top + 25);
    }

    private static void drawGray(BufferedImage img, float[] px, int side, int scale, int left, int top) {
        for (int r = 0; r < side * scale; r++) {
            for (int c = 0; c < side * scale; c++) {
                int v = (int) Math.round(255 * Math.clamp(px[(r / scale) * side + c / scale], 0f, 1f));
                img.setRGB(left + c, top + r, (v << 16) | (v << 8) | v);
            }
        }
    }

    /** Diverging colours: white at 0, red (x above x₀) or blue (below) at ±radius. */
    private static void drawDiff(BufferedImage img, float[] d, int side, int scale, int left, int top, double radius) {
        for (int r = 0; r < side * scale; r++) {
            for (int c = 0; c < side * scale; c++) {
                double t = Math.clamp(d[(r / scale) * side + c / scale] / radius, -1.0, 1.0);
                int fade = (int) Math.round(255 * (1 - Math.abs(t)));
                int rgb = t >= 0 ? (255 << 16) | (fade << 8) | fade : (fade << 16) | (fade << 8) | 255;
                img.setRGB(left + c, top + r, rgb);
            }
        }
    }

    /** The fraction of runs per panel and method that succeeded, as a compact line, for logs. */
    public static String successLine(List<Run> runs) {
        StringBuilder sb = new StringBuilder();
        for (Run r : runs) {
            sb.append(String.format(Locale.ROOT, "%s/%s %s %.3g; ", r.panel(), r.method(), r.success() ? "hit" : "miss",
                    r.result().objective()));
        }
        return sb.toString();
    }
}
