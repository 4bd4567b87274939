package dev.netinvert.solvers.pursuit;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Fused;
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
 * (a non-finite loss, or a loss above 1e6 times the start's: DIVERGED). With {@code step = NaN} the step
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
     * @param method        GD (with momentum) or ADAM
     * @param step          η &gt; 0, or NaN for the automatic step (GD) / 1e-2·initStd (Adam: its step is a
     *                      per-coordinate distance, so it is scaled to the latent prior)
     * @param momentum      β of heavy-ball GD in [0, 1), or β₁ of Adam
     * @param beta2         β₂ of Adam in [0, 1) (ignored by GD)
     * @param epsilon       ε of Adam &gt; 0 (ignored by GD)
     * @param maxIterations iteration budget ≥ 1
     * @param gradTol       stop when ‖g‖₂ ≤ gradTol (≥ 0)
     * @param seed          seed of the random start z⁰ ~ N(0, initStd²I)
     * @param initStd       standard deviation of the start (≥ 0)
     */
    public record Options(Method method, double step, double momentum, double beta2, double epsilon, int maxIterations,
                          double gradTol, long seed, double initStd) {
        public Options {
            Objects.requireNonNull(method, "method");
            if (!Double.isNaN(step) && !(step > 0 && step < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("step must be finite and > 0 (or NaN for automatic), got " + step);
            }
            if (!(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("momentum must lie in [0, 1), got " + momentum);
            }
            if (!(beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("beta2 must lie in [0, 1), got " + beta2);
            }
            if (!(epsilon > 0)) {
                throw new IllegalArgumentException("epsilon must be > 0, got " + epsilon);
            }
            if (maxIterations < 1) {
                throw new IllegalArgumentException("maxIterations must be >= 1, got " + maxIterations);
            }
            if (!(gradTol >= 0)) {
                throw new IllegalArgumentException("gradTol must be >= 0, got " + gradTol);
            }
            if (!(initStd >= 0) || Double.isInfinite(initStd)) {
                throw new IllegalArgumentException("initStd must be finite and >= 0, got " + initStd);
            }
        }

        /** Gradient descent with momentum 0.9 (sec. 6.2 [002]), automatic step, 10000 iterations, ‖g‖ ≤ 1e-9. */
        public static Options gd(long seed, double initStd) {
            return new Options(Method.GD, Double.NaN, 0.9, 0.999, 1e-8, 10000, 1e-9, seed, initStd);
        }

        /** Adam with β₁ = 0.9, β₂ = 0.999, ε = 1e-8, step 1e-2·initStd (1e-2 if initStd = 0), 10000 iterations. */
        public static Options adam(long seed, double initStd) {
            return new Options(Method.ADAM, Double.NaN, 0.9, 0.999, 1e-8, 10000, 1e-9, seed, initStd);
        }

        public Options withStep(double s) {
            return new Options(method, s, momentum, beta2, epsilon, maxIterations, gradTol, seed, initStd);
        }

        public Options withMaxIterations(int k) {
            return new Options(method, step, momentum, beta2, epsilon, k, gradTol, seed, initStd);
        }

        public Options withMomentum(double m) {
            return new Options(method, step, m, beta2, epsilon, maxIterations, gradTol, seed, initStd);
        }

        public Options withGradTol(double t) {
            return new Options(method, step, momentum, beta2, epsilon, maxIterations, t, seed, initStd);
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
     * @param network any network whose last activation is invertible (hidden layers need not be ReLU)
     * @param mask    null (all observed) or n_L entries of 0/1
     */
    public static InversionResult solve(Network network, FloatVec y, FloatVec mask, Options options) {
        long t0 = System.nanoTime();
        Objects.requireNonNull(network, "network");
        OutputActivation.of(network.lastActivation());
        Pursuits.checkObservation(network, y, mask);
        Objects.requireNonNull(options, "options");
        boolean adam = options.method() == Method.ADAM;
        double eta = !Double.isNaN(options.step()) ? options.step()
                : adam ? 1e-2 * (options.initStd() > 0 ? options.initStd() : 1) : automaticStep(network);
        int n0 = network.inputSize(), n = network.outputSize();
        float[] zOut;
        Stage stage;
        try (Arena arena = Arena.ofConfined()) {
            Trace trace = network.newTrace(arena, true);
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
                FloatVec x = network.forward(z, trace);
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
                network.vjp(trace, r, g);
                double gn = Blas.norm2(g);
                if (gn <= options.gradTol()) {
                    reason = StopReason.TOLERANCE;
                    break;
                }
                k++;
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
                FloatVec x = network.forward(z, trace);
                loss = 0.5 * Fused.maskedResidual(x, y, mask, r);
                lastFinite = loss;
                Blas.copy(z, best);
            }
            zOut = best.toArray();
            stage = new Stage(options.method().label(), 0, k, reason, lastFinite, (System.nanoTime() - t0) * 1e-9);
        }
        List<float[]> hidden;
        try (Arena a = Arena.ofConfined()) {
            hidden = Pursuits.hiddenOf(network, FloatVec.of(a, zOut));
        }
        List<int[]> supports = new ArrayList<>();
        for (float[] h : hidden) {
            supports.add(Pursuits.support(h, 0));
        }
        float[] out = new float[n];
        double res = Pursuits.residual(network, zOut, y, mask, out);
        Uniqueness u = network.depth() >= 2 ? Uniqueness.ofSupports(network, supports, Pursuits.observedCount(network, mask))
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
            InversionResult r = solve(network, y, mask, options.withStep(s));
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
