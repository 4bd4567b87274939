package dev.netinvert.solvers.cli;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.solvers.IterationListener;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.io.Images;
import dev.netinvert.solvers.io.LoadOptions;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.io.ObservationFiles;
import dev.netinvert.solvers.batch.LockstepDefaults;
import dev.netinvert.solvers.batch.LockstepLandweber;
import dev.netinvert.solvers.batch.LockstepLiftedCoordinateDescent;
import dev.netinvert.solvers.batch.LockstepPdhgTv;
import dev.netinvert.solvers.lifted.Landweber;
import dev.netinvert.solvers.lifted.LiftedCoordinateDescent;
import dev.netinvert.solvers.lifted.LiftedResult;
import dev.netinvert.solvers.lifted.PdhgTv;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Layer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.parallel.Batch;
import dev.netinvert.solvers.parallel.Parallelism;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code invert --method pdhg-tv|landweber|lifted-cd}: the lifted-Bregman methods of [000], which recover an
 * image x. A picocli mixin of {@link InvertCommand}: it declares the options only these methods read, and
 * runs them with the shared ones.
 */
final class LiftedInversion {

    static final List<String> METHODS = List.of("pdhg-tv", "landweber", "lifted-cd");

    @Mixin
    TvOptions tvOptions;

    @Option(names = "--image", description = "Input image shape HxW or CxHxW (default: square, when the input size is a perfect square).")
    String image;

    @Option(names = "--delta", description = "Noise level delta ~ ||y_delta - y|| (required by landweber).")
    Double delta;

    @Option(names = "--eta", description = "Discrepancy-principle factor eta (landweber; default: the solver's).")
    Double eta;

    @Option(names = "--inner-iter", description = "PDHG iterations per x0-step (lifted-cd; default: the solver's).")
    Integer innerIter;

    /** The shared budget and tolerance of this run, from {@link InvertCommand}; null keeps the solver's default. */
    private Integer maxIter;

    private Double tol;

    Integer run(InvertCommand cmd, String m, Double tol) throws Exception {
        if (m.equals("landweber") && delta == null) {
            throw new IllegalArgumentException("--method landweber needs --delta (the noise level ||y_delta - y||) "
                    + "for the discrepancy principle");
        }
        if ((tvOptions.stop != null || tvOptions.gapRadius != null) && !m.equals("pdhg-tv")) {
            throw new IllegalArgumentException("--stop gap:EPS and --gap-radius belong to --method pdhg-tv (its certified "
                    + "primal-dual gap), got --method " + m);
        }
        this.maxIter = cmd.maxIter;
        this.tol = tol;
        boolean quiet = cmd.run.quiet();
        LoadOptions load = new LoadOptions(cmd.allowNonFinite, false);
        try (Arena arena = Arena.ofShared(); Parallelism par = cmd.run.parallelism()) {
            Network net = cmd.source.load(arena, load);
            if (!m.equals("lifted-cd") && net.depth() != 1) {
                throw new IllegalArgumentException("--method " + m + " inverts a single layer, but the model has "
                        + net.depth() + " layers: use --method lifted-cd");
            }
            int[] shape = imageShape(net, m);
            boolean single = Npy.read(cmd.observed, arena).rank() == 1; // a mapping, not a copy
            FloatMatrix batch;
            if (single) {
                FloatVec v = ObservationFiles.load(cmd.observed, net, arena, load);
                batch = FloatMatrix.wrap(v.segment(), v.byteOffset(), 1, v.length());
            } else {
                batch = ObservationFiles.loadBatch(cmd.observed, net, arena, load);
            }
            List<LiftedResult> results = solveAll(cmd, net, batch, shape, m, par, quiet);
            Path out = cmd.run.createdOut();
            writeOutputs(results, m, single, shape, arena, out, cmd);
            if (!quiet) {
                summary(results, out);
            }
            boolean diverged = results.stream().anyMatch(r -> r.stopReason() == StopReason.DIVERGED);
            return diverged ? 3 : 0;
        }
    }

    /** The input image: --image, else the first layer's own image shape (a convolution), else square. */
    private int[] imageShape(Network net, String m) {
        int n = net.inputSize();
        Layer.Shape own = net.layer(1).inputShape();
        if (image == null && own != null) {
            return new int[] {own.channels(), own.height(), own.width()};
        }
        if (image != null) {
            int[] s = OptionValues.image(image);
            if ((long) s[0] * s[1] * s[2] != n) {
                throw new IllegalArgumentException("--image " + image + " has " + (long) s[0] * s[1] * s[2]
                        + " pixels but the network's input has " + n + " elements");
            }
            return s;
        }
        int side = (int) Math.round(Math.sqrt(n));
        if (side * side == n) {
            return new int[] {1, side, side};
        }
        if (m.equals("landweber")) {
            return new int[] {1, 1, n};
        }
        throw new IllegalArgumentException("--image HxW is needed: the input has " + n + " elements, not a square image");
    }

    /**
     * One observation: one solve with within-solve threads. A batch: lockstep blocks ({@code --batch-size}) for
     * pdhg-tv and landweber on a dense first layer and for lifted-cd on a dense network, else one task per
     * observation.
     */
    private List<LiftedResult> solveAll(InvertCommand cmd, Network net, FloatMatrix batch, int[] shape, String m, Parallelism par,
                                        boolean quiet) {
        if (batch.rows() == 1) {
            try (Progress progress = Progress.start(m, budget(m), quiet)) {
                return List.of(solveOne(net, batch.row(0), shape, m, par, progress));
            }
        }
        // lockstep: one pass over each W per iteration for a block of observations (dense layers: the passes are GEMMs)
        int b = cmd.batchSize != null ? cmd.batchSize : LockstepDefaults.batchSize(batch.rows(), par.threads());
        if (m.equals("lifted-cd") && net.isDense()) {
            return LockstepLiftedCoordinateDescent.solve(net, batch, shape[0], shape[1], shape[2], liftedOptions(), b,
                    par);
        }
        if (!m.equals("lifted-cd") && net.layer(1) instanceof DenseLayer dense) {
            return m.equals("pdhg-tv")
                    ? LockstepPdhgTv.solve(dense, batch, shape[0], shape[1], shape[2], pdhgOptions(), b, par)
                    : LockstepLandweber.solve(dense, batch, landweberOptions(), b, par);
        }
        return Batch.solveRows(batch, par, (i, yi) -> {
            try (Parallelism one = Parallelism.sequential()) {
                return solveOne(net, yi, shape, m, one, IterationListener.NONE);
            }
        });
    }

    private LiftedResult solveOne(Network net, FloatVec y, int[] s, String m, Parallelism par,
                                  IterationListener listener) {
        return switch (m) {
            case "pdhg-tv" -> PdhgTv.solve(net.layer(1), y, s[0], s[1], s[2], pdhgOptions(), par, listener);
            case "landweber" -> Landweber.solve(net.layer(1), y, landweberOptions(), par, listener);
            default -> LiftedCoordinateDescent.solve(net.layers(), y, s[0], s[1], s[2], liftedOptions(), par, listener);
        };
    }

    /** The method's iteration budget, for the progress bar. */
    private int budget(String m) {
        return switch (m) {
            case "pdhg-tv" -> pdhgOptions().maxIterations();
            case "landweber" -> landweberOptions().maxIterations();
            default -> liftedOptions().maxOuterIterations();
        };
    }

    private PdhgTv.Options pdhgOptions() {
        PdhgTv.Options.Builder b = PdhgTv.Options.builder();
        OptionValues.ifGiven(tvOptions.alpha, b::alpha);
        OptionValues.ifGiven(maxIter, b::maxIterations);
        OptionValues.ifGiven(tol, b::tol);
        OptionValues.ifGiven(tvOptions.kind(), b::tv);
        tvOptions.applyGap(b);
        return b.build();
    }

    private Landweber.Options landweberOptions() {
        Landweber.Options.Builder b = Landweber.Options.builder(delta);
        OptionValues.ifGiven(eta, b::eta);
        OptionValues.ifGiven(maxIter, b::maxIterations);
        return b.build();
    }

    private LiftedCoordinateDescent.Options liftedOptions() {
        LiftedCoordinateDescent.Options.Builder b = LiftedCoordinateDescent.Options.builder();
        OptionValues.ifGiven(tvOptions.alpha, b::alpha);
        OptionValues.ifGiven(innerIter, b::innerIterations);
        OptionValues.ifGiven(maxIter, b::maxOuterIterations);
        OptionValues.ifGiven(tol, b::tol);
        OptionValues.ifGiven(tvOptions.kind(), b::tv);
        return b.build();
    }

    private void writeOutputs(List<LiftedResult> results, String m, boolean single, int[] shape, Arena arena, Path out,
                              InvertCommand cmd) throws Exception {
        int n = results.get(0).x().length;
        FloatMatrix sol = FloatMatrix.allocate(arena, results.size(), n);
        for (int i = 0; i < results.size(); i++) {
            sol.row(i).copyFrom(results.get(i).x());
        }
        InvertCommand.writeSolutions(out, sol, single);
        if (image != null && shape[0] == 1) {
            for (int i = 0; i < results.size(); i++) {
                String name = single ? "solution.png" : "solution-" + i + ".png";
                Images.writePng(out.resolve(name), sol.row(i), shape[1], shape[2], Images.Scaling.MIN_MAX);
            }
        }
        List<Object> per = new ArrayList<>();
        for (LiftedResult r : results) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("method", r.method());
            e.put("iterations", r.iterations());
            e.put("stop_reason", r.stopReason().label());
            double[] gaps = r.history().gap();
            if (gaps.length > 0 && Double.isFinite(gaps[gaps.length - 1])) {
                e.put("certified_gap", gaps[gaps.length - 1]);
            }
            e.put("objective", Json.finite(r.objective()));
            e.put("discrepancy", Json.finite(r.discrepancy()));
            e.put("last_primal_change", Json.finite(r.primalChange()));
            e.put("last_dual_change", Json.finite(r.dualChange()));
            List<Object> layerRes = new ArrayList<>();
            for (double v : r.layerResiduals()) {
                layerRes.add(Json.finite(v));
            }
            e.put("layer_bregman_residuals", layerRes);
            e.put("seconds", r.seconds());
            e.put("threads", r.threads());
            per.add(e);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("observed", cmd.observed.toString());
        json.put("method", cmd.method);
        json.put("image", shape[0] + "x" + shape[1] + "x" + shape[2]);
        json.put("kernels", KernelProvider.getInstance().describe());
        // The iteration budget the solver was given (outer iterations for lifted-cd): --max-iter when set,
        // else the solver's own default.
        json.put("max_iterations", budget(m));
        json.put("results", per);
        Json.write(out.resolve("result.json"), json);
    }

    private static void summary(List<LiftedResult> results, Path out) {
        for (int i = 0; i < results.size(); i++) {
            LiftedResult r = results.get(i);
            System.out.printf(Locale.ROOT, "observation %d: %s, %d iterations, stop: %s, objective %.6g, "
                            + "||sigma(Wx+b) - y|| = %.4g, %.2f s%n", i, r.method(), r.iterations(),
                    r.stopReason().label(), r.objective(), r.discrepancy(), r.seconds());
        }
        System.out.println("solution written to " + out.resolve("solution.npy").toAbsolutePath().normalize());
    }
}
