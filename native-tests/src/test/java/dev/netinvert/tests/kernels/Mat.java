package dev.netinvert.tests.kernels;

import dev.netinvert.kernels.FloatMatrix;
import java.lang.foreign.Arena;

/**
 * A row-major {@code rows × cols} test matrix with leading dimension {@code ld}, stored in a {@link Buf}
 * (so it starts at byte offset {@code 64 + misalign} of a guarded segment). The {@code ld − cols} padding
 * floats after each row keep the buffer's signaling NaNs: a kernel that reads past the end of a row gets NaN.
 */
final class Mat {
    final Buf buf;
    final int rows, cols, ld;

    private Mat(Buf buf, int rows, int cols, int ld) {
        this.buf = buf;
        this.rows = rows;
        this.cols = cols;
        this.ld = ld;
    }

    /** A sealed matrix holding the row-major {@code values} ({@code rows·cols} floats, no padding). */
    static Mat of(Arena arena, Shape s, float[] values) {
        int span = s.rows() == 0 ? 0 : (s.rows() - 1) * s.ld() + s.cols();
        Buf buf = Buf.alloc(arena, span, s.misalign());
        for (int i = 0; i < s.rows(); i++) {
            buf.writeAt(i * s.ld(), values, i * s.cols(), s.cols());
        }
        return new Mat(buf.seal(), s.rows(), s.cols(), s.ld());
    }

    /** A sealed matrix of the given shape whose elements are all signaling NaNs (an output with β = 0). */
    static Mat garbage(Arena arena, Shape s) {
        int span = s.rows() == 0 ? 0 : (s.rows() - 1) * s.ld() + s.cols();
        return new Mat(Buf.alloc(arena, span, s.misalign()), s.rows(), s.cols(), s.ld());
    }

    /**
     * Fails unless, since the last seal, only the {@code rows × cols} elements changed: the row padding and the
     * guards keep their bytes.
     */
    void assertWrittenOnlyElements(String what) {
        buf.assertWrittenOnlyWithin(what, 0, rows == 0 ? 0 : (rows - 1) * ld + cols);
        float[] before = buf.snapshotFloats();
        float[] now = buf.read();
        for (int i = 0; i < now.length; i++) {
            if (i % ld >= cols && Float.floatToRawIntBits(now[i]) != Float.floatToRawIntBits(before[i])) {
                throw new AssertionError(what + ": padding element " + i + " (row " + i / ld + ", column " + i % ld
                        + " ≥ cols " + cols + ") was written");
            }
        }
    }

    /** Row-major {@code rows·cols} elements, padding dropped. */
    float[] packed() {
        float[] s = buf.read(), out = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(s, i * ld, out, i * cols, cols);
        }
        return out;
    }

    /** The matrix as the reference kernels take it: element (i, j) at {@code [i·ld + j]}, NaN padding. */
    float[] strided() {
        return buf.read();
    }

    FloatMatrix matrix() {
        return new FloatMatrix(buf.seg, buf.off, rows, cols, ld);
    }
}
