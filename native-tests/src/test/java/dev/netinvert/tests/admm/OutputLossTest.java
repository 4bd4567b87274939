package dev.netinvert.tests.admm;

import static dev.netinvert.tests.ArgumentErrors.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.admm.OutputLoss;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The output losses of the ADMM z_k update (eq. (8) [004]): each prox against its optimality condition
 * ∇g(z) + ρ(z − c) = 0 evaluated independently in double, the cross-entropy prox also against first-order
 * solvers run to convergence, gradients against central differences, and the argument checks.
 */
class OutputLossTest {

    static final double[] RHOS = {1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 1e3};
    static int maxNewton;

    @AfterAll
    static void report() {
        System.out.println("OutputLossTest: max Newton iterations of the cross-entropy prox = " + maxNewton
                + " (cap " + OutputLoss.CrossEntropy.MAX_NEWTON_ITERATIONS + ")");
    }

    // ---- independent double-precision references ----

    static double lse(double[] z) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            m = Math.max(m, v);
        }
        double s = 0;
        for (double v : z) {
            s += Math.exp(v - m);
        }
        return m + Math.log(s);
    }

    /** ∇F(z) = softmax(z) − e_t + ρ(z − c) for F = lse − z_t + (ρ/2)‖z − c‖². */
    static double[] ceProxGradient(double[] z, int t, double rho, double[] c) {
        double l = lse(z);
        double[] g = new double[z.length];
        for (int j = 0; j < z.length; j++) {
            g[j] = Math.exp(z[j] - l) - (j == t ? 1 : 0) + rho * (z[j] - c[j]);
        }
        return g;
    }

    static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    /**
     * Minimizes F by gradient descent in double: plain steps 1/L (L = ½ + ρ bounds ∇²F, since
     * ‖diag(p) − ppᵀ‖ ≤ ½) when the condition number L/ρ is small, Nesterov's constant-momentum method for
     * strongly convex functions otherwise; stops when ‖∇F‖ ≤ 1e-13·(1 + ‖ρc‖) or the iterations run out.
     */
    static double[] ceProxByGradientDescent(double[] c, int t, double rho) {
        int n = c.length;
        double lip = 0.5 + rho, kappa = lip / rho;
        double[] z = c.clone(), y = c.clone(), prev = c.clone();
        double momentum = kappa <= 100 ? 0 : (Math.sqrt(kappa) - 1) / (Math.sqrt(kappa) + 1);
        double tol = 1e-13 * (1 + rho * norm(c));
        for (int k = 0; k < 2_000_000; k++) {
            double[] g = ceProxGradient(y, t, rho, c);
            System.arraycopy(z, 0, prev, 0, n);
            for (int j = 0; j < n; j++) {
                z[j] = y[j] - g[j] / lip;
            }
            for (int j = 0; j < n; j++) {
                y[j] = z[j] + momentum * (z[j] - prev[j]);
            }
            if (k % 64 == 0 && norm(ceProxGradient(z, t, rho, c)) <= tol) {
                break;
            }
        }
        return z;
    }

    static FloatVec vec(Arena arena, double[] v) {
        FloatVec f = FloatVec.allocate(arena, v.length);
        for (int i = 0; i < v.length; i++) {
            f.set(i, (float) v[i]);
        }
        return f;
    }

    static double[] widen(FloatVec v) {
        double[] d = new double[v.length()];
        for (int i = 0; i < d.length; i++) {
            d[i] = v.get(i);
        }
        return d;
    }

    // ---- closed forms ----

    @Test
    void squaredErrorProxSatisfiesItsOptimalityCondition() {
        SplittableRandom rnd = new SplittableRandom(1);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[] {1, 2, 10, 1000}) {
                for (double rho : RHOS) {
                    double[] y = new double[n], c = new double[n], mask = new double[n];
                    for (int j = 0; j < n; j++) {
                        y[j] = rnd.nextGaussian() * 10;
                        c[j] = rnd.nextGaussian() * 1000;
                        mask[j] = rnd.nextInt(3) == 0 ? 0 : 1;
                    }
                    for (boolean masked : new boolean[] {false, true}) {
                        OutputLoss loss = new OutputLoss.SquaredError(vec(arena, y), masked ? vec(arena, mask) : null);
                        loss.checkOutputSize(n);
                        FloatVec cv = vec(arena, c), out = FloatVec.allocate(arena, n);
                        assertEquals(0, loss.prox(rho, cv, out, new double[0]));
                        for (int j = 0; j < n; j++) {
                            double z = out.get(j), yj = (float) y[j], cj = (float) c[j];
                            double m = masked ? mask[j] : 1;
                            // Residual of m(z − y) + ρ(z − c) = 0; z is rounded to float (half an ulp).
                            double residual = m * (z - yj) + rho * (z - cj);
                            double tol = (m + rho) * Math.ulp((float) z) + 1e-12 * (Math.abs(yj) + rho * Math.abs(cj));
                            assertTrue(Math.abs(residual) <= tol, "n=" + n + " rho=" + rho + " j=" + j + " residual " + residual);
                            if (m == 0) {
                                assertEquals((float) cj, out.get(j), "unobserved coordinate keeps c");
                            }
                        }
                        // In place (out aliases c) gives the same floats.
                        loss.prox(rho, cv, cv, new double[0]);
                        for (int j = 0; j < n; j++) {
                            assertEquals(out.get(j), cv.get(j));
                        }
                    }
                }
            }
        }
    }

    @Test
    void linearProxSatisfiesItsOptimalityCondition() {
        SplittableRandom rnd = new SplittableRandom(2);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[] {1, 2, 10, 1000}) {
                for (double rho : RHOS) {
                    double[] a = new double[n], c = new double[n];
                    for (int j = 0; j < n; j++) {
                        a[j] = rnd.nextGaussian();
                        c[j] = rnd.nextGaussian() * 3;
                    }
                    OutputLoss loss = new OutputLoss.Linear(vec(arena, a));
                    loss.checkOutputSize(n);
                    assertFalse(loss.boundedBelow());
                    FloatVec out = FloatVec.allocate(arena, n);
                    assertEquals(0, loss.prox(rho, vec(arena, c), out, null));
                    for (int j = 0; j < n; j++) {
                        double z = out.get(j);
                        double residual = (float) a[j] + rho * (z - (float) c[j]);
                        assertTrue(Math.abs(residual) <= rho * Math.ulp((float) z) + 1e-15 * Math.abs(a[j]),
                                "n=" + n + " rho=" + rho + " residual " + residual);
                    }
                }
            }
        }
    }

    // ---- cross-entropy by Newton ----

    /** Logit vectors: Gaussian at three scales, and the hardest one, the target at −1e3 and the rest at ±1e3. */
    static double[] logits(SplittableRandom rnd, int n, int kind, int t) {
        double[] c = new double[n];
        for (int j = 0; j < n; j++) {
            c[j] = switch (kind) {
                case 0 -> rnd.nextGaussian();
                case 1 -> 30 * rnd.nextGaussian();
                case 2 -> rnd.nextBoolean() ? 1e3 : -1e3;
                default -> j == t ? -1e3 : 1e3;
            };
        }
        return c;
    }

    @Test
    void crossEntropyProxSatisfiesItsOptimalityConditionAtExtremeLogits() {
        SplittableRandom rnd = new SplittableRandom(3);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[] {1, 2, 10, 1000}) {
                for (double rho : RHOS) {
                    for (int kind = 0; kind < 4; kind++) {
                        int t = rnd.nextInt(n);
                        double[] c = logits(rnd, n, kind, t);
                        OutputLoss loss = new OutputLoss.CrossEntropy(t);
                        loss.checkOutputSize(n);
                        double[] work = new double[loss.workSize(n)];
                        FloatVec cv = vec(arena, c), out = FloatVec.allocate(arena, n);
                        double[] cf = widen(cv);
                        int it = loss.prox(rho, cv, out, work);
                        maxNewton = Math.max(maxNewton, it);
                        String where = "n=" + n + " rho=" + rho + " kind=" + kind;
                        assertTrue(it < OutputLoss.CrossEntropy.MAX_NEWTON_ITERATIONS, where + ": Newton cap reached");
                        // The double solution is left in work[0, n); out is it rounded to float.
                        double[] z = java.util.Arrays.copyOf(work, n);
                        for (int j = 0; j < n; j++) {
                            assertEquals((float) z[j], out.get(j), where);
                        }
                        double g = norm(ceProxGradient(z, t, rho, cf));
                        assertTrue(g <= 1e-10 * (1 + rho * norm(cf)), where + ": ‖∇F‖ = " + g + " after " + it + " iterations");
                        // In place: same answer.
                        loss.prox(rho, cv, cv, work);
                        for (int j = 0; j < n; j++) {
                            assertEquals(out.get(j), cv.get(j), where);
                        }
                    }
                }
            }
        }
    }

    /**
     * Against gradient descent in double (n = 1, 2, 10, all ρ): F is ρ-strongly convex, so
     * ‖z_N − z_GD‖ ≤ (‖∇F(z_N)‖ + ‖∇F(z_GD)‖)/ρ; both gradients are measured, the bound is asserted small,
     * and the two objective values agree.
     */
    @Test
    void crossEntropyProxAgreesWithGradientDescent() {
        SplittableRandom rnd = new SplittableRandom(4);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[] {1, 2, 10}) {
                for (double rho : RHOS) {
                    for (int kind = 0; kind < 4; kind++) {
                        int t = rnd.nextInt(n);
                        double[] c = logits(rnd, n, kind, t);
                        FloatVec cv = vec(arena, c);
                        double[] cf = widen(cv);
                        OutputLoss loss = new OutputLoss.CrossEntropy(t);
                        double[] work = new double[loss.workSize(n)];
                        loss.prox(rho, cv, FloatVec.allocate(arena, n), work);
                        double[] zn = java.util.Arrays.copyOf(work, n);
                        double[] zg = ceProxByGradientDescent(cf, t, rho);
                        double bound = (norm(ceProxGradient(zn, t, rho, cf)) + norm(ceProxGradient(zg, t, rho, cf))) / rho;
                        double scale = 1 + norm(zn);
                        String where = "n=" + n + " rho=" + rho + " kind=" + kind;
                        assertTrue(bound <= 1e-6 * scale, where + ": the strong-convexity bound " + bound + " is too loose to judge");
                        double dist = 0;
                        for (int j = 0; j < n; j++) {
                            dist += (zn[j] - zg[j]) * (zn[j] - zg[j]);
                        }
                        assertTrue(Math.sqrt(dist) <= bound + 1e-14 * scale, where + ": ‖z_N − z_GD‖ = " + Math.sqrt(dist));
                        double fn = lse(zn) - zn[t], fg = lse(zg) - zg[t];
                        for (int j = 0; j < n; j++) {
                            fn += 0.5 * rho * (zn[j] - cf[j]) * (zn[j] - cf[j]);
                            fg += 0.5 * rho * (zg[j] - cf[j]) * (zg[j] - cf[j]);
                        }
                        assertTrue(fn <= fg + 1e-12 * (1 + Math.abs(fg)), where + ": F(Newton) " + fn + " > F(GD) " + fg);
                    }
                }
            }
        }
    }

    @Test
    void crossEntropyProxOfOneClassIsTheIdentity() {
        try (Arena arena = Arena.ofConfined()) {
            OutputLoss loss = new OutputLoss.CrossEntropy(0);
            FloatVec c = FloatVec.of(arena, 123.25f), out = FloatVec.allocate(arena, 1);
            assertEquals(0, loss.prox(1e-5, c, out, new double[loss.workSize(1)]));
            assertEquals(123.25f, out.get(0));
            assertEquals(0.0, loss.value(c));
        }
    }

    // ---- values and gradients ----

    @Test
    void crossEntropyValueIsStableAtExtremeLogits() {
        try (Arena arena = Arena.ofConfined()) {
            FloatVec z = FloatVec.of(arena, 1000f, -1000f, 999f);
            assertEquals(Math.log1p(Math.exp(-1)), new OutputLoss.CrossEntropy(0).value(z), 1e-15);
            assertEquals(2000 + Math.log1p(Math.exp(-1)), new OutputLoss.CrossEntropy(1).value(z), 1e-12);
            assertEquals(1 + Math.log1p(Math.exp(-1)), new OutputLoss.CrossEntropy(2).value(z), 1e-13);
        }
    }

    /**
     * Central differences in double with h = 2⁻¹⁰ at points on a 2⁻⁶ grid, so that z ± h is exact in float:
     * exact up to rounding for the quadratic and the linear loss, O(h²·‖∇³g‖) ≈ 1e-7 for cross-entropy; the
     * gradient itself is rounded to float (relative 6e-8).
     */
    @Test
    void gradientsMatchCentralDifferences() {
        SplittableRandom rnd = new SplittableRandom(5);
        double h = 0x1p-10;
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[] {1, 2, 3, 10, 33}) {
                double[] y = new double[n], a = new double[n], mask = new double[n], z0 = new double[n];
                for (int j = 0; j < n; j++) {
                    y[j] = rnd.nextGaussian();
                    a[j] = rnd.nextGaussian();
                    mask[j] = rnd.nextBoolean() ? 1 : 0;
                    z0[j] = Math.rint(rnd.nextGaussian() * 3 * 64) / 64;
                }
                OutputLoss[] losses = {new OutputLoss.SquaredError(vec(arena, y), vec(arena, mask)),
                        new OutputLoss.SquaredError(vec(arena, y)), new OutputLoss.Linear(vec(arena, a)),
                        new OutputLoss.CrossEntropy(rnd.nextInt(n))};
                for (OutputLoss loss : losses) {
                    FloatVec z = vec(arena, z0), g = FloatVec.allocate(arena, n);
                    double v = loss.gradient(z, g);
                    assertEquals(loss.value(z), v, "gradient() returns the value");
                    // g is stored in float: half an ulp, 2⁻²⁴ relative, on top of the difference's error.
                    double tol = loss instanceof OutputLoss.CrossEntropy ? 1e-6 : 1e-7;
                    for (int j = 0; j < n; j++) {
                        z.set(j, (float) (z0[j] + h));
                        double up = loss.value(z);
                        z.set(j, (float) (z0[j] - h));
                        double down = loss.value(z);
                        z.set(j, (float) z0[j]);
                        double fd = (up - down) / (2 * h);
                        assertEquals(fd, g.get(j), tol * (1 + Math.abs(fd)), loss.label() + " n=" + n + " j=" + j);
                    }
                }
            }
        }
    }

    @Test
    void labels() {
        try (Arena arena = Arena.ofConfined()) {
            FloatVec v = FloatVec.allocate(arena, 2);
            assertEquals("mse", new OutputLoss.SquaredError(v).label());
            assertEquals("xent:3", new OutputLoss.CrossEntropy(3).label());
            assertEquals("linear", new OutputLoss.Linear(v).label());
            assertTrue(new OutputLoss.SquaredError(v).boundedBelow());
            assertTrue(new OutputLoss.CrossEntropy(3).boundedBelow());
        }
    }

    // ---- validation ----

    @Test
    void invalidArgumentsAreRefusedWithTheirValues() {
        try (Arena arena = Arena.ofConfined()) {
            FloatVec three = FloatVec.of(arena, 1f, Float.NaN, 3f);
            assertMessage(() -> new OutputLoss.SquaredError(three).checkOutputSize(3), "target[1]", "finite", "NaN");
            assertMessage(() -> new OutputLoss.SquaredError(FloatVec.allocate(arena, 3)).checkOutputSize(4),
                    "target", "expected 4", "got 3");
            assertMessage(() -> new OutputLoss.SquaredError(FloatVec.allocate(arena, 3), FloatVec.of(arena, 1f, 0.5f, 0f))
                    .checkOutputSize(3), "mask[1]", "0 or 1", "0.5");
            assertMessage(() -> new OutputLoss.SquaredError(FloatVec.allocate(arena, 3), FloatVec.allocate(arena, 2)),
                    "mask", "expected 3", "got 2");
            assertMessage(() -> new OutputLoss.Linear(FloatVec.of(arena, 1f, Float.POSITIVE_INFINITY)).checkOutputSize(2),
                    "coefficients[1]", "finite", "Infinity");
            assertMessage(() -> new OutputLoss.CrossEntropy(10).checkOutputSize(10), "targetClass", "[0, 10)", "got 10");
            assertMessage(() -> new OutputLoss.CrossEntropy(-1), "targetClass", ">= 0", "got -1");
            FloatVec c = FloatVec.allocate(arena, 3), out = FloatVec.allocate(arena, 3);
            for (double rho : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
                for (OutputLoss loss : new OutputLoss[] {new OutputLoss.SquaredError(c), new OutputLoss.Linear(c),
                        new OutputLoss.CrossEntropy(0)}) {
                    assertMessage(() -> loss.prox(rho, c, out, new double[15]), "rho", "> 0", "got " + rho);
                }
            }
            assertMessage(() -> new OutputLoss.CrossEntropy(0).prox(1, c, out, new double[14]), "work", "15", "got 14");
            assertMessage(() -> new OutputLoss.CrossEntropy(0).prox(1, c, FloatVec.allocate(arena, 2), new double[15]),
                    "out", "expected 3", "got 2");
            assertMessage(() -> new OutputLoss.CrossEntropy(5).value(c), "targetClass", "[0, 3)", "got 5");
        }
    }
}
