package dev.netinvert.solvers.experiments;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.solvers.ConvergenceHistory;
import dev.netinvert.solvers.io.AtomicFiles;
import dev.netinvert.solvers.io.Images;
import dev.netinvert.solvers.lifted.LiftedResult;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Writes the circle experiment's outputs into a folder: the three images (ground truth, Landweber, TV;
 * gray = 255·clamp(x, 0, 1), the same scale for all), a montage of the three side by side (4× enlarged),
 * the convergence plot of the PDHG solve, and {@code report.md} / {@code report.json} with the figures
 * next to the paper's. Every file is written atomically.
 */
public final class CircleReport {
    private CircleReport() {}

    /** Names of the files written, in the order written. */
    public static final List<String> FILES = List.of("truth.png", "landweber.png", "tv.png", "montage.png",
            "convergence.png", "report.json", "report.md");

    public static void write(CircleExperiment.Outcome o, Path dir) throws IOException {
        Files.createDirectories(dir);
        int h = CircleExperiment.HEIGHT, w = CircleExperiment.WIDTH;
        try (Arena arena = Arena.ofShared()) {
            Images.writePng(dir.resolve("truth.png"), FloatMatrix.of(arena, h, w, o.truth()), Images.Scaling.CLIP_0_1);
            Images.writePng(dir.resolve("landweber.png"), FloatMatrix.of(arena, h, w, o.landweber().x()),
                    Images.Scaling.CLIP_0_1);
            Images.writePng(dir.resolve("tv.png"), FloatMatrix.of(arena, h, w, o.tv().x()), Images.Scaling.CLIP_0_1);
            int scale = 4, gap = 8;
            float[] montage = montage(List.of(o.truth(), o.landweber().x(), o.tv().x()), h, w, scale, gap);
            Images.writePng(dir.resolve("montage.png"),
                    FloatMatrix.of(arena, h * scale, 3 * w * scale + 2 * gap, montage), Images.Scaling.CLIP_0_1);
        }
        AtomicFiles.write(dir.resolve("convergence.png"), convergencePlot(o));
        Map<String, Object> json = json(o);
        AtomicFiles.write(dir.resolve("report.json"),
                JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT).asString(json).getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(dir.resolve("report.md"), markdown(o).getBytes(StandardCharsets.UTF_8));
    }

    /** Images side by side, each enlarged {@code scale}× (nearest neighbour), separated by white gaps. */
    static float[] montage(List<float[]> images, int h, int w, int scale, int gap) {
        int outW = images.size() * w * scale + (images.size() - 1) * gap, outH = h * scale;
        float[] out = new float[outH * outW];
        java.util.Arrays.fill(out, 1f);
        for (int k = 0; k < images.size(); k++) {
            float[] img = images.get(k);
            int x0 = k * (w * scale + gap);
            for (int i = 0; i < outH; i++) {
                for (int j = 0; j < w * scale; j++) {
                    out[i * outW + x0 + j] = img[(i / scale) * w + j / scale];
                }
            }
        }
        return out;
    }

    static byte[] convergencePlot(CircleExperiment.Outcome o) throws IOException {
        ConvergenceHistory hist = o.tv().history();
        XYChart chart = new XYChartBuilder().width(900).height(560)
                .title("PDHG-TV on the circle (sec. 5.1.1 [000])").xAxisTitle("iteration").yAxisTitle("value (log scale)")
                .build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        chart.getStyler().setMarkerSize(0);
        addPositive(chart, "objective B(y,Wx+b) + α·TV(x)", hist.iterations(), hist.objective());
        addPositive(chart, "‖x⁺ − x‖", hist.iterations(), hist.primalChange());
        addPositive(chart, "‖z⁺ − z‖", hist.iterations(), hist.dualChange());
        addPositive(chart, "‖σ(Wx+b) − y‖", hist.iterations(), hist.residual());
        addPositive(chart, "certified gap P(x) − min P (‖x‖∞ ≤ 1)", hist.iterations(), hist.gap());
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

    /** Log axes cannot show zeros or NaNs; those samples are left out of the series. */
    private static void addPositive(XYChart chart, String name, int[] it, double[] v) {
        List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
        for (int i = 0; i < it.length; i++) {
            if (v[i] > 0 && Double.isFinite(v[i])) {
                xs.add((double) it[i]);
                ys.add(v[i]);
            }
        }
        if (!xs.isEmpty()) {
            XYSeries s = chart.addSeries(name, xs, ys);
            s.setMarker(SeriesMarkers.NONE);
        }
    }

    static Map<String, Object> json(CircleExperiment.Outcome o) {
        Map<String, Object> m = new LinkedHashMap<>();
        CircleExperiment.Config c = o.config();
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("image", "64x64");
        cfg.put("W", "512x4096");
        cfg.put("weight_std", c.weightStd());
        cfg.put("noise_std", c.noiseStd());
        cfg.put("alpha", c.pdhg().alpha());
        cfg.put("max_iterations", c.pdhg().maxIterations());
        cfg.put("tol", c.pdhg().tol());
        cfg.put("eta", c.landweber().eta());
        cfg.put("seed", c.seed());
        cfg.put("tv", c.pdhg().tv().name().toLowerCase(Locale.ROOT));
        cfg.put("delta", o.delta());
        m.put("config", cfg);
        m.put("kernels", o.kernels());
        m.put("threads", o.tv().threads());
        m.put("truth", imageFigures(o.truth(), o.truth(), CircleExperiment.PAPER_TRUTH_NORM, CircleExperiment.PAPER_TRUTH_TV));
        Map<String, Object> lw = imageFigures(o.landweber().x(), o.truth(), CircleExperiment.PAPER_LANDWEBER_NORM,
                CircleExperiment.PAPER_LANDWEBER_TV);
        lw.putAll(solveFigures(o.landweber()));
        m.put("landweber", lw);
        Map<String, Object> tv = imageFigures(o.tv().x(), o.truth(), CircleExperiment.PAPER_TV_NORM, CircleExperiment.PAPER_TV_TV);
        tv.putAll(solveFigures(o.tv()));
        m.put("pdhg_tv", tv);
        return m;
    }

    private static Map<String, Object> imageFigures(float[] x, float[] truth, double paperNorm, double paperTv) {
        Map<String, Object> m = new LinkedHashMap<>();
        int h = CircleExperiment.HEIGHT, w = CircleExperiment.WIDTH;
        m.put("norm2", ImageMetrics.norm2(x));
        m.put("tv_anisotropic", ImageMetrics.anisotropicTv(x, h, w));
        m.put("tv_isotropic", ImageMetrics.isotropicTv(x, h, w));
        m.put("relative_error", ImageMetrics.relativeError(x, truth));
        m.put("psnr_db", x == truth ? null : ImageMetrics.psnr(x, truth)); // null: identical images
        m.put("paper_norm2", paperNorm);
        m.put("paper_tv", paperTv);
        return m;
    }

    private static Map<String, Object> solveFigures(LiftedResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("iterations", r.iterations());
        m.put("stop_reason", r.stopReason().label());
        m.put("objective", r.objective());
        m.put("discrepancy", r.discrepancy());
        m.put("last_primal_change", r.primalChange());
        m.put("last_dual_change", r.dualChange());
        double[] gap = r.history().gap();
        if (gap.length > 0 && Double.isFinite(gap[gap.length - 1])) {
            m.put("certified_gap", gap[gap.length - 1]); // P(x) − min over ‖x‖∞ ≤ max(1, ‖x‖∞) of P
        }
        m.put("seconds", r.seconds());
        m.put("microseconds_per_iteration", r.microsPerIteration());
        return m;
    }

    static String markdown(CircleExperiment.Outcome o) {
        int h = CircleExperiment.HEIGHT, w = CircleExperiment.WIDTH;
        CircleExperiment.Config c = o.config();
        StringBuilder sb = new StringBuilder();
        sb.append("# Circle experiment (sec. 5.1.1 of Wang & Benning, lifted Bregman inversion)\n\n");
        sb.append(String.format(Locale.ROOT,
                "64×64 disc (radius 15.8, centre (31.5, 31.5)) → y = ReLU(Wx + b), W 512×4096 and b with entries "
                        + "N(0, %.6g²), noise N(0, %.3g²) clipped at 0 (‖y^δ − y‖ = δ = %.4f). α = %.3g, τx = 1.99/‖W‖₂², "
                        + "τz = 1/(8α), tol %.0e, at most %d iterations, %s TV. Seed %d.%n%n",
                c.weightStd(), c.noiseStd(), o.delta(), c.pdhg().alpha(), c.pdhg().tol(), c.pdhg().maxIterations(),
                c.pdhg().tv().name().toLowerCase(Locale.ROOT), c.seed()));
        if (Math.abs(c.weightStd() - 1.0 / 64) < 1e-12) {
            sb.append("Weight scale: the paper does not state it; entries of standard deviation 1/√4096 (PyTorch's "
                    + "default `nn.Linear` scale) reproduce its figures, while N(0, 1) entries make τx so small that "
                    + "the TV term barely acts within 10 000 iterations (`--weight-std 1` to see it).\n\n");
        }
        sb.append("| image | ‖x‖₂ | paper ‖x‖₂ | TV (anisotropic) | paper TV | TV (isotropic) | relative error | PSNR (dB) |\n");
        sb.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        row(sb, "ground truth", o.truth(), o.truth(), CircleExperiment.PAPER_TRUTH_NORM, CircleExperiment.PAPER_TRUTH_TV, h, w);
        row(sb, "Landweber", o.landweber().x(), o.truth(), CircleExperiment.PAPER_LANDWEBER_NORM,
                CircleExperiment.PAPER_LANDWEBER_TV, h, w);
        row(sb, "PDHG-TV", o.tv().x(), o.truth(), CircleExperiment.PAPER_TV_NORM, CircleExperiment.PAPER_TV_TV, h, w);
        sb.append("\nThe paper's \"TV semi-norm\" figures match the anisotropic kind (ground truth exactly 128).\n\n");
        sb.append("| solve | iterations | stop reason | final objective | ‖σ(Wx+b) − y^δ‖ | last ‖x⁺−x‖ | last ‖z⁺−z‖ | time | µs/iteration |\n");
        sb.append("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        solveRow(sb, "Landweber (η = " + c.landweber().eta() + ")", o.landweber());
        solveRow(sb, "PDHG-TV", o.tv());
        sb.append(String.format(Locale.ROOT, "%nKernels: %s; threads: %d; JDK %s.%n%n", o.kernels(), o.tv().threads(),
                Runtime.version()));
        sb.append("Files: `truth.png`, `landweber.png`, `tv.png` (gray = 255·clamp(x, 0, 1)), `montage.png` (the three, "
                + "same scale, 4× enlarged), `convergence.png` (PDHG objective, changes and residual per iteration), "
                + "`report.json`.\n");
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, float[] x, float[] truth, double pn, double ptv, int h, int w) {
        sb.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.4f | %s |%n", name,
                ImageMetrics.norm2(x), pn, ImageMetrics.anisotropicTv(x, h, w), ptv, ImageMetrics.isotropicTv(x, h, w),
                ImageMetrics.relativeError(x, truth),
                x == truth ? "∞" : String.format(Locale.ROOT, "%.2f", ImageMetrics.psnr(x, truth))));
    }

    private static void solveRow(StringBuilder sb, String name, LiftedResult r) {
        sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %.6g | %.4g | %.3g | %s | %.2f s | %.1f |%n", name,
                r.iterations(), r.stopReason().label(), r.objective(), r.discrepancy(), r.primalChange(),
                Double.isNaN(r.dualChange()) ? "—" : String.format(Locale.ROOT, "%.3g", r.dualChange()), r.seconds(),
                r.microsPerIteration()));
    }
}
