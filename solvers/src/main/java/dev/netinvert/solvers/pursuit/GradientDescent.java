package dev.netinvert.solvers.pursuit;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Fused;
import dev.netinvert.solvers.OptionChecks;
import dev.netinvert.solvers.StepSize;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.SeededGaussian;
import dev.netinvert.solvers.network.Trace;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The gradient baselines of [002] sec. 6 (also used by [003] and [004]): minimise
 * ½‖M(G(z) − y)‖² (eq. (1) [002], M the observation mask) over z from a random start, with the gradient
 * J_G(z)ᵀ M(G(z) − y) by backpropagation ({@link Network#vjp}).
 * <ul>
 *   <li>{@link Method#GD}: heavy-ball gradient descent v ← βv − ηg, z ← z + v (β = 0: plain gradient
 *       descent; sec. 6.2 uses β = 0.9);</li>
 *   <li>{@link Method#ADAM}: Adam [Kingma–Ba 2015] with bias correction, m ← β₁m + (1−β₁)g,
 *       s ← β₂s + (1−β₂)g², z ← z − η m̂/(√ŝ + ε).</li>
 * </ul>
 * Stops when ‖g‖₂ ≤ gradTol (TOLERANCE; sec. 6.1 asks for 1e-9), after maxIterations, or on divergence
 * (a non-finite loss, or a loss above 1e6 times the start's: DIVERGED). With {@link StepSize#auto()} the GD step
 * is 1/(c_φ·∏‖W_l‖²), a bound on the gradient's Lipschitz constant along each linear piece of the ReLU
 * network (c_φ from {@link OutputActivation}). {@link #solveWithStepSearch} is the paper's rule: the
 * smallest step in a list whose run reaches the tolerance. Nothing is allocated inside the loop.
 */
public final class GradientDescent {
    private GradientDescent() {}

    public enum Method {
        GD, ADAM;

        public String label() {
            return this == GD ? "gd" : "adam";
        }
    }

    /**
     * Build with {@link #builder()}; every field is checked here.
     *
     * @param method        GD (with momentum) or ADAM
     * @param step          η: {@link StepSize#auto()} ({@link #automaticStep} for GD; 1e-2·initStd for Adam, whose step
     *                      is a per-coordinate distance, so it is scaled to the latent prior) or fixed
     * @param momentum      β of heavy-ball GD in [0, 1), or β₁ of Adam
     * @param beta2         β₂ of Adam in [0, 1) (ignored by GD)
     * @param epsilon       ε of Adam &gt; 0 (ignored by GD)
     * @param maxIterations iteration budget ≥ 1
     * @param gradTol       stop when ‖g‖₂ ≤ gradTol (≥ 0)
     * @param seed          seed of the random start z⁰ ~ N(0, initStd²I)
     * @param initStd       standard deviation of the start (≥ 0)
     * @param stepDecay     γ in (0, 1]: step k uses η·γ^k ("a step size of 1e-1 that gradually decays to assure
     *                      convergence", sec. 6.2 [002]); 1 keeps η fixed
     */
    public record Options(Method method, StepSize step, double momentum, double beta2, double epsilon, int maxIterations,
                          double gradTol, long seed, double initStd, double stepDecay) {
        public Options {
            OptionChecks.present("method", method);
            OptionChecks.present("step", step);
            if (!(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("momentum must lie in [0, 1), got " + momentum);
            }
            if (!(beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("beta2 must lie in [0, 1), got " + beta2);
            }
            OptionChecks.positive("epsilon", epsilon);
            OptionChecks.atLeast("maxIterations", maxIterations, 1);
            if (!(gradTol >= 0)) {
                throw new IllegalArgumentException("gradTol must be >= 0, got " + gradTol);
            }
            OptionChecks.nonNegative("initStd", initStd);
            if (!(stepDecay > 0 && stepDecay <= 1)) {
                throw new IllegalArgumentException("stepDecay must lie in (0, 1], got " + stepDecay);
            }
        }

        /**
         * Gradient descent with momentum 0.9 (sec. 6.2 [002]), automatic step, 10000 iterations, ‖g‖ ≤ 1e-9, start
         * N(0, I) with seed 1. With {@code method(ADAM)}: β₁ = 0.9, β₂ = 0.999, ε = 1e-8, step 1e-2·initStd.
         */
        public static Options defaults() {
            return builder().build();
        }

        public static Builder builder() {
            return new Builder();
        }

        public Builder toBuilder() {
            return builder().method(method).step(step).momentum(momentum).beta2(beta2).epsilon(epsilon)
                    .maxIterations(maxIterations).gradTol(gradTol).seed(seed).initStd(initStd).stepDecay(stepDecay);
        }

        /** Named setters; the initial values are the defaults, written here only. */
        public static final class Builder {
            private Method method = Method.GD;
            public Builder method(Method value) { method = value; return this; }
            private StepSize step = StepSize.auto();
            public Builder step(StepSize value) { step = value; return this; }
            private double momentum = 0.9;
            public Builder momentum(double value) { momentum = value; return this; }
            private double beta2 = 0.999;
            public Builder beta2(double value) { beta2 = value; return this; }
            private double epsilon = 1e-8;
            public Builder epsilon(double value) { epsilon = value; return this; }
            private int maxIterations = 10_000;
            public Builder maxIterations(int value) { maxIterations = value; return this; }
            private double gradTol = 1e-9;
            public Builder gradTol(double value) { gradTol = value; return this; }
            private long seed = 1;
            public Builder seed(long value) { seed = value; return this; }
            private double initStd = 1;
            public Builder initStd(double value) { initStd = value; return this; }
            private double stepDecay = 1;
            public Builder stepDecay(double value) { stepDecay = value; return this; }

            private Builder() {}

            public Options build() {
                return new Options(method, step, momentum, beta2, epsilon, maxIterations, gradTol, seed, initStd, stepDecay);
            }
        }
    }

    /** The automatic GD step 1/(c_φ·∏‖W_l‖²). */
    public static double automaticStep(Network network) {
        double c = OutputActivation.of(network.lastActivation()).curvature();
        for (int l = 1; l <= network.depth(); l++) {
            double w = network.layer(l).operatorNorm().value();
            c *= w * w;
        }
        return 1.0 / c;
    }

    /**
     * One run from the seeded random start.
     *
     * @param network any network; the automatic step needs an invertible last activation (its curvature
     *                bounds the Lipschitz constant), a fixed step does not (the ReLU generators of [003])
     * @param mask    null (all observed) or n_L entries of 0/1
     */
    public static InversionResult solve(Network network, FloatVec y, FloatVec mask, Options options) {
        long t0 = System.nanoTime();
        Objects.requireNonNull(network, "network");
        ObservationMasks.checkObservation(network, y, mask);
        Objects.requireNonNull(options, "options");
        boolean adam = options.method() == Method.ADAM;
        double eta = options.step().orElse(() -> adam ? 1e-2 * (options.initStd() > 0 ? options.initStd() : 1)
                : automaticStep(network));
        int n0 = network.inputSize(), n = network.outputSize();
        float[] zOut;
        Stage stage;
        try (Arena arena = Arena.ofShared()) {
            Network net = network.forSolve(arena); // the same bits, faster GEMVs at short rows
            Trace trace = net.newTrace(arena, true);
            FloatVec z = FloatVec.allocate(arena, n0), g = FloatVec.allocate(arena, n0);
            FloatVec m1 = FloatVec.allocate(arena, n0), m2 = FloatVec.allocate(arena, n0);
            FloatVec r = FloatVec.allocate(arena, n), best = FloatVec.allocate(arena, n0);
            new SeededGaussian(options.seed()).fill(z, 0, options.initStd());
            double loss0 = Double.NaN, loss = Double.NaN, lastFinite = Double.NaN;
            StopReason reason = StopReason.MAX_ITERATIONS;
            double b1 = options.momentum(), b2 = options.beta2();
            double b1k = 1, b2k = 1;
            int k = 0;
            while (k < options.maxIterations()) {
                FloatVec x = net.forward(z, trace);
                loss = 0.5 * Fused.maskedResidual(x, y, mask, r); // r = M(G(z) − y), loss ½‖r‖²
                if (k == 0) {
                    loss0 = loss;
                }
                if (!Double.isFinite(loss) || loss > 1e6 * loss0 + Double.MIN_NORMAL) {
                    reason = StopReason.DIVERGED;
                    break;
                }
                lastFinite = loss;
                Blas.copy(z, best);
                net.vjp(trace, r, g);
                double gn = Blas.norm2(g);
                if (gn <= options.gradTol()) {
                    reason = StopReason.TOLERANCE;
                    break;
                }
                k++;
                if (k > 1) {
                    eta *= options.stepDecay();
                }
                if (adam) {
                    b1k *= b1;
                    b2k *= b2;
                    // m ← β₁m + (1−β₁)g, s ← β₂s + (1−β₂)g², z ← z − (η/(1−β₁ᵏ))·m/(√(s/(1−β₂ᵏ)) + ε)
                    Fused.adamStep((float) b1, (float) b2, (float) (eta / (1 - b1k)), (float) (1 / (1 - b2k)),
                            (float) options.epsilon(), z, g, m1, m2);
                } else {
                    // heavy ball: v ← βv − ηg; z ← z + v
                    Blas.scale((float) b1, m1);
                    Blas.axpy((float) -eta, g, m1);
                    Blas.axpy(1f, m1, z);
                }
            }
            if (reason == StopReason.MAX_ITERATIONS) {
                FloatVec x = net.forward(z, trace);
                loss = 0.5 * Fused.maskedResidual(x, y, mask, r);
                lastFinite = loss;
                Blas.copy(z, best);
            }
            zOut = best.toArray();
            stage = new Stage(options.method().label(), 0, k, reason, lastFinite, (System.nanoTime() - t0) * 1e-9,
                    Double.NaN);
        }
        return result(network, zOut, y, mask, options, stage, t0);
    }

    /**
     * The result of a run that ended at {@code zOut} with the given stage: hidden layers, supports, the output and
     * its residual, and the uniqueness test, as {@link #solve} reports them. Public for the lockstep solvers
     * ({@code dev.netinvert.solvers.batch}), which run many observations at once and report each like this.
     *
     * @param t0 {@link System#nanoTime()} at the start of the run
     */
    public static InversionResult result(Network network, float[] zOut, FloatVec y, FloatVec mask, Options options,
                                         Stage stage, long t0) {
        int n = network.outputSize();
        List<float[]> hidden;
        try (Arena a = Arena.ofShared()) {
            hidden = Generators.hiddenOf(network, FloatVec.of(a, zOut));
        }
        List<int[]> supports = new ArrayList<>();
        for (float[] h : hidden) {
            supports.add(Supports.support(h, 0));
        }
        float[] out = new float[n];
        double res = Generators.residual(network, zOut, y, mask, out);
        Uniqueness u = network.depth() >= 2 ? Uniqueness.ofSupports(network, supports, ObservationMasks.observedCount(network, mask))
                : null;
        return new InversionResult(options.method().label(), zOut, hidden, supports, out, res, List.of(stage), u,
                (System.nanoTime() - t0) * 1e-9);
    }

    /**
     * The step rule of sec. 6.1 [002]: runs {@link #solve} with each step in {@code steps} in the given
     * order (the paper: 1e-1, 1, …, 1e4) and returns the first run that meets the gradient tolerance; if
     * none does, the run with the smallest final residual.
     */
    public static InversionResult solveWithStepSearch(Network network, FloatVec y, FloatVec mask, Options options,
                                                      double[] steps) {
        Objects.requireNonNull(steps, "steps");
        if (steps.length == 0) {
            throw new IllegalArgumentException("steps: expected at least one step size, got none");
        }
        InversionResult bestRun = null;
        for (double s : steps) {
            InversionResult r = solve(network, y, mask, options.toBuilder().step(StepSize.fixed(s)).build());
            if (r.stopReason() == StopReason.TOLERANCE) {
                return r;
            }
            if (bestRun == null || !(r.residual() >= bestRun.residual())) {
                bestRun = r;
            }
        }
        return bestRun;
    }
}
