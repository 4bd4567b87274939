package dev.netinvert.tests.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The executable jar of the solvers module (maven-shade-plugin, classifier {@code cli}, what {@code ./netinvert}
 * runs) holds the program and its run-time libraries and nothing that only tests need: JUnit once came in
 * through xchart → pdfbox-graphics2d → pdfbox, which declares JUnit Jupiter in compile scope (1,079
 * {@code org/junit} entries). The jar must also still run, including a command that draws plots through
 * xchart.
 *
 * <p>The reactor packages the solvers module before the native-tests module's tests run, so under
 * {@code mvn verify} the jar is there and fresh. Under {@code mvn test} (no package phase) there is no jar,
 * or only one older than the solvers' classes; the test is then skipped with that reason.
 */
class CliJarContentsTest {

    /** Entry prefixes of libraries used only by tests. */
    static final List<String> TEST_ONLY = List.of("org/junit/", "junit/", "org/opentest4j/", "org/apiguardian/",
            "org/hamcrest/", "org/mockito/", "org/assertj/", "com/code_intelligence/", "META-INF/junit",
            "META-INF/maven/org.junit", "dev/netinvert/tests/");

    /** One class of every library the program needs at run time. */
    static final List<String> REQUIRED = List.of("dev/netinvert/solvers/cli/Main.class", "dev/netinvert/kernels/Blas.class",
            "picocli/CommandLine.class", "com/fasterxml/jackson/jr/ob/JSON.class", "org/knowm/xchart/BitmapEncoder.class",
            "org/ejml/dense/row/CommonOps_DDRM.class", "org/ojalgo/optimisation/ExpressionsBasedModel.class",
            "me/tongfei/progressbar/ProgressBar.class");

    @TempDir
    Path out;

    static Path cliJar() throws IOException {
        Path module = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
        Path target = module.resolveSibling("solvers").resolve("target");
        Path main = target.resolve("classes/dev/netinvert/solvers/cli/Main.class");
        List<Path> jars = new ArrayList<>();
        if (Files.isDirectory(target)) {
            try (Stream<Path> s = Files.list(target)) {
                s.filter(p -> p.getFileName().toString().matches("netinvert-solvers-.*-cli\\.jar")).forEach(jars::add);
            }
        }
        Assumptions.assumeTrue(jars.size() == 1, "no single CLI jar in " + target + " (" + jars
                + "): it is built in the package phase; run mvn verify");
        Path jar = jars.getFirst();
        FileTime built = Files.getLastModifiedTime(jar);
        Assumptions.assumeTrue(!Files.exists(main) || built.compareTo(Files.getLastModifiedTime(main)) >= 0,
                jar + " is older than the solvers' classes (no package phase in this build)");
        return jar;
    }

    @Test
    void cliJarHoldsTheProgramAndNoTestLibraries() throws IOException {
        Path jar = cliJar();
        List<String> testOnly = new ArrayList<>();
        List<String> names = new ArrayList<>();
        try (JarFile jf = new JarFile(jar.toFile())) {
            jf.stream().forEach(e -> {
                names.add(e.getName());
                if (TEST_ONLY.stream().anyMatch(e.getName()::startsWith)) {
                    testOnly.add(e.getName());
                }
            });
            Attributes main = jf.getManifest().getMainAttributes();
            assertEquals("dev.netinvert.solvers.cli.Main", main.getValue("Main-Class"));
            assertEquals("ALL-UNNAMED", main.getValue("Enable-Native-Access"));
        }
        assertEquals(List.of(), testOnly.stream().limit(10).toList(),
                testOnly.size() + " test-only entries in " + jar.getFileName() + " (first 10 shown)");
        for (String r : REQUIRED) {
            assertTrue(names.contains(r), r + " missing from " + jar.getFileName());
        }
    }

    /** {@code info}, and {@code admm-compare}, which writes its plots through xchart (and so pdfbox's classes load). */
    @Test
    void cliJarRuns() throws Exception {
        Path jar = cliJar();
        Run info = run(jar, "info");
        assertEquals(0, info.exit(), info.output());
        assertTrue(info.output().contains("kernels") && info.output().contains("JDK"), info.output());

        Run compare = run(jar, "admm-compare", "--runs", "1", "--iterations", "20", "--threads", "1", "--out", out.toString());
        assertEquals(0, compare.exit(), compare.output());
        try (Stream<Path> s = Files.list(out)) {
            List<Path> pngs = s.filter(p -> p.toString().endsWith(".png")).toList();
            assertTrue(!pngs.isEmpty(), "admm-compare wrote no plot: " + compare.output());
            for (Path p : pngs) {
                byte[] head;
                try (var in = Files.newInputStream(p)) {
                    head = in.readNBytes(4);
                }
                assertEquals("PNG", new String(head, 1, 3, StandardCharsets.US_ASCII), p + " is not a PNG");
            }
        }
    }

    record Run(int exit, String output) {}

    static Run run(Path jar, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--add-modules", "jdk.incubator.vector", "-Djava.awt.headless=true", "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] bytes = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "java -jar " + String.join(" ", args) + " did not finish");
        return new Run(p.exitValue(), new String(bytes, StandardCharsets.UTF_8));
    }
}
