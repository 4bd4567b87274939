package dev.netinvert.tests.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.cli.Main;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.network.Network;
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

/** The command line on convolutional model files: the methods that take any layer run, the others refuse by name. */
class ConvCliTest {

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
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

    @Test
    void convolutionalModelsInvertFromTheCommandLine(@TempDir Path dir) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            // the encoder: conv, conv, dense; the image shape 1×12×12 comes from the model file
            Network enc = ConvNetworkTest.encoder(arena, 11);
            ModelFiles.save(enc, dir.resolve("enc.json"), "enc.safetensors");
            FloatVec x = ConvNetworkTest.gaussian(arena, enc.inputSize(), 2, 0.5);
            Npy.write(dir.resolve("y.npy"), enc.forward(x, arena));
            Run r = run("invert", "--model", dir.resolve("enc.json").toString(), "--observed", dir.resolve("y.npy").toString(),
                    "--method", "lifted-cd", "--alpha", "1e-2", "--max-iter", "40", "--out", dir.resolve("cd").toString(),
                    "--quiet");
            assertEquals(0, r.code(), r.err());
            Map<String, Object> json = JSON.std.mapFrom(Files.readString(dir.resolve("cd/result.json")));
            Map<?, ?> res = (Map<?, ?>) ((List<?>) json.get("results")).get(0);
            assertEquals(3, ((List<?>) res.get("layer_bregman_residuals")).size());
            assertEquals(144, Npy.read(dir.resolve("cd/solution.npy"), arena).data().length());

            // the decoder: dense, convT, convT — gradient descent and Adam from the command line
            Network dec = ConvNetworkTest.decoder(arena, 12);
            ModelFiles.save(dec, dir.resolve("dec.json"), "dec.safetensors");
            Npy.write(dir.resolve("t.npy"), dec.forward(ConvNetworkTest.gaussian(arena, 10, 3, 1), arena));
            for (String method : List.of("gd", "adam")) {
                Run g = run("invert", "--model", dir.resolve("dec.json").toString(), "--observed",
                        dir.resolve("t.npy").toString(), "--method", method, "--max-iter", "200", "--out",
                        dir.resolve(method).toString(), "--quiet");
                assertEquals(0, g.code(), method + ": " + g.err());
                assertTrue(Files.exists(dir.resolve(method).resolve("result.json")), method);
            }
            // methods written for matrices refuse, naming the layer and its kind, and write nothing
            Run lp = run("invert", "--model", dir.resolve("dec.json").toString(), "--observed", dir.resolve("t.npy").toString(),
                    "--method", "latent-pursuit", "--out", dir.resolve("lp").toString());
            assertEquals(2, lp.code(), lp.out());
            assertTrue(lp.err().contains("layer 2 is conv_transpose2d"), lp.err());
            assertTrue(!Files.exists(dir.resolve("lp").resolve("result.json")));
        }
    }
}
