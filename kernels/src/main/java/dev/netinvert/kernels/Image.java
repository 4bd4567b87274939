package dev.netinvert.kernels;

import java.lang.foreign.Arena;
import java.util.Objects;

/**
 * An image of {@code channels × height × width} float32 values over a {@link FloatVec}: channel
 * planes one after the other, each plane {@code height × width} row-major with no row padding, so
 * pixel (c, i, j) is element {@code (c·height + i)·width + j}. This is C-order {@code (C, H, W)}, the
 * layout of a PyTorch image tensor and of the flattened 64×64 images of sec. 5.1 [000] (C = 1): the
 * image {@code x} that W multiplies is the same vector the stencils see.
 *
 * <p>Rows index i (the paper's first direction, ∂₁ in eq. (14) [000]), columns j (∂₂). A view: it
 * owns no memory; the shape is validated here, once.
 *
 * @param values   the {@code channels·height·width} elements
 * @param channels C ≥ 1
 * @param height   H ≥ 1 (rows)
 * @param width    W ≥ 1 (columns; consecutive in memory)
 */
public record Image(FloatVec values, int channels, int height, int width) {

    public Image {
        Objects.requireNonNull(values, "values");
        checkShape(channels, height, width);
        long size = (long) channels * height * width;
        if (values.length() != size) {
            throw new IllegalArgumentException("values: expected length " + size + " (= " + channels + "×" + height
                    + "×" + width + " channels×height×width), got " + values.length());
        }
    }

    /** A single-channel {@code height × width} image over {@code values}. */
    public static Image of(FloatVec values, int height, int width) {
        return new Image(values, 1, height, width);
    }

    /** A zero-filled, 64-byte-aligned image allocated in {@code arena}. */
    public static Image allocate(Arena arena, int channels, int height, int width) {
        checkShape(channels, height, width);
        return new Image(FloatVec.allocate(arena, (int) ((long) channels * height * width)), channels, height, width);
    }

    /** Number of elements, {@code channels·height·width}. */
    public int size() {
        return values.length();
    }

    /** Whether the image has shape {@code c × h × w}. */
    public boolean sameShape(int c, int h, int w) {
        return channels == c && height == h && width == w;
    }

    /** "C×H×W", for messages. */
    public String shape() {
        return channels + "×" + height + "×" + width;
    }

    static void checkShape(int channels, int height, int width) {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("image shape channels×height×width must be positive, got "
                    + channels + "×" + height + "×" + width);
        }
        long size = (long) channels * height * width;
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("image shape " + channels + "×" + height + "×" + width + " has "
                    + size + " elements, more than a FloatVec holds (2^31-1)");
        }
    }
}
