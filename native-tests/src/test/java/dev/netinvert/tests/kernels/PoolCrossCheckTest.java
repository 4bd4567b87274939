package dev.netinvert.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netinvert.kernels.ConvShape;
import dev.netinvert.kernels.ConvSupport;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.kernels.Pool;
import dev.netinvert.kernels.PoolShape;
import dev.netinvert.kernels.reference.ReferenceConv;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Max and average pooling ({@link ConvSupport} raw, both families, and the {@link Pool} facade) against
 * {@link ReferenceConv} and PyTorch's rules: −∞ padding, ties to the first element in row-major window order,
 * NaN propagating (index of the last NaN), the average dividing by k² with the padding counted; and the
 * adjoints: ⟨avg x, v⟩ = ⟨x, avgᵀ v⟩ and ⟨S x, v⟩ = ⟨x, Sᵀ v⟩ for the fixed switch S of argmax.
 *
 * <p>Tolerances: max pooling and its adjoint move values (exact); the average is a float sum of at most k²
 * terms divided by k², within (k² + 1)·u·Σ|terms|/k² of the exact value.
 */
@Tag("kernels")
class PoolCrossCheckTest {

    static final double U = 0x1p-24;
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** {C, H, W, k, stride, padding}. */
    static final int[][] SHAPES = {
        {6, 28, 28, 2, 2, 0}, {16, 10, 10, 2, 2, 0}, {1, 1, 1, 1, 1, 0}, {1, 5, 7, 3, 2, 1}, {3, 9, 4, 2, 1, 1},
        {8, 13, 17, 3, 3, 1}, {3, 16, 15, 4, 2, 2}, {1, 33, 31, 5, 2, 2}, {2, 7, 7, 3, 1, 0}, {1, 2, 40, 2, 2, 1},
    };

    static Stream<Arguments> cases() {
        List<ConvSupport> impls = new ArrayList<>();
        impls.add(KernelProvider.scalar().convSupport());
        KernelProvider.simd().ifPresent(p -> impls.add(p.convSupport()));
        List<Arguments> out = new ArrayList<>();
        for (ConvSupport impl : impls) {
            for (int[] s : SHAPES) {
                out.add(Arguments.of(impl, new PoolShape(s[0], s[1], s[2], s[3], s[4], s[5])));
            }
        }
        return out.stream();
    }

    @AutoClose
    final Arena arena = Arena.ofConfined();

    /** Values from a small set so that windows hold ties; some NaN; all −∞ in a few windows. */
    static float[] awkward(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int k = 0; k < n; k++) {
            int r = rnd.nextInt(40);
            a[k] = r == 0 ? Float.NaN : r == 1 ? Float.NEGATIVE_INFINITY : r < 5 ? -7f : (float) (rnd.nextInt(9) - 6);
        }
        return a;
    }

    FloatVec at(float[] a, int shift) {
        FloatVec v = FloatVec.allocate(arena, a.length + shift).slice(shift, a.length);
        v.copyFrom(a);
        return v;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void maxPoolFollowsPyTorchAndItsSwitchAdjointIsExact(ConvSupport impl, PoolShape s) {
        SplittableRandom rnd = new SplittableRandom(s.hashCode());
        float[] x = awkward(rnd, s.inputs());
        float[] ey = new float[s.outputs()];
        int[] ea = new int[s.outputs()];
        ReferenceConv.maxPool(s.channels(), s.inHeight(), s.inWidth(), s.kernel(), s.stride(), s.padding(), x, ey, ea);
        FloatVec bx = at(x, 3), by = at(new float[s.outputs()], 1);
        MemorySegment am = arena.allocate(4L * s.outputs() + 4).asSlice(4);
        impl.maxPool(s, bx.segment(), bx.byteOffset(), by.segment(), by.byteOffset(), am, 0);
        float[] y = by.toArray();
        for (int o = 0; o < y.length; o++) {
            assertEquals(Float.floatToRawIntBits(ey[o]) | (Float.isNaN(ey[o]) ? -1 : 0),
                    Float.floatToRawIntBits(y[o]) | (Float.isNaN(y[o]) ? -1 : 0), impl.name() + " max " + s + " at " + o);
            assertEquals(ea[o], am.get(INT, 4L * o), impl.name() + " argmax " + s + " at " + o);
            assertTrue(Float.isNaN(y[o]) ? Float.isNaN(x[ea[o]]) : x[ea[o]] == y[o], "y is x at its argmax");
        }
        // The adjoint of the switch: exact sums of v into the argmax positions.
        float[] v = new float[s.outputs()];
        for (int o = 0; o < v.length; o++) v[o] = rnd.nextInt(17) - 8;
        float[] eo = new float[s.inputs()];
        ReferenceConv.maxPoolAdjoint(ea, v, eo);
        FloatVec bv = at(v, 2), bo = at(awkward(rnd, s.inputs()), 5);
        impl.maxPoolAdjoint(s, am, 0, bv.segment(), bv.byteOffset(), bo.segment(), bo.byteOffset());
        float[] got = bo.toArray();
        for (int k = 0; k < got.length; k++) {
            assertEquals(eo[k], got[k], impl.name() + " max adjoint " + s + " at " + k);
        }
        // Without argmax the values are the same.
        FloatVec by2 = at(new float[s.outputs()], 0);
        impl.maxPool(s, bx.segment(), bx.byteOffset(), by2.segment(), by2.byteOffset(), null, 0);
        assertEquals(0, java.util.Arrays.compare(y, by2.toArray()), "maxPool without argmax");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void avgPoolMatchesReferenceAndItsAdjoint(ConvSupport impl, PoolShape s) {
        SplittableRandom rnd = new SplittableRandom(s.hashCode() + 1);
        float[] x = new float[s.inputs()], v = new float[s.outputs()];
        for (int k = 0; k < x.length; k++) x[k] = (float) (rnd.nextDouble() * 4 - 2);
        for (int k = 0; k < v.length; k++) v[k] = (float) (rnd.nextDouble() * 4 - 2);
        float[] ey = new float[s.outputs()];
        ReferenceConv.avgPool(s.channels(), s.inHeight(), s.inWidth(), s.kernel(), s.stride(), s.padding(), x, ey);
        FloatVec bx = at(x, 1), by = at(new float[s.outputs()], 2);
        impl.avgPool(s, bx.segment(), bx.byteOffset(), by.segment(), by.byteOffset());
        float[] y = by.toArray();
        int kk = s.kernel() * s.kernel();
        for (int o = 0; o < y.length; o++) {
            assertEquals(ey[o], y[o], (kk + 2) * U * 2 * kk / kk + 1e-30, impl.name() + " avg " + s + " at " + o);
        }
        FloatVec bv = at(v, 3), bo = at(new float[s.inputs()], 1);
        impl.avgPoolAdjoint(s, bv.segment(), bv.byteOffset(), bo.segment(), bo.byteOffset());
        float[] g = bo.toArray(), eg = new float[s.inputs()];
        ReferenceConv.avgPoolAdjoint(s.channels(), s.inHeight(), s.inWidth(), s.kernel(), s.stride(), s.padding(), v, eg);
        int overlap = (s.kernel() + s.stride() - 1) / s.stride();
        for (int k = 0; k < g.length; k++) {
            assertEquals(eg[k], g[k], (overlap * overlap + 2) * U * 2 * overlap * overlap + 1e-30,
                    impl.name() + " avg adjoint " + s + " at " + k);
        }
        double lhs = 0, rhs = 0;
        for (int o = 0; o < v.length; o++) lhs += (double) y[o] * v[o];
        for (int k = 0; k < x.length; k++) rhs += (double) x[k] * g[k];
        assertEquals(lhs, rhs, 1e-5 * (1 + Math.abs(lhs)), "⟨avg x, v⟩ = ⟨x, avgᵀ v⟩ " + s);
    }

    @Test
    void paddingIsMinusInfinityAndTiesTakeTheFirst() {
        // 1×2×2, k = 2, s = 1, p = 1: 3×3 outputs, each window mostly padding; all values −5 (negative: zero
        // padding would win), and ties everywhere.
        PoolShape s = new PoolShape(1, 2, 2, 2, 1, 1);
        FloatVec x = FloatVec.of(arena, -5f, -5f, -5f, -5f), y = FloatVec.allocate(arena, 9);
        MemorySegment am = arena.allocate(4L * 9);
        Pool.maxForward(s, x, y, am);
        int[] first = {0, 0, 1, 0, 0, 1, 2, 2, 3}; // first in-image element of each window, row-major
        for (int o = 0; o < 9; o++) {
            assertEquals(-5f, y.get(o));
            assertEquals(first[o], am.get(INT, 4L * o), "argmax " + o);
        }
        // A NaN anywhere in a window makes its output NaN.
        x.set(3, Float.NaN);
        Pool.maxForward(s, x, y, am);
        assertTrue(Float.isNaN(y.get(8)) && Float.isNaN(y.get(4)) && y.get(0) == -5f);
        assertEquals(3, am.get(INT, 4L * 4));
        // Avg pooling counts the padding: the corner window holds one element, divided by 4.
        Pool.avgForward(s, FloatVec.of(arena, 4f, 8f, 12f, 16f), y);
        assertEquals(1f, y.get(0));
        assertEquals(10f, y.get(4));
    }

    @Test
    void facadeValidatesNamingTheArgument() {
        PoolShape s = new PoolShape(2, 4, 4, 2, 2, 0);
        FloatVec x = FloatVec.allocate(arena, 32), y = FloatVec.allocate(arena, 8);
        var e = assertThrows(IllegalArgumentException.class, () -> Pool.maxForward(s, x, FloatVec.allocate(arena, 7), null));
        assertTrue(e.getMessage().contains("y") && e.getMessage().contains("8") && e.getMessage().contains("7"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Pool.maxForward(s, x, y, arena.allocate(31)));
        assertTrue(e.getMessage().startsWith("argmax"), e.getMessage());
        MemorySegment bad = arena.allocate(32);
        bad.set(INT, 8, 32);
        e = assertThrows(IllegalArgumentException.class, () -> Pool.maxAdjoint(s, bad, y, x));
        assertTrue(e.getMessage().contains("argmax[2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Pool.avgForward(s, x, x.slice(0, 8)));
        assertTrue(e.getMessage().contains("overlap"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new PoolShape(1, 4, 4, 2, 2, 2));
        assertTrue(e.getMessage().startsWith("padding"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ConvShape(1, 4, 4, 1, 3, 1, 3));
        assertTrue(e.getMessage().startsWith("padding"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ConvShape(1, 2, 4, 1, 5, 1, 1));
        assertTrue(e.getMessage().startsWith("inHeight"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ConvShape(0, 2, 4, 1, 5, 1, 1));
        assertTrue(e.getMessage().startsWith("inChannels"), e.getMessage());
    }
}
