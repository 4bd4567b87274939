package dev.netinvert.tests.pursuit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.network.Lanczos;
import dev.netinvert.solvers.network.SeededGaussian;
import dev.netinvert.solvers.pursuit.Fista;
import dev.netinvert.solvers.pursuit.LinearizedAdmm;
import dev.netinvert.solvers.pursuit.ReferenceFista;
import dev.netinvert.solvers.pursuit.ReferenceLinearizedAdmm;
import dev.netinvert.solvers.pursuit.Supports;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/**
 * The fast FISTA and linearized-ADMM workspaces against their plain-array twins on small, odd-shaped
 * instances with non-zero biases and masks.
 *
 * <p>Tolerances. One GEMV of length n differs from the sequential sum by at most ~n·ε·Σ|a_ij x_j|
 * (ε = 2⁻²⁴; SIMD lanes and several accumulators reassociate), ≈ 2e-6 relative for n ≤ 40. Both methods
 * are non-expansive (proximal gradient steps with step ≤ 1/L), so per-iteration differences add up at
 * most linearly: after 5 iterations ≤ ~1e-5, which the early check uses. Over a whole solve the restart
 * test of FISTA may flip on a rounding difference and change the path, so the final check compares the
 * limits instead: both stop at relative change 1e-7 and their solutions agree to 1e-3 relative, with
 * identical supports.
 */
class PursuitTwinTest {

    static float[] gaussian(int n, long seed, double std) {
        float[] v = new float[n];
        SeededGaussian g = new SeededGaussian(seed);
        for (int i = 0; i < n; i++) {
            v[i] = (float) (g.nextGaussian() * std);
        }
        return v;
    }

    static double relDiff(float[] a, float[] b) {
        double d = 0, s = 0;
        for (int i = 0; i < a.length; i++) {
            d += (double) (a[i] - b[i]) * (a[i] - b[i]);
            s += (double) a[i] * a[i];
        }
        return Math.sqrt(d / Math.max(s, 1e-300));
    }

    @Test
    void fistaMatchesItsTwin() {
        int m = 53, n = 23;
        try (Arena arena = Arena.ofConfined()) {
            float[] a = gaussian(m * n, 1, 1.0 / Math.sqrt(n));
            float[] b = gaussian(m, 2, 0.1);
            // y = tanh(A x* + b) with a sparse non-negative x*.
            float[] xs = gaussian(n, 3, 1);
            for (int j = 0; j < n; j++) {
                xs[j] = j % 3 == 0 ? 0f : Math.abs(xs[j]);
            }
            float[] y = new float[m], mask = new float[m];
            for (int i = 0; i < m; i++) {
                double s = b[i];
                for (int j = 0; j < n; j++) {
                    s += a[i * n + j] * xs[j];
                }
                y[i] = (float) Math.tanh(s);
                mask[i] = i % 7 == 3 ? 0f : 1f;
            }
            FloatMatrix am = FloatMatrix.of(arena, m, n, a);
            double norm = Lanczos.estimate(am).value();
            Fista fast = new Fista(arena, am, FloatVec.of(arena, b), FloatVec.of(arena, y), FloatVec.of(arena, mask),
                    Activation.TANH, 1e-4, true, norm);
            ReferenceFista ref = new ReferenceFista(a, m, n, b, y, mask, Activation.TANH, 1e-4, true, norm);
            fast.reset(FloatVec.allocate(arena, n));
            ref.reset(new float[n]);
            for (int k = 0; k < 5; k++) {
                assertTrue(fast.step() && ref.step());
            }
            assertTrue(relDiff(ref.solution(), fast.solution().toArray()) < 1e-5, "after 5 iterations");
            int kf = run(() -> fast.step(), () -> fast.lastChange() <= 1e-7 * fast.lastNorm());
            int kr = run(() -> ref.step(), () -> ref.lastChange() <= 1e-7 * ref.lastNorm());
            float[] sf = fast.solution().toArray(), sr = ref.solution();
            assertTrue(relDiff(sr, sf) < 1e-3, "limits differ by " + relDiff(sr, sf) + " after " + kf + "/" + kr + " iterations");
            assertArrayEquals(Supports.support(sr, 1e-3), Supports.support(sf, 1e-3));
            assertTrue(relDiff(xs, sf) < 1e-3, "and both recover x*: " + relDiff(xs, sf));
        }
    }

    @Test
    void linearizedAdmmMatchesItsTwinForMidAndFirstLayers() {
        int m = 61, n = 17, s = 33;
        try (Arena arena = Arena.ofConfined()) {
            float[] p = gaussian(m * n, 4, 1);
            float[] b = gaussian(m, 5, 0.05);
            float[] target = new float[s];
            for (int i = 0; i < s; i++) {
                target[i] = Math.abs(gaussian(s, 6, 1)[i]);
            }
            FloatMatrix pm = FloatMatrix.of(arena, m, n, p);
            for (boolean first : new boolean[] {false, true}) {
                double ab = 1.02 * LinearizedAdmm.lambdaMax(pm, s, 1e-2f, arena).value();
                LinearizedAdmm fast = new LinearizedAdmm(arena, pm, s, FloatVec.of(arena, b), FloatVec.of(arena, target), first,
                        1e-3, first ? 0.1 : 0, 1e-2, ab);
                ReferenceLinearizedAdmm ref = new ReferenceLinearizedAdmm(p, m, n, s, b, target, first, 1e-3, first ? 0.1 : 0,
                        1e-2, ab);
                float[] x0 = gaussian(n, 7, 0.1);
                for (int j = 0; j < n; j++) {
                    x0[j] = Math.abs(x0[j]);
                }
                fast.reset(FloatVec.of(arena, x0));
                ref.reset(x0);
                for (int k = 0; k < 5; k++) {
                    assertTrue(fast.step() && ref.step());
                }
                assertTrue(relDiff(ref.solution(), fast.solution().toArray()) < 1e-5, "after 5 iterations, first = " + first);
                // The linearized ADMM has no restart: its paths stay together, checked again after 2000 iterations.
                for (int k = 0; k < 2000; k++) {
                    assertTrue(fast.step() && ref.step());
                }
                double d = relDiff(ref.solution(), fast.solution().toArray());
                assertTrue(d < 1e-3, "after 2005 iterations, first = " + first + ": " + d);
            }
        }
    }

    private static int run(java.util.function.BooleanSupplier step, java.util.function.BooleanSupplier done) {
        for (int k = 1; k <= 20000; k++) {
            assertTrue(step.getAsBoolean());
            if (done.getAsBoolean()) {
                return k;
            }
        }
        throw new AssertionError("did not converge in 20000 iterations");
    }
}
