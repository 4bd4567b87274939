package dev.netinvert.solvers.cli;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.solvers.io.LoadOptions;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.lp.LayerReport;
import dev.netinvert.solvers.lp.LayerwiseInversion;
import dev.netinvert.solvers.lp.LayerwiseResult;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.parallel.Batch;
import dev.netinvert.solvers.parallel.Parallelism;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import picocli.CommandLine.Option;

/**
 * {@code invert --method exact|lp-linf|lp-l1|lp-relaxed}: the layer-wise inversion of [003] for ReLU and
 * leaky-ReLU generators ({@link LayerwiseInversion}), one observation per row of y. A picocli mixin of
 * {@link InvertCommand}; options left unset keep {@link LayerwiseInversion.Options.Builder}'s defaults.
 */
final class LpInversion {

    static final List<String> METHODS = List.of("exact", "lp-linf", "lp-l1", "lp-relaxed");

    @Option(names = "--eps0", description = "Initial error bound epsilon_0 > 0 of Alg. 1/2 [003]; the relaxed LP's epsilon "
            + "(default: the solver's, 1e-6; give the noise level when it is known).")
    Double eps0;

    @Option(names = "--growth", description = "Factor alpha > 1 by which epsilon grows (default: the solver's, 1.2 as in [003]).")
    Double growth;

    @Option(names = "--lp-search", description = "Alg. 1's search over epsilon: literal (one LP per step, as written), skip, "
            + "bisect (default: the solver's, bisect; all three give the same result).")
    String search;

    @Option(names = "--active-threshold", description = "exact: x_j counts as active when x_j > T * max|x| (default: the "
            + "solver's, 1e-6).")
    Double activeThreshold;

    LayerwiseInversion.Options options(String m) {
        LayerwiseInversion.Options.Builder b = LayerwiseInversion.Options.builder(LayerwiseInversion.Method.of(m));
        if (eps0 != null) {
            b.eps0(eps0);
        }
        if (growth != null) {
            b.growth(growth);
        }
        if (activeThreshold != null) {
            b.activeThreshold(activeThreshold);
        }
        if (search != null) {
            b.search(switch (search.toLowerCase(Locale.ROOT)) {
                case "literal" -> LayerwiseInversion.Search.LITERAL;
                case "skip" -> LayerwiseInversion.Search.SKIP;
                case "bisect" -> LayerwiseInversion.Search.BISECT;
                default -> throw new IllegalArgumentException("--lp-search: expected literal, skip or bisect, got '" + search + "'");
            });
        }
        return b.build();
    }

    Integer run(InvertCommand cmd, String m) throws Exception {
        LayerwiseInversion.Options options = options(m);
        LoadOptions load = new LoadOptions(cmd.allowNonFinite, false);
        try (Arena arena = Arena.ofShared(); Parallelism par = cmd.run.parallelism()) {
            Network net = cmd.source.load(arena, load);
            boolean single = Npy.read(cmd.observed, arena).rank() == 1;
            FloatMatrix batch = PursuitRuns.observations(cmd.observed, net, arena, load);
            List<LayerwiseResult> results = Batch.solveRows(batch, par,
                    (i, y) -> LayerwiseInversion.invert(net, y.toArray(), options));
            Path out = cmd.run.createdOut();
            FloatMatrix sol = FloatMatrix.allocate(arena, results.size(), net.inputSize());
            List<Object> per = new ArrayList<>();
            for (int i = 0; i < results.size(); i++) {
                double[] z = results.get(i).z();
                for (int j = 0; j < z.length; j++) {
                    sol.set(i, j, (float) z[j]);
                }
                per.add(json(results.get(i)));
            }
            InvertCommand.writeSolutions(out, sol, single);
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("observed", cmd.observed.toString());
            json.put("method", m);
            json.put("eps0", options.eps0());
            json.put("growth", options.growth());
            json.put("search", options.search().name().toLowerCase(Locale.ROOT));
            json.put("results", per);
            Json.write(out.resolve("result.json"), json);
            if (!cmd.run.quiet()) {
                for (int i = 0; i < results.size(); i++) {
                    LayerwiseResult r = results.get(i);
                    System.out.printf(Locale.ROOT, "observation %d: %s, %d LPs (%d infeasible), ||G(z) - y||_inf = %.4g, "
                                    + "||G(z) - y||_2 = %.4g, %.3f s%n", i, m, r.lpsFeasible() + r.lpsInfeasible(),
                            r.lpsInfeasible(), r.residualInf(), r.residualL2(), r.seconds());
                }
                System.out.println("solution written to " + out.resolve("solution.npy").toAbsolutePath().normalize());
            }
            return 0;
        }
    }

    static Map<String, Object> json(LayerwiseResult r) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("method", r.method().label());
        e.put("backend", r.backend());
        e.put("lps_feasible", r.lpsFeasible());
        e.put("lps_infeasible", r.lpsInfeasible());
        e.put("residual_l2", r.residualL2());
        e.put("residual_inf", r.residualInf());
        e.put("residual_l1", r.residualL1());
        e.put("seconds", r.seconds());
        List<Object> layers = new ArrayList<>();
        for (LayerReport l : r.layers()) {
            Map<String, Object> le = new LinkedHashMap<>();
            le.put("layer", l.layer());
            le.put("epsilon", Json.finite(l.epsilon()));
            le.put("lps_feasible", l.lpsFeasible());
            le.put("lps_infeasible", l.lpsInfeasible());
            le.put("steps_skipped", l.stepsSkipped());
            le.put("last_status", l.lastStatus().label());
            le.put("active_rows", l.activeRows());
            le.put("condition", Json.finite(l.condition()));
            le.put("residual_inf", l.residualInf());
            le.put("residual_l1", l.residualL1());
            le.put("lp_seconds", l.lpSeconds());
            le.put("seconds", l.seconds());
            layers.add(le);
        }
        e.put("layers", layers);
        return e;
    }
}
