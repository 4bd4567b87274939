import dev.netinvert.kernels.*;
import java.lang.foreign.*;
import java.util.*;

/**
 * Minimum-of-bursts timing of the single-vector kernels, for a machine too loaded for JMH to settle (see
 * RESULTS.md, "short rows" section). Calls the kernel SPI directly on arena segments: gemv (y = W x), gemvT
 * (y = Wᵀ r), fused (g = Wᵀ(relu(Wx + b) − t), random targets). Each op is warmed for -Dwarm seconds (3),
 * then timed in 400 bursts of about 0.3 ms; it prints the minimum, 10th percentile and median per-call time
 * (µs) of the bursts and the bytes the thread allocates per call over 100 more calls. Run, single-file:
 *
 *   java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED [-XX:UseAVX=2] -Dwarm=5 \
 *        -cp jmh/target/benchmarks.jar jmh/MinOfBursts.java gemv,gemvT,fused 784x100,100x784
 */
public class MinOfBursts {
    public static void main(String[] a) {
        KernelSupport k = KernelProvider.simd().map(KernelProvider::kernelSupport).orElseThrow();
        String ops = a[0];
        Arena arena = switch (System.getProperty("arena", "shared")) { case "global" -> Arena.global(); case "confined" -> Arena.ofConfined(); case "auto" -> Arena.ofAuto(); default -> Arena.ofShared(); };
        SplittableRandom rnd = new SplittableRandom(1);
        StringBuilder out = new StringBuilder(System.getProperty("tag", "") + " bits=" + k.vectorBitSize());
        for (String shape : a[1].split(",")) {
            String[] p = shape.split("x");
            int m = Integer.parseInt(p[0]), n = Integer.parseInt(p[1]);
            MemorySegment w = arena.allocate(4L * m * n, 64), x = arena.allocate(4L * n, 64), y = arena.allocate(4L * m, 64),
                    r = arena.allocate(4L * m, 64), yt = arena.allocate(4L * n, 64), b = arena.allocate(4L * m, 64), t = arena.allocate(4L * m, 64),
                    z = arena.allocate(4L * m, 64), g = arena.allocate(4L * n, 64);
            for (long i = 0; i < (long) m * n; i++) w.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextDouble(-1, 1));
            for (int i = 0; i < n; i++) x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextDouble(-1, 1));
            for (int i = 0; i < m; i++) { r.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextDouble(-1, 1));
                b.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextDouble(-0.1, 0.1)); t.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextDouble(0, 1)); }
            for (String op : ops.split(",")) {
                Runnable f = switch (op) {
                    case "gemv" -> () -> k.gemv(1f, w, 0, n, 0, m, n, x, 0, 0f, y, 0, null, 0);
                    case "gemvT" -> () -> k.gemvT(1f, w, 0, n, 0, m, n, r, 0, 0f, yt, 0);
                    case "fused" -> () -> k.bregmanGradient(Activation.RELU, w, 0, n, 0, m, n, x, 0, b, 0, t, 0, z, 0, g, 0);
                    default -> throw new IllegalArgumentException(op);
                };
                long t0 = System.nanoTime(); int calls = 0;
                long warm = Long.getLong("warm", 3) * 1_000_000_000L;
                while (System.nanoTime() - t0 < warm) { f.run(); calls++; }
                double per = (double) warm / calls;
                int burst = Math.max(1, (int) (300_000 / per));
                double[] ts = new double[400];
                for (int s = 0; s < ts.length; s++) {
                    long s0 = System.nanoTime();
                    for (int c = 0; c < burst; c++) f.run();
                    ts[s] = (System.nanoTime() - s0) / 1e3 / burst;
                }
                Arrays.sort(ts);
                com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
                long b0 = mx.getCurrentThreadAllocatedBytes();
                for (int c = 0; c < 100; c++) f.run();
                long alloc = (mx.getCurrentThreadAllocatedBytes() - b0) / 100;
                out.append(String.format("  %s %s min %.2f p10 %.2f med %.2f B/op %d |", op, shape, ts[0], ts[40], ts[200], alloc));
            }
        }
        System.out.println(out);
    }
}
