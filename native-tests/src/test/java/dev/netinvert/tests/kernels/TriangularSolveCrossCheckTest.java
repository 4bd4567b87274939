package dev.netinvert.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.reference.ReferenceKernels;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The triangular solves x ← L⁻¹x and x ← L⁻ᵀx of every implementation in this JVM against
 * {@link ReferenceKernels#trsvLower} / {@link ReferenceKernels#trsvLowerTransposed} (sequential substitution in
 * float), at sizes around the vector widths and the 4-row blocking, each twice: with ld = n and x just after the
 * guard, and with padded rows (ld = n + 5) and x and L at offsets that are not multiples of 4 bytes. The upper
 * triangle of L and the row padding are NaN, so a kernel that reads above the diagonal or past a row fails.
 *
 * <p>Test matrices: L_ii = 1 + |N(0,1)|, L_ij = N(0,1)/√n below the diagonal. The diagonal dominates the
 * off-diagonal row norm (about 1), so L is well conditioned at every n and the bounds below stay small.
 *
 * <p>Tolerances, from the backward error of substitution (Higham, <i>Accuracy and Stability of Numerical
 * Algorithms</i>, Thm. 8.5): the computed x̂ of T x = b (T = L or Lᵀ) solves (T + ΔT) x̂ = b with
 * |ΔT| ≤ γ_k·|T| elementwise, whatever the order of each row's sum, where k bounds the roundings a term meets:
 * at most n − 1 additions, one product (none with FMA) and the division, so k = n + 1. Hence
 * <ul>
 *   <li>the residual |b − T x̂| ≤ γ_{n+1}·|T|·|x̂| (checked in double: {@link #solveThenMultiply});</li>
 *   <li>the forward error |x̂ − x| ≤ γ_{n+1}·|T⁻¹|·|T|·|x̂|, so a fast and the reference result differ by at most
 *       γ_{n+1}·|T⁻¹|·|T|·(|x̂_fast| + |x̂_ref|), with T⁻¹ computed in double (its own error, ~κ·10⁻¹⁶, is far
 *       below the bound's slack).</li>
 * </ul>
 * And on small integers ({@link #integersExactly}) every partial sum is an integer far below 2²⁴ and every
 * division is by ±1, so every implementation must return the exact solution.
 */
@Tag("kernels")
class TriangularSolveCrossCheckTest {

    static final int[] SIZES = {1, 2, 3, 4, 5, 15, 16, 17, 31, 33, 63, 64, 65, 127, 257, 1023};

    /** L (row-major, ld = n, NaN above the diagonal) and |L⁻¹| in double, per n: shared by every case of that n. */
    record Fixture(float[] l, double[] absInv) {}

    private static final Map<Integer, Fixture> FIXTURES = new ConcurrentHashMap<>();

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Impl impl : Impl.all()) {
            for (int n : SIZES) {
                out.add(Arguments.of(impl, n));
            }
        }
        return out.stream();
    }

    /** The two layouts of a case: compact and aligned, padded and misaligned (odd byte offsets). */
    static List<Shape> layouts(int n) {
        return List.of(new Shape(n, n, n, 0), new Shape(n, n, n + 5, 7));
    }

    static Fixture fixture(int n) {
        return FIXTURES.computeIfAbsent(n, k -> {
            SplittableRandom rnd = Data.random("trsv", n);
            float[] l = new float[n * n];
            double scale = 1 / Math.sqrt(n);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    l[i * n + j] = j < i ? (float) (gaussian(rnd) * scale)
                            : j == i ? (float) (1 + Math.abs(gaussian(rnd))) : Float.NaN;
                }
            }
            // |L⁻¹| by forward substitution on the columns of I, in double.
            double[] inv = new double[n * n];
            for (int c = 0; c < n; c++) {
                for (int i = c; i < n; i++) {
                    double s = i == c ? 1 : 0;
                    for (int j = c; j < i; j++) {
                        s -= l[i * n + j] * inv[j * n + c];
                    }
                    inv[i * n + c] = s / l[i * n + i];
                }
            }
            for (int i = 0; i < inv.length; i++) {
                inv[i] = Math.abs(inv[i]);
            }
            return new Fixture(l, inv);
        });
    }

    static double gaussian(SplittableRandom rnd) {
        // Box–Muller, one of the pair: SplittableRandom has no nextGaussian on every JDK this builds with.
        return Math.sqrt(-2 * Math.log(1 - rnd.nextDouble())) * Math.cos(2 * Math.PI * rnd.nextDouble());
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("cases")
    void againstReference(Impl impl, int n) {
        Fixture f = fixture(n);
        SplittableRandom rnd = Data.random("trsv-rhs", n);
        try (Arena arena = Arena.ofConfined()) {
            for (Shape s : layouts(n)) {
                for (boolean transposed : new boolean[] {false, true}) {
                    float[] b = Data.uniform(rnd, n, -1, 1);
                    Mat ml = Mat.of(arena, s, f.l());
                    Buf bx = Buf.of(arena, b, s.vecMisalign(0));
                    float[] ref = b.clone();
                    if (transposed) {
                        ReferenceKernels.trsvLowerTransposed(ml.strided(), s.ld(), ref);
                        impl.trsvLowerTransposed(ml, bx);
                    } else {
                        ReferenceKernels.trsvLower(ml.strided(), s.ld(), ref);
                        impl.trsvLower(ml, bx);
                    }
                    String what = impl + (transposed ? " trsvLowerTransposed " : " trsvLower ") + s;
                    float[] got = bx.read();
                    double[] a = new double[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = Math.abs((double) got[i]) + Math.abs((double) ref[i]);
                    }
                    // tol = γ_{n+1}·|T⁻¹|·|T|·(|x̂_fast| + |x̂_ref|), T = L or Lᵀ.
                    // For T = Lᵀ: |T⁻¹| = |L⁻¹|ᵀ and |T| = |L|ᵀ.
                    double[] tol = absMulL(f.absInv(), n, absMulL(f.l(), n, a, transposed), transposed);
                    double g = Tol.gamma(n + 1);
                    for (int i = 0; i < n; i++) {
                        tol[i] *= g;
                    }
                    Tol.assertAllWithin(what, ref, got, tol, 0, n);
                    bx.assertWrittenOnlyWithin(what + ": x", 0, n);
                    ml.buf.assertUnchanged(what + ": L");
                }
            }
        }
    }

    /**
     * |M|·v for a lower-triangular n × n M stored row-major with ld = n (M = L as floats with NaN above the
     * diagonal, or |L⁻¹| in double), or |M|ᵀ·v when {@code transpose}.
     */
    private static double[] absMulL(float[] m, int n, double[] v, boolean transpose) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double e = Math.abs((double) m[i * n + j]);
                if (transpose) {
                    out[j] += e * v[i];
                } else {
                    out[i] += e * v[j];
                }
            }
        }
        return out;
    }

    private static double[] absMulL(double[] m, int n, double[] v, boolean transpose) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                if (transpose) {
                    out[j] += m[i * n + j] * v[i];
                } else {
                    out[i] += m[i * n + j] * v[j];
                }
            }
        }
        return out;
    }

    /**
     * Solve, then multiply back in double: |b − T x̂| ≤ γ_{n+1}·|T|·|x̂| elementwise (the backward error bound,
     * independent of the conditioning).
     */
    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("cases")
    void solveThenMultiply(Impl impl, int n) {
        float[] l = fixture(n).l();
        SplittableRandom rnd = Data.random("trsv-residual", n);
        try (Arena arena = Arena.ofConfined()) {
            Shape s = layouts(n).get(1);
            for (boolean transposed : new boolean[] {false, true}) {
                float[] b = Data.uniform(rnd, n, -4, 4);
                Mat ml = Mat.of(arena, s, l);
                Buf bx = Buf.of(arena, b, s.vecMisalign(1));
                if (transposed) {
                    impl.trsvLowerTransposed(ml, bx);
                } else {
                    impl.trsvLower(ml, bx);
                }
                float[] x = bx.read();
                double[] absX = new double[n], tx = new double[n];
                for (int i = 0; i < n; i++) {
                    absX[i] = Math.abs((double) x[i]);
                    for (int j = 0; j <= i; j++) {
                        if (transposed) {
                            tx[j] += (double) l[i * n + j] * x[i];
                        } else {
                            tx[i] += (double) l[i * n + j] * x[j];
                        }
                    }
                }
                double[] bound = absMulL(l, n, absX, transposed);
                double g = Tol.gamma(n + 1);
                for (int i = 0; i < n; i++) {
                    double r = Math.abs(b[i] - tx[i]);
                    int row = i;
                    assertTrue(r <= g * bound[i], () -> impl + (transposed ? " Lᵀ" : " L") + " n=" + n + " residual["
                            + row + "] = " + r + " exceeds γ_{n+1}·(|T||x̂|)_i = " + g * bound[row]);
                }
            }
        }
    }

    /**
     * Integer L (diagonal ±1, off-diagonal in {−1, 0, 1}) and an integer solution in [−4, 4]: b = L·x exactly,
     * every partial sum of either substitution is an integer of magnitude at most 8n &lt; 2²⁴ and every division
     * is by ±1, so any summation order is exact and the solution must come back bit for bit. Catches a dropped,
     * doubled or misplaced term at any n, which a rounding tolerance could hide.
     */
    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("cases")
    void integersExactly(Impl impl, int n) {
        SplittableRandom rnd = Data.random("trsv-int", n);
        float[] l = new float[n * n];
        Arrays.fill(l, Float.NaN);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                l[i * n + j] = rnd.nextInt(-1, 2);
            }
            l[i * n + i] = rnd.nextBoolean() ? 1 : -1;
        }
        float[] x = Data.ints(rnd, n, -4, 4);
        try (Arena arena = Arena.ofConfined()) {
            for (Shape s : layouts(n)) {
                for (boolean transposed : new boolean[] {false, true}) {
                    float[] b = new float[n];
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j <= i; j++) {
                            if (transposed) {
                                b[j] += l[i * n + j] * x[i];
                            } else {
                                b[i] += l[i * n + j] * x[j];
                            }
                        }
                    }
                    Mat ml = Mat.of(arena, s, l);
                    Buf bx = Buf.of(arena, b, s.vecMisalign(2));
                    if (transposed) {
                        impl.trsvLowerTransposed(ml, bx);
                    } else {
                        impl.trsvLower(ml, bx);
                    }
                    Tol.assertAllExact(impl + (transposed ? " Lᵀ" : " L") + " integers " + s, x, bx.read(), 0, n);
                }
            }
        }
    }

    @Test
    void facadeValidatesArguments() {
        try (Arena arena = Arena.ofConfined()) {
            FloatMatrix l = FloatMatrix.allocate(arena, 5, 5);
            FloatMatrix rect = FloatMatrix.allocate(arena, 5, 6);
            FloatVec x = FloatVec.allocate(arena, 5);
            for (boolean t : new boolean[] {false, true}) {
                assertMessage(() -> solve(t, rect, FloatVec.allocate(arena, 5)), "L: expected a square matrix",
                        "got 5×6");
                assertMessage(() -> solve(t, l, FloatVec.allocate(arena, 4)), "x: expected length 5", "L.rows",
                        "got 4");
                // x inside L's memory: row 1 of L.
                assertMessage(() -> solve(t, l, l.row(1)), "x and L must not overlap");
                assertThrows(NullPointerException.class, () -> solve(t, null, x));
                assertThrows(NullPointerException.class, () -> solve(t, l, null));
                // Empty systems are fine.
                solve(t, FloatMatrix.allocate(arena, 0, 0), FloatVec.allocate(arena, 0));
            }
        }
        Arena closed = Arena.ofConfined();
        FloatMatrix l = FloatMatrix.allocate(closed, 3, 3);
        FloatVec x = FloatVec.allocate(closed, 3);
        closed.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Blas.trsvLower(l, x));
        assertTrue(e.getMessage().contains("L: its arena is already closed"), e.getMessage());
    }

    private static void solve(boolean transposed, FloatMatrix l, FloatVec x) {
        if (transposed) {
            Blas.trsvLowerTransposed(l, x);
        } else {
            Blas.trsvLower(l, x);
        }
    }

    private static void assertMessage(Executable e, String... fragments) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        for (String f : fragments) {
            assertTrue(x.getMessage().contains(f), "message '" + x.getMessage() + "' should contain '" + f + "'");
        }
    }
}
