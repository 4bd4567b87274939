import dev.netinvert.kernels.*;
import java.lang.foreign.*;
import java.lang.invoke.MethodHandle;
import java.util.*;

/**
 * Minimum-of-bursts timing of the single-vector kernels, for a machine too loaded for JMH to settle (see
 * RESULTS.md, "short rows" section). Calls the kernel SPI directly on arena segments: gemv (y = W x), gemvP (the
 * same through W's packed copy), gemvT (y = Wᵀ r), fused (g = Wᵀ(relu(Wx + b) − t), random targets). Each op is warmed for -Dwarm seconds (3),
 * then timed in 400 bursts of about 0.3 ms; it prints the minimum, 10th percentile and median per-call time
 * (µs) of the bursts and the bytes the thread allocates per call over 100 more calls. Run, single-file:
 *
 *   java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED [-XX:UseAVX=2] -Dwarm=5 \
 *        <the CompileCommands of README's "JVM flags"> \
 *        -cp jmh/target/benchmarks.jar jmh/MinOfBursts.java gemv,gemvT,fused 784x100,100x784
 *
 * <p>{@code -Dpad=true} gives W rows that start on 64-byte lines, one line longer where the stride would be a
 * multiple of 2 KiB (the padding NaN, which would show in the peer check if any kernel read it), as the library
 * lays out the weights it owns ({@code FloatMatrix.paddedLd}); without it ld = cols.
 *
 * <p><b>The peer in the same process.</b> With {@code -Dopenblas=<libopenblas.so>} (NumPy's own copy: {@code python3
 * -c "import numpy, glob, os; print(glob.glob(os.path.join(os.path.dirname(numpy.__file__), os.pardir,
 * 'numpy.libs', '*openblas*'))[0])"}; run with {@code OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell} in the
 * environment), every burst of ours is followed by a burst of OpenBLAS's {@code cblas_sgemv} on the same data:
 * gemv against sgemv "NoTrans" of the row-major W, gemvT against "Trans", fused against the two of them (NumPy's
 * two GEMVs, without its element-wise work). The host's noise moves both sides of a pair alike, so the median
 * of the 400 per-pair ratios (ours / OpenBLAS's time) is steadier than a ratio of two runs minutes apart. The
 * library's symbols are looked up under the plain, the ILP64 ({@code 64_}) and NumPy's {@code scipy_} names.
 */
public class MinOfBursts {
    private static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

    public static void main(String[] a) throws Throwable {
        KernelSupport k = KernelProvider.simd().map(KernelProvider::kernelSupport).orElseThrow();
        String ops = a[0];
        Arena arena = switch (System.getProperty("arena", "shared")) { case "global" -> Arena.global(); case "confined" -> Arena.ofConfined(); case "auto" -> Arena.ofAuto(); default -> Arena.ofShared(); };
        Blas blas = System.getProperty("openblas") == null ? null : new Blas(System.getProperty("openblas"));
        SplittableRandom rnd = new SplittableRandom(1);
        StringBuilder out = new StringBuilder(System.getProperty("tag", "") + " bits=" + k.vectorBitSize()
                + (blas == null ? "" : " peer=" + blas.name));
        for (String shape : a[1].split(",")) {
            String[] p = shape.split("x");
            int m = Integer.parseInt(p[0]), n = Integer.parseInt(p[1]);
            int ld = Boolean.getBoolean("pad") ? FloatMatrix.paddedLd(n) : n; // -Dpad=true: the library's own layout
            MemorySegment w = arena.allocate(4L * m * ld, 64), x = arena.allocate(4L * n, 64), y = arena.allocate(4L * m, 64),
                    r = arena.allocate(4L * m, 64), yt = arena.allocate(4L * n, 64), b = arena.allocate(4L * m, 64), t = arena.allocate(4L * m, 64),
                    z = arena.allocate(4L * m, 64), g = arena.allocate(4L * n, 64);
            for (long i = 0; i < (long) m * ld; i++) w.setAtIndex(ValueLayout.JAVA_FLOAT, i, i % ld < n ? (float) rnd.nextDouble(-1, 1) : Float.NaN);
            for (int i = 0; i < n; i++) x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextDouble(-1, 1));
            for (int i = 0; i < m; i++) { r.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextDouble(-1, 1));
                b.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextDouble(-0.1, 0.1)); t.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextDouble(0, 1)); }
            for (String op : ops.split(",")) {
                Runnable f = switch (op) {
                    case "gemv" -> () -> k.gemv(1f, w, 0, ld, 0, m, n, x, 0, 0f, y, 0, null, 0);
                    case "gemvT" -> () -> k.gemvT(1f, w, 0, ld, 0, m, n, r, 0, 0f, yt, 0);
                    case "gemvP" -> { // through W's packed copy, checked against the GEMV on W bit for bit first
                        long bytes = k.gemvPackedBytes(m, n);
                        MemorySegment pk = bytes == 0 ? null : arena.allocate(bytes, 64), yw = arena.allocate(4L * m, 64);
                        if (pk != null) k.gemvPack(w, 0, ld, m, n, pk);
                        k.gemv(1f, w, 0, ld, 0, m, n, x, 0, 0f, yw, 0, null, 0);
                        k.gemvPacked(1f, w, 0, ld, pk, 0, m, n, x, 0, 0f, y, 0, null, 0);
                        if (MemorySegment.mismatch(yw, 0, 4L * m, y, 0, 4L * m) != -1) throw new IllegalStateException(shape + ": packed GEMV differs");
                        yield () -> k.gemvPacked(1f, w, 0, ld, pk, 0, m, n, x, 0, 0f, y, 0, null, 0);
                    }
                    case "fused" -> () -> k.bregmanGradient(Activation.RELU, w, 0, ld, 0, m, n, x, 0, b, 0, t, 0, z, 0, g, 0);
                    default -> throw new IllegalArgumentException(op);
                };
                Runnable peer = blas == null ? null : switch (op) {
                    case "gemv", "gemvP" -> () -> blas.sgemv(NO_TRANS, m, n, ld, w, x, y);
                    case "gemvT" -> () -> blas.sgemv(TRANS, m, n, ld, w, r, yt);
                    default -> () -> { blas.sgemv(NO_TRANS, m, n, ld, w, x, z); blas.sgemv(TRANS, m, n, ld, w, r, g); };
                };
                if (peer != null) { // the peer computes the same product: check once, before timing
                    MemorySegment mine = op.equals("gemvT") ? yt : op.startsWith("gemv") ? y : g;
                    f.run();
                    float[] ours = mine.toArray(ValueLayout.JAVA_FLOAT);
                    if (op.equals("fused")) { // the peer's g = Wᵀ r for our residual r = relu(z) − t
                        for (int i = 0; i < m; i++) r.setAtIndex(ValueLayout.JAVA_FLOAT, i,
                                Math.max(z.getAtIndex(ValueLayout.JAVA_FLOAT, i), 0f) - t.getAtIndex(ValueLayout.JAVA_FLOAT, i));
                    }
                    peer.run();
                    float[] theirs = mine.toArray(ValueLayout.JAVA_FLOAT);
                    double worst = 0, scale = 0;
                    for (int i = 0; i < ours.length; i++) {
                        worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
                        scale = Math.max(scale, Math.abs(theirs[i]));
                    }
                    if (!(worst <= 1e-4 * Math.max(1, scale))) {
                        throw new IllegalStateException(op + " " + shape + ": the peer's result differs by " + worst);
                    }
                }
                long warm = Long.getLong("warm", 3) * 1_000_000_000L;
                int burst = burstFor(f, warm), peerBurst = peer == null ? 0 : burstFor(peer, warm);
                double[] ts = new double[400], ps = new double[ts.length], ratio = new double[ts.length];
                for (int s = 0; s < ts.length; s++) {
                    ts[s] = time(f, burst);
                    if (peer != null) {
                        ps[s] = time(peer, peerBurst);
                        ratio[s] = ts[s] / ps[s];
                    }
                }
                Arrays.sort(ts);
                com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
                long b0 = mx.getCurrentThreadAllocatedBytes();
                for (int c = 0; c < 100; c++) f.run();
                long alloc = (mx.getCurrentThreadAllocatedBytes() - b0) / 100;
                out.append(String.format("  %s %s min %.2f p10 %.2f med %.2f B/op %d", op, shape, ts[0], ts[40], ts[200], alloc));
                if (peer != null) {
                    Arrays.sort(ps);
                    Arrays.sort(ratio);
                    out.append(String.format(" | peer min %.2f med %.2f | ratio p25 %.3f med %.3f p75 %.3f",
                            ps[0], ps[200], ratio[100], ratio[200], ratio[300]));
                }
                out.append(" |");
            }
        }
        System.out.println(out);
    }

    /** Warms f for {@code warm} ns and returns the calls per burst of about 0.3 ms. */
    private static int burstFor(Runnable f, long warm) {
        long t0 = System.nanoTime();
        int calls = 0;
        while (System.nanoTime() - t0 < warm) { f.run(); calls++; }
        return Math.max(1, (int) (300_000 / ((double) warm / calls)));
    }

    /** µs per call over one burst. */
    private static double time(Runnable f, int burst) {
        long s0 = System.nanoTime();
        for (int c = 0; c < burst; c++) f.run();
        return (System.nanoTime() - s0) / 1e3 / burst;
    }

    /** cblas_sgemv of an OpenBLAS library, LP64 or ILP64, plain or with NumPy's scipy_ prefix. */
    static final class Blas {
        final String name;
        private final MethodHandle sgemv;
        private final boolean ilp64;

        Blas(String path) throws Throwable {
            SymbolLookup lib = SymbolLookup.libraryLookup(java.nio.file.Path.of(path), Arena.global());
            Linker linker = Linker.nativeLinker();
            String found = null;
            boolean wide = false;
            for (String s : new String[] {"scipy_cblas_sgemv64_", "cblas_sgemv64_", "cblas_sgemv"}) {
                if (lib.find(s).isPresent()) { found = s; wide = s.endsWith("64_"); break; }
            }
            if (found == null) throw new IllegalArgumentException("no cblas_sgemv in " + path);
            ilp64 = wide;
            MemoryLayout in = wide ? ValueLayout.JAVA_LONG : ValueLayout.JAVA_INT;
            sgemv = linker.downcallHandle(lib.find(found).orElseThrow(), FunctionDescriptor.ofVoid(
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, in, in, ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS, in,
                    ValueLayout.ADDRESS, in, ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS, in), Linker.Option.critical(false));
            for (String s : new String[] {"scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_", "openblas_set_num_threads"}) {
                Optional<MemorySegment> set = lib.find(s);
                if (set.isPresent()) {
                    linker.downcallHandle(set.get(), FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT)).invokeExact(1);
                    break;
                }
            }
            String core = "?";
            for (String s : new String[] {"scipy_openblas_get_corename64_", "openblas_get_corename64_", "openblas_get_corename"}) {
                Optional<MemorySegment> get = lib.find(s);
                if (get.isPresent()) {
                    MemorySegment c = (MemorySegment) linker.downcallHandle(get.get(), FunctionDescriptor.of(ValueLayout.ADDRESS)).invokeExact();
                    core = c.reinterpret(64).getString(0);
                    break;
                }
            }
            name = found + "/" + core;
        }

        /** y ← op(W) v for the row-major m × n W with leading dimension ld: op = NoTrans (y has m elements) or Trans (n). */
        void sgemv(int trans, int m, int n, int ld, MemorySegment w, MemorySegment v, MemorySegment y) {
            try {
                if (ilp64) {
                    sgemv.invokeExact(ROW_MAJOR, trans, (long) m, (long) n, 1f, w, (long) ld, v, 1L, 0f, y, 1L);
                } else {
                    sgemv.invokeExact(ROW_MAJOR, trans, m, n, 1f, w, ld, v, 1, 0f, y, 1);
                }
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
