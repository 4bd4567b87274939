package dev.netinvert.solvers.cli;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.solvers.experiments.AutoencoderInversion;
import dev.netinvert.solvers.experiments.ImageSets;
import dev.netinvert.solvers.io.AtomicFiles;
import dev.netinvert.solvers.io.Datasets;
import dev.netinvert.solvers.io.Images;
import dev.netinvert.solvers.io.LoadOptions;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.io.Tensor;
import dev.netinvert.solvers.network.Network;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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

/** {@code autoencoder-invert}: [000] sec. 5.1.2, the code of a trained perceptron autoencoder inverted with TV (Fig. 4). */
@Command(name = "autoencoder-invert", mixinStandardHelpOptions = true,
        description = {"The experiment of [000] sec. 5.1.2 on a model from 'train autoencoder': the code y = ReLU(W1 x + b1) of "
                + "training and test images is inverted by PDHG-TV on the encoder (alpha 5e-3 for training images, 5e-2 for test "
                + "images, as the paper) and compared with the linear decoder's output W2 y + b2.",
                "Writes montage-train.png and montage-test.png (rows: truth, decoder, TV inversion), runs.csv and summary.json "
                        + "to --out."})
final class AutoencoderInvertCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "model.json written by 'train autoencoder' (mean.npy is read from "
            + "the same folder).")
    Path model;

    @Option(names = "--data", description = "Folder of the IDX files (default: /usr/share/datasets/fashion-mnist).")
    Path data;

    @Option(names = "--images", defaultValue = "5", description = "Images per split (default ${DEFAULT-VALUE}, the paper's).")
    int images;

    @Option(names = "--alpha-train", defaultValue = "5e-3", description = "TV weight for training images (default ${DEFAULT-VALUE}).")
    double alphaTrain;

    @Option(names = "--alpha-test", defaultValue = "5e-2", description = "TV weight for test images (default ${DEFAULT-VALUE}).")
    double alphaTest;

    @Option(names = "--delta", defaultValue = "0", description = "Noise on the code, y = max(0, y + delta*N(0,1)) (default ${DEFAULT-VALUE}).")
    double delta;

    @Option(names = "--max-iter", defaultValue = "10000", description = "PDHG iterations per image (default ${DEFAULT-VALUE}).")
    int maxIter;

    @Mixin
    SweepOptions sweep;

    @Override
    public Integer call() throws Exception {
        if (images < 1 || maxIter < 1 || !(delta >= 0)) {
            throw new IllegalArgumentException("--images and --max-iter must be >= 1 and --delta >= 0, got " + images + ", " + maxIter
                    + ", " + delta);
        }
        Path meanFile = model.toAbsolutePath().getParent().resolve("mean.npy");
        if (!Files.isRegularFile(meanFile)) {
            throw new IllegalArgumentException("--model " + model + ": expected mean.npy (the training mean) next to it, as "
                    + "'train autoencoder' writes it");
        }
        Path dir = data == null ? Datasets.FASHION_MNIST_DIR : data;
        Path out = sweep.run.createdOut();
        List<AutoencoderInversion.Case> all = new ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            Network ae = ModelFiles.load(model, arena, LoadOptions.STRICT);
            Tensor m = Npy.read(meanFile, arena);
            float[] mean = m.data().toArray();
            int[] rows = new int[images];
            for (String split : List.of("train", "test")) {
                Datasets.LabeledImages set = Datasets.load(dir, split.equals("train") ? Datasets.Split.TRAIN : Datasets.Split.TEST,
                        Math.max(images, 1000), arena);
                for (int i = 0; i < images; i++) {
                    rows[i] = i * (set.size() / images);
                }
                FloatMatrix centred = ImageSets.centred(set.images(), mean, arena);
                List<AutoencoderInversion.Case> cases = AutoencoderInversion.run(ae, centred, mean, rows, split,
                        split.equals("train") ? alphaTrain : alphaTest, delta, maxIter, sweep.seed);
                all.addAll(cases);
                int[] shape = new int[2];
                float[] montage = AutoencoderInversion.montage(cases, 4, 6, shape);
                Images.writePng(out.resolve("montage-" + split + ".png"), FloatMatrix.of(arena, shape[0], shape[1], montage),
                        Images.Scaling.CLIP_0_1);
            }
        }
        StringBuilder csv = new StringBuilder("split,index,psnr_decoder,psnr_inversion,rel_error_decoder,rel_error_inversion,"
                + "iterations,stop_reason,gap,seconds\n");
        List<Object> rowsJson = new ArrayList<>();
        for (AutoencoderInversion.Case c : all) {
            csv.append(String.format(Locale.ROOT, "%s,%d,%.3f,%.3f,%.4f,%.4f,%d,%s,%.4g,%.3f%n", c.split(), c.index(), c.psnrDecoded(),
                    c.psnrInverted(), c.relErrorDecoded(), c.relErrorInverted(), c.iterations(), c.stopReason().label(), c.gap(),
                    c.seconds()));
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("split", c.split());
            r.put("index", c.index());
            r.put("psnr_decoder", c.psnrDecoded());
            r.put("psnr_inversion", c.psnrInverted());
            r.put("gap", Json.finite(c.gap()));
            rowsJson.add(r);
        }
        AtomicFiles.write(out.resolve("runs.csv"), csv.toString().getBytes(StandardCharsets.UTF_8));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", model.toString());
        json.put("alpha_train", alphaTrain);
        json.put("alpha_test", alphaTest);
        json.put("delta", delta);
        json.put("images", rowsJson);
        Json.write(out.resolve("summary.json"), json);
        if (!sweep.run.quiet()) {
            System.out.printf(Locale.ROOT, "%-6s %6s %14s %16s %8s%n", "split", "image", "PSNR decoder", "PSNR TV inversion", "gap");
            for (AutoencoderInversion.Case c : all) {
                System.out.printf(Locale.ROOT, "%-6s %6d %11.2f dB %13.2f dB %8.2g%n", c.split(), c.index(), c.psnrDecoded(),
                        c.psnrInverted(), c.gap());
            }
            System.out.println("written to " + out.toAbsolutePath().normalize());
        }
        return 0;
    }
}
