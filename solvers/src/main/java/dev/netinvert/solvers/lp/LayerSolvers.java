package dev.netinvert.solvers.lp;

import dev.netinvert.solvers.linalg.LeastSquares;

import java.util.Arrays;

/** The four ways of [003] to invert one layer; {@link LayerwiseInversion} chains them from the output back. */
final class LayerSolvers {
    private LayerSolvers() {}

    /** δ* ≤ ε is decided with this relative slack, the LP solvers' own feasibility tolerance being ~1e-9. */
    static final double FEASIBILITY_SLACK = 1e-9;

    /**
     * Exact inversion in the realizable case (Thm. 2 and eq. (5) [003]). ReLU: the active set
     * S = {j : x_j &gt; τ·‖x‖_∞}, then z = argmin ‖W_S z − (x_S − b_S)‖₂ by {@link LeastSquares} (QR); refused when
     * |S| &lt; n_{l−1} or W_S is numerically rank-deficient, since the preimage is then not a point. Leaky
     * ReLU is a bijection, so every row is used with u = σ⁻¹(x) (x/c where x &lt; 0).
     */
    static LayerReport exact(LayerMap map, double[] x, double activeThreshold) {
        long t0 = System.nanoTime();
        double scale = 0;
        for (double v : x) {
            scale = Math.max(scale, Math.abs(v));
        }
        int k = map.inputs;
        int[] rows = new int[map.outputs];
        int s = 0;
        for (int j = 0; j < map.outputs; j++) {
            if (map.leaky() || x[j] > activeThreshold * scale) {
                rows[s++] = j;
            }
        }
        if (s < k) {
            throw new LayerNotInvertibleException(map.layer, "exact inversion needs at least " + k
                    + " active outputs (= the layer's inputs n_{l-1}, Thm. 2 [003]), got " + s + " of " + map.outputs
                    + " above " + activeThreshold + "·‖x‖∞ = " + activeThreshold * scale
                    + "; the preimage is not unique: use an LP method");
        }
        double[] a = new double[s * k], rhs = new double[s];
        for (int r = 0; r < s; r++) {
            int j = rows[r];
            System.arraycopy(map.w, j * k, a, r * k, k);
            double u = map.leaky() && x[j] < 0 ? x[j] / map.slope : x[j];
            rhs[r] = u - map.b[j];
        }
        LeastSquares ls = new LeastSquares();
        ls.factor(a, s, k);
        if (ls.rank() < k) {
            throw new LayerNotInvertibleException(map.layer, "the active rows W_S (" + s + "×" + k
                    + ") have numerical rank " + ls.rank() + " < " + k + " (σ_min/σ_max = " + ls.reciprocalCondition()
                    + "): the preimage is not unique");
        }
        double[] z = new double[k];
        ls.solve(rhs, z);
        double[] res = map.residualNorms(z, x);
        return new LayerReport(map.layer, z, Double.NaN, 0, 0, 0, LpSolution.Status.OPTIMAL, s,
                1 / ls.reciprocalCondition(), res[0], res[1], 0, seconds(t0));
    }

    /**
     * Alg. 1 [003] (ℓ∞ LP): ε₀, α·ε₀, α²·ε₀, … until the LP (6) with δ ≤ ε is feasible; returns its z.
     *
     * <p>{@link LayerwiseInversion.Search#LITERAL} solves each of those LPs as written. {@code SKIP} solves
     * the same LP without the bound δ ≤ ε: that LP is always feasible (z = 0 with δ = ‖x‖∞ + ‖b‖∞ satisfies
     * it), and its optimum δ* decides feasibility for every ε' with the same row classes, since the LP with
     * δ ≤ ε' is feasible iff δ* ≤ ε'. So the steps ε' = ε·α^t with δ* &gt; ε' and unchanged classes are
     * infeasible without being solved, and the first feasible ε, the classes and the LP there — hence the
     * returned z — are those of the literal loop. Alg. 1's loop is mostly infeasible LPs (issue 12 measured
     * 13 of 14), so this saves most solves.
     */
    static LayerReport linf(LayerMap map, double[] x, double eps0, double growth, int maxSteps,
                            LayerwiseInversion.Search search, LpBackend backend) {
        long t0 = System.nanoTime();
        double eps = eps0, lpSeconds = 0;
        int feasible = 0, infeasible = 0, skipped = 0;
        LpSolution.Status last = null;
        boolean literal = search == LayerwiseInversion.Search.LITERAL;
        for (int step = 0; step <= maxSteps; ) {
            byte[] cls = LayerLps.classes(map, x, eps);
            LpSolution sol = backend.solve(LayerLps.linf(map, x, cls, literal ? eps : Double.POSITIVE_INFINITY));
            lpSeconds += sol.seconds();
            last = sol.status();
            if (literal && sol.status() == LpSolution.Status.INFEASIBLE) {
                infeasible++;
                eps *= growth;
                step++;
                continue;
            }
            if (!sol.optimal()) {
                throw lpFailed(map, "ℓ∞ LP at ε = " + eps, sol);
            }
            double delta = sol.values()[map.inputs];
            if (literal || delta <= eps * (1 + FEASIBILITY_SLACK)) {
                feasible++;
                double[] z = Arrays.copyOf(sol.values(), map.inputs);
                double[] res = map.residualNorms(z, x);
                return new LayerReport(map.layer, z, eps, feasible, infeasible, skipped, last, count(cls, LayerLps.ON),
                        Double.NaN, res[0], res[1], lpSeconds, seconds(t0));
            }
            infeasible++;
            eps *= growth;
            step++;
            boolean sameClasses;
            while ((sameClasses = Arrays.equals(cls, LayerLps.classes(map, x, eps))) && step <= maxSteps
                    && delta > eps * (1 + FEASIBILITY_SLACK)) {
                skipped++;
                eps *= growth;
                step++;
            }
            if (sameClasses && step <= maxSteps) {
                // Same LP and now δ* ≤ ε: the literal loop's first feasible step, settled by the LP already solved.
                skipped++;
                double[] z = Arrays.copyOf(sol.values(), map.inputs);
                double[] res = map.residualNorms(z, x);
                return new LayerReport(map.layer, z, eps, feasible, infeasible, skipped, last, count(cls, LayerLps.ON),
                        Double.NaN, res[0], res[1], lpSeconds, seconds(t0));
            }
        }
        throw new LayerNotInvertibleException(map.layer, "ℓ∞ LP infeasible for every ε up to ε₀·α^" + maxSteps
                + " = " + eps / growth + " (ε₀ = " + eps0 + ", α = " + growth + "; last LP " + last.label() + ")");
    }

    /**
     * Alg. 1 [003] by bisection over the ε grid ε_t = ε₀·α^t, for ReLU layers, with the literal loop's result.
     * Raising ε only moves rows from two-sided (x_j &gt; ε) to one-sided constraints, so the δ-free LP's
     * optimum δ*(ε) is non-increasing, δ*(ε) − ε is decreasing, and feasibility (δ* ≤ ε) is monotone in t:
     * the first feasible t is found by bisection. An LP solved at t also bounds the answer from above, at the
     * first t' with ε_t' ≥ δ*(ε_t) (there δ*(ε_t') ≤ δ*(ε_t) ≤ ε_t'), so the bracket starts tight. About
     * log₂ of the literal loop's LP count; the leaky-ReLU constraints are not monotone in ε (a row entering
     * the band −ε &lt; x ≤ ε gets the lower bound (x − δ)/c, tighter than x − δ when x &gt; δ), so leaky layers
     * use {@link #linf} with skipping instead.
     */
    static LayerReport linfBisect(LayerMap map, double[] x, double eps0, double growth, int maxSteps, LpBackend backend) {
        long t0 = System.nanoTime();
        double[] grid = new double[maxSteps + 1];
        grid[0] = eps0;
        for (int t = 1; t <= maxSteps; t++) {
            grid[t] = grid[t - 1] * growth;   // the literal loop's own products, so the classes match bit for bit
        }
        LpSolution[] solved = new LpSolution[maxSteps + 1];
        byte[][] classes = new byte[maxSteps + 1][];
        double lpSeconds = 0;
        int lo = -1, hi = -1, feasible = 0, infeasible = 0;
        int probe = 0;
        while (true) {   // invariant: every t ≤ lo is infeasible; hi (once ≥ 0) is feasible, solved or implied by a δ*
            classes[probe] = LayerLps.classes(map, x, grid[probe]);
            LpSolution sol = backend.solve(LayerLps.linf(map, x, classes[probe], Double.POSITIVE_INFINITY));
            lpSeconds += sol.seconds();
            if (!sol.optimal()) {
                throw lpFailed(map, "ℓ∞ LP at ε = " + grid[probe], sol);
            }
            solved[probe] = sol;
            double delta = sol.values()[map.inputs];
            if (delta <= grid[probe] * (1 + FEASIBILITY_SLACK)) {
                feasible++;
                hi = probe;
            } else {
                infeasible++;
                lo = probe;
                int bound = probe + 1;
                while (bound <= maxSteps && grid[bound] * (1 + FEASIBILITY_SLACK) < delta) {
                    bound++;
                }
                if (bound > maxSteps && hi < 0) {
                    throw new LayerNotInvertibleException(map.layer, "ℓ∞ LP infeasible for every ε up to ε₀·α^" + maxSteps
                            + " = " + grid[maxSteps] + " (ε₀ = " + eps0 + ", α = " + growth + "; δ* = " + delta + ")");
                }
                hi = hi < 0 ? bound : Math.min(hi, bound);
            }
            if (hi - lo <= 1) {
                if (solved[hi] == null) {
                    probe = hi;      // the bound came from δ*, not from a solve at hi: solve there for its z
                    continue;
                }
                break;
            }
            probe = (lo + hi) >>> 1;
        }
        LpSolution sol = solved[hi];
        if (sol.values()[map.inputs] > grid[hi] * (1 + FEASIBILITY_SLACK)) {
            // Monotonicity guarantees feasibility at hi; a backend off by more than its tolerance ends here.
            throw new LayerNotInvertibleException(map.layer, "ℓ∞ LP: δ* = " + sol.values()[map.inputs] + " > ε = " + grid[hi]
                    + " where feasibility was implied; the LP backend is inconsistent");
        }
        double[] z = Arrays.copyOf(sol.values(), map.inputs);
        double[] res = map.residualNorms(z, x);
        int solvedUpToHi = 0;
        for (int t = 0; t <= hi; t++) {
            solvedUpToHi += solved[t] != null ? 1 : 0;
        }
        // Steps 0..hi not solved were settled by monotonicity (probes above hi may have been solved too).
        return new LayerReport(map.layer, z, grid[hi], feasible, infeasible, hi + 1 - solvedUpToHi,
                LpSolution.Status.OPTIMAL, count(classes[hi], LayerLps.ON), Double.NaN, res[0], res[1], lpSeconds,
                seconds(t0));
    }

    /**
     * Alg. 2 [003] (ℓ1 LP): for t = 1, 2, …, z^(t) solves the LP with one slack e_j per output at threshold
     * ε_t = ε₀·α^(t−1); as soon as ‖φ(z^(t)) − x‖₁ ≥ ‖φ(z^(t−1)) − x‖₁, z^(t−1) is returned.
     *
     * <p>An ε step that changes no row's class gives the same LP, hence the same z and a tied loss. Read
     * literally, that tie ends the loop; then any ε₀ below the gap between the smallest |x_j| values stops
     * at t = 2 with the ε₀ solution, which on noisy data is the fit that treats every noise-positive output
     * as active (measured: relative error 0.3-0.5 at noise 1e-2, 20 → 100 → 500, ε₀ = 1e-6). Such a step is
     * not an iterate, so it is skipped (counted in {@code stepsSkipped}) and ε grows on; only LPs that differ
     * are compared.
     */
    static LayerReport l1(LayerMap map, double[] x, double eps0, double growth, int maxSteps, LpBackend backend) {
        long t0 = System.nanoTime();
        double eps = eps0, lpSeconds = 0, prevLoss = Double.POSITIVE_INFINITY, prevEps = Double.NaN;
        double[] prev = null;
        byte[] prevCls = null;
        int feasible = 0, skipped = 0;
        LpSolution.Status last = null;
        for (int t = 1; t <= maxSteps; t++) {
            byte[] cls = LayerLps.classes(map, x, eps);
            if (prevCls != null && Arrays.equals(cls, prevCls)) {
                skipped++;          // the same LP as z^(t−1)'s: no new iterate (see the method comment)
                eps *= growth;
                continue;
            }
            LpSolution sol = backend.solve(LayerLps.l1(map, x, cls));
            lpSeconds += sol.seconds();
            last = sol.status();
            if (!sol.optimal()) {
                throw lpFailed(map, "ℓ1 LP at ε = " + eps, sol);
            }
            feasible++;
            double[] z = Arrays.copyOf(sol.values(), map.inputs);
            double loss = map.residualNorms(z, x)[1];
            if (loss >= prevLoss) {
                break;
            }
            prev = z;
            prevLoss = loss;
            prevEps = eps;
            prevCls = cls;
            eps *= growth;
        }
        double[] res = map.residualNorms(prev, x);
        return new LayerReport(map.layer, prev, prevEps, feasible, 0, skipped, last,
                count(prevCls, LayerLps.ON), Double.NaN, res[0], res[1], lpSeconds, seconds(t0));
    }

    /** The relaxed LP (8) [003] at ε (ReLU only). */
    static LayerReport relaxed(LayerMap map, double[] x, double eps, LpBackend backend) {
        long t0 = System.nanoTime();
        if (map.leaky()) {
            throw new IllegalArgumentException("layer " + map.layer + ": the relaxed LP (8) [003] is stated for ReLU;"
                    + " leaky_relu layers are inverted exactly by eq. (5) or by lp-linf/lp-l1");
        }
        LpSolution sol = backend.solve(LayerLps.relaxed(map, x, eps));
        if (!sol.optimal()) {
            throw lpFailed(map, "relaxed LP at ε = " + eps, sol);
        }
        double[] z = Arrays.copyOf(sol.values(), map.inputs);
        double[] res = map.residualNorms(z, x);
        return new LayerReport(map.layer, z, eps, 1, 0, 0, sol.status(),
                count(LayerLps.classes(map, x, eps), LayerLps.ON), Double.NaN, res[0], res[1], sol.seconds(), seconds(t0));
    }

    private static LayerNotInvertibleException lpFailed(LayerMap map, String what, LpSolution sol) {
        return new LayerNotInvertibleException(map.layer, what + ": the LP backend returned " + sol.status().label());
    }

    private static int count(byte[] cls, byte c) {
        int n = 0;
        for (byte b : cls) {
            n += b == c ? 1 : 0;
        }
        return n;
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) * 1e-9;
    }
}
