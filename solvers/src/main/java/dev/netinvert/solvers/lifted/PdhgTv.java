package dev.netinvert.solvers.lifted;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Prox;
import dev.netinvert.solvers.ConvergenceHistory;
import dev.netinvert.solvers.IterationListener;
import dev.netinvert.solvers.OptionChecks;
import dev.netinvert.solvers.PdhgSteps;
import dev.netinvert.solvers.StepRules;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.network.Layer;
import dev.netinvert.solvers.parallel.Parallelism;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Objects;

/**
 * Perceptron inversion with total variation by the primal-dual hybrid gradient method, eq. (14) [000]:
 * <pre>
 *   x⁺ = x − τx·( Wᵀ(σ(Wx + b) − y^δ) − α·div z )             (14a) [000]
 *   z⁺ = proj_{‖·‖≤1}( z + τz·α·∇(2x⁺ − x) )                    (14b) [000]
 * </pre>
 * which solves min_x B_Ψ(y^δ, Wx + b) + α·TV(x) (problem (11) [000]), z the dual variable. Defaults are the paper's:
 * τx = 1.99/‖W‖₂², τz = 1/(8α) ({@link StepRules}), x = z = 0, stop when ‖x⁺ − x‖ and ‖z⁺ − z‖ are both below 1e-5, or after 10 000
 * iterations.
 *
 * <p>Cost per iteration: one pass over W (the fused gradient kernel, split over fixed row blocks when
 * threads are available) and two stencil passes over the image (the fused primal and dual steps,
 * which also return the squared changes the stopping rule needs). Nothing is allocated in the loop.
 */
public final class PdhgTv {
    private PdhgTv() {}

    /** Which total variation: isotropic ‖∇x‖₂,₁ (the paper's, default) or anisotropic ‖∇x‖₁,₁. */
    public enum Tv { ISOTROPIC, ANISOTROPIC }

    /**
     * Build with {@link #builder()} (defaults: the paper's circle settings, sec. 5.1.1 [000]) or
     * {@link #builder(double)}; every field is checked here.
     *
     * @param alpha           regularisation weight α &gt; 0
     * @param steps           τx and τz: {@link PdhgSteps#auto()} (1.99/‖W‖₂² and 1/(8α)) or fixed
     * @param tol             stop when both ‖x⁺ − x‖₂ and ‖z⁺ − z‖₂ are below this
     * @param maxIterations   iteration budget
     * @param tv              isotropic or anisotropic TV
     * @param historyInterval sample the objective (and the gap) every this many iterations
     * @param gapRadius       R of the certified gap ({@link PdhgEngine#gap}): the box ‖x‖∞ ≤ R (enlarged to the
     *                        iterate's own ‖x‖∞) over which P(x) − min P is bounded; &gt; 0, default 1 (images in [0, 1])
     * @param gapStop         stop with {@link StopReason#GAP} when the gap is ≤ gapStop·max(1, P(x)) at a sample;
     *                        0 (the default) never stops on the gap, which is still reported
     */
    public record Options(double alpha, PdhgSteps steps, double tol, int maxIterations, Tv tv, int historyInterval,
                          double gapRadius, double gapStop) {
        public Options {
            OptionChecks.positive("gapRadius", gapRadius);
            OptionChecks.nonNegative("gapStop", gapStop);
            OptionChecks.positive("alpha", alpha);
            OptionChecks.present("steps", steps);
            OptionChecks.positive("tol", tol);
            OptionChecks.atLeast("maxIterations", maxIterations, 1);
            OptionChecks.present("tv", tv);
            OptionChecks.atLeast("historyInterval", historyInterval, 1);
        }

        /** The paper's settings (sec. 5.1.1 [000]): α = 1.5e-2, automatic steps, tol 1e-5, 10 000 iterations, isotropic TV. */
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
            return builder().alpha(alpha).steps(steps).tol(tol).maxIterations(maxIterations).tv(tv)
                    .historyInterval(historyInterval).gapRadius(gapRadius).gapStop(gapStop);
        }

        /** Named setters; the initial values are the defaults, written here only. */
        public static final class Builder {
            private double alpha = 1.5e-2;
            public Builder alpha(double value) { alpha = value; return this; }
            private PdhgSteps steps = PdhgSteps.auto();
            public Builder steps(PdhgSteps value) { steps = value; return this; }
            private double tol = 1e-5;
            public Builder tol(double value) { tol = value; return this; }
            private int maxIterations = 10_000;
            public Builder maxIterations(int value) { maxIterations = value; return this; }
            private Tv tv = Tv.ISOTROPIC;
            public Builder tv(Tv value) { tv = value; return this; }
            private int historyInterval = 10;
            public Builder historyInterval(int value) { historyInterval = value; return this; }
            private double gapRadius = 1;
            public Builder gapRadius(double value) { gapRadius = value; return this; }
            private double gapStop = 0;
            public Builder gapStop(double value) { gapStop = value; return this; }

            private Builder() {}

            public Options build() {
                return new Options(alpha, steps, tol, maxIterations, tv, historyInterval, gapRadius, gapStop);
            }
        }
    }

    /** The objective is declared diverged when it exceeds this factor times its first value (or is not finite). */
    public static final double BLOW_UP = 1e12;

    /**
     * Solves eq. (11) [000] for one observation.
     *
     * @param layer    the perceptron σ(Ax + b), A a dense W {@code m × n} or any other {@link Layer}
     * @param y        the observation y^δ, m elements, inside σ's range (checked)
     * @param channels image channels C, with C·H·W = n
     * @param height   image height H
     * @param width    image width W
     */
    public static LiftedResult solve(Layer layer, FloatVec y, int channels, int height, int width, Options o,
                                     Parallelism par, IterationListener listener) {
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(o, "options");
        Objects.requireNonNull(par, "parallelism");
        Objects.requireNonNull(listener, "listener");
        checkImage(layer, channels, height, width);
        if (y.length() != layer.outputs()) {
            throw new IllegalArgumentException("y: expected length " + layer.outputs() + " (the layer's outputs), got "
                    + y.length());
        }
        Prox.checkDomain("y", layer.activation(), y);
        double tauX, tauZ;
        switch (o.steps()) {
            case PdhgSteps.Fixed f -> {
                tauX = f.tauX();
                tauZ = f.tauZ();
            }
            case PdhgSteps.Auto a -> {
                tauX = StepRules.gradient(layer.operatorNorm().value());
                tauZ = StepRules.pdhgDual(o.alpha());
            }
        }

        try (Arena arena = Arena.ofShared()) { // shared: fork-join workers use the workspace
            PdhgEngine e = new PdhgEngine(arena, layer, channels, height, width, o.tv() == Tv.ISOTROPIC,
                    (float) o.alpha(), (float) tauX, (float) tauZ, par);
            return par.call(() -> iterate(e, y, o, par.threads(), listener));
        }
    }

    /**
     * Checks that a C×H×W image is what the layer takes: C·H·W inputs, and the same shape when the layer sees
     * images (a convolution); the one check of PDHG-TV and the lifted coordinate descent.
     */
    static void checkImage(Layer layer, int channels, int height, int width) {
        if ((long) channels * height * width != layer.inputs()) {
            throw new IllegalArgumentException("image shape " + channels + "×" + height + "×" + width + " has "
                    + (long) channels * height * width + " pixels but layer 1 (" + layer.kind() + ") has "
                    + layer.inputs() + " inputs");
        }
        Layer.Shape in = layer.inputShape();
        if (in != null && (in.channels() != channels || in.height() != height || in.width() != width)) {
            throw new IllegalArgumentException("image shape " + channels + "×" + height + "×" + width
                    + ": layer 1 (" + layer.kind() + ") takes images of " + in);
        }
    }

    private static LiftedResult iterate(PdhgEngine e, FloatVec y, Options o, int threads, IterationListener listener) {
        ConvergenceHistory history = new ConvergenceHistory(o.maxIterations(), o.historyInterval());
        double tol2 = o.tol() * o.tol();
        double firstObjective = Double.NaN;
        StopReason stop = StopReason.MAX_ITERATIONS;
        int every = listener.every();
        long t0 = System.nanoTime();
        int k = 0;
        while (k < o.maxIterations()) {
            k++;
            boolean sample = history.due(k);
            double regulariser = sample ? e.regulariser() : 0; // TV of the x this step starts from
            e.step(y);
            if (sample) {
                double objective = Prox.bregmanLoss(e.sigma, y, e.pre) + regulariser;
                double residual = Math.sqrt(e.r2); // at the x the step started from, like the objective
                // the gap certifies the pair (x⁺, z⁺) the step just produced, at one more pass over W
                double gap = e.gap(y, o.gapRadius());
                history.record(k, objective, Math.sqrt(e.dx2), Math.sqrt(e.dz2), residual, gap);
                if (o.gapStop() > 0 && gap <= o.gapStop() * Math.max(1, Prox.bregmanLoss(e.sigma, y, e.pre) + e.regulariser())) {
                    stop = StopReason.GAP;
                    break;
                }
                if (Double.isNaN(firstObjective)) {
                    firstObjective = objective;
                } else if (!(objective <= BLOW_UP * Math.max(1.0, firstObjective))) {
                    stop = StopReason.DIVERGED;
                    break;
                }
            }
            if (!Double.isFinite(e.dx2) || !Double.isFinite(e.dz2) || !Double.isFinite(e.r2)) {
                stop = StopReason.DIVERGED;
                break;
            }
            if (k % every == 0) {
                listener.onIteration(k, o.maxIterations());
            }
            if (e.dx2 < tol2 && e.dz2 < tol2) {
                stop = StopReason.TOLERANCE;
                break;
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double dx = Math.sqrt(e.dx2), dz = Math.sqrt(e.dz2);
        // The report describes the returned x: one more pass over W, outside the timed loop.
        e.refresh(y);
        double loss = Prox.bregmanLoss(e.sigma, y, e.pre);
        double objective = loss + e.regulariser();
        double gap = e.gap(y, o.gapRadius());
        history.record(k, objective, dx, dz, Math.sqrt(e.r2), gap);
        listener.onIteration(k, o.maxIterations());
        return new LiftedResult("pdhg-tv", e.x().values().toArray(), List.of(), k, stop, dx, dz, objective,
                Math.sqrt(e.r2), new double[] {loss}, history, seconds, threads);
    }
}
