package dev.netinvert.solvers.cli;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.io.LoadOptions;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.parallel.Batch;
import dev.netinvert.solvers.parallel.Parallelism;
import dev.netinvert.solvers.pursuit.InversionResult;
import dev.netinvert.solvers.pursuit.LatentPursuit;
import dev.netinvert.solvers.pursuit.Uniqueness;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code diagnose}: the uniqueness conditions of Cor. 1 [002] for each observation, so a user learns
 * before trusting an inversion whether it can be unique. The hidden cardinalities come from the supports
 * Latent-Pursuit finds (or, with {@code --latent}, from G(z) of known latent vectors).
 */
@Command(name = "diagnose", mixinStandardHelpOptions = true,
        description = {"Check the uniqueness conditions of Cor. 1 [002] (s_L < (n+1)/2, s_i < (s_(i+1)+1)/2, s_1 >= n_0) "
                + "for each observed signal of a generator x = phi(W_L ReLU(... ReLU(W_1 z))).",
                "Cardinalities s_i are read from the layers Latent-Pursuit recovers (or from G(z) with --latent).",
                "Exit code 0 if every observation meets the conditions, 4 if some do not."})
final class DiagnoseCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Model description JSON (see README).")
    Path model;

    @Option(names = "--observed", required = true, description = "The observation y: a 1-D .npy, or 2-D for a batch.")
    Path observed;

    @Option(names = "--mask", description = "A 1-D .npy of the output size, 1 = observed, 0 = unknown.")
    Path mask;

    @Option(names = "--latent", description = "Known latent vector(s): read the cardinalities from G(z) instead of a pursuit.")
    Path latent;

    @Option(names = "--out", description = "Also write the diagnostics as JSON to this file.")
    Path out;

    @Mixin
    ThreadsOption threads;

    @Mixin
    VerboseOption verbose;

    @Override
    public Integer call() throws Exception {
        try (Arena arena = Arena.ofShared(); Parallelism par = threads.parallelism()) {
            LoadOptions load = new LoadOptions(false, true);
            Network net = ModelFiles.load(model, arena, load);
            FloatVec mk = PursuitRuns.mask(mask, net, arena);
            FloatMatrix batch = PursuitRuns.observations(observed, net, arena, load);
            List<Uniqueness> diagnostics = new ArrayList<>();
            if (latent != null) {
                FloatMatrix z = PursuitRuns.latents(latent, net, batch.rows(), arena);
                for (int i = 0; i < batch.rows(); i++) {
                    diagnostics.add(Uniqueness.ofLatent(net, z.row(i), mk));
                }
            } else {
                List<InversionResult> rs = Batch.solveRows(batch, par,
                        (i, y) -> LatentPursuit.solve(net, y, mk, LatentPursuit.Options.builder().debias(false).build()));
                rs.forEach(r -> diagnostics.add(r.uniqueness()));
            }
            List<Object> json = new ArrayList<>();
            for (int i = 0; i < diagnostics.size(); i++) {
                Uniqueness u = diagnostics.get(i);
                System.out.println("observation " + i + ": " + u.report().replace("\n", "\n  "));
                Map<String, Object> e = new LinkedHashMap<>(PursuitRuns.uniqueness(u));
                e.put("cardinalities", Arrays.stream(u.cardinalities()).boxed().toList());
                json.add(e);
            }
            if (out != null) {
                Map<String, Object> root = new LinkedHashMap<>();
                root.put("model", model.toString());
                root.put("observed", observed.toString());
                root.put("source", latent == null ? "latent-pursuit supports" : "G(z) of --latent");
                root.put("observations", json);
                Json.write(out, root);
            }
            return diagnostics.stream().allMatch(Uniqueness::holds) ? 0 : 4;
        }
    }
}
