package dev.netinvert.solvers.linalg;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import java.lang.foreign.Arena;
import java.util.Objects;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.decomposition.chol.CholeskyDecompositionInner_DDRM;

/**
 * The linear system of one layer's z-update in the ADMM inversion of Wong &amp; Kolter (seed [004], eq. (9)):
 * <pre>
 *   (μI + WᵀW) z = μ p + Wᵀ q          W: m × n (outputs × inputs), p, z: n, q: m
 * </pre>
 * factored once per layer ({@link #factor}) and solved once per iteration ({@link #solve}) with the SIMD
 * triangular solves of {@link Blas#trsvLower} / {@link Blas#trsvLowerTransposed} and the GEMV kernels.
 *
 * <p>Two forms of the same solution:
 * <ul>
 *   <li>{@link Form#DIRECT}: the Cholesky factor L Lᵀ = μI + WᵀW (n × n); z = L⁻ᵀ L⁻¹ (μp + Wᵀq), then W z by
 *       one GEMV.</li>
 *   <li>{@link Form#WOODBURY}: the Cholesky factor L Lᵀ = M = μI + WWᵀ (m × m); s = M⁻¹ (W p − q),
 *       z = p − Wᵀ s and W z = q + μ s. Check: (μI + WᵀW) z = μp + WᵀWp − Wᵀ(μI + WWᵀ) s = μp + WᵀWp − Wᵀ(Wp − q)
 *       = μp + Wᵀq, and W z = Wp − (M − μI) s = q + μ s, so W z costs no GEMV. This is the push-through
 *       identity (μI + WᵀW)⁻¹Wᵀ = Wᵀ(μI + WWᵀ)⁻¹, i.e. the Woodbury formula for a rank-m update of μI.</li>
 * </ul>
 * {@link #factor(FloatMatrix, double, Arena)} picks WOODBURY when m &lt; n and DIRECT otherwise: the factor is
 * min(m, n)² floats, the solve reads it twice (2·min(m, n)² flops) plus W twice (4mn flops) in both forms.
 *
 * <p>Why triangular solves and not an explicit inverse: the inverse is never formed (the issue forbids it). Two
 * triangular solves cost the same k² multiply-adds per right-hand side as a product with a stored inverse, need
 * no extra k³ work at factor time, and are backward stable: the computed z solves a system whose matrix differs
 * from L Lᵀ by c·k·ε·|L||Lᵀ| (Higham, Thm. 10.4 with Thm. 8.5), while a product with a computed inverse in float
 * carries an error of the order ε·κ·‖G⁻¹‖ in the matrix itself and is not backward stable.
 *
 * <p>Conditioning and accuracy: the eigenvalues of μI + WᵀW are μ + σ_i² (σ_i the singular values of W, with
 * n − rank(W) zeros), so cond = (μ + σ_max²)/(μ + σ_min²). The Gram matrix is formed and factored in double
 * and L is then rounded to float, so the float solve works with (L + ΔL)(L + ΔL)ᵀ, |ΔL| ≤ γ_{k+1}|L|
 * (rounding plus the substitutions), a perturbation of at most about 2(k+1)·ε·trace(G) in norm; the relative
 * error of z is then about 2(k+1)·ε·cond·trace(G)/‖G‖ ≤ 2k(k+1)·ε·cond, ε = 2⁻²⁴ (usually √k·ε·cond is seen).
 * μ &gt; 0 — the L2 weight of eq. (9) — bounds cond by 1 + σ_max²/μ whatever W is. For a wide W (m &lt; n) the
 * DIRECT matrix has cond = 1 + σ_max²/μ, while the WOODBURY matrix μI + WWᵀ has the m nonzero σ_i only:
 * (μ + σ_max²)/(μ + σ_min,m²), smaller, which is a second reason for the default choice.
 *
 * <p>μ = 0 is accepted when the Gram matrix of the chosen form is positive definite (W of full column rank for
 * DIRECT, full row rank for WOODBURY). A Cholesky factorization that fails, or whose smallest pivot
 * L_ii² is at or below k·2⁻⁵²·max_i G_ii (at the level of the rounding errors of forming and factoring G, i.e.
 * numerically singular), is rejected with an {@link IllegalArgumentException}. With μ = 0, WOODBURY on a W of
 * full row rank returns p − Wᵀ(WWᵀ)⁻¹(Wp − q), the point of {z : Wz = q} nearest p: the limit μ → 0 of eq. (9)'s
 * z, and one solution of the then singular WᵀWz = Wᵀq.
 *
 * <p>Thread safety: {@link #solve} uses a workspace owned by the instance (m floats in the WOODBURY form), so
 * one instance serves one thread. The factor and the workspace live in the arena given to {@link #factor};
 * W must stay alive as long as the instance is used (it is not copied).
 */
public final class GramSystem {

    /** Which Gram matrix is factored. */
    public enum Form {
        /** Cholesky of μI + WᵀW (n × n). */
        DIRECT,
        /** Cholesky of μI + WWᵀ (m × m), and the push-through identity. */
        WOODBURY
    }

    private final FloatMatrix w;
    private final Form form;
    private final double mu;
    private final float muF;
    private final FloatMatrix l;
    private final FloatVec s;

    private GramSystem(FloatMatrix w, Form form, double mu, FloatMatrix l, FloatVec s) {
        this.w = w;
        this.form = form;
        this.mu = mu;
        this.muF = (float) mu;
        this.l = l;
        this.s = s;
    }

    /** Factors the system for W ({@code m × n}), picking {@link Form#WOODBURY} when m &lt; n, DIRECT otherwise. */
    public static GramSystem factor(FloatMatrix w, double mu, Arena arena) {
        Objects.requireNonNull(w, "w must not be null");
        return factor(w, mu, w.rows() < w.cols() ? Form.WOODBURY : Form.DIRECT, arena);
    }

    /**
     * Factors μI + WᵀW ({@link Form#DIRECT}) or μI + WWᵀ ({@link Form#WOODBURY}) in double and stores the
     * Cholesky factor in float in {@code arena}. μ is used as the float the solve uses, (float) μ, in the
     * factorization too, so that the factored matrix and the right-hand side agree.
     *
     * @param w     the layer's weight, {@code m × n} row-major (outputs × inputs); read now and at every solve
     * @param mu    the L2 weight μ, finite, ≥ 0 (0 only if the chosen Gram matrix is positive definite)
     * @param form  which Gram matrix to factor
     * @param arena where the factor (and the WOODBURY workspace) are allocated
     * @throws IllegalArgumentException if μ is negative or not finite, or the Gram matrix is not (numerically)
     *                                  positive definite
     */
    public static GramSystem factor(FloatMatrix w, double mu, Form form, Arena arena) {
        Objects.requireNonNull(w, "w must not be null");
        Objects.requireNonNull(form, "form must not be null");
        Objects.requireNonNull(arena, "arena must not be null");
        if (!(mu >= 0) || !Float.isFinite((float) mu)) {
            throw new IllegalArgumentException("mu: expected a finite value >= 0 (at most " + Float.MAX_VALUE
                    + ", the solve runs in float), got " + mu);
        }
        int m = w.rows(), n = w.cols();
        int k = form == Form.DIRECT ? n : m;
        double muUsed = (float) mu;

        float[] wf = w.toArray();
        DMatrixRMaj a = new DMatrixRMaj(m, n);
        for (int i = 0; i < wf.length; i++) {
            a.data[i] = wf[i];
        }
        DMatrixRMaj g = new DMatrixRMaj(k, k);
        if (form == Form.DIRECT) {
            CommonOps_DDRM.multInner(a, g); // WᵀW
        } else {
            CommonOps_DDRM.multOuter(a, g); // WWᵀ
        }
        double maxDiag = 0;
        for (int i = 0; i < k; i++) {
            g.add(i, i, muUsed);
            maxDiag = Math.max(maxDiag, g.get(i, i));
        }
        float[] lf = new float[k * k];
        if (k > 0) {
            CholeskyDecompositionInner_DDRM chol = new CholeskyDecompositionInner_DDRM(true);
            boolean ok = chol.decompose(g); // g now holds L in its lower triangle
            double minPivot = Double.POSITIVE_INFINITY;
            for (int i = 0; ok && i < k; i++) {
                double d = g.get(i, i);
                minPivot = Math.min(minPivot, d * d);
            }
            if (!ok || !(minPivot > k * 0x1p-52 * maxDiag)) {
                String gram = form == Form.DIRECT ? "μI + WᵀW (" + n + "×" + n + ")" : "μI + WWᵀ (" + m + "×" + m + ")";
                throw new IllegalArgumentException("GramSystem: " + gram + " for W of shape " + m + "×" + n
                        + " with mu = " + mu + " (form " + form + ") is not positive definite"
                        + (ok ? " (smallest Cholesky pivot " + minPivot + " against max diagonal " + maxDiag + ")" : "")
                        + ": W has " + (form == Form.DIRECT ? "fewer independent columns than its " + n + " columns"
                        : "fewer independent rows than its " + m + " rows")
                        + "; mu > 0 (an L2 weight) is needed" + (form == Form.DIRECT && m < n
                        ? ", or the WOODBURY form, whose Gram matrix is m×m" : ""));
            }
            for (int i = 0; i < k; i++) {
                for (int j = 0; j <= i; j++) {
                    lf[i * k + j] = (float) g.get(i, j);
                }
            }
        }
        FloatMatrix l = FloatMatrix.allocatePadded(arena, k, k);
        l.copyFrom(lf);
        FloatVec s = FloatVec.allocate(arena, form == Form.WOODBURY ? m : 0);
        return new GramSystem(w, form, mu, l, s);
    }

    public Form form() {
        return form;
    }

    /** μ as given to {@link #factor} (the factorization and the solve use (float) μ). */
    public double mu() {
        return mu;
    }

    /** n = W.cols, the length of p and z. */
    public int inputs() {
        return w.cols();
    }

    /** m = W.rows, the length of q and wz. */
    public int outputs() {
        return w.rows();
    }

    /**
     * z ← (μI + WᵀW)⁻¹ (μ p + Wᵀ q), and wz ← W z. p, z have n elements; q, wz have m. Nothing is allocated;
     * not thread-safe (the WOODBURY form uses a workspace of the instance).
     *
     * <p>z may be p itself and wz may be q itself (then p, or q, is overwritten); apart from that, z and wz must
     * not overlap each other, W, or the other inputs.
     */
    public void solve(FloatVec p, FloatVec q, FloatVec z, FloatVec wz) {
        int m = w.rows(), n = w.cols();
        length("p", p, n, "W.cols");
        length("q", q, m, "W.rows");
        length("z", z, n, "W.cols");
        length("wz", wz, m, "W.rows");
        disjoint("z", z, "q", q);
        disjoint("z", z, "wz", wz);
        disjoint("z", z, "W", w);
        disjoint("wz", wz, "p", p);
        disjoint("wz", wz, "W", w);
        if (!identical(z, p)) {
            disjoint("z", z, "p", p);
        }
        if (!identical(wz, q)) {
            disjoint("wz", wz, "q", q);
        }
        if (form == Form.DIRECT) {
            // z ← μp + Wᵀq, then z ← L⁻ᵀ L⁻¹ z; the right-hand side is built in z, so z = p needs no copy.
            if (!identical(z, p)) {
                Blas.copy(p, z);
            }
            Blas.scale(muF, z);
            Blas.gemvT(1f, w, q, 1f, z);
            Blas.trsvLower(l, z);
            Blas.trsvLowerTransposed(l, z);
            Blas.gemv(1f, w, z, 0f, wz);
        } else {
            // s ← M⁻¹ (W p − q), z ← p − Wᵀ s, wz ← q + μ s.
            Blas.gemv(1f, w, p, 0f, s);
            Blas.axpy(-1f, q, s);
            Blas.trsvLower(l, s);
            Blas.trsvLowerTransposed(l, s);
            if (!identical(z, p)) {
                Blas.copy(p, z);
            }
            Blas.gemvT(-1f, w, s, 1f, z);
            if (!identical(wz, q)) {
                Blas.copy(q, wz);
            }
            Blas.axpy(muF, s, wz);
        }
    }

    private static void length(String name, FloatVec v, int expected, String because) {
        Objects.requireNonNull(v, () -> name + " must not be null");
        if (v.length() != expected) {
            throw new IllegalArgumentException(
                    name + ": expected length " + expected + " (" + because + "), got " + v.length());
        }
    }

    private static boolean identical(FloatVec a, FloatVec b) {
        return a.segment().isNative() && b.segment().isNative() && a.length() == b.length()
                && a.segment().address() + a.byteOffset() == b.segment().address() + b.byteOffset()
                || a.segment() == b.segment() && a.byteOffset() == b.byteOffset() && a.length() == b.length();
    }

    private static void disjoint(String out, FloatVec o, String in, FloatVec i) {
        disjoint(out, o, in, i.segment().isNative() ? i.segment().address() + i.byteOffset() : -1, 4L * i.length(),
                i.segment().isNative());
    }

    private static void disjoint(String out, FloatVec o, String in, FloatMatrix m) {
        long span = m.rows() == 0 ? 0 : ((long) (m.rows() - 1) * m.ld() + m.cols()) * Float.BYTES;
        disjoint(out, o, in, m.segment().isNative() ? m.segment().address() + m.byteOffset() : -1, span,
                m.segment().isNative());
    }

    /** Native memory by address (a heap segment cannot alias an off-heap one; two heap views are not checked). */
    private static void disjoint(String out, FloatVec o, String in, long b0, long lb, boolean inNative) {
        if (!o.segment().isNative() || !inNative || o.length() == 0 || lb == 0) {
            return;
        }
        long a0 = o.segment().address() + o.byteOffset(), a1 = a0 + 4L * o.length();
        if (a0 < b0 + lb && b0 < a1) {
            throw new IllegalArgumentException(out + " and " + in + " must not overlap in memory (" + out
                    + " is written while " + in + " is still read)");
        }
    }
}
