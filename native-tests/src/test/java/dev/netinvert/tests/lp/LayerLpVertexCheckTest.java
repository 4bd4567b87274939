package dev.netinvert.tests.lp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.experiments.ImageMetrics;
import dev.netinvert.solvers.experiments.LpSweep;
import dev.netinvert.solvers.lp.LayerReport;
import dev.netinvert.solvers.lp.LayerwiseInversion;
import dev.netinvert.solvers.lp.LayerwiseInversion.Method;
import dev.netinvert.solvers.lp.LayerwiseInversion.Options;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.pursuit.GradientDescent;

import java.lang.foreign.Arena;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The LPs of [003] checked against an independent solution on one-layer problems with a 2-dimensional
 * latent, where the optimum can be found by enumerating vertices instead of by a simplex method:
 * <ul>
 *   <li>ℓ∞ (Alg. 1): min δ over (z, δ) ∈ ℝ³ is attained where three of the affine pieces ±(u_j − x_j) − δ,
 *       (u_j − x_j) − δ and −δ are tight; every triple is solved and the feasible ones compared;</li>
 *   <li>ℓ1 (Alg. 2): Σ_j viol_j(z) is convex piecewise linear in z ∈ ℝ², minimal at a crossing of two kink
 *       lines u_i = x_i, u_j = x_j (or at the bound of a constraint piece);</li>
 *   <li>relaxed (8): a linear objective over a polygon, maximal at a crossing of two constraint lines.</li>
 * </ul>
 */
class LayerLpVertexCheckTest {

    static final int K = 2, N = 9;

    /** Output j of layer 1 as (w_j, b_j) in double. */
    static double[][] rows(DenseLayer layer) {
        double[][] r = new double[N][K + 1];
        for (int j = 0; j < N; j++) {
            for (int i = 0; i < K; i++) {
                r[j][i] = layer.weight().get(j, i);
            }
            r[j][K] = layer.bias() == null ? 0 : layer.bias().get(j);
        }
        return r;
    }

    static double u(double[] row, double[] z) {
        return row[0] * z[0] + row[1] * z[1] + row[2];
    }

    /** The per-row violation of Alg. 1/2's constraints at threshold ε (ReLU): |u − x| when x &gt; ε, else (u − x)⁺. */
    static double violation(double[] row, double x, double eps, double[] z) {
        double d = u(row, z) - x;
        return x > eps ? Math.abs(d) : Math.max(0, d);
    }

    /** min over z of max_j violation, by enumerating the vertices of the epigraph in (z, δ). */
    static double linfByVertices(double[][] rows, double[] x, double eps) {
        // Pieces a·z + c − δ ≤ 0 (as {a0, a1, c}), plus δ ≥ 0.
        List<double[]> pieces = new java.util.ArrayList<>();
        for (int j = 0; j < N; j++) {
            pieces.add(new double[] {rows[j][0], rows[j][1], rows[j][2] - x[j]});
            if (x[j] > eps) {
                pieces.add(new double[] {-rows[j][0], -rows[j][1], -(rows[j][2] - x[j])});
            }
        }
        double best = Double.POSITIVE_INFINITY;
        int p = pieces.size();
        for (int a = 0; a < p; a++) {
            for (int b = a + 1; b < p; b++) {
                for (int c = b + 1; c <= p; c++) {  // c == p stands for δ = 0
                    double[][] m = new double[3][];
                    m[0] = tight(pieces.get(a));
                    m[1] = tight(pieces.get(b));
                    m[2] = c == p ? new double[] {0, 0, 1, 0} : tight(pieces.get(c));
                    double[] v = solve3(m);
                    if (v == null) {
                        continue;
                    }
                    double[] z = {v[0], v[1]};
                    double f = 0;
                    for (int j = 0; j < N; j++) {
                        f = Math.max(f, violation(rows[j], x[j], eps, z));
                    }
                    if (Math.abs(f - Math.max(0, v[2])) <= 1e-9 * (1 + f)) {
                        best = Math.min(best, f);
                    }
                }
            }
        }
        return best;
    }

    /** a0 z0 + a1 z1 − δ = −c as the row {a0, a1, −1, −c}. */
    static double[] tight(double[] piece) {
        return new double[] {piece[0], piece[1], -1, -piece[2]};
    }

    /** Cramer's rule on a 3 × 3 system [A | rhs], or null when singular. */
    static double[] solve3(double[][] m) {
        double det = det3(m, -1);
        if (Math.abs(det) < 1e-12) {
            return null;
        }
        return new double[] {det3(m, 0) / det, det3(m, 1) / det, det3(m, 2) / det};
    }

    static double det3(double[][] m, int replace) {
        double[][] a = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                a[i][j] = j == replace ? m[i][3] : m[i][j];
            }
        }
        return a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
                + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
    }

    /** Every crossing of two lines r_i·z + r_i[2] = t_i. */
    static List<double[]> crossings(double[][] rows, double[] targets) {
        List<double[]> out = new java.util.ArrayList<>();
        for (int i = 0; i < N; i++) {
            for (int j = i + 1; j < N; j++) {
                double det = rows[i][0] * rows[j][1] - rows[i][1] * rows[j][0];
                if (Math.abs(det) < 1e-12) {
                    continue;
                }
                double ri = targets[i] - rows[i][2], rj = targets[j] - rows[j][2];
                out.add(new double[] {(ri * rows[j][1] - rows[i][1] * rj) / det, (rows[i][0] * rj - ri * rows[j][0]) / det});
            }
        }
        return out;
    }

    static Network tiny(Arena arena, long seed) {
        return RandomNetworks.gaussianWithBias(arena, seed, new int[] {K, N}, List.of(Activation.RELU),
                RandomNetworks.WeightScale.fanIn(), 0.3);
    }

    static float[] observation(Network net, Arena arena, long seed, double noise) {
        float[] y = net.forward(RandomNetworks.latent(arena, K, seed, 1.0), arena).toArray();
        return LayerwiseInversionTest.noisy(y, noise, seed + 5);
    }

    @Test
    void linfLoopStopsAtTheFirstFeasibleEpsilonWithTheOptimalDelta() {
        try (Arena arena = Arena.ofConfined()) {
            int checked = 0;
            for (long seed = 1; seed <= 12; seed++) {
                Network net = tiny(arena, seed);
                float[] y = observation(net, arena, seed + 100, 0.05);
                double[] x = widened(y);
                double[][] rows = rows(net.dense(1));
                for (LayerwiseInversion.Search search : LayerwiseInversion.Search.values()) {
                    LayerReport r = LayerwiseInversion.invert(net, y, Options.builder(Method.LP_LINF).eps0(1e-3)
                            .search(search).build()).layers().get(0);
                    double eps = r.epsilon();
                    double best = linfByVertices(rows, x, eps);
                    assertTrue(best <= eps * (1 + 1e-9), "seed " + seed + ": feasible at ε = " + eps + " but the vertices say δ* = " + best);
                    double f = 0;
                    for (int j = 0; j < N; j++) {
                        f = Math.max(f, violation(rows[j], x[j], eps, r.estimate()));
                    }
                    assertEquals(best, f, 1e-7 * (1 + best), "seed " + seed + " " + search + ": the LP's z is not optimal");
                    if (eps > 1e-3 * 1.0000001) {
                        double prev = eps / 1.2;
                        assertTrue(linfByVertices(rows, x, prev) > prev, "seed " + seed + ": ε/α = " + prev + " was feasible too");
                        checked++;
                    }
                }
            }
            assertTrue(checked >= 6, "too few instances needed the ε loop: " + checked);
        }
    }

    @Test
    void l1LpReturnsAMinimumOfTheSummedViolation() {
        try (Arena arena = Arena.ofConfined()) {
            for (long seed = 1; seed <= 12; seed++) {
                Network net = tiny(arena, seed);
                float[] y = observation(net, arena, seed + 200, 0.05);
                double[] x = widened(y);
                double[][] rows = rows(net.dense(1));
                LayerReport r = LayerwiseInversion.invert(net, y, Options.builder(Method.LP_L1).eps0(1e-3).build()).layers().get(0);
                double eps = r.epsilon();
                double best = Double.POSITIVE_INFINITY;
                for (double[] z : crossings(rows, x)) {
                    best = Math.min(best, l1(rows, x, eps, z));
                }
                assertEquals(best, l1(rows, x, eps, r.estimate()), 1e-7 * (1 + best), "seed " + seed);
            }
        }
    }

    @Test
    void relaxedLpMaximisesItsObjectiveOverThePolygon() {
        try (Arena arena = Arena.ofConfined()) {
            for (long seed = 1; seed <= 12; seed++) {
                Network net = tiny(arena, seed);
                float[] y = observation(net, arena, seed + 300, 0.01);
                double[] x = widened(y);
                double[][] rows = rows(net.dense(1));
                double eps = 0.01;
                double[] bound = new double[N];
                for (int j = 0; j < N; j++) {
                    bound[j] = Math.max(0, x[j] + eps);
                }
                double best = Double.NEGATIVE_INFINITY;
                for (double[] z : crossings(rows, bound)) {
                    boolean feasible = true;
                    for (int j = 0; j < N; j++) {
                        feasible &= u(rows[j], z) <= bound[j] + 1e-9;
                    }
                    if (feasible) {
                        best = Math.max(best, relaxedObjective(rows, x, z));
                    }
                }
                double[] z = LayerwiseInversion.invert(net, y, Options.builder(Method.LP_RELAXED).eps0(eps).build()).z();
                assertEquals(best, relaxedObjective(rows, x, z), 1e-7 * (1 + Math.abs(best)), "seed " + seed);
            }
        }
    }

    /**
     * Fig. 2 [003] at k = 100 (250 hidden, 600 out): the LPs and exact inversion recover z*, gradient descent
     * (lr 1, 1000 iterations) does not; the paper has GD failing from k ≥ 60.
     */
    @Test
    void gradientDescentFailsWhereThePaperSaysAndTheLayerwiseMethodsDoNot() {
        try (Arena arena = Arena.ofConfined()) {
            Network net = RandomNetworks.generator003(arena, 5, 100, 250, 600, Activation.RELU);
            FloatVec z = RandomNetworks.latent(arena, 100, 6, 1.0);
            float[] truth = z.toArray();
            FloatVec y = net.forward(z, arena);
            double gd = ImageMetrics.relativeError(GradientDescent.solve(net, y, null, LpSweep.gdBaseline(7)).z(), truth);
            double exact = LayerwiseInversion.invert(net, y.toArray(), Options.defaults(Method.EXACT)).relativeError(truth);
            double linf = LayerwiseInversion.invert(net, y.toArray(), Options.defaults(Method.LP_LINF)).relativeError(truth);
            assertTrue(gd > 1e-3, "GD relative error " + gd);
            assertTrue(exact <= 1e-6 && linf <= 1e-6, "exact " + exact + ", ℓ∞ LP " + linf);
        }
    }

    static double l1(double[][] rows, double[] x, double eps, double[] z) {
        double s = 0;
        for (int j = 0; j < N; j++) {
            s += violation(rows[j], x[j], eps, z);
        }
        return s;
    }

    static double relaxedObjective(double[][] rows, double[] x, double[] z) {
        double s = 0;
        for (int j = 0; j < N; j++) {
            s += Math.max(0, x[j]) * (rows[j][0] * z[0] + rows[j][1] * z[1]);
        }
        return s;
    }

    static double[] widened(float[] y) {
        double[] x = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            x[i] = y[i];
        }
        return x;
    }
}
