package dev.netinvert.tests.admm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.admm.GraphProjection;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link GraphProjection} against a brute-force minimisation of φ(x) = (x − a)² + (σ(x) − b)² over a dense
 * grid refined by golden-section search in every grid cell that holds a local minimum. The brute force
 * compares φ values through the cancellation-free difference
 * φ(x) − φ(y) = (x − y)(x + y − 2a) + (σ(x) − σ(y))(σ(x) + σ(y) − 2b), so it locates minimisers to ~1e-10
 * even where φ itself is ~1e6; positions are therefore compared to 1e-6 wherever the second-best local
 * minimum is worse by more than 1e-6·(1 + φ*).
 */
class GraphProjectionTest {

    static final List<Activation> ALL = List.of(Activation.IDENTITY, Activation.RELU, Activation.leakyRelu(0.1f),
            Activation.leakyRelu(0.5f), Activation.leakyRelu(1f), Activation.softThreshold(0f),
            Activation.softThreshold(0.5f), Activation.CLIP, Activation.TANH, Activation.SIGMOID);

    /** Newton steps allowed per point; far below GraphProjection.MAX_NEWTON per piece. */
    static final int STEP_BOUND = 40;

    static int maxStepsSeen = 0;

    // ------------------------------------------------------------------ brute force

    /** φ(x) − φ(y) without cancellation. */
    static double phiDiff(Activation s, double a, double b, double x, double y) {
        double sx = s.sigma(x), sy = s.sigma(y);
        return (x - y) * ((x - a) + (y - a)) + (sx - sy) * ((sx - b) + (sy - b));
    }

    static double phi(Activation s, double a, double b, double x) {
        double dx = x - a, dy = s.sigma(x) - b;
        return dx * dx + dy * dy;
    }

    /** Local minima (x, φ) of φ on [a − D − 1, a + D + 1], D = |σ(a) − b|, which holds every minimiser. */
    static List<double[]> bruteMinima(Activation s, double a, double b) {
        double d = Math.abs(s.sigma(a) - b);
        double lo = a - d - 1, hi = a + d + 1;
        int n = (int) Math.min(200_000, Math.max(4_001, (hi - lo) / 0.005));
        double h = (hi - lo) / (n - 1);
        double[] f = new double[n];
        for (int i = 0; i < n; i++) {
            f[i] = phi(s, a, b, lo + i * h);
        }
        List<double[]> minima = new ArrayList<>();
        for (int i = 1; i < n - 1; i++) {
            if (f[i] <= f[i - 1] && f[i] <= f[i + 1]) {
                double x = golden(s, a, b, lo + (i - 1) * h, lo + (i + 1) * h);
                minima.add(new double[] {x, phi(s, a, b, x)});
            }
        }
        minima.sort((p, q) -> Double.compare(p[1], q[1]));
        return minima;
    }

    static double golden(Activation s, double a, double b, double u, double w) {
        final double g = (Math.sqrt(5) - 1) / 2;
        double x1 = w - g * (w - u), x2 = u + g * (w - u);
        for (int k = 0; k < 200 && u < x1 && x1 < x2 && x2 < w; k++) {
            if (phiDiff(s, a, b, x1, x2) <= 0) {
                w = x2;
                x2 = x1;
                x1 = w - g * (w - u);
            } else {
                u = x1;
                x1 = x2;
                x2 = u + g * (w - u);
            }
        }
        double best = 0.5 * (u + w);
        for (double c : new double[] {u, w, x1, x2}) {
            if (phiDiff(s, a, b, c, best) < 0) {
                best = c;
            }
        }
        return best;
    }

    static int[] checkAgainstBrute(Activation s, double a, double b, double[] out) {
        int steps = GraphProjection.projectPoint(s, a, b, out);
        String where = s + " (a, b) = (" + a + ", " + b + ") -> (" + out[0] + ", " + out[1] + ")";
        assertTrue(steps <= STEP_BOUND, "steps " + steps + " for " + where);
        maxStepsSeen = Math.max(maxStepsSeen, steps);
        double x = out[0];
        assertTrue(Double.isFinite(x), where);
        assertEquals(s.sigma(x), out[1], 1e-12 * Math.max(1, Math.abs(out[1])), "on the graph: " + where);
        List<double[]> minima = bruteMinima(s, a, b);
        double[] best = minima.get(0);
        // Not farther than the brute-force minimum.
        double excess = phiDiff(s, a, b, x, best[0]);
        assertTrue(excess <= 1e-12 * (1 + best[1]), "excess " + excess + " over brute " + best[0] + " for " + where);
        // Same point where the minimiser is unique (second-best local minimum clearly worse).
        boolean unique = true;
        for (double[] m : minima) {
            if (Math.abs(m[0] - best[0]) > 1e-3 && m[1] - best[1] <= 1e-6 * (1 + best[1])) {
                unique = false;
            }
        }
        if (unique) {
            assertEquals(best[0], x, 1e-6 * (1 + Math.abs(x)), "minimiser: " + where);
        }
        return new int[] {steps, unique ? 1 : 0};
    }

    /** Test points: random at several scales, on the graph, at and near every kink, beyond σ's range. */
    static List<double[]> points(Activation s, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<double[]> pts = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            pts.add(new double[] {rnd.nextDouble(-5, 5), rnd.nextDouble(-5, 5)});
        }
        for (int i = 0; i < 60; i++) {
            double sc = Math.pow(10, rnd.nextDouble(-3, 3));
            pts.add(new double[] {sc * rnd.nextDouble(-1, 1), Math.pow(10, rnd.nextDouble(-3, 3)) * rnd.nextDouble(-1, 1)});
        }
        for (int i = 0; i < 40; i++) {
            double x = rnd.nextDouble(-6, 6);
            pts.add(new double[] {x, s.sigma(x)});                  // on the graph
            pts.add(new double[] {x + 1e-9, s.sigma(x) - 1e-9});    // next to it
        }
        double lam = s instanceof Activation.SoftThreshold st ? st.lambda() : 0;
        for (double k : new double[] {0, 1, -1, lam, -lam}) {        // kinks and piece boundaries
            for (double db : new double[] {-3, -1, -0.5, 0, 1e-9, 0.5, 1, 3}) {
                for (double eps : new double[] {0, 1e-9, -1e-9, 1e-3}) {
                    pts.add(new double[] {k + eps, s.sigma(k) + db});
                    pts.add(new double[] {k + db, s.sigma(k) + eps});
                }
            }
        }
        // Medial-axis-like points of ReLU/clip: equidistant from two pieces (ties).
        pts.add(new double[] {1 - Math.sqrt(2), 1});
        pts.add(new double[] {-2, 2});
        pts.add(new double[] {2, -2});
        pts.add(new double[] {-3, 3});                               // tanh: two local minima
        pts.add(new double[] {3, -3});
        for (double b : new double[] {0.999, 1, 1.001, 1.5, 2, 3, 5, 10, 100, 1e3}) { // sweep beyond the range
            for (double a : new double[] {-8, -5, -3, -1, 0, 1, 3, 8}) {
                pts.add(new double[] {a, b});
                pts.add(new double[] {a, -b});
                pts.add(new double[] {a, 1 - b});
            }
        }
        return pts;
    }

    @Test
    void matchesBruteForceForEveryActivation() {
        int n = 0, unique = 0;
        long seed = 1;
        for (Activation s : ALL) {
            double[] out = new double[2];
            for (double[] p : points(s, seed++)) {
                int[] r = checkAgainstBrute(s, p[0], p[1], out);
                n++;
                unique += r[1];
            }
        }
        System.out.println("GraphProjectionTest: " + n + " points against brute force (" + unique
                + " with a unique minimiser), max Newton steps " + maxStepsSeen);
        assertTrue(unique > n * 9 / 10, "most points have a unique minimiser: " + unique + " of " + n);
    }

    @Test
    void tanhExampleWithTwoLocalMinimaTakesTheGlobalOne() {
        double[] out = new double[2];
        GraphProjection.projectPoint(Activation.TANH, -3, 3, out);
        assertEquals(-2.96, out[0], 0.01);
        // φ also has a local minimum at x = 0 (φ′(0) = 0, φ″(0) > 0), which is worse.
        assertTrue(phi(Activation.TANH, -3, 3, out[0]) < phi(Activation.TANH, -3, 3, 0) - 1);
        GraphProjection.projectPoint(Activation.TANH, 3, -3, out);
        assertEquals(2.96, out[0], 0.01);
    }

    @Test
    void closedFormsAndTies() {
        double[] out = new double[2];
        GraphProjection.projectPoint(Activation.IDENTITY, 1, 4, out);
        assertEquals(2.5, out[0]);
        GraphProjection.projectPoint(Activation.RELU, -1, 2, out); // (−1, 0) at 4 vs (0.5, 0.5) at 4.5
        assertEquals(-1, out[0]);
        GraphProjection.projectPoint(Activation.CLIP, -2, 2, out); // (−2, −1): 9; (0, 0): 8; (1, 1): 10
        assertEquals(0, out[0]);
        GraphProjection.projectPoint(Activation.softThreshold(1f), 0, 1, out); // (−1, 0): 2; (0, 0): 1; (1, 0): 2
        assertEquals(0, out[0]);
        GraphProjection.projectPoint(Activation.CLIP, -3, 0, out); // (−3, −1): 1; (−1, −1): 5; (1, 1): 17
        assertEquals(-3, out[0]);
        // An exact tie between distinct candidates: ReLU at
        // (−1, 1 + √2) is one in exact arithmetic ((−1, 0) and (√2/2, √2/2) both at distance² 3 + 2√2), so
        // the rounded result must be one of the two candidates.
        GraphProjection.projectPoint(Activation.RELU, -1, 1 + Math.sqrt(2), out);
        assertTrue(out[0] == -1 && out[1] == 0 || Math.abs(out[0] - Math.sqrt(0.5)) < 1e-15 && out[0] == out[1],
                out[0] + ", " + out[1]);
    }

    @Test
    void specialValues() {
        double[] out = new double[2];
        double inf = Double.POSITIVE_INFINITY, nan = Double.NaN;
        for (Activation s : ALL) {
            for (double[] p : new double[][] {{nan, 0}, {0, nan}, {nan, nan}, {inf, inf}, {-inf, inf}, {inf, -inf}}) {
                assertEquals(0, GraphProjection.projectPoint(s, p[0], p[1], out));
                assertTrue(Double.isNaN(out[0]) && Double.isNaN(out[1]), s + " " + p[0] + ", " + p[1]);
            }
            for (double a : new double[] {inf, -inf}) {
                GraphProjection.projectPoint(s, a, 0.25, out);
                assertEquals(a, out[0], s.toString());
                assertEquals(s.sigma(a), out[1], s.toString());
            }
            for (double b : new double[] {inf, -inf}) {
                GraphProjection.projectPoint(s, 0.5, b, out);
                double x = switch (s) {
                    case Activation.Relu _ -> b < 0 ? 0 : b;
                    case Activation.Clip _ -> b < 0 ? -1 : 1;
                    default -> b;
                };
                assertEquals(x, out[0], s + " b = " + b);
                assertEquals(s.sigma(x), out[1], s + " b = " + b);
            }
        }
        GraphProjection.projectPoint(Activation.CLIP, 3, inf, out);
        assertEquals(3, out[0]);
    }

    @Test
    void idempotentOnTheGraph() {
        SplittableRandom rnd = new SplittableRandom(7);
        double[] out = new double[2], again = new double[2];
        for (Activation s : ALL) {
            for (int i = 0; i < 2000; i++) {
                double x = i < 1000 ? rnd.nextDouble(-10, 10) : Math.pow(10, rnd.nextDouble(-8, 8)) * (rnd.nextBoolean() ? 1 : -1);
                GraphProjection.projectPoint(s, x, s.sigma(x), out);
                assertEquals(x, out[0], s + " at " + x);
                assertEquals(s.sigma(x), out[1]);
                // P(P(p)) = P(p) for arbitrary p.
                GraphProjection.projectPoint(s, rnd.nextDouble(-6, 6), rnd.nextDouble(-6, 6), out);
                assertEquals(0, GraphProjection.projectPoint(s, out[0], out[1], again));
                assertEquals(out[0], again[0]);
                assertEquals(out[1], again[1]);
            }
        }
    }

    /** Huge and tiny finite inputs: finite result on the graph, few steps, no worse than a log-spaced sampling. */
    @Test
    void extremeFiniteInputsStayFarBelowTheIterationCap() {
        double[] mags = {0, Double.MIN_VALUE, 1e-300, 1e-8, 0.5, 1, 1 + 1e-15, 2, 20, 40, 1e3, 1e8, 1e30, 1e300, Double.MAX_VALUE};
        double[] out = new double[2];
        int maxSteps = 0, n = 0;
        for (Activation s : ALL) {
            for (double ma : mags) {
                for (double mb : mags) {
                    for (int sg = 0; sg < 4; sg++) {
                        double a = (sg & 1) == 0 ? ma : -ma, b = (sg & 2) == 0 ? mb : -mb;
                        int steps = GraphProjection.projectPoint(s, a, b, out);
                        n++;
                        maxSteps = Math.max(maxSteps, steps);
                        String where = s + " (" + a + ", " + b + ") -> (" + out[0] + ", " + out[1] + ")";
                        assertTrue(steps <= STEP_BOUND, steps + " steps: " + where);
                        if (s instanceof Activation.LeakyRelu && ma == Double.MAX_VALUE && mb == Double.MAX_VALUE
                                && Double.isInfinite(out[0])) {
                            // The exact projection (a + sb)/(1 + s²) lies beyond the double range.
                            assertTrue(a < 0 && b < 0 && l(s) < 1, where);
                            continue;
                        }
                        assertTrue(Double.isFinite(out[0]), where);
                        assertEquals(s.sigma(out[0]), out[1], where);
                        for (double t : samples(a)) {
                            assertTrue(scaledExcess(s, a, b, out[0], t) <= 0, "worse than x = " + t + ": " + where);
                        }
                    }
                }
            }
        }
        maxStepsSeen = Math.max(maxStepsSeen, maxSteps);
        System.out.println("GraphProjectionTest: " + n + " extreme points, max Newton steps " + maxSteps);
    }

    /**
     * φ(x) − φ(t) after an exact power-of-two scaling (no overflow), minus its rounding-error bound: positive
     * only if x is certainly worse than t.
     */
    static double scaledExcess(Activation s, double a, double b, double x, double t) {
        double sc = Math.scalb(1.0, -Math.getExponent(Math.max(1, Math.max(Math.max(Math.abs(a), Math.abs(b)), Math.abs(t)))));
        double sx = s.sigma(x), st = s.sigma(t);
        double xs = x * sc, ts = t * sc, as = a * sc, bs = b * sc, sxs = sx * sc, sts = st * sc;
        double dx = xs - ts, px = (xs - as) + (ts - as), dy = sxs - sts, py = (sxs - bs) + (sts - bs);
        double tol = 1e-12 * (Math.abs(dx * px) + Math.abs(dy * py))
                + 4 * Math.ulp(Math.max(1, Math.max(Math.abs(sx), Math.abs(st)))) * sc * Math.abs(py)
                + 4 * Math.ulp(Math.max(Math.abs(x), Math.abs(t))) * sc * Math.abs(px);
        return dx * px + dy * py - tol;
    }

    static double l(Activation s) {
        return ((Activation.LeakyRelu) s).slope();
    }

    static double[] samples(double a) {
        List<Double> t = new ArrayList<>(List.of(a, 0.0));
        for (double m = 1e-3; m < 1e4; m *= 1.3) {
            t.add(m);
            t.add(-m);
            t.add(a + m);
            t.add(a - m);
        }
        return t.stream().mapToDouble(Double::doubleValue).toArray();
    }

    @Test
    void floatProjectEqualsProjectPointRoundedOnUnalignedSlices() {
        SplittableRandom rnd = new SplittableRandom(3);
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MAX_VALUE,
                -Float.MAX_VALUE, Float.MIN_VALUE, 1e30f, -3f, 3f, 1f, -1f};
        double[] out = new double[2];
        try (Arena arena = Arena.ofConfined()) {
            for (Activation s : ALL) {
                for (int n : new int[] {1, 17, 1023}) {
                    for (int shift : new int[] {0, 1, 3}) {
                        FloatVec pre = FloatVec.allocate(arena, n + 4).slice(shift, n);
                        FloatVec post = FloatVec.allocate(arena, n + 4).slice(3 - shift, n);
                        float[] a = new float[n], b = new float[n];
                        for (int i = 0; i < n; i++) {
                            int kind = rnd.nextInt(10);
                            a[i] = kind == 0 ? specials[rnd.nextInt(specials.length)] : (float) rnd.nextDouble(-6, 6);
                            b[i] = kind == 1 ? specials[rnd.nextInt(specials.length)] : (float) rnd.nextDouble(-6, 6);
                        }
                        pre.copyFrom(a);
                        post.copyFrom(b);
                        GraphProjection.project(s, pre, post);
                        for (int i = 0; i < n; i++) {
                            GraphProjection.projectPoint(s, a[i], b[i], out);
                            String where = s + " n=" + n + " i=" + i + " (" + a[i] + ", " + b[i] + ")";
                            assertEquals(Float.floatToIntBits((float) out[0]), Float.floatToIntBits(pre.get(i)), where);
                            assertEquals(Float.floatToIntBits((float) out[1]), Float.floatToIntBits(post.get(i)), where);
                        }
                    }
                }
            }
        }
    }

    @Test
    void argumentsAreValidated() {
        try (Arena arena = Arena.ofConfined()) {
            FloatVec three = FloatVec.allocate(arena, 3), four = FloatVec.allocate(arena, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> GraphProjection.project(Activation.TANH, three, four));
            assertTrue(e.getMessage().contains("post") && e.getMessage().contains("3") && e.getMessage().contains("4"),
                    e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GraphProjection.projectPoint(Activation.RELU, 0, 0, new double[1]));
        assertTrue(e.getMessage().contains("out"), e.getMessage());
        if (GraphProjection.MAX_NEWTON <= STEP_BOUND) {
            fail("the cap must lie above the bound the tests observe");
        }
    }
}
