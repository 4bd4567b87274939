package dev.netinvert.tests.lp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.io.Tensor;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.tests.pursuit.PursuitCliTest;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code invert --method exact|lp-linf|lp-l1|lp-relaxed} and {@code lp-sweep} on small files. */
class LpCliTest {

    @Test
    void everyLayerwiseMethodInvertsABatchFromModelFiles(@TempDir Path dir) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            Network net = RandomNetworks.generator003(arena, 3, 8, 40, 200, Activation.RELU);
            ModelFiles.save(net, dir.resolve("model.json"), "model.safetensors");
            FloatMatrix z = RandomNetworks.latentBatch(arena, 2, 8, 4, 1.0);
            FloatMatrix y = FloatMatrix.allocate(arena, 2, 200);
            for (int i = 0; i < 2; i++) {
                y.row(i).copyFrom(net.forward(z.row(i), arena).toArray());
            }
            Npy.write(dir.resolve("y.npy"), y);
            for (String m : List.of("exact", "lp-linf", "lp-l1", "lp-relaxed")) {
                Path out = dir.resolve(m);
                var r = PursuitCliTest.run("invert", "--model", dir.resolve("model.json").toString(), "--observed",
                        dir.resolve("y.npy").toString(), "--method", m, "--threads", "2", "--out", out.toString(), "--quiet",
                        "--eps0", m.equals("lp-relaxed") ? "1e-7" : "1e-6");
                assertEquals(0, r.code(), m + ": " + r.err());
                Tensor sol = Npy.read(out.resolve("solution.npy"), arena);
                for (int i = 0; i < 2; i++) {
                    float[] got = sol.asMatrix().row(i).toArray(), want = z.row(i).toArray();
                    for (int j = 0; j < want.length; j++) {
                        assertEquals(want[j], got[j], 1e-5 * (1 + Math.abs(want[j])), m + " row " + i + " z[" + j + "]");
                    }
                }
                Map<String, Object> json = JSON.std.mapFrom(Files.readString(out.resolve("result.json")));
                assertEquals(m, json.get("method"));
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> results = (List<Map<String, Object>>) json.get("results");
                assertEquals(2, results.size());
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> layers = (List<Map<String, Object>>) results.get(0).get("layers");
                assertEquals(2, layers.size());
                assertEquals(1, ((Number) layers.get(0).get("layer")).intValue());
                if (!m.equals("exact")) {
                    assertTrue(((Number) results.get(0).get("lps_feasible")).intValue() >= 2, m + ": " + results.get(0));
                }
            }
        }
    }

    @Test
    void badInputIsRefusedByNameAndWritesNothing(@TempDir Path dir) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            Network tanh = RandomNetworks.generator003(arena, 3, 4, 20, 40, Activation.TANH);
            ModelFiles.save(tanh, dir.resolve("model.json"), "model.safetensors");
            Npy.write(dir.resolve("y.npy"), tanh.forward(RandomNetworks.latent(arena, 4, 1, 1.0), arena));
            Path out = dir.resolve("out");
            var r = PursuitCliTest.run("invert", "--model", dir.resolve("model.json").toString(), "--observed",
                    dir.resolve("y.npy").toString(), "--method", "lp-linf", "--out", out.toString());
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains("tanh"), r.err());
            assertFalse(Files.exists(out.resolve("solution.npy")));
            for (String[] bad : List.of(new String[] {"--eps0", "0"}, new String[] {"--growth", "1"},
                    new String[] {"--lp-search", "fast"})) {
                var b = PursuitCliTest.run("invert", "--model", dir.resolve("model.json").toString(), "--observed",
                        dir.resolve("y.npy").toString(), "--method", "lp-l1", bad[0], bad[1], "--out", out.toString());
                assertEquals(2, b.code(), b.err());
                assertTrue(b.err().contains(bad[0].substring(2).replace("lp-", "")), bad[0] + ": " + b.err());
            }
        }
    }

    @Test
    void lpSweepWritesRunsSummaryAndPlots(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("sweep");
        var r = PursuitCliTest.run("lp-sweep", "success", "--k", "4,8", "--runs", "2", "--methods", "exact,lp-linf,gd", "--hidden", "30", "--n", "80",
                "--threads", "2", "--out", out.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        for (String f : List.of("runs.csv", "summary.json", "success-relu.png", "success-leaky_relu.png")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        List<String> lines = Files.readAllLines(out.resolve("runs.csv"));
        assertEquals(1 + 2 * 2 * 2 * 3, lines.size(), "header + activations × k × runs × methods");
    }
}
