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
        Checks.rowBlock(w, r0, r1, x);
        Checks.length("g", g, w.cols(), "W.cols");
        Checks.length("t", t, w.rows(), "W.rows");
        Checks.length("z", z, w.rows(), "W.rows");
        Checks.bias(b, w.rows(), "W.rows");
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
     * The most observations for which {@link #bregmanGradientBatch} is faster than the two GEMMs on a W packed
     * once ({@link Blas#pack}, then {@link Blas#gemmNT(float, FloatMatrix, PackedMatrix, float, FloatMatrix,
     * FloatVec)} and {@link Blas#gemmNN(float, FloatMatrix, PackedMatrix, float, FloatMatrix)}) for a caller that
     * iterates with the same W: 8 with 256-bit SIMD vectors, 16 with 512-bit.
     */
    public static int bregmanGradientBatchMaxRows() {
        return K.bregmanGradientBatchMaxRows();
    }

    /**
     * The gradients of the Bregman loss for a batch of observations, each row of X and T one observation
     * (the lockstep batches of issue 15): for every s, the {@link #bregmanGradient} of x = X_s and t = T_s,
     * <pre>
     *   R = σ(X·Wᵀ + 1·bᵀ) − T,   G = R·W,   sums[s] = ‖R_s‖²
     * </pre>
     * i.e. G_s = Wᵀ(σ(W X_s + b) − T_s), the gradient of x ↦ B_Ψ(T_s, Wx + b) of eq. (4) [000] at X_s. Both
     * products are GEMMs (2·B·m·n flops each), and W is read once per call from memory: the SIMD implementation
     * goes over it in blocks of rows, computing a block's columns of X·Wᵀ, their residuals and the block's
     * contribution to G while the block is in L2.
     *
     * <p>Accuracy: every R[s][i] is a sum of n products plus b (as {@link Blas#gemmNT}), each residual is σ of it
     * minus t rounded once more, and every G entry a sum of m products, accumulated over blocks of W's rows with
     * one rounding per block.
     *
     * @param sigma the activation σ = prox_Ψ
     * @param w     W, {@code m × n}
     * @param x     the inputs, {@code B × n} (one per row)
     * @param b     the bias, m elements, or null
     * @param t     the targets (observations), {@code B × m}
     * @param z     output: the pre-activations X·Wᵀ + 1·bᵀ, {@code B × m}, or null if not needed
     * @param r     output: the residuals σ(X·Wᵀ + 1·bᵀ) − T, {@code B × m}
     * @param g     output: the gradients R·W, {@code B × n} (overwritten)
     * @param sums  output: sums[s] = ‖σ(W X_s + b) − T_s‖² in double (the discrepancy of each observation, as
     *              {@link #bregmanGradient} returns it: no factor ½), at least B elements, or null
     */
    public static void bregmanGradientBatch(Activation sigma, FloatMatrix w, FloatMatrix x, FloatVec b, FloatMatrix t,
                                            FloatMatrix z, FloatMatrix r, FloatMatrix g, double[] sums) {
        Objects.requireNonNull(sigma, "sigma");
        Checks.mat("W", w);
        Checks.mat("X", x);
        Checks.mat("T", t);
        Checks.mat("R", r);
        Checks.mat("G", g);
        int m = w.rows(), n = w.cols(), rows = x.rows();
        batchShape("X", x, rows, n, "B × W.cols");
        batchShape("T", t, rows, m, "X.rows × W.rows");
        batchShape("R", r, rows, m, "X.rows × W.rows");
        batchShape("G", g, rows, n, "X.rows × W.cols");
        Checks.bias(b, m, "W.rows");
        if (z != null) {
            Checks.mat("Z", z);
            batchShape("Z", z, rows, m, "X.rows × W.rows");
            batchOutputDisjoint("Z", z, w, x, t, b);
            Checks.disjoint("Z", z, "R", r);
            Checks.disjoint("Z", z, "G", g);
        }
        if (sums != null && sums.length < rows) {
            throw new IllegalArgumentException("sums: expected at least " + rows + " elements (X.rows), got "
                    + sums.length);
        }
        batchOutputDisjoint("R", r, w, x, t, b);
        batchOutputDisjoint("G", g, w, x, t, b);
        Checks.disjoint("G", g, "R", r);
        K.bregmanGradientBatch(sigma, w.segment(), w.byteOffset(), w.ld(), m, n, x.segment(), x.byteOffset(), x.ld(),
                rows, b == null ? null : b.segment(), b == null ? 0 : b.byteOffset(), t.segment(), t.byteOffset(),
                t.ld(), z == null ? null : z.segment(), z == null ? 0 : z.byteOffset(), z == null ? 0 : z.ld(),
                r.segment(), r.byteOffset(), r.ld(), g.segment(), g.byteOffset(), g.ld(), sums);
    }

    private static void batchShape(String name, FloatMatrix a, int rows, int cols, String because) {
        if (a.rows() != rows || a.cols() != cols) {
            throw new IllegalArgumentException(name + ": expected " + rows + "×" + cols + " (" + because + "), got "
                    + a.rows() + "×" + a.cols());
        }
    }

    private static void batchOutputDisjoint(String name, FloatMatrix out, FloatMatrix w, FloatMatrix x, FloatMatrix t,
                                            FloatVec b) {
        Checks.disjoint(name, out, "W", w);
        Checks.disjoint(name, out, "X", x);
        Checks.disjoint(name, out, "T", t);
        if (b != null) {
            Checks.disjoint("b", b, name, out);
        }
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
        Checks.bias(b, m, "P.rows");
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

    // ------------------------------------------------------------------ elementwise solver steps
    //
    // One pass each over vectors of a solver's size; the float arithmetic is spelled out in the
    // KernelSupport methods and is the same in every implementation, so their outputs agree bit for bit.
    // Sums are accumulated in vector lanes: the double ones differ from a sequential sum by double rounding
    // (~n·2⁻⁵³ relative), scaledGradientStep's float ones by float rounding.

    /**
     * The residual of a masked least-squares loss and its squared norm in one pass:
     * <pre>
     *   r = M(x − y),   returns ‖r‖²
     * </pre>
     * with M = diag(m) (0/1 for an observation mask), or M = I when {@code mask} is null; r is computed in
     * float ((x − y)·m) and ‖r‖² summed in double.
     *
     * @param x    n elements
     * @param y    n elements
     * @param mask n elements, or null
     * @param r    output, n elements: x, y or mask itself, or disjoint from them
     */
    public static double maskedResidual(FloatVec x, FloatVec y, FloatVec mask, FloatVec r) {
        Checks.sameLength("x", x, "y", y);
        Checks.sameLength("x", x, "r", r);
        Checks.identicalOrDisjoint("r", r, "x", x);
        Checks.identicalOrDisjoint("r", r, "y", y);
        if (mask != null) {
            Checks.sameLength("x", x, "mask", mask);
            Checks.identicalOrDisjoint("r", r, "mask", mask);
        }
        return K.maskedResidual(x.segment(), x.byteOffset(), y.segment(), y.byteOffset(),
                mask == null ? null : mask.segment(), mask == null ? 0 : mask.byteOffset(), r.segment(), r.byteOffset(),
                x.length());
    }

    /**
     * The momentum (extrapolation) step of FISTA [Beck–Teboulle 2009] and of step 4 of Alg. 3 [002], and the
     * hand-over of the iterate, in one pass:
     * <pre>
     *   x ← u + β(u − uPrev),   uPrev ← u
     * </pre>
     *
     * @param beta  β, finite
     * @param u     the new iterate, n elements
     * @param uPrev in/out: the previous iterate, n elements, overwritten by u
     * @param x     output: the extrapolated point, n elements
     */
    public static void extrapolate(float beta, FloatVec u, FloatVec uPrev, FloatVec x) {
        Checks.finite("beta", beta);
        Checks.sameLength("u", u, "uPrev", uPrev);
        Checks.sameLength("u", u, "x", x);
        Checks.disjoint("uPrev", uPrev, "u", u);
        Checks.disjoint("x", x, "u", u);
        Checks.disjoint("x", x, "uPrev", uPrev);
        K.extrapolate(beta, u.segment(), u.byteOffset(), uPrev.segment(), uPrev.byteOffset(), x.segment(),
                x.byteOffset(), u.length());
    }

    /**
     * A damped gradient step z ← keep·z − step·g in place (the first-layer update eq. (18) [002], with
     * keep = (α+β)/(α+β+γ) and step = 1/(α+β+γ)), and the two norms a stopping test needs:
     * sums[0] = ‖z⁺ − z‖², sums[1] = ‖z⁺‖² (summed in float lanes by the SIMD kernel, as in
     * {@link Prox#l1ProxStep}: convergence measures).
     *
     * @param keep finite
     * @param step finite
     * @param z    in/out, n elements
     * @param g    n elements, disjoint from z
     * @param sums at least 2 elements
     */
    public static void scaledGradientStep(float keep, float step, FloatVec z, FloatVec g, double[] sums) {
        Checks.finite("keep", keep);
        Checks.finite("step", step);
        Checks.sameLength("z", z, "g", g);
        Checks.disjoint("z", z, "g", g);
        if (sums == null) {
            throw new NullPointerException("sums must not be null");
        }
        if (sums.length < 2) {
            throw new IllegalArgumentException("sums: expected at least 2 elements, got " + sums.length);
        }
        K.scaledGradientStep(keep, step, z.segment(), z.byteOffset(), g.segment(), g.byteOffset(), z.length(), sums);
    }

    /**
     * One Adam update [Kingma–Ba 2015] with the bias corrections folded into two scalars:
     * <pre>
     *   m ← β₁m + (1−β₁)g,   s ← β₂s + (1−β₂)g²,   z ← z − η̂·m / (√(ŝ·s) + ε)
     * </pre>
     * with η̂ = η/(1 − β₁ᵏ) and ŝ = 1/(1 − β₂ᵏ), elementwise in float.
     *
     * @param beta1  β₁, finite
     * @param beta2  β₂, finite
     * @param etaHat η̂, finite
     * @param sHat   ŝ, finite
     * @param eps    ε, finite
     * @param z      in/out: the iterate, n elements
     * @param g      the gradient, n elements
     * @param m      in/out: the first moment, n elements
     * @param s      in/out: the second moment, n elements (the four vectors pairwise disjoint)
     */
    public static void adamStep(float beta1, float beta2, float etaHat, float sHat, float eps, FloatVec z, FloatVec g,
                                FloatVec m, FloatVec s) {
        Checks.finite("beta1", beta1);
        Checks.finite("beta2", beta2);
        Checks.finite("etaHat", etaHat);
        Checks.finite("sHat", sHat);
        Checks.finite("eps", eps);
        Checks.sameLength("z", z, "g", g);
        Checks.sameLength("z", z, "m", m);
        Checks.sameLength("z", z, "s", s);
        Checks.disjoint("z", z, "g", g);
        Checks.disjoint("z", z, "m", m);
        Checks.disjoint("z", z, "s", s);
        Checks.disjoint("m", m, "g", g);
        Checks.disjoint("m", m, "s", s);
        Checks.disjoint("s", s, "g", g);
        K.adamStep(beta1, beta2, etaHat, sHat, eps, z.segment(), z.byteOffset(), g.segment(), g.byteOffset(),
                m.segment(), m.byteOffset(), s.segment(), s.byteOffset(), z.length());
    }

    /**
     * The start of the linearized ADMM of Alg. 4 [002] from v = P x⁰ + b (P = [W^S; W^{S^c}], the first s rows
     * the support): the split a⁰ = min(v^{S^c}, 0) (feasible: a⁰ ≤ 0), the multiplier u⁰ = 0, and the stacked
     * residual whose Pᵀ-product is the first gradient,
     * <pre>
     *   r = [v^S − t ;  ρ(v^{S^c} − a⁰ − u⁰)]
     * </pre>
     *
     * @param s   |S|, 0 ≤ s ≤ v.length
     * @param v   P x⁰ + b, m elements
     * @param t   the equality targets, s elements
     * @param rho ρ, finite
     * @param a   output: m − s elements
     * @param u   output: m − s elements
     * @param r   output: m elements (a, u, r pairwise disjoint and disjoint from v and t)
     */
    public static void admmStart(int s, FloatVec v, FloatVec t, float rho, FloatVec a, FloatVec u, FloatVec r) {
        Checks.vec("v", v);
        int m = v.length();
        if (s < 0 || s > m) {
            throw new IllegalArgumentException("s: expected a value in [0, " + m + "] (v.length), got " + s);
        }
        Checks.finite("rho", rho);
        Checks.length("t", t, s, "s");
        Checks.length("a", a, m - s, "v.length - s");
        Checks.length("u", u, m - s, "v.length - s");
        Checks.length("r", r, m, "v.length");
        Checks.disjoint("a", a, "v", v);
        Checks.disjoint("a", a, "t", t);
        Checks.disjoint("u", u, "v", v);
        Checks.disjoint("u", u, "t", t);
        Checks.disjoint("r", r, "v", v);
        Checks.disjoint("r", r, "t", t);
        Checks.disjoint("a", a, "u", u);
        Checks.disjoint("a", a, "r", r);
        Checks.disjoint("u", u, "r", r);
        K.admmStart(m, s, v.segment(), v.byteOffset(), t.segment(), t.byteOffset(), rho, a.segment(), a.byteOffset(),
                u.segment(), u.byteOffset(), r.segment(), r.byteOffset());
    }
}
