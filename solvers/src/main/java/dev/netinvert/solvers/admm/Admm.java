package dev.netinvert.solvers.admm;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.IterationListener;
import dev.netinvert.solvers.OptionChecks;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.linalg.ConjugateGradient;
import dev.netinvert.solvers.linalg.GramSystem;
import dev.netinvert.solvers.network.Activations;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Layer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.Trace;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Network inversion by the alternating direction method of multipliers (Wong &amp; Kolter [004], sec. 2):
 * min_x ℓ(x, f(x)) for a feed-forward network f with layers zᵢ₊₁ = aᵢ(Wᵢzᵢ + bᵢ), i = 1…L (the paper's
 * k = L + 1 layer variables; z₁ = x, z_{L+1} = f(x)).
 *
 * <h2>The splitting</h2>
 * The network becomes constraints (eqs. (4)-(7)): zᵢ₊₁ = vᵢ, ṽᵢ = Wᵢzᵢ + bᵢ and (ṽᵢ, vᵢ) ∈ Aᵢ, the graph
 * of aᵢ. With scaled duals (ũᵢ, uᵢ) and penalty ρ &gt; 0 one iteration is
 * <pre>
 *   z_{L+1} = argmin g(z) + (ρ/2)‖z − v_L − u_L‖²                                   (8)  {@link OutputLoss#prox}
 *   zᵢ      = (I + WᵢᵀWᵢ)⁻¹ (vᵢ₋₁ + uᵢ₋₁ + Wᵢᵀ(ṽᵢ + ũᵢ − bᵢ)),   1 &lt; i ≤ L            (9)  {@link GramSystem}, μ = 1
 *   z₁      = argmin h(z) + (ρ/2)‖W₁z + b₁ − ṽ₁ − ũ₁‖²                               (10) GramSystem, μ = λ/ρ; or {@link BoxQp}
 *   (ṽᵢ, vᵢ) = P_{Aᵢ}(Wᵢzᵢ + bᵢ − ũᵢ, zᵢ₊₁ − uᵢ)                                    (11) {@link GraphProjection}
 *   (ũᵢ, uᵢ) += (ṽᵢ − (Wᵢzᵢ + bᵢ), vᵢ − zᵢ₊₁)                                        (12)
 * </pre>
 * for the separable loss ℓ = g(f(x)) + h(x), h = (λ/2)‖x − x̄‖² + ι_B ({@link InversionLoss}). The
 * z₁-step divides (10) by ρ: (μI + W₁ᵀW₁) z₁ = μx̄ + W₁ᵀ(ṽ₁ + ũ₁ − b₁) with μ = λ/ρ, a box making it the
 * bound-constrained QP of {@link BoxQp} (for a non-dense first layer, a convolution, solved by FISTA on the operator,
 * {@link OperatorBoxQp}, to {@code innerTolerance} within {@code boxMaxIterations}). Every Gram matrix μI + WᵀW is factored once, before the loop
 * (Cholesky of the n×n matrix, or of μI + WWᵀ by Woodbury's identity when the layer is wide); the loop
 * applies triangular solves only.
 *
 * <h2>Orderings (Fig. 1 [004])</h2>
 * The variables are swept in one of the {@link Order}s; the duals (12) are updated once per iteration,
 * after the sweep, from the newest values. Each zᵢ is updated once per iteration in every order.
 *
 * <h2>Initialisation (sec. 2.2)</h2>
 * From the forward pass of the start x⁰ (projected into the box): z₁ = x⁰, ṽᵢ = Wᵢzᵢ + bᵢ,
 * vᵢ = zᵢ₊₁ = aᵢ(ṽᵢ), duals 0, so every constraint holds at the start (primal residual 0).
 *
 * <h2>Residuals and stopping (Boyd et al. 2011, sec. 3.3)</h2>
 * The primal residual is r = √(Σᵢ ‖ṽᵢ − (Wᵢzᵢ + bᵢ)‖² + ‖vᵢ − zᵢ₊₁‖²) (exactly the dual increments of (12)).
 * Taking (ṽ, v) as ADMM's first block and z as its second, the dual residual is
 * s = ρ‖AᵀBΔz‖ = ρ·√(Σᵢ ‖WᵢΔzᵢ‖² + ‖Δzᵢ₊₁‖²), Δ the change over the iteration; both products Wᵢzᵢ are
 * kept from the updates, so s costs no matrix product. The solve stops with {@link StopReason#TOLERANCE}
 * when r ≤ √P·ε_abs + ε_rel·max(‖(ṽ, v)‖, ‖(Wz + b, z₂…)‖) and s ≤ √P·ε_abs + ε_rel·ρ‖(ũ, u)‖
 * (P = 2Σᵢ nᵢ constraints), with {@link StopReason#DIVERGED} when a residual or the objective is not finite
 * or r exceeds {@code divergenceFactor}·(1 + ‖(ṽ, v)‖ at the start), and otherwise after maxIterations. The
 * objective reported is ℓ(z₁, f(z₁)) at a <em>true</em> forward pass of z₁, not ADMM's ℓ(z₁, z_{L+1}).
 *
 * <h2>Cost</h2>
 * Per layer and iteration: one GEMVᵀ (Wᵀq), one GEMV (Wz, or W p for the Woodbury form, whose W z then
 * comes free as q + μs) and two triangular solves of order min(n_in, n_out); the forward and backward
 * passes of backpropagation are one GEMV and one GEMVᵀ. Nothing is allocated in the loop.
 */
public final class Admm {
    private Admm() {}

    /** The order in which one iteration visits the layer variables (Fig. 1 [004]). */
    public enum Order {
        /**
         * z_{L+1}, (ṽ_L, v_L), z_L, …, (ṽ₁, v₁), z₁: the output's pull travels down the network within one
         * iteration (the paper's choice: "the backward pass was most effective").
         */
        BACKWARD,
        /** z₁, (ṽ₁, v₁), z₂, …, (ṽ_L, v_L), z_{L+1}. */
        FORWARD,
        /** FORWARD on odd iterations, BACKWARD on even ones ("mimics backpropagation"; worst in the paper). */
        ALTERNATING,
        /**
         * Classical two-block ADMM: every z (from the old ṽ, v), then every (ṽ, v) (from the new z), the
         * order of Boyd et al.; not in the paper, kept as the textbook reference point.
         */
        JACOBI;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The order named by {@link #label()}. */
        public static Order parse(String s) {
            for (Order o : values()) {
                if (o.label().equals(s.trim().toLowerCase(Locale.ROOT))) {
                    return o;
                }
            }
            throw new IllegalArgumentException("order must be backward, forward, alternating or jacobi, got '" + s + "'");
        }
    }

    /**
     * Build with {@link #builder()}; every field is checked here.
     *
     * @param rho              the penalty ρ &gt; 0
     * @param order            the sweep order
     * @param maxIterations    iteration budget ≥ 1
     * @param absoluteTol      ε_abs ≥ 0 of the residual tests
     * @param relativeTol      ε_rel ≥ 0 of the residual tests
     * @param divergenceFactor r beyond this many times (1 + ‖(ṽ, v)‖₀) stops with DIVERGED (&gt; 1)
     * @param historyInterval  record the objective (one forward pass) and residuals every this many iterations
     * @param boxTolerance     the z₁ box QP's tolerance on ‖z − P(z − ∇)‖∞ (&gt; 0; dense first layer)
     * @param boxMaxIterations the z₁ box QP's iteration cap ≥ 1 (projected Newton for a dense first layer, FISTA for a
     *                         convolution, whose tolerance is innerTolerance relative to ‖μx̄ + Aᵀq‖)
     * @param innerTolerance   relative residual of the conjugate gradients that solve the z-updates of non-dense
     *                         layers (convolutions), in (0, 1); warm-started, so each ADMM iteration refines the last
     * @param innerMaxIterations their iteration cap ≥ 1
     */
    public record Options(double rho, Order order, int maxIterations, double absoluteTol, double relativeTol,
                          double divergenceFactor, int historyInterval, double boxTolerance, int boxMaxIterations,
                          double innerTolerance, int innerMaxIterations) {
        public Options {
            OptionChecks.positive("rho", rho);
            OptionChecks.present("order", order);
            OptionChecks.atLeast("maxIterations", maxIterations, 1);
            OptionChecks.nonNegative("absoluteTol", absoluteTol);
            OptionChecks.nonNegative("relativeTol", relativeTol);
            if (!(divergenceFactor > 1)) {
                throw new IllegalArgumentException("divergenceFactor must be > 1, got " + divergenceFactor);
            }
            OptionChecks.atLeast("historyInterval", historyInterval, 1);
            OptionChecks.positive("boxTolerance", boxTolerance);
            OptionChecks.atLeast("boxMaxIterations", boxMaxIterations, 1);
            if (!(innerTolerance > 0 && innerTolerance < 1)) {
                throw new IllegalArgumentException("innerTolerance must lie in (0, 1), got " + innerTolerance);
            }
            OptionChecks.atLeast("innerMaxIterations", innerMaxIterations, 1);
        }

        /** The conjugate gradients' options for non-dense layers. */
        public ConjugateGradient.Options innerSolve() {
            return new ConjugateGradient.Options(innerTolerance, innerMaxIterations);
        }

        /** ρ = 1, backward order, 1000 iterations, ε_abs = 1e-5, ε_rel = 1e-4, history every iteration. */
        public static Options defaults() {
            return builder().build();
        }

        public static Builder builder() {
            return new Builder();
        }

        public Builder toBuilder() {
            return builder().rho(rho).order(order).maxIterations(maxIterations).absoluteTol(absoluteTol)
                    .relativeTol(relativeTol).divergenceFactor(divergenceFactor).historyInterval(historyInterval)
                    .boxTolerance(boxTolerance).boxMaxIterations(boxMaxIterations).innerTolerance(innerTolerance)
                    .innerMaxIterations(innerMaxIterations);
        }

        /** Named setters; the initial values are the defaults, written here only. */
        public static final class Builder {
            private double rho = 1;
            public Builder rho(double value) { rho = value; return this; }
            private Order order = Order.BACKWARD;
            public Builder order(Order value) { order = value; return this; }
            private int maxIterations = 1000;
            public Builder maxIterations(int value) { maxIterations = value; return this; }
            private double absoluteTol = 1e-5;
            public Builder absoluteTol(double value) { absoluteTol = value; return this; }
            private double relativeTol = 1e-4;
            public Builder relativeTol(double value) { relativeTol = value; return this; }
            private double divergenceFactor = 1e6;
            public Builder divergenceFactor(double value) { divergenceFactor = value; return this; }
            private int historyInterval = 1;
            public Builder historyInterval(int value) { historyInterval = value; return this; }
            private double boxTolerance = 1e-9;
            public Builder boxTolerance(double value) { boxTolerance = value; return this; }
            private int boxMaxIterations = 200;
            public Builder boxMaxIterations(int value) { boxMaxIterations = value; return this; }
            private double innerTolerance = 1e-6;
            public Builder innerTolerance(double value) { innerTolerance = value; return this; }
            private int innerMaxIterations = 500;
            public Builder innerMaxIterations(int value) { innerMaxIterations = value; return this; }

            private Builder() {}

            public Options build() {
                return new Options(rho, order, maxIterations, absoluteTol, relativeTol, divergenceFactor, historyInterval,
                        boxTolerance, boxMaxIterations, innerTolerance, innerMaxIterations);
            }
        }
    }

    /** {@link #solve(Network, InversionLoss, FloatVec, Options, IterationListener)} without a listener. */
    public static AdmmResult solve(Network network, InversionLoss loss, FloatVec start, Options options) {
        return solve(network, loss, start, options, IterationListener.NONE);
    }

    /**
     * Inverts {@code network} for {@code loss} from {@code start}.
     *
     * @param start x⁰, n₀ finite values (projected into the box when there is one); null for x̄ (or 0)
     * @throws IllegalArgumentException on wrong shapes, non-finite values, a loss unbounded below, or a
     *                                  singular z₁ system (λ = 0 with W₁ of deficient rank)
     */
    public static AdmmResult solve(Network network, InversionLoss loss, FloatVec start, Options options,
                                   IterationListener listener) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(listener, "listener");
        long t0 = System.nanoTime();
        try (Arena arena = Arena.ofShared()) {
            Engine e = new Engine(network.forSolve(arena), loss, options, arena); // the same bits, faster GEMVs
            e.reset(start);
            History history = new History(options.maxIterations(), options.historyInterval());
            history.record(0, e.objective(), 0, 0, Double.NaN);
            long t1 = System.nanoTime();
            StopReason reason = StopReason.MAX_ITERATIONS;
            int k = 0;
            while (k < options.maxIterations()) {
                e.iterate();
                k++;
                boolean due = history.due(k);
                double obj = due ? e.objective() : 0;
                if (due) {
                    history.record(k, obj, e.primalResidual(), e.dualResidual(), Double.NaN);
                }
                if (k % listener.every() == 0) {
                    listener.onIteration(k, options.maxIterations());
                }
                if (e.diverged() || !Double.isFinite(obj)) {
                    reason = StopReason.DIVERGED;
                    break;
                }
                if (e.converged()) {
                    reason = StopReason.TOLERANCE;
                    break;
                }
            }
            long t2 = System.nanoTime();
            double obj = e.objective();
            history.record(k, obj, e.primalResidual(), e.dualResidual(), Double.NaN);
            List<String> updates = new ArrayList<>(e.layerUpdates());
            long[] inner = e.innerIterations();
            for (int i = 1; i < inner.length; i++) {
                if (inner[i] > 0) {
                    updates.add(String.format(Locale.ROOT, "z%d: %d %s iterations in all, %.1f per ADMM iteration", i, inner[i],
                            i == 1 && e.boxedByFista() ? "FISTA" : "conjugate-gradient", k == 0 ? 0.0 : (double) inner[i] / k));
                }
            }
            return new AdmmResult("admm", e.input().toArray(), e.forwardOutput().toArray(), k, reason, obj, e.outputTerm,
                    e.inputTerm, e.primalResidual(), e.dualResidual(), e.layerResiduals(), Double.NaN, updates,
                    history, (t1 - t0) * 1e-9, (t2 - t1) * 1e-9);
        }
    }

    /**
     * The iteration's state and workspace, allocated once in an arena the caller owns: {@link #reset} from
     * a start, then {@link #iterate()} as often as wanted. Exposed for benchmarks and tests; not thread-safe.
     */
    public static final class Engine {
        private final Network net;
        private final InversionLoss loss;
        private final Options opt;
        private final int depth;
        private final Layer[] layer;
        private final FloatVec[] bias;
        private final Activation[] act;
        /** z[i], i = 1 … L+1: current values; zOld[i] for i ≥ 2: the other buffer (the previous iterate after a sweep). */
        private final FloatVec[] z, zOld;
        /** wz[i] = Wᵢzᵢ (no bias) for the current zᵢ; wzOld[i] the other buffer. */
        private final FloatVec[] wz, wzOld;
        private final FloatVec[] vt, v, ut, u;
        /** pIn[i]: n_{i−1} scratch for vᵢ₋₁ + uᵢ₋₁; qOut[i]: nᵢ scratch for ṽᵢ + ũᵢ − bᵢ and Wᵢzᵢ + bᵢ. */
        private final FloatVec[] pIn, qOut;
        private final FloatVec cOut, center;
        private final LayerGram[] gram;
        private final BoxQp boxQp;
        /** The box QP of a non-dense first layer (a convolution), by FISTA on the operator. */
        private final OperatorBoxQp operatorBoxQp;
        private final double[] proxWork;
        private final double[] layerSq;
        private final Trace trace;
        private final List<String> updates = new ArrayList<>();
        private final double sqrtP;
        private int iteration;
        private double primalSq, dualSq, constraintNormSq, valueNormSq, dualVarNormSq, startScale;
        double outputTerm, inputTerm;

        /**
         * Validates the problem and factors every layer's Gram matrix.
         *
         * @param arena where the workspace and the factors live (the caller closes it)
         */
        public Engine(Network network, InversionLoss loss, Options options, Arena arena) {
            this.net = Objects.requireNonNull(network, "network");
            this.loss = Objects.requireNonNull(loss, "loss");
            this.opt = Objects.requireNonNull(options, "options");
            Objects.requireNonNull(arena, "arena");
            loss.check(network.inputSize(), network.outputSize());
            depth = network.depth();
            int l1 = depth + 1, l2 = depth + 2;
            layer = new Layer[l1];
            bias = new FloatVec[l1];
            act = new Activation[l1];
            z = new FloatVec[l2];
            zOld = new FloatVec[l2];
            wz = new FloatVec[l1];
            wzOld = new FloatVec[l1];
            vt = new FloatVec[l1];
            v = new FloatVec[l1];
            ut = new FloatVec[l1];
            u = new FloatVec[l1];
            pIn = new FloatVec[l1];
            qOut = new FloatVec[l1];
            gram = new LayerGram[l1];
            layerSq = new double[l1];
            long constraints = 0;
            z[1] = FloatVec.allocate(arena, network.inputSize());
            for (int i = 1; i <= depth; i++) {
                Layer li = network.layer(i);
                layer[i] = li;
                bias[i] = li.bias() == null ? null : expandBias(li, arena);
                act[i] = li.activation();
                int n = li.outputs();
                constraints += 2L * n;
                z[i + 1] = FloatVec.allocate(arena, n);
                zOld[i + 1] = FloatVec.allocate(arena, n);
                wz[i] = FloatVec.allocate(arena, n);
                wzOld[i] = FloatVec.allocate(arena, n);
                vt[i] = FloatVec.allocate(arena, n);
                v[i] = FloatVec.allocate(arena, n);
                ut[i] = FloatVec.allocate(arena, n);
                u[i] = FloatVec.allocate(arena, n);
                pIn[i] = FloatVec.allocate(arena, li.inputs());
                qOut[i] = FloatVec.allocate(arena, n);
            }
            sqrtP = Math.sqrt(constraints);
            cOut = FloatVec.allocate(arena, network.outputSize());
            center = loss.center() != null ? loss.center() : FloatVec.allocate(arena, network.inputSize());
            proxWork = new double[Math.max(1, loss.output().workSize(network.outputSize()))];
            double mu = loss.lambda() / options.rho();
            if (loss.box() != null && layer[1] instanceof DenseLayer first) {
                boxQp = BoxQp.of(first.weight(), mu);
                operatorBoxQp = null;
                updates.add(String.format(Locale.ROOT, "z1: box QP (projected Newton), mu = lambda/rho = %.6g", mu));
            } else if (loss.box() != null) {
                boxQp = null;
                if (!layer[1].linear()) {
                    throw new IllegalArgumentException("a box on the input needs a linear first layer (the box QP of eq. (10)), "
                            + "but layer 1 is " + layer[1].kind() + "; drop the box or use pgd");
                }
                operatorBoxQp = new OperatorBoxQp(layer[1], mu, arena);
                updates.add(operatorBoxQp.describe());
            } else {
                boxQp = null;
                operatorBoxQp = null;
                gram[1] = factor(1, mu, arena);
            }
            for (int i = 2; i <= depth; i++) {
                gram[i] = factor(i, 1, arena);
            }
            updates.add("z" + (depth + 1) + ": prox of " + loss.output().label() + ", eq. (8)");
            trace = network.newTrace(arena, false);
        }

        private LayerGram factor(int i, double mu, Arena arena) {
            LayerGram g;
            try {
                g = LayerGram.of(layer[i], mu, opt.innerSolve(), arena);
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("layer " + i + ": " + ex.getMessage(), ex);
            }
            updates.add(g.describe(i));
            return g;
        }

        /**
         * A layer's bias as one value per output: itself for a dense layer, broadcast over each channel's pixels for an
         * image layer (whose bias has one value per output channel). Copied once, at set-up.
         */
        private static FloatVec expandBias(Layer li, Arena arena) {
            FloatVec b = li.bias();
            if (b.length() == li.outputs()) {
                return b;
            }
            FloatVec full = FloatVec.allocate(arena, li.outputs());
            int per = li.outputs() / b.length();
            for (int i = 0; i < li.outputs(); i++) {
                full.set(i, b.get(i / per));
            }
            return full;
        }

        /** Inner (CG) iterations per layer summed over all z-updates so far, index i = 1 … L (0 for direct solves). */
        public long[] innerIterations() {
            long[] n = new long[depth + 1];
            for (int i = 1; i <= depth; i++) {
                n[i] = gram[i] == null ? 0 : gram[i].innerIterations();
            }
            if (operatorBoxQp != null) {
                n[1] = operatorBoxQp.innerIterations();
            }
            return n;
        }

        /** Whether the boxed z₁-update runs FISTA on a non-dense first layer ({@link OperatorBoxQp}). */
        boolean boxedByFista() {
            return operatorBoxQp != null;
        }

        /** How each z-update is solved, for reports. */
        public List<String> layerUpdates() {
            return List.copyOf(updates);
        }

        /**
         * Initialises every variable from the forward pass of {@code start} (null: x̄, or 0), projected into
         * the box; the duals are set to 0. All constraints then hold.
         */
        public void reset(FloatVec start) {
            int n0 = net.inputSize();
            if (start == null) {
                Blas.copy(center, z[1]);
            } else {
                if (start.length() != n0) {
                    throw new IllegalArgumentException("start: expected length " + n0 + " (the network's input size n_0), got "
                            + start.length());
                }
                for (int j = 0; j < n0; j++) {
                    if (!Float.isFinite(start.get(j))) {
                        throw new IllegalArgumentException("start: expected finite values, got " + start.get(j) + " at index " + j);
                    }
                }
                Blas.copy(start, z[1]);
            }
            if (loss.box() != null) {
                loss.box().project(z[1]);
            }
            double scale = 0;
            for (int i = 1; i <= depth; i++) {
                layer[i].apply(z[i], wz[i], null);
                Blas.copy(wz[i], wzOld[i]);
                Blas.copy(wz[i], vt[i]);
                if (bias[i] != null) {
                    Blas.axpy(1f, bias[i], vt[i]);
                }
                Activations.apply(act[i], vt[i], v[i]);
                Blas.copy(v[i], z[i + 1]);
                Blas.copy(v[i], zOld[i + 1]);
                Blas.fill(ut[i], 0f);
                Blas.fill(u[i], 0f);
                scale += sumSq(vt[i]) + sumSq(v[i]);
                layerSq[i] = 0;
            }
            startScale = Math.sqrt(scale);
            primalSq = dualSq = 0;
            iteration = 0;
        }

        /** One ADMM iteration in the configured order, then the duals (12) and the residuals. */
        public void iterate() {
            iteration++;
            Order o = opt.order();
            if (o == Order.ALTERNATING) {
                o = iteration % 2 == 1 ? Order.FORWARD : Order.BACKWARD;
            }
            switch (o) {
                case BACKWARD -> {
                    updateOutput();
                    for (int i = depth; i >= 1; i--) {
                        project(i);
                        updateInputOf(i);
                    }
                }
                case FORWARD -> {
                    for (int i = 1; i <= depth; i++) {
                        updateInputOf(i);
                        project(i);
                    }
                    updateOutput();
                }
                case JACOBI -> {
                    updateOutput();
                    for (int i = depth; i >= 1; i--) {
                        updateInputOf(i);
                    }
                    for (int i = 1; i <= depth; i++) {
                        project(i);
                    }
                }
                default -> throw new AssertionError(o);
            }
            updateDuals();
        }

        /** z_{L+1} by eq. (8). */
        private void updateOutput() {
            Blas.copy(v[depth], cOut);
            Blas.axpy(1f, u[depth], cOut);
            loss.output().prox(opt.rho(), cOut, zOld[depth + 1], proxWork);
            swapZ(depth + 1);
        }

        /** zᵢ, the input of layer i: eq. (9) for i ≥ 2, eq. (10) for i = 1. */
        private void updateInputOf(int i) {
            FloatVec q = qOut[i];
            Blas.copy(vt[i], q);
            Blas.axpy(1f, ut[i], q);
            if (bias[i] != null) {
                Blas.axpy(-1f, bias[i], q);
            }
            if (i >= 2) {
                FloatVec p = pIn[i];
                Blas.copy(v[i - 1], p);
                Blas.axpy(1f, u[i - 1], p);
                if (gram[i] instanceof LayerGram.Iterative) {
                    Blas.copy(z[i], zOld[i]); // the warm start of the CG
                }
                gram[i].solve(p, q, zOld[i], wzOld[i]);
                swapZ(i);
            } else if (boxQp != null) {
                boxQp.solve(center, q, loss.box(), z[1], opt.boxTolerance(), opt.boxMaxIterations());
                layer[1].apply(z[1], wzOld[1], null);
            } else if (operatorBoxQp != null) {
                operatorBoxQp.solve(center, q, loss.box(), z[1], wzOld[1], opt.innerTolerance(), opt.boxMaxIterations());
            } else {
                gram[1].solve(center, q, z[1], wzOld[1]);
            }
            FloatVec t = wz[i];
            wz[i] = wzOld[i];
            wzOld[i] = t;
        }

        private void swapZ(int i) {
            FloatVec t = z[i];
            z[i] = zOld[i];
            zOld[i] = t;
        }

        /** (ṽᵢ, vᵢ) by eq. (11). */
        private void project(int i) {
            Blas.copy(wz[i], vt[i]);
            if (bias[i] != null) {
                Blas.axpy(1f, bias[i], vt[i]);
            }
            Blas.axpy(-1f, ut[i], vt[i]);
            Blas.copy(z[i + 1], v[i]);
            Blas.axpy(-1f, u[i], v[i]);
            GraphProjection.project(act[i], vt[i], v[i]);
        }

        /** Eq. (12), and the residuals and norms of the stopping test. */
        private void updateDuals() {
            double pr = 0, du = 0, cons = 0, vals = 0, duals = 0;
            for (int i = 1; i <= depth; i++) {
                FloatVec q = qOut[i]; // Wᵢzᵢ + bᵢ
                Blas.copy(wz[i], q);
                if (bias[i] != null) {
                    Blas.axpy(1f, bias[i], q);
                }
                double r1 = Blas.distanceSquared(vt[i], q), r2 = Blas.distanceSquared(v[i], z[i + 1]);
                Blas.axpy(1f, vt[i], ut[i]);
                Blas.axpy(-1f, q, ut[i]);
                Blas.axpy(1f, v[i], u[i]);
                Blas.axpy(-1f, z[i + 1], u[i]);
                layerSq[i] = r1 + r2;
                pr += r1 + r2;
                du += Blas.distanceSquared(wz[i], wzOld[i]) + Blas.distanceSquared(z[i + 1], zOld[i + 1]);
                cons += sumSq(q) + sumSq(z[i + 1]);
                vals += sumSq(vt[i]) + sumSq(v[i]);
                duals += sumSq(ut[i]) + sumSq(u[i]);
            }
            primalSq = pr;
            dualSq = opt.rho() * opt.rho() * du;
            constraintNormSq = cons;
            valueNormSq = vals;
            dualVarNormSq = opt.rho() * opt.rho() * duals;
        }

        private static double sumSq(FloatVec x) {
            return Blas.sumOfSquares(x);
        }

        /** r after the last iteration (0 after {@link #reset}). */
        public double primalResidual() {
            return Math.sqrt(primalSq);
        }

        /** s of the last iteration. */
        public double dualResidual() {
            return Math.sqrt(dualSq);
        }

        /** Per layer √(‖ṽᵢ − (Wᵢzᵢ + bᵢ)‖² + ‖vᵢ − zᵢ₊₁‖²), i = 1 … L. */
        public double[] layerResiduals() {
            double[] r = new double[depth];
            for (int i = 1; i <= depth; i++) {
                r[i - 1] = Math.sqrt(layerSq[i]);
            }
            return r;
        }

        /**
         * Σᵢ ‖ṽᵢ − (Wᵢzᵢ + bᵢ)‖² + ‖vᵢ − zᵢ₊₁‖², recomputed from the current variables with fresh products Wᵢzᵢ
         * (not from the bookkeeping of the iteration): 0 after {@link #reset}, and r² after an iteration.
         * For tests and diagnostics; overwrites scratch, so not for use between a sweep's steps.
         */
        public double constraintViolation() {
            double sum = 0;
            for (int i = 1; i <= depth; i++) {
                FloatVec q = qOut[i];
                layer[i].apply(z[i], q, null);
                if (bias[i] != null) {
                    Blas.axpy(1f, bias[i], q);
                }
                sum += Blas.distanceSquared(vt[i], q) + Blas.distanceSquared(v[i], z[i + 1]);
            }
            return sum;
        }

        /** z_{L+1}, ADMM's copy of the output (a view into the workspace). */
        public FloatVec outputVariable() {
            return z[depth + 1];
        }

        /** Both residual tests of the class comment hold. */
        public boolean converged() {
            double epsPri = sqrtP * opt.absoluteTol() + opt.relativeTol() * Math.sqrt(Math.max(valueNormSq, constraintNormSq));
            double epsDual = sqrtP * opt.absoluteTol() + opt.relativeTol() * Math.sqrt(dualVarNormSq);
            return iteration > 0 && primalResidual() <= epsPri && dualResidual() <= epsDual;
        }

        /** A residual is not finite, or r exceeds divergenceFactor·(1 + ‖(ṽ, v)‖ at the start). */
        public boolean diverged() {
            double r = primalResidual(), s = dualResidual();
            return !Double.isFinite(r) || !Double.isFinite(s) || r > opt.divergenceFactor() * (1 + startScale);
        }

        /** z₁, the current input (a view into the workspace). */
        public FloatVec input() {
            return z[1];
        }

        /** f(z₁) of the last {@link #objective()} (a view into the trace). */
        FloatVec forwardOutput() {
            return net.forward(z[1], trace);
        }

        /** ℓ(z₁, f(z₁)) by a true forward pass of z₁ (one GEMV per layer); sets outputTerm and inputTerm. */
        public double objective() {
            FloatVec out = net.forward(z[1], trace);
            outputTerm = loss.output().value(out);
            inputTerm = loss.inputTerm(z[1]);
            return outputTerm + inputTerm;
        }
    }
}
