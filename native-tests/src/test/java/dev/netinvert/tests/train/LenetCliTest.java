package dev.netinvert.tests.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.netinvert.solvers.io.Datasets;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.network.ConvLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.PoolLayer;
import dev.netinvert.tests.pursuit.PursuitCliTest;
import dev.netinvert.tests.pursuit.PursuitCliTest.Run;
import java.awt.image.BufferedImage;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train lenet} and {@code admm-lenet} ([004] sec. 3 on a trained LeNet) end to end on the tiny synthetic IDX
 * dataset of {@link TrainCliTest} (the tests never need Fashion-MNIST).
 */
class LenetCliTest {

    @Test
    void trainsLenetAndRunsTheAdversarialPanels(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        TrainCliTest.writeSplit(data, Datasets.Split.TRAIN, 320);
        TrainCliTest.writeSplit(data, Datasets.Split.TEST, 40);
        Path model = dir.resolve("lenet");
        Run t = PursuitCliTest.run("train", "lenet", "--data", data.toString(), "--epochs", "3", "--out", model.toString(),
                "--quiet");
        assertEquals(0, t.code(), t.err());
        Map<String, Object> tj = JSON.std.mapFrom(Files.readString(model.resolve("train.json")));
        List<?> losses = (List<?>) tj.get("epoch_loss");
        assertEquals(3, losses.size());
        assertTrue(((Number) losses.get(2)).doubleValue() < ((Number) losses.get(0)).doubleValue(), "the loss falls: " + losses);
        assertTrue(((Number) tj.get("test_accuracy")).doubleValue() > 0.5, "bars are easy: " + tj.get("test_accuracy"));
        try (Arena arena = Arena.ofConfined()) {
            Network net = ModelFiles.load(model.resolve("model.json"), arena);
            assertEquals(7, net.depth());
            assertTrue(net.layer(1) instanceof ConvLayer && net.layer(2) instanceof PoolLayer p
                    && p.poolKind() == PoolLayer.Kind.AVERAGE, net.toString());
            assertEquals(400, net.width(4));
            assertEquals(10, net.outputSize());
        }

        Path out = dir.resolve("adv");
        double r = 0.15;
        Run a = PursuitCliTest.run("admm-lenet", "--model", model.resolve("model.json").toString(), "--data", data.toString(),
                "--images", "2", "--iterations", "4", "--radius", Double.toString(r), "--xent-rhos", "0.1", "--box-rhos", "0.01,1",
                "--steps", "0.01", "--montage", "2", "--out", out.toString(), "--quiet");
        assertEquals(0, a.code(), a.err());
        for (String f : List.of("runs.csv", "curves.csv", "summary.json", "xent-l2.png", "xent-box.png", "montage.png")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        List<String> curves = Files.readAllLines(out.resolve("curves.csv"));
        assertEquals(1 + 2 * 6, curves.size());
        for (String line : curves) {
            assertEquals(3 + 5, line.split(",").length, "panel, image, method, then iterations 0-4: " + line);
        }
        List<String> csv = Files.readAllLines(out.resolve("runs.csv"));
        // per image: xent-l2 ADMM (1 rho) + Adam (1 step); xent-box ADMM (2 rhos) + Adam + projected gradient
        assertEquals(1 + 2 * (2 + 4), csv.size(), String.join("\n", csv));
        List<String> header = List.of(csv.get(0).split(","));
        int panel = header.indexOf("panel"), its = header.indexOf("iterations"), linf = header.indexOf("distance_linf");
        int target = header.indexOf("target"), predicted = header.indexOf("predicted"), success = header.indexOf("success");
        Set<String> rows = new HashSet<>();
        for (String line : csv.subList(1, csv.size())) {
            String[] f = line.split(",");
            assertEquals(4, Integer.parseInt(f[its]), line);
            rows.add(f[header.indexOf("row")]);
            assertEquals(f[target].equals(f[predicted]), Boolean.parseBoolean(f[success]), line);
            if (f[panel].equals("xent-box")) {
                // the box [x0 - r, x0 + r] ∩ [0, 1] holds exactly (r rounded to float, as the box stores it)
                assertTrue(Double.parseDouble(f[linf]) <= (float) r + 1e-6, line);
            }
        }
        assertEquals(Set.of("0", "20"), rows, "rows 0 and n/2 of the 40 test images");
        Map<String, Object> s = JSON.std.mapFrom(Files.readString(out.resolve("summary.json")));
        assertEquals(6, ((List<?>) s.get("summary")).size(), "one summary row per panel and method");
        assertEquals(r, ((Number) s.get("radius")).doubleValue());
        assertTrue(((Map<?, ?>) s.get("best_admm")).get("xent-box").toString().startsWith("admm rho"));
        BufferedImage montage = ImageIO.read(out.resolve("montage.png").toFile());
        // 5 columns (original; ADMM and projected gradient, each with its difference) of 28-pixel tiles enlarged 4x
        assertEquals(5 * (112 + 10) + 10, montage.getWidth());
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < montage.getHeight(); y += 3) {
            for (int x = 0; x < montage.getWidth(); x += 3) {
                colours.add(montage.getRGB(x, y) & 0xFFFFFF);
            }
        }
        assertTrue(colours.size() > 20, "the montage shows images and text, not a blank: " + colours.size() + " colours");
    }

    @Test
    void refusesWithoutTheDatasetNamingTheDebianPackage(@TempDir Path dir) throws Exception {
        Run t = PursuitCliTest.run("train", "lenet", "--data", dir.resolve("absent").toString(), "--out",
                dir.resolve("o").toString(), "--quiet");
        assertNotEquals(0, t.code());
        assertTrue(t.err().contains("dataset-fashion-mnist"), t.err());
        try (Arena arena = Arena.ofConfined()) {
            ModelFiles.save(dev.netinvert.solvers.network.RandomNetworks.lenet5(arena, 1), dir.resolve("m.json"), "m.safetensors");
        }
        Run a = PursuitCliTest.run("admm-lenet", "--model", dir.resolve("m.json").toString(), "--data",
                dir.resolve("absent").toString(), "--out", dir.resolve("a").toString(), "--quiet");
        assertNotEquals(0, a.code());
        assertTrue(a.err().contains("dataset-fashion-mnist"), a.err());
        assertTrue(!Files.exists(dir.resolve("a").resolve("runs.csv")));
    }
}
