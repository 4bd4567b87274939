package dev.netinvert.solvers.cli;

import dev.netinvert.solvers.experiments.ResNetExperiment;
import dev.netinvert.solvers.io.AtomicFiles;
import dev.netinvert.solvers.io.LoadOptions;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.lifted.ResidualInversion;
import dev.netinvert.solvers.lifted.ResidualNetwork;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code resnet-invert}: the residual-network inversion example of the slides [001], Part II. */
@Command(name = "resnet-invert", mixinStandardHelpOptions = true,
        description = {"The residual-network example of [001] Part II: 20 tied ReLU blocks u + W^T ReLU(W u + b) on R, trained "
                + "(seeded Adam) to approximate K(u) = u^3 + u on [-1.2, 1.2], inverted through the lifted formulation "
                + "(penalty rho on M u = W^T z) by proximal alternating linearised minimisation.",
                "Writes network.png, decoder.png, noise.png (median |u0 - u*| and ||Mu - W^T z|| against delta, alpha = delta), "
                        + "noise.csv and summary.json to --out."})
final class ResnetInvertCommand implements Callable<Integer> {

    @Option(names = "--width", defaultValue = "4", description = "Width of each block (default ${DEFAULT-VALUE}).")
    int width;

    @Option(names = "--train-steps", defaultValue = "3000", description = "Adam steps of the training (default ${DEFAULT-VALUE}).")
    int trainSteps;

    @Option(names = "--rho", description = "Constraint penalty rho (default 10).")
    Double rho;

    @Option(names = "--model", description = "Invert this residual network (a model description with \"kind\": \"residual\" "
            + "blocks on a state of size 1) instead of training one; the trained one is written to --out as model.json.")
    Path model;

    @Option(names = "--draws", defaultValue = "3", description = "Noise draws per point and level (default ${DEFAULT-VALUE}).")
    int draws;

    @Mixin
    SweepOptions sweep;

    @Override
    public Integer call() throws Exception {
        if (width < 1 || trainSteps < 1 || draws < 1) {
            throw new IllegalArgumentException("--width, --train-steps and --draws must be >= 1, got " + width + ", " + trainSteps
                    + ", " + draws);
        }
        ResidualInversion.Options base = ResidualInversion.Options.defaults();
        if (rho != null) {
            base = base.withRho(rho);
        }
        ResNetExperiment.Trained tr = null;
        ResidualNetwork net;
        if (model != null) {
            net = ModelFiles.loadResidual(model, LoadOptions.STRICT);
            if (net.size() != 1) {
                throw new IllegalArgumentException("--model " + model + ": the experiment's plots are for a state of size 1, got "
                        + net.size());
            }
        } else {
            tr = ResNetExperiment.train(width, trainSteps, sweep.seed);
            net = tr.network();
        }
        Path out = sweep.run.createdOut();
        if (tr != null) {
            ModelFiles.saveResidual(net, out.resolve("model.json"), "model.safetensors");
        }
        AtomicFiles.write(out.resolve("network.png"), ResNetExperiment.networkPlot(net));
        AtomicFiles.write(out.resolve("decoder.png"), ResNetExperiment.decoderPlot(net, base, new double[] {1e-6, 1e-2, 1e-1}));
        double[] deltas = {1e-1, 3.16e-2, 1e-2, 3.16e-3, 1e-3, 3.16e-4, 1e-4};
        List<ResNetExperiment.NoisePoint> noise = ResNetExperiment.noiseStudy(net, deltas, base, draws, sweep.seed + 1);
        AtomicFiles.write(out.resolve("noise.png"), ResNetExperiment.noisePlot(noise));
        StringBuilder csv = new StringBuilder("delta,alpha,median_error,median_constraint\n");
        List<Object> rows = new ArrayList<>();
        for (ResNetExperiment.NoisePoint p : noise) {
            csv.append(String.format(Locale.ROOT, "%.3g,%.3g,%.6g,%.6g%n", p.delta(), p.alpha(), p.medianError(), p.medianConstraint()));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("delta", p.delta());
            m.put("alpha", p.alpha());
            m.put("median_error", p.medianError());
            m.put("median_constraint", p.medianConstraint());
            rows.add(m);
        }
        AtomicFiles.write(out.resolve("noise.csv"), csv.toString().getBytes(StandardCharsets.UTF_8));
        double uStar = 0.5, f = net.apply(new double[] {uStar})[0];
        ResidualInversion.Result r = ResidualInversion.solve(net, new double[] {f}, base.withAlpha(1e-6));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("blocks", net.blocks());
        if (tr != null) {
            json.put("width", width);
            json.put("train_steps", trainSteps);
            json.put("train_rmse", tr.rmse());
        } else {
            json.put("model", model.toString());
        }
        json.put("rho", base.rho());
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("u_star", uStar);
        one.put("f", f);
        one.put("u0", r.u0()[0]);
        one.put("iterations", r.iterations());
        one.put("stop_reason", r.stopReason().label());
        one.put("misfit", r.misfit());
        one.put("constraint", r.constraint());
        json.put("noiseless_inversion_alpha_1e-6", one);
        json.put("noise_study", rows);
        Json.write(out.resolve("summary.json"), json);
        if (!sweep.run.quiet()) {
            if (tr != null) {
                System.out.printf(Locale.ROOT, "trained: rmse %.4g on [-1.2, 1.2] after %d Adam steps (model.json)%n", tr.rmse(),
                        trainSteps);
            }
            System.out.printf(Locale.ROOT, "noiseless f = N(%.2f) = %.6f: u0 = %.8f, %d iterations (%s), misfit %.3g, ||Mu - W^T z|| %.3g%n",
                    uStar, f, r.u0()[0], r.iterations(), r.stopReason().label(), r.misfit(), r.constraint());
            System.out.printf(Locale.ROOT, "%10s %10s %14s %16s%n", "delta", "alpha", "median error", "median constraint");
            for (ResNetExperiment.NoisePoint p : noise) {
                System.out.printf(Locale.ROOT, "%10.1e %10.1e %14.4e %16.4e%n", p.delta(), p.alpha(), p.medianError(), p.medianConstraint());
            }
            System.out.println("written to " + out.toAbsolutePath().normalize());
        }
        return 0;
    }
}
