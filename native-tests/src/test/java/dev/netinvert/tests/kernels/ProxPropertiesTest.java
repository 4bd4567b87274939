package dev.netinvert.tests.kernels;

import static dev.netinvert.tests.kernels.ProxFixtures.ACTIVATIONS;
import static dev.netinvert.tests.kernels.ProxFixtures.data;
import static dev.netinvert.tests.kernels.ProxFixtures.label;
import static dev.netinvert.tests.kernels.ProxFixtures.preActivations;
import static dev.netinvert.tests.kernels.ProxFixtures.ulpDistance;
import static dev.netinvert.tests.kernels.ProxFixtures.vec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Prox;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The mathematical properties of the activation kernels, checked in double precision on the float
 * outputs of the active implementation (through the {@link Prox} facade): prox optimality
 * z − u ∈ c·∂Ψ(u), firm non-expansiveness, Moreau decompositions, B_Ψ(y, z) ≥ ½(y − σ(z))²,
 * B_Ψ(σ(z), z) = 0, ∇_z B_Ψ = σ(z) − y against central finite differences, and convergence of the
 * Newton iterations for extreme inputs.
 */
@Tag("kernels")
class ProxPropertiesTest {

    private static final float[] SCALES = {1e-3f, 0.3f, 1f, 2.5f, 1e3f};
    private static final int N = 1031;

    /** Ulps of the prox output the optimality bracket allows (the kernel-vs-reference bound of ProxKernelsTest). */
    private static final int PROX_ULPS = 4;

    // ------------------------------------------------------------------ Ψ′ in double, for the checks

    /** artanh(u) − u without cancellation (series below 0.1). */
    private static double artanhMinusIdentity(double u) {
        if (Math.abs(u) < 0.1) {
            double x = u * u, term = u * x, s = 0;
            for (int k = 1; k < 30; k++) {
                s += term / (2 * k + 1);
                term *= x;
            }
            return s;
        }
        return 0.5 * Math.log1p(2 * u / (1 - u)) - u;
    }

    /**
     * F(x) = x − z + c·Ψ′(x) for the activations with differentiable Ψ, increasing in x; the exact prox
     * is its root. ±∞ beyond the domain.
     */
    private static double optimalityResidual(Activation a, double x, double z, double c) {
        return switch (a) {
            case Activation.Identity id -> x - z;
            case Activation.LeakyRelu lr -> x - z + c * lr.curvature() * Math.min(x, 0);
            case Activation.Tanh t -> x >= 1 ? Double.POSITIVE_INFINITY : x <= -1 ? Double.NEGATIVE_INFINITY
                    : (x - z) + c * artanhMinusIdentity(x);
            case Activation.Sigmoid s -> x >= 1 ? Double.POSITIVE_INFINITY : x <= 0 ? Double.NEGATIVE_INFINITY
                    : (x - z) + c * (Math.log(x) - Math.log1p(-x) - x);
            default -> throw new IllegalArgumentException(a.name());
        };
    }

    /**
     * z − u ∈ c·∂Ψ(u) to within the float rounding of u: for differentiable Ψ the monotone residual F
     * changes sign between u − k·ulp(u) and u + k·ulp(u) (up to its own double rounding); for the
     * indicator and ℓ1 cases the subdifferential is checked directly.
     */
    private static void assertOptimal(Activation a, float c, float z, float u) {
        String where = label(a) + " c=" + c + " z=" + z + " u=" + u;
        if (Float.isNaN(z)) {
            assertTrue(Float.isNaN(u), where);
            return;
        }
        switch (a) {
            case Activation.Relu r -> assertTrue(u > 0 ? z == u : u == 0 && z <= 0, where); // ∂ι(0) = (−∞, 0]
            case Activation.Clip cl -> assertTrue(Math.abs(u) < 1 ? z == u : (u == 1 ? z >= 1 : u == -1 && z <= -1), where);
            case Activation.SoftThreshold st -> {
                double theta = (double) c * st.lambda(); // ∂(cλ|·|)(u) = {cλ·sign u}, [−cλ, cλ] at 0
                if (u == 0) {
                    assertTrue(Math.abs(z) <= theta, where);
                } else {
                    assertTrue(Math.abs(z - u - Math.signum(u) * theta) <= 0.5 * Math.ulp(u), where);
                }
            }
            default -> {
                double step = PROX_ULPS * Math.max(Math.ulp(u), Float.MIN_VALUE);
                double below = optimalityResidual(a, u - step, z, c);
                double above = optimalityResidual(a, u + step, z, c);
                double noise = 1e-15 * (Math.abs(z) + 1 + c * Math.abs(optimalityResidual(a, u, 0, 1) - u));
                if (!(below <= noise && above >= -noise)) {
                    fail(where + ": the root of z − u ∈ c∂Ψ(u) is not within " + PROX_ULPS + " ulp of u: F(u−)="
                            + below + ", F(u+)=" + above);
                }
            }
        }
    }

    private interface ActivationCase {
        void run(Activation a, float[] z, SplittableRandom rnd, Arena arena);
    }

    /**
     * For each activation in turn: N pre-activations z drawn from one stream seeded with {@code seed}, which
     * the case continues for its other inputs, and one arena for all of them.
     */
    private static void forEachActivation(long seed, ActivationCase body) {
        SplittableRandom rnd = new SplittableRandom(seed);
        try (Arena arena = Arena.ofConfined()) {
            for (Activation a : ACTIVATIONS) {
                body.run(a, preActivations(rnd, N), rnd, arena);
            }
        }
    }

    @Test
    void proxSatisfiesTheOptimalityCondition() {
        forEachActivation(11, (a, z, rnd, arena) -> {
            FloatVec zv = vec(arena, z, 1), out = vec(arena, new float[N], 0);
            for (float c : SCALES) {
                Prox.prox(a, c, zv, out);
                for (int i = 0; i < N; i++) {
                    assertOptimal(a, c, z[i], out.get(i));
                }
            }
        });
    }

    /**
     * ⟨p(a) − p(b), a − b⟩ ≥ ‖p(a) − p(b)‖², checked per coordinate (the maps are separable) on random
     * pairs, many of them close (the tight case). With outputs off by e ≤ k·ulp, the two sides move by at
     * most |eₐ − e_b|(|a − b| + 2|p(a) − p(b)|) + (eₐ − e_b)², which is the tolerance.
     */
    @Test
    void proxIsFirmlyNonExpansive() {
        forEachActivation(12, (a, x, rnd, arena) -> {
            float[] y = new float[N];
            for (int i = 0; i < N; i++) {
                y[i] = rnd.nextBoolean() ? x[i] + (float) (1e-3 * ProxFixtures.gaussian(rnd)) : preActivations(rnd, 1)[0];
            }
            FloatVec xv = vec(arena, x, 0), yv = vec(arena, y, 2), px = vec(arena, new float[N], 0),
                    py = vec(arena, new float[N], 0);
            for (float c : SCALES) {
                Prox.prox(a, c, xv, px);
                Prox.prox(a, c, yv, py);
                for (int i = 0; i < N; i++) {
                    double pa = px.get(i), pb = py.get(i), d = (double) x[i] - y[i], dp = pa - pb;
                    double e = PROX_ULPS * (Math.ulp(px.get(i)) + Math.ulp(py.get(i)));
                    double tol = e * (Math.abs(d) + 2 * Math.abs(dp)) + e * e;
                    if (!(dp * d >= dp * dp - tol)) {
                        fail(label(a) + " c=" + c + " a=" + x[i] + " b=" + y[i] + ": ⟨p(a)−p(b), a−b⟩ = " + dp * d
                                + " < ‖p(a)−p(b)‖² = " + dp * dp);
                    }
                }
            }
        });
    }

    /**
     * Moreau: z = prox_{cΨ}(z) + c·prox_{c⁻¹Ψ*}(z/c). Soft-threshold (Ψ* = ι of [−λ, λ]): the remainder is the
     * clamp to [−cλ, cλ]. ReLU (Ψ* = ι of (−∞, 0]): min(z, 0). Leaky ReLU (Ψ*(p) = p²/(2k) for p ≤ 0):
     * min(z, 0)·kc/(1 + kc). Clip (Ψ* = |·|): the soft-threshold kernel with λ = 1, for every c.
     */
    @Test
    void moreauDecomposition() {
        SplittableRandom rnd = new SplittableRandom(13);
        try (Arena arena = Arena.ofConfined()) {
            float[] z = preActivations(rnd, N);
            FloatVec zv = vec(arena, z, 3), p = vec(arena, new float[N], 0), q = vec(arena, new float[N], 1);
            for (float c : SCALES) {
                Activation.SoftThreshold soft = new Activation.SoftThreshold(0.7f);
                Prox.prox(soft, c, zv, p);
                double theta = (double) c * soft.lambda();
                for (int i = 0; i < N; i++) {
                    double remainder = Math.max(-theta, Math.min(theta, z[i]));
                    // p = z − θ·sign z rounded once: |p + clamp − z| ≤ ½ulp(p).
                    assertTrue(Math.abs(p.get(i) + remainder - z[i]) <= 0.5 * Math.ulp(p.get(i)),
                            () -> "soft c=" + c + " z=" + z[0]);
                }
                Prox.prox(Activation.RELU, c, zv, p);
                for (int i = 0; i < N; i++) {
                    assertTrue(z[i] == p.get(i) + Math.min(z[i], 0f), "relu z=" + z[i]);
                }
                Activation.LeakyRelu leaky = new Activation.LeakyRelu(0.2f);
                Prox.prox(leaky, c, zv, p);
                double kc = leaky.curvature() * c;
                for (int i = 0; i < N; i++) {
                    double remainder = Math.min(z[i], 0) * kc / (1 + kc);
                    // p = z/(1 + kc) with a factor rounded once and a rounded product: 1 ulp.
                    assertTrue(Math.abs(p.get(i) + remainder - z[i]) <= Math.ulp(p.get(i)) + 1e-15 * Math.abs(z[i]),
                            "leaky c=" + c + " z=" + z[i]);
                }
                Prox.prox(Activation.CLIP, c, zv, p);
                Prox.prox(new Activation.SoftThreshold(1f), 1f, zv, q);
                for (int i = 0; i < N; i++) {
                    assertTrue(Math.abs((double) p.get(i) + q.get(i) - z[i]) <= 0.5 * Math.ulp(q.get(i)),
                            "clip + soft(1) z=" + z[i]);
                }
            }
        }
    }

    // ------------------------------------------------------------------ the Bregman loss

    /** A bound on the double-precision rounding in evaluating B_Ψ(y, z): the magnitudes of its terms. */
    private static double scale(Activation a, double y, double z) {
        return 1 + y * y + Math.abs(a.conjugate(z)) + Math.abs(y * z);
    }

    @Test
    void bregmanLossBoundsTheSquaredResidual() {
        forEachActivation(14, (a, z, rnd, arena) -> {
            float[] y = data(rnd, a, z);
            double half = 0, tol = 0;
            for (int i = 0; i < N; i++) {
                double s = a.sigma(z[i]);
                double lower = 0.5 * (y[i] - s) * (y[i] - s);
                double b = a.bregman(y[i], z[i]);
                double t = 8 * 0x1p-53 * scale(a, y[i], z[i]);
                final int k = i;
                assertTrue(b >= lower - t, () -> label(a) + " y=" + y[k] + " z=" + z[k] + ": B=" + b + " < " + lower);
                half += lower;
                tol += t;
            }
            // The kernel's sum obeys the summed inequality.
            FloatVec zv = vec(arena, z, 0), yv = vec(arena, y, 1);
            double sum = Prox.bregmanLoss(a, yv, zv);
            double slack = tol * (N + 64);
            double h = half;
            assertTrue(sum >= h - slack, () -> label(a) + ": Σ B = " + sum + " < ½‖y − σ(z)‖² = " + h);
        });
    }

    /**
     * B_Ψ(σ(z), z) = 0 up to the rounding of y = σ(z) to float: by convexity of B in y,
     * 0 ≤ B(y, z) ≤ (Φ′(y) − z)(y − σ(z)) where Φ′ is finite; at a boundary point of dom Ψ (tanh ±1,
     * sigmoid 0 or 1) B(y, z) = ln(1 + e^(−2|z|)) resp. ln(1 + e^(−|z|)) ≤ 2|y − σ(z)|; for the
     * piecewise-linear maps y and σ(z) lie on one linear piece, where B = (y − σ(z))²/(2·slope).
     */
    @Test
    void bregmanLossVanishesOnTheGraph() {
        forEachActivation(15, (a, z, rnd, arena) -> {
            FloatVec zv = vec(arena, z, 0), yv = vec(arena, new float[N], 0);
            Prox.apply(a, zv, yv);
            double bound = 0;
            for (int i = 0; i < N; i++) {
                double y = yv.get(i), s = a.sigma(z[i]), e = Math.abs(y - s);
                double rounding = 16 * 0x1p-53 * scale(a, y, z[i]);
                double phiPrime = switch (a) {
                    case Activation.Tanh t -> Math.abs(y) < 1 ? 0.5 * Math.log1p(2 * y / (1 - y)) : Double.NaN;
                    case Activation.Sigmoid g -> y > 0 && y < 1 ? Math.log(y) - Math.log1p(-y) : Double.NaN;
                    default -> Double.NaN;
                };
                double bi = switch (a) {
                    case Activation.Tanh t -> Double.isNaN(phiPrime) ? 2 * e : Math.abs((phiPrime - z[i]) * (y - s));
                    case Activation.Sigmoid g -> Double.isNaN(phiPrime) ? 2 * e : Math.abs((phiPrime - z[i]) * (y - s));
                    case Activation.LeakyRelu lr -> e * e / (2 * lr.slope());
                    default -> e * e / 2;
                };
                double b = a.bregman(y, z[i]);
                final int k = i;
                final double lim = bi + rounding;
                assertTrue(b <= lim && b >= -rounding, () -> label(a) + " z=" + z[k] + ": B(σ(z), z) = " + b + " > " + lim);
                bound += lim;
            }
            double sum = Prox.bregmanLoss(a, yv, zv);
            double lim = bound + (N + 64) * 0x1p-53 * bound;
            assertTrue(Math.abs(sum) <= lim, () -> label(a) + ": Σ B(σ(z), z) = " + sum + " > " + lim);
        });
    }

    /**
     * ∇_z B_Ψ(y, z) = σ(z) − y: the kernel's float gradient against a central difference of the scalar
     * B_Ψ in double, h = 10⁻⁴·max(1, |z|), away from kinks. Tolerance: the kernel's float error
     * (4 ulp of σ, y and the result) + the truncation error h²·max|σ″|/6 ≤ h²/6 + the cancellation in the
     * difference quotient 4·2⁻⁵³·scale/h.
     */
    @Test
    void bregmanGradientMatchesFiniteDifferences() {
        forEachActivation(16, (a, z, rnd, arena) -> {
            float[] y = data(rnd, a, z);
            FloatVec zv = vec(arena, z, 0), yv = vec(arena, y, 0), g = vec(arena, new float[N], 0);
            Prox.bregmanGradient(a, yv, zv, g);
            int checked = 0;
            for (int i = 0; i < N; i++) {
                double zi = z[i], h = 1e-4 * Math.max(1, Math.abs(zi));
                if (nearKink(a, zi, 2 * h)) {
                    continue;
                }
                double fd = (a.bregman(y[i], zi + h) - a.bregman(y[i], zi - h)) / (2 * h);
                double tol = 4 * (Math.ulp(a.apply(z[i])) + Math.ulp(y[i]) + Math.ulp(g.get(i)))
                        + h * h / 6 + 4 * 0x1p-53 * scale(a, y[i], Math.abs(zi) + h) / h;
                final int k = i;
                assertTrue(Math.abs(g.get(i) - fd) <= tol,
                        () -> label(a) + " y=" + y[k] + " z=" + z[k] + ": gradient " + g.get(k) + " vs finite difference " + fd);
                checked++;
            }
            assertTrue(checked > N / 2, label(a) + ": only " + checked + " points away from kinks");
        });
    }

    private static boolean nearKink(Activation a, double z, double r) {
        return switch (a) {
            case Activation.Relu x -> Math.abs(z) < r;
            case Activation.LeakyRelu x -> Math.abs(z) < r;
            case Activation.SoftThreshold st -> Math.abs(Math.abs(z) - st.lambda()) < r;
            case Activation.Clip x -> Math.abs(Math.abs(z) - 1) < r;
            default -> false;
        };
    }

    // ------------------------------------------------------------------ Newton at the extremes

    /**
     * Every (z, c) pair from extreme grids, each repeated over a vector long enough for the SIMD body and
     * a scalar tail: finite results inside the range of σ, within the kernel tolerance of the reference,
     * optimal, and a bounded number of Newton evaluations (≤ 12 per element, well below the cap of 32).
     */
    @Test
    void newtonConvergesForExtremeInputs() {
        float[] zs = {20f, -20f, 1e4f, -1e4f, 9.01f, -9.01f, 3f, -3f, 0.5f, -0.5f, 1e-30f, -1e-30f, 1e30f, -1e30f,
                Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, 0f, 0.3295f, 17.5f, -104f};
        float[] cs = {1e-30f, 1e-12f, 1e-6f, 1e-3f, 0.999f, 1.001f, 1e3f, 1e6f, 1e12f, 1e30f};
        int len = 37;
        try (Arena arena = Arena.ofConfined()) {
            FloatVec zv = FloatVec.allocate(arena, len), out = FloatVec.allocate(arena, len);
            for (Activation a : new Activation[] {Activation.TANH, Activation.SIGMOID}) {
                for (float z : zs) {
                    for (float c : cs) {
                        for (int i = 0; i < len; i++) {
                            zv.set(i, z);
                        }
                        long iterations = Prox.proxCountingIterations(a, c, zv, out);
                        String where = label(a) + " z=" + z + " c=" + c;
                        assertTrue(iterations <= 12L * len, where + ": " + iterations / (double) len + " iterations per element");
                        double ref = a.prox(z, c);
                        assertTrue(a.proxIterations(z, c) <= 16, where + ": reference took " + a.proxIterations(z, c));
                        for (int i = 0; i < len; i++) {
                            float u = out.get(i);
                            boolean inRange = a instanceof Activation.Tanh ? Math.abs(u) <= 1 : u >= 0 && u <= 1;
                            assertTrue(inRange, where + ": " + u);
                            assertTrue(ulpDistance(u, ref) <= PROX_ULPS, where + ": " + u + " vs reference " + ref);
                            assertOptimal(a, c, z, u);
                        }
                    }
                }
            }
        }
    }

    /** The documented special values: NaN → NaN, ±∞ → the limits of σ; nothing loops. */
    @Test
    void nonFiniteInputsGiveNaNOrTheLimits() {
        try (Arena arena = Arena.ofConfined()) {
            float[] z = new float[35];
            for (int i = 0; i < z.length; i++) {
                z[i] = i % 3 == 0 ? Float.NaN : i % 3 == 1 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
            }
            FloatVec zv = vec(arena, z, 0), out = vec(arena, new float[z.length], 0);
            for (Activation a : ACTIVATIONS) {
                for (float c : new float[] {1f, 0.25f, 4f}) {
                    Prox.prox(a, c, zv, out);
                    for (int i = 0; i < z.length; i++) {
                        double expect = a.sigma(z[i]); // NaN, or σ(±∞)
                        assertEquals((float) expect, out.get(i), label(a) + " c=" + c + " z=" + z[i]);
                    }
                }
                Prox.derivative(a, zv, out);
                for (int i = 0; i < z.length; i++) {
                    assertEquals((float) a.derivative(z[i]), out.get(i), label(a) + " σ′(" + z[i] + ")");
                    assertTrue(Float.isNaN(z[i]) == Float.isNaN(out.get(i)));
                }
            }
        }
    }
}
