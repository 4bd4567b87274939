package dev.netinvert.solvers.batch;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import java.lang.foreign.MemorySegment;

/**
 * Views of a batch matrix made once, before an iteration loop, so that the loop allocates nothing: the
 * row views (one per slot) and the prefix views {@code rows(0, a)} for every active count a (the
 * lockstep solvers shrink the active set as observations stop, and a GEMM over the first a rows needs a
 * matrix view of exactly those rows).
 */
final class Rows {
    private Rows() {}

    /** {@code m.row(s)} for every row s. */
    static FloatVec[] of(FloatMatrix m) {
        FloatVec[] r = new FloatVec[m.rows()];
        for (int s = 0; s < r.length; s++) {
            r[s] = m.row(s);
        }
        return r;
    }

    /** {@code p[a] = m.rows(0, a)} for a = 0 … m.rows. */
    static FloatMatrix[] prefixes(FloatMatrix m) {
        FloatMatrix[] p = new FloatMatrix[m.rows() + 1];
        for (int a = 0; a <= m.rows(); a++) {
            p[a] = m.rows(0, a);
        }
        return p;
    }

    /** Exchanges rows i and j of m through {@code tmp} (at least m.cols elements); no allocation. */
    static void swap(FloatMatrix m, int i, int j, FloatVec tmp) {
        if (i == j) {
            return;
        }
        long bytes = (long) m.cols() * Float.BYTES;
        MemorySegment seg = m.segment();
        MemorySegment.copy(seg, m.rowOffset(i), tmp.segment(), tmp.byteOffset(), bytes);
        MemorySegment.copy(seg, m.rowOffset(j), seg, m.rowOffset(i), bytes);
        MemorySegment.copy(tmp.segment(), tmp.byteOffset(), seg, m.rowOffset(j), bytes);
    }

    /** Row i of src into row j of dst (same number of columns); no allocation. */
    static void copy(FloatMatrix src, int i, FloatMatrix dst, int j) {
        MemorySegment.copy(src.segment(), src.rowOffset(i), dst.segment(), dst.rowOffset(j), (long) src.cols() * Float.BYTES);
    }

    static void swap(double[] a, int i, int j) {
        double t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    static void swap(int[] a, int i, int j) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
