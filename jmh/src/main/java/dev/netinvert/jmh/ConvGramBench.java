package dev.netinvert.jmh;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.linalg.ConjugateGradient;
import dev.netinvert.solvers.linalg.ConvGramFft;
import dev.netinvert.solvers.linalg.LinearOperator;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * The ADMM z-update of a convolutional layer, (μI + AᵀA) x = r with μ = 0.1 (weights U(±1/√(C_in k²))),
 * one thread:
 * <pre>
 *   fft      : ConvGramFft.solve on [004]'s extended domain (stride 1 only; the padding trick)
 *   cg       : ConjugateGradient.solve from x = 0, tol 10⁻⁵, with a plain scalar direct convolution as A
 *   convPair : one A and one Aᵀ product of that convolution (what each CG iteration costs besides 4 axpys, 2 dots)
 * </pre>
 * Shapes: {@code s1_8to16_14} and {@code s1_8to16_32}, 3×3 conv 8→16, stride 1, pad 1, at 14×14 and 32×32;
 * {@code s2_1to8_28}, [000] sec. 5.2's first encoder layer 1×28×28 → 8×14×14, k = 4, stride 2, pad 1 (no FFT:
 * {@code fft} measures nothing there and returns at once). The direct convolution is a stand-in for the SIMD
 * kernels of issue 14 (not written yet): CG's time scales with its speed, FFT's does not.
 */
public class ConvGramBench extends Bench {

    @Param({"s1_8to16_14", "s1_8to16_32", "s2_1to8_28"})
    public String shape;

    private ConvGramFft fft;
    private ConjugateGradient cg;
    private DirectConv conv;
    private FloatVec r, x, rd, xd, y;

    @Setup(Level.Trial)
    public void setup() {
        int cIn, cOut, k, h, stride;
        switch (shape) {
            case "s1_8to16_14" -> { cIn = 8; cOut = 16; k = 3; h = 14; stride = 1; }
            case "s1_8to16_32" -> { cIn = 8; cOut = 16; k = 3; h = 32; stride = 1; }
            case "s2_1to8_28" -> { cIn = 1; cOut = 8; k = 4; h = 28; stride = 2; }
            default -> throw new IllegalArgumentException("shape: " + shape);
        }
        SplittableRandom rnd = new SplittableRandom(14);
        float[] w = new float[cOut * cIn * k * k];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((rnd.nextDouble() * 2 - 1) / Math.sqrt(cIn * k * k));
        }
        double mu = 0.1;
        conv = new DirectConv(w, cOut, cIn, k, h, h, stride, 1);
        cg = new ConjugateGradient(conv, mu, ConjugateGradient.Options.defaults(), arena);
        r = FloatVec.of(arena, Inputs.uniform(rnd, conv.inputs()));
        x = FloatVec.allocate(arena, conv.inputs());
        y = FloatVec.allocate(arena, conv.outputs());
        if (stride == 1) {
            fft = ConvGramFft.zeroPadded(FloatVec.of(arena, w), cOut, cIn, k, h, h, 1, mu);
            rd = FloatVec.allocate(arena, fft.domainLength());
            xd = FloatVec.allocate(arena, fft.domainLength());
            fft.embed(r, rd);
        }
        Blas.fill(x, 0f);
        cg.solve(r, x);
        System.out.printf("%n[%s] CG from 0: %d iterations, relative residual %.1e%s%n", shape, cg.lastIterations(),
                cg.lastRelativeResidual(), fft == null ? "" : ", FFT domain " + fft.domainHeight() + "x" + fft.domainWidth());
    }

    @Benchmark
    public FloatVec fft() {
        if (fft != null) {
            fft.solve(rd, xd);
        }
        return xd;
    }

    @Benchmark
    public int cg() {
        Blas.fill(x, 0f);
        return cg.solve(r, x);
    }

    @Benchmark
    public FloatVec convPair() {
        conv.apply(r, y);
        conv.applyAdjoint(y, x);
        return x;
    }

    /** Plain scalar direct convolution and its adjoint over heap copies (no allocation per call). */
    static final class DirectConv implements LinearOperator {
        final float[] w, in, out;
        final int cOut, cIn, k, h, wd, stride, pad, ho, wo;

        DirectConv(float[] w, int cOut, int cIn, int k, int h, int wd, int stride, int pad) {
            this.w = w;
            this.cOut = cOut;
            this.cIn = cIn;
            this.k = k;
            this.h = h;
            this.wd = wd;
            this.stride = stride;
            this.pad = pad;
            this.ho = (h + 2 * pad - k) / stride + 1;
            this.wo = (wd + 2 * pad - k) / stride + 1;
            this.in = new float[cIn * h * wd];
            this.out = new float[cOut * ho * wo];
        }

        public int inputs() {
            return cIn * h * wd;
        }

        public int outputs() {
            return cOut * ho * wo;
        }

        public void apply(FloatVec xv, FloatVec yv) {
            MemorySegment.copy(xv.segment(), FloatVec.LAYOUT, xv.byteOffset(), in, 0, in.length);
            for (int o = 0; o < cOut; o++) {
                for (int p = 0; p < ho; p++) {
                    for (int q = 0; q < wo; q++) {
                        float s = 0;
                        for (int c = 0; c < cIn; c++) {
                            for (int a = 0; a < k; a++) {
                                int i = stride * p + a - pad;
                                if (i < 0 || i >= h) continue;
                                for (int b = 0; b < k; b++) {
                                    int j = stride * q + b - pad;
                                    if (j >= 0 && j < wd) s += w[((o * cIn + c) * k + a) * k + b] * in[(c * h + i) * wd + j];
                                }
                            }
                        }
                        out[(o * ho + p) * wo + q] = s;
                    }
                }
            }
            MemorySegment.copy(out, 0, yv.segment(), FloatVec.LAYOUT, yv.byteOffset(), out.length);
        }

        public void applyAdjoint(FloatVec yv, FloatVec xv) {
            MemorySegment.copy(yv.segment(), FloatVec.LAYOUT, yv.byteOffset(), out, 0, out.length);
            java.util.Arrays.fill(in, 0f);
            for (int o = 0; o < cOut; o++) {
                for (int p = 0; p < ho; p++) {
                    for (int q = 0; q < wo; q++) {
                        float v = out[(o * ho + p) * wo + q];
                        for (int c = 0; c < cIn; c++) {
                            for (int a = 0; a < k; a++) {
                                int i = stride * p + a - pad;
                                if (i < 0 || i >= h) continue;
                                for (int b = 0; b < k; b++) {
                                    int j = stride * q + b - pad;
                                    if (j >= 0 && j < wd) in[(c * h + i) * wd + j] += w[((o * cIn + c) * k + a) * k + b] * v;
                                }
                            }
                        }
                    }
                }
            }
            MemorySegment.copy(in, 0, xv.segment(), FloatVec.LAYOUT, xv.byteOffset(), in.length);
        }
    }
}
