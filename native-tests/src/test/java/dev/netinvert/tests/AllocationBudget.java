package dev.netinvert.tests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * How long an allocation test may wait for C2 before a non-zero count is read as allocation. C2 compiles
 * asynchronously, on the same two cores as the test: on a quiet machine the iterations reach 0 B within
 * 2-10 s, but with the cores oversubscribed (load 8-15, seen while other builds ran) 30 s was not always
 * enough. A passing test stops at its first clean round, so the budget costs time only when it fails.
 */
public final class AllocationBudget {
    private AllocationBudget() {}

    public static final long NANOS = 90_000_000_000L;

    /**
     * The fewest bytes that 200 runs of {@code pass} allocated in one round, measured with the thread's
     * allocated-bytes counter. Rounds repeat, at least 20 and then until one is clean or {@link #NANOS} has
     * passed, because C2 compiles asynchronously: a pass allocates until its kernels are compiled and their
     * vector temporaries scalar-replaced.
     */
    public static long bestRound(Runnable pass) {
        return bestRound(pass, 0);
    }

    /**
     * As {@link #bestRound(Runnable)}, but stops as soon as a round allocates no more than {@code target} bytes
     * (for a known, bounded allocation: waiting for 0 would spend the whole budget).
     */
    public static long bestRound(Runnable pass, long target) {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long best = Long.MAX_VALUE;
        long deadline = System.nanoTime() + NANOS;
        for (int round = 0; best > target && (round < 20 || System.nanoTime() < deadline); round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int k = 0; k < 200; k++) {
                pass.run();
            }
            best = Math.min(best, mx.getCurrentThreadAllocatedBytes() - before);
        }
        return best;
    }

    /**
     * Fails unless some round of 200 runs of {@code pass} allocates 0 bytes ({@link #bestRound(Runnable)}). The
     * GEMM-based passes were held to 32 KB per call below 512 bits until the packing of {@code simd.SimdGemm}
     * stopped using vectors; every width now gets 0.
     */
    public static void assertNothingOnceWarm(Runnable pass, String what) {
        long bytes = bestRound(pass);
        if (bytes != 0) {
            throw new AssertionError(what + ": " + bytes + " bytes in the best round of 200 at "
                    + dev.netinvert.kernels.Blas.active().vectorBitSize() + " bits (expected 0)"
                    + allocationSites(pass, 200));
        }
    }

    /**
     * Where further runs of {@code pass} allocate, for the message of a failed allocation test: a JFR recording of
     * this thread's allocation samples, summed by weight per site (the allocating frame and the innermost netinvert
     * frame under it), the five heaviest. JFR samples at TLAB refills, so a few KB per run needs many runs to be
     * seen: the runs go on until this thread has allocated 64 MiB or 10 s have passed (at least {@code minRuns}).
     * The intermittent failures this is for depend on the order in which C2 compiled the kernels, and do not come
     * back when the test is rerun with a recording attached from the start; this one starts only after the test
     * has failed, in the JVM that failed.
     */
    public static String allocationSites(Runnable pass, int minRuns) {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        Path file = null;
        try (jdk.jfr.Recording recording = new jdk.jfr.Recording()) {
            recording.enable("jdk.ObjectAllocationSample").with("throttle", "1000/s").withStackTrace();
            recording.start();
            long before = mx.getCurrentThreadAllocatedBytes(), start = System.nanoTime(), bytes = 0;
            int runs = 0;
            // (if the first minRuns allocate nothing, the allocation has gone: stop there)
            while (runs < minRuns || (bytes > 0 && bytes < 64L << 20 && System.nanoTime() - start < 10_000_000_000L)) {
                pass.run();
                runs++;
                bytes = mx.getCurrentThreadAllocatedBytes() - before;
            }
            recording.stop();
            file = Files.createTempFile("netinvert-allocation", ".jfr");
            recording.dump(file);
            long me = Thread.currentThread().threadId();
            Map<String, Long> weights = new HashMap<>();
            for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
                RecordedThread t = e.getThread("eventThread");
                RecordedStackTrace st = e.getStackTrace();
                if (t == null || t.getJavaThreadId() != me || st == null || st.getFrames().isEmpty()) {
                    continue;
                }
                List<RecordedFrame> frames = st.getFrames();
                String site = frame(frames.get(0));
                for (RecordedFrame f : frames) {
                    if (f.getMethod().getType().getName().startsWith("dev.netinvert.")) {
                        site += " in " + frame(f);
                        break;
                    }
                }
                weights.merge(site, e.getLong("weight"), Long::sum);
            }
            String head = "; " + runs + " more runs allocated " + bytes + " bytes";
            if (weights.isEmpty()) {
                return head + ", JFR sampled none of it";
            }
            StringBuilder out = new StringBuilder(head + "; JFR allocation samples (bytes, site):");
            weights.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(5)
                    .forEach(en -> out.append("\n  ").append(en.getValue()).append("  ").append(en.getKey()));
            return out.toString();
        } catch (IOException | RuntimeException e) {
            return "; (no JFR allocation samples: " + e + ")";
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a temporary file left behind is harmless
                }
            }
        }
    }

    private static String frame(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName() + ":" + f.getLineNumber();
    }
}
