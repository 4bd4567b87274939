package dev.netinvert.tests.linalg;

import static dev.netinvert.tests.ArgumentErrors.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.linalg.GramSystem;
import dev.netinvert.solvers.linalg.GramSystem.Form;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.SingularOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link GramSystem} against a double-precision solve of (μI + WᵀW) z = μp + Wᵀq (EJML LU on the n × n matrix),
 * for tall, square and wide W, μ ∈ {1, 0.01}, both forms. W_ij = N(0,1)/√n, p, q ~ U(−1, 1).
 *
 * <p>Tolerances, from the condition number of the matrix each form factors (u = 2⁻²⁴): the k × k Gram matrix
 * G (k = n for DIRECT, m for WOODBURY) has eigenvalues μ + σ_i² (σ_i the singular values of W, zeros past
 * min(m, n)), so cond = (μ + σ_max²)/(μ + σ_k²), computed here from an SVD in double. L is computed in double,
 * rounded to float, and used in two float substitutions, a backward error of γ_{2(k+2)}·|L||Lᵀ| (Higham,
 * Thms. 8.5 and 10.4), which is about γ_{2(k+2)}·‖G‖ in norm (|L||Lᵀ| has the norm of G up to a factor that is
 * small for these matrices; the worst case would be k); the normwise forward error of z is then
 * cond·γ_{2(k+2)}, so the tolerance is 4(k + 2)·u·cond·‖z‖ and, for wz = W z, the same relative amount of
 * ‖wz‖ + σ_max‖z‖. The right-hand side's own rounding, γ_{m+2} relative, is smaller than this and folded
 * into the factor 2 of slack. The observed errors were 10⁻³ … 10⁻¹ of the tolerance, and the tolerance itself is
 * at most 5% of ‖z‖ (asserted), where a wrong formula errs by O(1). DIRECT on a wide W and WOODBURY on a tall
 * W have k past min(m, n), so cond = 1 + σ_max²/μ: the worst cases here (μ = 0.01).
 */
class GramSystemTest {

    static final int[][] SHAPES = {{7, 3}, {17, 17}, {5, 40}, {128, 64}, {64, 128}};
    static final double[] MUS = {1, 0.01};
    static final double U = 0x1p-24;

    static double gamma(long k) {
        return k * U / (1 - k * U);
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (int[] s : SHAPES) {
            for (double mu : MUS) {
                for (Form f : Form.values()) {
                    out.add(Arguments.of(s[0], s[1], mu, f));
                }
            }
        }
        return out.stream();
    }

    static Stream<Arguments> shapesAndMus() {
        List<Arguments> out = new ArrayList<>();
        for (int[] s : SHAPES) {
            for (double mu : MUS) {
                out.add(Arguments.of(s[0], s[1], mu));
            }
        }
        return out.stream();
    }

    /** Seeded W (m × n, N(0,1)/√n), p (n) and q (m). */
    record Problem(int m, int n, float[] w, float[] p, float[] q) {
        static Problem of(int m, int n) {
            SplittableRandom rnd = new SplittableRandom(31L * m + 7L * n);
            float[] w = new float[m * n];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (gaussian(rnd) / Math.sqrt(n));
            }
            return new Problem(m, n, w, uniform(rnd, n), uniform(rnd, m));
        }

        double w(int i, int j) {
            return w[i * n + j];
        }
    }

    /** The exact solution in double and the tolerances of the float solve for one form (see the class comment). */
    record Expected(double[] z, double[] wz, double tolZ, double tolWz) {}

    static Expected expected(Problem pr, double mu, Form form) {
        int m = pr.m(), n = pr.n();
        double muF = (float) mu;
        DMatrixRMaj w = new DMatrixRMaj(m, n);
        for (int i = 0; i < m * n; i++) {
            w.data[i] = pr.w()[i];
        }
        double[] z = new double[n];
        if (form == Form.DIRECT) {
            // (μI + WᵀW) z = μp + Wᵀq.
            DMatrixRMaj g = new DMatrixRMaj(n, n);
            CommonOps_DDRM.multInner(w, g);
            double[] r = new double[n];
            for (int j = 0; j < n; j++) {
                g.add(j, j, muF);
                r[j] = muF * pr.p()[j];
                for (int i = 0; i < m; i++) {
                    r[j] += pr.w(i, j) * pr.q()[i];
                }
            }
            DMatrixRMaj zm = new DMatrixRMaj(n, 1);
            assertTrue(CommonOps_DDRM.solve(g, new DMatrixRMaj(n, 1, true, r), zm), "reference solve");
            z = zm.data;
        } else {
            // z = p − Wᵀ(μI + WWᵀ)⁻¹(Wp − q): the same z for μ > 0, and its limit μ → 0 (the point of {Wz = q}
            // nearest p) where μI + WᵀW is singular.
            DMatrixRMaj mm = new DMatrixRMaj(m, m);
            CommonOps_DDRM.multOuter(w, mm);
            double[] t = new double[m];
            for (int i = 0; i < m; i++) {
                mm.add(i, i, muF);
                t[i] = -pr.q()[i];
                for (int j = 0; j < n; j++) {
                    t[i] += pr.w(i, j) * pr.p()[j];
                }
            }
            DMatrixRMaj sm = new DMatrixRMaj(m, 1);
            assertTrue(CommonOps_DDRM.solve(mm, new DMatrixRMaj(m, 1, true, t), sm), "reference solve of M s = Wp − q");
            for (int j = 0; j < n; j++) {
                z[j] = pr.p()[j];
                for (int i = 0; i < m; i++) {
                    z[j] -= pr.w(i, j) * sm.data[i];
                }
            }
        }
        double[] wz = mulW(pr, z);

        double[] sv = SingularOps_DDRM.singularValues(w);
        Arrays.sort(sv); // ascending
        double sMax = sv.length == 0 ? 0 : sv[sv.length - 1];
        int k = form == Form.DIRECT ? n : m;
        double sK = k <= sv.length ? sv[sv.length - k] : 0; // the k-th largest; 0 past min(m, n)
        double cond = (muF + sMax * sMax) / (muF + sK * sK);
        double rel = 4 * (k + 2) * U * cond;
        double tolZ = rel * norm(z), tolWz = rel * (norm(wz) + sMax * norm(z));
        double normZ = norm(z);
        assertTrue(tolZ > 0 && tolZ < 0.05 * normZ, () -> "tolerance " + tolZ + " too loose against ‖z‖ = " + normZ);
        return new Expected(z, wz, tolZ, tolWz);
    }

    static double[] mulW(Problem pr, double[] z) {
        double[] out = new double[pr.m()];
        for (int i = 0; i < pr.m(); i++) {
            for (int j = 0; j < pr.n(); j++) {
                out[i] += pr.w(i, j) * z[j];
            }
        }
        return out;
    }

    /** The float results z and wz of one solve. */
    record Solved(float[] z, float[] wz) {}

    static Solved solve(Problem pr, double mu, Form form) {
        try (Arena arena = Arena.ofConfined()) {
            FloatMatrix w = FloatMatrix.of(arena, pr.m(), pr.n(), pr.w());
            GramSystem sys = GramSystem.factor(w, mu, form, arena);
            FloatVec p = FloatVec.of(arena, pr.p()), q = FloatVec.of(arena, pr.q());
            FloatVec z = FloatVec.allocate(arena, pr.n()), wz = FloatVec.allocate(arena, pr.m());
            sys.solve(p, q, z, wz);
            // The inputs are not changed.
            assertArrayEquals(pr.p(), p.toArray());
            assertArrayEquals(pr.q(), q.toArray());
            return new Solved(z.toArray(), wz.toArray());
        }
    }

    @ParameterizedTest(name = "W {0}×{1}, mu={2}, {3}")
    @MethodSource("cases")
    void matchesDoublePrecisionSolve(int m, int n, double mu, Form form) {
        Problem pr = Problem.of(m, n);
        Expected e = expected(pr, mu, form);
        Solved got = solve(pr, mu, form);
        String what = "W " + m + "×" + n + " mu=" + mu + " " + form;
        assertWithin(what + ": z", e.z(), got.z(), e.tolZ());
        assertWithin(what + ": wz", e.wz(), got.wz(), e.tolWz());
        // wz is W ẑ for the ẑ returned (in DIRECT by construction; in WOODBURY through the identity W z = q + μs).
        assertWithin(what + ": wz against W·z", mulW(pr, toDouble(got.z())), got.wz(), 2 * e.tolWz());
    }

    @ParameterizedTest(name = "W {0}×{1}, mu={2}")
    @MethodSource("shapesAndMus")
    void bothFormsAgree(int m, int n, double mu) {
        Problem pr = Problem.of(m, n);
        Expected d = expected(pr, mu, Form.DIRECT), w = expected(pr, mu, Form.WOODBURY);
        Solved sd = solve(pr, mu, Form.DIRECT), sw = solve(pr, mu, Form.WOODBURY);
        assertWithin("z, DIRECT against WOODBURY", toDouble(sd.z()), sw.z(), d.tolZ() + w.tolZ());
        assertWithin("wz, DIRECT against WOODBURY", toDouble(sd.wz()), sw.wz(), d.tolWz() + w.tolWz());
    }

    @Test
    void defaultFormAndAccessors() {
        try (Arena arena = Arena.ofConfined()) {
            for (int[] s : SHAPES) {
                FloatMatrix w = FloatMatrix.of(arena, s[0], s[1], Problem.of(s[0], s[1]).w());
                GramSystem sys = GramSystem.factor(w, 0.5, arena);
                assertEquals(s[0] < s[1] ? Form.WOODBURY : Form.DIRECT, sys.form(), "form for " + s[0] + "×" + s[1]);
                assertEquals(0.5, sys.mu());
                assertEquals(s[1], sys.inputs());
                assertEquals(s[0], sys.outputs());
            }
        }
    }

    /** z = p and wz = q in place give bit for bit the results of separate outputs, in both forms. */
    @Test
    void inPlaceEqualsSeparateOutputs() {
        for (int[] s : new int[][] {{17, 9}, {9, 17}}) {
            Problem pr = Problem.of(s[0], s[1]);
            for (Form form : Form.values()) {
                Solved separate = solve(pr, 0.3, form);
                try (Arena arena = Arena.ofConfined()) {
                    GramSystem sys = GramSystem.factor(FloatMatrix.of(arena, s[0], s[1], pr.w()), 0.3, form, arena);
                    FloatVec p = FloatVec.of(arena, pr.p()), q = FloatVec.of(arena, pr.q());
                    sys.solve(p, q, p, q);
                    assertArrayEquals(separate.z(), p.toArray(), form + " z in p");
                    assertArrayEquals(separate.wz(), q.toArray(), form + " wz in q");
                }
            }
        }
    }

    /** μ = 0 works where the Gram matrix of the form is positive definite, and fails clearly where it is not. */
    @Test
    void muZeroNeedsAPositiveDefiniteGramMatrix() {
        // Tall, DIRECT (full column rank) and wide, WOODBURY (full row rank): fine.
        for (int[] s : new int[][] {{40, 5}, {5, 40}}) {
            Problem pr = Problem.of(s[0], s[1]);
            Form form = s[0] < s[1] ? Form.WOODBURY : Form.DIRECT;
            Expected e = expected(pr, 0, form);
            Solved got = solve(pr, 0, form);
            assertWithin(s[0] + "×" + s[1] + " mu=0 " + form, e.z(), got.z(), e.tolZ());
        }
        try (Arena arena = Arena.ofConfined()) {
            FloatMatrix wide = FloatMatrix.of(arena, 5, 40, Problem.of(5, 40).w());
            assertMessage(() -> GramSystem.factor(wide, 0, Form.DIRECT, arena), "5×40", "mu = 0.0", "DIRECT",
                    "not positive definite", "mu > 0 (an L2 weight) is needed");
            FloatMatrix tall = FloatMatrix.of(arena, 40, 5, Problem.of(40, 5).w());
            assertMessage(() -> GramSystem.factor(tall, 0, Form.WOODBURY, arena), "40×5", "mu = 0.0", "WOODBURY",
                    "mu > 0 (an L2 weight) is needed");
            // A zero column makes even a tall W rank deficient.
            float[] v = Problem.of(12, 4).w();
            for (int i = 0; i < 12; i++) {
                v[i * 4 + 2] = 0;
            }
            FloatMatrix deficient = FloatMatrix.of(arena, 12, 4, v);
            assertMessage(() -> GramSystem.factor(deficient, 0, arena), "12×4", "DIRECT", "mu > 0");
            // ... which any μ > 0 repairs.
            assertEquals(Form.DIRECT, GramSystem.factor(deficient, 1e-3, arena).form());
        }
    }

    @Test
    void rejectsBadArguments() {
        try (Arena arena = Arena.ofConfined()) {
            FloatMatrix w = FloatMatrix.of(arena, 7, 3, Problem.of(7, 3).w());
            for (double bad : new double[] {-1e-9, Double.NaN, Double.POSITIVE_INFINITY, 1e39}) {
                assertMessage(() -> GramSystem.factor(w, bad, arena), "mu: expected a finite value >= 0", "got " + bad);
            }
            for (Form form : Form.values()) {
                GramSystem sys = GramSystem.factor(w, 1, form, arena);
                FloatVec p = FloatVec.allocate(arena, 3), q = FloatVec.allocate(arena, 7);
                FloatVec z = FloatVec.allocate(arena, 3), wz = FloatVec.allocate(arena, 7);
                assertMessage(() -> sys.solve(FloatVec.allocate(arena, 4), q, z, wz), "p: expected length 3", "W.cols",
                        "got 4");
                assertMessage(() -> sys.solve(p, FloatVec.allocate(arena, 3), z, wz), "q: expected length 7", "W.rows",
                        "got 3");
                assertMessage(() -> sys.solve(p, q, FloatVec.allocate(arena, 7), wz), "z: expected length 3", "got 7");
                assertMessage(() -> sys.solve(p, q, z, FloatVec.allocate(arena, 3)), "wz: expected length 7", "got 3");
                // Overlaps: z inside q, wz over z's memory, z shifted by one element from p.
                FloatVec big = FloatVec.allocate(arena, 10);
                assertMessage(() -> sys.solve(p, big.slice(0, 7), big.slice(4, 3), wz), "z and q must not overlap");
                FloatVec both = FloatVec.allocate(arena, 9);
                assertMessage(() -> sys.solve(p, q, both.slice(0, 3), both.slice(2, 7)), "z and wz must not overlap");
                FloatVec shifted = FloatVec.allocate(arena, 4);
                assertMessage(() -> sys.solve(shifted.slice(0, 3), q, shifted.slice(1, 3), wz),
                        "z and p must not overlap");
                assertMessage(() -> sys.solve(p, q, z, FloatVec.wrap(w.segment(), w.byteOffset(), 7)),
                        "wz and W must not overlap");
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    static void assertWithin(String what, double[] expected, float[] actual, double tol) {
        double d = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = actual[i] - expected[i];
            d += e * e;
        }
        double dist = Math.sqrt(d);
        assertTrue(dist <= tol, () -> what + ": ‖actual − expected‖₂ = " + dist + " exceeds the bound " + tol
                + " (‖expected‖₂ = " + norm(expected) + ")");
    }

    static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    static double[] toDouble(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    static float[] uniform(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (2 * rnd.nextDouble() - 1);
        }
        return a;
    }

    static double gaussian(SplittableRandom rnd) {
        return Math.sqrt(-2 * Math.log(1 - rnd.nextDouble())) * Math.cos(2 * Math.PI * rnd.nextDouble());
    }
}
