package dev.netinvert.tests.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.network.ConvLayer;
import dev.netinvert.solvers.network.ConvTransposeLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.tests.pursuit.PursuitCliTest;
import dev.netinvert.tests.pursuit.PursuitCliTest.Run;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train conv-autoencoder} and {@code conv-autoencoder-invert} ([000] sec. 5.2) end to end on the tiny synthetic
 * IDX dataset of {@link TrainCliTest} (the tests never need Fashion-MNIST).
 */
class ConvTrainCliTest {

    @Test
    void trainsTheConvAutoencoderAndInvertsNoisyCodes(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        TrainCliTest.writeSplit(data, dev.netinvert.solvers.io.Datasets.Split.TRAIN, 192);
        TrainCliTest.writeSplit(data, dev.netinvert.solvers.io.Datasets.Split.TEST, 40);
        Path ae = dir.resolve("cae");
        Run t = PursuitCliTest.run("train", "conv-autoencoder", "--data", data.toString(), "--epochs", "3", "--code", "24",
                "--out", ae.toString(), "--quiet");
        assertEquals(0, t.code(), t.err());
        Map<String, Object> tj = JSON.std.mapFrom(Files.readString(ae.resolve("train.json")));
        List<?> losses = (List<?>) tj.get("epoch_loss");
        assertEquals(3, losses.size());
        assertTrue(((Number) losses.get(2)).doubleValue() < ((Number) losses.get(0)).doubleValue(), "the loss falls: " + losses);
        try (Arena arena = Arena.ofConfined()) {
            Network net = ModelFiles.load(ae.resolve("model.json"), arena);
            assertEquals(6, net.depth());
            assertTrue(net.layer(1) instanceof ConvLayer && net.layer(6) instanceof ConvTransposeLayer, net.toString());
            assertEquals(24, net.width(3), "the code");
            assertEquals(784, net.outputSize());
        }
        Path inv = dir.resolve("inv");
        Run r = PursuitCliTest.run("conv-autoencoder-invert", "--model", ae.resolve("model.json").toString(), "--data",
                data.toString(), "--images", "2", "--deltas", "0.5,0", "--alphas", "1e-3,3e-2", "--max-outer", "15",
                "--out", inv.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.size(inv.resolve("montage.png")) > 0 && Files.size(inv.resolve("psnr.png")) > 0);
        List<String> csv = Files.readAllLines(inv.resolve("runs.csv"));
        assertEquals(1 + 2 * 2 * 2, csv.size(), "one line per image, level and alpha");
        // per level, the reported alpha is the one with the best mean PSNR over the images
        Map<String, Double> sum = new HashMap<>();
        for (String line : csv.subList(1, csv.size())) {
            String[] f = line.split(",");
            sum.merge(f[1] + "/" + Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double::sum);
            if (Double.parseDouble(f[1]) == 0) {
                assertEquals(0.0, Double.parseDouble(f[2]), "no noise, delta^2 = 0");
            } else {
                assertNotEquals(0.0, Double.parseDouble(f[2]), "noise was added");
            }
        }
        Map<String, Object> s = JSON.std.mapFrom(Files.readString(inv.resolve("summary.json")));
        List<?> levels = (List<?>) s.get("levels");
        assertEquals(2, levels.size());
        for (Object o : levels) {
            Map<?, ?> l = (Map<?, ?>) o;
            String d = String.format(java.util.Locale.ROOT, "%.4g", ((Number) l.get("delta")).doubleValue());
            double chosen = ((Number) l.get("alpha")).doubleValue(), other = chosen == 1e-3 ? 3e-2 : 1e-3;
            assertTrue(sum.get(d + "/" + chosen) >= sum.get(d + "/" + other), "level " + d + ": " + sum);
        }
        assertEquals(2, ((List<?>) s.get("runs")).size() / 4);
    }

    @Test
    void refusesWithoutTheDataset(@TempDir Path dir) throws Exception {
        Run t = PursuitCliTest.run("train", "conv-autoencoder", "--data", dir.resolve("absent").toString(), "--out",
                dir.resolve("o").toString(), "--quiet");
        assertNotEquals(0, t.code());
        assertTrue(t.err().contains("dataset-fashion-mnist"), t.err());
    }
}
