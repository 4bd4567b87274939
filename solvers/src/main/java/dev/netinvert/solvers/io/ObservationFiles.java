package dev.netinvert.solvers.io;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.Activations;
import dev.netinvert.solvers.network.Network;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Observations y (or batches of them) for a network, loaded from .npy files or safetensors tensors and
 * checked before a solver sees them: the shape matches the network's output size n_L; every value is
 * finite; every value lies in the range of the last activation σ_L — the domain of the Bregman loss
 * B_Ψ(y, ·) of eq. (4) [000] ({@link Activations#inDomain}: ReLU y ≥ 0, tanh |y| &lt; 1, sigmoid
 * 0 &lt; y &lt; 1, clip |y| ≤ 1). {@link LoadOptions} relaxes the last two. Float32 data is mapped, not
 * copied, so the observation is read-only.
 */
public final class ObservationFiles {
    private ObservationFiles() {}

    /** One observation: a 1-D .npy array of n_L elements. */
    public static FloatVec load(Path file, Network network, Arena arena, LoadOptions options) throws IOException {
        Objects.requireNonNull(network, "network");
        return checked(file, Npy.read(file, arena), network, options, false).data();
    }

    /** One observation from a safetensors file: a 1-D tensor of n_L elements. */
    public static FloatVec load(SafetensorsFile file, String name, Network network, LoadOptions options)
            throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(network, "network");
        return checked(file.file(), file.tensor(name), network, options, false).data();
    }

    /** A batch of observations: a 2-D .npy array of {@code batch × n_L}, one observation per row. */
    public static FloatMatrix loadBatch(Path file, Network network, Arena arena, LoadOptions options) throws IOException {
        Objects.requireNonNull(network, "network");
        return checked(file, Npy.read(file, arena), network, options, true).asMatrix();
    }

    /**
     * {@code t}, once its shape is [n_L] (one observation) or, for a {@code batch}, [batch, n_L] (one per
     * row), and its values pass {@link #checkValues}.
     */
    private static Tensor checked(Path file, Tensor t, Network network, LoadOptions options, boolean batch)
            throws FileFormatException {
        int nL = network.outputSize();
        boolean shapeOk = batch ? t.rank() == 2 && t.dim(1) == nL : t.rank() == 1 && t.dim(0) == nL;
        if (!shapeOk) {
            throw new FileFormatException(file, t.name(), "expected shape " + (batch
                    ? "[batch, " + nL + "] (one observation of the network's output size per row)"
                    : "[" + nL + "] (the network's output size)") + ", got " + Arrays.toString(t.shape()));
        }
        checkValues(file, t, network.lastActivation(), options);
        return t;
    }

    private static void checkValues(Path file, Tensor t, Activation last, LoadOptions options) throws FileFormatException {
        Objects.requireNonNull(options, "options");
        if (!options.allowNonFinite()) {
            Activations.Violations v = Checks.nonFinite(t.data());
            if (v.any()) {
                throw new FileFormatException(file, t.name(), "expected finite values, found " + v.count()
                        + " NaN/Inf; the first is element " + v.firstIndex() + " = " + v.firstValue()
                        + " (LoadOptions.allowNonFinite accepts them)");
            }
        }
        if (!options.allowOutsideDomain()) {
            // Non-finite values were rejected above or explicitly allowed, so only finite ones count here.
            Activations.Violations v = finiteOnly(last, t.data());
            if (v.any()) {
                throw new FileFormatException(file, t.name(), v.count() + " of " + t.data().length()
                        + " values lie outside the domain of the last activation " + last.name() + ": expected "
                        + Activations.domainDescription(last) + ", but element " + v.firstIndex() + " = " + v.firstValue()
                        + " (clip with Activations.clipToDomain, or LoadOptions.allowOutsideDomain accepts them)");
            }
        }
    }

    private static Activations.Violations finiteOnly(Activation last, FloatVec y) {
        long count = 0;
        int first = -1;
        float firstValue = 0f;
        for (int i = 0; i < y.length(); i++) {
            float v = y.get(i);
            if (Float.isFinite(v) && !Activations.inDomain(last, v) && count++ == 0) {
                first = i;
                firstValue = v;
            }
        }
        return new Activations.Violations(count, first, firstValue);
    }
}
