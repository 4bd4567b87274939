package dev.netinvert.jmh;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Fused;
import dev.netinvert.kernels.PackedMatrix;
import dev.netinvert.kernels.reference.ReferenceKernels;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The three batch GEMMs of training (`train.Trainer`) and of lockstep inversion: a batch X (B × n) through a layer
 * W (m × n). {@code nt}: Y = X·Wᵀ + 1·bᵀ (the forward pass); {@code tn}: G = Δᵀ·X (the weight gradient);
 * {@code nn}: Z = Δ·W (backpropagation to the input). Each costs 2·B·m·n flops. {@code ntReference} is the
 * plain-array twin. {@code bregmanBatch} is the fused batched Bregman gradient of lockstep inversion,
 * R = tanh(X·Wᵀ + 1·bᵀ) − T, G = R·W ({@code Fused.bregmanGradientBatch}, 4·B·m·n flops), with the circle
 * experiment's 512 × 4096 W at B = 8 and 64. The NumPy peer is {@code jmh/numpy_gemm.py} (OpenBLAS sgemm, one
 * thread), which does the same products, and the batched gradient as two matmuls and a tanh.
 */
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GemmBench extends Bench {

    /**
     * B×n×m: the autoencoder's first layer at batch 64, a square case, and the circle experiment's 512 × 4096 W
     * at B = 64 and 8 (lockstep inversion, issue 15; its target: 512×4096·4096×64 at ≥ 60 % of the FMA peak).
     */
    @Param({"64x784x100", "512x512x512", "64x4096x512", "8x4096x512"})
    public String shape;

    private FloatMatrix x, w, y, d, g, z, t, r, gx;
    private PackedMatrix wp;
    private FloatVec b;
    private double[] sums;
    private float[] xa, wa, ya;
    private int rows, n, m;

    @Setup(Level.Trial)
    public void setup() {
        String[] p = shape.split("x");
        rows = Integer.parseInt(p[0]);
        n = Integer.parseInt(p[1]);
        m = Integer.parseInt(p[2]);
        SplittableRandom rnd = new SplittableRandom(1);
        xa = new float[rows * n];
        wa = new float[m * n];
        float[] da = new float[rows * m];
        for (float[] a : new float[][] {xa, wa, da}) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) (rnd.nextDouble() * 2 - 1);
            }
        }
        ya = new float[rows * m];
        x = FloatMatrix.of(arena, rows, n, xa);
        w = FloatMatrix.of(arena, m, n, wa);
        wp = Blas.pack(arena, w);
        d = FloatMatrix.of(arena, rows, m, da);
        y = FloatMatrix.allocate(arena, rows, m);
        g = FloatMatrix.allocate(arena, m, n);
        z = FloatMatrix.allocate(arena, rows, n);
        b = FloatVec.allocate(arena, m);
        float[] ta = new float[rows * m];
        for (int i = 0; i < ta.length; i++) {
            ta[i] = (float) (rnd.nextDouble() - 0.5);
        }
        t = FloatMatrix.of(arena, rows, m, ta);
        r = FloatMatrix.allocate(arena, rows, m);
        gx = FloatMatrix.allocate(arena, rows, n);
        sums = new double[rows];
    }

    @Benchmark
    public FloatMatrix nt() {
        Blas.gemmNT(1f, x, w, 0f, y, b);
        return y;
    }

    @Benchmark
    public FloatMatrix tn() {
        Blas.gemmTN(1f, d, x, 0f, g);
        return g;
    }

    @Benchmark
    public FloatMatrix nn() {
        Blas.gemmNN(1f, d, w, 0f, z);
        return z;
    }

    /** {@link #nt} with W packed once ({@link Blas#pack}), as the lockstep solvers' X·Wᵀ + b reads it. */
    @Benchmark
    public FloatMatrix ntPacked() {
        Blas.gemmNT(1f, x, wp, 0f, y, b);
        return y;
    }

    /** {@link #nn} with W packed once ({@link Blas#pack}), as the lockstep solvers' G = R·W reads it. */
    @Benchmark
    public FloatMatrix nnPacked() {
        Blas.gemmNN(1f, d, wp, 0f, z);
        return z;
    }

    @Benchmark
    public FloatMatrix bregmanBatch() {
        Fused.bregmanGradientBatch(Activation.TANH, w, x, b, t, null, r, gx, sums);
        return gx;
    }

    @Benchmark
    public float[] ntReference() {
        ReferenceKernels.gemmNT(1f, xa, n, rows, n, wa, n, m, 0f, ya, m, null);
        return ya;
    }
}
