package dev.netinvert.tests.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.parallel.Parallelism;
import dev.netinvert.tests.reliability.SolverFamilies.Solver;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many threads share one memory-mapped model (one shared arena holding both model files and the
 * observations) and run every solver family at once; each result must equal, bit for bit, the same solve
 * run alone on one thread. A model whose arena was closed, before a solve or in the middle of one, must
 * fail that solve with FFM's {@link IllegalStateException} ("Already closed"), never crash the JVM or
 * return a result.
 *
 * <p>Why the comparison is repeated (up to {@value #ROUNDS} rounds, one must agree completely): see
 * {@link dev.netinvert.tests.SameBits}; a reduction's lane order differs between interpreted/C1 code and C2
 * code, so a solve can change in its last bits when a kernel is compiled between the sequential and the
 * concurrent run. Nothing else differs: the solvers share only read-only weights (and each layer's lazily
 * computed, synchronised operator norm), and every workspace is the solve's own.
 */
class ConcurrencyTest {

    private static final int ROUNDS = 6;
    /** Copies of every solver in one concurrent round: 9 solvers × 3 = 27 solves on {@value #THREADS} threads. */
    private static final int COPIES = 3;
    private static final int THREADS = 8;

    @TempDir
    Path dir;

    private record Shared(Map<Solver, Network> nets, Map<Solver, FloatVec> ys) {}

    private Shared load(Arena arena) throws IOException {
        Map<Solver, Network> nets = new EnumMap<>(Solver.class);
        Map<Solver, FloatVec> ys = new EnumMap<>(Solver.class);
        Network relu = null, gen = null;
        for (Solver s : Solver.values()) {
            if (s.generator) {
                gen = gen != null ? gen : SolverFamilies.loadModel(dir, s, arena);
                nets.put(s, gen);
            } else {
                relu = relu != null ? relu : SolverFamilies.loadModel(dir, s, arena);
                nets.put(s, relu);
            }
            ys.put(s, SolverFamilies.loadObservation(dir, s, arena));
        }
        return new Shared(nets, ys);
    }

    @Test
    void threadsSharingOneMappedModelGetTheSequentialResults() throws Exception {
        SolverFamilies.writeModels(dir);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        // One fork-join pool shared by all lifted solves of a round (they also run with a private sequential
        // executor): the deterministic executors promise results independent of the thread count.
        try (Arena arena = Arena.ofShared(); Parallelism sharedPar = Parallelism.of(3)) {
            Shared m = load(arena);
            String lastMismatch = null;
            for (int round = 0; round < ROUNDS; round++) {
                Map<Solver, double[]> sequential = new EnumMap<>(Solver.class);
                try (Parallelism seq = Parallelism.sequential()) {
                    for (Solver s : Solver.values()) {
                        sequential.put(s, SolverFamilies.solve(s, m.nets().get(s), m.ys().get(s), seq));
                    }
                }
                CountDownLatch start = new CountDownLatch(1);
                List<Solver> order = new ArrayList<>();
                List<Future<double[]>> futures = new ArrayList<>();
                for (int c = 0; c < COPIES; c++) {
                    for (Solver s : Solver.values()) {
                        boolean shared = c == 1; // the second copy of each lifted solve uses the shared pool
                        order.add(s);
                        futures.add(pool.submit(() -> {
                            start.await();
                            if (shared) {
                                return SolverFamilies.solve(s, m.nets().get(s), m.ys().get(s), sharedPar);
                            }
                            try (Parallelism seq = Parallelism.sequential()) {
                                return SolverFamilies.solve(s, m.nets().get(s), m.ys().get(s), seq);
                            }
                        }));
                    }
                }
                start.countDown();
                lastMismatch = null;
                for (int i = 0; i < futures.size(); i++) {
                    double[] got = futures.get(i).get(60, TimeUnit.SECONDS);
                    double[] want = sequential.get(order.get(i));
                    assertNotNull(got);
                    assertTrue(Arrays.stream(want).allMatch(Double::isFinite), order.get(i) + ": sequential result not finite");
                    assertTrue(Arrays.stream(want).anyMatch(v -> v != 0), order.get(i) + ": sequential result is all zeros");
                    if (!Arrays.equals(want, got) && lastMismatch == null) {
                        lastMismatch = order.get(i) + " (copy " + i / Solver.values().length + "): first difference at "
                                + Arrays.mismatch(want, got) + " of " + want.length;
                    }
                }
                if (lastMismatch == null) {
                    System.out.printf("concurrency: %d solves of %d solvers on %d threads equal the sequential runs bit for bit (round %d)%n",
                            futures.size(), Solver.values().length, THREADS, round + 1);
                    return;
                }
            }
            fail("concurrent results differ from the sequential ones in every one of " + ROUNDS + " rounds; last: " + lastMismatch);
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void aClosedModelFailsEverySolverWithIllegalState() throws Exception {
        SolverFamilies.writeModels(dir);
        Arena arena = Arena.ofShared();
        Shared m = load(arena);
        arena.close();
        try (Parallelism seq = Parallelism.sequential()) {
            for (Solver s : Solver.values()) {
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> SolverFamilies.solve(s, m.nets().get(s), m.ys().get(s), seq), s.name());
                assertTrue(String.valueOf(e.getMessage()).contains("closed"), s + ": " + e.getMessage());
            }
        }
    }

    /**
     * Threads run long solves on a model while another thread closes its arena. FFM's shared-arena close is
     * a handshake with every thread: one inside an access to the closing arena gets an asynchronous
     * IllegalStateException; the memory is unmapped only after that. So every solve ends with that exception
     * (or, had it finished first, with a result), and the JVM survives to run the next test.
     */
    @Test
    void closingTheModelDuringSolvesFailsThemWithIllegalState() throws Exception {
        SolverFamilies.writeModels(dir);
        ExecutorService pool = Executors.newFixedThreadPool(Solver.values().length);
        try {
            Arena arena = Arena.ofShared();
            Shared m = load(arena);
            CountDownLatch running = new CountDownLatch(Solver.values().length);
            List<Future<Integer>> futures = new ArrayList<>();
            for (Solver s : Solver.values()) {
                futures.add(pool.submit(() -> {
                    running.countDown();
                    int solves = 0;
                    try (Parallelism seq = Parallelism.sequential()) {
                        // Solve until the arena's closing stops us (bounded so that a missed close cannot hang).
                        for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); System.nanoTime() < end; solves++) {
                            SolverFamilies.solve(s, m.nets().get(s), m.ys().get(s), seq);
                        }
                    }
                    return solves;
                }));
            }
            running.await();
            Thread.sleep(200);
            arena.close();
            int failed = 0;
            for (int i = 0; i < futures.size(); i++) {
                Solver s = Solver.values()[i];
                try {
                    int n = futures.get(i).get(60, TimeUnit.SECONDS);
                    fail(s + ": still solving 30 s after the close (" + n + " solves)");
                } catch (java.util.concurrent.ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (!(cause instanceof IllegalStateException)) {
                        throw new AssertionError(s + ": expected IllegalStateException, got " + cause, cause);
                    }
                    assertTrue(String.valueOf(cause.getMessage()).contains("closed"), s + ": " + cause.getMessage());
                    failed++;
                }
            }
            assertEquals(Solver.values().length, failed);
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
    }
}
