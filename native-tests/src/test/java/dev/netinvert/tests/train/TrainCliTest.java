package dev.netinvert.tests.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.netinvert.solvers.io.Datasets;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.tests.pursuit.PursuitCliTest;
import dev.netinvert.tests.pursuit.PursuitCliTest.Run;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train autoencoder|classifier} and {@code autoencoder-invert} on a tiny synthetic dataset in the MNIST
 * layout (the tests never need Fashion-MNIST): 28×28 images of a bright bar whose row is the class.
 */
class TrainCliTest {

    /** Image i: a 3-pixel-high bar at rows 2·label + 2 … 2·label + 4, with a per-image offset in brightness. */
    static void writeSplit(Path dir, Datasets.Split split, int n) throws IOException {
        byte[] px = new byte[n * 28 * 28];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            int label = i % 10;
            labels[i] = (byte) label;
            for (int r = 2 * label + 2; r < 2 * label + 5; r++) {
                for (int c = 4 + i % 3; c < 24; c++) {
                    px[(i * 28 + r) * 28 + c] = (byte) (180 + (i * 7) % 70);
                }
            }
        }
        Files.createDirectories(dir);
        Files.write(dir.resolve(split.imagesFile()), idx(new int[] {n, 28, 28}, px));
        Files.write(dir.resolve(split.labelsFile()), idx(new int[] {n}, labels));
    }

    private static byte[] idx(int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.put((byte) 0).put((byte) 0).put((byte) 0x08).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(data).array();
    }

    @Test
    void trainsAnAutoencoderAndInvertsItsCode(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        writeSplit(data, Datasets.Split.TRAIN, 320);
        writeSplit(data, Datasets.Split.TEST, 64);
        Path ae = dir.resolve("ae");
        Run t = PursuitCliTest.run("train", "autoencoder", "--data", data.toString(), "--epochs", "3", "--code", "16", "--out",
                ae.toString(), "--quiet");
        assertEquals(0, t.code(), t.err());
        Map<String, Object> tj = JSON.std.mapFrom(Files.readString(ae.resolve("train.json")));
        List<?> losses = (List<?>) tj.get("epoch_loss");
        assertEquals(3, losses.size());
        assertTrue(((Number) losses.get(2)).doubleValue() < ((Number) losses.get(0)).doubleValue(), "the loss falls: " + losses);
        try (Arena arena = Arena.ofConfined()) {
            Network net = ModelFiles.load(ae.resolve("model.json"), arena);
            assertEquals(16, net.width(1));
            assertEquals(784, net.outputSize());
        }
        Path inv = dir.resolve("inv");
        Run r = PursuitCliTest.run("autoencoder-invert", "--model", ae.resolve("model.json").toString(), "--data", data.toString(),
                "--images", "2", "--max-iter", "40", "--out", inv.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.size(inv.resolve("montage-train.png")) > 0 && Files.size(inv.resolve("montage-test.png")) > 0);
        assertEquals(1 + 4, Files.readAllLines(inv.resolve("runs.csv")).size());
    }

    @Test
    void trainsAClassifier(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        writeSplit(data, Datasets.Split.TRAIN, 640);
        writeSplit(data, Datasets.Split.TEST, 100);
        Path out = dir.resolve("cls");
        Run t = PursuitCliTest.run("train", "classifier", "--data", data.toString(), "--epochs", "5", "--out", out.toString(), "--quiet");
        assertEquals(0, t.code(), t.err());
        Map<String, Object> tj = JSON.std.mapFrom(Files.readString(out.resolve("train.json")));
        assertTrue(((Number) tj.get("test_accuracy")).doubleValue() >= 0.9, "a bar's row is easy to classify: " + tj.get("test_accuracy"));
    }

    @Test
    void aMissingDatasetNamesTheDebianPackage(@TempDir Path dir) {
        Run t = PursuitCliTest.run("train", "autoencoder", "--data", dir.resolve("nowhere").toString(), "--out",
                dir.resolve("o").toString());
        assertEquals(1, t.code());
        assertTrue(t.err().contains("dataset-fashion-mnist"), t.err());
        assertEquals(1, t.err().strip().lines().count(), t.err());
    }
}
