package dev.netinvert.solvers.cli;

import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.io.LoadOptions;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.io.Tensor;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Arrays;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * The network {@code invert} inverts, as a picocli argument group: either {@code --model} (a model
 * description JSON) or a one-layer perceptron given by {@code --weight}, {@code --bias}, {@code --activation}.
 */
final class NetworkSource {
    @Option(names = "--model", required = true, description = "Model description JSON (see README).")
    Path model;

    @ArgGroup(exclusive = false)
    Perceptron perceptron;

    static final class Perceptron {
        @Option(names = "--weight", required = true, description = "W as a 2-D .npy (outputs x inputs, row-major).")
        Path weight;

        @Option(names = "--bias", description = "b as a 1-D .npy (optional).")
        Path bias;

        @Option(names = "--activation", defaultValue = "relu",
                description = "identity, relu, tanh, sigmoid, clip, leaky_relu:SLOPE, soft_threshold:LAMBDA (default ${DEFAULT-VALUE}).")
        String activation;
    }

    Network load(Arena arena, LoadOptions load) throws Exception {
        if (model != null) {
            return ModelFiles.load(model, arena, load);
        }
        Perceptron p = perceptron;
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
        return Network.of(new DenseLayer(ModelFiles.weightForKernels(w.asMatrix(), arena, load), b,
                OptionValues.activation(p.activation)));
    }
}
