package dev.netinvert.tests.kernels;

import static dev.netinvert.tests.UniformVectors.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Fused;
import dev.netinvert.kernels.PackedMatrix;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * C1 (tier 3) compiles every SIMD kernel that the GEMV, GEMVᵀ, fused gradient and GEMMs reach. A kernel whose loop
 * holds too many live vectors makes C1 give up ("out of virtual registers in linear scan"): the method then waits in
 * the interpreter for C2, and in some JVMs it never leaves the Vector API's Java fallback (60-75× slower, megabytes
 * per call; jmh/RESULTS.md, twenty-second, twenty-fourth and twenty-fifth sessions: a sixteen-row axpy with its
 * tail written out, twelve- and sixteen-row lagged kernels, sixteen-vector GEMVᵀ windows). That outcome is random,
 * the bailout is not: it was printed in ten JVMs of ten for the sixteen-vector windows, and with those windows put
 * back this test fails. So it runs the kernels in a child JVM with this JVM's flags (the width under test:
 * preferred, {@code -XX:UseAVX=2} or 128 bits), compilation in the foreground ({@code -Xbatch}) and
 * {@code -XX:+PrintCompilation}, and fails on any such bailout in a method of {@code dev.netinvert.kernels.simd}.
 * Tagged "allocation": it runs in those three executions.
 */
@Tag("allocation")
class TierOneCompilesKernelsTest {

    /**
     * rows × cols, each in the kernels' layout and with ld = cols (a W mapped in place): short rows (windows,
     * chunks, eight- and sixteen-row blocks), rows past the windows (the axpys of eight, twelve and sixteen rows),
     * rows 2 KiB multiples apart (the lagged twelve rows: 48 × 2048 with ld = cols) and a W past L2 at 512 columns.
     */
    private static final int[][] SHAPES = {
        {784, 100}, {100, 784}, {625, 300}, {192, 256}, {29, 1043}, {48, 2048}, {40, 1500}, {600, 512}, {13, 250},
    };

    @Test
    void noKernelMakesC1GiveUp() throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // The width under test (-XX:UseAVX, -Dnetinvert.vector.bits) and the JIT flags the builds set.
            if (arg.startsWith("-XX:") || arg.startsWith("-Dnetinvert.") || arg.startsWith("--add-modules")
                    || arg.startsWith("--enable-native-access") || arg.equals("jdk.incubator.vector")) {
                command.add(arg);
            }
        }
        command.addAll(List.of("-Xbatch", "-XX:+PrintCompilation", "-Xmx512m", "-cp",
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                Driver.class.getName()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> bailouts = new ArrayList<>();
        int kernelCompiles = 0;
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.contains("dev.netinvert.kernels.simd.")) {
                    kernelCompiles++;
                    if (line.contains("out of virtual registers")) {
                        bailouts.add(line.strip());
                    }
                }
            }
        }
        assertTrue(child.waitFor(5, TimeUnit.MINUTES), "the child JVM did not finish");
        assertEquals(0, child.exitValue(), "the child JVM's exit status (command: " + command + ")");
        // That the child ran the SIMD kernels at all, so that no bailout means something: about 210 of their
        // compilations are printed at each width.
        assertTrue(kernelCompiles > 100, "compilations of SIMD kernel methods printed: " + kernelCompiles);
        assertEquals(List.of(), bailouts, "C1 gave up on these kernels (they would run in the Vector API's Java "
                + "fallback until C2 compiles them, if it does)");
    }

    /**
     * The child: each shape's GEMV (on W and through its panels), GEMVᵀ and fused gradients, then the GEMMs, until
     * all are hot.
     */
    public static final class Driver {
        public static void main(String[] args) {
            double sink = 0;
            try (Arena arena = Arena.ofConfined()) {
                SplittableRandom rnd = new SplittableRandom(5);
                for (int layout = 0; layout < 2; layout++) {
                    for (int[] shape : SHAPES) {
                        int rows = shape[0], cols = shape[1];
                        int ld = layout == 0 ? FloatMatrix.paddedLd(cols) : cols;
                        FloatMatrix w = matrix(arena, rows, cols, ld, rnd);
                        PackedMatrix wp = Blas.packForGemv(arena, w);
                        FloatVec x = random(arena, cols, rnd), r = random(arena, rows, rnd);
                        FloatVec t = random(arena, rows, rnd);
                        FloatVec b = random(arena, rows, rnd), y = FloatVec.allocate(arena, rows);
                        FloatVec yt = FloatVec.allocate(arena, cols), z = FloatVec.allocate(arena, rows);
                        FloatVec g = FloatVec.allocate(arena, cols);
                        for (int k = 0; k < 600; k++) {
                            Blas.gemv(1f, w, x, 0f, y, b);
                            Blas.gemv(1f, wp, x, 0f, y, b);
                            Blas.gemvT(1f, w, r, 0f, yt);
                            sink += Fused.bregmanGradient(Activation.RELU, w, x, b, t, z, g);
                            sink += Fused.bregmanGradient(Activation.TANH, w, x, null, t, z, g);
                        }
                        sink += yt.get(0) + y.get(0) + g.get(0);
                    }
                }
                // The GEMMs (GemmAllocationTest's shapes): Yᵀ = W·Xᵀ (m > B) and Y = X·Wᵀ (m ≤ B), NN and TN at
                // depth 3 001, and through W packed once.
                FloatMatrix x = matrix(arena, 37, 129, rnd), w = matrix(arena, 61, 129, rnd);
                FloatMatrix y = FloatMatrix.allocate(arena, 37, 61), y2 = FloatMatrix.allocate(arena, 61, 37);
                FloatMatrix g = FloatMatrix.allocate(arena, 61, 129), z = FloatMatrix.allocate(arena, 37, 129);
                FloatMatrix dd = matrix(arena, 5, 3001, rnd), wd = matrix(arena, 3001, 40, rnd);
                FloatMatrix zd = FloatMatrix.allocate(arena, 5, 40);
                FloatMatrix xk = matrix(arena, 20, 600, rnd), wk = matrix(arena, 30, 600, rnd);
                FloatMatrix yk = FloatMatrix.allocate(arena, 20, 30);
                PackedMatrix wp = Blas.pack(arena, w), wkp = Blas.pack(arena, wk);
                for (int k = 0; k < 300; k++) {
                    Blas.gemmNT(1f, x, w, 0f, y, null);
                    Blas.gemmNT(1f, w, x, 0f, y2, null);
                    Blas.gemmNT(1f, xk, wkp, 0f, yk, null);
                    Blas.gemmNN(1f, y, w, 0f, z);
                    Blas.gemmNN(1f, y, wp, 0f, z);
                    Blas.gemmTN(1f, y, x, 0f, g);
                    Blas.gemmNN(1f, dd, wd, 0f, zd);
                }
                sink += y.get(0, 0) + y2.get(0, 0) + yk.get(0, 0) + z.get(0, 0) + g.get(0, 0) + zd.get(0, 0);
            }
            System.out.println("done " + sink); // sink keeps the results live
        }

        private static FloatMatrix matrix(Arena arena, int rows, int cols, SplittableRandom rnd) {
            return matrix(arena, rows, cols, cols, rnd);
        }

        private static FloatMatrix matrix(Arena arena, int rows, int cols, int ld, SplittableRandom rnd) {
            FloatMatrix m = FloatMatrix.allocate(arena, rows, cols, ld);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    m.set(i, j, (float) (rnd.nextDouble() * 2 - 1));
                }
            }
            return m;
        }
    }
}
