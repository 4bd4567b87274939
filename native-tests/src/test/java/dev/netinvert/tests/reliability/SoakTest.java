package dev.netinvert.tests.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.parallel.Parallelism;
import dev.netinvert.tests.reliability.SolverFamilies.Solver;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.management.ObjectName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Soak: {@code netinvert.soak.cycles} (default 10⁴) solve cycles, each "open an arena, load a model
 * memory-mapped from files written once, solve, close", round-robin over the nine solvers of
 * {@link SolverFamilies} (lifted, pursuit, layer-wise LP, ADMM families); the lifted solvers alternate a
 * sequential executor and a fresh two-thread fork-join pool, so executor threads are created and retired
 * too. Nothing may accumulate:
 *
 * <ul>
 *   <li>native memory: NMT's committed total less the Java heap and the JIT's scratch memory ("Arena
 *       Chunk" and "Compiler", which rise and fall by tens of MB as compilations come and go; read in-process
 *       through the DiagnosticCommand MBean, {@code VM.native_memory summary}), and NMT's "Other" category,
 *       where FFM arena allocations are counted;</li>
 *   <li>resident memory (VmRSS): NMT does not see what native libraries malloc (libnio's, for instance), so
 *       RSS is bounded too; the soak profile fixes the heap at 256 MB, pre-touched, so that RSS is not just
 *       the heap's sizing;</li>
 *   <li>heap used after a full GC;</li>
 *   <li>file descriptors ({@code /proc/self/fd}) and mappings ({@code /proc/self/maps} lines, and no line
 *       naming a model file once its arena is closed);</li>
 *   <li>threads (no fork-join worker outlives its pool).</li>
 * </ul>
 *
 * <p>The figures are compared between the end of a warm-up (the first tenth of the cycles, by which time
 * class loading, the JIT's compilations and the heap's sizing have settled) and the end. The bounds below
 * are set so that a leak of one small workspace per cycle fails: the smallest thing a cycle allocates off
 * heap is one 64-byte-aligned vector of 16 floats (~110 bytes in NMT), and 9 000 cycles of that is ~1 MB
 * (checked by planting exactly that leak: "Other" grew from 145 to 1130 KB and the test failed); a model
 * left mapped is a maps line naming its file (planted every 50th cycle: 18 such lines, failed).
 *
 * <p>Run it with the {@code soak} profile (which adds {@code -XX:NativeMemoryTracking=summary}); see
 * RELIABILITY.md. Tagged {@code soak}, which the default executions exclude.
 */
@Tag("soak")
class SoakTest {

    /** Growth allowed, end vs warm-up, of NMT's "Other" (FFM arenas): 512 KB, under 60 bytes per cycle. */
    static final long OTHER_BOUND_KB = 512;
    /**
     * Growth allowed of NMT's committed total less the Java heap and the JIT's scratch arenas. The JIT still
     * adds code after the warm-up (observed: ~2.5 MB), so the bound is 16 MB, under 2 KB per cycle: one
     * leaked workspace of the smallest solve (PDHG on 16 pixels keeps ~2 KB) per cycle would exceed it.
     */
    static final long NATIVE_BOUND_KB = 16 * 1024;
    /** Growth allowed of the resident set; coarse (JIT scratch memory comes and goes in it), catches ~7 KB/cycle. */
    static final long RSS_BOUND_KB = 64 * 1024;
    /** Growth allowed of the heap used after a full GC. */
    static final long HEAP_BOUND_KB = 8 * 1024;
    /** Growth allowed of /proc/self/maps lines (malloc arenas and code-heap segments may split or merge). */
    static final int MAPS_BOUND = 64;

    @TempDir
    Path dir;

    @Test
    void solveCyclesLeakNothing() throws Exception {
        int cycles = Integer.getInteger("netinvert.soak.cycles", 10_000);
        int warmup = Math.max(Solver.values().length * 2, cycles / 10);
        SolverFamilies.writeModels(dir);
        ffmAllocationsShowInNmtOther();
        Solver[] solvers = Solver.values();
        Map<Solver, double[]> first = new EnumMap<>(Solver.class);
        Map<Solver, Integer> counts = new EnumMap<>(Solver.class);
        List<Sample> samples = new ArrayList<>();
        samples.add(sample(0));
        long t0 = System.nanoTime();
        for (int i = 0; i < cycles; i++) {
            Solver s = solvers[i % solvers.length];
            boolean lifted = s == Solver.PDHG_TV || s == Solver.LANDWEBER || s == Solver.LIFTED_CD;
            boolean pool = lifted && (i / solvers.length) % 2 == 1;
            double[] x;
            try (Arena arena = lifted ? Arena.ofShared() : Arena.ofConfined();
                 Parallelism par = pool ? Parallelism.of(2) : Parallelism.sequential()) {
                Network net = SolverFamilies.loadModel(dir, s, arena);
                FloatVec y = SolverFamilies.loadObservation(dir, s, arena);
                x = SolverFamilies.solve(s, net, y, par);
            }
            // The same problem every time: a solution that drifts would mean memory was reused under it.
            double[] ref = first.computeIfAbsent(s, k -> x);
            double drift = relDiff(ref, x);
            if (!(drift <= 1e-3)) {
                fail("cycle " + i + ", " + s + ": solution differs from the first one by " + drift + " (relative)");
            }
            counts.merge(s, 1, Integer::sum);
            if (i + 1 == warmup || (i + 1) % Math.max(1, cycles / 10) == 0 || i + 1 == cycles) {
                samples.add(sample(i + 1));
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Sample warm = samples.stream().filter(x -> x.cycle == warmup).findFirst().orElseThrow();
        Sample end = samples.getLast();

        System.out.printf("soak: %d cycles in %.1f s (%.2f ms/cycle), per solver %s%n", cycles, seconds,
                1e3 * seconds / cycles, counts);
        System.out.println("soak: cycle | NMT committed less heap and JIT scratch KB | NMT Other KB | malloc KB (#) | heap after GC KB | RSS KB | fds | maps | model maps | threads");
        for (Sample x : samples) {
            System.out.println("soak: " + x);
        }
        StringBuilder moved = new StringBuilder();
        for (var e : end.nmt.entrySet()) {
            long before = warm.nmt.getOrDefault(e.getKey(), new long[2])[1];
            if (e.getValue()[1] != before && !e.getKey().equals("malloc")) {
                moved.append(String.format(" %s %+d;", e.getKey(), e.getValue()[1] - before));
            }
        }
        System.out.println("soak: NMT committed KB, end minus warm-up:" + moved);

        assertEquals(cycles, counts.values().stream().mapToInt(Integer::intValue).sum());
        assertEquals(0, end.modelMaps, "mappings of the model files left after their arenas closed");
        assertEquals(warm.fds, end.fds, "file descriptors, warm-up vs end");
        assertTrue(end.maps - warm.maps <= MAPS_BOUND, "maps lines grew from " + warm.maps + " to " + end.maps);
        assertTrue(end.heapKb - warm.heapKb <= HEAP_BOUND_KB, "heap after GC grew from " + warm.heapKb + " to " + end.heapKb + " KB");
        assertTrue(end.otherKb - warm.otherKb <= OTHER_BOUND_KB, "NMT Other grew from " + warm.otherKb + " to " + end.otherKb + " KB");
        assertTrue(end.nativeKb - warm.nativeKb <= NATIVE_BOUND_KB,
                "NMT committed less heap grew from " + warm.nativeKb + " to " + end.nativeKb + " KB");
        assertTrue(end.rssKb - warm.rssKb <= RSS_BOUND_KB, "RSS grew from " + warm.rssKb + " to " + end.rssKb + " KB");
        assertTrue(end.threads <= warm.threads + 2, "threads: " + warm.threads + " after warm-up, " + end.threads + " at the end");
    }

    private record Sample(int cycle, long nativeKb, long otherKb, long mallocKb, long mallocCount, long heapKb, long rssKb,
                          int fds, int maps, int modelMaps, int threads, Map<String, long[]> nmt) {
        @Override
        public String toString() {
            return String.format("%6d | %8d | %6d | %8d (%d) | %8d | %8d | %4d | %5d | %3d | %3d", cycle, nativeKb, otherKb,
                    mallocKb, mallocCount, heapKb, rssKb, fds, maps, modelMaps, threads);
        }
    }

    private Sample sample(int cycle) throws Exception {
        for (int k = 0; k < 3; k++) {
            System.gc();
        }
        int threads = settledThreads();
        long heapKb = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1024;
        Map<String, long[]> nmt = nativeMemory();
        long[] total = nmt.get("Total"), heap = nmt.get("Java Heap"), other = nmt.getOrDefault("Other", new long[2]);
        long jitScratch = nmt.getOrDefault("Arena Chunk", new long[2])[1] + nmt.getOrDefault("Compiler", new long[2])[1];
        long[] malloc = nmt.get("malloc");
        int fds;
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            fds = (int) s.count();
        }
        List<String> maps = Files.readAllLines(Path.of("/proc/self/maps"));
        String where = dir.toRealPath().toString();
        int modelMaps = (int) maps.stream().filter(l -> l.contains(where)).count();
        return new Sample(cycle, total[1] - heap[1] - jitScratch, other[1], malloc[0], malloc[1], heapKb, rssKb(), fds, maps.size(),
                modelMaps, threads, nmt);
    }

    /** The "Other" bound means something only if FFM's arena memory is counted there: 4 MB must show. */
    private static void ffmAllocationsShowInNmtOther() throws Exception {
        long before = nativeMemory().getOrDefault("Other", new long[2])[1];
        try (Arena arena = Arena.ofConfined()) {
            FloatVec.allocate(arena, 1 << 20);
            long during = nativeMemory().getOrDefault("Other", new long[2])[1];
            assertTrue(during - before >= 4000, "a 4 MB arena allocation moved NMT Other from " + before + " to " + during + " KB");
        }
        long after = nativeMemory().getOrDefault("Other", new long[2])[1];
        assertTrue(after - before < 100, "closing the arena returned NMT Other from " + after + " to " + before + " KB");
    }

    /** Live threads once the fork-join workers of closed pools have exited (shutdown() does not wait for them). */
    private static int settledThreads() throws InterruptedException {
        for (int k = 0; k < 100 && Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("ForkJoinPool-")); k++) {
            Thread.sleep(50);
        }
        List<String> left = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(n -> n.startsWith("ForkJoinPool-")).toList();
        assertEquals(List.of(), left, "fork-join workers still alive 5 s after their pools were closed");
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    private static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private static final Pattern CATEGORY = Pattern.compile("^-\\s+(.+?) \\(reserved=(\\d+)KB, committed=(\\d+)KB\\)");
    private static final Pattern TOTAL = Pattern.compile("^Total: reserved=(\\d+)KB, committed=(\\d+)KB");
    private static final Pattern MALLOC = Pattern.compile("^\\s+malloc: (\\d+)KB #(\\d+)");

    /**
     * {@code VM.native_memory summary scale=KB} through the DiagnosticCommand MBean (what {@code jcmd <pid>
     * VM.native_memory summary} prints): category → {reserved, committed} in KB, plus "Total" and "malloc"
     * → {KB, count}.
     */
    static Map<String, long[]> nativeMemory() throws Exception {
        String out = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                new Object[] {new String[] {"summary", "scale=KB"}}, new String[] {String[].class.getName()});
        Map<String, long[]> m = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            Matcher c = CATEGORY.matcher(line), t = TOTAL.matcher(line), a = MALLOC.matcher(line);
            if (c.find()) {
                m.put(c.group(1).trim(), new long[] {Long.parseLong(c.group(2)), Long.parseLong(c.group(3))});
            } else if (t.find()) {
                m.put("Total", new long[] {Long.parseLong(t.group(1)), Long.parseLong(t.group(2))});
            } else if (a.find() && !m.containsKey("malloc")) {
                m.put("malloc", new long[] {Long.parseLong(a.group(1)), Long.parseLong(a.group(2))});
            }
        }
        if (!m.containsKey("Total") || !m.containsKey("Java Heap") || !m.containsKey("malloc")) {
            fail("native memory tracking is off or its summary changed format; run with -XX:NativeMemoryTracking=summary "
                    + "(the soak profile does). It said: " + out.lines().limit(5).toList());
        }
        return m;
    }

    private static double relDiff(double[] a, double[] b) {
        if (a.length != b.length) {
            return Double.POSITIVE_INFINITY;
        }
        double d = 0, s = 0;
        for (int i = 0; i < a.length; i++) {
            d += (a[i] - b[i]) * (a[i] - b[i]);
            s += a[i] * a[i];
        }
        return Math.sqrt(d / Math.max(s, 1e-300));
    }
}
