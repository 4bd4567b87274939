package dev.netinvert.solvers.admm;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import java.util.Objects;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.decomposition.TriangularSolver_DDRM;
import org.ejml.dense.row.decomposition.chol.CholeskyDecompositionInner_DDRM;

/**
 * The box-constrained quadratic program of the ADMM input update (eq. (10) [004]) for the input term
 * h(x) = (λ/2)‖x − x₀‖² + indicator(lo ≤ x ≤ hi):
 *
 * <pre>
 *   minimize   ½ zᵀQz − cᵀz     subject to  lo ≤ z ≤ hi,
 *   Q = μI + WᵀW,   c = μp + Wᵀq,
 * </pre>
 *
 * <p>which is eq. (10) divided by ρ with μ = λ/ρ, p = x₀, q = ṽ₁ + ũ₁ − b₁ and W = W₁ (m × n, row-major,
 * the first layer). Q is formed once, in double, by {@link #of}; each {@link #solve} is one z₁ update.
 *
 * <h2>Method: Bertsekas' projected Newton method</h2>
 * D. P. Bertsekas, "Projected Newton methods for optimization problems with simple constraints", SIAM J.
 * Control Optim. 20(2):221–246, 1982. From a feasible z with gradient ∇ = Qz − c:
 * <ol>
 *   <li>w = ‖z − P(z − ∇)‖₂ (P the projection on the box), ε_k = min(ε, w) with ε = {@value #EPSILON};</li>
 *   <li>the ε-active set A = {i : z_i ≤ lo_i + ε_k and ∇_i &gt; 0, or z_i ≥ hi_i − ε_k and ∇_i &lt; 0}, the
 *       free set F its complement;</li>
 *   <li>the direction d: on F the reduced Newton step d_F = −Q_FF⁻¹∇_F (Cholesky of Q_FF in double, EJML;
 *       refactored only when F changes), on A the diagonally scaled step d_i = −∇_i/Q_ii;</li>
 *   <li>the Armijo rule along the projection arc z(α) = P(z + αd), α = 1, ½, ¼, …: accept the first α
 *       with f(z) − f(z(α)) ≥ σ(α Σ_{i∈F} −∇_i d_i + Σ_{i∈A} ∇_i (z_i − z_i(α))), σ = 1e-4. The decrease
 *       is evaluated as −(∇ᵀs + ½sᵀQs), s = z(α) − z, not as a difference of two objective values.</li>
 * </ol>
 * Bertsekas shows (in the paper cited) that the ε-active set equals the optimal active set
 * after finitely many iterations (exactly so when strict complementarity holds); for a strictly convex
 * QP the reduced Newton step on the correct free set is then exact, α = 1 is accepted, and the method ends
 * with one exact Newton step. In practice on random instances a handful of iterations suffice (BoxQpTest
 * reports the counts), and a warm start from the solution ends after at most one.
 *
 * <p>Stops when ‖z − P(z − ∇)‖∞ ≤ tol (the KKT conditions to within tol), after {@code maxIterations},
 * or when no step along the arc decreases f any more (the rounding level of the data: tol was too small).
 * {@link #lastProjectedGradientNorm()} tells which. The iterate is kept in double and rounded to float
 * only on exit; the reported norm is that of the double iterate.
 *
 * <p>Positive definiteness: Q_FF = μI + W_FᵀW_F is positive definite when μ &gt; 0, or when μ = 0 and W_F
 * has full column rank. A Cholesky pivot at or below {@value #PIVOT_TOLERANCE}·|F|·max_i Q_ii means
 * neither holds, and {@link #solve} throws an {@link IllegalArgumentException} asking for an L2 weight
 * λ &gt; 0 (without one, a wide first layer leaves z₁ undetermined along the null space of W₁).
 *
 * <p>Not done: the Woodbury form Q_FF⁻¹ = μ⁻¹(I − W_Fᵀ(μI + W_FW_Fᵀ)⁻¹W_F), cheaper for wide first
 * layers (m &lt; |F|); the |F| × |F| Cholesky (|F|³/3 flops) is used whatever the shape.
 *
 * <p>Memory: Q (n²) and a double copy of W (mn), plus O(n²) workspace, all allocated by {@link #of};
 * {@link #solve} allocates nothing (EJML's Cholesky works in place on a matrix reshaped within its
 * capacity). Not thread-safe: one instance per thread.
 */
public final class BoxQp {

    /** ε of the ε-active set (in the units of z). */
    public static final double EPSILON = 1e-3;

    /** Relative pivot size under which Q_FF counts as singular (times |F|·max Q_ii). */
    public static final double PIVOT_TOLERANCE = 1e-13;

    private static final double ARMIJO = 1e-4;
    private static final int MAX_HALVINGS = 60;

    private final int m, n;
    private final double mu;
    private final double[] w, qMatrix;
    private final double[] c, x, g, d, s, qs, rhs;
    private final int[] freeIndex;
    private final boolean[] free, factoredFree;
    private int freeCount = -1;
    private final DMatrixRMaj qff;
    private final CholeskyDecompositionInner_DDRM cholesky = new CholeskyDecompositionInner_DDRM(true);
    private double lastProjectedGradient = Double.NaN;
    private int factorizations;

    private BoxQp(double[] w, int m, int n, double mu) {
        this.w = w;
        this.m = m;
        this.n = n;
        this.mu = mu;
        DMatrixRMaj wm = DMatrixRMaj.wrap(m, n, w);
        DMatrixRMaj qm = new DMatrixRMaj(n, n);
        CommonOps_DDRM.multInner(wm, qm);
        for (int i = 0; i < n; i++) {
            qm.data[i * n + i] += mu;
        }
        this.qMatrix = qm.data;
        c = new double[n];
        x = new double[n];
        g = new double[n];
        d = new double[n];
        s = new double[n];
        qs = new double[n];
        rhs = new double[n];
        freeIndex = new int[n];
        free = new boolean[n];
        factoredFree = new boolean[n];
        qff = new DMatrixRMaj(Math.max(n, 1), Math.max(n, 1));
        cholesky.setExpectedMaxSize(Math.max(n, 1), Math.max(n, 1));
    }

    /**
     * Forms Q = μI + WᵀW in double.
     *
     * @param w  W, m × n (the first layer's weights; read once, not kept)
     * @param mu μ = λ/ρ, finite and ≥ 0
     */
    public static BoxQp of(FloatMatrix w, double mu) {
        Objects.requireNonNull(w, "w");
        if (!(mu >= 0) || Double.isInfinite(mu)) {
            throw new IllegalArgumentException("mu must be finite and >= 0, got " + mu);
        }
        int m = w.rows(), n = w.cols();
        double[] wd = new double[Math.multiplyExact(m, n)];
        for (int i = 0; i < m; i++) {
            long off = w.rowOffset(i);
            for (int j = 0; j < n; j++) {
                float v = w.segment().get(FloatVec.LAYOUT, off + (long) j * Float.BYTES);
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException("w[" + i + ", " + j + "]: expected a finite value, got " + v);
                }
                wd[i * n + j] = v;
            }
        }
        return new BoxQp(wd, m, n, mu);
    }

    /** n, the number of variables (columns of W). */
    public int size() {
        return n;
    }

    /** μ. */
    public double mu() {
        return mu;
    }

    /**
     * Solves the box QP for c = μp + Wᵀq, warm-started at z.
     *
     * @param p     n values (x₀ in eq. (10) [004])
     * @param q     m values (ṽ₁ + ũ₁ − b₁)
     * @param box   the box, n coordinates
     * @param z     in: the warm start (projected into the box first); out: the solution, rounded to float
     * @param tol   stopping tolerance on ‖z − P(z − ∇)‖∞, ≥ 0
     * @param maxIterations projected Newton iterations allowed, ≥ 0
     * @return the iterations taken
     * @throws IllegalArgumentException on a shape mismatch, a non-finite p or q, or a singular Q_FF (μ = 0 and
     *                                  W restricted to the free variables rank-deficient)
     */
    public int solve(FloatVec p, FloatVec q, Box box, FloatVec z, double tol, int maxIterations) {
        checkLength("p", p, n);
        checkLength("q", q, m);
        Objects.requireNonNull(box, "box");
        if (box.size() != n) {
            throw new IllegalArgumentException("box: expected " + n + " coordinates, got " + box.size());
        }
        checkLength("z", z, n);
        if (!(tol >= 0)) {
            throw new IllegalArgumentException("tol must be >= 0, got " + tol);
        }
        if (maxIterations < 0) {
            throw new IllegalArgumentException("maxIterations must be >= 0, got " + maxIterations);
        }
        FloatVec lo = box.lower(), hi = box.upper();
        // c = μp + Wᵀq.
        for (int j = 0; j < n; j++) {
            double pj = Box.at(p, j);
            if (!Double.isFinite(pj)) {
                throw new IllegalArgumentException("p[" + j + "]: expected a finite value, got " + pj);
            }
            c[j] = mu * pj;
            x[j] = clamp(Box.at(z, j), Box.at(lo, j), Box.at(hi, j));
        }
        for (int i = 0; i < m; i++) {
            double qi = Box.at(q, i);
            if (!Double.isFinite(qi)) {
                throw new IllegalArgumentException("q[" + i + "]: expected a finite value, got " + qi);
            }
            for (int j = 0, off = i * n; j < n; j++) {
                c[j] += w[off + j] * qi;
            }
        }
        int it = 0;
        for (;; it++) {
            // ∇ = Qz − c, the projected gradient in ∞- and 2-norm.
            double pgInf = 0, pg2 = 0;
            for (int i = 0; i < n; i++) {
                double gi = -c[i];
                for (int j = 0, off = i * n; j < n; j++) {
                    gi += qMatrix[off + j] * x[j];
                }
                g[i] = gi;
                double r = x[i] - clamp(x[i] - gi, Box.at(lo, i), Box.at(hi, i));
                pgInf = Math.max(pgInf, Math.abs(r));
                pg2 += r * r;
            }
            lastProjectedGradient = pgInf;
            if (pgInf <= tol || it == maxIterations) {
                break;
            }
            double eps = Math.min(EPSILON, Math.sqrt(pg2));
            int nf = 0;
            boolean changed = freeCount < 0;
            for (int i = 0; i < n; i++) {
                double l = Box.at(lo, i), h = Box.at(hi, i);
                boolean active = (x[i] <= l + eps && g[i] > 0) || (x[i] >= h - eps && g[i] < 0);
                free[i] = !active;
                if (!active) {
                    freeIndex[nf++] = i;
                }
                changed |= free[i] != factoredFree[i];
            }
            if (changed) {
                factor(nf);
            }
            // d_F = −Q_FF⁻¹∇_F (two triangular solves), d_A = −∇_A/Q_AA.
            for (int a = 0; a < nf; a++) {
                rhs[a] = -g[freeIndex[a]];
            }
            if (nf > 0) {
                double[] l = cholesky.getT().data;
                TriangularSolver_DDRM.solveL(l, rhs, nf);
                TriangularSolver_DDRM.solveTranL(l, rhs, nf);
            }
            double freeSlope = 0;
            for (int i = 0, a = 0; i < n; i++) {
                if (free[i]) {
                    d[i] = rhs[a++];
                    freeSlope += -g[i] * d[i];
                } else {
                    double qii = qMatrix[i * n + i];
                    d[i] = -g[i] / (qii > 0 ? qii : 1);
                }
            }
            // Armijo along the projection arc.
            double alpha = 1;
            boolean accepted = false;
            for (int b = 0; b < MAX_HALVINGS && !accepted; b++, alpha *= 0.5) {
                double gs = 0, activeTerm = 0;
                for (int i = 0; i < n; i++) {
                    s[i] = clamp(x[i] + alpha * d[i], Box.at(lo, i), Box.at(hi, i)) - x[i];
                    gs += g[i] * s[i];
                    if (!free[i]) {
                        activeTerm -= g[i] * s[i];
                    }
                    qs[i] = 0;
                }
                double sqs = 0;
                for (int j = 0; j < n; j++) {
                    double sj = s[j];
                    if (sj != 0) {
                        for (int i = 0, off = j * n; i < n; i++) {
                            qs[i] += qMatrix[off + i] * sj;
                        }
                    }
                }
                for (int i = 0; i < n; i++) {
                    sqs += s[i] * qs[i];
                }
                double decrease = -(gs + 0.5 * sqs);
                double required = ARMIJO * (alpha * freeSlope + activeTerm);
                // decrease > 0 as well: a step that rounding makes useless is not progress.
                if (decrease >= required && decrease > 0) {
                    accepted = true;
                    break;
                }
            }
            if (!accepted) {
                break;
            }
            for (int i = 0; i < n; i++) {
                x[i] = clamp(x[i] + alpha * d[i], Box.at(lo, i), Box.at(hi, i));
            }
        }
        for (int j = 0; j < n; j++) {
            Box.put(z, j, (float) x[j]);
        }
        return it;
    }

    /** ‖z − P(z − ∇f(z))‖∞ at the last iterate of the last {@link #solve} (in double, before rounding z). */
    public double lastProjectedGradientNorm() {
        return lastProjectedGradient;
    }

    /** Cholesky factorizations of Q_FF done by this instance so far (one per change of the free set). */
    public int factorizations() {
        return factorizations;
    }

    private void factor(int nf) {
        freeCount = nf;
        System.arraycopy(free, 0, factoredFree, 0, n);
        if (nf == 0) {
            return;
        }
        factorizations++;
        qff.reshape(nf, nf, false);
        double[] a = qff.data;
        double maxDiag = 0;
        for (int r = 0; r < nf; r++) {
            int off = freeIndex[r] * n;
            for (int k = 0; k < nf; k++) {
                a[r * nf + k] = qMatrix[off + freeIndex[k]];
            }
            maxDiag = Math.max(maxDiag, a[r * nf + r]);
        }
        boolean ok = cholesky.decompose(qff);
        if (ok) {
            double[] l = cholesky.getT().data;
            double floor = PIVOT_TOLERANCE * nf * maxDiag;
            for (int r = 0; r < nf && ok; r++) {
                double lrr = l[r * nf + r];
                ok = lrr * lrr > floor;
            }
        }
        if (!ok) {
            freeCount = -1;
            throw new IllegalArgumentException("Q_FF = μI + W_FᵀW_F is not positive definite on the " + nf
                    + " free variables (mu = " + mu + ", W " + m + "×" + n
                    + "): an L2 weight lambda > 0 is needed (mu = lambda/rho > 0), expected mu > 0 or W_F of full column rank");
        }
    }

    private static double clamp(double v, double lo, double hi) {
        return v < lo ? lo : (v > hi ? hi : v);
    }

    private static void checkLength(String name, FloatVec v, int len) {
        Objects.requireNonNull(v, name);
        if (v.length() != len) {
            throw new IllegalArgumentException(name + ": expected " + len + " elements, got " + v.length());
        }
    }
}
