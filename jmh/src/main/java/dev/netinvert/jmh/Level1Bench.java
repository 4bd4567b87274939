package dev.netinvert.jmh;

import dev.netinvert.kernels.reference.ReferenceKernels;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Warmup;

/**
 * BLAS level 1 on n floats, one thread: {@code dot} (reads 8n bytes), {@code axpy} y ← a·x + y
 * (reads 8n, writes 4n), {@code sumOfSquares} and {@code maxAbs} (read 4n). Each operation has a
 * {@code …Reference} (plain {@code float[]}), {@code …Simd} and {@code …Scalar} (kernel SPI on native
 * segments) method with the same sizes: 17 (below the SIMD threshold: call overhead and scalar tail),
 * 4096 and 4097 (L1/L2-resident, with and without a tail), 1 000 003 (a prime; 4-8 MB, in L3).
 * Nanoseconds, because the small sizes take a few of them.
 */
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class Level1Bench extends Bench {

    /**
     * y drifts by at most 1e-6 per call and stops once |y| ≈ 16, where a·x is below half an ulp of y:
     * however long the run, no overflow and no denormals.
     */
    private static final float A = 1e-6f;

    @Param({"17", "4096", "4097", "1000003"})
    public int n;

    private float[] x, y;
    private MemorySegment xSeg, ySeg, zSeg;

    @Setup(Level.Trial)
    public void setup() {
        SplittableRandom rnd = new SplittableRandom(20260419L);
        x = Inputs.uniform(rnd, n);
        y = Inputs.uniform(rnd, n);
        xSeg = Inputs.offHeap(arena, x);
        ySeg = Inputs.offHeap(arena, y);
        zSeg = Inputs.offHeap(arena, new float[n]);
    }

    // ------------------------------------------------------------------ dot

    @Benchmark
    public float dotReference() {
        return ReferenceKernels.dot(x, y);
    }

    @Benchmark
    public float dotSimd(Impl.Simd impl) {
        return impl.k.dot(xSeg, 0, ySeg, 0, n);
    }

    @Benchmark
    public float dotScalar(Impl.Scalar impl) {
        return impl.k.dot(xSeg, 0, ySeg, 0, n);
    }

    // ------------------------------------------------------------------ axpy (y is updated in place)

    @Benchmark
    public float[] axpyReference() {
        ReferenceKernels.axpy(A, x, y);
        return y;
    }

    @Benchmark
    public MemorySegment axpySimd(Impl.Simd impl) {
        impl.k.axpy(A, xSeg, 0, ySeg, 0, n);
        return ySeg;
    }

    @Benchmark
    public MemorySegment axpyScalar(Impl.Scalar impl) {
        impl.k.axpy(A, xSeg, 0, ySeg, 0, n);
        return ySeg;
    }

    // ------------------------------------------------------------------ residuals summed in double

    /** ‖x − y‖² with double lanes (reads 8n bytes). */
    @Benchmark
    public double distanceSquaredSimd(Impl.Simd impl) {
        return impl.k.distanceSquared(xSeg, 0, ySeg, 0, n);
    }

    /** r ← x − y and ‖r‖² in double lanes, no mask (reads 8n, writes 4n: r is the scratch z). */
    @Benchmark
    public double maskedResidualSimd(Impl.Simd impl) {
        return impl.k.maskedResidual(xSeg, 0, ySeg, 0, null, 0, zSeg, 0, n);
    }

    // ------------------------------------------------------------------ sum of squares

    @Benchmark
    public float sumOfSquaresReference() {
        return ReferenceKernels.sumOfSquares(x);
    }

    @Benchmark
    public float sumOfSquaresSimd(Impl.Simd impl) {
        return impl.k.sumOfSquares(xSeg, 0, n);
    }

    @Benchmark
    public float sumOfSquaresScalar(Impl.Scalar impl) {
        return impl.k.sumOfSquares(xSeg, 0, n);
    }

    // ------------------------------------------------------------------ max |x|

    @Benchmark
    public float maxAbsReference() {
        return ReferenceKernels.maxAbs(x);
    }

    @Benchmark
    public float maxAbsSimd(Impl.Simd impl) {
        return impl.k.maxAbs(xSeg, 0, n);
    }

    @Benchmark
    public float maxAbsScalar(Impl.Scalar impl) {
        return impl.k.maxAbs(xSeg, 0, n);
    }
}
