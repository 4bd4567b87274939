package dev.netinvert.jmh;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
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
 * GEMV in both orientations on a row-major {@code m × n} W, one thread:
 * <pre>
 *   gemv…  : y = W·x     (x: n, y: m)
 *   gemvT… : y = Wᵀ·r    (r: m, y: n)
 * </pre>
 * Each call streams W once, so GB/s = 4·m·n bytes / time; the shapes are the papers' layers
 * (512×4096, 100×784, 784×100, 128×392, 625×1000), an odd one (1023×517: row tails, a 3-row
 * remainder) and a DRAM-bound 4096×4096 (64 MiB, twice the L3).
 *
 * <p>{@code …Reference} is the plain {@code float[]} specification, {@code …Simd} and {@code …Scalar}
 * call the kernel SPI directly, {@code …Blas} goes through the validating facade (the SIMD
 * implementation in a fork with the vector module) so the cost of validation shows at small shapes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = Forks.COUNT, jvmArgsAppend = {Forks.MODULE, Forks.VECTOR, Forks.NATIVE})
@State(Scope.Benchmark)
public class GemvBench {

    @Param({"512x4096", "100x784", "784x100", "128x392", "625x1000", "4096x4096", "1023x517"})
    public String shape;

    private int m, n;
    private float[] w, x, r, y, yt;
    private Arena arena;
    private MemorySegment wSeg, xSeg, rSeg, ySeg, ytSeg;
    private FloatMatrix wMat;
    private FloatVec xVec, rVec, yVec, ytVec;

    @Setup(Level.Trial)
    public void setup() {
        int[] s = Inputs.shape(shape);
        m = s[0];
        n = s[1];
        SplittableRandom rnd = new SplittableRandom(20260417L);
        w = Inputs.uniform(rnd, m * n);
        x = Inputs.uniform(rnd, n);
        r = Inputs.uniform(rnd, m);
        y = new float[m];
        yt = new float[n];
        // One shared arena: every segment at every call site is the same native kind (DESIGN.md decision 2).
        arena = Arena.ofShared();
        wMat = FloatMatrix.of(arena, m, n, w);
        xVec = FloatVec.of(arena, x);
        rVec = FloatVec.of(arena, r);
        yVec = FloatVec.allocate(arena, m);
        ytVec = FloatVec.allocate(arena, n);
        wSeg = wMat.segment();
        xSeg = xVec.segment();
        rSeg = rVec.segment();
        ySeg = yVec.segment();
        ytSeg = ytVec.segment();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    // ------------------------------------------------------------------ y = W x

    @Benchmark
    public float[] gemvReference() {
        ReferenceKernels.gemv(1f, w, n, 0, m, n, x, 0f, y, null);
        return y;
    }

    @Benchmark
    public MemorySegment gemvSimd(Impl.Simd impl) {
        impl.k.gemv(1f, wSeg, 0, n, 0, m, n, xSeg, 0, 0f, ySeg, 0, null, 0);
        return ySeg;
    }

    @Benchmark
    public MemorySegment gemvScalar(Impl.Scalar impl) {
        impl.k.gemv(1f, wSeg, 0, n, 0, m, n, xSeg, 0, 0f, ySeg, 0, null, 0);
        return ySeg;
    }

    @Benchmark
    public FloatVec gemvBlas() {
        Blas.gemv(1f, wMat, xVec, 0f, yVec);
        return yVec;
    }

    // ------------------------------------------------------------------ y = Wᵀ r

    @Benchmark
    public float[] gemvTReference() {
        ReferenceKernels.gemvT(1f, w, n, 0, m, n, r, 0f, yt);
        return yt;
    }

    @Benchmark
    public MemorySegment gemvTSimd(Impl.Simd impl) {
        impl.k.gemvT(1f, wSeg, 0, n, 0, m, n, rSeg, 0, 0f, ytSeg, 0);
        return ytSeg;
    }

    @Benchmark
    public MemorySegment gemvTScalar(Impl.Scalar impl) {
        impl.k.gemvT(1f, wSeg, 0, n, 0, m, n, rSeg, 0, 0f, ytSeg, 0);
        return ytSeg;
    }

    @Benchmark
    public FloatVec gemvTBlas() {
        Blas.gemvT(1f, wMat, rVec, 0f, ytVec);
        return ytVec;
    }
}
