package dev.netinvert.tests.pursuit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.netinvert.solvers.pursuit.GradientDescent;
import dev.netinvert.solvers.pursuit.LatentPursuit;
import dev.netinvert.solvers.pursuit.LayeredBasisPursuit;
import dev.netinvert.solvers.pursuit.Oracle;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One source of defaults: {@code invert --method latent-pursuit|layered-bp|oracle|gd|adam} without
 * {@code --max-iter} gives the solver the budget of its API defaults (latent-pursuit once ran 10 000
 * iterations per stage from the CLI where the API and {@code pursuit-sweep} use 20 000), with it exactly the
 * given budget; result.json reports the budget the solver was given.
 */
class PursuitCliDefaultsTest {

    static int budget(Path dir, String method, String... extra) throws Exception {
        Path out = dir.resolve(method + extra.length);
        String[] args = {"invert", "--model", dir.resolve("model.json").toString(), "--observed",
                dir.resolve("y.npy").toString(), "--method", method, "--latent", dir.resolve("z.npy").toString(),
                "--threads", "2", "--quiet", "--out", out.toString()};
        String[] all = java.util.Arrays.copyOf(args, args.length + extra.length);
        System.arraycopy(extra, 0, all, args.length, extra.length);
        PursuitCliTest.Run r = PursuitCliTest.run(all);
        assertEquals(0, r.code(), method + ": " + r.err());
        Map<String, Object> json = JSON.std.mapFrom(Files.readString(out.resolve("result.json")));
        return ((Number) json.get("max_iterations")).intValue();
    }

    @Test
    void withoutMaxIterEveryMethodGetsItsApiDefault(@TempDir Path dir) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            PursuitCliTest.files(dir, arena, 100);
            assertEquals(20_000, LatentPursuit.Options.defaults().maxIterations(), "the documented default");
            assertEquals(LatentPursuit.Options.defaults().maxIterations(), budget(dir, "latent-pursuit"));
            assertEquals(LayeredBasisPursuit.Options.defaults().maxIterations(), budget(dir, "layered-bp"));
            assertEquals(Oracle.Options.defaults().iterations(), budget(dir, "oracle"));
            assertEquals(GradientDescent.Options.defaults().maxIterations(), budget(dir, "gd", "--init-std", "0.05"));
        }
    }

    @Test
    void aGivenMaxIterIsPassedOnExactly(@TempDir Path dir) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            PursuitCliTest.files(dir, arena, 100);
            assertEquals(123, budget(dir, "latent-pursuit", "--max-iter", "123"));
            assertEquals(45, budget(dir, "adam", "--max-iter", "45", "--init-std", "0.05"));
        }
    }
}
