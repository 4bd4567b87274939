package dev.netinvert.jmh;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.KernelSupport;
import dev.netinvert.kernels.reference.ReferenceKernels;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * The Bregman-loss gradient of eq. (4) [000] with σ = ReLU (or {@code -p activation=tanh,sigmoid}), the
 * dominant cost of every PDHG (eq. (14a) [000]) and Landweber iteration:
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
public class FusedGradientBench extends DenseBench {

    /** σ: relu, tanh or sigmoid. */
    @Param({"relu"})
    public String activation;

    private Activation sigma;

    private float[] b, t, z, g;
    private MemorySegment bSeg, tSeg, zSeg, eSeg, gSeg;

    @Setup(Level.Trial)
    public void setup() {
        sigma = switch (activation) {
            case "relu" -> Activation.RELU;
            case "tanh" -> Activation.TANH;
            case "sigmoid" -> Activation.SIGMOID;
            default -> throw new IllegalArgumentException("activation must be relu, tanh or sigmoid, got " + activation);
        };
        SplittableRandom rnd = drawDense(20260418L);
        b = Inputs.uniform(rnd, m);
        t = Inputs.nonNegative(rnd, m);
        z = new float[m];
        g = new float[n];
        bSeg = Inputs.offHeap(arena, b);
        tSeg = Inputs.offHeap(arena, t);
        zSeg = FloatVec.allocate(arena, m).segment();
        eSeg = FloatVec.allocate(arena, m).segment();
        gSeg = FloatVec.allocate(arena, n).segment();
    }

    @Benchmark
    public double reference() {
        return ReferenceKernels.bregmanGradient(sigma, w, n, 0, m, n, x, b, t, z, g);
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
            float e = sigma.apply(zSeg.get(FloatVec.LAYOUT, o)) - tSeg.get(FloatVec.LAYOUT, o);
            eSeg.set(FloatVec.LAYOUT, o, e);
            sumSq += (double) e * e;
        }
        k.gemvT(1f, wSeg, 0, n, 0, m, n, eSeg, 0, 0f, gSeg, 0);
        return sumSq;
    }

    private double fused(KernelSupport k) {
        return k.bregmanGradient(sigma, wSeg, 0, n, 0, m, n, xSeg, 0, bSeg, 0, tSeg, 0, zSeg, 0, gSeg, 0);
    }
}
