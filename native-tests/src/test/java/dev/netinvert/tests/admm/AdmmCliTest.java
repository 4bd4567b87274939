package dev.netinvert.tests.admm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.network.SeededGaussian;
import dev.netinvert.tests.pursuit.PursuitCliTest;
import dev.netinvert.tests.pursuit.PursuitCliTest.Run;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code invert --method admm|pgd|adam} with a loss, and {@code admm-compare}, on small files. */
class AdmmCliTest {

    /** The admm-compare MLP saved as model.json, x0.npy (N(0, I)), y.npy = f(x*) and a batch of two. */
    private static Network files(Path dir, Arena arena) throws Exception {
        Network net = RandomNetworks.mlp004(arena, 3);
        ModelFiles.save(net, dir.resolve("model.json"), "model.safetensors");
        FloatVec x0 = FloatVec.allocate(arena, 64), xs = FloatVec.allocate(arena, 64);
        new SeededGaussian(4).fill(x0, 0, 1);
        new SeededGaussian(5).fill(xs, 0, 1);
        Npy.write(dir.resolve("x0.npy"), x0);
        FloatVec y = net.forward(xs, arena);
        Npy.write(dir.resolve("y.npy"), y);
        FloatMatrix ys = FloatMatrix.allocate(arena, 2, 16);
        ys.row(0).copyFrom(y.toArray());
        ys.row(1).copyFrom(net.forward(x0, arena).toArray());
        Npy.write(dir.resolve("ys.npy"), ys);
        return net;
    }

    @Test
    void admmPgdAndAdamWriteResults(@TempDir Path dir) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            files(dir, arena);
            String model = dir.resolve("model.json").toString();
            Path out = dir.resolve("admm");
            Run r = PursuitCliTest.run("invert", "--model", model, "--observed", dir.resolve("ys.npy").toString(), "--method", "admm",
                    "--rho", "0.5", "--lambda", "0.01", "--order", "forward", "--max-iter", "40", "--out", out.toString());
            assertEquals(0, r.code(), r.err());
            assertArrayEquals(new int[] {2, 64}, Npy.read(out.resolve("solution.npy"), arena).shape());
            Map<String, Object> json = JSON.std.mapFrom(Files.readString(out.resolve("result.json")));
            assertEquals(0.5, ((Number) json.get("rho")).doubleValue());
            assertEquals("forward", json.get("order"));
            Map<?, ?> first = (Map<?, ?>) ((List<?>) json.get("results")).get(0);
            assertEquals(40, ((Number) first.get("iterations")).intValue());
            assertEquals("max-iterations", first.get("stop_reason"));
            assertEquals(3, ((List<?>) first.get("layer_residuals")).size());
            assertEquals(41, ((List<?>) ((Map<?, ?>) first.get("history")).get("primal_residual")).size());
            assertTrue(r.out().contains("observation 1: admm, 40 iterations"), r.out());

            for (String m : List.of("pgd", "adam")) {
                Path o = dir.resolve(m);
                Run b = PursuitCliTest.run("invert", "--model", model, "--method", m, "--loss", "xent:3", "--x0",
                        dir.resolve("x0.npy").toString(), "--box-radius", "0.25", "--max-iter", "30", "--out", o.toString(), "--quiet");
                assertEquals(0, b.code(), m + ": " + b.err());
                float[] x = Npy.read(o.resolve("solution.npy"), arena).data().toArray();
                float[] x0 = Npy.read(dir.resolve("x0.npy"), arena).data().toArray();
                for (int j = 0; j < x.length; j++) {
                    assertTrue(Math.abs(x[j] - x0[j]) <= 0.25f + 1e-6f, m + ": x within the box at " + j);
                }
                Map<String, Object> bj = JSON.std.mapFrom(Files.readString(o.resolve("result.json")));
                assertEquals(0.01, ((Number) bj.get("step")).doubleValue());
            }
            Path lin = dir.resolve("linear");
            Run l = PursuitCliTest.run("invert", "--model", model, "--method", "admm", "--loss", "linear:3,5", "--x0",
                    dir.resolve("x0.npy").toString(), "--box-radius", "0.1", "--lambda", "0.001", "--max-iter", "50", "--out",
                    lin.toString(), "--quiet");
            assertEquals(0, l.code(), l.err());
        }
    }

    @Test
    void badArgumentsGetOneLineErrors(@TempDir Path dir) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            files(dir, arena);
            String model = dir.resolve("model.json").toString(), y = dir.resolve("y.npy").toString();
            String[][] cases = {
                    {"--method", "admm", "--observed", y, "--rho", "0"},
                    {"--method", "admm", "--observed", y, "--rho", "-2"},
                    {"--method", "admm", "--observed", y, "--order", "sideways"},
                    {"--method", "admm", "--loss", "linear:3,5"},
                    {"--method", "admm", "--loss", "linear:3,3", "--box", "0,1"},
                    {"--method", "admm", "--loss", "xent:16"},
                    {"--method", "admm", "--loss", "hinge"},
                    {"--method", "admm", "--observed", y, "--box", "1,0"},
                    {"--method", "admm", "--observed", y, "--box", "0"},
                    {"--method", "admm", "--observed", y, "--box-radius", "0.1"},
                    {"--method", "admm"},
                    {"--method", "pgd", "--observed", y, "--order", "forward"},
                    {"--method", "admm", "--observed", y, "--step", "0.1"},
                    {"--method", "pdhg-tv", "--observed", y, "--loss", "mse"},
                    {"--method", "admm", "--loss", "xent:2", "--observed", y},
                    {"--method", "admm", "--observed", y, "--x0", y},
            };
            for (String[] c : cases) {
                String[] args = new String[c.length + 5];
                args[0] = "invert";
                args[1] = "--model";
                args[2] = model;
                System.arraycopy(c, 0, args, 3, c.length);
                args[c.length + 3] = "--out";
                args[c.length + 4] = dir.resolve("bad").toString();
                Run r = PursuitCliTest.run(args);
                assertEquals(2, r.code(), String.join(" ", c) + ": " + r.err());
                assertEquals(1, r.err().strip().lines().count(), String.join(" ", c) + ": " + r.err());
                assertTrue(r.err().startsWith("netinvert invert: "), r.err());
                assertFalse(Files.exists(dir.resolve("bad").resolve("solution.npy")), String.join(" ", c));
            }
        }
    }

    @Test
    void admmCompareWritesItsFigures(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("cmp");
        Run r = PursuitCliTest.run("admm-compare", "--runs", "2", "--iterations", "30", "--threads", "2", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        for (String f : List.of("runs.csv", "summary.json", "mse.png", "orders.png", "xent-l2.png", "xent-box.png",
                "mse-residuals.png")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        // 2 instances × (3 + 2 mse, 4 orders, 1 + 2 xent-l2, 3 xent-box) runs
        assertEquals(1 + 2 * 15, Files.readAllLines(out.resolve("runs.csv")).size());
        assertTrue(r.out().contains("admm rho 0.1"), r.out());
    }
}
