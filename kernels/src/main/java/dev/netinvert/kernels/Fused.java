package dev.netinvert.kernels;

import java.util.Objects;

/**
 * Fused kernels: several BLAS steps in one call, arranged so that the bytes that dominate an iteration
 * cross the memory bus as few times as the data allow (DESIGN.md decision 5): the Bregman gradient reads
 * each block of W twice while it is in cache; the ADMM gradient is a GEMV, one vector pass and a GEMVᵀ,
 * because at its L2-resident sizes a one-pass version measured slower. Validation as in {@link Blas}.
 */
public final class Fused {
    private Fused() {}

    /** The family of {@link Blas#active()}, in this class's own constant so C2 sees it at every call site. */
    private static final KernelSupport K = KernelProvider.getInstance().kernelSupport();

    /**
     * The gradient of the Bregman loss x ↦ B_Ψ(t, Wx + b) of eq. (4) [000], which is the first term of
     * the PDHG primal step eq. (14a) and the whole Landweber step:
     * <pre>
     *   z = W x + b,   g = Wᵀ (σ(z) − t),   returns ‖σ(z) − t‖²
     * </pre>
     * reading W once (each row's dot product, activation, residual and axpy into g happen while the
     * row is in cache) instead of twice as GEMV followed by GEMVᵀ would.
     *
     * @param sigma the activation σ = prox_Ψ
     * @param w     W, {@code m × n}
     * @param x     the input, n elements
     * @param b     the bias, m elements, or null
     * @param t     the target (observation), m elements
     * @param z     output: the pre-activations Wx + b, m elements (needed for the objective B_Ψ(t, z))
     * @param g     output: the gradient, n elements (overwritten)
     * @return ‖σ(Wx + b) − t‖², accumulated in double (the discrepancy of Morozov's principle)
     */
    public static double bregmanGradient(Activation sigma, FloatMatrix w, FloatVec x, FloatVec b, FloatVec t,
                                         FloatVec z, FloatVec g) {
        Checks.mat("W", w);
        return bregmanGradientRows(sigma, w, 0, w.rows(), x, b, t, z, g);
    }

    /**
     * The contribution of rows {@code [r0, r1)} to {@link #bregmanGradient}: writes z[r0, r1), overwrites g
     * with W[r0:r1]ᵀ(σ(z) − t)[r0:r1] and returns that block's Σ(σ(z_i) − t_i)². A fork-join caller gives
     * each block its own g and adds the partial gradients in block order, so the sum does not depend
     * on the number of threads.
     */
    public static double bregmanGradientRows(Activation sigma, FloatMatrix w, int r0, int r1, FloatVec x, FloatVec b,
                                             FloatVec t, FloatVec z, FloatVec g) {
        Objects.requireNonNull(sigma, "sigma");
        Checks.mat("W", w);
        Checks.rowRange(w, r0, r1);
        Checks.length("x", x, w.cols(), "W.cols");
        Checks.length("g", g, w.cols(), "W.cols");
        Checks.length("t", t, w.rows(), "W.rows");
        Checks.length("z", z, w.rows(), "W.rows");
        if (b != null) {
            Checks.length("b", b, w.rows(), "W.rows");
        }
        Checks.disjoint("g", g, "x", x);
        Checks.disjoint("g", g, "t", t);
        Checks.disjoint("g", g, "b", b);
        Checks.disjoint("g", g, "W", w);
        Checks.disjoint("g", g, "z", z);
        Checks.disjoint("z", z, "x", x);
        Checks.disjoint("z", z, "t", t);
        Checks.disjoint("z", z, "b", b);
        Checks.disjoint("z", z, "W", w);
        return K.bregmanGradient(sigma, w.segment(), w.byteOffset(), w.ld(), r0, r1, w.cols(),
                x.segment(), x.byteOffset(), b == null ? null : b.segment(), b == null ? 0 : b.byteOffset(),
                t.segment(), t.byteOffset(), z.segment(), z.byteOffset(), g.segment(), g.byteOffset());
    }

    /**
     * The linearized ADMM of Alg. 4 [002] over P = [W^S; W^{S^c}] (the support's rows first): the end of an
     * iteration — v = P x + b and the split and multiplier updates of steps 2–3 — and the gradient the next
     * iteration starts from,
     * <pre>
     *   v = P x + b
     *   a ← −max(u − v^{S^c}, 0),   u ← u + a − v^{S^c}
     *   r = [v^S − t ;  ρ(v^{S^c} − a − u)],   g = Pᵀ r
     * </pre>
     * as one kernel call: GEMV, one vector pass for the updates and the residual, GEMVᵀ (a single-pass
     * fusion over P was measured slower at the sizes of sec. 6.1 [002], where P sits in L2). v, a, u, r and
     * g equal those of that sequence of separate kernels. Validation as in {@link Blas}.
     *
     * @param p   P, m × n
     * @param s   |S|: rows [0, s) are the equality rows, [s, m) the inequality rows (0 ≤ s ≤ m)
     * @param x   n elements
     * @param b   m elements (in P's row order), or null
     * @param t   the equality targets x^S_next, s elements
     * @param rho ρ &gt; 0, the weight of the inequality rows
     * @param a   in/out: the split variable, m − s elements
     * @param u   in/out: the scaled multiplier, m − s elements
     * @param v   output: P x + b, m elements
     * @param r   output: the stacked residual, m elements
     * @param g   output: Pᵀ r, n elements (overwritten)
     * @return ‖a − v^{S^c}‖² (after the update), to float accuracy or better: the constraint residual
     */
    public static double admmGradient(FloatMatrix p, int s, FloatVec x, FloatVec b, FloatVec t, float rho, FloatVec a,
                                      FloatVec u, FloatVec v, FloatVec r, FloatVec g) {
        Checks.mat("P", p);
        int m = p.rows(), n = p.cols();
        if (s < 0 || s > m) {
            throw new IllegalArgumentException("s must lie in [0, " + m + "] (P's rows), got " + s);
        }
        if (!(rho > 0f) || rho == Float.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("rho must be finite and > 0, got " + rho);
        }
        Checks.length("x", x, n, "P.cols");
        Checks.length("g", g, n, "P.cols");
        Checks.length("v", v, m, "P.rows");
        Checks.length("r", r, m, "P.rows");
        Checks.length("t", t, s, "s");
        Checks.length("a", a, m - s, "P.rows - s");
        Checks.length("u", u, m - s, "P.rows - s");
        if (b != null) {
            Checks.length("b", b, m, "P.rows");
        }
        // Written out rather than looped over arrays: this runs once per solver iteration, which must not allocate.
        inputsDisjoint("v", v, p, x, b, t);
        inputsDisjoint("a", a, p, x, b, t);
        inputsDisjoint("u", u, p, x, b, t);
        inputsDisjoint("r", r, p, x, b, t);
        inputsDisjoint("g", g, p, x, b, t);
        Checks.disjoint("v", v, "a", a);
        Checks.disjoint("v", v, "u", u);
        Checks.disjoint("v", v, "r", r);
        Checks.disjoint("v", v, "g", g);
        Checks.disjoint("a", a, "u", u);
        Checks.disjoint("a", a, "r", r);
        Checks.disjoint("a", a, "g", g);
        Checks.disjoint("u", u, "r", r);
        Checks.disjoint("u", u, "g", g);
        Checks.disjoint("r", r, "g", g);
        return K.admmGradient(p.segment(), p.byteOffset(), p.ld(), m, n, s, x.segment(), x.byteOffset(),
                b == null ? null : b.segment(), b == null ? 0 : b.byteOffset(), t.segment(), t.byteOffset(), rho,
                a.segment(), a.byteOffset(), u.segment(), u.byteOffset(), v.segment(), v.byteOffset(),
                r.segment(), r.byteOffset(), g.segment(), g.byteOffset());
    }

    private static void inputsDisjoint(String name, FloatVec out, FloatMatrix p, FloatVec x, FloatVec b, FloatVec t) {
        Checks.disjoint(name, out, "P", p);
        Checks.disjoint(name, out, "x", x);
        Checks.disjoint(name, out, "b", b);
        Checks.disjoint(name, out, "t", t);
    }
}
