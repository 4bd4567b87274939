package dev.netinvert.kernels.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The constants of lane sums in a fixed order. {@code reduceLanes(ADD)} leaves the order unspecified
 * ("may even vary over time", its javadoc), and in practice the interpreter, C1 and C2 add the lanes in
 * different orders, so the same inputs gave results differing in the last bit before and after JIT
 * compilation. A sum in an order fixed here keeps every kernel reproducible (DESIGN.md decision 7):
 * rearranges and lane-wise adds have one meaning in every execution mode.
 *
 * <p>The sums are butterfly trees done in registers — fold the upper half onto the lower half with one
 * permute and one add, log₂(L) times — rather than L lane extracts and L − 1 scalar adds (a 300 × 100 GEMV
 * reduces once per 100 elements, and 16 extracts cost more than the row's six FMAs). The kernels write the
 * folds out themselves: this class hands out shuffles and masks, never takes or returns a float vector,
 * because a helper that does is boxed whenever C2 declines to inline it (SimdKernelSupport's class comment).
 * The GEMV's four-row block folds two accumulators into one vector with {@link #HALF} and {@link #QUARTER}
 * so that its first two levels serve two rows per permute.
 */
final class Lanes {
    private Lanes() {}

    private static final VectorSpecies<Float> F = VectorConstants.SPECIES;
    private static final int L = F.length();

    /** i ↦ i XOR h: the butterfly partner at distance h. */
    private static VectorShuffle<Float> swap(int h) {
        return VectorShuffle.fromOp(F, i -> i ^ h);
    }

    /** The lanes whose index has bit h set. */
    private static VectorMask<Float> bit(int h) {
        long bits = 0;
        for (int i = 0; i < L; i++) {
            if ((i & h) != 0) {
                bits |= 1L << i;
            }
        }
        return VectorMask.fromLong(F, bits);
    }

    static final VectorShuffle<Float> SWAP_HALF = swap(L / 2), SWAP_QUARTER = swap(L / 4);
    static final VectorMask<Float> HALF = bit(L / 2), QUARTER = bit(L / 4);

    /** The butterfly folds at distances 1, 2, 4, 8 (those not below L are never asked for). */
    private static final VectorShuffle<Float> FOLD_1 = swap(1), FOLD_2 = L > 2 ? swap(2) : FOLD_1,
            FOLD_4 = L > 4 ? swap(4) : FOLD_1, FOLD_8 = L > 8 ? swap(8) : FOLD_1;

    /**
     * The shuffle of the butterfly level at distance h (a power of two below L): {@code for (f = L/2; f > 0;
     * f >>= 1) v = v.add(v.rearrange(fold(f)))} leaves the sum of v's lanes in lane 0, in a fixed order. It
     * returns a constant shuffle, so nothing is boxed when C2 does not inline it (as in the fused PDHG steps,
     * where it refused with "NodeCountInliningCutoff").
     */
    static VectorShuffle<Float> fold(int h) {
        return switch (h) {
            case 1 -> FOLD_1;
            case 2 -> FOLD_2;
            case 4 -> FOLD_4;
            case 8 -> FOLD_8;
            default -> throw new IllegalArgumentException("fold distance must be 1, 2, 4 or 8 below " + L + ", got " + h);
        };
    }

    private static final VectorMask<Float> BIT_1 = bit(1), BIT_2 = bit(2), BIT_4 = bit(4), BIT_8 = bit(8);

    /**
     * The lanes whose index has bit h set (h = 1, 2, 4 or 8; empty when h ≥ L): with {@link #fold}(h), the
     * level of the GEMV's one-row-per-lane transpose-and-add tree that merges two vectors into one.
     */
    static VectorMask<Float> upper(int h) {
        return switch (h) {
            case 1 -> BIT_1;
            case 2 -> BIT_2;
            case 4 -> BIT_4;
            case 8 -> BIT_8;
            default -> throw new IllegalArgumentException("lane bit must be 1, 2, 4 or 8, got " + h);
        };
    }

    /** Σ lanes of a double vector, lane by lane in index order (the prox sums' objectives, off the hot path). */
    static double sum(DoubleVector v) {
        double s = v.lane(0);
        for (int i = 1; i < v.length(); i++) {
            s += v.lane(i);
        }
        return s;
    }
}
