package dev.netinvert.kernels.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Lane sums in a fixed order. {@code reduceLanes(ADD)} leaves the order unspecified ("may even vary
 * over time", its javadoc), and in practice the interpreter, C1 and C2 add the lanes in different
 * orders, so the same inputs gave results differing in the last bit before and after JIT compilation.
 * A sum in an order fixed here keeps every kernel reproducible (DESIGN.md decision 7): rearranges and
 * lane-wise adds have one meaning in every execution mode.
 *
 * <p>The sums are butterfly trees done in registers — fold the upper half onto the lower half with one
 * permute and one add, log₂(L) times — rather than L lane extracts and L − 1 scalar adds. That matters
 * for short rows: a 300 × 100 GEMV reduces once per 100 elements, and extracting the 16 lanes of a
 * 512-bit vector one by one (about 30 instructions with the adds) cost more than the row's six FMAs.
 * {@link #sum4} reduces four accumulators at once, sharing the permutes of the first two levels between
 * pairs of vectors (about five instructions per row).
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

    private static final VectorShuffle<Float> SWAP_HALF = swap(L / 2), SWAP_QUARTER = swap(L / 4);
    private static final VectorShuffle<Float> SWAP_2 = swap(2), SWAP_1 = swap(1);
    private static final VectorMask<Float> HALF = bit(L / 2), QUARTER = bit(L / 4);
    /** Lanes 0 … 3 ← lanes 0, L/2, L/4, 3L/4: where {@link #sum4} leaves the totals of a0, a1, a2, a3. */
    private static final VectorShuffle<Float> GATHER4 =
            VectorShuffle.fromOp(F, i -> i < 4 ? new int[] {0, L / 2, L / 4, 3 * L / 4}[i] : i);

    /** Σ lanes of v, by the butterfly tree (v of the kernels' species) or lane by lane (any other). */
    static float sum(FloatVector v) {
        if (v.length() != L) {
            float s = v.lane(0);
            for (int i = 1; i < v.length(); i++) {
                s += v.lane(i);
            }
            return s;
        }
        // L is a constant, so the untaken levels fold away.
        v = v.add(v.rearrange(SWAP_HALF));
        if (L >= 4) {
            v = v.add(v.rearrange(SWAP_QUARTER));
        }
        if (L >= 8) {
            v = v.add(v.rearrange(L >= 16 ? SWAP_2 : SWAP_1));
        }
        if (L >= 16) {
            v = v.add(v.rearrange(SWAP_1));
        }
        return v.lane(0);
    }

    /**
     * The lane sums of four vectors of the kernels' species (L ≥ 4 lanes), in lanes 0, 1, 2, 3 of the
     * result (the other lanes are unspecified). Levels 1 and 2 fold two vectors into one: lanes of a0 and
     * a1 are merged by a blend so that one permute and one add halve both at once. Each total is a fixed
     * pairwise tree over its own vector's lanes — the same tree for a0 … a3 — so a row's sum does not
     * depend on which rows it was reduced with.
     */
    static FloatVector sum4(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3) {
        // Level 1: lanes < L/2 of p01 hold a0[i] + a0[i + L/2]; lanes ≥ L/2 hold a1[i] + a1[i − L/2].
        FloatVector p01 = a0.blend(a1, HALF).add(a1.blend(a0, HALF).rearrange(SWAP_HALF));
        FloatVector p23 = a2.blend(a3, HALF).add(a3.blend(a2, HALF).rearrange(SWAP_HALF));
        // Level 2: quarters [a0 | a2 | a1 | a3], each a0[i] + a0[i + L/4] summed over the halves.
        FloatVector q = p01.blend(p23, QUARTER).add(p23.blend(p01, QUARTER).rearrange(SWAP_QUARTER));
        // Remaining levels within each quarter (L/4 lanes: 4 at 512 bits, 2 at 256, 1 at 128).
        if (L >= 16) {
            q = q.add(q.rearrange(SWAP_2));
        }
        if (L >= 8) {
            q = q.add(q.rearrange(SWAP_1));
        }
        return q.rearrange(GATHER4);
    }

    /** The butterfly folds h = L/2, L/4, …, 1 of {@link #sum}, for kernels that write the sum out. */
    private static final VectorShuffle<Float> FOLD_1 = swap(1), FOLD_2 = L > 2 ? swap(2) : FOLD_1,
            FOLD_4 = L > 4 ? swap(4) : FOLD_1, FOLD_8 = L > 8 ? swap(8) : FOLD_1;

    /**
     * The shuffle of the butterfly level at distance h (a power of two below L): {@code for (f = L/2; f > 0;
     * h >>= 1) v = v.add(v.rearrange(fold(h)))} leaves {@link #sum}(v) in lane 0, added in the same order.
     * Kernels whose size makes C2 refuse further inlining ("NodeCountInliningCutoff") write that loop out
     * instead of calling {@link #sum}: this method takes and returns no vector, so nothing is boxed when it
     * is not inlined.
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

    static double sum(DoubleVector v) {
        double s = v.lane(0);
        for (int i = 1; i < v.length(); i++) {
            s += v.lane(i);
        }
        return s;
    }
}
