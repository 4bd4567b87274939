package dev.netinvert.kernels;

import dev.netinvert.kernels.internal.CacheSizes;
import dev.netinvert.kernels.reference.ReferenceKernels;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code java --add-modules jdk.incubator.vector -cp netinvert-kernels.jar dev.netinvert.kernels.SelfCheck}
 *
 * <p>Prints the active implementation, checks every kernel against the plain-array reference on the
 * papers' shapes, and prints a short throughput table. The timings are indicative (a quick warm-up and
 * a median of a few runs); the JMH suite in {@code jmh/} is where speed is measured.
 */
public final class SelfCheck {
    private SelfCheck() {}

    public static void main(String[] args) {
        System.exit(run(System.out));
    }

    /** Runs the self-check, printing to {@code out}; returns 0 if every check passed, 1 otherwise. */
    public static int run(java.io.PrintStream out) {
        PrintStream saved = System.out;
        System.setOut(out);
        try {
            return report();
        } finally {
            System.setOut(saved);
        }
    }

    private static int report() {
        System.out.printf(Locale.ROOT, "netinvert kernels self-check%n");
        System.out.printf(Locale.ROOT, "  implementation : %s%n", KernelProvider.getInstance().describe());
        System.out.printf(Locale.ROOT, "  SIMD available : %s%n",
                KernelProvider.simdUnavailableReason() == null ? "yes" : "no — " + KernelProvider.simdUnavailableReason());
        System.out.printf(Locale.ROOT, "  JDK            : %s (%s)%n", Runtime.version(), System.getProperty("java.vm.name"));
        System.out.printf(Locale.ROOT, "  cores          : %d%n", Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "  L2 per core    : %d KiB (%s)%n%n", CacheSizes.L2_BYTES / 1024, CacheSizes.L2_SOURCE);

        int failures = 0;
        try (Arena arena = Arena.ofShared()) {
            failures += checkAgainstReference(arena, 512, 4096);
            failures += checkAgainstReference(arena, 100, 784);
            failures += checkAgainstReference(arena, 7, 13);
            System.out.println();
            throughput(arena, 512, 4096);
            throughput(arena, 100, 784);
        }
        if (failures > 0) {
            System.out.printf(Locale.ROOT, "%nFAILED: %d check(s) outside tolerance%n", failures);
            return 1;
        }
        System.out.printf(Locale.ROOT, "%nall checks passed%n");
        return 0;
    }

    private static int checkAgainstReference(Arena arena, int m, int n) {
        SplittableRandom rnd = new SplittableRandom(42);
        float[] w = random(rnd, m * n), x = random(rnd, n), b = random(rnd, m), t = random(rnd, m), r = random(rnd, m);
        FloatMatrix W = FloatMatrix.of(arena, m, n, w);
        FloatVec X = FloatVec.of(arena, x), B = FloatVec.of(arena, b), T = FloatVec.of(arena, t), R = FloatVec.of(arena, r);
        FloatVec Y = FloatVec.allocate(arena, m), YT = FloatVec.allocate(arena, n), Z = FloatVec.allocate(arena, m),
                G = FloatVec.allocate(arena, n);

        float[] y = new float[m], yt = new float[n], z = new float[m], g = new float[n];
        ReferenceKernels.gemv(1f, w, n, 0, m, n, x, 0f, y, b);
        ReferenceKernels.gemvT(1f, w, n, 0, m, n, r, 0f, yt);
        double refSq = ReferenceKernels.bregmanGradient(Activation.RELU, w, n, 0, m, n, x, b, t, z, g);
        Blas.gemv(1f, W, X, 0f, Y, B);
        Blas.gemvT(1f, W, R, 0f, YT);
        double sq = Fused.bregmanGradient(Activation.RELU, W, X, B, T, Z, G);

        // Entries are U(−1, 1): a length-k sum of products has terms of variance 1/9 and random signs, so its i-th
        // partial sum is of size √(i/9), and the rounding errors (≤ 2⁻²⁴ of each) add in quadrature to about
        // 2⁻²⁴·k/√18 ≈ k·1.4e-8 in any summation order (k²·6e-8 at worst). k·1e-6 is 70 times that, and a wrong
        // element is off by O(1). The gradient's terms carry residuals of size about √n/3, hence m·n·1e-7.
        int fails = 0;
        fails += report("gemv       " + m + "×" + n, maxDiff(y, Y.toArray()), n * 1e-6);
        fails += report("gemvT      " + m + "×" + n, maxDiff(yt, YT.toArray()), m * 1e-6);
        fails += report("fused      " + m + "×" + n, maxDiff(g, G.toArray()), m * n * 1e-7);
        fails += report("  ‖σ(z)−t‖²", Math.abs(sq - refSq) / Math.max(1, refSq), 1e-4);
        fails += report("dot        " + n, Math.abs(ReferenceKernels.dot(x, x) - Blas.dot(X, X)), n * 1e-6);

        // Triangular solves on a well-conditioned L of order k: diagonal 2 + |u|, below it u/√k (u ~ U(−1, 1)),
        // so ‖L⁻¹‖·‖L‖ stays O(1) and the float solutions agree to a few k·ulp.
        int k = Math.min(Math.min(m, n), 256);
        float[] l = new float[k * k], s = random(rnd, k), s2 = s.clone();
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < i; j++) {
                l[i * k + j] = (float) ((rnd.nextDouble() * 2 - 1) / Math.sqrt(k));
            }
            l[i * k + i] = (float) (2 + rnd.nextDouble());
        }
        FloatMatrix L = FloatMatrix.of(arena, k, k, l);
        FloatVec S = FloatVec.of(arena, s), S2 = FloatVec.of(arena, s2);
        ReferenceKernels.trsvLower(l, k, s);
        ReferenceKernels.trsvLowerTransposed(l, k, s2);
        Blas.trsvLower(L, S);
        Blas.trsvLowerTransposed(L, S2);
        fails += report("trsvLower  " + k, maxDiff(s, S.toArray()), k * 1e-6);
        fails += report("trsvLowerT " + k, maxDiff(s2, S2.toArray()), k * 1e-6);
        return fails;
    }

    private static int report(String what, double err, double tol) {
        boolean ok = err <= tol;
        System.out.printf(Locale.ROOT, "  check %-22s max |fast − reference| = %.2e  (tolerance %.1e)  %s%n",
                what, err, tol, ok ? "ok" : "FAIL");
        return ok ? 0 : 1;
    }

    private static void throughput(Arena arena, int m, int n) {
        SplittableRandom rnd = new SplittableRandom(7);
        float[] w = random(rnd, m * n), x = random(rnd, n), b = random(rnd, m), t = random(rnd, m);
        FloatMatrix W = FloatMatrix.of(arena, m, n, w);
        FloatVec X = FloatVec.of(arena, x), B = FloatVec.of(arena, b), T = FloatVec.of(arena, t);
        FloatVec Y = FloatVec.allocate(arena, m), G = FloatVec.allocate(arena, n), Z = FloatVec.allocate(arena, m);
        float[] y = new float[m], g = new float[n];
        double bytes = 4.0 * m * n;
        System.out.printf(Locale.ROOT, "  %-28s %10s %10s %9s%n", "W " + m + "×" + n + ", one thread", "µs/call", "GB/s of W", "vs ref");
        double refN = time(() -> ReferenceKernels.gemv(1f, w, n, 0, m, n, x, 0f, y, b));
        double fastN = time(() -> Blas.gemv(1f, W, X, 0f, Y, B));
        double refT = time(() -> ReferenceKernels.gemvT(1f, w, n, 0, m, n, y, 0f, g));
        double fastT = time(() -> Blas.gemvT(1f, W, Y, 0f, G));
        double fused = time(() -> Fused.bregmanGradient(Activation.RELU, W, X, B, T, Z, G));
        row("gemv   y = W x + b", fastN, bytes, refN);
        row("gemvT  g = Wᵀ r", fastT, bytes, refT);
        row("fused  g = Wᵀ(σ(Wx+b) − t)", fused, bytes, refN + refT);
        System.out.printf(Locale.ROOT, "  fused / (gemv + gemvT) = %.2f%n%n", fused / (fastN + fastT));
    }

    private static void row(String name, double us, double bytes, double refUs) {
        System.out.printf(Locale.ROOT, "  %-28s %10.1f %10.1f %8.1f×%n", name, us, bytes / (us * 1e3), refUs / us);
    }

    /** Median of 7 timed batches after a warm-up long enough for C2 (µs per call). */
    private static double time(Runnable op) {
        long deadline = System.nanoTime() + 300_000_000L;
        int calls = 0;
        while (System.nanoTime() < deadline) {
            op.run();
            calls++;
        }
        int batch = Math.max(1, calls / 10);
        double[] t = new double[7];
        for (int s = 0; s < t.length; s++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < batch; i++) {
                op.run();
            }
            t[s] = (System.nanoTime() - t0) / 1e3 / batch;
        }
        java.util.Arrays.sort(t);
        return t[t.length / 2];
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (2 * rnd.nextDouble() - 1);
        }
        return a;
    }

    private static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }
}
