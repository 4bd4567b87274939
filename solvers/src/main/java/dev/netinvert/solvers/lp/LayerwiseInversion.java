package dev.netinvert.solvers.lp;

import dev.netinvert.kernels.Activation;
import dev.netinvert.solvers.network.Network;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Layer-wise inversion of a ReLU / leaky-ReLU generator G(z) = σ(W_L ⋯ σ(W_1 z + b_1) ⋯ + b_L) by linear
 * equations or linear programs, one layer at a time from the output back to the latent ([003] Lei, Jalal,
 * Dhillon, Dimakis, "Inverting deep generative models, one layer at a time", secs. 3-4):
 * <ul>
 *   <li>{@link Method#EXACT}: the realizable case, Thm. 2 [003] (active-set least squares; eq. (5) for
 *       leaky ReLU);</li>
 *   <li>{@link Method#LP_LINF}: Alg. 1 [003], min δ subject to (6), ε growing by α until feasible;</li>
 *   <li>{@link Method#LP_L1}: Alg. 2 [003], one slack per output, stopping when the layer's ℓ1 misfit stops
 *       decreasing;</li>
 *   <li>{@link Method#LP_RELAXED}: the relaxation (8) [003], which guesses no sign pattern.</li>
 * </ul>
 * The unknown input of a layer gets z ≥ 0 when it is the output of a ReLU layer; the latent is free. The ε
 * at which one layer's LP succeeded seeds the next layer's (Alg. 1 [003] run "recursively backwards",
 * Thm. 3). The LPs are solved in double precision from the network's float weights.
 *
 * <p>Nothing here is iterative in the gradient sense, so there is no workspace to reuse: each layer builds
 * its LPs (a double copy of W_l, at most 2·n_l rows) and hands them to the {@link LpBackend}.
 */
public final class LayerwiseInversion {
    private LayerwiseInversion() {}

    /** Which per-layer solve. */
    public enum Method {
        EXACT("exact"), LP_LINF("lp-linf"), LP_L1("lp-l1"), LP_RELAXED("lp-relaxed");

        private final String label;

        Method(String label) {
            this.label = label;
        }

        /** The command-line name ("lp-linf"). */
        public String label() {
            return label;
        }

        /** The method named {@code label}, or an exception listing the names. */
        public static Method of(String label) {
            for (Method m : values()) {
                if (m.label.equals(label)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("method: expected one of exact, lp-linf, lp-l1, lp-relaxed, got '" + label + "'");
        }
    }

    /**
     * How Alg. 1's ε loop finds the first feasible ε of the grid ε₀·α^t; all three return the same ε and z.
     * {@link #LITERAL} solves the LP with δ ≤ ε at every step, as written. {@link #SKIP} solves it without
     * that bound and settles every step with unchanged row classes from the optimum δ*. {@link #BISECT}
     * bisects over t, since for ReLU feasibility is monotone in ε (leaky-ReLU layers, where it is not, use
     * SKIP). See {@code LayerSolvers.linf} and {@code linfBisect}.
     */
    public enum Search { LITERAL, SKIP, BISECT }

    /**
     * @param method          the per-layer solve
     * @param eps0            ε₀ &gt; 0: the first ε of Alg. 1/2 [003], and the ε of the relaxed LP
     * @param growth          α &gt; 1, the factor by which ε grows (the paper: 1.2)
     * @param maxSteps        the most ε steps per layer (≥ 1)
     * @param activeThreshold exact inversion: x_j is active when x_j &gt; activeThreshold·‖x‖∞ (in [0, 1))
     * @param search          Alg. 1's feasibility search
     * @param backend         the LP solver
     */
    public record Options(Method method, double eps0, double growth, int maxSteps, double activeThreshold,
                          Search search, LpBackend backend) {
        public Options {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(search, "search");
            Objects.requireNonNull(backend, "backend");
            if (!(eps0 > 0) || !Double.isFinite(eps0)) {
                throw new IllegalArgumentException("eps0: expected a finite value > 0, got " + eps0);
            }
            if (!(growth > 1) || !Double.isFinite(growth)) {
                throw new IllegalArgumentException("growth: expected a finite factor > 1, got " + growth);
            }
            if (maxSteps < 1) {
                throw new IllegalArgumentException("maxSteps: expected >= 1, got " + maxSteps);
            }
            if (!(activeThreshold >= 0 && activeThreshold < 1)) {
                throw new IllegalArgumentException("activeThreshold: expected a value in [0, 1), got " + activeThreshold);
            }
        }

        public static Builder builder(Method method) {
            return new Builder(method);
        }

        /** {@code method} with every other setting at its default. */
        public static Options defaults(Method method) {
            return builder(method).build();
        }

        public Builder toBuilder() {
            return new Builder(method).eps0(eps0).growth(growth).maxSteps(maxSteps).activeThreshold(activeThreshold)
                    .search(search).backend(backend);
        }

        /** Named settings; its field initializers are the one source of the defaults (API and CLI). */
        public static final class Builder {
            private Method method;
            /** Below float32 rounding of unit-scale data, so a noiseless layer is feasible at the first LP. */
            private double eps0 = 1e-6;
            /** α of sec. 5.1 [003]. */
            private double growth = 1.2;
            /** 1.2^200 ≈ 7e15: far past any noise, so only a failing backend reaches it. */
            private int maxSteps = 200;
            private double activeThreshold = 1e-6;
            private Search search = Search.BISECT;
            private LpBackend backend = LpBackend.ojAlgo();

            private Builder(Method method) {
                this.method = method;
            }

            public Builder method(Method value) { method = value; return this; }
            public Builder eps0(double value) { eps0 = value; return this; }
            public Builder growth(double value) { growth = value; return this; }
            public Builder maxSteps(int value) { maxSteps = value; return this; }
            public Builder activeThreshold(double value) { activeThreshold = value; return this; }
            public Builder search(Search value) { search = value; return this; }
            public Builder backend(LpBackend value) { backend = value; return this; }

            public Options build() {
                return new Options(method, eps0, growth, maxSteps, activeThreshold, search, backend);
            }
        }
    }

    /**
     * Inverts {@code network} at the observation y, layer L down to layer 1.
     *
     * @param y the observed output, n_L finite values
     * @throws IllegalArgumentException     for a wrong length, a non-finite y or a layer that is not ReLU or
     *                                      leaky ReLU (named)
     * @throws LayerNotInvertibleException  when a layer's data do not determine its input (see there)
     */
    public static LayerwiseResult invert(Network network, float[] y, Options options) {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(y, "y");
        Objects.requireNonNull(options, "options");
        network.denseLayers("the layer-wise LPs of [003]");
        int depth = network.depth();
        if (y.length != network.width(depth)) {
            throw new IllegalArgumentException("y: expected length " + network.width(depth)
                    + " (the network's output n_L), got " + y.length);
        }
        double[] x = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            if (!Float.isFinite(y[i])) {
                throw new IllegalArgumentException("y[" + i + "]: expected a finite value, got " + y[i]);
            }
            x[i] = y[i];
        }
        LayerMap[] maps = new LayerMap[depth + 1];
        for (int l = 1; l <= depth; l++) {
            boolean nonNegative = l > 1 && network.dense(l - 1).activation() instanceof Activation.Relu;
            maps[l] = LayerMap.of(l, network.dense(l), nonNegative);
            if (options.method() == Method.LP_RELAXED && maps[l].leaky()) {
                throw new IllegalArgumentException("layer " + l + ": the relaxed LP (8) [003] is stated for ReLU;"
                        + " leaky_relu layers are inverted by exact, lp-linf or lp-l1");
            }
        }
        long t0 = System.nanoTime();
        List<LayerReport> reports = new ArrayList<>(depth);
        double eps = options.eps0();
        for (int l = depth; l >= 1; l--) {
            LayerReport r = switch (options.method()) {
                case EXACT -> LayerSolvers.exact(maps[l], x, options.activeThreshold());
                case LP_LINF -> options.search() == Search.BISECT && !maps[l].leaky()
                        ? LayerSolvers.linfBisect(maps[l], x, eps, options.growth(), options.maxSteps(), options.backend())
                        : LayerSolvers.linf(maps[l], x, eps, options.growth(), options.maxSteps(),
                                options.search() == Search.LITERAL ? Search.LITERAL : Search.SKIP, options.backend());
                case LP_L1 -> LayerSolvers.l1(maps[l], x, eps, options.growth(), options.maxSteps(), options.backend());
                case LP_RELAXED -> LayerSolvers.relaxed(maps[l], x, options.eps0(), options.backend());
            };
            reports.add(r);
            x = r.estimate();
            if (!Double.isNaN(r.epsilon()) && options.method() != Method.LP_RELAXED) {
                eps = r.epsilon();
            }
        }
        double[] z = x;
        double[] out = z;
        for (int l = 1; l <= depth; l++) {
            out = maps[l].apply(out);
        }
        double r2 = 0, rInf = 0, r1 = 0;
        for (int i = 0; i < out.length; i++) {
            double d = out[i] - y[i];
            r2 += d * d;
            rInf = Math.max(rInf, Math.abs(d));
            r1 += Math.abs(d);
        }
        return new LayerwiseResult(options.method(), options.backend().name(), z, List.copyOf(reports.reversed()), out,
                Math.sqrt(r2), rInf, r1, (System.nanoTime() - t0) * 1e-9);
    }
}
