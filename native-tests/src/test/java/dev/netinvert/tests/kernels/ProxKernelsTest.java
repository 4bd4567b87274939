package dev.netinvert.tests.kernels;

import static dev.netinvert.tests.kernels.ProxFixtures.ACTIVATIONS;
import static dev.netinvert.tests.kernels.ProxFixtures.SIZES;
import static dev.netinvert.tests.kernels.ProxFixtures.data;
import static dev.netinvert.tests.kernels.ProxFixtures.implementations;
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
import dev.netinvert.kernels.ProxSupport;
import dev.netinvert.kernels.reference.ReferenceProx;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The SIMD and scalar activation kernels against the plain-array reference ({@link ReferenceProx}) on
 * seeded random inputs of awkward lengths, at element offsets 0 and 3 (unaligned views), for every
 * activation. Elementwise outputs are compared in ulps of the reference, sums with a tolerance
 * proportional to the length.
 */
@Tag("kernels")
class ProxKernelsTest {

    private static final int[] OFFSETS = {0, 3};
    private static final float[] SCALES = {1e-3f, 0.3f, 1f, 2.5f, 1e3f};

    /**
     * Lengths for the double-lane sums, whose vector loops step by one float vector (4, 8 or 16 lanes at 128,
     * 256 or 512 bits, each widened into two double vectors): the fixtures' sizes and one below, at and above
     * every multiple of 8 and 16 up to 65, so that every width ends its vector part both exactly and with a
     * scalar tail of every parity.
     */
    private static final int[] SUM_SIZES = {1, 2, 3, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, 47, 48, 49, 63, 64,
            65, 97, 251, 1023, 1024, 1025, 4097};

    /**
     * Allowed distance from the reference (double precision, rounded once) in ulps of the reference.
     * Piecewise-linear maps use the same single float operation as the reference or an exactly
     * rounded fused form: 0 ulp, plus 1 for the rare double rounding of z − λ in the reference.
     * tanh σ: TANH intrinsic (≤ 0.57 ulp) + reference rounding (0.5) &lt; 2. Sigmoid σ = {1 or e}/(1 + e):
     * exp (0.56), the rounded 1 + e and the division (0.5 each), the reference's rounding (0.5): 3
     * (2.3 measured over 2·10⁶ inputs). σ′ of both = k·e/(1 + e)²: exp, sum, square, product and
     * division (0.5 each) plus the reference's rounding: 5 (4.04 measured). The scaled prox of
     * tanh/sigmoid: the Newton iterate is limited by the rounding of its residual, plus the rounding
     * of the linearised final value and (tanh, c &gt; 1) the artanh polynomial: 4 (1.8 and 3.3 measured).
     * Leaky ReLU's scaled prox multiplies by a factor rounded once: 1.
     */
    private static double applyUlps(Activation a) {
        return switch (a) {
            case Activation.Tanh t -> 2;
            case Activation.Sigmoid s -> 3;
            default -> 1;
        };
    }

    private static double derivativeUlps(Activation a) {
        return a instanceof Activation.Tanh || a instanceof Activation.Sigmoid ? 5 : 0;
    }

    private static double proxUlps(Activation a) {
        return switch (a) {
            case Activation.Tanh t -> 4;
            case Activation.Sigmoid s -> 4;
            default -> 1;
        };
    }

    private interface Case {
        void run(ProxSupport k, Activation a, int n, int offset, SplittableRandom rnd, Arena arena);
    }

    private static int forEachCase(Case c) {
        return forEachCase(SIZES, c);
    }

    private static int forEachCase(int[] sizes, Case c) {
        int cases = 0;
        for (ProxSupport k : implementations()) {
            for (Activation a : ACTIVATIONS) {
                for (int n : sizes) {
                    for (int offset : OFFSETS) {
                        SplittableRandom rnd = new SplittableRandom(31L * n + offset + 7L * a.hashCode());
                        try (Arena arena = Arena.ofConfined()) {
                            c.run(k, a, n, offset, rnd, arena);
                        }
                        cases++;
                    }
                }
            }
        }
        return cases;
    }

    private static String where(ProxSupport k, Activation a, int n, int offset, int i, float z) {
        return k.name() + " " + label(a) + " n=" + n + " offset=" + offset + " i=" + i + " z=" + z;
    }

    /** Fails at the first element of {@code out} more than {@code ulps} from {@code ref}, naming the case. */
    private static void assertWithinUlps(ProxSupport k, Activation a, int offset, float[] z, String what, FloatVec out,
                                         float[] ref, double ulps) {
        int n = ref.length;
        for (int i = 0; i < n; i++) {
            double d = ulpDistance(out.get(i), ref[i]);
            if (d > ulps) {
                fail(where(k, a, n, offset, i, z[i]) + what + " = " + out.get(i) + ", reference " + ref[i] + " (" + d + " ulp)");
            }
        }
    }

    @Test
    void applyMatchesReference() {
        forEachCase((k, a, n, offset, rnd, arena) -> {
            float[] z = preActivations(rnd, n);
            float[] ref = new float[n];
            ReferenceProx.apply(a, z, ref);
            FloatVec zv = vec(arena, z, offset), out = vec(arena, new float[n], offset + 1);
            k.apply(a, zv.segment(), zv.byteOffset(), out.segment(), out.byteOffset(), n);
            assertWithinUlps(k, a, offset, z, ": σ", out, ref, applyUlps(a));
        });
    }

    @Test
    void applyInPlaceEqualsOutOfPlace() {
        forEachCase((k, a, n, offset, rnd, arena) -> {
            float[] z = preActivations(rnd, n);
            FloatVec zv = vec(arena, z, offset), out = vec(arena, new float[n], 0);
            k.apply(a, zv.segment(), zv.byteOffset(), out.segment(), out.byteOffset(), n);
            k.apply(a, zv.segment(), zv.byteOffset(), zv.segment(), zv.byteOffset(), n);
            // Within the activation's ulp bound rather than bit for bit: a JIT compilation between the two
            // calls swaps the vector TANH/EXP from Java's Math to the SVML stubs (last-bit differences).
            for (int i = 0; i < n; i++) {
                double d = ulpDistance(out.get(i), zv.get(i));
                assertTrue(d <= applyUlps(a), where(k, a, n, offset, i, z[i]) + ": in place " + zv.get(i)
                        + ", out of place " + out.get(i));
            }
        });
    }

    @Test
    void scaledProxMatchesReference() {
        int cases = forEachCase((k, a, n, offset, rnd, arena) -> {
            float[] z = preActivations(rnd, n);
            FloatVec zv = vec(arena, z, offset), out = vec(arena, new float[n], offset);
            float[] ref = new float[n];
            for (float c : SCALES) {
                ReferenceProx.prox(a, c, z, ref);
                k.prox(a, c, zv.segment(), zv.byteOffset(), out.segment(), out.byteOffset(), n);
                assertWithinUlps(k, a, offset, z, " c=" + c + ": prox", out, ref, proxUlps(a));
                // The instrumented twin computes the same values — to the same ulp bound, not bit for bit:
                // the vector EXP/TANH of a method still interpreted (Java's Math) and of one compiled by C2
                // (the SVML stubs) may differ in the last bit, and the two methods warm up at different times.
                FloatVec out2 = vec(arena, new float[n], 0);
                long iterations = k.proxCountingIterations(a, c, zv.segment(), zv.byteOffset(), out2.segment(),
                        out2.byteOffset(), n);
                for (int i = 0; i < n; i++) {
                    double d2 = ulpDistance(out.get(i), out2.get(i));
                    assertTrue(d2 <= proxUlps(a), where(k, a, n, offset, i, z[i]) + " c=" + c + ": counting twin "
                            + out2.get(i) + " vs " + out.get(i) + " (" + d2 + " ulp)");
                }
                boolean newton = (a instanceof Activation.Tanh || a instanceof Activation.Sigmoid) && c != 1f;
                assertTrue(newton ? iterations >= n && iterations <= 32L * n : iterations == 0,
                        () -> k.name() + " " + label(a) + " c=" + c + ": " + iterations + " iterations for " + n + " elements");
            }
        });
        assertTrue(cases > 0);
    }

    @Test
    void derivativeMatchesReference() {
        forEachCase((k, a, n, offset, rnd, arena) -> {
            float[] z = preActivations(rnd, n);
            float[] ref = new float[n];
            ReferenceProx.derivative(a, z, ref);
            FloatVec zv = vec(arena, z, offset), out = vec(arena, new float[n], 2);
            k.derivative(a, zv.segment(), zv.byteOffset(), out.segment(), out.byteOffset(), n);
            assertWithinUlps(k, a, offset, z, ": σ′", out, ref, derivativeUlps(a));
        });
    }

    @Test
    void bregmanGradientMatchesReference() {
        forEachCase((k, a, n, offset, rnd, arena) -> {
            float[] z = preActivations(rnd, n);
            float[] y = data(rnd, a, z);
            float[] ref = new float[n];
            ReferenceProx.bregmanGradient(a, y, z, ref);
            FloatVec zv = vec(arena, z, offset), yv = vec(arena, y, 1), out = vec(arena, new float[n], offset);
            k.bregmanGradient(a, yv.segment(), yv.byteOffset(), zv.segment(), zv.byteOffset(), out.segment(),
                    out.byteOffset(), n);
            for (int i = 0; i < n; i++) {
                // σ(z) within applyUlps of ulp(σ), then one rounded subtraction.
                float s = a.apply(z[i]);
                double tol = applyUlps(a) * Math.ulp(s) + Math.ulp(ref[i]);
                if (!(Math.abs(out.get(i) - ref[i]) <= tol) && !(Float.isNaN(ref[i]) && Float.isNaN(out.get(i)))) {
                    fail(where(k, a, n, offset, i, z[i]) + " y=" + y[i] + ": σ(z) − y = " + out.get(i) + ", reference " + ref[i]);
                }
            }
        });
    }

    /**
     * The ℓ1 proximal-gradient step against the reference, for both thresholds (soft, non-negative) and
     * t = 0. Error budget: v = x − μg is rounded once by every implementation (an FMA; the reference rounds
     * the double difference, which can differ by the one rounding): |Δv| ≤ ulp(v); the threshold is exact
     * (a subtraction of t from v within a factor 2 is exact, else one rounding: ≤ ulp(u)); so |Δu| ≤
     * ulp(v) + ulp(u). The sums are accumulated in float lanes by the SIMD kernel: |Δ| ≤ n·2⁻²³·Σ|terms|
     * plus what Δu propagates. NaN inputs must give NaN (a diverged iterate is not turned into 0).
     */
    @Test
    void l1ProxStepMatchesReference() {
        int cases = forEachCase((k, a, n, offset, rnd, arena) -> {
            if (a != ACTIVATIONS.getFirst()) {
                return; // activation-free: once per implementation, size and offset
            }
            float[] x = new float[n], g = new float[n], p = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) rnd.nextDouble(-2, 2);
                g[i] = (float) rnd.nextDouble(-2, 2);
                p[i] = (float) rnd.nextDouble(-1, 1);
            }
            if (n > 4) {
                g[n / 2] = Float.NaN;
            }
            for (boolean nonNeg : new boolean[] {false, true}) {
                for (float t : new float[] {0f, 0.3f}) {
                    float mu = 0.7f;
                    float[] ref = new float[n];
                    double[] refSums = new double[3], sums = new double[3];
                    ReferenceProx.l1ProxStep(mu, t, nonNeg, x, g, p, ref, refSums);
                    FloatVec xv = vec(arena, x, offset), gv = vec(arena, g, 1), pv = vec(arena, p, 2);
                    FloatVec uv = vec(arena, new float[n], offset);
                    k.l1ProxStep(mu, t, nonNeg, xv.segment(), xv.byteOffset(), gv.segment(), gv.byteOffset(),
                            pv.segment(), pv.byteOffset(), uv.segment(), uv.byteOffset(), n, sums);
                    double[] mag = new double[3];
                    for (int i = 0; i < n; i++) {
                        String at = k.name() + " n=" + n + " offset=" + offset + " nonNeg=" + nonNeg + " t=" + t + " i=" + i;
                        float got = uv.get(i);
                        if (Float.isNaN(ref[i])) {
                            assertTrue(Float.isNaN(got), at + ": NaN input must give NaN, got " + got);
                            continue;
                        }
                        float v = (float) ((double) x[i] - (double) mu * g[i]);
                        double tol = Math.ulp(v) + Math.ulp(ref[i]);
                        assertTrue(Math.abs(got - ref[i]) <= tol, at + ": u = " + got + ", reference " + ref[i]);
                        double d = (double) ref[i] - p[i];
                        mag[0] += d * d;
                        mag[1] += (double) ref[i] * ref[i];
                        mag[2] += Math.abs(((double) x[i] - ref[i]) * d);
                    }
                    for (int j = 0; j < 3; j++) {
                        if (Double.isNaN(refSums[j])) {
                            assertTrue(Double.isNaN(sums[j]), k.name() + " n=" + n + ": sum " + j + " must be NaN");
                            continue;
                        }
                        // Δu ≤ 2 ulp(4) = 2⁻²⁰ per element moves each term by at most 8·2⁻²⁰ (|u|, |p|, |x| ≤ 4).
                        double tol = n * 0x1p-23 * mag[j] + n * 8 * 0x1p-20 + 1e-30;
                        assertEquals(refSums[j], sums[j], tol, k.name() + " n=" + n + " offset=" + offset + " nonNeg="
                                + nonNeg + " t=" + t + ": sum " + j);
                    }
                    // In place (u = x = p, as the linearized ADMM's step 1 runs it): the same u, and the sums of
                    // a call whose previous iterate is x.
                    FloatVec in = vec(arena, x, offset);
                    double[] inSums = new double[3], refIn = new double[3];
                    float[] refU = new float[n];
                    ReferenceProx.l1ProxStep(mu, t, nonNeg, x, g, x, refU, refIn);
                    k.l1ProxStep(mu, t, nonNeg, in.segment(), in.byteOffset(), gv.segment(), gv.byteOffset(),
                            in.segment(), in.byteOffset(), in.segment(), in.byteOffset(), n, inSums);
                    for (int i = 0; i < n; i++) {
                        float got = in.get(i);
                        assertTrue(Float.isNaN(refU[i]) ? Float.isNaN(got) : got == uv.get(i),
                                k.name() + " n=" + n + " in place, i=" + i + ": " + got + " against " + uv.get(i));
                    }
                    if (!Double.isNaN(refIn[0])) {
                        assertEquals(refIn[0], inSums[0], n * 0x1p-23 * refIn[0] + n * 8 * 0x1p-20 + 1e-30,
                                k.name() + " n=" + n + " in place: ‖u − x‖²");
                    }
                }
            }
        });
        assertTrue(cases > 0);
    }

    /**
     * m·σ′(z)·(σ(z) − y) against the double reference rounded once, with and without weights (0, ½, 1:
     * exact scalings). Error budget, per element: e = σ(z) − y is off by at most applyUlps·ulp(σ) plus
     * its own rounding (as in {@link #bregmanGradientMatchesReference}); σ′ by derivativeUlps·ulp(σ′)
     * plus, for tanh and sigmoid where the SIMD kernel forms σ′ from the rounded σ (1 − s², s(1 − s)),
     * 8·2⁻²⁴ absolute (|s| ≤ 1 and s carries ≤ 3 ulp ≤ 3·2⁻²⁴: the square or product doubles that, plus
     * one rounding); the product then adds |σ′|·Δe + |e|·Δσ′ and two roundings.
     */
    @Test
    void leastSquaresGradientMatchesReference() {
        forEachCase((k, a, n, offset, rnd, arena) -> {
            float[] z = preActivations(rnd, n);
            float[] y = data(rnd, a, z);
            float[] w = new float[n];
            for (int i = 0; i < n; i++) {
                w[i] = new float[] {0f, 0.5f, 1f}[rnd.nextInt(3)];
                if (w[i] == 0f && rnd.nextBoolean()) {
                    y[i] = Float.NaN; // never read under a zero weight
                }
            }
            for (boolean weighted : new boolean[] {false, true}) {
                float[] yy = weighted ? y : y.clone();
                if (!weighted) {
                    for (int i = 0; i < n; i++) {
                        if (Float.isNaN(yy[i])) {
                            yy[i] = 0.25f;
                        }
                    }
                }
                float[] ref = new float[n];
                ReferenceProx.leastSquaresGradient(a, yy, z, weighted ? w : null, ref);
                FloatVec zv = vec(arena, z, offset), yv = vec(arena, yy, 1), mv = vec(arena, w, 2);
                FloatVec out = vec(arena, new float[n], offset);
                k.leastSquaresGradient(a, yv.segment(), yv.byteOffset(), zv.segment(), zv.byteOffset(),
                        weighted ? mv.segment() : null, weighted ? mv.byteOffset() : 0, out.segment(), out.byteOffset(), n);
                for (int i = 0; i < n; i++) {
                    double wi = weighted ? w[i] : 1;
                    if (wi == 0) {
                        if (Float.floatToRawIntBits(out.get(i)) != 0) {
                            fail(where(k, a, n, offset, i, z[i]) + ": weight 0 must give +0, got " + out.get(i));
                        }
                        continue;
                    }
                    double s = a.sigma(z[i]), d = a.derivative(z[i]), e = s - yy[i];
                    double de = applyUlps(a) * Math.ulp((float) s) + Math.ulp((float) e);
                    double dd = derivativeUlps(a) * Math.ulp((float) d)
                            + (a instanceof Activation.Tanh || a instanceof Activation.Sigmoid ? 8 * 0x1p-24 : 0);
                    double tol = wi * (Math.abs(d) * de + Math.abs(e) * dd) + 2 * Math.ulp(ref[i]);
                    float got = out.get(i);
                    if (!(Math.abs(got - ref[i]) <= tol) && !(Float.isNaN(ref[i]) && Float.isNaN(got))) {
                        fail(where(k, a, n, offset, i, z[i]) + " y=" + yy[i] + " w=" + wi + ": m·σ′·(σ − y) = " + got
                                + ", reference " + ref[i] + " (tolerance " + tol + ")");
                    }
                }
            }
        });
    }

    /**
     * Sums: the SIMD kernels evaluate the reference's double formulas lane-wise (the transcendental
     * functions may differ by an ulp of double) and add in a different order, so
     * |kernel − reference| ≤ (n + 64)·2⁻⁵³·Σ scaleᵢ, with scaleᵢ bounding the magnitudes of the terms
     * that make up element i (1 + |valueᵢ| + xᵢ² (+ |yᵢzᵢ| + zᵢ²)).
     */
    private static void assertSum(String what, double got, double ref, double scaleSum, int n) {
        if (Double.isNaN(ref) || Double.isInfinite(ref)) {
            assertEquals(ref, got, what);
            return;
        }
        double tol = (n + 64) * 0x1p-53 * scaleSum;
        assertTrue(Math.abs(got - ref) <= tol, () -> what + ": " + got + " vs reference " + ref + " (tolerance " + tol + ")");
    }

    @Test
    void psiSumMatchesReference() {
        int cases = forEachCase(SUM_SIZES, (k, a, n, offset, rnd, arena) -> {
            float[] z = preActivations(rnd, n);
            float[] u = data(rnd, a, z); // in dom Ψ
            double scale = 0;
            for (float x : u) {
                scale += 1 + Math.abs(a.psi(x)) + (double) x * x;
            }
            FloatVec uv = vec(arena, u, offset);
            assertSum(k.name() + " Σ Ψ " + label(a) + " n=" + n, k.psiSum(a, uv.segment(), uv.byteOffset(), n),
                    ReferenceProx.psiSum(a, u), scale, n);
        });
        assertTrue(cases >= SUM_SIZES.length * ACTIVATIONS.size() * OFFSETS.length);
    }

    @Test
    void conjugateSumMatchesReference() {
        int cases = forEachCase(SUM_SIZES, (k, a, n, offset, rnd, arena) -> {
            float[] z = preActivations(rnd, n);
            double scale = 0;
            for (float x : z) {
                scale += 1 + Math.abs(a.conjugate(x)) + (double) x * x;
            }
            FloatVec zv = vec(arena, z, offset);
            assertSum(k.name() + " Σ Φ* " + label(a) + " n=" + n, k.conjugateSum(a, zv.segment(), zv.byteOffset(), n),
                    ReferenceProx.conjugateSum(a, z), scale, n);
        });
        assertTrue(cases >= SUM_SIZES.length * ACTIVATIONS.size() * OFFSETS.length);
    }

    @Test
    void bregmanSumMatchesReference() {
        int cases = forEachCase(SUM_SIZES, (k, a, n, offset, rnd, arena) -> {
            float[] z = preActivations(rnd, n);
            float[] y = data(rnd, a, z);
            double scale = 0;
            for (int i = 0; i < n; i++) {
                scale += 1 + Math.abs(a.bregman(y[i], z[i])) + (double) y[i] * y[i] + Math.abs((double) y[i] * z[i])
                        + (double) z[i] * z[i];
            }
            FloatVec zv = vec(arena, z, offset), yv = vec(arena, y, 5);
            assertSum(k.name() + " Σ B_Ψ " + label(a) + " n=" + n,
                    k.bregmanSum(a, yv.segment(), yv.byteOffset(), zv.segment(), zv.byteOffset(), n),
                    ReferenceProx.bregmanSum(a, y, z), scale, n);
        });
        assertTrue(cases >= SUM_SIZES.length * ACTIVATIONS.size() * OFFSETS.length);
    }

    /**
     * One special element among ordinary data, at every position of a length-37 array (two full float vectors
     * and a tail of 5 at 512 bits, four and 5 at 256, nine and 1 at 128), so that it falls in the low and in the
     * high double half of a widened vector and in the tail: NaN, ±∞ and, for Ψ and the y of B_Ψ, values just
     * outside dom Ψ; for B_Ψ also z = ±∞ with y at the limit σ(±∞), where B_Ψ is finite (0) only by the scalar
     * rules. A lane that fails to poison its half's accumulator shows as a finite sum (formula value) where the
     * reference is NaN or +∞, or as a wrong finite value. Finite references are compared as in
     * {@link #assertSum}, with the scale summed over the finite inputs only (a special input adds 1).
     */
    @Test
    void oneSpecialLaneAnywhereGivesTheReferenceSum() {
        int n = 37;
        int checks = 0;
        for (ProxSupport k : implementations()) {
            for (Activation a : ACTIVATIONS) {
                float[] outside = switch (a) {
                    case Activation.Relu r -> new float[] {-1e-30f, -3f};
                    case Activation.Tanh t -> new float[] {Math.nextUp(1f), -1.5f};
                    case Activation.Clip c -> new float[] {Math.nextUp(1f), Math.nextDown(-1f)};
                    case Activation.Sigmoid s -> new float[] {-1e-30f, Math.nextUp(1f)};
                    default -> new float[0];
                };
                float[] nonFinite = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
                float[] badY = java.util.Arrays.copyOf(nonFinite, nonFinite.length + outside.length);
                System.arraycopy(outside, 0, badY, nonFinite.length, outside.length);
                for (int offset : OFFSETS) {
                    SplittableRandom rnd = new SplittableRandom(1009L * offset + a.hashCode());
                    float[] z = preActivations(rnd, n);
                    float[] y = data(rnd, a, z);
                    try (Arena arena = Arena.ofConfined()) {
                        for (int p = 0; p < n; p++) {
                            String at = k.name() + " " + label(a) + " n=" + n + " offset=" + offset + " i=" + p;
                            for (float bad : badY) {
                                float[] u = y.clone();
                                u[p] = bad;
                                FloatVec uv = vec(arena, u, offset), zv = vec(arena, z, 5);
                                assertSum(at + " Σ Ψ with u=" + bad, k.psiSum(a, uv.segment(), uv.byteOffset(), n),
                                        ReferenceProx.psiSum(a, u), scale(a, u, null), n);
                                assertSum(at + " Σ B_Ψ with y=" + bad,
                                        k.bregmanSum(a, uv.segment(), uv.byteOffset(), zv.segment(), zv.byteOffset(), n),
                                        ReferenceProx.bregmanSum(a, u, z), scale(a, u, z), n);
                                checks += 2;
                            }
                            for (float bad : nonFinite) {
                                float[] zz = z.clone(), yy = y.clone();
                                zz[p] = bad;
                                FloatVec zv = vec(arena, zz, offset), yv = vec(arena, yy, 1);
                                assertSum(at + " Σ Φ* with z=" + bad, k.conjugateSum(a, zv.segment(), zv.byteOffset(), n),
                                        ReferenceProx.conjugateSum(a, zz), scale(a, null, zz), n);
                                assertSum(at + " Σ B_Ψ with z=" + bad,
                                        k.bregmanSum(a, yv.segment(), yv.byteOffset(), zv.segment(), zv.byteOffset(), n),
                                        ReferenceProx.bregmanSum(a, yy, zz), scale(a, yy, zz), n);
                                checks += 2;
                                if (!Float.isNaN(bad)) {
                                    yy[p] = (float) a.sigma(bad); // the limit σ(±∞), where B_Ψ(y, ±∞) is finite
                                    FloatVec lv = vec(arena, yy, 1);
                                    double ref = ReferenceProx.bregmanSum(a, yy, zz);
                                    assertSum(at + " Σ B_Ψ with y=σ(z), z=" + bad,
                                            k.bregmanSum(a, lv.segment(), lv.byteOffset(), zv.segment(), zv.byteOffset(), n),
                                            ref, scale(a, yy, zz), n);
                                    checks++;
                                }
                            }
                        }
                    }
                }
            }
        }
        assertTrue(checks > 0);
    }

    /**
     * The Σ scaleᵢ of {@link #assertSum} for Ψ (z null), Φ* (y null) or B_Ψ, over the elements whose inputs are
     * finite; an element with a non-finite input or term adds 1 (its term is then 0 in a finite reference).
     */
    private static double scale(Activation a, float[] y, float[] z) {
        int n = y != null ? y.length : z.length;
        double s = 0;
        for (int i = 0; i < n; i++) {
            double yi = y != null ? y[i] : 0, zi = z != null ? z[i] : 0;
            double term = y == null ? a.conjugate(zi) : z == null ? a.psi(yi) : a.bregman(yi, zi);
            double e = 1 + Math.abs(term) + yi * yi + Math.abs(yi * zi) + zi * zi;
            s += Double.isFinite(e) ? e : 1;
        }
        return s;
    }

    @Test
    void domainScanFindsTheFirstOffender() {
        forEachCase((k, a, n, offset, rnd, arena) -> {
            float[] z = preActivations(rnd, n);
            float[] y = data(rnd, a, z);
            FloatVec yv = vec(arena, y, offset);
            assertEquals(-1, k.firstOutsideDomain(a, yv.segment(), yv.byteOffset(), n), k.name() + " " + label(a));
            float[] bad = switch (a) {
                case Activation.Relu r -> new float[] {-1e-30f, Float.NaN, Float.POSITIVE_INFINITY, -3f};
                case Activation.Tanh t -> new float[] {Math.nextUp(1f), -1.5f, Float.NaN, Float.NEGATIVE_INFINITY};
                case Activation.Clip c -> new float[] {Math.nextUp(1f), -1.5f, Float.NaN};
                case Activation.Sigmoid s -> new float[] {-1e-30f, Math.nextUp(1f), Float.NaN};
                default -> new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
            };
            int first = rnd.nextInt(n);
            int second = first + rnd.nextInt(n - first);
            yv.set(second, bad[rnd.nextInt(bad.length)]);
            yv.set(first, bad[rnd.nextInt(bad.length)]);
            assertEquals(first, k.firstOutsideDomain(a, yv.segment(), yv.byteOffset(), n),
                    k.name() + " " + label(a) + " n=" + n + " value " + yv.get(first));
            assertEquals(first, ReferenceProx.firstOutsideDomain(a, yv.toArray()));
        });
    }

    /** NaN, ±∞, ±0, extremes and subnormals in every lane position: same NaN-ness, limits and values as the reference. */
    @Test
    void specialValuesFollowTheReference() {
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MAX_VALUE,
                -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 1f, -1f, 88f, -88f, 1e30f, -1e30f};
        int n = 67;
        float[] z = new float[n];
        for (int i = 0; i < n; i++) {
            z[i] = specials[(i * 7) % specials.length];
        }
        for (ProxSupport k : implementations()) {
            for (Activation a : ACTIVATIONS) {
                float[] y = new float[n];
                for (int i = 0; i < n; i++) {
                    y[i] = specials[(i * 5 + 3) % specials.length];
                    if (i % 3 == 0) {
                        y[i] = (float) a.sigma(z[i]); // the limit, where B_Ψ(y, ±∞) = 0
                    }
                }
                try (Arena arena = Arena.ofConfined()) {
                    FloatVec zv = vec(arena, z, 0), yv = vec(arena, y, 0), out = vec(arena, new float[n], 0);
                    float[] ref = new float[n];
                    ReferenceProx.apply(a, z, ref);
                    k.apply(a, zv.segment(), 0, out.segment(), 0, n);
                    compare(k, a, "σ", z, out, ref, applyUlps(a));
                    ReferenceProx.derivative(a, z, ref);
                    k.derivative(a, zv.segment(), 0, out.segment(), 0, n);
                    compare(k, a, "σ′", z, out, ref, derivativeUlps(a));
                    for (float c : SCALES) {
                        ReferenceProx.prox(a, c, z, ref);
                        k.prox(a, c, zv.segment(), 0, out.segment(), 0, n);
                        compare(k, a, "prox c=" + c, z, out, ref, proxUlps(a));
                    }
                    for (int i = 0; i < n; i++) {
                        // One element at a time, through the vector path (a vector of copies) and the tail.
                        for (int len : new int[] {1, 64}) {
                            FloatVec y1 = vec(arena, filled(len, y[i]), 0), z1 = vec(arena, filled(len, z[i]), 0);
                            double b = k.bregmanSum(a, y1.segment(), 0, z1.segment(), 0, len) / len;
                            double bRef = a.bregman(y[i], z[i]);
                            assertSpecial(k, a, "B_Ψ(" + y[i] + ", " + z[i] + ")", b, bRef);
                            double p = k.psiSum(a, y1.segment(), 0, len) / len;
                            assertSpecial(k, a, "Ψ(" + y[i] + ")", p, a.psi(y[i]));
                            double q = k.conjugateSum(a, z1.segment(), 0, len) / len;
                            assertSpecial(k, a, "Φ*(" + z[i] + ")", q, a.conjugate(z[i]));
                        }
                    }
                }
            }
        }
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private static void compare(ProxSupport k, Activation a, String what, float[] z, FloatVec out, float[] ref, double ulps) {
        for (int i = 0; i < z.length; i++) {
            double d = ulpDistance(out.get(i), ref[i]);
            if (d > ulps) {
                fail(k.name() + " " + label(a) + " " + what + " at z=" + z[i] + ": " + out.get(i) + " vs reference " + ref[i]);
            }
        }
    }

    private static void assertSpecial(ProxSupport k, Activation a, String what, double got, double ref) {
        boolean ok = Double.isNaN(ref) ? Double.isNaN(got)
                : Double.isInfinite(ref) ? got == ref
                : Math.abs(got - ref) <= 1e-12 * Math.max(1, Math.abs(ref));
        assertTrue(ok, () -> k.name() + " " + label(a) + " " + what + " = " + got + ", reference " + ref);
    }

    @Test
    void facadeUsesTheActiveImplementation() {
        String expect = System.getProperty("netinvert.expect", "simd");
        assertEquals(expect, Prox.active().name());
    }
}
