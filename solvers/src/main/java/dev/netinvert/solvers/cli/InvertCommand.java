package dev.netinvert.solvers.cli;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.io.AtomicFiles;
import dev.netinvert.solvers.io.Images;
import dev.netinvert.solvers.io.LoadOptions;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.io.ObservationFiles;
import dev.netinvert.solvers.io.Tensor;
import dev.netinvert.solvers.lifted.Landweber;
import dev.netinvert.solvers.lifted.LiftedCoordinateDescent;
import dev.netinvert.solvers.lifted.LiftedResult;
import dev.netinvert.solvers.lifted.PdhgTv;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.StepSize;
import dev.netinvert.solvers.parallel.Parallelism;
import dev.netinvert.solvers.pursuit.EpsilonRule;
import dev.netinvert.solvers.pursuit.GradientDescent;
import dev.netinvert.solvers.pursuit.InversionResult;
import dev.netinvert.solvers.pursuit.Lambdas;
import dev.netinvert.solvers.pursuit.LatentPursuit;
import dev.netinvert.solvers.pursuit.LayeredBasisPursuit;
import dev.netinvert.solvers.pursuit.Oracle;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ForkJoinTask;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code invert}: a user's network and observation(s) → solution(s). */
@Command(name = "invert", mixinStandardHelpOptions = true,
        description = {"Invert a network: recover the input x (or latent z) from an observed output y.",
                "A 1-D --observed array is one observation; a 2-D array is a batch (one observation per row), solved "
                        + "in parallel; the solution .npy then has one row per observation.",
                "Writes solution.npy, result.json (iterations, stop reason, residuals, time per observation) and, "
                        + "with --image, solution.png (or solution-<i>.png per observation) to --out."})
final class InvertCommand implements Callable<Integer> {

    static final class Source {
        @Option(names = "--model", required = true, description = "Model description JSON (see README).")
        Path model;

        @ArgGroup(exclusive = false)
        Perceptron perceptron;
    }

    static final class Perceptron {
        @Option(names = "--weight", required = true, description = "W as a 2-D .npy (outputs x inputs, row-major).")
        Path weight;

        @Option(names = "--bias", description = "b as a 1-D .npy (optional).")
        Path bias;

        @Option(names = "--activation", defaultValue = "relu",
                description = "identity, relu, tanh, sigmoid, clip, leaky_relu:SLOPE, soft_threshold:LAMBDA (default ${DEFAULT-VALUE}).")
        String activation;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--observed", required = true, description = "The observation y: a 1-D .npy, or 2-D for a batch.")
    Path observed;

    @Option(names = "--method", defaultValue = "pdhg-tv", description = "pdhg-tv (default), landweber, lifted-cd "
            + "(lifted Bregman, [000]); latent-pursuit, layered-bp, oracle, gd, adam (generators x = phi(W_L ReLU(...)), [002]).")
    String method;

    @Option(names = "--mask", description = "Partial observations (pursuit and gradient methods): a 1-D .npy of the output size, "
            + "1 = observed, 0 = unknown.")
    Path mask;

    @Option(names = "--latent", description = "True latent vector(s) z.npy (n_0, or batch x n_0): the oracle reads the hidden "
            + "supports from G(z).")
    Path latent;

    @Option(names = "--lambda", paramLabel = "<lambda>", description = "l1 weight: lambda_L of Latent-Pursuit eq. (8) [002], lambda of every "
            + "layer of layered-bp (default: the solver's).")
    Double lambdaOption;

    @Option(names = "--noise-level", paramLabel = "EPS", description = "layered-bp only, instead of --lambda: the noise bound "
            + "||y - G(z)||_2 <= EPS (over the observed outputs), from which the epsilon-rule of Alg. 2 [002] sets every lambda: "
            + "lambda_L = 2*ell*EPS (ell: Lipschitz constant of phi^-1 on [y_i - EPS, y_i + EPS], refused when infinite, e.g. tanh "
            + "outputs within EPS of +-1), lambda_i = 2*eps_(i+1) below. 0 gives lambda = 0 (noiseless). result.json reports "
            + "the lambdas and the error bounds eps_i.")
    Double noiseLevel;

    @Option(names = "--rho", description = "ADMM penalty rho of Latent-Pursuit (default: the solver's).")
    Double rho;

    @Option(names = "--gamma", description = "Gaussian prior weight gamma of Latent-Pursuit eq. (16) [002] (default: the solver's).")
    Double gamma;

    @Option(names = "--no-debias", description = "Skip the debiasing step of the pursuits.")
    boolean noDebias;

    @Option(names = "--step", description = "Step size of gd/adam (default: the solver's, automatic for gd, 1e-2 * init-std for adam).")
    Double step;

    @Option(names = "--momentum", description = "Momentum of gd, beta1 of adam (default: the solver's).")
    Double momentum;

    @Option(names = "--seed", description = "Seed of the random start of gd/adam (default: the solver's).")
    Long seed;

    @Option(names = "--init-std", description = "Standard deviation of the random start of gd/adam (default: the solver's).")
    Double initStd;

    @Option(names = "--alpha", description = "TV weight alpha (default: the solver's).")
    Double alpha;

    @Option(names = "--image", description = "Input image shape HxW or CxHxW (default: square, when the input size is a perfect square).")
    String image;

    @Option(names = "--max-iter", description = "Iteration budget (outer iterations for lifted-cd; default: the solver's).")
    Integer maxIter;

    @Option(names = "--tol", description = "Stopping tolerance (default: the solver's; the pursuits' is tighter, their supports "
            + "are read from the iterates and need them accurate).")
    Double tol;

    @Option(names = "--tv", description = "isotropic (default) or anisotropic total variation.")
    String tv;

    @Option(names = "--delta", description = "Noise level delta ~ ||y_delta - y|| (required by landweber).")
    Double delta;

    @Option(names = "--eta", description = "Discrepancy-principle factor eta (landweber; default: the solver's).")
    Double eta;

    @Option(names = "--inner-iter", description = "PDHG iterations per x0-step (lifted-cd; default: the solver's).")
    Integer innerIter;

    @Option(names = "--threads", description = "Threads (default: available processors): within one solve, or across a batch.")
    Integer threads;

    @Option(names = "--out", defaultValue = "invert-out", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--allow-nonfinite", description = "Accept NaN/Inf in weights and observations (rejected by default).")
    boolean allowNonFinite;

    @Option(names = "--quiet", description = "No progress bar and no summary.")
    boolean quiet;

    @Mixin
    VerboseOption verbose;

    @Override
    public Integer call() throws Exception {
        if (maxIter != null && maxIter < 1) {
            throw new IllegalArgumentException("--max-iter must be >= 1, got " + maxIter);
        }
        String m = method.toLowerCase(Locale.ROOT);
        if (noiseLevel != null && !m.equals("layered-bp")) {
            throw new IllegalArgumentException("--noise-level sets the lambdas of --method layered-bp (the epsilon-rule of "
                    + "Alg. 2 [002]), got --method " + m + (m.equals("landweber") ? " (its noise level is --delta)" : ""));
        }
        if (PURSUIT_METHODS.contains(m)) {
            return callPursuit(m);
        }
        if (!List.of("pdhg-tv", "landweber", "lifted-cd").contains(m)) {
            throw new IllegalArgumentException("--method must be pdhg-tv, landweber, lifted-cd, latent-pursuit, layered-bp, "
                    + "oracle, gd or adam, got '" + method + "'");
        }
        if (mask != null) {
            throw new IllegalArgumentException("--mask is accepted by latent-pursuit, layered-bp, oracle, gd and adam, not by " + m);
        }
        if (m.equals("landweber") && delta == null) {
            throw new IllegalArgumentException("--method landweber needs --delta (the noise level ||y_delta - y||) "
                    + "for the discrepancy principle");
        }
        LoadOptions load = new LoadOptions(allowNonFinite, false);
        try (Arena arena = Arena.ofShared(); Parallelism par = Options.parallelism(threads)) {
            Network net = loadNetwork(arena, load);
            if (!m.equals("lifted-cd") && net.depth() != 1) {
                throw new IllegalArgumentException("--method " + m + " inverts a single layer, but the model has "
                        + net.depth() + " layers: use --method lifted-cd");
            }
            int[] shape = imageShape(net.inputSize());
            boolean single = Npy.read(observed, arena).rank() == 1; // a mapping, not a copy
            FloatMatrix batch;
            if (single) {
                FloatVec v = ObservationFiles.load(observed, net, arena, load);
                batch = FloatMatrix.wrap(v.segment(), v.byteOffset(), 1, v.length());
            } else {
                batch = ObservationFiles.loadBatch(observed, net, arena, load);
            }
            List<LiftedResult> results = solveAll(net, batch, shape, m, par);
            writeOutputs(results, single, shape, arena);
            if (!quiet) {
                summary(results);
            }
            boolean diverged = results.stream().anyMatch(r -> r.stopReason() == dev.netinvert.solvers.StopReason.DIVERGED);
            return diverged ? 3 : 0;
        }
    }

    static final List<String> PURSUIT_METHODS = List.of("latent-pursuit", "layered-bp", "oracle", "gd", "adam");

    /** The methods of [002]: z from y = G(z) (one row of y per observation), written as solution.npy. */
    private Integer callPursuit(String m) throws Exception {
        if (noiseLevel != null) {
            if (lambdaOption != null) {
                throw new IllegalArgumentException("--noise-level and --lambda are exclusive (--noise-level sets every lambda of "
                        + "layered-bp by the epsilon-rule), got --lambda " + lambdaOption + " and --noise-level " + noiseLevel);
            }
            if (!(noiseLevel >= 0) || Double.isInfinite(noiseLevel)) {
                throw new IllegalArgumentException("--noise-level must be finite and >= 0, got " + noiseLevel);
            }
        }
        if (m.equals("oracle") && latent == null) {
            throw new IllegalArgumentException("--method oracle needs --latent z.npy (the true latent vectors, whose hidden "
                    + "supports the oracle is given)");
        }
        LoadOptions load = new LoadOptions(allowNonFinite, mask != null);
        try (Arena arena = Arena.ofShared(); Parallelism par = Options.parallelism(threads)) {
            Network net = loadNetwork(arena, load);
            FloatVec mk = PursuitRuns.mask(mask, net, arena);
            boolean single = Npy.read(observed, arena).rank() == 1;
            FloatMatrix batch = PursuitRuns.observations(observed, net, arena, load);
            FloatMatrix z = m.equals("oracle") ? PursuitRuns.latents(latent, net, batch.rows(), arena) : null;
            LatentPursuit.Options.Builder lpb = LatentPursuit.Options.builder();
            Options.ifGiven(lambdaOption, lpb::lambdaLast);
            Options.ifGiven(rho, lpb::rho);
            Options.ifGiven(gamma, lpb::gamma);
            Options.ifGiven(tol, lpb::tol);
            Options.ifGiven(maxIter, lpb::maxIterations);
            LatentPursuit.Options lpl = lpb.debias(!noDebias).build();
            LayeredBasisPursuit.Options.Builder lbb = LayeredBasisPursuit.Options.builder();
            Options.ifGiven(noiseLevel == null ? null : Lambdas.epsilonRule(noiseLevel), lbb::lambdas);
            Options.ifGiven(lambdaOption == null ? null : Lambdas.uniform(lambdaOption), lbb::lambdas);
            Options.ifGiven(tol, lbb::tol);
            Options.ifGiven(maxIter, lbb::maxIterations);
            LayeredBasisPursuit.Options lbp = lbb.debias(!noDebias).build();
            GradientDescent.Options.Builder gdb = GradientDescent.Options.builder()
                    .method(m.equals("adam") ? GradientDescent.Method.ADAM : GradientDescent.Method.GD);
            Options.ifGiven(step == null ? null : StepSize.fixed(step), gdb::step);
            Options.ifGiven(momentum, gdb::momentum);
            Options.ifGiven(seed, gdb::seed);
            Options.ifGiven(initStd, gdb::initStd);
            Options.ifGiven(maxIter, gdb::maxIterations);
            GradientDescent.Options gdo = gdb.build();
            List<InversionResult> results = PursuitRuns.solveAll(batch, par, (i, y) -> switch (m) {
                case "latent-pursuit" -> LatentPursuit.solve(net, y, mk, lpl);
                case "layered-bp" -> LayeredBasisPursuit.solve(net, y, mk, lbp);
                case "oracle" -> Oracle.solve(net, y, mk, PursuitRuns.supportsOf(net, z.row(i)), Oracle.Options.defaults());
                default -> GradientDescent.solve(net, y, mk, gdo);
            });
            Files.createDirectories(out);
            FloatMatrix sol = FloatMatrix.allocate(arena, results.size(), net.inputSize());
            List<Object> per = new ArrayList<>();
            for (int i = 0; i < results.size(); i++) {
                sol.row(i).copyFrom(results.get(i).z());
                Map<String, Object> e = PursuitRuns.json(results.get(i));
                if (m.equals("layered-bp") && noiseLevel != null) {
                    e.put("epsilon_rule", PursuitRuns.json(EpsilonRule.of(net, batch.row(i), mk, noiseLevel, results.get(i).supports())));
                }
                per.add(e);
            }
            if (single) {
                Npy.write(out.resolve("solution.npy"), sol.row(0));
            } else {
                Npy.write(out.resolve("solution.npy"), sol);
            }
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("observed", observed.toString());
            json.put("method", m);
            json.put("mask", mask == null ? null : mask.toString());
            json.put("kernels", dev.netinvert.kernels.Kernels.describe());
            json.put("results", per);
            PursuitRuns.writeJson(out.resolve("result.json"), json);
            if (!quiet) {
                for (int i = 0; i < results.size(); i++) {
                    InversionResult r = results.get(i);
                    System.out.printf(Locale.ROOT, "observation %d: %s, %d iterations, stop: %s, ||M(G(z) - y)|| = %.4g, %.3f s%n",
                            i, r.method(), r.totalIterations(), r.stopReason().label(), r.residual(), r.seconds());
                    if (r.uniqueness() != null && !r.uniqueness().holds()) {
                        System.out.println(r.uniqueness().report());
                    }
                }
                System.out.println("solution written to " + out.resolve("solution.npy").toAbsolutePath().normalize());
            }
            return PursuitRuns.diverged(results) ? 3 : 0;
        }
    }

    Network loadNetwork(Arena arena, LoadOptions load) throws Exception {
        if (source.model != null) {
            return ModelFiles.load(source.model, arena, load);
        }
        Perceptron p = source.perceptron;
        Tensor w = Npy.read(p.weight, arena);
        if (w.rank() != 2) {
            throw new IllegalArgumentException("--weight " + p.weight + ": expected a 2-D array (outputs x inputs), got shape "
                    + Arrays.toString(w.shape()));
        }
        FloatVec b = null;
        if (p.bias != null) {
            Tensor bt = Npy.read(p.bias, arena);
            if (bt.rank() != 1 || bt.dim(0) != w.dim(0)) {
                throw new IllegalArgumentException("--bias " + p.bias + ": expected shape [" + w.dim(0) + "] (W's rows), got "
                        + Arrays.toString(bt.shape()));
            }
            b = bt.data();
        }
        return Network.of(new DenseLayer(w.asMatrix(), b, Options.activation(p.activation)));
    }

    private int[] imageShape(int n) {
        if (image != null) {
            int[] s = Options.image(image);
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
        if (method.equalsIgnoreCase("landweber")) {
            return new int[] {1, 1, n};
        }
        throw new IllegalArgumentException("--image HxW is needed: the input has " + n + " elements, not a square image");
    }

    /** One solve per observation: within-solve threads for one, one task per observation for a batch. */
    private List<LiftedResult> solveAll(Network net, FloatMatrix batch, int[] shape, String m, Parallelism par) {
        int count = batch.rows();
        if (count == 1) {
            try (Progress progress = Progress.start(m, budget(m), quiet)) {
                return List.of(solveOne(net, batch.row(0), shape, m, par, progress));
            }
        }
        List<LiftedResult> results = new ArrayList<>();
        List<ForkJoinTask<LiftedResult>> tasks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            FloatVec yi = batch.row(i);
            tasks.add(ForkJoinTask.adapt(() -> {
                try (Parallelism one = Parallelism.sequential()) {
                    return solveOne(net, yi, shape, m, one, dev.netinvert.solvers.IterationListener.NONE);
                }
            }));
        }
        if (par.pool() == null) {
            tasks.forEach(t -> results.add(t.invoke()));
        } else {
            tasks.forEach(t -> par.pool().execute(t));
            tasks.forEach(t -> results.add(t.join()));
        }
        return results;
    }

    private LiftedResult solveOne(Network net, FloatVec y, int[] s, String m, Parallelism par,
                                  dev.netinvert.solvers.IterationListener listener) {
        return switch (m) {
            case "pdhg-tv" -> PdhgTv.solve(net.layer(1), y, s[0], s[1], s[2], pdhgOptions(), par, listener);
            case "landweber" -> Landweber.solve(net.layer(1), y, landweberOptions(), par, listener);
            default -> LiftedCoordinateDescent.solve(net.layers(), y, s[0], s[1], s[2], liftedOptions(), par, listener);
        };
    }

    /** The lifted method's iteration budget, for the progress bar. */
    private int budget(String m) {
        return switch (m) {
            case "pdhg-tv" -> pdhgOptions().maxIterations();
            case "landweber" -> landweberOptions().maxIterations();
            default -> liftedOptions().maxOuterIterations();
        };
    }

    private PdhgTv.Options pdhgOptions() {
        PdhgTv.Options.Builder b = PdhgTv.Options.builder();
        Options.ifGiven(alpha, b::alpha);
        Options.ifGiven(maxIter, b::maxIterations);
        Options.ifGiven(tol, b::tol);
        Options.ifGiven(tv == null ? null : Options.tv(tv), b::tv);
        return b.build();
    }

    private Landweber.Options landweberOptions() {
        Landweber.Options.Builder b = Landweber.Options.builder(delta);
        Options.ifGiven(eta, b::eta);
        Options.ifGiven(maxIter, b::maxIterations);
        return b.build();
    }

    private LiftedCoordinateDescent.Options liftedOptions() {
        LiftedCoordinateDescent.Options.Builder b = LiftedCoordinateDescent.Options.builder();
        Options.ifGiven(alpha, b::alpha);
        Options.ifGiven(innerIter, b::innerIterations);
        Options.ifGiven(maxIter, b::maxOuterIterations);
        Options.ifGiven(tol, b::tol);
        Options.ifGiven(tv == null ? null : Options.tv(tv), b::tv);
        return b.build();
    }

    private void writeOutputs(List<LiftedResult> results, boolean single, int[] shape, Arena arena) throws Exception {
        Files.createDirectories(out);
        int n = results.get(0).x().length;
        FloatMatrix sol = FloatMatrix.allocate(arena, results.size(), n);
        for (int i = 0; i < results.size(); i++) {
            sol.row(i).copyFrom(results.get(i).x());
        }
        if (single) {
            Npy.write(out.resolve("solution.npy"), sol.row(0));
        } else {
            Npy.write(out.resolve("solution.npy"), sol);
        }
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
            e.put("objective", finite(r.objective()));
            e.put("discrepancy", finite(r.discrepancy()));
            e.put("last_primal_change", finite(r.primalChange()));
            e.put("last_dual_change", finite(r.dualChange()));
            List<Object> layerRes = new ArrayList<>();
            for (double v : r.layerResiduals()) {
                layerRes.add(finite(v));
            }
            e.put("layer_bregman_residuals", layerRes);
            e.put("seconds", r.seconds());
            e.put("threads", r.threads());
            per.add(e);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("observed", observed.toString());
        json.put("method", method);
        json.put("image", shape[0] + "x" + shape[1] + "x" + shape[2]);
        json.put("kernels", dev.netinvert.kernels.Kernels.describe());
        json.put("results", per);
        AtomicFiles.write(out.resolve("result.json"),
                JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT).asString(json).getBytes(StandardCharsets.UTF_8));
    }

    /** JSON has no NaN or infinity: those become null. */
    private static Object finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private void summary(List<LiftedResult> results) {
        for (int i = 0; i < results.size(); i++) {
            LiftedResult r = results.get(i);
            System.out.printf(Locale.ROOT, "observation %d: %s, %d iterations, stop: %s, objective %.6g, "
                            + "||sigma(Wx+b) - y|| = %.4g, %.2f s%n", i, r.method(), r.iterations(),
                    r.stopReason().label(), r.objective(), r.discrepancy(), r.seconds());
        }
        System.out.println("solution written to " + out.resolve("solution.npy").toAbsolutePath().normalize());
    }
}
