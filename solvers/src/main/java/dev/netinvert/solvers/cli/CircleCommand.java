package dev.netinvert.solvers.cli;

import dev.netinvert.solvers.batch.LockstepDefaults;
import dev.netinvert.solvers.experiments.CircleExperiment;
import dev.netinvert.solvers.experiments.CircleReport;
import dev.netinvert.solvers.experiments.ImageMetrics;
import dev.netinvert.solvers.lifted.Landweber;
import dev.netinvert.solvers.lifted.LiftedResult;
import dev.netinvert.solvers.lifted.PdhgTv;
import dev.netinvert.solvers.parallel.Parallelism;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code circle}: the experiment of sec. 5.1.1 [000], with outputs in a folder. */
@Command(name = "circle", mixinStandardHelpOptions = true,
        description = {"Reproduce the circle experiment of the lifted-Bregman paper (sec. 5.1.1): a 64x64 disc "
                + "through a random 512x4096 ReLU perceptron, reconstructed by Landweber and by PDHG with total variation.",
                "Writes PNGs, a convergence plot, report.md and report.json to --out."})
final class CircleCommand implements Callable<Integer> {

    @Option(names = "--weight-std", defaultValue = "0.015625",
            description = "Standard deviation of W's and b's entries (default 1/sqrt(4096) = ${DEFAULT-VALUE}, which "
                    + "reproduces the paper's figures; 1 is the literal N(0,1)).")
    double weightStd;

    @Option(names = "--noise", defaultValue = "0.005", description = "Noise standard deviation (default ${DEFAULT-VALUE}).")
    double noise;

    @Option(names = "--max-iter", description = "PDHG iteration budget (default: the solver's, the paper's).")
    Integer maxIter;

    @Option(names = "--tol", description = "PDHG tolerance on ||x+ - x|| and ||z+ - z|| (default: the solver's, the paper's).")
    Double tol;

    @Option(names = "--eta", description = "Discrepancy-principle factor for Landweber (default: the solver's).")
    Double eta;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of W, b and the noise (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--realisations", description = "Run N noise realisations (noise seeds seed+1 ... seed+N) in lockstep "
            + "and report the spread (mean/min/max) of ||x||, TV and relative error for both methods; writes "
            + "realisations.md and realisations.json instead of the single run's outputs.")
    Integer realisations;

    @Option(names = "--batch-size", description = "Realisations per lockstep block with --realisations (default: "
            + "chosen by measurement, see LockstepDefaults).")
    Integer batchSize;

    @Mixin
    TvOptions tv;

    @Mixin
    RunOptions run;

    @Override
    public Integer call() throws Exception {
        OptionValues.checkMaxIterations(maxIter);
        CircleExperiment.Config paper = CircleExperiment.Config.paper();
        PdhgTv.Options.Builder pdhg = paper.pdhg().toBuilder();
        OptionValues.ifGiven(tv.alpha, pdhg::alpha);
        OptionValues.ifGiven(maxIter, pdhg::maxIterations);
        OptionValues.ifGiven(tol, pdhg::tol);
        OptionValues.ifGiven(tv.kind(), pdhg::tv);
        tv.applyGap(pdhg);
        Landweber.Options.Builder landweber = paper.landweber().toBuilder();
        OptionValues.ifGiven(eta, landweber::eta);
        CircleExperiment.Config c = new CircleExperiment.Config(weightStd, noise, seed, pdhg.build(), landweber.build());
        if (batchSize != null && realisations == null) {
            throw new IllegalArgumentException("--batch-size sets the lockstep blocks of --realisations N; give --realisations");
        }
        if (realisations != null) {
            OptionValues.checkBatchSize(batchSize);
            if (realisations < 1) {
                throw new IllegalArgumentException("--realisations must be >= 1, got " + realisations);
            }
            try (Parallelism par = run.parallelism()) {
                int b = batchSize != null ? batchSize : LockstepDefaults.batchSize(realisations, par.threads());
                CircleRealisations.report(CircleExperiment.runRealisations(c, realisations, b, par), run.createdOut(),
                        run.quiet());
            }
            return 0;
        }
        try (Parallelism par = run.parallelism();
             Progress lw = Progress.start("Landweber", c.landweber().maxIterations(), run.quiet());
             Progress pd = Progress.start("PDHG-TV  ", c.pdhg().maxIterations(), run.quiet())) {
            CircleExperiment.Outcome o = CircleExperiment.run(c, par, lw, pd);
            CircleReport.write(o, run.out());
            if (!run.quiet()) {
                summary(o);
            }
        }
        return 0;
    }

    private void summary(CircleExperiment.Outcome o) {
        System.out.printf(Locale.ROOT, "circle experiment (sec. 5.1.1 [000]) — kernels: %s, threads: %d%n",
                o.kernels(), o.tv().threads());
        System.out.printf(Locale.ROOT, "  %-12s %8s %10s %8s %8s %10s %-15s %10s%n", "", "‖x‖₂", "TV(aniso)",
                "rel.err", "PSNR", "iters", "stop", "µs/iter");
        line("truth", o.truth(), o.truth(), null);
        line("Landweber", o.landweber().x(), o.truth(), o.landweber());
        line("PDHG-TV", o.tv().x(), o.truth(), o.tv());
        System.out.printf(Locale.ROOT, "  paper: truth 28.07 / 128.0, TV solution 25.69 / 114.93, Landweber 6.58 / 707.02%n");
        System.out.printf(Locale.ROOT, "outputs in %s (montage.png, convergence.png, report.md, report.json)%n",
                run.out().toAbsolutePath().normalize());
    }

    private static void line(String name, float[] x, float[] truth, LiftedResult r) {
        System.out.printf(Locale.ROOT, "  %-12s %8.2f %10.2f %8.4f %8s %10s %-15s %10s%n", name, ImageMetrics.norm2(x),
                ImageMetrics.anisotropicTv(x, 64, 64), ImageMetrics.relativeError(x, truth),
                x == truth ? "—" : String.format(Locale.ROOT, "%.2f", ImageMetrics.psnr(x, truth)),
                r == null ? "" : Integer.toString(r.iterations()), r == null ? "" : r.stopReason().label(),
                r == null ? "" : String.format(Locale.ROOT, "%.1f", r.microsPerIteration()));
    }
}
