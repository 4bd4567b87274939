package dev.netinvert.solvers.pursuit;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Supports S = {i : x_i ≠ 0} of the hidden layers and the index-set operations the pursuits run on them:
 * reading a support from an estimate, splitting W into the rows in S and out of it, gathering and
 * scattering vectors by S.
 */
public final class Supports {
    private Supports() {}

    /**
     * The support of x read with a relative threshold: {i : |x_i| > threshold·max_j |x_j|}, sorted. A
     * zero vector has an empty support.
     *
     * @param threshold in [0, 1)
     */
    public static int[] support(float[] x, double threshold) {
        Objects.requireNonNull(x, "x");
        if (!(threshold >= 0 && threshold < 1)) {
            throw new IllegalArgumentException("threshold must lie in [0, 1), got " + threshold);
        }
        double max = 0;
        for (float v : x) {
            max = Math.max(max, Math.abs(v));
        }
        double cut = threshold * max;
        int count = 0;
        for (float v : x) {
            if (Math.abs(v) > cut) {
                count++;
            }
        }
        int[] s = new int[count];
        int k = 0;
        for (int i = 0; i < x.length; i++) {
            if (Math.abs(x[i]) > cut) {
                s[k++] = i;
            }
        }
        return s;
    }

    /** A support threshold must lie in [0, 1) (see {@link #support}). */
    static void checkThreshold(double t) {
        if (!(t >= 0 && t < 1)) {
            throw new IllegalArgumentException("supportThreshold must lie in [0, 1), got " + t);
        }
    }

    /**
     * Copies the rows of W (and b) into {@code dst}, rows in S first (in S's order), then the complement
     * S^c (ascending), so that W^S and W^{S^c} are the contiguous row ranges [0, |S|) and [|S|, m) of one
     * matrix. Why a copy: it costs one pass over W per layer solve, while every one of the thousands of
     * iterations then runs the ordinary row-range GEMV kernels over contiguous rows; index-set kernels
     * would gather rows through an index array on every pass instead.
     *
     * @param w    W, m × n
     * @param b    b (m) or null
     * @param s    the support S, sorted, indices in [0, m)
     * @param dst  m × n workspace
     * @param bDst m-element workspace (ignored when b is null)
     * @return the complement S^c, ascending
     */
    static int[] partitionRows(FloatMatrix w, FloatVec b, int[] s, FloatMatrix dst, FloatVec bDst) {
        int m = w.rows();
        boolean[] in = new boolean[m];
        for (int i : s) {
            in[i] = true;
        }
        int[] sc = new int[m - s.length];
        int k = 0;
        for (int i = 0; i < m; i++) {
            if (!in[i]) {
                sc[k++] = i;
            }
        }
        long bytes = (long) w.cols() * Float.BYTES;
        int r = 0;
        for (int[] set : new int[][] {s, sc}) {
            for (int i : set) {
                MemorySegment.copy(w.segment(), w.rowOffset(i), dst.segment(), dst.rowOffset(r), bytes);
                if (b != null) {
                    bDst.set(r, b.get(i));
                }
                r++;
            }
        }
        return sc;
    }

    /** Elements of x at the indices (a gathered copy). */
    static float[] gather(float[] x, int[] idx) {
        float[] out = new float[idx.length];
        for (int k = 0; k < idx.length; k++) {
            out[k] = x[idx[k]];
        }
        return out;
    }

    /** A vector of n doubles with the values at the indices, zero elsewhere. */
    static double[] scatter(double[] values, int[] idx, int n) {
        double[] out = new double[n];
        for (int k = 0; k < idx.length; k++) {
            out[idx[k]] = values[k];
        }
        return out;
    }
}
