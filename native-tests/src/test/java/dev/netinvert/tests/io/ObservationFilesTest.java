package dev.netinvert.tests.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.io.FileFormatException;
import dev.netinvert.solvers.io.LoadOptions;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.io.ObservationFiles;
import dev.netinvert.solvers.io.Safetensors;
import dev.netinvert.solvers.io.Tensor;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Observations are checked for shape, finiteness and the last activation's domain, by default. */
class ObservationFilesTest {

    @TempDir
    Path dir;

    private static Network net(Arena arena, Activation last) {
        return Network.of(new DenseLayer(FloatMatrix.allocate(arena, 4, 3), null, last));
    }

    private Path npy(Arena arena, String name, float... values) throws IOException {
        Path p = dir.resolve(name);
        Npy.write(p, FloatVec.of(arena, values));
        return p;
    }

    private static FileFormatException rejects(Path p, Network net, String... fragments) {
        return FileErrors.rejectsNaming(p, arena -> ObservationFiles.load(p, net, arena, LoadOptions.STRICT), fragments);
    }

    @Test
    void observationsOutsideTheLastActivationsDomain() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Path relu = npy(arena, "relu.npy", 0.5f, 0f, -0.25f, -1f);
            FileFormatException e = rejects(relu, net(arena, Activation.RELU), "tensor 'relu.npy'", "2 of 4",
                    "last activation relu", "expected [0, ∞)", "element 2 = -0.25");
            assertEquals("relu.npy", e.tensor().orElseThrow());
            FloatVec y = ObservationFiles.load(relu, net(arena, Activation.RELU), arena,
                    LoadOptions.STRICT.withAllowOutsideDomain(true));
            assertEquals(-0.25f, y.get(2));
            // tanh and sigmoid: closed domains (the closure of Ψ), so ±1 and 0, 1 are accepted, beyond is not.
            rejects(npy(arena, "tanh.npy", 0.5f, 1.5f, 0f, 1f), net(arena, Activation.TANH), "[-1, 1]", "element 1 = 1.5");
            rejects(npy(arena, "sig.npy", 0.5f, 0.2f, -0.1f, 1f), net(arena, Activation.SIGMOID), "[0, 1]", "element 2 = -0.1");
            rejects(npy(arena, "clip.npy", 0.5f, -1f, 1f, 1.5f), net(arena, Activation.CLIP), "[-1, 1]", "element 3 = 1.5");
            assertArrayEquals(new float[] {-7f, 0f, 3f, 1e30f}, ObservationFiles.load(npy(arena, "id.npy", -7f, 0f, 3f, 1e30f),
                    net(arena, Activation.IDENTITY), arena, LoadOptions.STRICT).toArray());
        }
    }

    @Test
    void nonFiniteObservationsAreRejectedUnlessAllowed() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Path p = npy(arena, "nan.npy", 0.5f, Float.NaN, 1f, Float.NEGATIVE_INFINITY);
            rejects(p, net(arena, Activation.RELU), "found 2 NaN/Inf", "element 1 = NaN");
            FloatVec y = ObservationFiles.load(p, net(arena, Activation.RELU), arena, LoadOptions.STRICT.withAllowNonFinite(true));
            assertTrue(Float.isNaN(y.get(1)));
        }
    }

    @Test
    void shapesAndBatches() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            rejects(npy(arena, "short.npy", 1f, 2f, 3f), net(arena, Activation.RELU), "expected shape [4]", "got [3]");
            Path batch = dir.resolve("batch.npy");
            FloatMatrix ys = FloatMatrix.of(arena, 2, 4, new float[] {0, 1, 2, 3, 4, 5, 6, 7});
            Npy.write(batch, ys);
            FloatMatrix back = ObservationFiles.loadBatch(batch, net(arena, Activation.RELU), arena, LoadOptions.STRICT);
            assertArrayEquals(ys.toArray(), back.toArray());
            ys.set(1, 3, -1f);
            Npy.write(batch, ys);
            FileFormatException e = assertThrows(FileFormatException.class,
                    () -> ObservationFiles.loadBatch(batch, net(arena, Activation.RELU), arena, LoadOptions.STRICT));
            assertTrue(e.getMessage().contains("element 7 = -1.0"), e.getMessage());
            Network fiveOutputs = Network.of(new DenseLayer(FloatMatrix.allocate(arena, 5, 3), null, Activation.RELU));
            FileFormatException shape = assertThrows(FileFormatException.class,
                    () -> ObservationFiles.loadBatch(batch, fiveOutputs, arena, LoadOptions.STRICT));
            assertTrue(shape.getMessage().contains("expected shape [batch, 5]") && shape.getMessage().contains("[2, 4]"),
                    shape.getMessage());
            Path st = dir.resolve("obs.safetensors");
            Safetensors.write(st, List.of(Tensor.of("y", FloatVec.of(arena, 1f, 2f, -3f, 4f))));
            FileFormatException s = assertThrows(FileFormatException.class, () -> ObservationFiles.load(
                    Safetensors.open(st, arena), "y", net(arena, Activation.RELU), LoadOptions.STRICT));
            assertTrue(s.getMessage().contains("obs.safetensors") && s.getMessage().contains("tensor 'y'")
                    && s.getMessage().contains("element 2 = -3.0"), s.getMessage());
        }
    }
}
