package dev.netinvert.tests.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.io.Tensor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process killed (SIGKILL, {@link Process#destroyForcibly()}) while it writes {@code solution.npy} and
 * {@code result.json} leaves each file either as the last version it finished or as the one it was
 * writing, whole: never a partial or mixed file. The child ({@link WriteLoop}) writes 8 MB and ~200 KB
 * versions back to back through the project's writers and is killed after its first complete pair, every
 * other time at a random moment (0.005-0.25 s) and otherwise 0-3 ms after a new temporary file appears (so
 * that kills surely land inside writes: at random moments about half do, the rest land while the child
 * prepares the next version). After each kill both files must parse completely (the .npy through the
 * project's reader, the JSON through jackson-jr) and carry a version the child had finished or was writing.
 *
 * <p>Temporary files. A kill during a write leaves that write's {@code .<name>.<random>.tmp} behind
 * ({@link dev.netinvert.solvers.io.AtomicFiles} cannot delete it from a dead process). They are harmless:
 * each write creates a fresh, randomly named temporary with {@link Files#createTempFile}, so a stale one is
 * never reopened or renamed, and the hidden {@code .…tmp} names match no reader's {@code *.npy}/{@code *.json}.
 * The test checks that they are only ever such names, that a write after all the kills succeeds beside them,
 * and counts them (each one is a kill that landed inside a write; at least one must have, or the test would
 * not have tested anything).
 *
 * <p>Not covered: power loss. AtomicFiles forces the content to the device before the rename, but the rename
 * itself is not followed by an fsync of the folder; a kill cannot lose page-cache contents, so this test
 * cannot see the difference.
 */
class InterruptedWriteTest {

    static final int FLOATS = 2 << 20;
    static final int ENTRIES = 20_000;

    @TempDir
    Path dir;

    @Test
    void killedWritersLeaveTheOldOrTheNewFile() throws Exception {
        killRepeatedly(6);
    }

    /** The long version, in the soak profile: {@code netinvert.kills} (default 50) kills. */
    @Test
    @Tag("soak")
    void manyKilledWritersLeaveTheOldOrTheNewFile() throws Exception {
        killRepeatedly(Integer.getInteger("netinvert.kills", 50));
    }

    /** Every child started, killed in {@link #killLeftovers} should an assertion stop a run before its kill. */
    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        children.forEach(Process::destroyForcibly);
    }

    private void killRepeatedly(int kills) throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        String context = " (random seed " + seed + ")";
        try (Arena arena = Arena.ofConfined()) {
            WriteLoop.writeSolution(dir, FloatVec.allocate(arena, FLOATS), 0);
        }
        WriteLoop.writeResult(dir, 0, ENTRIES);
        int solution = 0, result = 0, interrupted = 0, versions = 0;
        List<Long> delays = new ArrayList<>();
        for (int kill = 0; kill < kills; kill++) {
            int start = Math.max(solution, result) + 1;
            int tmpBefore = temporaries().size();
            Process child = new ProcessBuilder(javaCommand(dir, start)).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            children.add(child);
            List<String> lines = new CopyOnWriteArrayList<>();
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // The pipe breaks when the child dies.
                }
            });
            // Wait for one complete pair, so that the kill lands among writes, not in the JVM's start-up.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (lines.stream().noneMatch(l -> l.startsWith("result ")) && child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            assertTrue(child.isAlive(), "the writer died by itself" + context + "; its output: " + lines);
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("result ")), "no complete pair within 30 s" + context);
            long delay;
            if (kill % 2 == 0) {
                // A random moment: wherever the child happens to be (preparing content, writing, renaming).
                delay = random.nextLong(5, 250);
                Thread.sleep(delay);
            } else {
                // Aimed at a write: as soon as a new temporary appears, plus a random 0-3 ms (a write takes >= 5 ms).
                long t = System.nanoTime();
                while (newTemporaries(tmpBefore) == 0 && child.isAlive() && System.nanoTime() - t < TimeUnit.SECONDS.toNanos(10)) {
                    Thread.onSpinWait();
                }
                Thread.sleep(random.nextLong(0, 4));
                delay = (System.nanoTime() - t) / 1_000_000;
            }
            delays.add(delay);
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "killed child did not exit");
            reader.join(10_000);
            // 128 + 9: it died of the SIGKILL, not of an error of its own before it.
            assertEquals(137, child.exitValue(), "the writer's exit status" + context + "; its output: " + lines);

            int lastSolution = last(lines, "solution ", solution);
            int lastResult = last(lines, "result ", result);
            // The child writes solution k, then result k, then solution k+1: the file it was writing when killed
            // is the one after the last it reported, and may already be in place (killed between rename and print).
            int inFlightSolution = lastResult == lastSolution ? lastSolution + 1 : -1;
            int inFlightResult = lastSolution > lastResult ? lastResult + 1 : -1;
            solution = solutionVersion(context);
            result = resultVersion(context);
            assertTrue(solution == lastSolution || solution == inFlightSolution, "solution.npy holds version " + solution
                    + " but the child had finished " + lastSolution + context);
            assertTrue(result == lastResult || result == inFlightResult, "result.json holds version " + result
                    + " but the child had finished " + lastResult + context);
            versions += Math.max(lastSolution, lastResult) - start + 1;
            if (newTemporaries(tmpBefore) > 0) {
                interrupted++;
            }
        }
        List<Path> stale = temporaries();
        try (Stream<Path> s = Files.list(dir)) {
            List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
            for (String n : names) {
                assertTrue(n.equals(WriteLoop.SOLUTION) || n.equals(WriteLoop.RESULT) || n.matches("\\.(solution\\.npy|result\\.json)\\..*\\.tmp"),
                        "unexpected file " + n + context);
            }
        }
        // A later write is not disturbed by the stale temporaries.
        int next = Math.max(solution, result) + 1;
        try (Arena arena = Arena.ofConfined()) {
            WriteLoop.writeSolution(dir, FloatVec.allocate(arena, FLOATS), next);
        }
        WriteLoop.writeResult(dir, next, ENTRIES);
        assertEquals(next, solutionVersion(context));
        assertEquals(next, resultVersion(context));
        assertEquals(stale.size(), temporaries().size(), "the write after the kills left a temporary of its own");
        assertTrue(interrupted >= 1, "no kill of " + kills + " landed inside a write" + context);
        System.out.printf("interrupted writes: %d kills (delays %d..%d ms after the first pair), %d versions completed, "
                        + "%d kills landed inside a write (stale temporaries: %d), every file whole%n",
                kills, delays.stream().mapToLong(Long::longValue).min().orElse(0),
                delays.stream().mapToLong(Long::longValue).max().orElse(0), versions, interrupted, stale.size());
    }

    private static int last(List<String> lines, String prefix, int otherwise) {
        int v = otherwise;
        for (String l : lines) {
            if (l.startsWith(prefix)) {
                v = Integer.parseInt(l.substring(prefix.length()));
            }
        }
        return v;
    }

    /** Reads solution.npy whole with the project's reader; every element must be the same version. */
    private int solutionVersion(String context) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Npy.read(dir.resolve(WriteLoop.SOLUTION), arena);
            assertEquals(1, t.rank(), "solution.npy rank" + context);
            assertEquals(FLOATS, t.dim(0), "solution.npy length" + context);
            float v = t.data().get(0);
            for (int i = 0; i < FLOATS; i++) {
                if (t.data().get(i) != v) {
                    fail("solution.npy mixes versions " + v + " and " + t.data().get(i) + " (element " + i + ")" + context);
                }
            }
            return (int) v;
        }
    }

    /** Parses result.json whole; its version, its values and its closing field must agree. */
    private int resultVersion(String context) throws IOException {
        String text = Files.readString(dir.resolve(WriteLoop.RESULT));
        Map<String, Object> json = JSON.std.mapFrom(text);
        int v = ((Number) json.get("version")).intValue();
        List<?> values = (List<?>) json.get("values");
        assertEquals(ENTRIES, values.size(), "result.json values" + context);
        for (Object o : values) {
            assertEquals(v, ((Number) o).intValue(), "result.json mixes versions" + context);
        }
        assertEquals("complete", json.get("end"), "result.json" + context);
        return v;
    }

    private int newTemporaries(int before) throws IOException {
        return temporaries().size() - before;
    }

    private List<Path> temporaries() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    /** This JVM's java, on the test class path (surefire's real one, not its manifest-only booter jar). */
    private static List<String> javaCommand(Path dir, int start) {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return List.of(java, "-XX:+UseSerialGC", "-cp", cp,
                WriteLoop.class.getName(), dir.toString(), Integer.toString(start), Integer.toString(FLOATS),
                Integer.toString(ENTRIES));
    }
}
