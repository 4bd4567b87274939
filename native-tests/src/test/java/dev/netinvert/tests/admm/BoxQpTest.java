package dev.netinvert.tests.admm;

import static dev.netinvert.tests.ArgumentErrors.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.admm.Box;
import dev.netinvert.solvers.admm.BoxQp;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.ojalgo.optimisation.Expression;
import org.ojalgo.optimisation.ExpressionsBasedModel;
import org.ojalgo.optimisation.Optimisation;
import org.ojalgo.optimisation.Variable;

/**
 * The box QP of the ADMM input update (eq. (10) [004]) against ojAlgo's convex solver on random instances,
 * its KKT conditions checked independently in double, warm starts, and the singular case; plus {@link Box}.
 */
class BoxQpTest {

    static int maxIterations, instances, totalIterations;
    static double worstObjectiveGap;

    @AfterAll
    static void report() {
        System.out.println("BoxQpTest: " + instances + " instances, max projected Newton iterations " + maxIterations
                + ", mean " + (double) totalIterations / Math.max(1, instances)
                + ", worst |f - f_ojAlgo|/(1 + |f_ojAlgo|) " + worstObjectiveGap);
    }

    record Instance(double[] w, int m, int n, double mu, double[] p, double[] q, double[] lo, double[] hi) {
        double[] c() {
            double[] c = new double[n];
            for (int j = 0; j < n; j++) {
                c[j] = mu * p[j];
            }
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    c[j] += w[i * n + j] * q[i];
                }
            }
            return c;
        }

        double[] qMatrix() {
            double[] qm = new double[n * n];
            for (int a = 0; a < n; a++) {
                for (int b = 0; b < n; b++) {
                    double s = a == b ? mu : 0;
                    for (int i = 0; i < m; i++) {
                        s += w[i * n + a] * w[i * n + b];
                    }
                    qm[a * n + b] = s;
                }
            }
            return qm;
        }

        double objective(double[] z) {
            double[] qm = qMatrix(), c = c();
            double f = 0;
            for (int a = 0; a < n; a++) {
                double qa = 0;
                for (int b = 0; b < n; b++) {
                    qa += qm[a * n + b] * z[b];
                }
                f += 0.5 * z[a] * qa - c[a] * z[a];
            }
            return f;
        }

        /** ‖z − P(z − ∇f(z))‖∞. */
        double projectedGradient(double[] z) {
            double[] qm = qMatrix(), c = c();
            double r = 0;
            for (int a = 0; a < n; a++) {
                double g = -c[a];
                for (int b = 0; b < n; b++) {
                    g += qm[a * n + b] * z[b];
                }
                r = Math.max(r, Math.abs(z[a] - Math.min(hi[a], Math.max(lo[a], z[a] - g))));
            }
            return r;
        }
    }

    /** Entries are floats so that the float copies the solver sees are the same numbers. */
    static Instance random(SplittableRandom rnd, int m, int n, double mu, int boxKind) {
        double[] w = new double[m * n], p = new double[n], q = new double[m], lo = new double[n], hi = new double[n];
        for (int k = 0; k < w.length; k++) {
            w[k] = (float) (rnd.nextGaussian() / Math.sqrt(n));
        }
        for (int j = 0; j < n; j++) {
            p[j] = (float) rnd.nextGaussian();
            double width = switch (boxKind) {
                case 0 -> 0.1;  // tight: many active bounds
                case 1 -> 3;    // loose: few
                default -> 0.5;
            };
            lo[j] = (float) (p[j] - width * rnd.nextDouble());
            hi[j] = (float) (p[j] + width * rnd.nextDouble());
            if (boxKind == 2) { // some sides infinite
                int r = rnd.nextInt(4);
                if (r == 0) {
                    lo[j] = Double.NEGATIVE_INFINITY;
                } else if (r == 1) {
                    hi[j] = Double.POSITIVE_INFINITY;
                } else if (r == 2) {
                    lo[j] = Double.NEGATIVE_INFINITY;
                    hi[j] = Double.POSITIVE_INFINITY;
                }
            }
        }
        for (int i = 0; i < m; i++) {
            q[i] = (float) (3 * rnd.nextGaussian());
        }
        return new Instance(w, m, n, mu, p, q, lo, hi);
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

    /** ojAlgo's ExpressionsBasedModel with the quadratic objective ½zᵀQz − cᵀz and the box as variable bounds. */
    static double[] ojAlgo(Instance in) {
        ExpressionsBasedModel model = new ExpressionsBasedModel();
        Variable[] v = new Variable[in.n];
        for (int j = 0; j < in.n; j++) {
            v[j] = model.addVariable("z" + j);
            v[j].lower(Double.isInfinite(in.lo[j]) ? null : in.lo[j]);
            v[j].upper(Double.isInfinite(in.hi[j]) ? null : in.hi[j]);
        }
        double[] qm = in.qMatrix(), c = in.c();
        Expression obj = model.addExpression("objective").weight(1.0);
        for (int a = 0; a < in.n; a++) {
            for (int b = 0; b < in.n; b++) {
                obj.set(v[a], v[b], 0.5 * qm[a * in.n + b]);
            }
            obj.set(v[a], -c[a]);
        }
        Optimisation.Result r = model.minimise();
        assertTrue(r.getState().isOptimal(), "ojAlgo: " + r.getState());
        double[] z = new double[in.n];
        for (int j = 0; j < in.n; j++) {
            z[j] = r.doubleValue(j);
        }
        return z;
    }

    @Test
    void agreesWithOjAlgoOnRandomInstances() {
        SplittableRandom rnd = new SplittableRandom(11);
        int[] sizes = {1, 2, 3, 5, 8, 13, 21, 34, 60};
        try (Arena arena = Arena.ofConfined()) {
            for (int n : sizes) {
                for (int shape = 0; shape < 2; shape++) {
                    int m = shape == 0 ? 2 * n + 3 : Math.max(1, n / 3); // tall, wide
                    for (double mu : new double[] {1, 0.01}) {
                        for (int boxKind = 0; boxKind < 3; boxKind++) {
                            Instance in = random(rnd, m, n, mu, boxKind);
                            String where = "n=" + n + " m=" + m + " mu=" + mu + " box=" + boxKind;
                            BoxQp qp = BoxQp.of(FloatMatrix.of(arena, m, n, toFloat(in.w)), mu);
                            Box box = new Box(vec(arena, in.lo), vec(arena, in.hi));
                            FloatVec p = vec(arena, in.p), q = vec(arena, in.q), z = FloatVec.allocate(arena, n);
                            double tol = 1e-10;
                            int it = qp.solve(p, q, box, z, tol, 100);
                            instances++;
                            totalIterations += it;
                            maxIterations = Math.max(maxIterations, it);
                            assertTrue(it < 100, where + ": iteration limit reached");
                            assertTrue(qp.lastProjectedGradientNorm() <= tol, where + ": " + qp.lastProjectedGradientNorm());
                            assertTrue(box.contains(z), where);
                            double[] zs = widen(z);
                            // KKT at the float answer: tol plus what rounding z to float can do (‖Q‖·ulp).
                            double pg = in.projectedGradient(zs);
                            assertTrue(pg <= tol + 1e-6, where + ": projected gradient at the float solution " + pg);
                            double[] zo = ojAlgo(in);
                            double f = in.objective(zs), fo = in.objective(clip(zo, in));
                            double gap = Math.abs(f - fo) / (1 + Math.abs(fo));
                            worstObjectiveGap = Math.max(worstObjectiveGap, gap);
                            assertTrue(gap <= 1e-9, where + ": f = " + f + ", ojAlgo " + fo);
                            // A warm start from the solution needs at most one step (the float rounding of z).
                            int again = qp.solve(p, q, box, z, tol, 100);
                            assertTrue(again <= 1, where + ": warm start took " + again);
                            assertTrue(qp.lastProjectedGradientNorm() <= tol, where);
                        }
                    }
                }
            }
        }
    }

    /** ojAlgo's answer clipped into the box (its solution may violate a bound by its feasibility tolerance). */
    static double[] clip(double[] z, Instance in) {
        double[] r = z.clone();
        for (int j = 0; j < r.length; j++) {
            r[j] = Math.min(in.hi[j], Math.max(in.lo[j], r[j]));
        }
        return r;
    }

    static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /** Without a box the answer is Q⁻¹c: one iteration, one factorization. */
    @Test
    void unconstrainedIsOneNewtonStep() {
        SplittableRandom rnd = new SplittableRandom(12);
        try (Arena arena = Arena.ofConfined()) {
            int n = 17, m = 9;
            Instance in = random(rnd, m, n, 0.5, 1);
            BoxQp qp = BoxQp.of(FloatMatrix.of(arena, m, n, toFloat(in.w)), 0.5);
            Box free = Box.uniform(arena, n, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
            FloatVec z = FloatVec.allocate(arena, n);
            assertEquals(1, qp.solve(vec(arena, in.p), vec(arena, in.q), free, z, 1e-11, 10));
            assertEquals(1, qp.factorizations());
            double[] lo = new double[n], hi = new double[n];
            java.util.Arrays.fill(lo, Double.NEGATIVE_INFINITY);
            java.util.Arrays.fill(hi, Double.POSITIVE_INFINITY);
            Instance unboxed = new Instance(in.w, m, n, 0.5, in.p, in.q, lo, hi);
            assertTrue(unboxed.projectedGradient(widen(z)) <= 1e-6);
        }
    }

    /** μ = 0 with a tall full-column-rank W is fine; with a wide W (rank m &lt; n) it needs λ &gt; 0. */
    @Test
    void singularQuadraticAsksForAnL2Weight() {
        SplittableRandom rnd = new SplittableRandom(13);
        try (Arena arena = Arena.ofConfined()) {
            Instance tall = random(rnd, 12, 5, 0, 1);
            BoxQp ok = BoxQp.of(FloatMatrix.of(arena, 12, 5, toFloat(tall.w)), 0);
            FloatVec z = FloatVec.allocate(arena, 5);
            ok.solve(vec(arena, tall.p), vec(arena, tall.q), Box.uniform(arena, 5, -100, 100), z, 1e-10, 50);
            assertTrue(ok.lastProjectedGradientNorm() <= 1e-10);
            Instance wide = random(rnd, 3, 8, 0, 1);
            BoxQp singular = BoxQp.of(FloatMatrix.of(arena, 3, 8, toFloat(wide.w)), 0);
            assertMessage(() -> singular.solve(vec(arena, wide.p), vec(arena, wide.q), Box.uniform(arena, 8, -100, 100),
                    FloatVec.allocate(arena, 8), 1e-10, 50), "not positive definite", "lambda > 0", "mu = 0.0");
            // The same W with μ > 0 solves.
            BoxQp regular = BoxQp.of(FloatMatrix.of(arena, 3, 8, toFloat(wide.w)), 1e-3);
            regular.solve(vec(arena, wide.p), vec(arena, wide.q), Box.uniform(arena, 8, -100, 100),
                    FloatVec.allocate(arena, 8), 1e-10, 50);
            assertTrue(regular.lastProjectedGradientNorm() <= 1e-10);
        }
    }

    @Test
    void invalidArgumentsAreRefusedWithTheirValues() {
        try (Arena arena = Arena.ofConfined()) {
            FloatMatrix w = FloatMatrix.allocate(arena, 2, 3);
            assertMessage(() -> BoxQp.of(w, -1), "mu", ">= 0", "got -1.0");
            assertMessage(() -> BoxQp.of(w, Double.NaN), "mu", "got NaN");
            BoxQp qp = BoxQp.of(w, 1);
            FloatVec p = FloatVec.allocate(arena, 3), q = FloatVec.allocate(arena, 2), z = FloatVec.allocate(arena, 3);
            Box box = Box.uniform(arena, 3, 0, 1);
            assertMessage(() -> qp.solve(p, FloatVec.allocate(arena, 3), box, z, 1e-9, 10), "q", "expected 2", "got 3");
            assertMessage(() -> qp.solve(p, q, Box.uniform(arena, 2, 0, 1), z, 1e-9, 10), "box", "expected 3", "got 2");
            assertMessage(() -> qp.solve(p, q, box, z, -1, 10), "tol", ">= 0", "got -1.0");
            assertMessage(() -> qp.solve(p, q, box, z, 1e-9, -1), "maxIterations", ">= 0", "got -1");
            assertMessage(() -> qp.solve(FloatVec.of(arena, 0f, Float.NaN, 0f), q, box, z, 1e-9, 10), "p[1]", "finite", "NaN");
        }
    }

    // ---- Box ----

    @Test
    void emptyOrMalformedBoxesAreRefused() {
        try (Arena arena = Arena.ofConfined()) {
            assertMessage(() -> new Box(FloatVec.of(arena, 0f, 2f, 5f), FloatVec.of(arena, 1f, 1f, 4f)),
                    "empty box", "lower[1] = 2.0 > upper[1] = 1.0");
            assertMessage(() -> new Box(FloatVec.of(arena, Float.NaN), FloatVec.of(arena, 1f)), "lower[0]", "NaN");
            assertMessage(() -> new Box(FloatVec.of(arena, 0f), FloatVec.of(arena, Float.NEGATIVE_INFINITY)), "upper[0]");
            assertMessage(() -> new Box(FloatVec.of(arena, 0f), FloatVec.of(arena, 1f, 2f)), "upper", "expected 1", "got 2");
            assertMessage(() -> Box.uniform(arena, 3, 1, 0), "lo <= hi", "lo = 1.0, hi = 0.0");
            assertMessage(() -> Box.around(arena, FloatVec.of(arena, 0f, 5f), 1, -1, 1),
                    "empty box", "lower[1] = 4.0 > upper[1] = 1.0");
            assertMessage(() -> Box.around(arena, FloatVec.of(arena, 0f), -1, -1, 1), "radius", ">= 0", "got -1.0");
        }
    }

    @Test
    void boxAroundProjectAndContains() {
        try (Arena arena = Arena.ofConfined()) {
            Box b = Box.around(arena, FloatVec.of(arena, 0.5f, 0.95f, 0.0f), 0.1, 0, 1);
            assertEquals(3, b.size());
            assertEquals(0.4f, b.lower().get(0));
            assertEquals(0.6f, b.upper().get(0));
            // Computed in double, rounded to the nearest float: 0.95f − 0.1 is 0.84999996f, not 0.85f.
            assertEquals((float) ((double) 0.95f - 0.1), b.lower().get(1));
            assertEquals(1f, b.upper().get(1));
            assertEquals(0f, b.lower().get(2));
            assertEquals(0.1f, b.upper().get(2));
            FloatVec x = FloatVec.of(arena, 0.3f, 0.9f, 7f);
            assertFalse(b.contains(x));
            b.project(x);
            assertTrue(b.contains(x));
            assertEquals(0.4f, x.get(0));
            assertEquals(0.9f, x.get(1));
            assertEquals(0.1f, x.get(2));
            assertFalse(b.contains(FloatVec.of(arena, Float.NaN, 0.9f, 0f)));
            Box inf = Box.uniform(arena, 2, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
            assertTrue(inf.contains(FloatVec.of(arena, -1e30f, 1e30f)));
        }
    }
}
