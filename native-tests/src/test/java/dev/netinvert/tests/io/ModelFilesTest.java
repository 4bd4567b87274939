package dev.netinvert.tests.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.io.FileFormatException;
import dev.netinvert.solvers.io.LoadOptions;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.io.Safetensors;
import dev.netinvert.solvers.io.Tensor;
import dev.netinvert.solvers.network.Network;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model descriptions: the schema's features and every way a description or its tensors can be wrong. */
class ModelFilesTest {

    @TempDir
    Path dir;

    /** t.safetensors holds w1 (4×3), b1 (4), w2 (2×4), w2bad (2×5), b2short (1), wnan (4×3 with NaN/Inf). */
    @BeforeEach
    void tensors() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            FloatMatrix nan = FloatMatrix.allocate(arena, 4, 3);
            nan.set(1, 2, Float.NaN);
            nan.set(3, 0, Float.POSITIVE_INFINITY);
            Safetensors.write(dir.resolve("t.safetensors"), List.of(
                    Tensor.of("w1", filled(arena, 4, 3)), Tensor.of("b1", FloatVec.allocate(arena, 4)),
                    Tensor.of("w2", filled(arena, 2, 4)), Tensor.of("w2bad", filled(arena, 2, 5)),
                    Tensor.of("b2short", FloatVec.allocate(arena, 1)), Tensor.of("wnan", nan)));
            Npy.write(dir.resolve("w2.npy"), filled(arena, 2, 4));
        }
    }

    private static FloatMatrix filled(Arena arena, int rows, int cols) {
        FloatMatrix m = FloatMatrix.allocate(arena, rows, cols);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                m.set(i, j, (i + 1) * 0.1f - j * 0.05f);
            }
        }
        return m;
    }

    private Path json(String text) throws IOException {
        Path p = Files.createTempFile(dir, "model", ".json");
        Files.writeString(p, text.replace('\'', '"'));
        return p;
    }

    private static FileFormatException rejects(Path description, LoadOptions options, String... fragments) {
        return FileErrors.rejects(arena -> ModelFiles.load(description, arena, options), fragments);
    }

    private static FileFormatException rejects(Path description, String... fragments) {
        return rejects(description, LoadOptions.STRICT, fragments);
    }

    @Test
    void mixedSourcesActivationsAndDefaults() throws IOException {
        Path p = json("{'tensors': 't.safetensors', 'metadata': {'note': [1, 2]}, 'layers': ["
                + "{'weight': 'w1', 'bias': 'b1', 'activation': {'type': 'leaky_relu', 'slope': 0.2}},"
                + "{'weight': 'w2.npy', 'bias': null}]}");
        try (Arena arena = Arena.ofConfined()) {
            Network net = ModelFiles.load(p, arena);
            assertEquals("3 -leaky_relu-> 4 -identity-> 2", net.toString());
            assertEquals(Activation.leakyRelu(0.2f), net.dense(1).activation());
            assertNull(net.dense(2).bias());
        }
        Path abs = json("{'layers': [{'weight': '" + dir.resolve("w2.npy").toAbsolutePath() + "', "
                + "'activation': {'type': 'soft_threshold', 'lambda': 0.5}}, {'weight': 'w2.npy', 'activation': 'sigmoid'}]}");
        rejects(abs, "layers[1] (layer 2)", "expected 2×2", "weight is 2×4");
        Path ok = json("{'version': 1, 'layers': [{'weight': '" + dir.resolve("w2.npy").toAbsolutePath()
                + "', 'activation': {'type': 'soft_threshold', 'lambda': 0.5}}]}");
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(Activation.softThreshold(0.5f), ModelFiles.load(ok, arena).dense(1).activation());
        }
    }

    @Test
    void tensorNamedButMissing() throws IOException {
        Path p = json("{'tensors': 't.safetensors', 'layers': [{'weight': 'w1'}, {'weight': 'layer2.weight'}]}");
        FileFormatException e = rejects(p, "t.safetensors", "'layer2.weight'", "layers[1].weight", "no such tensor", "'w1'");
        assertEquals("layer2.weight", e.tensor().orElseThrow());
        assertEquals(dir.resolve("t.safetensors").toAbsolutePath(), e.file().toAbsolutePath());
        rejects(json("{'layers': [{'weight': 'w1'}]}"), "names a tensor", "no \"tensors\" file");
        rejects(json("{'layers': [{'weight': 'nowhere.npy'}]}"), ".npy file not found");
        rejects(json("{'tensors': 'missing.safetensors', 'layers': [{'weight': 'w1'}]}"), "file not found");
    }

    @Test
    void weightShapeNotMatchingThePreviousLayer() throws IOException {
        Path p = json("{'tensors': 't.safetensors', 'layers': [{'weight': 'w1', 'bias': 'b1'}, {'weight': 'w2bad'}]}");
        FileFormatException e = rejects(p, p.toString(), "'w2bad'", "layers[1] (layer 2)", "weight is 2×5",
                "layer 1 outputs 4", "expected 2×4");
        assertEquals("w2bad", e.tensor().orElseThrow());
        rejects(json("{'tensors': 't.safetensors', 'layers': [{'weight': 'w1', 'bias': 'b2short'}]}"),
                "'b2short'", "layers[0].bias", "expected shape [4]", "got [1]");
        rejects(json("{'tensors': 't.safetensors', 'layers': [{'weight': 'b1'}]}"),
                "'b1'", "expected a 2-D weight", "got shape [4]");
    }

    @Test
    void nonFiniteWeightsAreRejectedUnlessAllowed() throws IOException {
        Path p = json("{'tensors': 't.safetensors', 'layers': [{'weight': 'wnan'}]}");
        FileFormatException e = rejects(p, "'wnan'", "expected finite values", "found 2 NaN/Inf",
                "element [1, 2] = NaN");
        assertEquals("wnan", e.tensor().orElseThrow());
        try (Arena arena = Arena.ofConfined()) {
            Network net = ModelFiles.load(p, arena, LoadOptions.STRICT.withAllowNonFinite(true));
            assertTrue(Float.isNaN(net.dense(1).weight().get(1, 2)));
        }
    }

    @Test
    void malformedDescriptions() throws IOException {
        rejects(json("{'layers': [{'weight': 'w2.npy', 'activation': 'gelu'}]}"), "layers[0].activation",
                "unknown activation \"gelu\"", "relu");
        rejects(json("{'layers': [{'weight': 'w2.npy', 'activation': 'leaky_relu'}]}"), "needs a number \"slope\"");
        rejects(json("{'layers': [{'weight': 'w2.npy', 'activation': {'type': 'leaky_relu', 'slope': 2.0}}]}"),
                "slope must lie in (0, 1]");
        rejects(json("{'layers': [{'weight': 'w2.npy', 'activation': {'type': 'relu', 'slope': 2.0}}]}"),
                "takes no parameter");
        rejects(json("{'layers': [{'weight': 'w2.npy', 'activaton': 'relu'}]}"), "unexpected key \"activaton\"");
        rejects(json("{'layers': []}"), "non-empty list");
        rejects(json("{'layer': []}"), "unexpected key \"layer\"");
        rejects(json("{'version': 2, 'layers': [{'weight': 'w2.npy'}]}"), "expected 1, got 2");
        rejects(json("{'layers': [{'weight': 3}]}"), "layers[0].weight", "expected a tensor name");
        rejects(json("{'layers': [{'weight': 'w2.npy'}], 'layers': []}"), "not a valid JSON object");
        rejects(json("{'layers': [{'weight': 'w2.npy'}"), "not a valid JSON object");
        rejects(dir.resolve("absent.json"), "file not found");
    }

    /** A truncated .npy and a truncated safetensors file behind a description fail with their own names. */
    @Test
    void truncatedTensorFiles() throws IOException {
        byte[] whole = Files.readAllBytes(dir.resolve("w2.npy"));
        Files.write(dir.resolve("cut.npy"), java.util.Arrays.copyOf(whole, whole.length - 4));
        FileFormatException e = rejects(json("{'layers': [{'weight': 'cut.npy'}]}"), "cut.npy", "truncated");
        assertTrue(e.file().endsWith("cut.npy"));
        byte[] st = Files.readAllBytes(dir.resolve("t.safetensors"));
        Files.write(dir.resolve("cut.safetensors"), java.util.Arrays.copyOf(st, st.length - 10));
        rejects(json("{'tensors': 'cut.safetensors', 'layers': [{'weight': 'w1'}]}"), "cut.safetensors");
        ByteBuffer lie = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE);
        Files.write(dir.resolve("lie.safetensors"), lie.array());
        rejects(json("{'tensors': 'lie.safetensors', 'layers': [{'weight': 'w1'}]}"), "beyond the file size");
    }
}
