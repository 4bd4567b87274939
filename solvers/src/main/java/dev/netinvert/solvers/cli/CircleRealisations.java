package dev.netinvert.solvers.cli;

import dev.netinvert.solvers.experiments.CircleExperiment;
import dev.netinvert.solvers.experiments.ImageMetrics;
import dev.netinvert.solvers.io.AtomicFiles;
import dev.netinvert.solvers.lifted.LiftedResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The output of {@code circle --realisations N}: the spread (mean, min, max) over the realisations of ‖x‖₂,
 * anisotropic TV, relative error and iterations for Landweber and PDHG-TV, printed and written to
 * realisations.md and realisations.json (per-realisation figures included).
 */
final class CircleRealisations {
    private CircleRealisations() {}

    static void report(CircleExperiment.Realisations r, Path out, boolean quiet) throws Exception {
        StringBuilder md = new StringBuilder();
        int n = r.tv().size();
        md.append(String.format(Locale.ROOT, "# Circle experiment, %d noise realisations in lockstep%n%n", n));
        md.append(String.format(Locale.ROOT, "kernels: %s; B = %d observations per pass over W; %.2f s for both methods, "
                + "all realisations (set-up included)%n%n", r.kernels(), r.batchSize(), r.seconds()));
        md.append(String.format(Locale.ROOT, "| %-10s | %-9s | %9s | %9s | %9s |%n", "method", "figure", "mean", "min", "max"));
        md.append("| --- | --- | ---: | ---: | ---: |\n");
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("realisations", n);
        json.put("batchSize", r.batchSize());
        json.put("seconds", r.seconds());
        json.put("kernels", r.kernels());
        float[] truth = r.truth();
        for (var e : Map.of("Landweber", r.landweber(), "PDHG-TV", r.tv()).entrySet().stream()
                .sorted(Map.Entry.comparingByKey()).toList()) {
            List<LiftedResult> rs = e.getValue();
            Map<String, Object> m = new LinkedHashMap<>();
            row(md, m, e.getKey(), "‖x‖₂", rs, x -> ImageMetrics.norm2(x.x()));
            row(md, m, e.getKey(), "TV(aniso)", rs, x -> ImageMetrics.anisotropicTv(x.x(), 64, 64));
            row(md, m, e.getKey(), "rel.err", rs, x -> ImageMetrics.relativeError(x.x(), truth));
            row(md, m, e.getKey(), "iters", rs, x -> x.iterations());
            List<String> stops = new ArrayList<>();
            rs.forEach(x -> stops.add(x.stopReason().label()));
            m.put("stopReasons", stops);
            json.put(e.getKey(), m);
        }
        md.append(String.format(Locale.ROOT, "%nδ (noise level per realisation): mean %.4f, min %.4f, max %.4f%n",
                mean(r.deltas()), min(r.deltas()), max(r.deltas())));
        md.append("paper (one realisation): truth 28.07 / 128.0, TV solution 25.69 / 114.93, Landweber 6.58 / 707.02\n");
        json.put("deltas", r.deltas());
        AtomicFiles.write(out.resolve("realisations.md"), md.toString().getBytes(StandardCharsets.UTF_8));
        Json.write(out.resolve("realisations.json"), json);
        if (!quiet) {
            System.out.print(md);
            System.out.printf(Locale.ROOT, "outputs in %s (realisations.md, realisations.json)%n",
                    out.toAbsolutePath().normalize());
        }
    }

    private static void row(StringBuilder md, Map<String, Object> json, String method, String figure,
                            List<LiftedResult> rs, ToDoubleFunction<LiftedResult> f) {
        double[] v = rs.stream().mapToDouble(f).toArray();
        md.append(String.format(Locale.ROOT, "| %-10s | %-9s | %9.4f | %9.4f | %9.4f |%n", method, figure, mean(v), min(v),
                max(v)));
        json.put(figure, Map.of("mean", mean(v), "min", min(v), "max", max(v), "values", v));
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double min(double[] v) {
        double m = Double.POSITIVE_INFINITY;
        for (double x : v) {
            m = Math.min(m, x);
        }
        return m;
    }

    private static double max(double[] v) {
        double m = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            m = Math.max(m, x);
        }
        return m;
    }
}
