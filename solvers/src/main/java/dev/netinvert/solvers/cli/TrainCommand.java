package dev.netinvert.solvers.cli;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.solvers.experiments.ImageSets;
import dev.netinvert.solvers.io.Datasets;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.network.RandomNetworks.WeightScale;
import dev.netinvert.solvers.experiments.GeneratorReport;
import dev.netinvert.solvers.train.GeneratorTraining;
import dev.netinvert.solvers.train.Trainer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code train autoencoder|conv-autoencoder|classifier|lenet|generator}: trains a network on Fashion-MNIST (or MNIST) with the project's
 * batch GEMM kernels ({@link Trainer}) and saves it as safetensors + model JSON, so that it loads like any
 * user's model.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a network on the IDX images in --data (Debian's dataset-fashion-mnist by default; real "
                + "MNIST in the same layout works too) and save it as model.json + model.safetensors in --out.",
                "  autoencoder  the perceptron autoencoder of [000] sec. 5.1.2: 784 -> 100 (ReLU) -> 784 (linear), MSE on "
                        + "centred images (the training mean is saved as mean.npy), minibatch SGD as in the paper;",
                "  conv-autoencoder  the convolutional autoencoder of [000] sec. 5.2: conv 4x4/2 1->8 (ReLU), conv 4x4/2 8->16 "
                        + "(ReLU), dense 784->300 | dense 300->784, conv-transpose 4x4/2 16->8 (ReLU), 8->1 (ReLU); MSE on images in "
                        + "[0, 1], Adam;",
                "  classifier   784 -> 128 (ReLU) -> 10, softmax cross-entropy, Adam; reports the test accuracy;",
                "  lenet        LeNet-5 with average pooling ([004] sec. 3's classifier): conv 5x5 pad 2 1->6 (ReLU), avg-pool 2, "
                        + "conv 5x5 6->16 (ReLU), avg-pool 2, dense 400 -> 120 (ReLU) -> 84 (ReLU) -> 10; softmax cross-entropy, "
                        + "Adam; reports the test accuracy;",
                "  generator    --arch 002 (20 -> 128 -> 392 -> 784, ReLU, ReLU, identity) or 003 (20 -> 60 -> 784, ReLU, ReLU), trained "
                        + "as the decoder of a mirrored autoencoder (MSE, Adam) on images in [0, 1]; model.json is the generator "
                        + "alone, encoder.json the encoder, latent.npy the codes' mean and std (2 x n0), samples.png a montage."})
final class TrainCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "autoencoder, conv-autoencoder, classifier, lenet or generator")
    String what;

    @Option(names = "--data", description = "Folder of the IDX files (default: " + "/usr/share/datasets/fashion-mnist" + ").")
    Path data;

    @Option(names = "--epochs", defaultValue = "10", description = "Epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--images", defaultValue = "60000", description = "Training images used (default ${DEFAULT-VALUE}, all).")
    int images;

    @Option(names = "--lr", description = "Learning rate (default: autoencoder SGD 0.005, conv-autoencoder and classifier Adam 1e-3).")
    Double lr;

    @Option(names = "--code", description = "Code size (default: the paper's, 100 for autoencoder, 300 for conv-autoencoder).")
    Integer code;

    @Option(names = "--arch", defaultValue = "002", description = "generator: 002 or 003 (default ${DEFAULT-VALUE}).")
    String arch;

    @Mixin
    SweepOptions sweep;

    @Override
    public Integer call() throws Exception {
        String w = what.toLowerCase(Locale.ROOT);
        if (!List.of("autoencoder", "conv-autoencoder", "classifier", "lenet", "generator").contains(w)) {
            throw new IllegalArgumentException("train: expected autoencoder, conv-autoencoder, classifier, lenet or generator, got '"
                    + what + "'");
        }
        int code = this.code != null ? this.code : w.equals("conv-autoencoder") ? 300 : 100;
        if (epochs < 1 || images < 1 || code < 1) {
            throw new IllegalArgumentException("--epochs, --images and --code must be >= 1, got " + epochs + ", " + images + ", " + code);
        }
        Path dir = data == null ? Datasets.FASHION_MNIST_DIR : data;
        Path out = sweep.run.createdOut();
        try (Arena arena = Arena.ofShared()) {
            Datasets.LabeledImages train = Datasets.load(dir, Datasets.Split.TRAIN, images, arena);
            Datasets.LabeledImages test = Datasets.load(dir, Datasets.Split.TEST, Integer.MAX_VALUE, arena);
            int n = train.height() * train.width();
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("data", dir.toString());
            json.put("train_images", train.size());
            java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
            long t0 = System.nanoTime(), c0 = cpu.getCurrentThreadCpuTime();
            double[] losses;
            if (w.equals("generator")) {
                GeneratorTraining.Arch a = GeneratorTraining.Arch.of(arch);
                Trainer.Options o = Trainer.Options.builder().optimizer(Trainer.Optimizer.ADAM).loss(Trainer.Loss.MSE)
                        .learningRate(lr == null ? 1e-3 : lr).batchSize(64).epochs(epochs).seed(sweep.seed).build();
                GeneratorTraining.Trained tr = GeneratorTraining.train(a, train.images(), o, sweep.seed, progress(), arena);
                losses = tr.losses();
                GeneratorReport.save(tr, test.images(), out, arena);
                json.put("arch", a.label());
                json.put("test_mse", ImageSets.mse(Network.of(java.util.stream.Stream.concat(tr.encoder().layers().stream(),
                        tr.generator().layers().stream()).toList()), test.images(), arena));
                json.put("optimizer", "adam, batch 64, lr " + o.learningRate() + " (autoencoder; the decoder is the generator)");
            } else if (w.equals("autoencoder")) {
                float[] mean = ImageSets.mean(train.images());
                FloatMatrix x = ImageSets.centred(train.images(), mean, arena);
                Network net = RandomNetworks.gaussianWithBias(arena, sweep.seed, new int[] {n, code, n},
                        List.of(Activation.RELU, Activation.IDENTITY), WeightScale.he(), 0);
                Trainer.Options o = Trainer.Options.builder().optimizer(Trainer.Optimizer.SGD).loss(Trainer.Loss.MSE)
                        .learningRate(lr == null ? 0.005 : lr).momentum(0.9).batchSize(64).epochs(epochs).seed(sweep.seed).build();
                Trainer t = new Trainer(net, o, arena);
                losses = t.fit(x, x, progress());
                ModelFiles.save(net, out.resolve("model.json"), "model.safetensors");
                dev.netinvert.solvers.io.Npy.write(out.resolve("mean.npy"), dev.netinvert.kernels.FloatVec.of(arena, mean));
                FloatMatrix xt = ImageSets.centred(test.images(), mean, arena);
                json.put("test_mse", ImageSets.mse(net, xt, arena));
                json.put("optimizer", "sgd, momentum 0.9, batch 64, lr " + o.learningRate());
            } else if (w.equals("conv-autoencoder")) {
                if (train.height() != train.width() || train.height() % 4 != 0) {
                    throw new IllegalArgumentException("conv-autoencoder: expected square images with a side divisible by 4, got "
                            + train.height() + "×" + train.width());
                }
                Network net = RandomNetworks.convAutoencoder000(arena, sweep.seed, train.height(), code);
                Trainer.Options o = Trainer.Options.builder().optimizer(Trainer.Optimizer.ADAM).loss(Trainer.Loss.MSE)
                        .learningRate(lr == null ? 1e-3 : lr).batchSize(64).epochs(epochs).seed(sweep.seed).build();
                Trainer t = new Trainer(net, o, arena);
                losses = t.fit(train.images(), train.images(), progress());
                ModelFiles.save(net, out.resolve("model.json"), "model.safetensors");
                json.put("test_mse", ImageSets.mse(net, test.images(), arena));
                json.put("optimizer", "adam, batch 64, lr " + o.learningRate());
                json.put("code", code);
            } else {
                if (w.equals("lenet") && (train.height() != train.width() || train.height() % 4 != 0 || train.height() < 12)) {
                    throw new IllegalArgumentException("lenet: expected square images with a side divisible by 4 and >= 12, got "
                            + train.height() + "×" + train.width());
                }
                Network net = w.equals("lenet") ? RandomNetworks.lenet(arena, sweep.seed, train.height(), 6, 16, 120, 84, 10)
                        : RandomNetworks.gaussianWithBias(arena, sweep.seed, new int[] {n, 128, 10},
                        List.of(Activation.RELU, Activation.IDENTITY), WeightScale.he(), 0);
                Trainer.Options o = Trainer.Options.builder().optimizer(Trainer.Optimizer.ADAM).loss(Trainer.Loss.SOFTMAX_CROSS_ENTROPY)
                        .learningRate(lr == null ? 1e-3 : lr).batchSize(64).epochs(epochs).seed(sweep.seed).build();
                Trainer t = new Trainer(net, o, arena);
                losses = t.fit(train.images(), train.labels(), progress());
                ModelFiles.save(net, out.resolve("model.json"), "model.safetensors");
                json.put("test_accuracy", ImageSets.accuracy(net, test.images(), test.labels(), arena));
                json.put("test_images", test.size());
                json.put("arch", w.equals("lenet") ? "lenet-5, average pooling: " + net : "784-128-10");
                json.put("optimizer", "adam, batch 64, lr " + o.learningRate());
            }
            double seconds = (System.nanoTime() - t0) * 1e-9;
            double cpuSeconds = (cpu.getCurrentThreadCpuTime() - c0) * 1e-9;
            json.put("epochs", epochs);
            json.put("epoch_loss", losses);
            json.put("seconds", seconds);
            json.put("cpu_seconds", cpuSeconds); // this thread's CPU time: the wall time on a machine shared by other jobs
            Json.write(out.resolve("train.json"), json);
            if (!sweep.run.quiet()) {
                System.out.printf(Locale.ROOT, "%s trained on %d images in %.1f s (%.1f s CPU): %s%n", w, train.size(), seconds,
                        cpuSeconds,
                        json.containsKey("test_mse") ? "test MSE " + json.get("test_mse") : "test accuracy " + json.get("test_accuracy"));
                System.out.println("written to " + out.toAbsolutePath().normalize());
            }
        }
        return 0;
    }

    private Trainer.EpochListener progress() {
        return (epoch, loss) -> {
            if (!sweep.run.quiet()) {
                System.out.printf(Locale.ROOT, "epoch %d: mean minibatch loss %.6g%n", epoch, loss);
            }
        };
    }
}
