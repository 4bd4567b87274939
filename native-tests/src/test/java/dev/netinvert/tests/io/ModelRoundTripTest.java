package dev.netinvert.tests.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static dev.netinvert.tests.SameBits.assertSameBits;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.io.LoadOptions;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.io.ObservationFiles;
import dev.netinvert.solvers.io.Safetensors;
import dev.netinvert.solvers.io.SafetensorsFile;
import dev.netinvert.solvers.io.Tensor;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.Observations;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.network.ReferenceNetwork;
import dev.netinvert.solvers.network.RandomNetworks.WeightScale;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "done when": a 3-layer random network and an observation exported to safetensors + model
 * JSON and to .npy files, loaded back, give bit-identical forward passes, with the mapped weights used
 * in place.
 */
class ModelRoundTripTest {

    @TempDir
    Path dir;

    @Test
    void safetensorsAndNpyExportsLoadBackBitIdenticalAndMapped() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Network net = RandomNetworks.gaussianWithBias(arena, 2024, new int[] {30, 50, 40, 20},
                    List.of(Activation.leakyRelu(0.1f), Activation.softThreshold(0.05f), Activation.SIGMOID),
                    WeightScale.fanIn(), 0.1);
            FloatVec z = RandomNetworks.latent(arena, 30, 7, 1.0);
            FloatVec y = Observations.noisy(net, z, new Observations.Noise.Gaussian(0.01), 8, true, arena);

            Path stJson = dir.resolve("model.json");
            ModelFiles.save(net, stJson, "model.safetensors");
            Safetensors.write(dir.resolve("observation.safetensors"), List.of(Tensor.of("y", y)));
            Path npyJson = dir.resolve("npy-model.json");
            ModelFiles.saveAsNpy(net, npyJson);
            Npy.write(dir.resolve("y.npy"), y);

            // In place even where the rows are off the cache lines (widths 30, 50, 40): the aligned copy is off.
            LoadOptions inPlace = LoadOptions.STRICT.withAlignedCopyLimit(0);
            Network fromSt = ModelFiles.load(stJson, arena, inPlace);
            Network fromNpy = ModelFiles.load(npyJson, arena, inPlace);
            assertEquals(net.toString(), fromSt.toString());
            assertEquals(net.toString(), fromNpy.toString());

            // Bit-identical forward passes: through the fast kernels (see SameBits for why "eventually")
            // and through the plain-array twin, which is deterministic.
            assertSameBits(() -> net.forward(z, arena).toArray(), () -> fromSt.forward(z, arena).toArray(), "safetensors model");
            assertSameBits(() -> net.forward(z, arena).toArray(), () -> fromNpy.forward(z, arena).toArray(), "npy model");
            float[] expected = ReferenceNetwork.copyOf(net).forward(z.toArray()).clone();
            assertArrayEquals(expected, ReferenceNetwork.copyOf(fromSt).forward(z.toArray()), "safetensors model, reference pass");
            assertArrayEquals(expected, ReferenceNetwork.copyOf(fromNpy).forward(z.toArray()), "npy model, reference pass");
            for (int l = 1; l <= 3; l++) {
                DenseLayer a = net.dense(l), b = fromSt.dense(l), c = fromNpy.dense(l);
                assertArrayEquals(a.weight().toArray(), b.weight().toArray());
                assertArrayEquals(a.weight().toArray(), c.weight().toArray());
                assertArrayEquals(a.bias().toArray(), b.bias().toArray());
                assertArrayEquals(a.bias().toArray(), c.bias().toArray());
                assertEquals(a.activation(), b.activation(), "activation parameters round-trip exactly");
                assertEquals(a.activation(), c.activation());
            }

            // "Used without a copy": each safetensors layer views the one mapping of the whole file at its
            // tensor's offset; each .npy layer is the mapping of its file's data section.
            Path stFile = dir.resolve("model.safetensors");
            try (Arena probe = Arena.ofConfined()) {
                SafetensorsFile f = Safetensors.open(stFile, probe);
                for (int l = 1; l <= 3; l++) {
                    FloatMatrix w = fromSt.dense(l).weight();
                    MemorySegment seg = w.segment();
                    assertTrue(Tensor.isFileView(seg), "layer " + l + " weight is mapped");
                    assertEquals(Files.size(stFile), seg.byteSize(), "the mapping is the whole file");
                    assertEquals(f.dataStart() + f.entry("layer" + l + ".weight").begin(), w.byteOffset(),
                            "at the tensor's offset in the file");
                    assertTrue(Tensor.isFileView(fromSt.dense(l).bias().segment()));
                    FloatMatrix wn = fromNpy.dense(l).weight();
                    assertTrue(Tensor.isFileView(wn.segment()), "npy layer " + l + " weight is mapped");
                    assertEquals(4L * wn.rows() * wn.cols(), wn.segment().byteSize());
                    assertEquals(0, wn.byteOffset());
                }
            }
            // Every layer of one model shares one mapping (not a mapping per tensor).
            assertEquals(fromSt.dense(1).weight().segment().address(), fromSt.dense(3).bias().segment().address());

            FloatVec yNpy = ObservationFiles.load(dir.resolve("y.npy"), fromNpy, arena, LoadOptions.STRICT);
            SafetensorsFile obs = Safetensors.open(dir.resolve("observation.safetensors"), arena);
            FloatVec ySt = ObservationFiles.load(obs, "y", fromSt, LoadOptions.STRICT);
            assertArrayEquals(y.toArray(), yNpy.toArray());
            assertArrayEquals(y.toArray(), ySt.toArray());
            assertTrue(Tensor.isFileView(yNpy.segment()) && Tensor.isFileView(ySt.segment()));
        }
    }

    /**
     * With the default options a dense weight whose rows are off the 64-byte lines is copied once into aligned rows
     * (same values, same forward pass); one whose rows are on them, or one above the copy limit, stays mapped.
     */
    @Test
    void smallWeightsWithRowsOffTheCacheLinesAreCopiedIntoAlignedRows() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            // Layer 1: 48 × 100 (400-byte rows, off the lines); layer 2: 32 × 48 (192-byte rows, on them).
            Network net = RandomNetworks.gaussianWithBias(arena, 11, new int[] {100, 48, 32},
                    List.of(Activation.RELU, Activation.TANH), WeightScale.fanIn(), 0.1);
            FloatVec z = RandomNetworks.latent(arena, 100, 3, 1.0);
            Path npyJson = dir.resolve("aligned.json");
            ModelFiles.saveAsNpy(net, npyJson);

            Network loaded = ModelFiles.load(npyJson, arena);
            FloatMatrix w1 = loaded.dense(1).weight(), w2 = loaded.dense(2).weight();
            assertTrue(w1.rowsAligned(), "layer 1 copied into aligned rows: " + w1);
            assertEquals(112, w1.ld(), "100 columns padded to 7 lines of 16 floats");
            assertTrue(!Tensor.isFileView(w1.segment()), "layer 1 is a copy in the arena");
            assertTrue(Tensor.isFileView(w2.segment()) && w2.ld() == 48 && w2.rowsAligned(),
                    "layer 2's rows are on the lines already: mapped in place, " + w2);
            assertArrayEquals(net.dense(1).weight().toArray(), w1.toArray());
            assertSameBits(() -> net.forward(z, arena).toArray(), () -> loaded.forward(z, arena).toArray(), "aligned copy");

            // Above the limit (layer 1 is 19 200 bytes): used in place.
            Network big = ModelFiles.load(npyJson, arena, LoadOptions.STRICT.withAlignedCopyLimit(19_199));
            assertTrue(Tensor.isFileView(big.dense(1).weight().segment()) && big.dense(1).weight().ld() == 100);
            Network justFits = ModelFiles.load(npyJson, arena, LoadOptions.STRICT.withAlignedCopyLimit(19_200));
            assertEquals(112, justFits.dense(1).weight().ld());
        }
    }

    /**
     * A weight whose rows are on the lines but a multiple of 2 KiB long (1 024 floats: every row in the same L1
     * sets, {@link FloatMatrix#rowsStaggered}) is copied into the kernels' layout, one line longer per row, and
     * gives the same bits; with the copy limit at 0 it stays mapped in place.
     */
    @Test
    void weightsWhoseRowsShareCacheSetsAreCopiedIntoStaggeredRows() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Network net = RandomNetworks.gaussianWithBias(arena, 12, new int[] {1024, 24}, List.of(Activation.RELU),
                    WeightScale.fanIn(), 0.1);
            FloatVec z = RandomNetworks.latent(arena, 1024, 5, 1.0);
            Path npyJson = dir.resolve("staggered.json");
            ModelFiles.saveAsNpy(net, npyJson);

            Network loaded = ModelFiles.load(npyJson, arena);
            FloatMatrix w = loaded.dense(1).weight();
            assertTrue(!Tensor.isFileView(w.segment()) && w.ld() == 1040 && w.rowsAligned() && w.rowsStaggered(),
                    "copied into rows of 1 040 floats: " + w);
            assertArrayEquals(net.dense(1).weight().toArray(), w.toArray());
            assertSameBits(() -> net.forward(z, arena).toArray(), () -> loaded.forward(z, arena).toArray(),
                    "staggered copy");

            Network inPlace = ModelFiles.load(npyJson, arena, LoadOptions.STRICT.withAlignedCopyLimit(0));
            FloatMatrix mapped = inPlace.dense(1).weight();
            assertTrue(Tensor.isFileView(mapped.segment()) && mapped.ld() == 1024 && mapped.rowsAligned()
                    && !mapped.rowsStaggered(), "mapped in place: " + mapped);
            assertSameBits(() -> net.forward(z, arena).toArray(), () -> inPlace.forward(z, arena).toArray(),
                    "in place");
        }
    }

    @Test
    void paddedWeightsAndLayersWithoutBiasRoundTrip() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            FloatMatrix w1 = FloatMatrix.allocatePadded(arena, 5, 3);
            FloatMatrix w2 = FloatMatrix.allocatePadded(arena, 2, 5);
            for (int i = 0; i < 5; i++) {
                for (int j = 0; j < 3; j++) {
                    w1.set(i, j, i - j * 0.5f);
                }
                for (int k = 0; k < 2; k++) {
                    w2.set(k, i, k + i * 0.25f);
                }
            }
            Network net = Network.of(new DenseLayer(w1, null, Activation.TANH), new DenseLayer(w2, null, Activation.CLIP));
            ModelFiles.save(net, dir.resolve("p.json"), "p.safetensors");
            ModelFiles.saveAsNpy(net, dir.resolve("q.json"));
            for (String name : new String[] {"p.json", "q.json"}) {
                Network back = ModelFiles.load(dir.resolve(name), arena);
                assertArrayEquals(w1.toArray(), back.dense(1).weight().toArray());
                assertArrayEquals(w2.toArray(), back.dense(2).weight().toArray());
                assertNull(back.dense(1).bias());
                FloatVec z = FloatVec.of(arena, 0.3f, -0.2f, 0.9f);
                assertSameBits(() -> net.forward(z, arena).toArray(), () -> back.forward(z, arena).toArray(), name);
            }
        }
    }
}
