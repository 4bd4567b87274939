package dev.netinvert.solvers.cli;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.admm.Admm;
import dev.netinvert.solvers.admm.AdmmResult;
import dev.netinvert.solvers.admm.Box;
import dev.netinvert.solvers.admm.GradientBaseline;
import dev.netinvert.solvers.admm.History;
import dev.netinvert.solvers.admm.InversionLoss;
import dev.netinvert.solvers.admm.OutputLoss;
import dev.netinvert.solvers.io.LoadOptions;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.io.Tensor;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.parallel.Batch;
import dev.netinvert.solvers.parallel.Parallelism;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code invert --method admm|pgd|adam} with a loss: the ADMM inversion of [004] ({@link Admm}) and its
 * gradient baselines ({@link GradientBaseline}) for ℓ = g(f(x)) + (λ/2)‖x − x₀‖² (+ a box). A picocli mixin of
 * {@link InvertCommand}; {@code --rho}, {@code --lambda}, {@code --step} and {@code --mask} are declared by
 * {@link PursuitInversion} and shared. {@code adam} belongs to this family when one of {@code --loss},
 * {@code --box}, {@code --box-radius}, {@code --x0} or {@code --order} is given; without them it is [002]'s
 * generator baseline (the same problem with mse, λ = 0 and a random start).
 */
final class AdmmInversion {

    static final List<String> METHODS = List.of("admm", "pgd");

    @Option(names = "--loss", description = "admm/pgd/adam: the output term g: mse (default; 1/2 ||M(f(x) - y)||^2 with --observed y "
            + "and --mask M), xent:CLASS (softmax cross-entropy towards CLASS), linear:I,J (f(x)_I - f(x)_J, e.g. the true minus "
            + "the desired class of an adversarial example; needs a box) or linear:FILE.npy (c^T f(x)).")
    String loss;

    @Option(names = "--x0", description = "admm/pgd/adam: x0.npy, the start and the centre of the L2 term (lambda/2)||x - x0||^2 "
            + "(default 0).")
    Path x0;

    @Option(names = "--box", paramLabel = "LO,HI", description = "admm/pgd/adam: constrain every input to [LO, HI] (e.g. 0,1 for images).")
    String box;

    @Option(names = "--box-radius", paramLabel = "R", description = "admm/pgd/adam: constrain the input to [x0 - R, x0 + R] "
            + "(intersected with --box if given).")
    Double boxRadius;

    @Option(names = "--order", description = "admm: sweep order backward (default), forward, alternating or jacobi (Fig. 1 [004]).")
    String order;

    /** Whether an option of this family was given (which makes {@code adam} this family's baseline). */
    boolean anyGiven() {
        return loss != null || x0 != null || box != null || boxRadius != null || order != null;
    }

    Integer run(InvertCommand cmd, PursuitInversion shared, String m, Double tol) throws Exception {
        if (order != null && !m.equals("admm")) {
            throw new IllegalArgumentException("--order is an option of --method admm, got --method " + m);
        }
        if (shared.rho != null && !m.equals("admm")) {
            throw new IllegalArgumentException("--rho is the ADMM penalty of --method admm (or latent-pursuit), got --method " + m);
        }
        if (shared.step != null && m.equals("admm")) {
            throw new IllegalArgumentException("--step is the step of adam/pgd; ADMM's parameter is --rho");
        }
        if (shared.latent != null || shared.gamma != null || shared.seed != null || shared.initStd != null || shared.noDebias) {
            throw new IllegalArgumentException("--latent, --gamma, --seed, --init-std and --no-debias are options of the [002] "
                    + "pursuits, not of --method " + m + " with a loss (its start is --x0)");
        }
        LoadOptions load = new LoadOptions(cmd.allowNonFinite, false);
        try (Arena arena = Arena.ofShared(); Parallelism par = cmd.run.parallelism()) {
            Network net = cmd.source.load(arena, load);
            FloatVec start = null;
            if (x0 != null) {
                Tensor t = Npy.read(x0, arena);
                if (t.rank() != 1 || t.dim(0) != net.inputSize()) {
                    throw new IllegalArgumentException("--x0 " + x0 + ": expected shape [" + net.inputSize()
                            + "] (the network's input size), got " + Arrays.toString(t.shape()));
                }
                start = t.data();
            }
            FloatVec mask = PursuitRuns.mask(shared.mask, net, arena);
            String lossSpec = loss == null ? "mse" : loss.trim();
            boolean mse = lossSpec.equalsIgnoreCase("mse");
            if (!mse && mask != null) {
                throw new IllegalArgumentException("--mask selects the observed outputs of --loss mse, got --loss " + lossSpec);
            }
            FloatMatrix ys;
            boolean single;
            if (mse) {
                if (cmd.observed == null) {
                    throw new IllegalArgumentException("--loss mse needs --observed y.npy");
                }
                single = Npy.read(cmd.observed, arena).rank() == 1;
                ys = PursuitRuns.observations(cmd.observed, net, arena, load);
            } else {
                if (cmd.observed != null) {
                    throw new IllegalArgumentException("--observed is the target of --loss mse; --loss " + lossSpec
                            + " does not use it");
                }
                single = true;
                ys = FloatMatrix.allocate(arena, 1, net.outputSize());
            }
            Box b = box(arena, net.inputSize(), start);
            double lambda = shared.lambdaOption == null ? 0 : shared.lambdaOption;
            FloatVec center = start;
            OutputLoss fixedOutput = mse ? null : outputLoss(lossSpec, net, arena);
            Admm.Options admm = admmOptions(cmd, shared, tol);
            GradientBaseline.Options base = baselineOptions(cmd, shared, tol, m);
            FloatVec s0 = start;
            List<AdmmResult> results = Batch.solveRows(ys, par, (i, y) -> {
                OutputLoss g = mse ? new OutputLoss.SquaredError(y, mask) : fixedOutput;
                InversionLoss l = new InversionLoss(g, lambda, center, b);
                return m.equals("admm") ? Admm.solve(net, l, s0, admm) : GradientBaseline.solve(net, l, s0, base);
            });
            Path out = cmd.run.createdOut();
            FloatMatrix sol = FloatMatrix.allocate(arena, results.size(), net.inputSize());
            List<Object> per = new ArrayList<>();
            for (int i = 0; i < results.size(); i++) {
                sol.row(i).copyFrom(results.get(i).x());
                per.add(json(results.get(i)));
            }
            InvertCommand.writeSolutions(out, sol, single);
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("observed", cmd.observed == null ? null : cmd.observed.toString());
            json.put("method", m);
            json.put("loss", lossSpec);
            json.put("lambda", lambda);
            json.put("box", box);
            json.put("box_radius", boxRadius);
            if (m.equals("admm")) {
                json.put("rho", admm.rho());
                json.put("order", admm.order().label());
            } else {
                json.put("step", base.step());
            }
            json.put("results", per);
            Json.write(out.resolve("result.json"), json);
            if (!cmd.run.quiet()) {
                for (int i = 0; i < results.size(); i++) {
                    AdmmResult r = results.get(i);
                    System.out.printf(Locale.ROOT, "observation %d: %s, %d iterations (%s), objective %.6g (output %.6g + input %.6g)%s, "
                                    + "%.3f s%n", i, m, r.iterations(), r.stopReason().label(), r.objective(), r.outputTerm(),
                            r.inputTerm(), m.equals("admm") ? String.format(Locale.ROOT, ", primal %.3g, dual %.3g",
                                    r.primalResidual(), r.dualResidual()) : "", r.setupSeconds() + r.seconds());
                }
                System.out.println("solution written to " + out.resolve("solution.npy").toAbsolutePath().normalize());
            }
            return results.stream().anyMatch(r -> r.stopReason() == StopReason.DIVERGED) ? 3 : 0;
        }
    }

    private Admm.Options admmOptions(InvertCommand cmd, PursuitInversion shared, Double tol) {
        Admm.Options.Builder o = Admm.Options.builder();
        OptionValues.ifGiven(shared.rho, o::rho);
        OptionValues.ifGiven(cmd.maxIter, o::maxIterations);
        OptionValues.ifGiven(order == null ? null : Admm.Order.parse(order), o::order);
        if (tol != null) {
            o.absoluteTol(tol).relativeTol(tol);
        }
        return o.build();
    }

    private static GradientBaseline.Options baselineOptions(InvertCommand cmd, PursuitInversion shared, Double tol, String m) {
        GradientBaseline.Options.Builder o = GradientBaseline.Options.builder()
                .method(m.equals("pgd") ? GradientBaseline.Method.PGD : GradientBaseline.Method.ADAM);
        OptionValues.ifGiven(shared.step, o::step);
        OptionValues.ifGiven(shared.momentum, o::beta1);
        OptionValues.ifGiven(cmd.maxIter, o::maxIterations);
        OptionValues.ifGiven(tol, o::tolerance);
        return o.build();
    }

    private Box box(Arena arena, int n, FloatVec start) {
        if (box == null && boxRadius == null) {
            return null;
        }
        double lo = Double.NEGATIVE_INFINITY, hi = Double.POSITIVE_INFINITY;
        if (box != null) {
            String[] p = box.split(",");
            if (p.length != 2) {
                throw new IllegalArgumentException("--box: expected LO,HI, got '" + box + "'");
            }
            lo = OptionValues.number("--box", p[0]);
            hi = OptionValues.number("--box", p[1]);
        }
        if (boxRadius == null) {
            return Box.uniform(arena, n, lo, hi);
        }
        if (start == null) {
            throw new IllegalArgumentException("--box-radius R bounds the input to [x0 - R, x0 + R]: give --x0");
        }
        return Box.around(arena, start, boxRadius, lo, hi);
    }

    /** The output term of a --loss other than mse. */
    static OutputLoss outputLoss(String spec, Network net, Arena arena) throws Exception {
        String s = spec.toLowerCase(Locale.ROOT);
        int n = net.outputSize();
        if (s.startsWith("xent:")) {
            return new OutputLoss.CrossEntropy(OptionValues.integer("--loss xent:CLASS", spec.substring(5)));
        }
        if (s.startsWith("linear:")) {
            String arg = spec.substring(7).trim();
            if (arg.toLowerCase(Locale.ROOT).endsWith(".npy")) {
                Tensor t = Npy.read(Path.of(arg), arena);
                if (t.rank() != 1 || t.dim(0) != n) {
                    throw new IllegalArgumentException("--loss linear:" + arg + ": expected shape [" + n
                            + "] (the network's output size), got " + Arrays.toString(t.shape()));
                }
                return new OutputLoss.Linear(t.data());
            }
            String[] ij = arg.split(",");
            if (ij.length != 2) {
                throw new IllegalArgumentException("--loss linear: expected linear:I,J or linear:FILE.npy, got '" + spec + "'");
            }
            int i = OptionValues.integer("--loss linear:I,J", ij[0]), j = OptionValues.integer("--loss linear:I,J", ij[1]);
            for (int k : new int[] {i, j}) {
                if (k < 0 || k >= n) {
                    throw new IllegalArgumentException("--loss linear:I,J: expected indices in [0, " + n + ") (the network's outputs), got "
                            + k);
                }
            }
            if (i == j) {
                throw new IllegalArgumentException("--loss linear:I,J: expected two different outputs, got " + i + " twice");
            }
            FloatVec c = FloatVec.allocate(arena, n);
            c.set(i, 1f);
            c.set(j, -1f);
            return new OutputLoss.Linear(c);
        }
        throw new IllegalArgumentException("--loss: expected mse, xent:CLASS, linear:I,J or linear:FILE.npy, got '" + spec + "'");
    }

    static Map<String, Object> json(AdmmResult r) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("method", r.method());
        e.put("iterations", r.iterations());
        e.put("stop_reason", r.stopReason().label());
        e.put("objective", Json.finite(r.objective()));
        e.put("output_term", Json.finite(r.outputTerm()));
        e.put("input_term", Json.finite(r.inputTerm()));
        e.put("primal_residual", Json.finite(r.primalResidual()));
        e.put("dual_residual", Json.finite(r.dualResidual()));
        e.put("layer_residuals", Arrays.stream(r.layerResiduals()).boxed().toList());
        e.put("stationarity", Json.finite(r.stationarity()));
        e.put("layer_updates", r.layerUpdates());
        e.put("setup_seconds", r.setupSeconds());
        e.put("seconds", r.seconds());
        History h = r.history();
        Map<String, Object> hist = new LinkedHashMap<>();
        hist.put("iteration", Arrays.stream(h.iterations()).boxed().toList());
        hist.put("objective", finite(h.objective()));
        if (r.method().equals("admm")) {
            hist.put("primal_residual", finite(h.primalResidual()));
            hist.put("dual_residual", finite(h.dualResidual()));
        } else {
            hist.put("stationarity", finite(h.stationarity()));
        }
        e.put("history", hist);
        return e;
    }

    private static List<Object> finite(double[] v) {
        List<Object> l = new ArrayList<>(v.length);
        for (double d : v) {
            l.add(Json.finite(d));
        }
        return l;
    }
}
