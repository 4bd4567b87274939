package dev.netinvert.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Fused;
import dev.netinvert.kernels.PackedMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad input at the public boundary ({@link Blas}, {@link Fused}, the {@link FloatVec} / {@link FloatMatrix}
 * constructors) fails before any kernel runs, with the documented exception type and a message that names
 * the argument and gives the expected and the actual value (DESIGN.md decision 9). W is 7×13 throughout.
 */
@Tag("kernels")
class ArgumentValidationTest {

    private Arena arena;
    private FloatMatrix w;

    @BeforeEach
    void allocate() {
        arena = Arena.ofConfined();
        w = FloatMatrix.allocate(arena, 7, 13);
    }

    @AfterEach
    void close() {
        arena.close();
    }

    private FloatVec vec(int n) {
        return FloatVec.allocate(arena, n);
    }

    /** Asserts the exception type and that its message contains every fragment. */
    private static <T extends Throwable> void assertFails(Class<T> type, Executable call, String... fragments) {
        T e = assertThrows(type, call);
        String msg = String.valueOf(e.getMessage());
        for (String f : fragments) {
            assertTrue(msg.contains(f), () -> "message \"" + msg + "\" should contain \"" + f + "\"");
        }
    }

    // ---------------------------------------------------------------- lengths and shapes

    @Test
    void vectorOperationsRejectMismatchedLengths() {
        FloatVec x = vec(5), y = vec(6);
        assertFails(IllegalArgumentException.class, () -> Blas.dot(x, y), "y: expected length 5", "x.length", "got 6");
        assertFails(IllegalArgumentException.class, () -> Blas.axpy(2f, x, y), "y: expected length 5", "got 6");
        assertFails(IllegalArgumentException.class, () -> Blas.copy(y, x), "dst: expected length 6", "src.length",
                "got 5");
    }

    @Test
    void gemvRejectsMismatchedShapes() {
        assertFails(IllegalArgumentException.class, () -> Blas.gemv(1f, w, vec(12), 0f, vec(7)),
                "x: expected length 13", "W.cols", "got 12");
        assertFails(IllegalArgumentException.class, () -> Blas.gemv(1f, w, vec(13), 0f, vec(8)),
                "y: expected length 7", "W.rows", "got 8");
        assertFails(IllegalArgumentException.class, () -> Blas.gemv(1f, w, vec(13), 0f, vec(7), vec(6)),
                "b: expected length 7", "W.rows", "got 6");
        // The transposed shapes are not accepted for the plain product.
        assertFails(IllegalArgumentException.class, () -> Blas.gemv(1f, w, vec(7), 0f, vec(13)), "x: expected length 13",
                "got 7");
    }

    @Test
    void gemvTRejectsMismatchedShapes() {
        assertFails(IllegalArgumentException.class, () -> Blas.gemvT(1f, w, vec(13), 0f, vec(13)),
                "r: expected length 7", "W.rows", "got 13");
        assertFails(IllegalArgumentException.class, () -> Blas.gemvT(1f, w, vec(7), 0f, vec(7)),
                "y: expected length 13", "W.cols", "got 7");
    }

    @Test
    void bregmanGradientRejectsMismatchedShapes() {
        Activation s = Activation.RELU;
        assertFails(IllegalArgumentException.class, () -> Fused.bregmanGradient(s, w, vec(7), null, vec(7), vec(7), vec(13)),
                "x: expected length 13", "W.cols", "got 7");
        assertFails(IllegalArgumentException.class, () -> Fused.bregmanGradient(s, w, vec(13), null, vec(7), vec(7), vec(7)),
                "g: expected length 13", "W.cols", "got 7");
        assertFails(IllegalArgumentException.class, () -> Fused.bregmanGradient(s, w, vec(13), null, vec(8), vec(7), vec(13)),
                "t: expected length 7", "W.rows", "got 8");
        assertFails(IllegalArgumentException.class, () -> Fused.bregmanGradient(s, w, vec(13), null, vec(7), vec(6), vec(13)),
                "z: expected length 7", "W.rows", "got 6");
        assertFails(IllegalArgumentException.class, () -> Fused.bregmanGradient(s, w, vec(13), vec(13), vec(7), vec(7), vec(13)),
                "b: expected length 7", "W.rows", "got 13");
    }

    // ---------------------------------------------------------------- row ranges

    @Test
    void rowRangesOutsideTheMatrixOrReversedAreRejected() {
        FloatVec x = vec(13), y = vec(7), r = vec(7), g = vec(13), t = vec(7), z = vec(7);
        int[][] bad = {{-1, 3}, {0, 8}, {4, 3}, {8, 8}, {-2, -1}};
        for (int[] rr : bad) {
            String range = "[" + rr[0] + ", " + rr[1] + ")";
            assertFails(IndexOutOfBoundsException.class, () -> Blas.gemvRows(1f, w, rr[0], rr[1], x, 0f, y, null),
                    "row range", range, "[0, 7)");
            assertFails(IndexOutOfBoundsException.class, () -> Blas.gemvTRows(1f, w, rr[0], rr[1], r, 0f, g),
                    "row range", range, "[0, 7)");
            assertFails(IndexOutOfBoundsException.class,
                    () -> Fused.bregmanGradientRows(Activation.IDENTITY, w, rr[0], rr[1], x, null, t, z, g),
                    "row range", range, "[0, 7)");
        }
        // The edges are legal: empty ranges at both ends and the whole matrix.
        for (int[] ok : new int[][] {{0, 0}, {7, 7}, {0, 7}, {6, 7}}) {
            assertDoesNotThrow(() -> Blas.gemvRows(1f, w, ok[0], ok[1], x, 0f, y, null));
            assertDoesNotThrow(() -> Blas.gemvTRows(1f, w, ok[0], ok[1], r, 0f, g));
            assertDoesNotThrow(() -> Fused.bregmanGradientRows(Activation.IDENTITY, w, ok[0], ok[1], x, null, t, z, g));
        }
    }

    // ---------------------------------------------------------------- views

    @Test
    void vectorViewsMustLieInsideTheirSegment() {
        MemorySegment seg = arena.allocate(64);
        assertFails(IndexOutOfBoundsException.class, () -> FloatVec.wrap(seg, 4, 16), "vector", "[4, 68)", "64 bytes");
        assertFails(IndexOutOfBoundsException.class, () -> FloatVec.wrap(seg, 63, 1), "vector", "[63, 67)", "64 bytes");
        assertFails(IndexOutOfBoundsException.class, () -> FloatVec.wrap(seg, 65, 0), "vector", "[65, 65)", "64 bytes");
        assertFails(IndexOutOfBoundsException.class, () -> FloatVec.wrap(seg, -4, 1), "byteOffset must be >= 0",
                "got -4");
        assertFails(IllegalArgumentException.class, () -> FloatVec.wrap(seg, 0, -1), "length must be >= 0", "got -1");
        assertFails(IllegalArgumentException.class, () -> FloatVec.allocate(arena, -3), "length must be >= 0", "got -3");
        assertFails(IllegalArgumentException.class, () -> FloatVec.wrap(arena.allocate(6)), "whole number of floats",
                "6 bytes");
        // The exact fit and an unaligned but in-range view are fine.
        assertEquals(16, FloatVec.wrap(seg, 0, 16).length());
        assertEquals(15, FloatVec.wrap(seg, 3, 15).length());
        assertEquals(0, FloatVec.wrap(seg, 64, 0).length());
        FloatVec v = FloatVec.wrap(seg, 0, 16);
        assertThrows(IndexOutOfBoundsException.class, () -> v.slice(10, 7));
        assertThrows(IndexOutOfBoundsException.class, () -> v.slice(-1, 2));
    }

    @Test
    void matrixViewsMustLieInsideTheirSegmentWithLdAtLeastCols() {
        MemorySegment seg = arena.allocate(400); // 100 floats
        assertFails(IndexOutOfBoundsException.class, () -> new FloatMatrix(seg, 8, 10, 10, 10), "matrix 10×10 (ld 10)",
                "[8, 408)", "400 bytes");
        assertFails(IndexOutOfBoundsException.class, () -> FloatMatrix.wrap(seg, 0, 11, 10), "[0, 440)", "400 bytes");
        // With ld > cols the last row needs no padding: 3×5, ld 8 spans (2·8 + 5)·4 = 84 bytes.
        assertEquals(3, new FloatMatrix(arena.allocate(84), 0, 3, 5, 8).rows());
        assertFails(IndexOutOfBoundsException.class, () -> new FloatMatrix(arena.allocate(84), 1, 3, 5, 8), "[1, 85)",
                "84 bytes");
        assertFails(IndexOutOfBoundsException.class, () -> new FloatMatrix(seg, -8, 2, 2, 2), "byteOffset must be >= 0",
                "got -8");
        assertFails(IllegalArgumentException.class, () -> new FloatMatrix(seg, 0, 3, 5, 4), "ld must be >= max(cols, 1) = 5",
                "got 4");
        assertFails(IllegalArgumentException.class, () -> new FloatMatrix(seg, 0, 3, 0, 0), "ld must be >= max(cols, 1) = 1",
                "got 0");
        assertFails(IllegalArgumentException.class, () -> new FloatMatrix(seg, 0, -1, 5, 5), "shape must be non-negative",
                "-1×5");
        assertFails(IllegalArgumentException.class, () -> new FloatMatrix(seg, 0, 2, -5, 5), "shape must be non-negative",
                "2×-5");
        assertFails(IllegalArgumentException.class, () -> FloatMatrix.allocate(arena, 3, 5, 4), "ld must be >= max(cols, 1) = 5",
                "got 4");
        assertFails(IllegalArgumentException.class, () -> FloatMatrix.of(arena, 2, 3, new float[5]), "values: expected",
                "2×3 = 6", "got 5");
        assertThrows(IndexOutOfBoundsException.class, () -> w.rows(3, 8));
        assertThrows(IndexOutOfBoundsException.class, () -> w.rows(4, 3));
    }

    // ---------------------------------------------------------------- nulls

    @Test
    void nullArgumentsAreNamed() {
        FloatVec x = vec(13), y = vec(7), t = vec(7), z = vec(7), g = vec(13);
        assertFails(NullPointerException.class, () -> Blas.dot(null, x), "x must not be null");
        assertFails(NullPointerException.class, () -> Blas.dot(x, null), "y must not be null");
        assertFails(NullPointerException.class, () -> Blas.axpy(1f, x, null), "y must not be null");
        assertFails(NullPointerException.class, () -> Blas.scale(2f, null), "x must not be null");
        assertFails(NullPointerException.class, () -> Blas.fill(null, 0f), "x must not be null");
        assertFails(NullPointerException.class, () -> Blas.copy(null, x), "src must not be null");
        assertFails(NullPointerException.class, () -> Blas.sumOfSquares(null), "x must not be null");
        assertFails(NullPointerException.class, () -> Blas.norm2(null), "x must not be null");
        assertFails(NullPointerException.class, () -> Blas.maxAbs(null), "x must not be null");
        assertFails(NullPointerException.class, () -> Blas.gemvRows(1f, null, 0, 0, x, 0f, y, null), "W must not be null");
        assertFails(NullPointerException.class, () -> Blas.gemv(1f, w, null, 0f, y), "x must not be null");
        assertFails(NullPointerException.class, () -> Blas.gemv(1f, w, x, 0f, null), "y must not be null");
        assertFails(NullPointerException.class, () -> Blas.gemvT(1f, w, null, 0f, g), "r must not be null");
        assertFails(NullPointerException.class, () -> Blas.gemvTRows(1f, null, 0, 0, y, 0f, g), "W must not be null");
        assertFails(NullPointerException.class, () -> Fused.bregmanGradient(null, w, x, null, t, z, g), "sigma");
        assertFails(NullPointerException.class, () -> Fused.bregmanGradientRows(Activation.RELU, null, 0, 0, x, null, t, z, g),
                "W must not be null");
        assertFails(NullPointerException.class, () -> Fused.bregmanGradient(Activation.RELU, w, x, null, null, z, g),
                "t must not be null");
        assertFails(NullPointerException.class, () -> Fused.bregmanGradient(Activation.RELU, w, x, null, t, null, g),
                "z must not be null");
        assertFails(NullPointerException.class, () -> Fused.bregmanGradient(Activation.RELU, w, x, null, t, z, null),
                "g must not be null");
        assertFails(NullPointerException.class, () -> Blas.gemv(1f, null, x, 0f, y), "W must not be null");
        assertFails(NullPointerException.class, () -> Blas.gemvT(1f, null, y, 0f, g), "W must not be null");
        assertFails(NullPointerException.class, () -> Fused.bregmanGradient(Activation.RELU, null, x, null, t, z, g),
                "W must not be null");
        assertFails(NullPointerException.class, () -> FloatVec.wrap(null, 0, 1), "segment");
        assertFails(NullPointerException.class, () -> FloatVec.allocate(null, 1), "arena");
        assertFails(NullPointerException.class, () -> new FloatMatrix(null, 0, 1, 1, 1), "segment");
    }

    // ---------------------------------------------------------------- aliasing

    @Test
    void outputsOverlappingInputsAreRejected() {
        MemorySegment seg = arena.allocate(4L * 64, 64);
        FloatVec x = FloatVec.wrap(seg, 0, 13);
        FloatVec yOverX = FloatVec.wrap(seg, 4L * 10, 7);    // shares x[10..12]
        FloatVec yByteOverX = FloatVec.wrap(seg, 4L * 13 - 1, 7); // shares one byte of x[12]
        assertFails(IllegalArgumentException.class, () -> Blas.gemv(1f, w, x, 0f, yOverX), "y and x must not overlap");
        assertFails(IllegalArgumentException.class, () -> Blas.gemv(1f, w, x, 0f, yByteOverX), "y and x must not overlap");
        assertFails(IllegalArgumentException.class, () -> Blas.gemvRows(1f, w, 0, 1, x, 0f, yOverX, null),
                "y and x must not overlap");

        FloatVec r = FloatVec.wrap(seg, 4L * 20, 7), yOverR = FloatVec.wrap(seg, 4L * 14, 13);
        assertFails(IllegalArgumentException.class, () -> Blas.gemvT(1f, w, r, 0f, yOverR), "y and r must not overlap");

        FloatVec t = FloatVec.wrap(seg, 4L * 40, 7), z = FloatVec.wrap(seg, 4L * 50, 7), g = FloatVec.wrap(seg, 4L * 20, 13);
        Activation s = Activation.RELU;
        assertFails(IllegalArgumentException.class,
                () -> Fused.bregmanGradient(s, w, x, null, t, z, FloatVec.wrap(seg, 4L * 5, 13)), "g and x must not overlap");
        assertFails(IllegalArgumentException.class,
                () -> Fused.bregmanGradient(s, w, x, null, t, FloatVec.wrap(seg, 4L * 12, 7), g), "z and x must not overlap");
        assertFails(IllegalArgumentException.class,
                () -> Fused.bregmanGradient(s, w, x, null, t, FloatVec.wrap(seg, 4L * 30, 7), g), "g and z must not overlap");
        assertFails(IllegalArgumentException.class,
                () -> Fused.bregmanGradient(s, w, x, null, t, FloatVec.wrap(seg, 4L * 46, 7), g), "z and t must not overlap");

        // Outputs over the target, the bias or W itself: the target would be zeroed before it is read.
        assertFails(IllegalArgumentException.class,
                () -> Fused.bregmanGradient(s, w, x, null, FloatVec.wrap(seg, 4L * 22, 7), z, g), "g and t must not overlap");
        assertFails(IllegalArgumentException.class,
                () -> Fused.bregmanGradient(s, w, x, FloatVec.wrap(seg, 4L * 25, 7), t, z, g), "g and b must not overlap");
        assertFails(IllegalArgumentException.class,
                () -> Fused.bregmanGradient(s, w, x, FloatVec.wrap(seg, 4L * 52, 7), t, z, g), "z and b must not overlap");
        FloatMatrix wInSeg = new FloatMatrix(seg, 4L * 14, 7, 3, 3);
        FloatVec x3 = FloatVec.wrap(seg, 0, 3);
        assertFails(IllegalArgumentException.class, () -> Blas.gemv(1f, wInSeg, x3, 0f, FloatVec.wrap(seg, 4L * 20, 7)),
                "y and W must not overlap");
        assertFails(IllegalArgumentException.class, () -> Blas.gemvT(1f, wInSeg, t, 0f, FloatVec.wrap(seg, 4L * 30, 3)),
                "y and W must not overlap");
        assertFails(IllegalArgumentException.class, () -> Blas.axpy(1f, FloatVec.wrap(seg, 4L, 7),
                FloatVec.wrap(seg, 0, 7)), "y and x must not overlap");
        assertDoesNotThrow(() -> Blas.axpy(1f, FloatVec.wrap(seg, 0, 7), FloatVec.wrap(seg, 0, 7)),
                "axpy in place on identical views (y = (1 + a)·y) is allowed");

        // Adjacent views share no byte and are accepted.
        FloatVec yNextToX = FloatVec.wrap(seg, 4L * 13, 7);
        assertDoesNotThrow(() -> Blas.gemv(1f, w, x, 0f, yNextToX));
        assertDoesNotThrow(() -> Fused.bregmanGradient(s, w, x, null, t, z, g));
    }

    /**
     * The products with W packed ({@link Blas#pack}) check their arguments as the unpacked ones do, and the packed
     * copy's own arena too. 20 rows: past the few-rows routes, where the SIMD kernels read the packed copy.
     */
    @Test
    void packedOperandsAreCheckedLikeTheirMatrix() {
        FloatMatrix d = FloatMatrix.allocate(arena, 20, 7), z = FloatMatrix.allocate(arena, 20, 13);
        FloatMatrix x = FloatMatrix.allocate(arena, 20, 13), y = FloatMatrix.allocate(arena, 20, 7);
        PackedMatrix wp = Blas.pack(arena, w);
        assertEquals(w, wp.matrix());
        assertEquals(Blas.active().gemmPackedBytes(7, 13), wp.packedBytes());
        assertDoesNotThrow(() -> Blas.gemmNN(1f, d, wp, 0f, z));
        assertDoesNotThrow(() -> Blas.gemmNT(1f, x, wp, 0f, y, null));

        assertFails(IllegalArgumentException.class, () -> Blas.gemmNN(1f, FloatMatrix.allocate(arena, 20, 8), wp, 0f, z),
                "D.cols = W.rows", "20×8", "7×13");
        assertFails(IllegalArgumentException.class, () -> Blas.gemmNT(1f, x, wp, 0f, FloatMatrix.allocate(arena, 20, 8),
                null), "Y: expected 20×7", "got 20×8");
        assertFails(IllegalArgumentException.class, () -> Blas.gemmNT(1f, x, wp, 0f, y, vec(6)), "b");
        assertFails(NullPointerException.class, () -> Blas.gemmNN(1f, d, (PackedMatrix) null, 0f, z), "W must not be null");
        assertFails(NullPointerException.class, () -> Blas.pack(arena, null), "W must not be null");

        Arena dead = Arena.ofConfined();
        PackedMatrix packedInDead = Blas.pack(dead, w);
        FloatMatrix deadW = FloatMatrix.allocate(dead, 7, 13);
        PackedMatrix ofDeadW = Blas.pack(arena, deadW);
        dead.close();
        assertFails(IllegalStateException.class, () -> Blas.gemmNN(1f, d, ofDeadW, 0f, z), "W: its arena is already closed");
        assertFails(IllegalStateException.class, () -> Blas.gemmNT(1f, x, ofDeadW, 0f, y, null),
                "W: its arena is already closed");
        if (packedInDead.isPacked()) {
            assertFails(IllegalStateException.class, () -> Blas.gemmNN(1f, d, packedInDead, 0f, z),
                    "W (packed): its arena is already closed");
            assertFails(IllegalStateException.class, () -> Blas.gemmNT(1f, x, packedInDead, 0f, y, null),
                    "W (packed): its arena is already closed");
        }
    }

    // ---------------------------------------------------------------- lifetime

    @Test
    void closedArenasAreReportedByArgumentName() {
        FloatVec live13 = vec(13), live7 = vec(7);
        Arena dead = Arena.ofConfined();
        FloatVec dead13 = FloatVec.allocate(dead, 13), dead7 = FloatVec.allocate(dead, 7);
        FloatMatrix deadW = FloatMatrix.allocate(dead, 7, 13);
        dead.close();

        assertFails(IllegalStateException.class, () -> Blas.dot(dead13, live13), "x: its arena is already closed");
        assertFails(IllegalStateException.class, () -> Blas.dot(live13, dead13), "y: its arena is already closed");
        assertFails(IllegalStateException.class, () -> Blas.axpy(1f, live13, dead13), "y: its arena is already closed");
        assertFails(IllegalStateException.class, () -> Blas.scale(2f, dead13), "x: its arena is already closed");
        assertFails(IllegalStateException.class, () -> Blas.fill(dead13, 1f), "x: its arena is already closed");
        assertFails(IllegalStateException.class, () -> Blas.copy(live13, dead13), "dst: its arena is already closed");
        assertFails(IllegalStateException.class, () -> Blas.norm2(dead13), "x: its arena is already closed");
        assertFails(IllegalStateException.class, () -> Blas.maxAbs(dead13), "x: its arena is already closed");
        assertFails(IllegalStateException.class, () -> Blas.gemv(1f, deadW, live13, 0f, live7),
                "W: its arena is already closed");
        assertFails(IllegalStateException.class, () -> Blas.gemv(1f, w, dead13, 0f, live7), "x: its arena is already closed");
        assertFails(IllegalStateException.class, () -> Blas.gemv(1f, w, live13, 0f, dead7), "y: its arena is already closed");
        assertFails(IllegalStateException.class, () -> Blas.gemv(1f, w, live13, 0f, live7, dead7),
                "b: its arena is already closed");
        assertFails(IllegalStateException.class, () -> Blas.gemvT(1f, w, dead7, 0f, live13), "r: its arena is already closed");
        assertFails(IllegalStateException.class,
                () -> Fused.bregmanGradient(Activation.RELU, w, live13, null, live7, vec(7), dead13),
                "g: its arena is already closed");
        assertFails(IllegalStateException.class,
                () -> Fused.bregmanGradient(Activation.RELU, w, live13, null, dead7, vec(7), vec(13)),
                "t: its arena is already closed");
    }
}
