package dev.netinvert.solvers.cli;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.solvers.io.Npy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code invert}: a user's network and observation(s) → solution(s). This class holds what every method
 * shares (the network, the observations, the budget, the output folder) and picks the family that runs
 * the chosen {@code --method}: {@link LiftedInversion} for the lifted-Bregman methods of [000],
 * {@link PursuitInversion} for the generator methods of [002], {@link LpInversion} for the layer-wise LPs
 * of [003]. Each family declares its own options.
 */
@Command(name = "invert", mixinStandardHelpOptions = true,
        description = {"Invert a network: recover the input x (or latent z) from an observed output y.",
                "A 1-D --observed array is one observation; a 2-D array is a batch (one observation per row), solved "
                        + "in lockstep blocks (--batch-size) by pdhg-tv, landweber, lifted-cd (dense networks), gd and adam, else one task per row, in parallel; the solution .npy then has one row per observation.",
                "Writes solution.npy, result.json (iterations, stop reason, residuals, time per observation) and, "
                        + "with --image, solution.png (or solution-<i>.png per observation) to --out."})
final class InvertCommand implements Callable<Integer> {

    @ArgGroup(exclusive = true, multiplicity = "1")
    NetworkSource source;

    @Option(names = "--observed", description = "The observation y: a 1-D .npy, or 2-D for a batch (required, except by "
            + "admm/pgd/adam with a --loss other than mse).")
    Path observed;

    @Option(names = "--method", defaultValue = "pdhg-tv", description = "pdhg-tv (default), landweber, lifted-cd "
            + "(lifted Bregman, [000]); latent-pursuit, layered-bp, oracle, gd, adam (generators x = phi(W_L ReLU(...)), [002]); "
            + "exact, lp-linf, lp-l1, lp-relaxed (layer-wise linear programs for ReLU / leaky-ReLU generators, [003]); "
            + "admm, pgd (and adam with --loss/--box/--x0: any network and loss, [004]).")
    String method;

    @Option(names = "--max-iter", description = "Iteration budget (per stage for latent-pursuit and layered-bp, Gauss-Newton "
            + "steps for oracle, outer iterations for lifted-cd; default: the solver's).")
    Integer maxIter;

    @Option(names = "--tol", description = "Stopping tolerance (default: the solver's; the pursuits' is tighter, since their "
            + "supports are read from the iterates).")
    Double tolOption;

    @Option(names = "--batch-size", description = "Observations per lockstep block for a 2-D --observed with pdhg-tv, "
            + "landweber, lifted-cd (dense layers), gd and adam: each iteration serves a whole block with one pass over "
            + "each W (GEMM); blocks run in "
            + "parallel. Default: min(64, ceil(N / threads)) (64 measured in jmh/RESULTS-batch.md). The other methods "
            + "solve one observation per task.")
    Integer batchSize;

    @Option(names = "--allow-nonfinite", description = "Accept NaN/Inf in weights and observations (rejected by default).")
    boolean allowNonFinite;

    @Mixin
    LiftedInversion lifted;

    @Mixin
    PursuitInversion pursuit;

    @Mixin
    LpInversion lp;

    @Mixin
    AdmmInversion admm;

    @Mixin
    RunOptions run;

    @Override
    public Integer call() throws Exception {
        OptionValues.checkMaxIterations(maxIter);
        OptionValues.checkBatchSize(batchSize);
        String m = method.toLowerCase(Locale.ROOT);
        if (batchSize != null && !List.of("pdhg-tv", "landweber", "lifted-cd", "gd", "adam").contains(m)) {
            throw new IllegalArgumentException("--batch-size sets the lockstep blocks of pdhg-tv, landweber, lifted-cd, gd "
                    + "and adam, "
                    + "not of --method " + m);
        }
        boolean isPursuit = PursuitInversion.METHODS.contains(m);
        Double tol = tolOption;
        if (pursuit.noiseLevel != null && !m.equals("layered-bp")) {
            throw new IllegalArgumentException("--noise-level sets the lambdas of --method layered-bp (the epsilon-rule of "
                    + "Alg. 2 [002]), got --method " + m + (m.equals("landweber") ? " (its noise level is --delta)" : ""));
        }
        if (AdmmInversion.METHODS.contains(m) || (m.equals("adam") && admm.anyGiven())) {
            return admm.run(this, pursuit, m, tolOption);
        }
        if (admm.anyGiven()) {
            throw new IllegalArgumentException("--loss, --box, --box-radius, --x0 and --order are options of admm, pgd and adam, "
                    + "not of --method " + m);
        }
        if (observed == null) {
            throw new IllegalArgumentException("--method " + m + " needs --observed y.npy");
        }
        if (isPursuit) {
            return pursuit.run(this, m, tol);
        }
        if (LpInversion.METHODS.contains(m)) {
            if (pursuit.mask != null) {
                throw new IllegalArgumentException("--mask is accepted by latent-pursuit, layered-bp, oracle, gd and adam, not by "
                        + m + " (the layer-wise LPs of [003] need every output)");
            }
            return lp.run(this, m);
        }
        if (!LiftedInversion.METHODS.contains(m)) {
            throw new IllegalArgumentException("--method must be pdhg-tv, landweber, lifted-cd, latent-pursuit, layered-bp, "
                    + "oracle, gd, adam, exact, lp-linf, lp-l1, lp-relaxed, admm or pgd, got '" + method + "'");
        }
        if (pursuit.mask != null) {
            throw new IllegalArgumentException("--mask is accepted by latent-pursuit, layered-bp, oracle, gd and adam, not by " + m);
        }
        return lifted.run(this, m, tol);
    }

    /** solution.npy: one row per observation, or a 1-D array when the observations were a 1-D file. */
    static void writeSolutions(Path out, FloatMatrix solutions, boolean single) throws IOException {
        if (single) {
            Npy.write(out.resolve("solution.npy"), solutions.row(0));
        } else {
            Npy.write(out.resolve("solution.npy"), solutions);
        }
    }
}
