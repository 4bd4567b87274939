package dev.netinvert.jmh;

import dev.netinvert.kernels.Conv;
import dev.netinvert.kernels.ConvShape;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.reference.ReferenceConv;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Convolution forward maps and adjoints at [000] sec. 5.2's encoder layers (1×28×28 → 8×14×14 → 16×7×7, k = 4,
 * s = 2, p = 1) and LeNet's (3×32×32 → 6×28×28, k = 5; after a 2×2 pool, 6×14×14 → 16×10×10, k = 5), for one
 * image and a batch of 64. Three ways, same inputs: {@code direct} (the single-image kernel, image by image),
 * {@code im2col} (patches into scratch, then Blas GEMM: {@code Conv.forwardIm2col}/{@code adjointIm2col}),
 * {@code reference} (the plain-array twin, in double). Each call costs 2·B·C_out·H_out·W_out·C_in·k² flops.
 * The NumPy peer is {@code jmh/numpy_conv.py} (im2col + OpenBLAS sgemm, one thread).
 */
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class ConvBench extends Bench {

    /** C_in×H×W→C_out k s p. */
    @Param({"1x28x28-8k4s2p1", "8x14x14-16k4s2p1", "3x32x32-6k5s1p0", "6x14x14-16k5s1p0"})
    public String layer;

    @Param({"1", "64"})
    public int batch;

    private ConvShape s;
    private FloatVec w, b, scratch;
    private FloatMatrix xs, ys, back;
    private float[] wa, ba, xa, ya, ra;

    @Setup(Level.Trial)
    public void setup() {
        String[] io = layer.split("-");
        String[] in = io[0].split("x");
        String[] out = io[1].split("[ksp]");
        s = new ConvShape(Integer.parseInt(in[0]), Integer.parseInt(in[1]), Integer.parseInt(in[2]),
                Integer.parseInt(out[0]), Integer.parseInt(out[1]), Integer.parseInt(out[2]), Integer.parseInt(out[3]));
        SplittableRandom rnd = new SplittableRandom(1);
        wa = random(rnd, s.weightLength());
        ba = random(rnd, s.outChannels());
        xa = random(rnd, batch * s.inputs());
        w = FloatVec.of(arena, wa);
        b = FloatVec.of(arena, ba);
        xs = FloatMatrix.of(arena, batch, s.inputs(), xa);
        ys = FloatMatrix.of(arena, batch, s.outputs(), random(rnd, batch * s.outputs()));
        ya = ys.toArray();
        ra = new float[s.inputs()];
        back = FloatMatrix.allocate(arena, batch, s.inputs());
        scratch = FloatVec.allocate(arena, (int) Conv.im2colLength(s));
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return a;
    }

    @Benchmark
    public FloatMatrix forwardDirect() {
        for (int i = 0; i < batch; i++) {
            Conv.forward(s, w, b, xs.row(i), ys.row(i));
        }
        return ys;
    }

    @Benchmark
    public FloatMatrix forwardIm2col() {
        Conv.forwardIm2col(s, w, b, xs, ys, scratch);
        return ys;
    }

    @Benchmark
    public float[] forwardReference() {
        float[] x1 = new float[s.inputs()], y1 = new float[s.outputs()];
        for (int i = 0; i < batch; i++) {
            System.arraycopy(xa, i * s.inputs(), x1, 0, x1.length);
            ReferenceConv.forward(s.inChannels(), s.inHeight(), s.inWidth(), s.outChannels(), s.kernel(), s.stride(),
                    s.padding(), wa, ba, x1, y1);
        }
        return y1;
    }

    @Benchmark
    public FloatMatrix adjointDirect() {
        for (int i = 0; i < batch; i++) {
            Conv.adjoint(s, w, ys.row(i), back.row(i), null);
        }
        return back;
    }

    @Benchmark
    public FloatMatrix adjointIm2col() {
        Conv.adjointIm2col(s, w, ys, back, null, scratch);
        return back;
    }

    @Benchmark
    public float[] adjointReference() {
        float[] y1 = new float[s.outputs()];
        for (int i = 0; i < batch; i++) {
            System.arraycopy(ya, i * s.outputs(), y1, 0, y1.length);
            ReferenceConv.adjoint(s.inChannels(), s.inHeight(), s.inWidth(), s.outChannels(), s.kernel(), s.stride(),
                    s.padding(), wa, y1, ra, null);
        }
        return ra;
    }
}
