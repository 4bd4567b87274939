package dev.netinvert.jmh;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.KernelSupport;
import dev.netinvert.kernels.reference.ReferenceKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The Bregman-loss gradient of eq. (4) [000] with σ = ReLU, the dominant cost of every PDHG
 * (eq. (14a) [000]) and Landweber iteration:
 * <pre>
 *   z = W x + b,   g = Wᵀ (σ(z) − t),   returns ‖σ(z) − t‖²
 * </pre>
 * <ul>
 *   <li>{@code simd}, {@code scalar}: the fused kernel, one pass over W (DESIGN.md decision 5);</li>
 *   <li>{@code simdTwoPass}: the same result as GEMV, the residual loop, then GEMVᵀ with the SIMD
 *       kernels — two passes over W; the fusion target is {@code simd ≤ 0.6 × simdTwoPass};</li>
 *   <li>{@code reference}: the plain {@code float[]} specification (two passes, and it allocates the
 *       m-element residual on every call, as written).</li>
 * </ul>
 * GB/s is quoted for 4·m·n bytes (W once) per call.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = Forks.COUNT, jvmArgsAppend = {Forks.MODULE, Forks.VECTOR, Forks.NATIVE})
@State(Scope.Benchmark)
public class FusedGradientBench {

    private static final Activation SIGMA = Activation.RELU;

    @Param({"512x4096", "100x784", "784x100", "128x392", "625x1000", "4096x4096", "1023x517"})
    public String shape;

    private int m, n;
    private float[] w, x, b, t, z, g;
    private Arena arena;
    private MemorySegment wSeg, xSeg, bSeg, tSeg, zSeg, eSeg, gSeg;

    @Setup(Level.Trial)
    public void setup() {
        int[] s = Inputs.shape(shape);
        m = s[0];
        n = s[1];
        SplittableRandom rnd = new SplittableRandom(20260418L);
        w = Inputs.uniform(rnd, m * n);
        x = Inputs.uniform(rnd, n);
        b = Inputs.uniform(rnd, m);
        t = Inputs.nonNegative(rnd, m);
        z = new float[m];
        g = new float[n];
        arena = Arena.ofShared();
        wSeg = FloatMatrix.of(arena, m, n, w).segment();
        xSeg = Inputs.offHeap(arena, x);
        bSeg = Inputs.offHeap(arena, b);
        tSeg = Inputs.offHeap(arena, t);
        zSeg = FloatVec.allocate(arena, m).segment();
        eSeg = FloatVec.allocate(arena, m).segment();
        gSeg = FloatVec.allocate(arena, n).segment();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public double reference() {
        return ReferenceKernels.bregmanGradient(SIGMA, w, n, 0, m, n, x, b, t, z, g);
    }

    @Benchmark
    public double simd(Impl.Simd impl) {
        return fused(impl.k);
    }

    @Benchmark
    public double scalar(Impl.Scalar impl) {
        return fused(impl.k);
    }

    @Benchmark
    public double simdTwoPass(Impl.Simd impl) {
        KernelSupport k = impl.k;
        k.gemv(1f, wSeg, 0, n, 0, m, n, xSeg, 0, 0f, zSeg, 0, bSeg, 0);
        double sumSq = 0.0;
        for (int i = 0; i < m; i++) {
            long o = 4L * i;
            float e = SIGMA.apply(zSeg.get(FloatVec.LAYOUT, o)) - tSeg.get(FloatVec.LAYOUT, o);
            eSeg.set(FloatVec.LAYOUT, o, e);
            sumSq += (double) e * e;
        }
        k.gemvT(1f, wSeg, 0, n, 0, m, n, eSeg, 0, 0f, gSeg, 0);
        return sumSq;
    }

    private double fused(KernelSupport k) {
        return k.bregmanGradient(SIGMA, wSeg, 0, n, 0, m, n, xSeg, 0, bSeg, 0, tSeg, 0, zSeg, 0, gSeg, 0);
    }
}
