package dev.netinvert.solvers.admm;

import dev.netinvert.kernels.FloatVec;
import java.util.Objects;

/**
 * The output term g of the separable inversion loss ℓ(x, f(x)) = g(f(x)) + h(x) of [004] (eq. (1)), with
 * what the ADMM z_k update (eq. (8) [004]) needs of it: its value, its gradient and its proximal map
 *
 * <pre>
 *   prox(ρ, c) = argmin_z g(z) + (ρ/2)‖z − c‖²,     c = v_{k−1} + u_{k−1} in eq. (8).
 * </pre>
 *
 * <p>Three losses, each with its own prox:
 * <ul>
 *   <li>{@link SquaredError}: ½‖M(z − y)‖² with a 0/1 observation mask M; closed form
 *       z_j = (y_j + ρc_j)/(1 + ρ) where observed, z_j = c_j elsewhere.</li>
 *   <li>{@link Linear}: cᵀz (the adversarial objective of sec. 3 [004]); closed form z = c − coefficients/ρ.
 *       Unbounded below: the inversion is only meaningful with a box on the input.</li>
 *   <li>{@link CrossEntropy}: softmax cross-entropy logsumexp(z) − z_t towards class t; no closed form, so a
 *       damped Newton method with an O(n) Sherman–Morrison solve ("a Newton based solver, which converges
 *       rapidly due to strong convexity", sec. 2.2 [004]).</li>
 * </ul>
 *
 * <p>Every computation runs in double, whatever the float storage of its arguments; nothing is allocated
 * (the Newton method works in a caller-supplied array of {@link #workSize(int)} doubles). The records check
 * what they can alone (nulls, a negative class); {@link #checkOutputSize(int)} checks the rest against the
 * network's output size once, before a solve, and the per-iteration methods only check lengths.
 */
public sealed interface OutputLoss {

    /**
     * ½‖M(z − y)‖², M = diag(mask) with 0/1 entries ({@code mask == null}: every output observed).
     *
     * <p>prox: the objective separates by coordinate; an observed coordinate minimizes
     * ½(z − y)² + (ρ/2)(z − c)², zero derivative at z = (y + ρc)/(1 + ρ); an unobserved one only the
     * quadratic, so z = c.
     *
     * @param target y, n values, finite
     * @param mask   n values each 0 or 1, or null
     */
    record SquaredError(FloatVec target, FloatVec mask) implements OutputLoss {
        public SquaredError {
            Objects.requireNonNull(target, "target");
            if (mask != null && mask.length() != target.length()) {
                throw new IllegalArgumentException(
                        "mask: expected " + target.length() + " elements (the target's), got " + mask.length());
            }
        }

        /** Every output observed. */
        public SquaredError(FloatVec target) {
            this(target, null);
        }

        @Override
        public void checkOutputSize(int n) {
            checkLength("target", target, n);
            checkFinite("target", target);
            if (mask != null) {
                for (int j = 0; j < n; j++) {
                    float m = at(mask, j);
                    if (m != 0f && m != 1f) {
                        throw new IllegalArgumentException("mask[" + j + "]: expected 0 or 1, got " + m);
                    }
                }
            }
        }

        @Override
        public double value(FloatVec z) {
            checkLength("z", z, target.length());
            double s = 0;
            for (int j = 0; j < z.length(); j++) {
                if (observed(j)) {
                    double r = (double) at(z, j) - at(target, j);
                    s += r * r;
                }
            }
            return 0.5 * s;
        }

        @Override
        public double gradient(FloatVec z, FloatVec g) {
            checkLength("z", z, target.length());
            checkLength("g", g, target.length());
            double s = 0;
            for (int j = 0; j < z.length(); j++) {
                double r = observed(j) ? (double) at(z, j) - at(target, j) : 0;
                s += r * r;
                put(g, j, r);
            }
            return 0.5 * s;
        }

        @Override
        public int prox(double rho, FloatVec c, FloatVec out, double[] work) {
            checkProx(rho, c, out, target.length());
            for (int j = 0; j < c.length(); j++) {
                double cj = at(c, j);
                put(out, j, observed(j) ? (at(target, j) + rho * cj) / (1 + rho) : cj);
            }
            return 0;
        }

        @Override
        public int workSize(int n) {
            return 0;
        }

        @Override
        public boolean boundedBelow() {
            return true;
        }

        @Override
        public String label() {
            return "mse";
        }

        private boolean observed(int j) {
            return mask == null || at(mask, j) != 0f;
        }
    }

    /**
     * Softmax cross-entropy towards class t: g(z) = lse(z) − z_t, lse(z) = log Σ_j exp z_j, computed with
     * the maximum shifted out. ∇g = p − e_t with p = softmax(z); ∇²g = diag(p) − ppᵀ, positive
     * semidefinite and singular (the all-ones vector is in its null space), hence the need for ρ &gt; 0.
     *
     * <h2>The prox by damped Newton</h2>
     * F(z) = lse(z) − z_t + (ρ/2)‖z − c‖² is ρ-strongly convex with
     * <pre>
     *   ∇F = p − e_t + ρ(z − c),        ∇²F = H = diag(p) − ppᵀ + ρI = D − ppᵀ,  D = diag(p + ρ).
     * </pre>
     * H is a diagonal minus a rank-one term, so Sherman–Morrison solves the Newton system in O(n):
     * <pre>
     *   H⁻¹g = D⁻¹g + D⁻¹p · (pᵀD⁻¹g) / (1 − pᵀD⁻¹p),
     * </pre>
     * with the denominator evaluated as 1 − Σ p_j²/(p_j + ρ) = ρ Σ p_j/(p_j + ρ) (using Σ p_j = 1), which
     * is positive and free of cancellation even for ρ = 1e-5 (the paper's value, sec. 3.1 [004]).
     *
     * <p>Start at z = c; direction d = −H⁻¹∇F; Armijo backtracking F(z + τd) ≤ F(z) + σ τ ∇Fᵀd
     * (σ = 1e-4, τ halved from 1). The difference F(z + τd) − F(z) is evaluated directly rather than as a
     * difference of two values of size |F| (which would lose all its digits once the decrease falls below
     * ε|F|, long before the gradient test is met): for small steps (max_j |τd_j| ≤ 1)
     * lse(z + τd) − lse(z) = log1p(Σ_j p_j expm1(τd_j)); for larger ones it is the difference of two
     * shifted log-sum-exps (then p_j may have underflowed where τd_j is huge, so p cannot be used).
     *
     * <p>Stops when ‖∇F‖₂ ≤ 1e-12·(1 + ‖ρc‖₂), or when the Newton decrement λ² = ∇FᵀH⁻¹∇F falls to
     * 1e-28·(1 + |F|) (F is then within λ²/2 of its minimum, far below what the step could still change),
     * or when the step is no longer visible in double (max|d_j| ≤ 1e-15·(1 + max|z_j|)), or when 60
     * halvings find no decrease (rounding level). The cap is
     * {@value #MAX_NEWTON_ITERATIONS} iterations; on extreme inputs (logits ±1e3, ρ from 1e-5 to 1e3,
     * n up to 1000) OutputLossTest measured at most the count it reports, well below the cap. Far from the
     * solution, with a tiny ρ, H ≈ ρI in the directions where p has underflowed and the full Newton step
     * is of size 1/ρ; backtracking shortens it by halvings, a handful per iteration.
     *
     * <p>Work: 5n doubles (z, c, p, ∇F, d). On return {@code work[0, n)} holds the solution in double,
     * before its rounding to float in {@code out}.
     *
     * @param targetClass t, in [0, n)
     */
    record CrossEntropy(int targetClass) implements OutputLoss {
        /** Newton iterations after which {@link #prox} gives up (returning the cap). */
        public static final int MAX_NEWTON_ITERATIONS = 50;

        private static final double ARMIJO = 1e-4;

        public CrossEntropy {
            if (targetClass < 0) {
                throw new IllegalArgumentException("targetClass must be >= 0, got " + targetClass);
            }
        }

        @Override
        public void checkOutputSize(int n) {
            if (targetClass >= n) {
                throw new IllegalArgumentException(
                        "targetClass must be in [0, " + n + ") for " + n + " outputs, got " + targetClass);
            }
        }

        @Override
        public double value(FloatVec z) {
            checkClass(z.length());
            int n = z.length();
            int k = 0;
            double m = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                double v = at(z, j);
                if (v > m) {
                    m = v;
                    k = j;
                }
            }
            // lse − z_t = (m − z_t) + log1p(Σ_{j≠k} exp(z_j − m)): no cancellation when t is the argmax.
            double s = 0;
            for (int j = 0; j < n; j++) {
                if (j != k) {
                    s += Math.exp(at(z, j) - m);
                }
            }
            return (m - at(z, targetClass)) + Math.log1p(s);
        }

        @Override
        public double gradient(FloatVec z, FloatVec g) {
            checkClass(z.length());
            checkLength("g", g, z.length());
            double v = value(z);
            int n = z.length();
            double m = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                m = Math.max(m, at(z, j));
            }
            double s = 0;
            for (int j = 0; j < n; j++) {
                s += Math.exp(at(z, j) - m);
            }
            for (int j = 0; j < n; j++) {
                double p = Math.exp(at(z, j) - m) / s;
                put(g, j, j == targetClass ? p - 1 : p);
            }
            return v;
        }

        @Override
        public int prox(double rho, FloatVec c, FloatVec out, double[] work) {
            int n = c.length();
            checkProx(rho, c, out, n);
            checkClass(n);
            checkWork(work, workSize(n));
            int zo = 0, co = n, po = 2 * n, go = 3 * n, dOff = 4 * n;
            double cNorm2 = 0;
            for (int j = 0; j < n; j++) {
                double cj = at(c, j);
                work[zo + j] = cj;
                work[co + j] = cj;
                cNorm2 += cj * cj;
            }
            double gradTol = 1e-12 * (1 + rho * Math.sqrt(cNorm2));
            int t = targetClass;
            int it = 0;
            for (;; it++) {
                // p = softmax(z), lse(z), ∇F, and F's smooth part for the decrement test.
                double lse = logSumExp(work, zo, n);
                double g2 = 0, zMax = 0;
                for (int j = 0; j < n; j++) {
                    double p = Math.exp(work[zo + j] - lse);
                    work[po + j] = p;
                    double gj = p - (j == t ? 1 : 0) + rho * (work[zo + j] - work[co + j]);
                    work[go + j] = gj;
                    g2 += gj * gj;
                    zMax = Math.max(zMax, Math.abs(work[zo + j]));
                }
                if (Math.sqrt(g2) <= gradTol || it == MAX_NEWTON_ITERATIONS) {
                    break;
                }
                // d = −H⁻¹∇F by Sherman–Morrison with D = diag(p + ρ).
                double pDg = 0, den = 0;
                for (int j = 0; j < n; j++) {
                    double p = work[po + j];
                    pDg += p * work[go + j] / (p + rho);
                    den += p / (p + rho);
                }
                den *= rho;
                double coef = pDg / den, slope = 0, dMax = 0;
                for (int j = 0; j < n; j++) {
                    double p = work[po + j];
                    double d = -(work[go + j] + p * coef) / (p + rho);
                    work[dOff + j] = d;
                    slope += work[go + j] * d;
                    dMax = Math.max(dMax, Math.abs(d));
                }
                double f = lse - work[zo + t];
                if (-slope <= 1e-28 * (1 + Math.abs(f)) || dMax <= 1e-15 * (1 + zMax) || !(slope < 0)) {
                    break;
                }
                double tau = 1;
                boolean accepted = false;
                for (int b = 0; b < 60; b++, tau *= 0.5) {
                    if (decrease(work, zo, co, po, dOff, n, rho, lse, tau) <= ARMIJO * tau * slope) {
                        accepted = true;
                        break;
                    }
                }
                if (!accepted) {
                    break; // no decrease visible in double any more: converged to rounding level
                }
                for (int j = 0; j < n; j++) {
                    work[zo + j] += tau * work[dOff + j];
                }
            }
            for (int j = 0; j < n; j++) {
                put(out, j, work[zo + j]);
            }
            return it;
        }

        /** F(z + τd) − F(z), evaluated without forming either value (see the class comment). */
        private double decrease(double[] w, int zo, int co, int po, int dOff, int n, double rho, double lse, double tau) {
            double stepMax = 0, zcd = 0, dd = 0;
            for (int j = 0; j < n; j++) {
                double d = w[dOff + j];
                stepMax = Math.max(stepMax, Math.abs(tau * d));
                zcd += (w[zo + j] - w[co + j]) * d;
                dd += d * d;
            }
            double dLse;
            if (stepMax <= 1) {
                double s = 0;
                for (int j = 0; j < n; j++) {
                    s += w[po + j] * Math.expm1(tau * w[dOff + j]);
                }
                dLse = Math.log1p(s);
            } else {
                double m = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    m = Math.max(m, w[zo + j] + tau * w[dOff + j]);
                }
                double s = 0;
                for (int j = 0; j < n; j++) {
                    s += Math.exp(w[zo + j] + tau * w[dOff + j] - m);
                }
                dLse = m + Math.log(s) - lse;
            }
            return dLse - tau * w[dOff + targetClass] + rho * tau * zcd + 0.5 * rho * tau * tau * dd;
        }

        private static double logSumExp(double[] w, int off, int n) {
            double m = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                m = Math.max(m, w[off + j]);
            }
            double s = 0;
            for (int j = 0; j < n; j++) {
                s += Math.exp(w[off + j] - m);
            }
            return m + Math.log(s);
        }

        @Override
        public int workSize(int n) {
            return 5 * n;
        }

        @Override
        public boolean boundedBelow() {
            return true;
        }

        @Override
        public String label() {
            return "xent:" + targetClass;
        }

        private void checkClass(int n) {
            if (targetClass >= n) {
                throw new IllegalArgumentException(
                        "targetClass must be in [0, " + n + ") for vectors of " + n + " elements, got " + targetClass);
            }
        }
    }

    /**
     * g(z) = aᵀz with a = {@code coefficients}: the "maximize a logit" objective of the adversarial
     * experiment (Fig. 2 right, [004]). prox: a + ρ(z − c) = 0, so z = c − a/ρ. Unbounded below, so an
     * inversion with it needs a bounded input box.
     *
     * @param coefficients a, n finite values
     */
    record Linear(FloatVec coefficients) implements OutputLoss {
        public Linear {
            Objects.requireNonNull(coefficients, "coefficients");
        }

        @Override
        public void checkOutputSize(int n) {
            checkLength("coefficients", coefficients, n);
            checkFinite("coefficients", coefficients);
        }

        @Override
        public double value(FloatVec z) {
            checkLength("z", z, coefficients.length());
            double s = 0;
            for (int j = 0; j < z.length(); j++) {
                s += (double) at(coefficients, j) * at(z, j);
            }
            return s;
        }

        @Override
        public double gradient(FloatVec z, FloatVec g) {
            checkLength("g", g, coefficients.length());
            double v = value(z);
            for (int j = 0; j < z.length(); j++) {
                put(g, j, at(coefficients, j));
            }
            return v;
        }

        @Override
        public int prox(double rho, FloatVec c, FloatVec out, double[] work) {
            checkProx(rho, c, out, coefficients.length());
            for (int j = 0; j < c.length(); j++) {
                put(out, j, at(c, j) - at(coefficients, j) / rho);
            }
            return 0;
        }

        @Override
        public int workSize(int n) {
            return 0;
        }

        @Override
        public boolean boundedBelow() {
            return false;
        }

        @Override
        public String label() {
            return "linear";
        }
    }

    /**
     * Validates this loss against the network's output size n: lengths of target, mask, coefficients
     * equal n, no NaN or ±∞ in target or coefficients, mask entries 0 or 1, the class in [0, n).
     *
     * @throws IllegalArgumentException naming the argument, the expected and the actual value
     */
    void checkOutputSize(int n);

    /** g(z), accumulated in double. */
    double value(FloatVec z);

    /** g ← ∇g(z) (rounded to float; {@code g} may alias {@code z}); returns g(z). */
    double gradient(FloatVec z, FloatVec g);

    /**
     * out ← argmin_z g(z) + (ρ/2)‖z − c‖², rounded to float; {@code out} may alias {@code c}.
     *
     * @param rho  ρ, finite and &gt; 0
     * @param work at least {@link #workSize(int) workSize(n)} doubles (overwritten)
     * @return the Newton iterations used, 0 for the closed forms
     */
    int prox(double rho, FloatVec c, FloatVec out, double[] work);

    /** Length of the {@code work} array {@link #prox} needs for n outputs. */
    int workSize(int n);

    /** Whether g is bounded below (false for {@link Linear}: it needs a bounded input box). */
    boolean boundedBelow();

    /** A short name for logs and reports: "mse", "xent:3", "linear". */
    String label();

    private static float at(FloatVec v, int i) {
        return v.segment().get(FloatVec.LAYOUT, v.byteOffset() + (long) i * Float.BYTES);
    }

    private static void put(FloatVec v, int i, double x) {
        v.segment().set(FloatVec.LAYOUT, v.byteOffset() + (long) i * Float.BYTES, (float) x);
    }

    private static void checkLength(String name, FloatVec v, int n) {
        Objects.requireNonNull(v, name);
        if (v.length() != n) {
            throw new IllegalArgumentException(name + ": expected " + n + " elements, got " + v.length());
        }
    }

    private static void checkFinite(String name, FloatVec v) {
        for (int j = 0; j < v.length(); j++) {
            float x = at(v, j);
            if (!Float.isFinite(x)) {
                throw new IllegalArgumentException(name + "[" + j + "]: expected a finite value, got " + x);
            }
        }
    }

    private static void checkProx(double rho, FloatVec c, FloatVec out, int n) {
        if (!(rho > 0) || Double.isInfinite(rho)) {
            throw new IllegalArgumentException("rho must be finite and > 0, got " + rho);
        }
        checkLength("c", c, n);
        checkLength("out", out, n);
    }

    private static void checkWork(double[] work, int size) {
        Objects.requireNonNull(work, "work");
        if (work.length < size) {
            throw new IllegalArgumentException("work: expected at least " + size + " doubles, got " + work.length);
        }
    }
}
