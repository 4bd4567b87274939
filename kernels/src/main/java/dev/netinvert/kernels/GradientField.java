package dev.netinvert.kernels;

import java.lang.foreign.Arena;
import java.util.Objects;

/**
 * A field of per-pixel 2-vectors, the range of the forward-difference gradient ∇ of eq. (14) [000]:
 * two planes of the shape of an {@link Image} ({@code channels × height × width}, same element order),
 * {@code d1} = ∂₁ (vertical, along rows i: x[i+1, j] − x[i, j]) and {@code d2} = ∂₂ (horizontal,
 * along columns j: x[i, j+1] − x[i, j]).
 *
 * <p>Two planes rather than interleaved pairs, so that the per-pixel Euclidean norm
 * √(Σ_c d1² + d2²) is lane-wise arithmetic over contiguous rows (DESIGN.md decision 1). The PDHG dual
 * variable z of eq. (14b) is such a field. A view: it owns no memory.
 *
 * @param d1       ∂₁ plane, {@code channels·height·width} elements
 * @param d2       ∂₂ plane, same length
 * @param channels C ≥ 1
 * @param height   H ≥ 1
 * @param width    W ≥ 1
 */
public record GradientField(FloatVec d1, FloatVec d2, int channels, int height, int width) {

    public GradientField {
        Objects.requireNonNull(d1, "d1");
        Objects.requireNonNull(d2, "d2");
        Image.checkShape(channels, height, width);
        long size = (long) channels * height * width;
        if (d1.length() != size) {
            throw new IllegalArgumentException("d1: expected length " + size + " (= " + channels + "×" + height
                    + "×" + width + " channels×height×width), got " + d1.length());
        }
        if (d2.length() != size) {
            throw new IllegalArgumentException("d2: expected length " + size + " (= " + channels + "×" + height
                    + "×" + width + " channels×height×width), got " + d2.length());
        }
    }

    /**
     * A zero-filled field allocated in {@code arena} as one block: d1 then d2, each starting on a
     * 64-byte boundary.
     */
    public static GradientField allocate(Arena arena, int channels, int height, int width) {
        Objects.requireNonNull(arena, "arena");
        Image.checkShape(channels, height, width);
        int n = (int) ((long) channels * height * width);
        long planeBytes = ((long) n * Float.BYTES + FloatVec.ALIGNMENT - 1) / FloatVec.ALIGNMENT * FloatVec.ALIGNMENT;
        var seg = arena.allocate(2 * planeBytes, FloatVec.ALIGNMENT);
        return new GradientField(FloatVec.wrap(seg, 0, n), FloatVec.wrap(seg, planeBytes, n), channels, height, width);
    }

    /** A zero-filled field of the shape of {@code x}. */
    public static GradientField allocateFor(Arena arena, Image x) {
        Objects.requireNonNull(x, "x");
        return allocate(arena, x.channels(), x.height(), x.width());
    }

    /** Elements per plane, {@code channels·height·width}. */
    public int size() {
        return d1.length();
    }

    /** Whether the field has shape {@code c × h × w}. */
    public boolean sameShape(int c, int h, int w) {
        return channels == c && height == h && width == w;
    }

    /** "C×H×W", for messages. */
    public String shape() {
        return channels + "×" + height + "×" + width;
    }
}
