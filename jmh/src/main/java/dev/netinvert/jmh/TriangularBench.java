package dev.netinvert.jmh;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.reference.ReferenceKernels;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * The triangular solves of the ADMM z-update (GramSystem), one thread, on a lower-triangular {@code n × n} L
 * (L_ii = 1 + |N(0,1)|, L_ij = N(0,1)/√n, rows padded to 64 bytes):
 * <pre>
 *   lower…           : x ← L⁻¹ x
 *   lowerTransposed… : x ← L⁻ᵀ x
 * </pre>
 * Each call first restores x from b (n floats, against the solve's n²/2 multiply-adds), so that repeated
 * solves do not drive x towards subnormal numbers. Each call reads the lower triangle once: GB/s = 2·n² bytes /
 * time. {@code …Reference} is the plain {@code float[]} sequential substitution of ReferenceKernels, {@code …Simd}
 * and {@code …Scalar} call the kernel SPI directly, {@code …Blas} goes through the validating facade.
 * The NumPy/SciPy peer is jmh/scipy_trsv.py.
 */
public class TriangularBench extends Bench {

    @Param({"64", "512", "1024"})
    public int n;

    private float[] l, b, x;
    private int ld;
    private FloatMatrix lMat;
    private FloatVec bVec, xVec;
    private MemorySegment lSeg, xSeg;

    @Setup(Level.Trial)
    public void setup() {
        SplittableRandom rnd = new SplittableRandom(20260601L + n);
        lMat = FloatMatrix.allocatePadded(arena, n, n);
        ld = lMat.ld();
        l = new float[n * ld];
        double scale = 1 / Math.sqrt(n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                l[i * ld + j] = (float) (gaussian(rnd) * scale);
                lMat.set(i, j, l[i * ld + j]);
            }
            l[i * ld + i] = (float) (1 + Math.abs(gaussian(rnd)));
            lMat.set(i, i, l[i * ld + i]);
        }
        b = Inputs.uniform(rnd, n);
        x = new float[n];
        bVec = FloatVec.of(arena, b);
        xVec = FloatVec.allocate(arena, n);
        lSeg = lMat.segment();
        xSeg = xVec.segment();
    }

    private static double gaussian(SplittableRandom rnd) {
        return Math.sqrt(-2 * Math.log(1 - rnd.nextDouble())) * Math.cos(2 * Math.PI * rnd.nextDouble());
    }

    // ------------------------------------------------------------------ x ← L⁻¹ x

    @Benchmark
    public float[] lowerReference() {
        System.arraycopy(b, 0, x, 0, n);
        ReferenceKernels.trsvLower(l, ld, x);
        return x;
    }

    @Benchmark
    public MemorySegment lowerSimd(Impl.Simd impl) {
        MemorySegment.copy(bVec.segment(), 0, xSeg, 0, 4L * n);
        impl.k.trsvLower(lSeg, 0, ld, n, xSeg, 0);
        return xSeg;
    }

    @Benchmark
    public MemorySegment lowerScalar(Impl.Scalar impl) {
        MemorySegment.copy(bVec.segment(), 0, xSeg, 0, 4L * n);
        impl.k.trsvLower(lSeg, 0, ld, n, xSeg, 0);
        return xSeg;
    }

    @Benchmark
    public FloatVec lowerBlas() {
        Blas.copy(bVec, xVec);
        Blas.trsvLower(lMat, xVec);
        return xVec;
    }

    // ------------------------------------------------------------------ x ← L⁻ᵀ x

    @Benchmark
    public float[] lowerTransposedReference() {
        System.arraycopy(b, 0, x, 0, n);
        ReferenceKernels.trsvLowerTransposed(l, ld, x);
        return x;
    }

    @Benchmark
    public MemorySegment lowerTransposedSimd(Impl.Simd impl) {
        MemorySegment.copy(bVec.segment(), 0, xSeg, 0, 4L * n);
        impl.k.trsvLowerTransposed(lSeg, 0, ld, n, xSeg, 0);
        return xSeg;
    }

    @Benchmark
    public MemorySegment lowerTransposedScalar(Impl.Scalar impl) {
        MemorySegment.copy(bVec.segment(), 0, xSeg, 0, 4L * n);
        impl.k.trsvLowerTransposed(lSeg, 0, ld, n, xSeg, 0);
        return xSeg;
    }

    @Benchmark
    public FloatVec lowerTransposedBlas() {
        Blas.copy(bVec, xVec);
        Blas.trsvLowerTransposed(lMat, xVec);
        return xVec;
    }
}
