package dev.netinvert.kernels;

/**
 * The shape of a 2-D pooling layer in PyTorch's convention ({@code nn.MaxPool2d}, {@code nn.AvgPool2d};
 * floor mode, no dilation): {@code channels × inHeight × inWidth} in, {@code channels × outHeight × outWidth}
 * out, each channel pooled on its own over k × k windows at stride s, with
 * {@code outHeight = ⌊(inHeight + 2·padding − kernel) / stride⌋ + 1} (likewise outWidth). Max pooling pads
 * with −∞, average pooling with zeros and divides by k² ({@code count_include_pad=True}).
 *
 * <p>Validated like {@link ConvShape} (all ≥ 1, padding ≥ 0, at least one output row and column), and, as
 * PyTorch requires, {@code padding ≤ kernel / 2}: so every window holds at least one element of the image.
 *
 * @param channels C ≥ 1
 * @param inHeight H ≥ 1
 * @param inWidth  W ≥ 1
 * @param kernel   k ≥ 1
 * @param stride   s ≥ 1 ({@code nn.MaxPool2d}'s default is s = k: pass it explicitly)
 * @param padding  0 ≤ p ≤ k/2
 */
public record PoolShape(int channels, int inHeight, int inWidth, int kernel, int stride, int padding) {

    public PoolShape {
        ConvShape.positive("channels", channels);
        ConvShape.positive("inHeight", inHeight);
        ConvShape.positive("inWidth", inWidth);
        ConvShape.positive("kernel", kernel);
        ConvShape.positive("stride", stride);
        if (padding < 0 || padding > kernel / 2) {
            throw new IllegalArgumentException("padding: expected 0 <= padding <= kernel / 2 = " + kernel / 2
                    + " (PyTorch's rule), got " + padding);
        }
        ConvShape.extent("inHeight", inHeight, kernel, padding);
        ConvShape.extent("inWidth", inWidth, kernel, padding);
        ConvShape.count("inputs", (long) channels * inHeight * inWidth);
    }

    /** ⌊(H + 2p − k)/s⌋ + 1. */
    public int outHeight() {
        return ConvShape.out(inHeight, kernel, stride, padding);
    }

    /** ⌊(W + 2p − k)/s⌋ + 1. */
    public int outWidth() {
        return ConvShape.out(inWidth, kernel, stride, padding);
    }

    /** C·H·W. */
    public int inputs() {
        return channels * inHeight * inWidth;
    }

    /** C·H_out·W_out. */
    public int outputs() {
        return channels * outHeight() * outWidth();
    }
}
