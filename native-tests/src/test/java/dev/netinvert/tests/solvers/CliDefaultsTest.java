package dev.netinvert.tests.solvers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.lifted.Landweber;
import dev.netinvert.solvers.lifted.LiftedCoordinateDescent;
import dev.netinvert.solvers.lifted.PdhgTv;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One source of defaults: {@code invert} without {@code --max-iter} gives each lifted solver the budget of its
 * API defaults (Landweber once ran 10 000 iterations from the CLI where the API default is 100 000), and with
 * it exactly the given budget. result.json reports the budget the solver was given.
 */
class CliDefaultsTest {

    static Map<String, Object> resultJson(Path out) throws Exception {
        return JSON.std.mapFrom(Files.readString(out.resolve("result.json")));
    }

    static Map<?, ?> firstResult(Map<String, Object> json) {
        return (Map<?, ?>) ((List<?>) json.get("results")).get(0);
    }

    @Test
    void landweberWithoutMaxIterRunsTheApiDefaultBudget(@TempDir Path dir) throws Exception {
        int apiDefault = Landweber.Options.builder(1e-9).build().maxIterations();
        assertEquals(100_000, apiDefault, "the documented default");
        try (Arena arena = Arena.ofShared()) {
            // Noisy data from a 100 × 64 perceptron: the part of the noise outside the range of the layer keeps
            // ‖σ(Wx + b) − y‖ far above η·δ for δ = 1e-9, so the run must use up its whole budget.
            CliTest.Solved s = CliTest.invertPerceptron(dir, arena, "y.npy", "--method", "landweber", "--delta", "1e-9",
                    "--quiet");
            Map<String, Object> json = resultJson(s.out());
            assertEquals(apiDefault, ((Number) json.get("max_iterations")).intValue());
            Map<?, ?> r = firstResult(json);
            assertEquals(StopReason.MAX_ITERATIONS.label(), r.get("stop_reason"), r.toString());
            assertEquals(apiDefault, ((Number) r.get("iterations")).intValue(), "iterations actually run");
        }
    }

    @Test
    void aGivenMaxIterIsPassedOnExactly(@TempDir Path dir) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            CliTest.Solved s = CliTest.invertPerceptron(dir, arena, "y.npy", "--method", "landweber", "--delta", "1e-9",
                    "--max-iter", "37", "--quiet");
            Map<String, Object> json = resultJson(s.out());
            assertEquals(37, ((Number) json.get("max_iterations")).intValue());
            assertEquals(37, ((Number) firstResult(json).get("iterations")).intValue());
        }
    }

    @Test
    void pdhgTvAndLiftedCdReportTheirApiDefaultBudgets(@TempDir Path dir) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            // Budgets only: tol 0.5 stops both after a few iterations.
            CliTest.Solved s = CliTest.invertPerceptron(dir, arena, "y.npy", "--image", "8x8", "--tol", "0.5", "--quiet");
            assertEquals(PdhgTv.Options.defaults().maxIterations(),
                    ((Number) resultJson(s.out()).get("max_iterations")).intValue());
            Path lifted = dir.resolve("lifted");
            Files.createDirectories(lifted);
            CliTest.Solved c = CliTest.invertPerceptron(lifted, arena, "y.npy", "--image", "8x8", "--method", "lifted-cd",
                    "--tol", "0.5", "--quiet");
            assertEquals(LiftedCoordinateDescent.Options.defaults().maxOuterIterations(),
                    ((Number) resultJson(c.out()).get("max_iterations")).intValue());
        }
    }
}
