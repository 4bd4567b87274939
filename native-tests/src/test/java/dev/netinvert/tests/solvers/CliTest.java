package dev.netinvert.tests.solvers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.cli.Main;
import dev.netinvert.solvers.experiments.Phantoms;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.io.Tensor;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.Observations;
import dev.netinvert.solvers.network.RandomNetworks;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command-line program: real runs on small files, and the documented errors. */
class CliTest {

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** An 8×8 disc through a 100×64 ReLU perceptron, saved as W.npy, b.npy, y.npy and a 3-row batch. */
    static Network perceptron(Path dir, Arena arena) throws Exception {
        Network net = RandomNetworks.gaussianWithBias(arena, 3, new int[] {64, 100}, List.of(Activation.RELU),
                RandomNetworks.WeightScale.fanIn(), 0.05);
        Npy.write(dir.resolve("W.npy"), net.dense(1).weight());
        Npy.write(dir.resolve("b.npy"), net.dense(1).bias());
        FloatVec x = FloatVec.of(arena, Phantoms.disc(8, 8, 3.5, 3.5, 2.6));
        FloatVec y = Observations.noisy(net, x, new Observations.Noise.Gaussian(0.001), 4, true, arena);
        Npy.write(dir.resolve("y.npy"), y);
        FloatMatrix batch = FloatMatrix.allocate(arena, 3, 100);
        for (int i = 0; i < 3; i++) {
            batch.row(i).copyFrom(y.toArray());
        }
        Npy.write(dir.resolve("batch.npy"), batch);
        return net;
    }

    /** A successful {@code invert} run: its output, the folder it wrote, and the solution.npy read back. */
    record Solved(Run run, Path out, Tensor solution) {}

    /**
     * Saves the {@link #perceptron} files in {@code dir}, runs {@code invert} on them with the observations
     * in {@code observed} (y.npy or batch.npy) and the further {@code flags}, writing to dir/out; asserts
     * exit code 0.
     */
    static Solved invertPerceptron(Path dir, Arena arena, String observed, String... flags) throws Exception {
        perceptron(dir, arena);
        Path out = dir.resolve("out");
        List<String> args = new ArrayList<>(List.of("invert", "--weight", dir.resolve("W.npy").toString(),
                "--bias", dir.resolve("b.npy").toString(), "--observed", dir.resolve(observed).toString()));
        args.addAll(List.of(flags));
        args.addAll(List.of("--out", out.toString()));
        Run r = run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return new Solved(r, out, Npy.read(out.resolve("solution.npy"), arena));
    }

    @Test
    void invertsAPerceptronGivenAsNpyFiles(@TempDir Path dir) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            Solved s = invertPerceptron(dir, arena, "y.npy", "--image", "8x8", "--alpha", "1e-3", "--max-iter", "300",
                    "--threads", "1", "--quiet");
            assertArrayEquals(new int[] {64}, s.solution().shape());
            Path out = s.out();
            assertTrue(Files.size(out.resolve("solution.png")) > 0);
            Map<String, Object> json = JSON.std.mapFrom(Files.readString(out.resolve("result.json")));
            List<?> results = (List<?>) json.get("results");
            assertEquals(1, results.size());
            assertEquals(300, ((Number) ((Map<?, ?>) results.get(0)).get("iterations")).intValue());
        }
    }

    @Test
    void aBatchYieldsOneSolutionRowPerObservation(@TempDir Path dir) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            Solved s = invertPerceptron(dir, arena, "batch.npy", "--method", "landweber", "--delta", "0.01",
                    "--max-iter", "500", "--threads", "2");
            assertArrayEquals(new int[] {3, 64}, s.solution().shape());
            float[] rows = s.solution().data().toArray();
            for (int j = 0; j < 64; j++) {
                assertEquals(rows[j], rows[64 + j], 0f, "identical observations give identical solutions");
            }
            assertTrue(s.run().out().contains("observation 2"), s.run().out());
        }
    }

    @Test
    void liftedCoordinateDescentRunsOnAModelDescription(@TempDir Path dir) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            Network net = RandomNetworks.gaussianWithBias(arena, 5, new int[] {64, 120, 90},
                    List.of(Activation.RELU, Activation.RELU), RandomNetworks.WeightScale.fanIn(), 0.05);
            ModelFiles.save(net, dir.resolve("model.json"), "model.safetensors");
            FloatVec y = Observations.realizable(net, FloatVec.of(arena, Phantoms.disc(8, 8, 3.5, 3.5, 2.6)), arena);
            Npy.write(dir.resolve("y.npy"), y);
            Run r = run("invert", "--model", dir.resolve("model.json").toString(), "--observed",
                    dir.resolve("y.npy").toString(), "--method", "lifted-cd", "--alpha", "1e-3", "--max-iter", "50",
                    "--out", dir.resolve("out").toString(), "--quiet");
            assertEquals(0, r.code(), r.err());
            Map<String, Object> json = JSON.std.mapFrom(Files.readString(dir.resolve("out/result.json")));
            Map<?, ?> res = (Map<?, ?>) ((List<?>) json.get("results")).get(0);
            assertEquals(2, ((List<?>) res.get("layer_bregman_residuals")).size());

            Run single = run("invert", "--model", dir.resolve("model.json").toString(), "--observed",
                    dir.resolve("y.npy").toString(), "--method", "pdhg-tv", "--out", dir.resolve("o2").toString());
            assertEquals(2, single.code());
            assertTrue(single.err().contains("2 layers") && single.err().contains("lifted-cd"), single.err());
        }
    }

    @Test
    void badArgumentsGiveOneLineErrorsAndNonZeroExitCodes(@TempDir Path dir) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            perceptron(dir, arena);
            String w = dir.resolve("W.npy").toString(), y = dir.resolve("y.npy").toString();

            Run noDelta = run("invert", "--weight", w, "--observed", y, "--method", "landweber", "--out", dir.toString());
            assertEquals(2, noDelta.code());
            assertTrue(noDelta.err().contains("--delta"), noDelta.err());
            assertFalse(noDelta.err().contains("\tat "), "no stack trace without --verbose");

            Run badMethod = run("invert", "--weight", w, "--observed", y, "--method", "magic");
            assertEquals(2, badMethod.code());
            assertTrue(badMethod.err().contains("--method") && badMethod.err().contains("magic"), badMethod.err());

            Run badImage = run("invert", "--weight", w, "--observed", y, "--image", "9x9", "--out", dir.toString());
            assertEquals(2, badImage.code());
            assertTrue(badImage.err().contains("81") && badImage.err().contains("64"), badImage.err());

            Run missing = run("invert", "--weight", dir.resolve("nope.npy").toString(), "--observed", y);
            assertEquals(1, missing.code());
            assertTrue(missing.err().contains("nope.npy"), missing.err());

            Run verbose = run("invert", "--weight", dir.resolve("nope.npy").toString(), "--observed", y, "--verbose");
            assertTrue(verbose.err().contains("\tat "), "stack trace with --verbose");

            Run unknown = run("invert", "--frobnicate");
            assertEquals(2, unknown.code());

            Run threads = run("circle", "--threads", "0", "--out", dir.resolve("c").toString());
            assertEquals(2, threads.code());
            assertTrue(threads.err().contains("--threads"), threads.err());
        }
    }

    @Test
    void circleWritesItsOutputsAndInfoDescribesTheKernels(@TempDir Path dir) {
        Run r = run("circle", "--max-iter", "20", "--out", dir.toString(), "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("PDHG-TV") && r.out().contains("montage.png"), r.out());
        assertTrue(Files.exists(dir.resolve("report.md")) && Files.exists(dir.resolve("convergence.png")));

        Run info = run("info");
        assertEquals(0, info.code());
        assertTrue(info.out().contains("kernels") && info.out().contains("cores"), info.out());
        Run help = run("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("circle") && help.out().contains("invert"), help.out());
    }
}
