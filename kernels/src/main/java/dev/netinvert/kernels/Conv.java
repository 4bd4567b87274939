package dev.netinvert.kernels;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * 2-D convolution in PyTorch's {@code nn.Conv2d} convention ({@link ConvShape}), its adjoint (the transposed
 * convolution) and its weight gradient, over off-heap {@code C × H × W} images, computed by the active
 * {@link ConvSupport} (SIMD or scalar, chosen once per JVM by {@link KernelProvider}).
 *
 * <p>The forward map is the affine operator A x + b of a convolutional layer,
 * <pre>
 *   (A x)[o, i, j] = Σ_{c, ki, kj} K[o, c, ki, kj] · x[c, i·s + ki − p, j·s + kj − p]    (zero outside the image)
 *   (Aᵀ y)[c, m, n] = Σ_{o, ki, kj : m = i·s + ki − p, n = j·s + kj − p} K[o, c, ki, kj] · y[o, i, j]
 * </pre>
 * and {@link #adjoint} computes Aᵀ exactly (⟨A x, y⟩ = ⟨x, Aᵀ y⟩ up to rounding). A PyTorch
 * {@code nn.ConvTranspose2d(C_in', C_out', k, s, p, output_padding)} has weight {@code C_in' × C_out' × k × k},
 * which is the memory of a Conv2d weight with {@code inChannels = C_out'} and {@code outChannels = C_in'}: its
 * forward is {@link #adjoint} of that convolution (with the transposed layer's bias, per channel of the
 * adjoint's output), its adjoint is {@link #forward} without bias, and {@code output_padding} only makes the
 * convolution's input height H the larger one with ⌊(H + 2p − k)/s⌋ + 1 equal to the transposed layer's input.
 *
 * <p>Paths. The scratch-free single-image methods run direct loops (SIMD along output rows at stride 1,
 * scalar at larger strides; see {@code simd.SimdConvSupport}). The overloads that take a {@code scratch} and
 * the batched methods use im2col + GEMM (Caffe's lowering: the patches of one image as a
 * {@code C_in·k² × H_out·W_out} matrix in {@code scratch}, then {@code Blas}'s GEMM kernels) by the rule of
 * {@link #batchUsesGemm}, which measured faster at every shape tried: a caller that can hold
 * {@link #im2colLength} floats of scratch should pass it.
 *
 * <p>Every entry point validates lengths and shapes (messages name the argument with the expected and actual
 * values), that outputs overlap no input, and that the memory is alive; nothing allocates. NaN and ±∞
 * propagate through the sums as IEEE arithmetic says.
 *
 * <p>Accuracy: each output is a float sum of C_in·k² products (fused multiply-adds), in an order that
 * depends on the path, so results agree with the exact sum to within about (C_in·k² + 2)·2⁻²⁴·Σ|terms|.
 */
public final class Conv {
    private Conv() {}

    private static final ConvSupport K = KernelProvider.getInstance().convSupport();
    private static final KernelSupport B = KernelProvider.getInstance().kernelSupport();

    /** The active implementation. */
    public static ConvSupport active() {
        return K;
    }

    /**
     * y ← K ⋆ x + b (overwrite).
     *
     * @param weight {@code C_out × C_in × k × k} ({@code s.weightLength()} elements)
     * @param bias   C_out elements, or null for none
     * @param x      {@code s.inputs()} elements
     * @param y      {@code s.outputs()} elements, must not overlap x, weight or bias
     */
    public static void forward(ConvShape s, FloatVec weight, FloatVec bias, FloatVec x, FloatVec y) {
        checkForward(s, weight, bias, x, y);
        K.forward(s, weight.segment(), weight.byteOffset(), seg(bias), off(bias), x.segment(), x.byteOffset(),
                y.segment(), y.byteOffset());
    }

    /**
     * x ← Kᵀ y (+ bias per channel of x), the adjoint of {@link #forward}'s linear part (the transposed
     * convolution), overwriting x.
     *
     * @param y    {@code s.outputs()} elements
     * @param x    {@code s.inputs()} elements, must not overlap weight, y or bias
     * @param bias C_in elements (a transposed convolution's bias), or null for none
     */
    public static void adjoint(ConvShape s, FloatVec weight, FloatVec y, FloatVec x, FloatVec bias) {
        checkAdjoint(s, weight, y, x, bias);
        K.adjoint(s, weight.segment(), weight.byteOffset(), y.segment(), y.byteOffset(), x.segment(), x.byteOffset(),
                seg(bias), off(bias));
    }

    /**
     * dW ← β·dW + ∂/∂K ⟨dy, K ⋆ x⟩ = β·dW + Σ_{i,j} dy[o, i, j]·x[c, i·s + ki − p, j·s + kj − p]; and
     * dBias ← β·dBias + Σ_{i,j} dy[o, i, j] when dBias is non-null. β = 0 does not read the old values.
     *
     * @param x      the layer's input, {@code s.inputs()} elements
     * @param dy     the gradient at the layer's output, {@code s.outputs()} elements
     * @param dWeight {@code s.weightLength()} elements, must not overlap x, dy or dBias
     * @param dBias  C_out elements or null, must not overlap x or dy
     */
    public static void weightGradient(ConvShape s, FloatVec x, FloatVec dy, float beta, FloatVec dWeight,
                                      FloatVec dBias) {
        shape(s);
        Checks.length("x", x, s.inputs(), "inChannels·inHeight·inWidth");
        Checks.length("dy", dy, s.outputs(), "outChannels·outHeight·outWidth");
        Checks.length("dWeight", dWeight, s.weightLength(), "outChannels·inChannels·kernel²");
        Checks.finite("beta", beta);
        Checks.disjoint("dWeight", dWeight, "x", x);
        Checks.disjoint("dWeight", dWeight, "dy", dy);
        if (dBias != null) {
            Checks.length("dBias", dBias, s.outChannels(), "outChannels");
            Checks.disjoint("dBias", dBias, "x", x);
            Checks.disjoint("dBias", dBias, "dy", dy);
            Checks.disjoint("dBias", dBias, "dWeight", dWeight);
        }
        K.weightGradient(s, x.segment(), x.byteOffset(), dy.segment(), dy.byteOffset(), beta, dWeight.segment(),
                dWeight.byteOffset(), seg(dBias), off(dBias));
    }

    // ---------------------------------------------------------------- batches (one image per row)

    /**
     * Floats of scratch the batched methods need for {@code batch} images of shape s: the im2col matrix of one
     * image ({@code C_in·k² · H_out·W_out}) when {@link #batchUsesGemm} chooses GEMM, else 0 (then scratch may
     * be null).
     */
    public static long scratchLength(ConvShape s, int batch) {
        shape(s);
        if (batch < 0) {
            throw new IllegalArgumentException("batch: expected >= 0, got " + batch);
        }
        return batchUsesGemm(s, batch) ? im2colLength(s) : 0L;
    }

    /**
     * The path rule of the batched methods: im2col + GEMM for every batch of at least one image. Measured
     * (jmh/RESULTS-conv.md, min-of-N per call, AVX-512 and -XX:UseAVX=2) at [000]'s two stride-2 layers and LeNet's
     * two stride-1 layers, batch 1 and 64: the GEMM path's forward map was 1.2-13× and its adjoint 4-40× faster
     * than the direct loops image by image (the direct stride-2 loops are scalar). After the direct stride-1 adjoint
     * moved to a vectorised scatter form, GEMM still won by 1.5-6× there. Deterministic in (shape, batch) and
     * independent of the vector width, so the scratch a caller sized with {@link #scratchLength} always suffices.
     */
    public static boolean batchUsesGemm(ConvShape s, int batch) {
        return batch >= 1;
    }

    /**
     * Row b of ys ← K ⋆ (row b of xs) + bias, for every row.
     *
     * @param xs      {@code B × s.inputs()}
     * @param ys      {@code B × s.outputs()}, must not overlap xs, weight, bias or scratch
     * @param scratch at least {@link #scratchLength}(s, B) elements (null if that is 0), disjoint from the others
     */
    public static void forward(ConvShape s, FloatVec weight, FloatVec bias, FloatMatrix xs, FloatMatrix ys,
                               FloatVec scratch) {
        checkBatch(s, xs, "xs", s.inputs(), ys, "ys", s.outputs());
        Checks.length("weight", weight, s.weightLength(), "outChannels·inChannels·kernel²");
        Checks.bias(bias, s.outChannels(), "outChannels");
        Checks.disjoint("ys", ys, "xs", xs);
        Checks.disjoint("weight", weight, "ys", ys);
        if (bias != null) {
            Checks.disjoint("b", bias, "ys", ys);
        }
        int batch = xs.rows();
        checkScratch(s, batch, scratch);
        if (scratch != null) {
            Checks.disjoint("scratch", scratch, "xs", xs);
            Checks.disjoint("scratch", scratch, "ys", ys);
            Checks.disjoint("scratch", scratch, "weight", weight);
            Checks.disjoint("scratch", scratch, "bias", bias);
        }
        MemorySegment w = weight.segment(), xseg = xs.segment(), yseg = ys.segment();
        long wo = weight.byteOffset();
        if (!batchUsesGemm(s, batch)) {
            for (int b = 0; b < batch; b++) {
                K.forward(s, w, wo, seg(bias), off(bias), xseg, xs.rowOffset(b), yseg, ys.rowOffset(b));
            }
            return;
        }
        forwardGemm(s, weight, bias, xs, ys, scratch);
    }

    /**
     * The batched forward map on the im2col + GEMM path whatever {@link #batchUsesGemm} says (for benchmarks and
     * for callers that measured their own shapes); arguments as {@link #forward(ConvShape, FloatVec, FloatVec,
     * FloatMatrix, FloatMatrix, FloatVec)}, scratch at least {@link #im2colLength}(s).
     */
    public static void forwardIm2col(ConvShape s, FloatVec weight, FloatVec bias, FloatMatrix xs, FloatMatrix ys,
                                     FloatVec scratch) {
        checkBatch(s, xs, "xs", s.inputs(), ys, "ys", s.outputs());
        Checks.length("weight", weight, s.weightLength(), "outChannels·inChannels·kernel²");
        Checks.bias(bias, s.outChannels(), "outChannels");
        Checks.disjoint("ys", ys, "xs", xs);
        Checks.disjoint("weight", weight, "ys", ys);
        if (bias != null) {
            Checks.disjoint("b", bias, "ys", ys);
        }
        checkIm2colScratch(s, scratch);
        Checks.disjoint("scratch", scratch, "xs", xs);
        Checks.disjoint("scratch", scratch, "ys", ys);
        Checks.disjoint("scratch", scratch, "weight", weight);
        Checks.disjoint("scratch", scratch, "bias", bias);
        forwardGemm(s, weight, bias, xs, ys, scratch);
    }

    private static void forwardGemm(ConvShape s, FloatVec weight, FloatVec bias, FloatMatrix xs, FloatMatrix ys,
                                    FloatVec scratch) {
        MemorySegment w = weight.segment(), xseg = xs.segment(), yseg = ys.segment();
        long wo = weight.byteOffset();
        int batch = xs.rows();
        int kc = s.patchLength(), pos = s.positions(), co = s.outChannels();
        MemorySegment col = scratch.segment();
        long colOff = scratch.byteOffset();
        for (int b = 0; b < batch; b++) {
            forwardGemmOne(s, w, wo, bias, xseg, xs.rowOffset(b), yseg, ys.rowOffset(b), col, colOff);
        }
    }

    private static void forwardGemmOne(ConvShape s, MemorySegment w, long wo, FloatVec bias, MemorySegment xseg,
                                       long xo, MemorySegment yseg, long yo, MemorySegment col, long colOff) {
        int kc = s.patchLength(), pos = s.positions(), co = s.outChannels();
        K.im2col(s, xseg, xo, col, colOff);
        if (bias != null) {
            fillRows(bias, co, pos, yseg, yo);
        }
        // Y (C_out × P) ← K (C_out × C_in·k²) · col (C_in·k² × P) [+ Y holding the bias]
        B.gemmNN(1f, w, wo, kc, co, kc, col, colOff, pos, pos, bias == null ? 0f : 1f, yseg, yo, pos);
    }

    /**
     * y ← K ⋆ x + b through im2col + GEMM with the caller's scratch: the fast single-image path for strides
     * above 1 (which the scratch-free {@link #forward(ConvShape, FloatVec, FloatVec, FloatVec, FloatVec)} runs
     * in scalar loops; 8-15× faster at [000]'s layers, jmh/RESULTS-conv.md). Arguments as that method;
     * scratch at least {@link #im2colLength}(s) elements, disjoint from the others.
     */
    public static void forward(ConvShape s, FloatVec weight, FloatVec bias, FloatVec x, FloatVec y, FloatVec scratch) {
        checkForward(s, weight, bias, x, y);
        checkIm2colScratch(s, scratch);
        Checks.disjoint("scratch", scratch, "x", x);
        Checks.disjoint("scratch", scratch, "y", y);
        Checks.disjoint("scratch", scratch, "weight", weight);
        Checks.disjoint("scratch", scratch, "bias", bias);
        forwardGemmOne(s, weight.segment(), weight.byteOffset(), bias, x.segment(), x.byteOffset(), y.segment(),
                y.byteOffset(), scratch.segment(), scratch.byteOffset());
    }

    /**
     * x ← Kᵀ y (+ bias) through GEMM + col2im with the caller's scratch (see {@link #forward(ConvShape, FloatVec,
     * FloatVec, FloatVec, FloatVec, FloatVec)}); arguments as {@link #adjoint(ConvShape, FloatVec, FloatVec,
     * FloatVec, FloatVec)}, scratch at least {@link #im2colLength}(s) elements.
     */
    public static void adjoint(ConvShape s, FloatVec weight, FloatVec y, FloatVec x, FloatVec bias, FloatVec scratch) {
        checkAdjoint(s, weight, y, x, bias);
        checkIm2colScratch(s, scratch);
        Checks.disjoint("scratch", scratch, "x", x);
        Checks.disjoint("scratch", scratch, "y", y);
        Checks.disjoint("scratch", scratch, "weight", weight);
        Checks.disjoint("scratch", scratch, "bias", bias);
        int kc = s.patchLength(), pos = s.positions(), co = s.outChannels();
        B.gemmTN(1f, weight.segment(), weight.byteOffset(), kc, co, kc, y.segment(), y.byteOffset(), pos, pos, 0f,
                scratch.segment(), scratch.byteOffset(), pos);
        K.col2im(s, scratch.segment(), scratch.byteOffset(), seg(bias), off(bias), x.segment(), x.byteOffset());
    }

    /**
     * Row b of xs ← Kᵀ (row b of ys) (+ bias per channel), for every row.
     *
     * @param ys      {@code B × s.outputs()}
     * @param xs      {@code B × s.inputs()}, must not overlap ys, weight, bias or scratch
     * @param bias    C_in elements or null
     * @param scratch at least {@link #scratchLength}(s, B) elements (null if that is 0), disjoint from the others
     */
    public static void adjoint(ConvShape s, FloatVec weight, FloatMatrix ys, FloatMatrix xs, FloatVec bias,
                               FloatVec scratch) {
        checkBatch(s, ys, "ys", s.outputs(), xs, "xs", s.inputs());
        Checks.length("weight", weight, s.weightLength(), "outChannels·inChannels·kernel²");
        if (bias != null) {
            Checks.length("bias", bias, s.inChannels(), "inChannels");
            Checks.disjoint("bias", bias, "xs", xs);
        }
        Checks.disjoint("xs", xs, "ys", ys);
        Checks.disjoint("weight", weight, "xs", xs);
        int batch = ys.rows();
        checkScratch(s, batch, scratch);
        if (scratch != null) {
            Checks.disjoint("scratch", scratch, "xs", xs);
            Checks.disjoint("scratch", scratch, "ys", ys);
            Checks.disjoint("scratch", scratch, "weight", weight);
            Checks.disjoint("scratch", scratch, "bias", bias);
        }
        MemorySegment w = weight.segment(), xseg = xs.segment(), yseg = ys.segment();
        long wo = weight.byteOffset();
        if (!batchUsesGemm(s, batch)) {
            for (int b = 0; b < batch; b++) {
                K.adjoint(s, w, wo, yseg, ys.rowOffset(b), xseg, xs.rowOffset(b), seg(bias), off(bias));
            }
            return;
        }
        adjointGemm(s, weight, ys, xs, bias, scratch);
    }

    /**
     * The batched adjoint on the im2col + GEMM path whatever {@link #batchUsesGemm} says; arguments as
     * {@link #adjoint(ConvShape, FloatVec, FloatMatrix, FloatMatrix, FloatVec, FloatVec)}, scratch at least
     * {@link #im2colLength}(s).
     */
    public static void adjointIm2col(ConvShape s, FloatVec weight, FloatMatrix ys, FloatMatrix xs, FloatVec bias,
                                     FloatVec scratch) {
        checkBatch(s, ys, "ys", s.outputs(), xs, "xs", s.inputs());
        Checks.length("weight", weight, s.weightLength(), "outChannels·inChannels·kernel²");
        if (bias != null) {
            Checks.length("bias", bias, s.inChannels(), "inChannels");
            Checks.disjoint("bias", bias, "xs", xs);
        }
        Checks.disjoint("xs", xs, "ys", ys);
        Checks.disjoint("weight", weight, "xs", xs);
        checkIm2colScratch(s, scratch);
        Checks.disjoint("scratch", scratch, "xs", xs);
        Checks.disjoint("scratch", scratch, "ys", ys);
        Checks.disjoint("scratch", scratch, "weight", weight);
        Checks.disjoint("scratch", scratch, "bias", bias);
        adjointGemm(s, weight, ys, xs, bias, scratch);
    }

    /** Floats of scratch the im2col path needs: the patches of one image, C_in·k² × H_out·W_out. */
    public static long im2colLength(ConvShape s) {
        shape(s);
        return (long) s.patchLength() * s.positions();
    }

    private static void checkIm2colScratch(ConvShape s, FloatVec scratch) {
        Checks.vec("scratch", scratch);
        if (scratch.length() < im2colLength(s)) {
            throw new IllegalArgumentException("scratch: expected at least " + im2colLength(s)
                    + " elements (Conv.im2colLength), got " + scratch.length());
        }
    }

    private static void adjointGemm(ConvShape s, FloatVec weight, FloatMatrix ys, FloatMatrix xs, FloatVec bias,
                                    FloatVec scratch) {
        MemorySegment w = weight.segment(), xseg = xs.segment(), yseg = ys.segment();
        long wo = weight.byteOffset();
        int batch = ys.rows();
        int kc = s.patchLength(), pos = s.positions(), co = s.outChannels();
        MemorySegment col = scratch.segment();
        long colOff = scratch.byteOffset();
        for (int b = 0; b < batch; b++) {
            // col (C_in·k² × P) ← Kᵀ · Y, Y = row b as C_out × P; then scatter-add the patches back.
            B.gemmTN(1f, w, wo, kc, co, kc, yseg, ys.rowOffset(b), pos, pos, 0f, col, colOff, pos);
            K.col2im(s, col, colOff, seg(bias), off(bias), xseg, xs.rowOffset(b));
        }
    }

    // ---------------------------------------------------------------- validation

    private static void fillRows(FloatVec bias, int rows, int n, MemorySegment y, long yo) {
        for (int o = 0; o < rows; o++) {
            B.fill(bias.segment().get(FloatVec.LAYOUT, bias.byteOffset() + 4L * o), y, yo + 4L * o * n, n);
        }
    }

    static void shape(ConvShape s) {
        Objects.requireNonNull(s, "shape must not be null");
    }

    private static void checkForward(ConvShape s, FloatVec weight, FloatVec bias, FloatVec x, FloatVec y) {
        shape(s);
        Checks.length("weight", weight, s.weightLength(), "outChannels·inChannels·kernel²");
        Checks.bias(bias, s.outChannels(), "outChannels");
        Checks.length("x", x, s.inputs(), "inChannels·inHeight·inWidth");
        Checks.length("y", y, s.outputs(), "outChannels·outHeight·outWidth");
        Checks.disjoint("y", y, "x", x);
        Checks.disjoint("y", y, "weight", weight);
        Checks.disjoint("y", y, "bias", bias);
    }

    private static void checkAdjoint(ConvShape s, FloatVec weight, FloatVec y, FloatVec x, FloatVec bias) {
        shape(s);
        Checks.length("weight", weight, s.weightLength(), "outChannels·inChannels·kernel²");
        Checks.length("y", y, s.outputs(), "outChannels·outHeight·outWidth");
        Checks.length("x", x, s.inputs(), "inChannels·inHeight·inWidth");
        if (bias != null) {
            Checks.length("bias", bias, s.inChannels(), "inChannels");
        }
        Checks.disjoint("x", x, "y", y);
        Checks.disjoint("x", x, "weight", weight);
        Checks.disjoint("x", x, "bias", bias);
    }

    private static void checkBatch(ConvShape s, FloatMatrix in, String inName, int inCols, FloatMatrix out,
                                   String outName, int outCols) {
        shape(s);
        Checks.mat(inName, in);
        Checks.mat(outName, out);
        if (in.cols() != inCols) {
            throw new IllegalArgumentException(inName + ": expected " + inCols + " columns (one image per row), got "
                    + in.cols());
        }
        if (out.cols() != outCols) {
            throw new IllegalArgumentException(outName + ": expected " + outCols + " columns (one image per row), got "
                    + out.cols());
        }
        if (out.rows() != in.rows()) {
            throw new IllegalArgumentException(outName + ": expected " + in.rows() + " rows (= " + inName
                    + ".rows), got " + out.rows());
        }
    }

    private static void checkScratch(ConvShape s, int batch, FloatVec scratch) {
        long need = scratchLength(s, batch);
        if (need == 0 && scratch == null) {
            return;
        }
        Checks.vec("scratch", scratch);
        if (scratch.length() < need) {
            throw new IllegalArgumentException("scratch: expected at least " + need
                    + " elements (Conv.scratchLength for batch " + batch + "), got " + scratch.length());
        }
    }

    static MemorySegment seg(FloatVec v) {
        return v == null ? null : v.segment();
    }

    static long off(FloatVec v) {
        return v == null ? 0 : v.byteOffset();
    }
}
