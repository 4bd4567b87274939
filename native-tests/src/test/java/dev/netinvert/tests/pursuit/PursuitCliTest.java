package dev.netinvert.tests.pursuit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.cli.Main;
import dev.netinvert.solvers.experiments.ImageMetrics;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.io.Tensor;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code invert --method latent-pursuit|layered-bp|oracle|gd|adam} and {@code diagnose} on small files. */
public class PursuitCliTest {

    public record Run(int code, String out, String err) {}

    public static Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new Run(Main.run(args), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** A 20 → n1 → 150 tanh generator saved as model.json, 3 latents z.npy and their signals y.npy. */
    static float[][] files(Path dir, Arena arena, int n1) throws Exception {
        Network net = RandomNetworks.generator002(arena, 3, 20, n1, 150);
        ModelFiles.save(net, dir.resolve("model.json"), "model.safetensors");
        FloatMatrix z = RandomNetworks.latentBatch(arena, 3, 20, 8, RandomNetworks.latentStd(20, n1));
        FloatMatrix y = FloatMatrix.allocate(arena, 3, 150);
        for (int i = 0; i < 3; i++) {
            y.row(i).copyFrom(net.forward(z.row(i), arena).toArray());
        }
        Npy.write(dir.resolve("z.npy"), z);
        Npy.write(dir.resolve("y.npy"), y);
        Npy.write(dir.resolve("y0.npy"), y.row(0));
        FloatVec mask = FloatVec.allocate(arena, 150);
        for (int i = 0; i < 150; i++) {
            mask.set(i, i % 5 == 0 ? 0f : 1f);
        }
        Npy.write(dir.resolve("mask.npy"), mask);
        return new float[][] {z.row(0).toArray(), z.row(1).toArray(), z.row(2).toArray()};
    }

    static float[] row(Tensor t, int i) {
        return t.asMatrix().row(i).toArray();
    }

    @Test
    void everyPursuitMethodInvertsABatch(@TempDir Path dir) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            float[][] z = files(dir, arena, 100);
            String model = dir.resolve("model.json").toString(), y = dir.resolve("y.npy").toString();
            for (String m : List.of("latent-pursuit", "layered-bp", "oracle")) {
                Path out = dir.resolve(m);
                Run r = run("invert", "--model", model, "--observed", y, "--method", m, "--latent", dir.resolve("z.npy").toString(),
                        "--threads", "2", "--out", out.toString(), "--quiet");
                assertEquals(0, r.code(), m + ": " + r.err());
                Tensor sol = Npy.read(out.resolve("solution.npy"), arena);
                assertArrayEquals(new int[] {3, 20}, sol.shape());
                for (int i = 0; i < 3; i++) {
                    double snr = ImageMetrics.snrDb(z[i], row(sol, i));
                    assertTrue(snr > 80, m + " observation " + i + ": " + snr + " dB");
                }
                Map<String, Object> json = JSON.std.mapFrom(Files.readString(out.resolve("result.json")));
                Map<?, ?> first = (Map<?, ?>) ((List<?>) json.get("results")).get(0);
                assertEquals(m, first.get("method"));
                assertEquals(Boolean.TRUE, ((Map<?, ?>) first.get("uniqueness")).get("holds"));
                assertTrue(((List<?>) first.get("stages")).size() >= 2);
            }
            for (String m : List.of("gd", "adam")) {
                Path out = dir.resolve(m);
                Run r = run("invert", "--model", model, "--observed", dir.resolve("y0.npy").toString(), "--method", m,
                        "--max-iter", "30", "--init-std", "0.05", "--out", out.toString());
                assertEquals(0, r.code(), m + ": " + r.err());
                assertArrayEquals(new int[] {20}, Npy.read(out.resolve("solution.npy"), arena).shape());
                assertTrue(r.out().contains("observation 0: " + m + ", 30 iterations, stop: max-iterations"), r.out());
            }
        }
    }

    @Test
    void aMaskIsAccepted(@TempDir Path dir) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            float[][] z = files(dir, arena, 100);
            Path out = dir.resolve("o");
            Run r = run("invert", "--model", dir.resolve("model.json").toString(), "--observed", dir.resolve("y0.npy").toString(),
                    "--method", "latent-pursuit", "--mask", dir.resolve("mask.npy").toString(), "--out", out.toString(), "--quiet");
            assertEquals(0, r.code(), r.err());
            assertTrue(ImageMetrics.snrDb(z[0], Npy.read(out.resolve("solution.npy"), arena).data().toArray()) > 80);
            Map<String, Object> json = JSON.std.mapFrom(Files.readString(out.resolve("result.json")));
            Map<?, ?> u = (Map<?, ?>) ((Map<?, ?>) ((List<?>) json.get("results")).get(0)).get("uniqueness");
            assertEquals(120, ((Number) u.get("observed")).intValue());
        }
    }

    @Test
    void diagnoseReportsTheConditions(@TempDir Path dir) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            files(dir, arena, 100);
            Run ok = run("diagnose", "--model", dir.resolve("model.json").toString(), "--observed", dir.resolve("y.npy").toString(),
                    "--out", dir.resolve("d.json").toString());
            assertEquals(0, ok.code(), ok.err() + ok.out());
            assertTrue(ok.out().contains("observation 2") && ok.out().contains("holds    (iii)"), ok.out());
            Map<String, Object> json = JSON.std.mapFrom(Files.readString(dir.resolve("d.json")));
            assertEquals(3, ((List<?>) json.get("observations")).size());
        }
        Path small = dir.resolve("small");
        Files.createDirectories(small);
        try (Arena arena = Arena.ofShared()) {
            files(small, arena, 30);
            Run bad = run("diagnose", "--model", small.resolve("model.json").toString(), "--observed",
                    small.resolve("y.npy").toString(), "--latent", small.resolve("z.npy").toString());
            assertEquals(4, bad.code(), bad.err());
            assertTrue(bad.out().contains("VIOLATED (iii)") && bad.out().contains("NOT guaranteed"), bad.out());
        }
    }

    @Test
    void badArgumentsAreNamed(@TempDir Path dir) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            files(dir, arena, 100);
            String model = dir.resolve("model.json").toString(), y = dir.resolve("y.npy").toString();
            Run noLatent = run("invert", "--model", model, "--observed", y, "--method", "oracle", "--out", dir.resolve("x").toString());
            assertEquals(2, noLatent.code());
            assertTrue(noLatent.err().contains("--latent"), noLatent.err());
            Run badMask = run("invert", "--model", model, "--observed", y, "--method", "latent-pursuit", "--mask",
                    dir.resolve("z.npy").toString(), "--out", dir.resolve("x").toString());
            assertEquals(2, badMask.code());
            assertTrue(badMask.err().contains("--mask") && badMask.err().contains("[150]"), badMask.err());
            Run badMethod = run("invert", "--model", model, "--observed", y, "--method", "pursuit");
            assertEquals(2, badMethod.code());
            assertTrue(badMethod.err().contains("latent-pursuit"), badMethod.err());
            Run badRho = run("invert", "--model", model, "--observed", y, "--method", "latent-pursuit", "--rho", "-1",
                    "--out", dir.resolve("x").toString());
            assertEquals(2, badRho.code());
            assertTrue(badRho.err().contains("rho"), badRho.err());
            Run maskLifted = run("invert", "--model", model, "--observed", y, "--method", "lifted-cd", "--mask",
                    dir.resolve("mask.npy").toString());
            assertEquals(2, maskLifted.code());
            assertTrue(maskLifted.err().contains("--mask"), maskLifted.err());
        }
    }

    @Test
    void pursuitSweepWritesCsvJsonAndPlots(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("sweep");
        Run r = run("pursuit-sweep", "--n0", "10", "--n", "60", "--n1", "12,40", "--signals", "2", "--gd-iter", "20",
                "--threads", "1", "--out", out.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        List<String> csv = Files.readAllLines(out.resolve("runs.csv"));
        assertEquals(1 + 2 * 2 * 4, csv.size(), String.join("\n", csv));
        assertTrue(csv.get(0).startsWith("n1,signal,method,snr_z_db"));
        assertTrue(Files.size(out.resolve("snr-z.png")) > 1000 && Files.size(out.resolve("snr-x1.png")) > 1000);
        Map<String, Object> json = JSON.std.mapFrom(Files.readString(out.resolve("summary.json")));
        assertEquals(2 * 4, ((List<?>) json.get("summary")).size());
        // n1 = 40 > 2 n0: Latent-Pursuit recovers z; n1 = 12 < 2 n0: it cannot.
        double good = csv.stream().filter(l -> l.startsWith("40,") && l.contains(",latent-pursuit,"))
                .mapToDouble(l -> Double.parseDouble(l.split(",")[3])).min().orElseThrow();
        assertTrue(good > 80, "n1 = 40: " + good + " dB");
        double bad = csv.stream().filter(l -> l.startsWith("12,") && l.contains(",latent-pursuit,"))
                .mapToDouble(l -> Double.parseDouble(l.split(",")[3])).max().orElseThrow();
        assertTrue(bad < 30, "n1 = 12: " + bad + " dB");
        Run bad2 = run("pursuit-sweep", "--methods", "magic", "--out", dir.resolve("x").toString());
        assertEquals(2, bad2.code());
        assertTrue(bad2.err().contains("methods") && bad2.err().contains("magic"), bad2.err());
    }
}
