package dev.netinvert.solvers.cli;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.solvers.io.LoadOptions;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.StepSize;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.parallel.Batch;
import dev.netinvert.solvers.parallel.Parallelism;
import dev.netinvert.solvers.pursuit.EpsilonRule;
import dev.netinvert.solvers.pursuit.Generators;
import dev.netinvert.solvers.batch.LockstepDefaults;
import dev.netinvert.solvers.batch.LockstepGradientDescent;
import dev.netinvert.solvers.pursuit.GradientDescent;
import dev.netinvert.solvers.pursuit.InversionResult;
import dev.netinvert.solvers.pursuit.LatentPursuit;
import dev.netinvert.solvers.pursuit.Lambdas;
import dev.netinvert.solvers.pursuit.LayeredBasisPursuit;
import dev.netinvert.solvers.pursuit.Oracle;
import dev.netinvert.solvers.pursuit.Stage;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code invert --method latent-pursuit|layered-bp|oracle|gd|adam}: the methods of [002], which recover
 * the latent z of a generator x = φ(W_L ReLU(… ReLU(W_1 z))) from y = G(z) (one row of y per observation),
 * written as solution.npy. A picocli mixin of {@link InvertCommand}: it declares the options only these
 * methods read, and runs them with the shared ones.
 */
final class PursuitInversion {

    static final List<String> METHODS = List.of("latent-pursuit", "layered-bp", "oracle", "gd", "adam");

    @Option(names = "--mask", description = "Partial observations (pursuit and gradient methods): a 1-D .npy of the output size, "
            + "1 = observed, 0 = unknown.")
    Path mask;

    @Option(names = "--latent", description = "True latent vector(s) z.npy (n_0, or batch x n_0): the oracle reads the hidden "
            + "supports from G(z).")
    Path latent;

    @Option(names = "--lambda", paramLabel = "<lambda>", description = "l1 weight: lambda_L of Latent-Pursuit eq. (8), lambda of every "
            + "layer of layered-bp (default: the solver's); for admm/pgd/adam with a --loss, the L2 weight of (lambda/2)||x - x0||^2 "
            + "(default 0).")
    Double lambdaOption;

    @Option(names = "--noise-level", paramLabel = "EPS", description = "layered-bp only, instead of --lambda: the noise bound "
            + "||y - G(z)||_2 <= EPS (over the observed outputs), from which the epsilon-rule of Alg. 2 [002] sets every lambda: "
            + "lambda_L = 2*ell*EPS (ell: Lipschitz constant of phi^-1 on [y_i - EPS, y_i + EPS], refused when infinite, e.g. tanh "
            + "outputs within EPS of +-1), lambda_i = 2*eps_(i+1) below. 0 gives lambda = 0 (noiseless). result.json reports "
            + "the lambdas and the error bounds eps_i.")
    Double noiseLevel;

    @Option(names = "--rho", description = "ADMM penalty rho of Latent-Pursuit, or of --method admm [004] (default: the solver's; admm 1).")
    Double rho;

    @Option(names = "--gamma", description = "Gaussian prior weight gamma of Latent-Pursuit eq. (16) [002] (default: the solver's).")
    Double gamma;

    @Option(names = "--no-debias", description = "Skip the debiasing step of the pursuits.")
    boolean noDebias;

    @Option(names = "--step", description = "Step size of gd/adam (default: the solver's, automatic for gd, 1e-2 * init-std for adam; 0.01 for pgd and for adam with a --loss, as in [004]).")
    Double step;

    @Option(names = "--momentum", description = "Momentum of gd, beta1 of adam (default: the solver's).")
    Double momentum;

    @Option(names = "--seed", description = "Seed of the random start of gd/adam (default: the solver's).")
    Long seed;

    @Option(names = "--init-std", description = "Standard deviation of the random start of gd/adam (default: the solver's).")
    Double initStd;

    Integer run(InvertCommand cmd, String m, Double tol) throws Exception {
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
        Integer maxIter = cmd.maxIter;
        LoadOptions load = new LoadOptions(cmd.allowNonFinite, mask != null);
        try (Arena arena = Arena.ofShared(); Parallelism par = cmd.run.parallelism()) {
            Network net = cmd.source.load(arena, load);
            FloatVec mk = PursuitRuns.mask(mask, net, arena);
            boolean single = Npy.read(cmd.observed, arena).rank() == 1;
            FloatMatrix batch = PursuitRuns.observations(cmd.observed, net, arena, load);
            FloatMatrix z = m.equals("oracle") ? PursuitRuns.latents(latent, net, batch.rows(), arena) : null;
            LatentPursuit.Options.Builder lpb = LatentPursuit.Options.builder();
            OptionValues.ifGiven(lambdaOption, lpb::lambdaLast);
            OptionValues.ifGiven(rho, lpb::rho);
            OptionValues.ifGiven(gamma, lpb::gamma);
            OptionValues.ifGiven(tol, lpb::tol);
            OptionValues.ifGiven(maxIter, lpb::maxIterations);
            LatentPursuit.Options lpl = lpb.debias(!noDebias).build();
            LayeredBasisPursuit.Options.Builder lbb = LayeredBasisPursuit.Options.builder();
            OptionValues.ifGiven(noiseLevel == null ? null : Lambdas.epsilonRule(noiseLevel), lbb::lambdas);
            OptionValues.ifGiven(lambdaOption == null ? null : Lambdas.uniform(lambdaOption), lbb::lambdas);
            OptionValues.ifGiven(tol, lbb::tol);
            OptionValues.ifGiven(maxIter, lbb::maxIterations);
            LayeredBasisPursuit.Options lbp = lbb.debias(!noDebias).build();
            GradientDescent.Options.Builder gdb = GradientDescent.Options.builder()
                    .method(m.equals("adam") ? GradientDescent.Method.ADAM : GradientDescent.Method.GD);
            OptionValues.ifGiven(step == null ? null : StepSize.fixed(step), gdb::step);
            OptionValues.ifGiven(momentum, gdb::momentum);
            OptionValues.ifGiven(seed, gdb::seed);
            OptionValues.ifGiven(initStd, gdb::initStd);
            OptionValues.ifGiven(maxIter, gdb::maxIterations);
            GradientDescent.Options gdo = gdb.build();
            Oracle.Options.Builder ob = Oracle.Options.builder();
            OptionValues.ifGiven(maxIter, ob::iterations); // the Gauss–Newton budget of Alg. 1 [002]
            Oracle.Options oro = ob.build();
            boolean lockstep = (m.equals("gd") || m.equals("adam")) && batch.rows() > 1 && net.isDense(); // GEMM passes
            List<InversionResult> results = lockstep
                    ? LockstepGradientDescent.solve(net, batch, mk, gdo, cmd.batchSize != null ? cmd.batchSize
                            : LockstepDefaults.batchSize(batch.rows(), par.threads()), par)
                    : Batch.solveRows(batch, par, (i, y) -> switch (m) {
                case "latent-pursuit" -> LatentPursuit.solve(net, y, mk, lpl);
                case "layered-bp" -> LayeredBasisPursuit.solve(net, y, mk, lbp);
                case "oracle" -> Oracle.solve(net, y, mk, Generators.supportsOf(net, z.row(i)), oro);
                default -> GradientDescent.solve(net, y, mk, gdo);
            });
            Path out = cmd.run.createdOut();
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
            InvertCommand.writeSolutions(out, sol, single);
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("observed", cmd.observed.toString());
            json.put("method", m);
            json.put("mask", mask == null ? null : mask.toString());
            json.put("kernels", KernelProvider.getInstance().describe());
            // The iteration budget the solver was given (per stage for the pursuits, Gauss–Newton steps for
            // the Oracle): --max-iter when set, else the solver's own default.
            json.put("max_iterations", switch (m) {
                case "latent-pursuit" -> lpl.maxIterations();
                case "layered-bp" -> lbp.maxIterations();
                case "oracle" -> oro.iterations();
                default -> gdo.maxIterations();
            });
            json.put("results", per);
            Json.write(out.resolve("result.json"), json);
            if (!cmd.run.quiet()) {
                summary(results, out);
            }
            return PursuitRuns.diverged(results) ? 3 : 0;
        }
    }

    private static void summary(List<InversionResult> results, Path out) {
        for (int i = 0; i < results.size(); i++) {
            InversionResult r = results.get(i);
            System.out.printf(Locale.ROOT, "observation %d: %s, %d iterations, stop: %s, ||M(G(z) - y)|| = %.4g, %.3f s%n",
                    i, r.method(), r.totalIterations(), r.stopReason().label(), r.residual(), r.seconds());
            for (Stage s : r.stages()) {
                for (String w : s.warnings()) {
                    System.out.println("  warning (" + s.name() + "): " + w);
                }
            }
            if (r.uniqueness() != null && !r.uniqueness().holds()) {
                System.out.println(r.uniqueness().report());
            }
        }
        System.out.println("solution written to " + out.resolve("solution.npy").toAbsolutePath().normalize());
    }
}
