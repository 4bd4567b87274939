package dev.netinvert.tests.solvers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.netinvert.solvers.IterationListener;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.experiments.CircleExperiment;
import dev.netinvert.solvers.experiments.CircleReport;
import dev.netinvert.solvers.experiments.ImageMetrics;
import dev.netinvert.solvers.experiments.Phantoms;
import dev.netinvert.solvers.parallel.Parallelism;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The circle experiment of sec. 5.1.1 [000] at the paper's settings (10 000 PDHG iterations on a
 * 512×4096 ReLU perceptron) reproduces the paper's figures within the tolerances of the issue.
 */
class CircleExperimentTest {
    static CircleExperiment.Outcome outcome;

    @BeforeAll
    static void run() {
        try (Parallelism par = Parallelism.sequential()) {
            outcome = CircleExperiment.run(CircleExperiment.Config.paper(), par, IterationListener.NONE,
                    IterationListener.NONE);
        }
    }

    @Test
    void groundTruthMatchesBothOfThePapersFigures() {
        float[] x = Phantoms.paperCircle();
        int pixels = 0;
        for (float v : x) {
            pixels += (int) v;
        }
        assertEquals(788, pixels);
        assertEquals(28.07, ImageMetrics.norm2(x), 0.005);
        assertEquals(128.0, ImageMetrics.anisotropicTv(x, 64, 64), 0.0);
    }

    @Test
    void tvReconstructionReproducesThePaper() {
        float[] x = outcome.tv().x();
        double norm = ImageMetrics.norm2(x), tv = ImageMetrics.anisotropicTv(x, 64, 64);
        assertEquals(25.69, norm, 0.10 * 25.69, "‖x‖₂ of the TV solution");
        assertEquals(114.93, tv, 0.15 * 114.93, "anisotropic TV of the TV solution");
        assertTrue(ImageMetrics.relativeError(x, outcome.truth()) <= 0.15,
                () -> "relative error " + ImageMetrics.relativeError(x, outcome.truth()));
        assertTrue(outcome.tv().stopReason() == StopReason.MAX_ITERATIONS
                || outcome.tv().stopReason() == StopReason.TOLERANCE, outcome.tv().stopReason()::toString);
        // The objective sampled along the way decreases overall: last sample well below the first.
        double[] obj = outcome.tv().history().objective();
        assertTrue(obj[obj.length - 1] < 0.5 * obj[0], () -> "objective " + obj[0] + " → " + obj[obj.length - 1]);
    }

    @Test
    void landweberFitsTheDataButNotTheImage() {
        float[] x = outcome.landweber().x();
        assertEquals(StopReason.DISCREPANCY, outcome.landweber().stopReason());
        assertTrue(outcome.landweber().discrepancy() <= 1.05 * outcome.delta() + 1e-12);
        assertEquals(6.58, ImageMetrics.norm2(x), 0.20 * 6.58, "‖x‖₂ of the Landweber solution");
        double tv = ImageMetrics.anisotropicTv(x, 64, 64);
        assertTrue(tv >= 3 * 128.0, () -> "Landweber TV " + tv + " should be several times the truth's 128");
    }

    @Test
    void reportFolderHoldsEveryOutput(@TempDir Path dir) throws Exception {
        CircleReport.write(outcome, dir);
        for (String f : CircleReport.FILES) {
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        }
        BufferedImage tv = ImageIO.read(dir.resolve("tv.png").toFile());
        assertEquals(64, tv.getWidth());
        assertEquals(64, tv.getHeight());
        BufferedImage montage = ImageIO.read(dir.resolve("montage.png").toFile());
        assertEquals(3 * 64 * 4 + 2 * 8, montage.getWidth());
        Map<String, Object> json = JSON.std.mapFrom(Files.readString(dir.resolve("report.json")));
        @SuppressWarnings("unchecked")
        Map<String, Object> pdhg = (Map<String, Object>) json.get("pdhg_tv");
        assertEquals(ImageMetrics.norm2(outcome.tv().x()), ((Number) pdhg.get("norm2")).doubleValue(), 1e-9);
        assertEquals(outcome.tv().iterations(), ((Number) pdhg.get("iterations")).intValue());
        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.contains("25.69") && md.contains("114.93") && md.contains("707.02"), md);
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary files left");
        }
    }
}
