package dev.netinvert.solvers.cli;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.solvers.experiments.ConvAutoencoderInversion;
import dev.netinvert.solvers.io.AtomicFiles;
import dev.netinvert.solvers.io.Datasets;
import dev.netinvert.solvers.io.Images;
import dev.netinvert.solvers.io.LoadOptions;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.network.Network;
import java.lang.foreign.Arena;
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

/** {@code conv-autoencoder-invert}: [000] sec. 5.2, the noisy code of a trained conv autoencoder inverted by lifted CD with TV (Figs. 6, 7). */
@Command(name = "conv-autoencoder-invert", mixinStandardHelpOptions = true,
        description = {"The experiment of [000] sec. 5.2 on a model from 'train conv-autoencoder': the code y = E(x) of test images, "
                + "perturbed by Gaussian noise of each --deltas level, is inverted by the lifted coordinate descent with TV on the "
                + "encoder (layers 1-3) for every alpha of --alphas, and compared by PSNR with the decoder's output D(y^delta); per "
                + "level the alpha with the best mean PSNR is reported (the paper's choice).",
                "Writes montage.png (per image: decoder row, inversion row; columns: truth, then the noise levels), psnr.png "
                        + "(Fig. 7), runs.csv (every run) and summary.json to --out."})
final class ConvAutoencoderInvertCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "model.json written by 'train conv-autoencoder'.")
    Path model;

    @Option(names = "--data", description = "Folder of the IDX files (default: /usr/share/datasets/fashion-mnist).")
    Path data;

    @Option(names = "--images", defaultValue = "4", description = "Test images (rows 0, 1000, 2000, ...; default ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--deltas", split = ",", defaultValue = "0.33,0.2,0.1,0.05,0.02,0",
            description = "Noise standard deviations on the code (default ${DEFAULT-VALUE}: the paper's 0.33 down to 0).")
    double[] deltas;

    @Option(names = "--alphas", split = ",", defaultValue = "1e-4,1e-3,3e-3,9e-3",
            description = "The alpha grid (default ${DEFAULT-VALUE}, in the paper's range [1e-4, 1e-2]).")
    double[] alphas;

    @Option(names = "--max-outer", defaultValue = "1500", description = "Lifted CD outer iterations per run, 10 PDHG steps each; the paper stops PDHG at 1 500 "
            + "(default ${DEFAULT-VALUE}).")
    int maxOuter;

    @Mixin
    SweepOptions sweep;

    @Override
    public Integer call() throws Exception {
        if (images < 1 || maxOuter < 1 || deltas.length == 0 || alphas.length == 0) {
            throw new IllegalArgumentException("--images and --max-outer must be >= 1 and --deltas, --alphas non-empty, got "
                    + images + ", " + maxOuter);
        }
        for (double d : deltas) {
            if (!(d >= 0) || Double.isInfinite(d)) {
                throw new IllegalArgumentException("--deltas: expected finite values >= 0, got " + d);
            }
        }
        for (double a : alphas) {
            if (!(a > 0) || Double.isInfinite(a)) {
                throw new IllegalArgumentException("--alphas: expected finite values > 0, got " + a);
            }
        }
        Path dir = data == null ? Datasets.FASHION_MNIST_DIR : data;
        Path out = sweep.run.createdOut();
        ConvAutoencoderInversion.Outcome o;
        int[] rows = new int[images];
        try (Arena arena = Arena.ofShared()) {
            Network ae = ModelFiles.load(model, arena, LoadOptions.STRICT);
            Datasets.LabeledImages test = Datasets.load(dir, Datasets.Split.TEST, Integer.MAX_VALUE, arena);
            for (int i = 0; i < images; i++) {
                rows[i] = (int) ((long) i * test.size() / images);
            }
            int total = images * deltas.length * alphas.length;
            int[] done = {0};
            o = ConvAutoencoderInversion.run(ae, test.images(), rows, deltas, alphas, maxOuter, sweep.seed, r -> {
                done[0]++;
                if (!sweep.run.quiet()) {
                    System.out.printf(Locale.ROOT, "[%d/%d] image %d delta %.3g alpha %.1e: PSNR %.2f dB (decoder %.2f dB), %d it, %.1f s%n",
                            done[0], total, r.image(), r.delta(), r.alpha(), r.psnrInverted(), r.psnrDecoded(), r.iterations(),
                            r.seconds());
                }
            });
            int[] shape = new int[2];
            float[] m = ConvAutoencoderInversion.montage(o, rows, 3, 4, shape);
            Images.writePng(out.resolve("montage.png"), FloatMatrix.of(arena, shape[0], shape[1], m), Images.Scaling.CLIP_0_1);
        }
        AtomicFiles.write(out.resolve("psnr.png"), ConvAutoencoderInversion.plot(o));
        StringBuilder csv = new StringBuilder("image,delta,delta_squared,alpha,psnr_inversion,psnr_decoder,iterations,stop_reason,"
                + "objective,seconds\n");
        for (ConvAutoencoderInversion.Run r : o.runs()) {
            csv.append(String.format(Locale.ROOT, "%d,%.4g,%.5g,%.3g,%.3f,%.3f,%d,%s,%.6g,%.3f%n", r.image(), r.delta(), r.deltaSquared(),
                    r.alpha(), r.psnrInverted(), r.psnrDecoded(), r.iterations(), r.stopReason().label(), r.objective(), r.seconds()));
        }
        AtomicFiles.write(out.resolve("runs.csv"), csv.toString().getBytes(StandardCharsets.UTF_8));
        List<Object> levels = new ArrayList<>();
        for (int k = 0; k < deltas.length; k++) {
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("delta", deltas[k]);
            l.put("mean_delta_squared", o.meanDeltaSquared()[k]);
            l.put("alpha", o.chosenAlpha()[k]);
            l.put("mean_psnr_inversion", o.meanPsnrInverted()[k]);
            l.put("mean_psnr_decoder", o.meanPsnrDecoded()[k]);
            levels.add(l);
        }
        List<Object> runs = new ArrayList<>();
        for (ConvAutoencoderInversion.Run r : o.runs()) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("image", r.image());
            j.put("delta", r.delta());
            j.put("alpha", r.alpha());
            j.put("psnr_inversion", r.psnrInverted());
            j.put("psnr_decoder", r.psnrDecoded());
            j.put("iterations", r.iterations());
            j.put("stop_reason", r.stopReason().label());
            j.put("seconds", r.seconds());
            runs.add(j);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", model.toString());
        json.put("data", dir.toString());
        json.put("test_rows", rows);
        json.put("alphas", alphas);
        json.put("max_outer", maxOuter);
        json.put("levels", levels);
        json.put("runs", runs);
        Json.write(out.resolve("summary.json"), json);
        if (!sweep.run.quiet()) {
            System.out.printf(Locale.ROOT, "%8s %10s %8s %16s %14s%n", "delta", "delta^2", "alpha", "PSNR inversion", "PSNR decoder");
            for (int k = 0; k < deltas.length; k++) {
                System.out.printf(Locale.ROOT, "%8.3g %10.4g %8.1e %13.2f dB %11.2f dB%n", deltas[k], o.meanDeltaSquared()[k],
                        o.chosenAlpha()[k], o.meanPsnrInverted()[k], o.meanPsnrDecoded()[k]);
            }
            System.out.println("written to " + out.toAbsolutePath().normalize());
        }
        return 0;
    }
}
