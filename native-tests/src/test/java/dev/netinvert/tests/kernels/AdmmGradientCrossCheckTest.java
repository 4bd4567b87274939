package dev.netinvert.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Fused;
import dev.netinvert.kernels.KernelSupport;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.reference.ReferenceKernels;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The linearized-ADMM kernel {@code v = Px + b; a, u updates; r = [v^S − t; ρ(v^{S^c} − a − u)]; g = Pᵀr}
 * (Alg. 4 [002]) of every implementation in this JVM, on the odd shapes with s ∈ {0, ⌊m/3⌋, m}, at misaligned offsets
 * with guarded buffers:
 * <ul>
 *   <li><b>against the same implementation's unfused sequence</b> (its GEMV, the elementwise updates written
 *       out here in float, its GEMVᵀ): v, a, u, r, g bit for bit, since the kernel promises the same
 *       operations in the same order;</li>
 *   <li><b>against {@link ReferenceKernels#admmGradient}</b> with tolerances derived from the data
 *       (u = 2⁻²⁴, γ_k as in {@link Tol}): |Δv_i| ≤ dv_i = 2γ_{n+1}(Σ_j|p_ij x_j| + |b_i|); the updates are
 *       1-Lipschitz in v per operation and round three times, so |Δa_j| ≤ dv + u·|a|, |Δu_j| ≤ 2dv + u·(|u| +
 *       |a − v|)·2 and |Δr_i| ≤ ρ(4dv + 4u(|v| + |a| + |u|)) (i ≥ s), dv + u|r| (i &lt; s); then
 *       |Δg_j| ≤ Σ_i dr_i|p_ij| + 2γ_m Σ_i |r_i p_ij|; the constraint sum compares like the Bregman one.</li>
 * </ul>
 * With small-integer data and ρ = ½ every operation is exact, and the reference must be matched exactly.
 */
@Tag("kernels")
class AdmmGradientCrossCheckTest {

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Impl impl : Impl.raw()) {
            for (Shape sh : Shape.ODD) {
                for (int s : new int[] {0, sh.rows() / 3, sh.rows()}) {
                    out.add(Arguments.of(((Impl.Raw) impl).k(), sh, s));
                }
            }
            out.add(Arguments.of(((Impl.Raw) impl).k(), new Shape(300, 100, 100, 0), 141));
            out.add(Arguments.of(((Impl.Raw) impl).k(), new Shape(301, 99, 103, 5), 150));
        }
        return out.stream();
    }

    /** One problem: P, x, b (maybe null), t, ρ, and the a, u the previous iteration left. */
    record Problem(float[] p, float[] x, float[] b, float[] t, float rho, float[] a, float[] u) {
        static Problem random(SplittableRandom rnd, Shape sh, int s, boolean ints) {
            int m = sh.rows(), n = sh.cols();
            if (ints) {
                return new Problem(Data.ints(rnd, m * n, -2, 2), Data.ints(rnd, n, -2, 2), Data.ints(rnd, m, -1, 1),
                        Data.ints(rnd, s, -3, 3), 0.5f, Data.ints(rnd, m - s, -2, 0), Data.ints(rnd, m - s, -2, 2));
            }
            float[] p = Data.uniform(rnd, m * n, -1, 1);
            float scale = (float) (1.7 / Math.sqrt(n));
            for (int i = 0; i < p.length; i++) {
                p[i] *= scale;
            }
            return new Problem(p, Data.uniform(rnd, n, -1, 1), rnd.nextBoolean() ? Data.uniform(rnd, m, -0.5, 0.5) : null,
                    Data.uniform(rnd, s, -1, 1), 0.01f + (float) rnd.nextDouble(), Data.uniform(rnd, m - s, -1, 0),
                    Data.uniform(rnd, m - s, -0.5, 0.5));
        }
    }

    private record Run(float[] v, float[] a, float[] u, float[] r, float[] g, double cons) {}

    private static Run fused(KernelSupport k, Arena arena, Shape sh, int s, Problem q) {
        Mat p = Mat.of(arena, sh, q.p());
        Buf x = Buf.of(arena, q.x(), sh.vecMisalign(0)), b = q.b() == null ? null : Buf.of(arena, q.b(), sh.vecMisalign(1));
        Buf t = Buf.of(arena, q.t(), sh.vecMisalign(2)), a = Buf.of(arena, q.a(), sh.vecMisalign(3));
        Buf u = Buf.of(arena, q.u(), sh.vecMisalign(4)), v = Buf.alloc(arena, sh.rows(), sh.vecMisalign(5));
        Buf g = Buf.alloc(arena, sh.cols(), sh.vecMisalign(6)), r = Buf.alloc(arena, sh.rows(), sh.vecMisalign(7));
        double cons = k.admmGradient(p.buf.seg, p.buf.off, p.ld, sh.rows(), sh.cols(), s, x.seg, x.off,
                b == null ? null : b.seg, b == null ? 0 : b.off, t.seg, t.off, q.rho(), a.seg, a.off, u.seg, u.off,
                v.seg, v.off, r.seg, r.off, g.seg, g.off);
        p.buf.assertUnchanged("P");
        x.assertUnchanged("x");
        t.assertUnchanged("t");
        if (b != null) {
            b.assertUnchanged("b");
        }
        for (Buf o : new Buf[] {a, u, v, r, g}) {
            o.assertWrittenOnlyWithin("output", 0, o.n);
        }
        return new Run(v.read(), a.read(), u.read(), r.read(), g.read(), cons);
    }

    /** The same implementation's GEMV, the updates in float, its GEMVᵀ. */
    private static Run unfused(KernelSupport k, Arena arena, Shape sh, int s, Problem q) {
        int m = sh.rows(), n = sh.cols();
        Mat p = Mat.of(arena, sh, q.p());
        Buf x = Buf.of(arena, q.x(), sh.vecMisalign(0)), b = q.b() == null ? null : Buf.of(arena, q.b(), sh.vecMisalign(1));
        Buf v = Buf.alloc(arena, m, 0), r = Buf.alloc(arena, m, 0), g = Buf.alloc(arena, n, 0);
        k.gemv(1f, p.buf.seg, p.buf.off, p.ld, 0, m, n, x.seg, x.off, 0f, v.seg, v.off, b == null ? null : b.seg,
                b == null ? 0 : b.off);
        float[] vv = v.read(), a = q.a().clone(), u = q.u().clone(), rr = new float[m];
        double cons = 0;
        for (int j = 0; j < m - s; j++) {
            float vi = vv[s + j];
            a[j] = -Math.max(u[j] - vi, 0f);
            float d = a[j] - vi;
            u[j] = u[j] + d;
            cons += (double) d * d;
        }
        for (int i = 0; i < m; i++) {
            rr[i] = i < s ? vv[i] - q.t()[i] : q.rho() * (vv[i] - a[i - s] - u[i - s]);
        }
        r.rewrite(rr);
        k.gemvT(1f, p.buf.seg, p.buf.off, p.ld, 0, m, n, r.seg, r.off, 0f, g.seg, g.off);
        return new Run(vv, a, u, rr, g.read(), cons);
    }

    @ParameterizedTest(name = "{0} {1} s={2}")
    @MethodSource("cases")
    void equalsTheUnfusedSequenceBitForBit(KernelSupport k, Shape sh, int s) {
        SplittableRandom rnd = Data.random("admm-seq", sh.toString(), s);
        try (Arena arena = Arena.ofConfined()) {
            Problem q = Problem.random(rnd, sh, s, false);
            Run f = fused(k, arena, sh, s, q), e = unfused(k, arena, sh, s, q);
            Tol.assertAllBits("v", e.v(), f.v(), 0, sh.rows());
            Tol.assertAllBits("a", e.a(), f.a(), 0, sh.rows() - s);
            Tol.assertAllBits("u", e.u(), f.u(), 0, sh.rows() - s);
            Tol.assertAllBits("r", e.r(), f.r(), 0, sh.rows());
            Tol.assertAllBits("g", e.g(), f.g(), 0, sh.cols());
            // The SIMD kernel sums the squares in float lanes (a convergence measure), the sequence in double
            // in index order: m − s terms, each rounded once, added with at most m − s + 4 roundings.
            Tol.assertWithin("constraint residual", e.cons(), f.cons(), 2 * Tol.gamma(sh.rows() - s + 5) * e.cons());
        }
    }

    @ParameterizedTest(name = "{0} {1} s={2}")
    @MethodSource("cases")
    void matchesTheReference(KernelSupport k, Shape sh, int s) {
        SplittableRandom rnd = Data.random("admm-ref", sh.toString(), s);
        int m = sh.rows(), n = sh.cols();
        try (Arena arena = Arena.ofConfined()) {
            for (boolean ints : new boolean[] {true, false}) {
                Problem q = Problem.random(rnd, sh, s, ints);
                Run f = fused(k, arena, sh, s, q);
                float[] ld = new float[Math.max(0, (m - 1) * sh.ld() + n)];
                for (int i = 0; i < m; i++) {
                    System.arraycopy(q.p(), i * n, ld, i * sh.ld(), n);
                }
                float[] v = new float[m], g = new float[n], a = q.a().clone(), u = q.u().clone(), rf = new float[m];
                double cons = ReferenceKernels.admmGradient(ld, sh.ld(), m, n, s, q.x(), q.b(), q.t(), q.rho(), a, u, v, rf, g);
                if (ints) {
                    Tol.assertAllExact("v", v, f.v(), 0, m);
                    Tol.assertAllExact("a", a, f.a(), 0, m - s);
                    Tol.assertAllExact("u", u, f.u(), 0, m - s);
                    Tol.assertAllExact("r", rf, f.r(), 0, m);
                    Tol.assertAllExact("g", g, f.g(), 0, n);
                    assertEquals(cons, f.cons(), "constraint residual");
                    continue;
                }
                double[] dv = new double[m], dr = new double[m], dau = new double[m];
                float[] rRef = new float[m];
                for (int i = 0; i < m; i++) {
                    double sum = q.b() == null ? 0 : Math.abs(q.b()[i]);
                    for (int j = 0; j < n; j++) {
                        sum += Math.abs((double) q.p()[i * n + j] * q.x()[j]);
                    }
                    dv[i] = 2 * Tol.gamma(n + 1) * sum;
                    if (i < s) {
                        rRef[i] = v[i] - q.t()[i];
                        dr[i] = dv[i] + Tol.U * (Math.abs(rRef[i]) + Math.abs(v[i]) + Math.abs(q.t()[i]));
                    } else {
                        int j = i - s;
                        rRef[i] = q.rho() * (v[i] - a[j] - u[j]);
                        double mag = Math.abs(v[i]) + Math.abs(a[j]) + Math.abs(u[j]) + Math.abs(q.u()[j]);
                        dau[i] = 2 * dv[i] + 4 * Tol.U * mag;
                        dr[i] = q.rho() * (4 * dv[i] + 8 * Tol.U * mag) + Tol.U * Math.abs(rRef[i]);
                    }
                }
                double[] tv = new double[m], ta = new double[Math.max(m - s, 0)], tg = new double[n];
                for (int i = 0; i < m; i++) {
                    tv[i] = dv[i];
                    if (i >= s) {
                        ta[i - s] = dau[i];
                    }
                }
                for (int j = 0; j < n; j++) {
                    double sum = 0, rounding = 0;
                    for (int i = 0; i < m; i++) {
                        double pij = Math.abs(q.p()[i * n + j]);
                        sum += dr[i] * pij;
                        rounding += Math.abs(rRef[i]) * pij;
                    }
                    tg[j] = (sum + 2 * Tol.gamma(m + 1) * rounding) * (1 + 0x1p-20);
                }
                Tol.assertAllWithin("v", v, f.v(), tv, 0, m);
                Tol.assertAllWithin("a", a, f.a(), ta, 0, m - s);
                Tol.assertAllWithin("u", u, f.u(), ta, 0, m - s);
                Tol.assertAllWithin("r", rf, f.r(), dr, 0, m);
                Tol.assertAllWithin("g", g, f.g(), tg, 0, n);
                double dc = 0;
                for (int j = 0; j < m - s; j++) {
                    double d = Math.abs(a[j] - v[s + j]);
                    double e = ta[j] + dv[s + j];
                    dc += e * (2 * d + e);
                }
                Tol.assertWithin("constraint residual", cons, f.cons(), dc + 4 * Tol.gamma(m + 5) * cons + 1e-300);
            }
        }
    }

    @Test
    void facadeValidatesAndMatchesTheActiveKernel() {
        try (Arena arena = Arena.ofConfined()) {
            int m = 9, n = 6, s = 4;
            FloatMatrix p = FloatMatrix.allocate(arena, m, n);
            SplittableRandom rnd = new SplittableRandom(5);
            for (int i = 0; i < m; i++) {
                p.row(i).copyFrom(Data.uniform(rnd, n, -1, 1));
            }
            FloatVec x = FloatVec.of(arena, Data.uniform(rnd, n, -1, 1)), t = FloatVec.of(arena, Data.uniform(rnd, s, -1, 1));
            FloatVec a = FloatVec.allocate(arena, m - s), u = FloatVec.allocate(arena, m - s);
            FloatVec v = FloatVec.allocate(arena, m), g = FloatVec.allocate(arena, n), r = FloatVec.allocate(arena, m);
            double cons = Fused.admmGradient(p, s, x, null, t, 0.5f, a, u, v, r, g);
            float[] v2 = new float[m], g2 = new float[n], a2 = new float[m - s], u2 = new float[m - s], r2 = new float[m];
            double cons2 = ReferenceKernels.admmGradient(p.toArray(), n, m, n, s, x.toArray(), null, t.toArray(), 0.5f,
                    a2, u2, v2, r2, g2);
            assertTrue(Math.abs(cons - cons2) <= 1e-5 * (1 + cons2), cons + " vs " + cons2);
            for (int j = 0; j < n; j++) {
                assertEquals(g2[j], g.get(j), 1e-5f, "g[" + j + "] via " + Blas.active().name());
            }
            assertEquals("t: expected length 4 (s), got 3", assertThrows(IllegalArgumentException.class,
                    () -> Fused.admmGradient(p, s, x, null, t.slice(0, 3), 0.5f, a, u, v, r, g)).getMessage());
            assertEquals("s must lie in [0, 9] (P's rows), got 10", assertThrows(IllegalArgumentException.class,
                    () -> Fused.admmGradient(p, 10, x, null, t, 0.5f, a, u, v, r, g)).getMessage());
            assertEquals("rho must be finite and > 0, got 0.0", assertThrows(IllegalArgumentException.class,
                    () -> Fused.admmGradient(p, s, x, null, t, 0f, a, u, v, r, g)).getMessage());
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> Fused.admmGradient(p, s, x, null, t, 0.5f, a, u, v, r, v.slice(0, n))).getMessage()
                    .contains("must not overlap"));
        }
    }
}
