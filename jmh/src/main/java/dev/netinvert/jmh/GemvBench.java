package dev.netinvert.jmh;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.PackedMatrix;
import dev.netinvert.kernels.reference.ReferenceKernels;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;

/**
 * GEMV in both orientations on a row-major {@code m × n} W, one thread:
 * <pre>
 *   gemv…  : y = W·x     (x: n, y: m)
 *   gemvT… : y = Wᵀ·r    (r: m, y: n)
 * </pre>
 * Each call streams W once, so GB/s = 4·m·n bytes / time; the shapes are {@link DenseBench}'s.
 *
 * <p>{@code …Reference} is the plain {@code float[]} specification, {@code …Simd} and {@code …Scalar}
 * call the kernel SPI directly, {@code …Blas} goes through the validating facade (the SIMD
 * implementation in a fork with the vector module) so the cost of validation shows at small shapes, and
 * {@code gemvPackedBlas} through it with W's packed copy.
 */
public class GemvBench extends DenseBench {

    private float[] r, y, yt;
    private MemorySegment rSeg, ySeg, ytSeg;
    private FloatVec rVec, yVec, ytVec;
    private PackedMatrix wPacked;

    @Setup(Level.Trial)
    public void setup() {
        SplittableRandom rnd = drawDense(20260417L);
        r = Inputs.uniform(rnd, m);
        y = new float[m];
        yt = new float[n];
        rVec = FloatVec.of(arena, r);
        yVec = FloatVec.allocate(arena, m);
        ytVec = FloatVec.allocate(arena, n);
        rSeg = rVec.segment();
        ySeg = yVec.segment();
        ytSeg = ytVec.segment();
        wPacked = Blas.packForGemv(arena, wMat);
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

    /** Through W's packed copy ({@link Blas#packForGemv}; the same bits; W itself where there is none). */
    @Benchmark
    public FloatVec gemvPackedBlas() {
        Blas.gemv(1f, wPacked, xVec, 0f, yVec, null);
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
