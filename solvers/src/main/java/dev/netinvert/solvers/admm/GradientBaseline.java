package dev.netinvert.solvers.admm;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Fused;
import dev.netinvert.solvers.IterationListener;
import dev.netinvert.solvers.OptionChecks;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.Trace;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The gradient baselines ADMM is compared with in [004] (Fig. 2): min_x g(f(x)) + h(x) by first-order steps
 * on ∇ℓ(x) = J_f(x)ᵀ∇g(f(x)) + λ(x − x̄) (backpropagation, {@link Network#vjp}), each step followed by
 * the projection P_B onto the box when there is one:
 * <ul>
 *   <li>{@link Method#ADAM}: Adam (Kingma–Ba) with bias correction, x ← P_B(x − η m̂/(√ŝ + ε)). The paper runs
 *       Adam "until it reaches the boundary"; projecting every step is the standard way to keep it feasible
 *       and is what is done here.</li>
 *   <li>{@link Method#PGD}: projected gradient descent x ← P_B(x − η∇ℓ(x)), the paper's step η = 0.01.</li>
 * </ul>
 * Both start at x⁰ (the same start as ADMM) and stop when the projected-gradient norm
 * ‖x − P_B(x − ∇ℓ(x))‖₂ ≤ tol (TOLERANCE), after maxIterations, or when the objective is not finite or
 * exceeds 1e6·(1 + |ℓ(x⁰)|) (DIVERGED; the last finite iterate is returned). Nothing is allocated in the loop.
 */
public final class GradientBaseline {
    private GradientBaseline() {}

    public enum Method {
        ADAM, PGD;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * @param method          ADAM or PGD
     * @param step            η &gt; 0 (the paper: 0.01 for both)
     * @param beta1           Adam's β₁ in [0, 1)
     * @param beta2           Adam's β₂ in [0, 1)
     * @param epsilon         Adam's ε &gt; 0
     * @param maxIterations   budget ≥ 1
     * @param tolerance       stop when ‖x − P_B(x − ∇ℓ)‖₂ ≤ tolerance (≥ 0)
     * @param historyInterval record the objective every this many iterations
     */
    public record Options(Method method, double step, double beta1, double beta2, double epsilon, int maxIterations,
                          double tolerance, int historyInterval) {
        public Options {
            OptionChecks.present("method", method);
            OptionChecks.positive("step", step);
            if (!(beta1 >= 0 && beta1 < 1)) {
                throw new IllegalArgumentException("beta1 must lie in [0, 1), got " + beta1);
            }
            if (!(beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("beta2 must lie in [0, 1), got " + beta2);
            }
            OptionChecks.positive("epsilon", epsilon);
            OptionChecks.atLeast("maxIterations", maxIterations, 1);
            OptionChecks.nonNegative("tolerance", tolerance);
            OptionChecks.atLeast("historyInterval", historyInterval, 1);
        }

        /** Adam with the paper's step 0.01, β = (0.9, 0.999), ε = 1e-8, 1000 iterations, tolerance 1e-6. */
        public static Options defaults() {
            return builder().build();
        }

        public static Builder builder() {
            return new Builder();
        }

        public Builder toBuilder() {
            return builder().method(method).step(step).beta1(beta1).beta2(beta2).epsilon(epsilon)
                    .maxIterations(maxIterations).tolerance(tolerance).historyInterval(historyInterval);
        }

        /** Named setters; the initial values are the defaults, written here only. */
        public static final class Builder {
            private Method method = Method.ADAM;
            public Builder method(Method value) { method = value; return this; }
            private double step = 0.01;
            public Builder step(double value) { step = value; return this; }
            private double beta1 = 0.9;
            public Builder beta1(double value) { beta1 = value; return this; }
            private double beta2 = 0.999;
            public Builder beta2(double value) { beta2 = value; return this; }
            private double epsilon = 1e-8;
            public Builder epsilon(double value) { epsilon = value; return this; }
            private int maxIterations = 1000;
            public Builder maxIterations(int value) { maxIterations = value; return this; }
            private double tolerance = 1e-6;
            public Builder tolerance(double value) { tolerance = value; return this; }
            private int historyInterval = 1;
            public Builder historyInterval(int value) { historyInterval = value; return this; }

            private Builder() {}

            public Options build() {
                return new Options(method, step, beta1, beta2, epsilon, maxIterations, tolerance, historyInterval);
            }
        }
    }

    /** {@link #solve(Network, InversionLoss, FloatVec, Options, IterationListener)} without a listener. */
    public static AdmmResult solve(Network network, InversionLoss loss, FloatVec start, Options options) {
        return solve(network, loss, start, options, IterationListener.NONE);
    }

    /**
     * @param start x⁰, n₀ finite values (projected into the box); null for x̄ (or 0)
     */
    public static AdmmResult solve(Network network, InversionLoss loss, FloatVec start, Options options,
                                   IterationListener listener) {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(loss, "loss");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(listener, "listener");
        long t0 = System.nanoTime();
        int n0 = network.inputSize(), nL = network.outputSize();
        loss.check(n0, nL);
        try (Arena arena = Arena.ofShared()) {
            Network net = network.forSolve(arena); // the same bits, faster GEMVs at short rows
            Trace trace = net.newTrace(arena, true);
            FloatVec x = FloatVec.allocate(arena, n0), best = FloatVec.allocate(arena, n0);
            FloatVec grad = FloatVec.allocate(arena, n0), gOut = FloatVec.allocate(arena, nL);
            FloatVec m = FloatVec.allocate(arena, n0), s = FloatVec.allocate(arena, n0);
            FloatVec probe = FloatVec.allocate(arena, n0);
            if (start != null) {
                if (start.length() != n0) {
                    throw new IllegalArgumentException("start: expected length " + n0 + " (the network's input size n_0), got "
                            + start.length());
                }
                Blas.copy(start, x);
            } else if (loss.center() != null) {
                Blas.copy(loss.center(), x);
            }
            for (int j = 0; j < n0; j++) {
                if (!Float.isFinite(x.get(j))) {
                    throw new IllegalArgumentException("start: expected finite values, got " + x.get(j) + " at index " + j);
                }
            }
            if (loss.box() != null) {
                loss.box().project(x);
            }
            boolean adam = options.method() == Method.ADAM;
            double eta = options.step(), b1 = options.beta1(), b2 = options.beta2(), b1k = 1, b2k = 1;
            History history = new History(options.maxIterations(), options.historyInterval());
            long t1 = System.nanoTime();
            StopReason reason = StopReason.MAX_ITERATIONS;
            double obj0 = Double.NaN, obj = Double.NaN, lastFinite = Double.NaN, stationarity = Double.NaN;
            int k = 0;
            while (true) {
                // ℓ(x) and ∇ℓ(x) at the current x = iterate k
                FloatVec out = net.forward(x, trace);
                double gVal = loss.output().gradient(out, gOut);
                obj = gVal + loss.inputTerm(x);
                if (k == 0) {
                    obj0 = obj;
                }
                if (!Double.isFinite(obj) || obj > 1e6 * (1 + Math.abs(obj0))) {
                    reason = StopReason.DIVERGED;
                    break;
                }
                lastFinite = obj;
                Blas.copy(x, best);
                net.vjp(trace, gOut, grad);
                loss.addInputGradient(x, grad);
                stationarity = projectedGradientNorm(x, grad, probe, loss.box());
                if (history.due(k)) {
                    history.record(k, obj, Double.NaN, Double.NaN, stationarity);
                }
                if (stationarity <= options.tolerance()) {
                    reason = StopReason.TOLERANCE;
                    break;
                }
                if (k == options.maxIterations()) {
                    break;
                }
                k++;
                if (adam) {
                    b1k *= b1;
                    b2k *= b2;
                    Fused.adamStep((float) b1, (float) b2, (float) (eta / (1 - b1k)), (float) (1 / (1 - b2k)),
                            (float) options.epsilon(), x, grad, m, s);
                } else {
                    Blas.axpy((float) -eta, grad, x);
                }
                if (loss.box() != null) {
                    loss.box().project(x);
                }
                if (k % listener.every() == 0) {
                    listener.onIteration(k, options.maxIterations());
                }
            }
            long t2 = System.nanoTime();
            history.record(k, lastFinite, Double.NaN, Double.NaN, stationarity);
            FloatVec out = net.forward(best, trace);
            double outTerm = loss.output().value(out);
            return new AdmmResult(options.method().label(), best.toArray(), out.toArray(), k, reason, lastFinite, outTerm,
                    loss.inputTerm(best), Double.NaN, Double.NaN, new double[0], stationarity, List.of(), history,
                    (t1 - t0) * 1e-9, (t2 - t1) * 1e-9);
        }
    }

    /** ‖x − P_B(x − g)‖₂ (‖g‖₂ without a box), using {@code probe} as scratch. */
    static double projectedGradientNorm(FloatVec x, FloatVec g, FloatVec probe, Box box) {
        if (box == null) {
            return Blas.norm2(g);
        }
        Blas.copy(x, probe);
        Blas.axpy(-1f, g, probe);
        box.project(probe);
        return Math.sqrt(Blas.distanceSquared(x, probe));
    }
}
