package dev.netinvert.solvers.lifted;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Prox;
import dev.netinvert.solvers.ConvergenceHistory;
import dev.netinvert.solvers.IterationListener;
import dev.netinvert.solvers.OptionChecks;
import dev.netinvert.solvers.StepRules;
import dev.netinvert.solvers.StepSize;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.network.Layer;
import dev.netinvert.solvers.parallel.BregmanGradient;
import dev.netinvert.solvers.parallel.Parallelism;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Objects;

/**
 * Landweber iteration for the perceptron, x ← x − τ·Wᵀ(σ(Wx + b) − y^δ) with τ = 1/‖W‖₂² ({@link StepRules#landweber}) — gradient
 * descent on B_Ψ(y^δ, Wx + b) — stopped early by Morozov's discrepancy principle
 * ‖σ(Wx + b) − y^δ‖₂ ≤ η·δ (sec. 5.1.1 [000]; [52, 53] there). Early stopping is the regularisation:
 * run to convergence it fits the noise. Starts at x = 0.
 */
public final class Landweber {
    private Landweber() {}

    /**
     * Build with {@link #builder(double)}: δ has no default; every field is checked here.
     *
     * @param delta           the noise level δ ≥ 0, an estimate of ‖y^δ − y‖₂ (known in experiments)
     * @param eta             the safety factor η ≥ 1 of the discrepancy principle
     * @param step            τ: {@link StepSize#auto()} ({@link StepRules#landweber}: 1/‖W‖₂²) or fixed
     * @param maxIterations   iteration budget
     * @param historyInterval sample every this many iterations
     */
    public record Options(double delta, double eta, StepSize step, int maxIterations, int historyInterval) {
        public Options {
            OptionChecks.nonNegative("delta", delta);
            if (!(eta >= 1) || Double.isInfinite(eta)) {
                throw new IllegalArgumentException("eta must be finite and >= 1, got " + eta);
            }
            OptionChecks.present("step", step);
            OptionChecks.atLeast("maxIterations", maxIterations, 1);
            OptionChecks.atLeast("historyInterval", historyInterval, 1);
        }

        /** η = 1.05, automatic step, 100 000 iterations, every iteration sampled. */
        public static Options defaults(double delta) {
            return builder(delta).build();
        }

        public static Builder builder(double delta) {
            return new Builder(delta);
        }

        public Builder toBuilder() {
            return builder(delta).eta(eta).step(step).maxIterations(maxIterations).historyInterval(historyInterval);
        }

        /** Named setters; the initial values are the defaults, written here only. */
        public static final class Builder {
            private double delta;
            public Builder delta(double value) { delta = value; return this; }
            private double eta = 1.05;
            public Builder eta(double value) { eta = value; return this; }
            private StepSize step = StepSize.auto();
            public Builder step(StepSize value) { step = value; return this; }
            private int maxIterations = 100_000;
            public Builder maxIterations(int value) { maxIterations = value; return this; }
            private int historyInterval = 1;
            public Builder historyInterval(int value) { historyInterval = value; return this; }

            private Builder(double delta) {
                this.delta = delta;
            }

            public Options build() {
                return new Options(delta, eta, step, maxIterations, historyInterval);
            }
        }
    }

    public static LiftedResult solve(Layer layer, FloatVec y, Options o, Parallelism par,
                                     IterationListener listener) {
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(o, "options");
        if (y.length() != layer.outputs()) {
            throw new IllegalArgumentException("y: expected length " + layer.outputs() + " (the layer's outputs), got "
                    + y.length());
        }
        Prox.checkDomain("y", layer.activation(), y);
        float tau = (float) o.step().orElse(() -> StepRules.landweber(layer.operatorNorm().value()));
        try (Arena arena = Arena.ofShared()) {
            FloatVec x = FloatVec.allocate(arena, layer.inputs());
            FloatVec g = FloatVec.allocate(arena, layer.inputs());
            FloatVec pre = FloatVec.allocate(arena, layer.outputs());
            BregmanGradient grad = BregmanGradient.of(arena, layer, par);
            return par.call(() -> iterate(layer.activation(), grad, x, g, pre, y, tau, o, par.threads(), listener));
        }
    }

    private static LiftedResult iterate(Activation sigma, BregmanGradient grad, FloatVec x, FloatVec g,
                                        FloatVec pre, FloatVec y, float tau, Options o, int threads,
                                        IterationListener listener) {
        ConvergenceHistory history = new ConvergenceHistory(o.maxIterations(), o.historyInterval());
        double target = o.eta() * o.delta();
        StopReason stop = StopReason.MAX_ITERATIONS;
        double r = Double.NaN, dx = Double.NaN;
        long t0 = System.nanoTime();
        int k = 0;
        while (true) {
            // r² = ‖σ(Wx + b) − y^δ‖² at the current x, and g = Wᵀ(σ(Wx + b) − y^δ), in one pass over W.
            r = Math.sqrt(grad.compute(x, y, pre, g));
            if (!Double.isFinite(r)) {
                stop = StopReason.DIVERGED;
                break;
            }
            if (r <= target) {
                stop = StopReason.DISCREPANCY;
                break;
            }
            if (k == o.maxIterations()) {
                break;
            }
            k++;
            dx = tau * Blas.norm2(g);
            Blas.axpy(-tau, g, x);
            if (history.due(k)) {
                history.record(k, Prox.bregmanLoss(sigma, y, pre), dx, Double.NaN, r);
            }
            if (k % listener.every() == 0) {
                listener.onIteration(k, o.maxIterations());
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double objective = Prox.bregmanLoss(sigma, y, pre);
        history.record(k, objective, dx, Double.NaN, r);
        listener.onIteration(k, o.maxIterations());
        return new LiftedResult("landweber", x.toArray(), List.of(), k, stop, dx, Double.NaN, objective, r,
                new double[] {objective}, history, seconds, threads);
    }
}
