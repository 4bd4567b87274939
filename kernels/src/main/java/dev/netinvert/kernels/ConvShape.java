package dev.netinvert.kernels;

/**
 * The shape of a 2-D convolution in PyTorch's {@code nn.Conv2d} convention (a cross-correlation, no
 * dilation, no groups, zero padding, floor mode): an input image of {@code inChannels × inHeight × inWidth}
 * floats, channel-major and row-major (element (c, i, j) at {@code (c·H + i)·W + j}), a weight of
 * {@code outChannels × inChannels × kernel × kernel} floats (exactly {@code nn.Conv2d.weight}'s memory) and
 * an output of {@code outChannels × outHeight × outWidth} with
 * <pre>
 *   outHeight = ⌊(inHeight + 2·padding − kernel) / stride⌋ + 1      (likewise outWidth)
 *   y[o, i, j] = b[o] + Σ_{c, ki, kj} K[o, c, ki, kj] · x[c, i·stride + ki − padding, j·stride + kj − padding]
 * </pre>
 * where x is 0 outside the image. The compact constructor validates every field (all ≥ 1, padding ≥ 0 and
 * &lt; kernel, at least one output row and column, element counts below 2³¹) with a message naming the field
 * with the expected and the actual value.
 *
 * @param inChannels  C_in ≥ 1
 * @param inHeight    H ≥ 1
 * @param inWidth     W ≥ 1
 * @param outChannels C_out ≥ 1
 * @param kernel      k ≥ 1 (square kernels)
 * @param stride      s ≥ 1 (both directions)
 * @param padding     p, 0 ≤ p &lt; k (both directions, zeros)
 */
public record ConvShape(int inChannels, int inHeight, int inWidth, int outChannels, int kernel, int stride,
                        int padding) {

    public ConvShape {
        positive("inChannels", inChannels);
        positive("inHeight", inHeight);
        positive("inWidth", inWidth);
        positive("outChannels", outChannels);
        positive("kernel", kernel);
        positive("stride", stride);
        if (padding < 0 || padding >= kernel) {
            throw new IllegalArgumentException("padding: expected 0 <= padding < kernel = " + kernel + ", got " + padding);
        }
        extent("inHeight", inHeight, kernel, padding);
        extent("inWidth", inWidth, kernel, padding);
        count("inputs", (long) inChannels * inHeight * inWidth);
        count("outputs", (long) outChannels * out(inHeight, kernel, stride, padding) * out(inWidth, kernel, stride, padding));
        count("weightLength", (long) outChannels * inChannels * kernel * kernel);
        count("im2col scratch (inChannels·kernel²·outHeight·outWidth)",
                (long) inChannels * kernel * kernel * out(inHeight, kernel, stride, padding)
                        * out(inWidth, kernel, stride, padding));
    }

    /** ⌊(H + 2p − k)/s⌋ + 1. */
    public int outHeight() {
        return out(inHeight, kernel, stride, padding);
    }

    /** ⌊(W + 2p − k)/s⌋ + 1. */
    public int outWidth() {
        return out(inWidth, kernel, stride, padding);
    }

    /** C_in·H·W, the length of an input image. */
    public int inputs() {
        return inChannels * inHeight * inWidth;
    }

    /** C_out·H_out·W_out, the length of an output image. */
    public int outputs() {
        return outChannels * outHeight() * outWidth();
    }

    /** C_out·C_in·k², the length of the weight. */
    public int weightLength() {
        return outChannels * inChannels * kernel * kernel;
    }

    /** C_in·k², the length of one patch: the inner dimension of the im2col product. */
    public int patchLength() {
        return inChannels * kernel * kernel;
    }

    /** H_out·W_out, the number of output positions per channel. */
    public int positions() {
        return outHeight() * outWidth();
    }

    /** Multiply-adds of one forward (or adjoint) pass: C_out·H_out·W_out·C_in·k² (two flops each). */
    public long multiplyAdds() {
        return (long) outputs() * patchLength();
    }

    static int out(int n, int k, int s, int p) {
        return Math.floorDiv(n + 2 * p - k, s) + 1;
    }

    static void positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + ": expected >= 1, got " + v);
        }
    }

    static void extent(String name, int n, int k, int p) {
        if (n + 2 * p < k) {
            throw new IllegalArgumentException(name + ": expected " + name + " + 2·padding >= kernel = " + k
                    + " (at least one output), got " + n + " + 2·" + p + " = " + (n + 2 * p));
        }
    }

    static void count(String name, long v) {
        if (v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + ": expected at most 2^31 - 1 elements, got " + v);
        }
    }
}
