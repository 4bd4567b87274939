package dev.netinvert.tests.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.PoolShape;
import dev.netinvert.solvers.io.FileFormatException;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.network.ConvLayer;
import dev.netinvert.solvers.network.ConvTransposeLayer;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Layer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.PoolLayer;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image layers in model files: a round trip of every kind, and the errors a wrong description gets. */
class ConvModelFilesTest {

    @TempDir
    Path dir;

    /** encoder → pool → dense → unflatten → transposed conv, every kind once. */
    static Network everyKind(Arena arena) {
        Network enc = ConvNetworkTest.encoder(arena, 3); // conv, conv, dense 54→20
        Layer c1 = enc.layer(1), c2 = enc.layer(2);
        return Network.of(c1,
                new PoolLayer(PoolLayer.Kind.AVERAGE, new PoolShape(4, 6, 6, 1, 1, 0), Activation.IDENTITY),
                c2,
                new PoolLayer(PoolLayer.Kind.MAX, new PoolShape(6, 3, 3, 2, 1, 1), Activation.IDENTITY),
                new DenseLayer(ConvNetworkTest.matrix(arena, 12, 96, 9, 0.2), null, Activation.RELU),
                new ConvTransposeLayer(3, 2, 2, 2, 3, 2, 1, 1, ConvNetworkTest.gaussian(arena, 54, 10, 0.3),
                        ConvNetworkTest.gaussian(arena, 2, 11, 0.1), Activation.TANH));
    }

    @Test
    void everyKindRoundTripsAndComputesTheSame() throws IOException {
        try (Arena arena = Arena.ofShared()) {
            Network net = everyKind(arena);
            Path json = dir.resolve("model.json");
            ModelFiles.save(net, json, "model.safetensors");
            Network back = ModelFiles.load(json, arena);
            assertEquals(net.toString(), back.toString());
            for (int l = 1; l <= net.depth(); l++) {
                assertEquals(net.layer(l).toString(), back.layer(l).toString(), "layer " + l);
            }
            FloatVec z = ConvNetworkTest.gaussian(arena, net.inputSize(), 4, 1);
            float[] a = net.forward(z, arena).toArray(), b = back.forward(z, arena).toArray();
            assertEquals(a.length, b.length);
            for (int i = 0; i < a.length; i++) {
                assertEquals(Float.floatToIntBits(a[i]), Float.floatToIntBits(b[i]), "output " + i);
            }
        }
    }

    private String refusal(String layers) throws IOException {
        try (Arena arena = Arena.ofShared()) {
            Path json = dir.resolve("model.json");
            ModelFiles.save(ConvNetworkTest.encoder(arena, 5), json, "model.safetensors"); // layer1/2/3 tensors
            Files.writeString(json, "{\"tensors\": \"model.safetensors\", \"layers\": [" + layers + "]}");
            return assertThrows(FileFormatException.class, () -> ModelFiles.load(json, arena)).getMessage();
        }
    }

    @Test
    void wrongDescriptionsAreRefusedNamingTheLayerAndKey() throws IOException {
        String conv1 = "{\"kind\": \"conv2d\", \"weight\": \"layer1.weight\", \"input\": [1, 12, 12], \"stride\": 2, \"padding\": 1}";
        String m = refusal("{\"kind\": \"conv2d\", \"weight\": \"layer1.weight\", \"stride\": 2}");
        assertTrue(m.contains("layers[0].input") && m.contains("[C, H, W]"), m);
        m = refusal("{\"kind\": \"conv2d\", \"weight\": \"layer1.weight\", \"input\": [3, 12, 12]}");
        assertTrue(m.contains("3 channels") && m.contains("[4, 1, 4, 4]"), m);
        m = refusal("{\"weight\": \"layer3.weight\", \"stride\": 2}");
        assertTrue(m.contains("unexpected key \"stride\"") && m.contains("dense"), m);
        m = refusal("{\"kind\": \"conv3d\", \"weight\": \"layer1.weight\"}");
        assertTrue(m.contains("layers[0].kind") && m.contains("conv_transpose2d"), m);
        m = refusal(conv1 + ", {\"kind\": \"max_pool2d\", \"stride\": 2}");
        assertTrue(m.contains("layers[1].kernel_size") && m.contains("required"), m);
        m = refusal(conv1 + ", {\"kind\": \"conv2d\", \"weight\": \"layer2.weight\", \"input\": [4, 5, 5]}");
        assertTrue(m.contains("layers[1].input") && m.contains("4×6×6"), m);
        m = refusal(conv1 + ", {\"kind\": \"max_pool2d\", \"kernel_size\": 2, \"stride\": 0}");
        assertTrue(m.contains("layers[1].stride") && m.contains(">= 1"), m);
        m = refusal("{\"kind\": \"flatten\"}");
        assertTrue(m.contains("flatten") && m.contains("layer before"), m);
        // a dense layer after the convolutions with the wrong input count: the chain check names layer 2
        m = refusal(conv1 + ", {\"kind\": \"flatten\"}, {\"weight\": \"layer3.weight\"}");
        assertTrue(m.contains("layer 2") && m.contains("144"), m);
    }

    @Test
    void theSection52ConvolutionalAutoencoderLoadsFromPyTorchLayouts() throws IOException {
        // [000] sec. 5.2: 1×28×28 → conv(1→8, k4 s2 p1) → conv(8→16) → dense 784→300, and back with transposed convs.
        try (Arena arena = Arena.ofShared()) {
            Network enc = Network.of(
                    new ConvLayer(new dev.netinvert.kernels.ConvShape(1, 28, 28, 8, 4, 2, 1),
                            ConvNetworkTest.gaussian(arena, 128, 1, 0.3), null, Activation.RELU),
                    new ConvLayer(new dev.netinvert.kernels.ConvShape(8, 14, 14, 16, 4, 2, 1),
                            ConvNetworkTest.gaussian(arena, 2048, 2, 0.1), null, Activation.RELU),
                    new DenseLayer(ConvNetworkTest.matrix(arena, 300, 784, 3, 0.03), null, Activation.IDENTITY),
                    new DenseLayer(ConvNetworkTest.matrix(arena, 784, 300, 4, 0.05), null, Activation.RELU),
                    new ConvTransposeLayer(16, 7, 7, 8, 4, 2, 1, 0, ConvNetworkTest.gaussian(arena, 2048, 5, 0.1), null,
                            Activation.RELU),
                    new ConvTransposeLayer(8, 14, 14, 1, 4, 2, 1, 0, ConvNetworkTest.gaussian(arena, 128, 6, 0.3), null,
                            Activation.SIGMOID));
            assertEquals(List.of(784, 1568, 784, 300, 784, 1568, 784),
                    java.util.stream.IntStream.rangeClosed(0, 6).mapToObj(enc::width).toList());
            Path json = dir.resolve("ae.json");
            ModelFiles.save(enc, json, "ae.safetensors");
            String text = Files.readString(json);
            assertTrue(text.contains("\"conv_transpose2d\"") && text.contains("\"input\""), text);
            assertEquals(enc.toString(), ModelFiles.load(json, arena).toString());
        }
    }
}
