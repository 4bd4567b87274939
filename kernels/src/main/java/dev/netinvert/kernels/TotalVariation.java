package dev.netinvert.kernels;

/**
 * The finite-difference gradient, its adjoint, total variation and the PDHG steps of eq. (14) [000]
 * (section 4.1), on {@link Image}s and {@link GradientField}s, computed by the active
 * {@link StencilSupport} (SIMD or scalar, chosen once per JVM by {@link KernelProvider}).
 *
 * <p>Operators, per channel of a {@code C × H × W} image (rows i, columns j):
 * <pre>
 *   (∇x)₁[i,j] = x[i+1,j] − x[i,j]  (0 in the last row)        ∂₁, {@link GradientField#d1()}
 *   (∇x)₂[i,j] = x[i,j+1] − x[i,j]  (0 in the last column)     ∂₂, {@link GradientField#d2()}
 *   div = −∇ᵀ exactly: ⟨∇x, p⟩ = −⟨x, div p⟩ for every x, p
 *   isotropic TV   ‖∇x‖₂,₁ = Σ_pixels √(Σ_c (∂₁x)² + (∂₂x)²)
 *   anisotropic TV ‖∇x‖₁,₁ = Σ_pixels Σ_c |∂₁x| + |∂₂x|
 * </pre>
 * The disc of sec. 5.1.1 [000] (radius 15.8 in a 64×64 image) has anisotropic TV exactly 128 and
 * isotropic TV ≈ 116.87; the paper's "TV" figures match the ℓ1 form, so report both.
 *
 * <p>Every entry point checks shapes, row ranges, scalars and that outputs do not overlap inputs, and
 * throws naming the argument; the kernels behind it trust them. Nothing allocates. The {@code …Rows}
 * variants work on rows {@code [r0, r1)} of every channel and write only those rows; their outputs do
 * not depend on how an image is split (see {@link StencilSupport}), so a fork-join caller may split an
 * image into row blocks freely and add the returned sums in block order.
 *
 * <p>Reductions are returned in double; the error is at most about (W + 10)·2⁻²⁴ times the sum of the
 * terms' magnitudes (each row is summed in float lanes, rows in double).
 */
public final class TotalVariation {
    private TotalVariation() {}

    private static final StencilSupport S = KernelProvider.getInstance().stencilSupport();

    /** The active implementation. */
    public static StencilSupport active() {
        return S;
    }

    // ---------------------------------------------------------------- ∇ and div

    /** out ← ∇x. {@code out} has the shape of {@code x} and must not overlap it. */
    public static void gradient(Image x, GradientField out) {
        gradientRows(x, 0, heightOf(x), out);
    }

    /** Rows [r0, r1) of out ← ∇x (reads rows [r0, min(r1 + 1, H)) of x). */
    public static void gradientRows(Image x, int r0, int r1, GradientField out) {
        image("x", x);
        field("out", out, x);
        rows(x, r0, r1);
        Checks.disjoint("x", x.values(), "out.d1", out.d1());
        Checks.disjoint("x", x.values(), "out.d2", out.d2());
        Checks.disjoint("out.d1", out.d1(), "out.d2", out.d2());
        S.gradient(x.values().segment(), x.values().byteOffset(), x.channels(), x.height(), x.width(), r0, r1,
                out.d1().segment(), out.d1().byteOffset(), out.d2().segment(), out.d2().byteOffset());
    }

    /** out ← div p = −∇ᵀp. {@code out} has the shape of {@code p} and must not overlap it. */
    public static void divergence(GradientField p, Image out) {
        divergenceRows(p, 0, heightOf(p), out);
    }

    /** Rows [r0, r1) of out ← div p (reads rows [max(r0 − 1, 0), r1) of p). */
    public static void divergenceRows(GradientField p, int r0, int r1, Image out) {
        field("p", p);
        image("out", out, p);
        rows(out, r0, r1);
        Checks.disjoint("p.d1", p.d1(), "out", out.values());
        Checks.disjoint("p.d2", p.d2(), "out", out.values());
        S.divergence(p.d1().segment(), p.d1().byteOffset(), p.d2().segment(), p.d2().byteOffset(),
                p.channels(), p.height(), p.width(), r0, r1, out.values().segment(), out.values().byteOffset());
    }

    // ---------------------------------------------------------------- values

    /** Isotropic TV ‖∇x‖₂,₁ (the regulariser of sec. 4.1 [000], p = 2), ∇x computed on the fly. */
    public static double isotropic(Image x) {
        return isotropicRows(x, 0, heightOf(x));
    }

    /** The pixels of rows [r0, r1) of {@link #isotropic}. */
    public static double isotropicRows(Image x, int r0, int r1) {
        image("x", x);
        rows(x, r0, r1);
        return S.tvIsotropic(x.values().segment(), x.values().byteOffset(), x.channels(), x.height(), x.width(),
                r0, r1);
    }

    /** Anisotropic TV ‖∇x‖₁,₁ (p = 1 in sec. 4.1 [000]), ∇x computed on the fly. */
    public static double anisotropic(Image x) {
        return anisotropicRows(x, 0, heightOf(x));
    }

    /** The pixels of rows [r0, r1) of {@link #anisotropic}. */
    public static double anisotropicRows(Image x, int r0, int r1) {
        image("x", x);
        rows(x, r0, r1);
        return S.tvAnisotropic(x.values().segment(), x.values().byteOffset(), x.channels(), x.height(), x.width(),
                r0, r1);
    }

    /** ‖p‖₂,₁ = Σ_pixels √(Σ_c p1² + p2²). */
    public static double norm21(GradientField p) {
        field("p", p);
        return S.norm21(p.d1().segment(), p.d1().byteOffset(), p.d2().segment(), p.d2().byteOffset(),
                p.channels(), p.height(), p.width(), 0, p.height());
    }

    /** ‖p‖₁,₁ = Σ |p1| + |p2|. */
    public static double norm11(GradientField p) {
        field("p", p);
        return S.norm11(p.d1().segment(), p.d1().byteOffset(), p.d2().segment(), p.d2().byteOffset(),
                p.channels(), p.height(), p.width(), 0, p.height());
    }

    // ---------------------------------------------------------------- projections

    /**
     * In place, per pixel: p ← p / max(1, ‖p‖/r), ‖p‖ = √(Σ_c p1² + p2²) — the projection onto the ℓ2
     * ball of radius r, jointly over channels and both directions; the prox of the conjugate of
     * r‖·‖₂,₁ (isotropic TV). Pixels inside the ball are left bit-for-bit unchanged.
     *
     * @param radius r, finite and &gt; 0
     */
    public static void projectL2Ball(GradientField p, float radius) {
        projectL2BallRows(p, 0, heightOf(p), radius);
    }

    /** {@link #projectL2Ball} on rows [r0, r1). */
    public static void projectL2BallRows(GradientField p, int r0, int r1, float radius) {
        field("p", p);
        rows(p, r0, r1);
        radius(radius);
        Checks.disjoint("p.d1", p.d1(), "p.d2", p.d2());
        S.projectL2(radius, p.d1().segment(), p.d1().byteOffset(), p.d2().segment(), p.d2().byteOffset(),
                p.channels(), p.height(), p.width(), r0, r1);
    }

    /**
     * In place, elementwise: p ← max(−r, min(r, p)) — the projection onto the ℓ∞ box [−r, r], the prox
     * of the conjugate of r‖·‖₁,₁ (anisotropic TV).
     *
     * @param radius r, finite and &gt; 0
     */
    public static void projectLinfBox(GradientField p, float radius) {
        projectLinfBoxRows(p, 0, heightOf(p), radius);
    }

    /** {@link #projectLinfBox} on rows [r0, r1). */
    public static void projectLinfBoxRows(GradientField p, int r0, int r1, float radius) {
        field("p", p);
        rows(p, r0, r1);
        radius(radius);
        Checks.disjoint("p.d1", p.d1(), "p.d2", p.d2());
        S.projectLinf(radius, p.d1().segment(), p.d1().byteOffset(), p.d2().segment(), p.d2().byteOffset(),
                p.channels(), p.height(), p.width(), r0, r1);
    }

    // ---------------------------------------------------------------- PDHG, eq. (14) [000]

    /**
     * The PDHG primal step eq. (14a) [000] in one pass over the image, div z computed on the fly:
     * <pre>  xNew = x − τx·(g − α·div z)</pre>
     * where g = Wᵀ(σ(Wx + b) − y) is the data term's gradient (from {@link Fused#bregmanGradient}).
     *
     * <p>{@code xNew} is a separate image: the dual step {@link #dualStepIsotropic} that follows needs
     * both x^{k+1} and x^k, so a solver keeps two buffers and swaps them.
     *
     * @param x     the current iterate x^k, C×H×W
     * @param g     the data term's gradient, C·H·W elements
     * @param z     the dual variable z^k, shape of x
     * @param tauX  τx, finite and &gt; 0
     * @param alpha α, finite and ≥ 0
     * @param xNew  output x^{k+1}, shape of x, disjoint from x, g and z
     * @return ‖x^{k+1} − x^k‖² of the stored values, accumulated in double (for the stopping rule)
     */
    public static double primalStep(Image x, FloatVec g, GradientField z, float tauX, float alpha, Image xNew) {
        return primalStepRows(x, g, z, tauX, alpha, xNew, 0, heightOf(x));
    }

    /** {@link #primalStep} on rows [r0, r1): writes those rows of xNew, returns their squared change. */
    public static double primalStepRows(Image x, FloatVec g, GradientField z, float tauX, float alpha, Image xNew,
                                        int r0, int r1) {
        image("x", x);
        Checks.vec("g", g);
        if (g.length() != x.size()) {
            throw new IllegalArgumentException("g: expected length " + x.size()
                    + " (x.channels·x.height·x.width = " + x.shape() + "), got " + g.length());
        }
        field("z", z, x);
        image("xNew", xNew, x);
        rows(x, r0, r1);
        positive("tauX", tauX);
        nonNegative("alpha", alpha);
        Checks.disjoint("x", x.values(), "xNew", xNew.values());
        Checks.disjoint("g", g, "xNew", xNew.values());
        Checks.disjoint("z.d1", z.d1(), "xNew", xNew.values());
        Checks.disjoint("z.d2", z.d2(), "xNew", xNew.values());
        return S.pdhgPrimal(tauX, alpha, x.values().segment(), x.values().byteOffset(), g.segment(), g.byteOffset(),
                z.d1().segment(), z.d1().byteOffset(), z.d2().segment(), z.d2().byteOffset(),
                x.channels(), x.height(), x.width(), r0, r1, xNew.values().segment(), xNew.values().byteOffset());
    }

    /**
     * The PDHG dual step eq. (14b) [000], isotropic TV, in one stencil pass and in place on z:
     * <pre>  z ← proj_{‖·‖₂ ≤ 1}(z + τz·α·∇(2·xNew − x))  per pixel</pre>
     * with no temporaries for 2·xNew − x or ∇. The projection onto the unit ball per pixel (jointly over
     * channels and directions) is the prox of τz·(‖·‖₂,₁)*, the ball having radius 1 because α is
     * inside K = α∇.
     *
     * <p>Speed: one channel (the paper's case) is vectorized; for C &gt; 1 the SIMD implementation runs
     * its per-pixel code, because the norm couples 2·C vectors per lane group, more than C2 keeps unboxed.
     *
     * @param xNew  x^{k+1}, C×H×W
     * @param x     x^k, shape of xNew (may be the same image)
     * @param z     the dual variable, updated in place; must not overlap xNew or x
     * @param tauZ  τz, finite and &gt; 0 (sec. 5.1.1 [000] uses 1/(8α))
     * @param alpha α, finite and ≥ 0
     * @return ‖z^{k+1} − z^k‖², accumulated in double
     */
    public static double dualStepIsotropic(Image xNew, Image x, GradientField z, float tauZ, float alpha) {
        return dualStepIsotropicRows(xNew, x, z, tauZ, alpha, 0, heightOf(xNew));
    }

    /** {@link #dualStepIsotropic} on rows [r0, r1) of z (reads rows [r0, min(r1 + 1, H)) of xNew and x). */
    public static double dualStepIsotropicRows(Image xNew, Image x, GradientField z, float tauZ, float alpha,
                                               int r0, int r1) {
        float sigma = dualArgs(xNew, x, z, tauZ, alpha, r0, r1);
        return S.pdhgDualIsotropic(sigma, xNew.values().segment(), xNew.values().byteOffset(),
                x.values().segment(), x.values().byteOffset(), z.d1().segment(), z.d1().byteOffset(),
                z.d2().segment(), z.d2().byteOffset(), x.channels(), x.height(), x.width(), r0, r1);
    }

    /**
     * As {@link #dualStepIsotropic} for anisotropic TV ‖∇x‖₁,₁: the prox of the conjugate is the
     * projection onto the box [−1, 1], elementwise.
     */
    public static double dualStepAnisotropic(Image xNew, Image x, GradientField z, float tauZ, float alpha) {
        return dualStepAnisotropicRows(xNew, x, z, tauZ, alpha, 0, heightOf(xNew));
    }

    /** {@link #dualStepAnisotropic} on rows [r0, r1). */
    public static double dualStepAnisotropicRows(Image xNew, Image x, GradientField z, float tauZ, float alpha,
                                                 int r0, int r1) {
        float sigma = dualArgs(xNew, x, z, tauZ, alpha, r0, r1);
        return S.pdhgDualAnisotropic(sigma, xNew.values().segment(), xNew.values().byteOffset(),
                x.values().segment(), x.values().byteOffset(), z.d1().segment(), z.d1().byteOffset(),
                z.d2().segment(), z.d2().byteOffset(), x.channels(), x.height(), x.width(), r0, r1);
    }

    /** Validates the dual step's arguments and returns σ = τz·α (rounded to float, as the reference does). */
    private static float dualArgs(Image xNew, Image x, GradientField z, float tauZ, float alpha, int r0, int r1) {
        image("xNew", xNew);
        image("x", x, xNew);
        field("z", z, xNew);
        rows(xNew, r0, r1);
        positive("tauZ", tauZ);
        nonNegative("alpha", alpha);
        float sigma = tauZ * alpha;
        Checks.finite("tauZ·alpha", sigma);
        Checks.disjoint("z.d1", z.d1(), "z.d2", z.d2());
        Checks.disjoint("xNew", xNew.values(), "z.d1", z.d1());
        Checks.disjoint("xNew", xNew.values(), "z.d2", z.d2());
        Checks.disjoint("x", x.values(), "z.d1", z.d1());
        Checks.disjoint("x", x.values(), "z.d2", z.d2());
        return sigma;
    }

    // ---------------------------------------------------------------- checks

    private static int heightOf(Image x) {
        image("x", x);
        return x.height();
    }

    private static int heightOf(GradientField p) {
        field("p", p);
        return p.height();
    }

    private static void image(String name, Image x) {
        if (x == null) {
            throw new NullPointerException(name + " must not be null");
        }
        Checks.vec(name, x.values());
    }

    private static void image(String name, Image x, Image like) {
        image(name, x);
        if (!x.sameShape(like.channels(), like.height(), like.width())) {
            throw new IllegalArgumentException(name + ": expected shape " + like.shape()
                    + " (channels×height×width of the input), got " + x.shape());
        }
    }

    private static void image(String name, Image x, GradientField like) {
        image(name, x);
        if (!x.sameShape(like.channels(), like.height(), like.width())) {
            throw new IllegalArgumentException(name + ": expected shape " + like.shape()
                    + " (channels×height×width of the field), got " + x.shape());
        }
    }

    private static void field(String name, GradientField p) {
        if (p == null) {
            throw new NullPointerException(name + " must not be null");
        }
        // The record guarantees non-null planes; build the message only when it is needed.
        if (!p.d1().segment().scope().isAlive() || !p.d2().segment().scope().isAlive()) {
            throw new IllegalStateException(name + ": the arena of its " + (p.d1().segment().scope().isAlive() ? "d2" : "d1")
                    + " plane is already closed");
        }
    }

    private static void field(String name, GradientField p, Image like) {
        field(name, p);
        if (!p.sameShape(like.channels(), like.height(), like.width())) {
            throw new IllegalArgumentException(name + ": expected shape " + like.shape()
                    + " (channels×height×width of the image), got " + p.shape());
        }
    }

    private static void rows(Image x, int r0, int r1) {
        rows(x.height(), r0, r1);
    }

    private static void rows(GradientField p, int r0, int r1) {
        rows(p.height(), r0, r1);
    }

    private static void rows(int h, int r0, int r1) {
        if (r0 < 0 || r1 > h || r0 > r1) {
            throw new IndexOutOfBoundsException(
                    "row range [r0, r1) = [" + r0 + ", " + r1 + ") must lie within [0, " + h + "] of the image");
        }
    }

    private static void positive(String name, float v) {
        if (!(v > 0f) || v == Float.POSITIVE_INFINITY) {
            throw new IllegalArgumentException(name + " must be finite and > 0, got " + v);
        }
    }

    private static void nonNegative(String name, float v) {
        if (!(v >= 0f) || v == Float.POSITIVE_INFINITY) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + v);
        }
    }

    private static void radius(float r) {
        positive("radius", r);
    }
}
