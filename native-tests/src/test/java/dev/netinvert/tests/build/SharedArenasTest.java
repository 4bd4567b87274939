package dev.netinvert.tests.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.KernelProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The library opens shared arenas only, and its documentation shows only those: confined and shared segments
 * passing through the JDK's thread check of a segment access send C2 into deoptimize-recompile cycles in JVMs
 * without {@link KernelProvider#STABLE_PREDICATES} (its comment gives the mechanism and the measurements). This
 * reads the library's sources (kernels, solvers, spark, the JMH benchmarks) and the README and model-format
 * guide, and fails on any {@code Arena.ofConfined()}. Tests may use confined arenas (their JVMs have the flag),
 * and so may the stand-alone harness {@code jmh/MinOfBursts.java}, whose {@code -Darena=confined} exists to
 * measure this.
 */
class SharedArenasTest {

    private static final String CONFINED = "Arena.ofConfined(";

    @Test
    void theLibraryAndItsExamplesOpenNoConfinedArena() throws IOException {
        Path root = JvmFlagsTest.projectRoot();
        List<Path> files = new ArrayList<>(List.of(root.resolve("README.md"), root.resolve("solvers/MODEL-FORMAT.md")));
        for (String dir : List.of("kernels/src/main", "solvers/src/main", "spark/src/main", "jmh/src/main")) {
            try (Stream<Path> walk = Files.walk(root.resolve(dir))) {
                walk.filter(p -> p.toString().endsWith(".java")).forEach(files::add);
            }
        }
        assertTrue(files.size() > 100, () -> "only " + files.size() + " files found under " + root);
        List<String> confined = new ArrayList<>();
        for (Path file : files) {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).contains(CONFINED)) {
                    confined.add(root.relativize(file) + ":" + (i + 1) + ": " + lines.get(i).strip());
                }
            }
        }
        assertEquals(List.of(), confined, "confined arenas in the library (use Arena.ofShared(); see "
                + "KernelProvider.STABLE_PREDICATES)");
    }
}
