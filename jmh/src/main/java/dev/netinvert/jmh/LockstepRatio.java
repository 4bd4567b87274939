package dev.netinvert.jmh;

import java.util.Arrays;
import java.util.Locale;

/**
 * Lockstep against independent single solves, interleaved: on a shared, loaded machine the load drifts
 * between JMH's benchmark runs, so a ratio of two JMH scores taken minutes apart carries that drift. Here
 * the two alternate in short rounds (each ≈ 0.2 s) in one JVM, and the median over the rounds of the
 * per-round ratio is reported, with the median times. Same set-up as {@link LockstepBench}.
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -cp jmh/target/benchmarks.jar
 * dev.netinvert.jmh.LockstepRatio [rounds] [shape:B ...]}
 */
public final class LockstepRatio {
    private LockstepRatio() {}

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        String[] cases = args.length > 1 ? Arrays.copyOfRange(args, 1, args.length)
                : new String[] {"512x4096:8", "512x4096:32", "512x4096:64", "100x784:8", "100x784:32", "100x784:64",
                                "100x784:256"};
        System.out.println("| shape | B | lockstep µs/iter | independent µs/iter | lockstep obs·it/s | ratio (median, p25-p75 of "
                + rounds + " rounds) | lockstep GFLOP/s | lockstep B/iter |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (String c : cases) {
            String[] p = c.split(":");
            LockstepBench bench = new LockstepBench();
            bench.shape = p[0];
            bench.b = Integer.parseInt(p[1]);
            bench.setup();
            long end = System.nanoTime() + 8_000_000_000L; // warm-up: both paths, C2 compiles the GEMMs slowly
            while (System.nanoTime() < end) {
                bench.lockstep();
                bench.independent();
            }
            var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long a0 = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 20; i++) {
                bench.lockstep();
            }
            double bytes = (mx.getCurrentThreadAllocatedBytes() - a0) / 20.0;
            double[] tl = new double[rounds], ti = new double[rounds], ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                tl[r] = time(bench, true);
                ti[r] = time(bench, false);
                ratio[r] = ti[r] / tl[r];
            }
            Arrays.sort(tl);
            Arrays.sort(ti);
            Arrays.sort(ratio);
            int mid = rounds / 2;
            String[] s = p[0].split("x");
            double flops = 4.0 * Integer.parseInt(s[0]) * Integer.parseInt(s[1]) * bench.b;
            System.out.println(String.format(Locale.ROOT, "| %s | %d | %.0f | %.0f | %,.0f | %.2f (%.2f-%.2f) | %.1f | %.0f |",
                    p[0], bench.b, tl[mid], ti[mid], bench.b / tl[mid] * 1e6, ratio[mid], ratio[rounds / 4],
                    ratio[3 * rounds / 4], flops / tl[mid] / 1e3, bytes));
            bench.close();
            bench.closeArena();
        }
    }

    /** µs per call over about 0.2 s. */
    private static double time(LockstepBench b, boolean lockstep) {
        long t0 = System.nanoTime();
        int n = 0;
        double sink = 0;
        do {
            sink += lockstep ? b.lockstep() : b.independent();
            n++;
        } while (System.nanoTime() - t0 < 200_000_000L);
        if (sink == 42.4242) {
            System.out.print("");
        }
        return (System.nanoTime() - t0) / 1e3 / n;
    }
}
