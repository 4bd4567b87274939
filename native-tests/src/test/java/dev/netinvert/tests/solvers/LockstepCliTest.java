package dev.netinvert.tests.solvers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.solvers.batch.LockstepLiftedCoordinateDescent;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.lifted.LiftedCoordinateDescent;
import dev.netinvert.solvers.lifted.LiftedResult;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.Observations;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.parallel.Parallelism;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line's lockstep paths: {@code invert} with a 2-D --observed and --batch-size (the same solutions
 * within the lockstep tolerance for B = 1 and B = 3; lifted-cd on a dense model), --batch-size refused where there is no lockstep path, and
 * {@code circle --realisations N}.
 */
class LockstepCliTest {

    @Test
    void invertBatchGivesTheSameSolutionsForAnyBatchSize(@TempDir Path dir) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            float[][] sol = new float[2][];
            int i = 0;
            for (String b : new String[] {"1", "3"}) {
                Path d = dir.resolve("b" + b);
                Files.createDirectories(d);
                CliTest.Solved s = CliTest.invertPerceptron(d, arena, "batch.npy", "--image", "8x8", "--alpha", "1e-3",
                        "--max-iter", "200", "--batch-size", b, "--threads", "2", "--quiet");
                assertArrayEquals(new int[] {3, 64}, s.solution().shape());
                sol[i++] = s.solution().data().toArray();
                Map<String, Object> json = JSON.std.mapFrom(Files.readString(s.out().resolve("result.json")));
                assertEquals(3, ((List<?>) json.get("results")).size());
            }
            double num = 0, den = 0;
            for (int j = 0; j < sol[0].length; j++) {
                num += Math.pow(sol[0][j] - sol[1][j], 2);
                den += Math.pow(sol[0][j], 2);
            }
            assertTrue(Math.sqrt(num / den) <= 1e-4, "B = 1 and B = 3 differ by " + Math.sqrt(num / den));
        }
    }

    /**
     * lifted-cd with a 2-D --observed on a dense 2-layer model takes the lockstep path: the solutions are those of
     * LockstepLiftedCoordinateDescent with the same B bit for bit (a single solve per row would differ in rounding,
     * its products being GEMVs), for --threads 2 (blocks in parallel) as for one thread.
     */
    @Test
    void liftedCdBatchRunsInLockstep(@TempDir Path dir) throws Exception {
        try (Arena arena = Arena.ofShared(); Parallelism seq = Parallelism.sequential()) {
            Network net = RandomNetworks.gaussianWithBias(arena, 5, new int[] {64, 120, 90},
                    List.of(Activation.RELU, Activation.RELU), RandomNetworks.WeightScale.fanIn(), 0.05);
            ModelFiles.save(net, dir.resolve("model.json"), "model.safetensors");
            FloatMatrix y = FloatMatrix.allocate(arena, 5, 90);
            for (int i = 0; i < 5; i++) {
                y.row(i).copyFrom(Observations.realizable(net, RandomNetworks.latent(arena, 64, 7 + i, 0.5), arena)
                        .toArray());
            }
            Npy.write(dir.resolve("y.npy"), y);
            CliTest.Run r = CliTest.run("invert", "--model", dir.resolve("model.json").toString(), "--observed",
                    dir.resolve("y.npy").toString(), "--method", "lifted-cd", "--alpha", "1e-2", "--max-iter", "60",
                    "--batch-size", "3", "--threads", "2", "--out", dir.resolve("out").toString(), "--quiet");
            assertEquals(0, r.code(), r.err());
            float[] got = Npy.read(dir.resolve("out/solution.npy"), arena).data().toArray();
            List<LiftedResult> expected = LockstepLiftedCoordinateDescent.solve(net, y, 1, 8, 8,
                    LiftedCoordinateDescent.Options.builder(1e-2).maxOuterIterations(60).build(), 3, seq);
            for (int i = 0; i < 5; i++) {
                assertArrayEquals(expected.get(i).x(), java.util.Arrays.copyOfRange(got, 64 * i, 64 * (i + 1)),
                        "observation " + i);
            }
            Map<String, Object> json = JSON.std.mapFrom(Files.readString(dir.resolve("out/result.json")));
            Map<?, ?> first = (Map<?, ?>) ((List<?>) json.get("results")).get(0);
            assertEquals(expected.get(0).iterations(), ((Number) first.get("iterations")).intValue());
            assertEquals(2, ((List<?>) first.get("layer_bregman_residuals")).size());
        }
    }

    @Test
    void batchSizeIsRefusedWhereThereIsNoLockstepPath(@TempDir Path dir) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            CliTest.perceptron(dir, arena);
        }
        CliTest.Run r = CliTest.run("invert", "--weight", dir.resolve("W.npy").toString(), "--observed",
                dir.resolve("batch.npy").toString(), "--method", "latent-pursuit", "--batch-size", "4", "--out",
                dir.resolve("o").toString());
        assertTrue(r.code() != 0 && r.err().contains("--batch-size sets the lockstep blocks"), r.err());
        r = CliTest.run("invert", "--weight", dir.resolve("W.npy").toString(), "--observed",
                dir.resolve("batch.npy").toString(), "--batch-size", "0", "--out", dir.resolve("o").toString());
        assertTrue(r.code() != 0 && r.err().contains("--batch-size must be >= 1, got 0"), r.err());
    }

    @Test
    void circleRealisationsReportsTheSpread(@TempDir Path dir) throws Exception {
        CliTest.Run r = CliTest.run("circle", "--realisations", "5", "--batch-size", "3", "--max-iter", "60",
                "--threads", "2", "--out", dir.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("5 noise realisations in lockstep") && r.out().contains("PDHG-TV")
                && r.out().contains("Landweber") && r.out().contains("rel.err"), r.out());
        Map<String, Object> json = JSON.std.mapFrom(Files.readString(dir.resolve("realisations.json")));
        assertEquals(5, ((Number) json.get("realisations")).intValue());
        Map<?, ?> tv = (Map<?, ?>) ((Map<?, ?>) json.get("PDHG-TV")).get("‖x‖₂");
        double min = ((Number) tv.get("min")).doubleValue(), max = ((Number) tv.get("max")).doubleValue();
        double mean = ((Number) tv.get("mean")).doubleValue();
        assertTrue(min <= mean && mean <= max && min > 0, tv.toString());
        assertTrue(max > min, "different noise realisations give different reconstructions: " + tv);
        assertEquals(5, ((List<?>) tv.get("values")).size());
        CliTest.Run bad = CliTest.run("circle", "--batch-size", "3", "--out", dir.resolve("x").toString());
        assertTrue(bad.code() != 0 && bad.err().contains("--realisations"), bad.err());
    }
}
