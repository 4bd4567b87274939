package dev.netinvert.jmh;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Fused;
import dev.netinvert.kernels.PackedMatrix;
import dev.netinvert.kernels.Prox;
import dev.netinvert.solvers.batch.LockstepGradient;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The lockstep solvers' gradient step, PRE = X·Wᵀ + b, R = σ(PRE) − T, G = R·W with r²_s = ‖R_s‖², four ways, in
 * thread CPU time (the machine is shared; see {@link GemmCpuTime}): {@code gemms} — the two GEMMs with σ and the
 * residual row by row in between, on W packed once ({@link Blas#pack}), as {@link LockstepGradient#compute} does
 * above {@link LockstepGradient#FUSED_MAX_ROWS} rows (this measurement chose that threshold); {@code fused} — {@link Fused#bregmanGradientBatch} with
 * the PRE output the callers read (objective, Bregman loss); {@code fused-noZ} — the same without PRE, the kernel's
 * best case; {@code row by row} — the single observation's fused kernel once per row, as {@link LockstepGradient#compute}
 * does up to {@link LockstepGradient#ROW_BY_ROW_MAX_ROWS} rows (this measurement checks that threshold). The four alternate in short rounds in one JVM so that load drift hits them alike; the medians over
 * the rounds and the median per-round ratio gemms / fused are printed. ReLU, as in {@link LockstepBench}.
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp jmh/target/benchmarks.jar dev.netinvert.jmh.LockstepGradientCpuTime [rounds] [mxn:B ...]
 * </pre>
 */
public final class LockstepGradientCpuTime {
    private LockstepGradientCpuTime() {}

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        String[] cases = args.length > 1 ? Arrays.copyOfRange(args, 1, args.length)
                : new String[] {"512x4096:8", "512x4096:32", "512x4096:64", "100x784:8", "100x784:32", "100x784:64"};
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        System.out.println("kernels: " + Blas.active().name() + ", " + Blas.active().vectorBitSize() + "-bit vectors");
        System.out.println("| m×n | B | gemms µs | fused (with PRE) µs | fused (no PRE) µs | row by row µs"
                + " | gemms/fused (p25-p75) | row by row/fused (p25-p75) |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (String c : cases) {
            String[] p = c.split(":"), s = p[0].split("x");
            int m = Integer.parseInt(s[0]), n = Integer.parseInt(s[1]), rows = Integer.parseInt(p[1]);
            try (Arena arena = Arena.ofShared()) {
                SplittableRandom rnd = new SplittableRandom(1);
                FloatMatrix w = random(arena, rnd, m, n, 1 / Math.sqrt(n)), x = random(arena, rnd, rows, n, 1);
                FloatMatrix t = random(arena, rnd, rows, m, 0.5);
                FloatVec b = FloatVec.allocate(arena, m);
                PackedMatrix wp = Blas.pack(arena, w);
                FloatMatrix g = FloatMatrix.allocatePadded(arena, rows, n), pre = FloatMatrix.allocatePadded(arena, rows, m);
                FloatMatrix r = FloatMatrix.allocatePadded(arena, rows, m);
                FloatVec[] tRows = new FloatVec[rows];
                for (int i = 0; i < rows; i++) {
                    tRows[i] = t.row(i);
                }
                double[] sums = new double[rows];
                FloatVec[] preRows = new FloatVec[rows], rRows = new FloatVec[rows];
                FloatVec[] xRows = new FloatVec[rows], gRows = new FloatVec[rows];
                for (int i = 0; i < rows; i++) {
                    preRows[i] = pre.row(i);
                    rRows[i] = r.row(i);
                    xRows[i] = x.row(i);
                    gRows[i] = g.row(i);
                }
                Runnable[] calls = {
                    () -> { // LockstepGradient's GEMM route, W packed once
                        Blas.gemmNT(1f, x, wp, 0f, pre, b);
                        for (int i = 0; i < rows; i++) {
                            Prox.apply(Activation.RELU, preRows[i], rRows[i]);
                            sums[i] = Fused.maskedResidual(rRows[i], tRows[i], null, rRows[i]);
                        }
                        Blas.gemmNN(1f, r, wp, 0f, g);
                    },
                    () -> Fused.bregmanGradientBatch(Activation.RELU, w, x, b, t, pre, r, g, sums),
                    () -> Fused.bregmanGradientBatch(Activation.RELU, w, x, b, t, null, r, g, sums),
                    () -> { // LockstepGradient's row-by-row route
                        for (int i = 0; i < rows; i++) {
                            sums[i] = Fused.bregmanGradient(Activation.RELU, w, xRows[i], b, tRows[i], preRows[i],
                                    gRows[i]);
                        }
                    }};
                double flops = 4.0 * rows * m * n;
                int per = Math.max(3, (int) (4e8 / flops)); // about 0.1 s of one core per round
                long end = System.nanoTime() + 4_000_000_000L; // warm-up: C2 compiles the GEMMs and the fused kernel
                while (System.nanoTime() < end) {
                    for (Runnable call : calls) {
                        for (int i = 0; i < per; i++) {
                            call.run();
                        }
                    }
                }
                double[][] us = new double[calls.length][rounds];
                double[] ratio = new double[rounds], rowsRatio = new double[rounds];
                for (int k = 0; k < rounds; k++) {
                    for (int v = 0; v < calls.length; v++) {
                        long c0 = mx.getCurrentThreadCpuTime();
                        for (int i = 0; i < per; i++) {
                            calls[v].run();
                        }
                        us[v][k] = (mx.getCurrentThreadCpuTime() - c0) / 1e3 / per;
                    }
                    ratio[k] = us[0][k] / us[1][k];
                    rowsRatio[k] = us[3][k] / us[1][k];
                }
                for (double[] u : us) {
                    Arrays.sort(u);
                }
                Arrays.sort(ratio);
                Arrays.sort(rowsRatio);
                int mid = rounds / 2;
                System.out.println(String.format(Locale.ROOT, "| %dx%d | %d | %.1f | %.1f | %.1f | %.1f | %.2f (%.2f-%.2f) | %.2f (%.2f-%.2f) |",
                        m, n, rows, us[0][mid], us[1][mid], us[2][mid], us[3][mid], ratio[mid], ratio[rounds / 4],
                        ratio[3 * rounds / 4], rowsRatio[mid], rowsRatio[rounds / 4], rowsRatio[3 * rounds / 4]));
            }
        }
    }

    private static FloatMatrix random(Arena arena, SplittableRandom rnd, int rows, int cols, double scale) {
        FloatMatrix a = FloatMatrix.allocatePadded(arena, rows, cols);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                a.set(i, j, (float) ((rnd.nextDouble() * 2 - 1) * scale));
            }
        }
        return a;
    }
}
