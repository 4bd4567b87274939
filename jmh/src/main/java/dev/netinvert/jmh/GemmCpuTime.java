package dev.netinvert.jmh;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Fused;
import dev.netinvert.kernels.PackedMatrix;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * {@link GemmBench}'s products timed in thread CPU time instead of wall time, for a shared machine: when other
 * jobs oversubscribe the cores, a wall-clock score counts the time the benchmark thread waited for a core, and
 * JMH's figures then say more about the load than about the kernels. CPU time still includes the cache and memory
 * contention of the other jobs, so it is an upper bound of the quiet-machine time, not the time itself. The NumPy
 * peer is {@code numpy_gemm.py --cpu} (its thread's CPU time, one BLAS thread).
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp jmh/target/benchmarks.jar dev.netinvert.jmh.GemmCpuTime [reps [shapes [ops]]]
 * </pre>
 * {@code shapes} and {@code ops} are optional comma-separated filters, e.g. {@code 64x4096x512,8x4096x512 nt}.
 * Per product and shape: warm-up until a round of calls allocates nothing (C2 has compiled the kernels) and at
 * least 3 s, then {@code reps} (default 15) repeats of enough calls for about 0.4 GFLOP; prints the median and
 * the best microseconds of CPU time per call and the GFLOP/s of the median.
 */
public final class GemmCpuTime {
    private GemmCpuTime() {}

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        System.out.println("kernels: " + Blas.active().name() + ", " + Blas.active().vectorBitSize() + "-bit vectors");
        int[][] shapes = {{64, 784, 100}, {512, 512, 512}, {64, 4096, 512}, {8, 4096, 512}, {4, 4096, 512},
            {2, 4096, 512}, {8, 784, 100}};
        String[] ops = {"nt", "ntPacked", "tn", "nn", "nnPacked", "bregmanBatch"};
        java.util.List<String> onlyShapes = args.length > 1 ? Arrays.asList(args[1].split(",")) : null;
        java.util.List<String> onlyOps = args.length > 2 ? Arrays.asList(args[2].split(",")) : null;
        for (int[] sh : shapes) {
            int rows = sh[0], n = sh[1], m = sh[2];
            if (onlyShapes != null && !onlyShapes.contains(rows + "x" + n + "x" + m)) {
                continue;
            }
            try (Arena arena = Arena.ofShared()) {
                SplittableRandom rnd = new SplittableRandom(1);
                FloatMatrix x = random(arena, rnd, rows, n, 1), w = random(arena, rnd, m, n, 1);
                FloatMatrix d = random(arena, rnd, rows, m, 1), t = random(arena, rnd, rows, m, 0.5);
                FloatMatrix y = FloatMatrix.allocate(arena, rows, m), g = FloatMatrix.allocate(arena, m, n);
                FloatMatrix z = FloatMatrix.allocate(arena, rows, n), r = FloatMatrix.allocate(arena, rows, m);
                FloatMatrix gx = FloatMatrix.allocate(arena, rows, n);
                FloatVec b = FloatVec.allocate(arena, m);
                double[] sums = new double[rows];
                for (String op : ops) {
                    if (onlyOps != null && !onlyOps.contains(op)) {
                        continue;
                    }
                    Runnable call = switch (op) {
                        case "nt" -> () -> Blas.gemmNT(1f, x, w, 0f, y, b);
                        case "tn" -> () -> Blas.gemmTN(1f, d, x, 0f, g);
                        case "nn" -> () -> Blas.gemmNN(1f, d, w, 0f, z);
                        case "ntPacked" -> {
                            PackedMatrix wp = Blas.pack(arena, w);
                            yield () -> Blas.gemmNT(1f, x, wp, 0f, y, b);
                        }
                        case "nnPacked" -> {
                            PackedMatrix wp = Blas.pack(arena, w);
                            yield () -> Blas.gemmNN(1f, d, wp, 0f, z);
                        }
                        default -> () -> Fused.bregmanGradientBatch(Activation.TANH, w, x, b, t, null, r, gx, sums);
                    };
                    double flops = (op.equals("bregmanBatch") ? 4.0 : 2.0) * rows * n * m;
                    long start = System.nanoTime();
                    for (int round = 0; round < 1000; round++) {
                        long before = mx.getCurrentThreadAllocatedBytes();
                        for (int i = 0; i < 5; i++) {
                            call.run();
                        }
                        if (mx.getCurrentThreadAllocatedBytes() == before && System.nanoTime() - start > 3e9) {
                            break;
                        }
                    }
                    int calls = Math.max(3, (int) (4e8 / flops));
                    double[] us = new double[reps];
                    long a0 = mx.getCurrentThreadAllocatedBytes();
                    for (int k = 0; k < reps; k++) {
                        long c0 = mx.getCurrentThreadCpuTime();
                        for (int i = 0; i < calls; i++) {
                            call.run();
                        }
                        us[k] = (mx.getCurrentThreadCpuTime() - c0) / 1e3 / calls;
                    }
                    long allocated = (mx.getCurrentThreadAllocatedBytes() - a0) / ((long) reps * calls);
                    Arrays.sort(us);
                    double median = us[reps / 2];
                    System.out.printf("%dx%dx%d %s: median %.2f us  best %.2f us  %.1f GFLOP/s  %d B/call%n", rows, n, m,
                            op, median, us[0], flops / median / 1e3, allocated);
                }
            }
        }
    }

    private static FloatMatrix random(Arena arena, SplittableRandom rnd, int rows, int cols, double scale) {
        float[] a = new float[rows * cols];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        }
        return FloatMatrix.of(arena, rows, cols, a);
    }
}
