package dev.netinvert.solvers.lifted;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Prox;
import dev.netinvert.solvers.ConvergenceHistory;
import dev.netinvert.solvers.IterationListener;
import dev.netinvert.solvers.OptionChecks;
import dev.netinvert.solvers.StepRules;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.network.Layer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.parallel.BregmanGradient;
import dev.netinvert.solvers.parallel.Parallelism;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Multi-layer inversion by semi-explicit coordinate descent on the lifted problem, eq. (3) [000]:
 * <pre>
 *   min over x₀, x₁ … x_{L−1} of  Σ_{l=1..L} B_Ψl(x_l, W_l x_{l−1} + b_l) + α·TV(x₀),   x_L = y^δ
 * </pre>
 * One outer iteration t (sec. 4.2 [000]):
 * <ul>
 *   <li>x₀: {@code innerIterations} warm-started PDHG iterations, eq. (16) [000], with data x₁ᵗ, τx = 1.99/‖W₁‖₂²,
 *       τz = 1/(8α) ({@link StepRules});</li>
 *   <li>x_l, l = 1 … L−1, in order: the proximal-gradient step, eq. (17) [000],
 *       <pre>x_l ← prox_{τ/(1+τ)·Ψ_l}( (x_l − τ·(W_{l+1}ᵀ(σ_{l+1}(W_{l+1}x_l + b_{l+1}) − x_{l+1}) − (W_l x_{l−1} + b_l))) / (1 + τ) )</pre>
 *       with τ = τ_l = 1.99/‖W_{l+1}‖₂² ({@link StepRules#gradient}), x_{l−1} already updated and x_{l+1} from the previous outer iteration.</li>
 * </ul>
 * Start: x₀ = 0, z = 0 and x_l = σ_l(W_l x_{l−1} + b_l), the forward pass of x₀ = 0 (a point in every
 * Ψ_l's domain). Stop when ‖x₀⁺ − x₀‖, the dual change and every ‖x_l⁺ − x_l‖ are below tol after an
 * outer iteration, or after {@code maxOuterIterations}.
 */
public final class LiftedCoordinateDescent {
    private LiftedCoordinateDescent() {}

    /**
     * Build with {@link #builder()} or {@link #builder(double)}; every field is checked here.
     *
     * @param alpha              TV weight α &gt; 0
     * @param innerIterations    PDHG iterations for the x₀-step per outer iteration
     * @param maxOuterIterations outer iteration budget
     * @param tol                stopping tolerance on every block's change
     * @param tv                 isotropic or anisotropic TV
     * @param historyInterval    sample the lifted objective every this many outer iterations
     */
    public record Options(double alpha, int innerIterations, int maxOuterIterations, double tol, PdhgTv.Tv tv,
                          int historyInterval) {
        public Options {
            OptionChecks.positive("alpha", alpha);
            OptionChecks.atLeast("innerIterations", innerIterations, 1);
            OptionChecks.atLeast("maxOuterIterations", maxOuterIterations, 1);
            OptionChecks.positive("tol", tol);
            OptionChecks.present("tv", tv);
            OptionChecks.atLeast("historyInterval", historyInterval, 1);
        }

        /** α = 1.5e-2, 10 PDHG iterations per x₀-step, 2 000 outer iterations, tol 1e-5, isotropic TV. */
        public static Options defaults() {
            return builder().build();
        }

        public static Builder builder() {
            return new Builder();
        }

        /** The defaults with the given α. */
        public static Builder builder(double alpha) {
            return builder().alpha(alpha);
        }

        public Builder toBuilder() {
            return builder(alpha).innerIterations(innerIterations).maxOuterIterations(maxOuterIterations).tol(tol).tv(tv)
                    .historyInterval(historyInterval);
        }

        /** Named setters; the initial values are the defaults, written here only. */
        public static final class Builder {
            private double alpha = 1.5e-2;
            public Builder alpha(double value) { alpha = value; return this; }
            private int innerIterations = 10;
            public Builder innerIterations(int value) { innerIterations = value; return this; }
            private int maxOuterIterations = 2_000;
            public Builder maxOuterIterations(int value) { maxOuterIterations = value; return this; }
            private double tol = 1e-5;
            public Builder tol(double value) { tol = value; return this; }
            private PdhgTv.Tv tv = PdhgTv.Tv.ISOTROPIC;
            public Builder tv(PdhgTv.Tv value) { tv = value; return this; }
            private int historyInterval = 10;
            public Builder historyInterval(int value) { historyInterval = value; return this; }

            private Builder() {}

            public Options build() {
                return new Options(alpha, innerIterations, maxOuterIterations, tol, tv, historyInterval);
            }
        }
    }

    /**
     * @param layers   the network, input to output (at least one layer); layer 1's input is the C×H×W image
     * @param y        the observation y^δ (output of the last layer), inside its activation's range
     */
    public static LiftedResult solve(List<? extends Layer> layers, FloatVec y, int channels, int height, int width,
                                     Options o, Parallelism par, IterationListener listener) {
        Objects.requireNonNull(layers, "layers");
        Objects.requireNonNull(o, "options");
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("layers: expected at least one layer, got none");
        }
        int L = layers.size();
        Layer first = layers.get(0), last = layers.get(L - 1);
        PdhgTv.checkImage(first, channels, height, width);
        Network.of(layers); // the chain's shapes, with its messages
        for (int l = 1; l <= L; l++) {
            if (!layers.get(l - 1).linear()) {
                throw new IllegalArgumentException("layer " + l + " is " + layers.get(l - 1).kind()
                        + ": the lifted coordinate descent needs linear operators (eq. (17) [000] takes a proximal step"
                        + " through each layer); fold max pooling into the activation's layer or use gd/adam");
            }
        }
        if (y.length() != last.outputs()) {
            throw new IllegalArgumentException("y: expected length " + last.outputs() + " (outputs of layer " + L
                    + "), got " + y.length());
        }
        Prox.checkDomain("y", last.activation(), y);
        try (Arena arena = Arena.ofShared()) {
            State s = new State(arena, layers, channels, height, width, o, par);
            return par.call(() -> iterate(s, layers, y, o, par.threads(), listener));
        }
    }

    /** The workspace: x₀'s PDHG engine, the hidden variables and one gradient kernel per layer ≥ 2. */
    private static final class State {
        final PdhgEngine x0;
        final FloatVec[] x;      // x[l] = x_l for l = 1 … L−1 (index 0 unused)
        final FloatVec[] pre;    // pre[l] = W_l x_{l−1} + b_l, l = 1 … L
        final FloatVec[] grad;   // grad[l] = W_{l+1}ᵀ(σ_{l+1}(W_{l+1}x_l + b_{l+1}) − x_{l+1}), l = 1 … L−1
        final FloatVec[] next;   // scratch for the updated x_l
        final FloatVec[] preNext;  // scratch: W_{l+1}x_l + b_{l+1}
        final BregmanGradient[] nextGradient; // [l] for layer l+1
        final float[] tau;

        State(Arena arena, List<? extends Layer> layers, int c, int h, int w, Options o, Parallelism par) {
            int L = layers.size();
            Layer first = layers.get(0);
            float tauX = (float) StepRules.gradient(first.operatorNorm().value());
            float tauZ = (float) StepRules.pdhgDual(o.alpha());
            x0 = new PdhgEngine(arena, first, c, h, w, o.tv() == PdhgTv.Tv.ISOTROPIC, (float) o.alpha(), tauX, tauZ, par);
            x = new FloatVec[L];
            pre = new FloatVec[L + 1];
            grad = new FloatVec[L];
            next = new FloatVec[L];
            preNext = new FloatVec[L];
            nextGradient = new BregmanGradient[L];
            tau = new float[L];
            for (int l = 1; l <= L; l++) {
                pre[l] = FloatVec.allocate(arena, layers.get(l - 1).outputs());
            }
            for (int l = 1; l < L; l++) {
                int n = layers.get(l - 1).outputs();
                x[l] = FloatVec.allocate(arena, n);
                next[l] = FloatVec.allocate(arena, n);
                grad[l] = FloatVec.allocate(arena, n);
                Layer after = layers.get(l);
                preNext[l] = FloatVec.allocate(arena, after.outputs());
                nextGradient[l] = BregmanGradient.of(arena, after, par);
                tau[l] = (float) StepRules.gradient(after.operatorNorm().value());
            }
        }

        FloatVec target(int l, FloatVec y) {
            return l == x.length ? y : x[l];
        }
    }

    private static LiftedResult iterate(State s, List<? extends Layer> layers, FloatVec y, Options o, int threads,
                                        IterationListener listener) {
        int L = layers.size();
        // Start: x_l = σ_l(W_l x_{l−1} + b_l) from x₀ = 0.
        for (int l = 1; l < L; l++) {
            Layer layer = layers.get(l - 1);
            layer.forward(l == 1 ? s.x0.x().values() : s.x[l - 1], s.pre[l], null);
            Prox.apply(layer.activation(), s.pre[l], s.x[l]);
        }
        ConvergenceHistory history = new ConvergenceHistory(o.maxOuterIterations(), o.historyInterval());
        double tol2 = o.tol() * o.tol();
        StopReason stop = StopReason.MAX_ITERATIONS;
        double maxHidden2 = 0, firstObjective = Double.NaN;
        long t0 = System.nanoTime();
        int t = 0;
        while (t < o.maxOuterIterations()) {
            t++;
            // x₀-step: warm-started PDHG, eq. (16) [000], with data x₁ᵗ (y^δ for a single layer).
            double dx0 = 0, dz0 = 0;
            for (int k = 0; k < o.innerIterations(); k++) {
                s.x0.step(s.target(1, y));
                dx0 += s.x0.dx2;
                dz0 += s.x0.dz2;
            }
            // Hidden layers, in order, by the proximal-gradient step, eq. (17) [000].
            maxHidden2 = 0;
            for (int l = 1; l < L; l++) {
                maxHidden2 = Math.max(maxHidden2, hiddenStep(s, layers, l, y));
            }
            boolean finite = Double.isFinite(dx0) && Double.isFinite(dz0) && Double.isFinite(maxHidden2);
            if (history.due(t) || !finite) {
                double objective = liftedObjective(s, layers, y, null);
                history.record(t, objective, Math.sqrt(s.x0.dx2), Math.sqrt(s.x0.dz2), Math.sqrt(maxHidden2));
                if (Double.isNaN(firstObjective)) {
                    firstObjective = objective;
                } else if (!(objective <= PdhgTv.BLOW_UP * Math.max(1.0, firstObjective))) {
                    finite = false;
                }
            }
            if (!finite) {
                stop = StopReason.DIVERGED;
                break;
            }
            if (t % listener.every() == 0) {
                listener.onIteration(t, o.maxOuterIterations());
            }
            if (s.x0.dx2 < tol2 && s.x0.dz2 < tol2 && maxHidden2 < tol2) {
                stop = StopReason.TOLERANCE;
                break;
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double[] residuals = new double[L];
        double objective = liftedObjective(s, layers, y, residuals);
        history.record(t, objective, Math.sqrt(s.x0.dx2), Math.sqrt(s.x0.dz2), Math.sqrt(maxHidden2));
        listener.onIteration(t, o.maxOuterIterations());
        // Discrepancy of the last layer: ‖σ_L(W_L x_{L−1} + b_L) − y^δ‖, with pre[L] fresh from liftedObjective
        // (its last use: σ_L is applied in place).
        Prox.apply(layers.get(L - 1).activation(), s.pre[L], s.pre[L]);
        double discrepancy = Math.sqrt(Blas.distanceSquared(s.pre[L], y));
        List<float[]> hidden = new ArrayList<>();
        for (int l = 1; l < L; l++) {
            hidden.add(s.x[l].toArray());
        }
        return new LiftedResult("lifted-cd", s.x0.x().values().toArray(), hidden, t, stop, Math.sqrt(s.x0.dx2),
                Math.sqrt(s.x0.dz2), objective, discrepancy, residuals, history, seconds, threads);
    }

    /** Eq. (17) [000] for hidden layer l; returns ‖x_l⁺ − x_l‖². */
    private static double hiddenStep(State s, List<? extends Layer> layers, int l, FloatVec y) {
        Layer layer = layers.get(l - 1);
        float tau = s.tau[l];
        // grad = W_{l+1}ᵀ(σ_{l+1}(W_{l+1}x_l + b_{l+1}) − x_{l+1}), one pass over W_{l+1}
        s.nextGradient[l].compute(s.x[l], s.target(l + 1, y), s.preNext[l], s.grad[l]);
        // pre = W_l x_{l−1} + b_l with x_{l−1} already updated
        layer.forward(l == 1 ? s.x0.x().values() : s.x[l - 1], s.pre[l], null);
        // u = (x_l − τ·grad + τ·pre) / (1 + τ), then x_l⁺ = prox_{τ/(1+τ)Ψ_l}(u)
        FloatVec u = s.next[l];
        Blas.copy(s.x[l], u);
        Blas.axpy(-tau, s.grad[l], u);
        Blas.axpy(tau, s.pre[l], u);
        Blas.scale(1f / (1f + tau), u);
        Prox.prox(layer.activation(), tau / (1f + tau), u, u);
        // change ‖u − x_l‖² read without touching u (a round trip u − x + x would move the stored iterate off
        // the prox output by rounding), then x_l ← u (swap buffers): x_l⁺ is bit for bit the prox output.
        double d2 = Blas.distanceSquared(u, s.x[l]);
        FloatVec swap = s.x[l];
        s.x[l] = u;
        s.next[l] = swap;
        return d2;
    }

    /**
     * Σ_l B_Ψl(x_l, W_l x_{l−1} + b_l) + α·TV(x₀), refreshing pre[l] for every layer; fills
     * {@code residuals} (per-layer B_Ψl) when not null.
     */
    private static double liftedObjective(State s, List<? extends Layer> layers, FloatVec y, double[] residuals) {
        int L = layers.size();
        double sum = s.x0.regulariser();
        for (int l = 1; l <= L; l++) {
            Layer layer = layers.get(l - 1);
            layer.forward(l == 1 ? s.x0.x().values() : s.x[l - 1], s.pre[l], null);
            double b = Prox.bregmanLoss(layer.activation(), s.target(l, y), s.pre[l]);
            if (residuals != null) {
                residuals[l - 1] = b;
            }
            sum += b;
        }
        return sum;
    }
}
