package dev.netinvert.solvers.batch;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Prox;
import dev.netinvert.solvers.ConvergenceHistory;
import dev.netinvert.solvers.StepRules;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.lifted.LiftedCoordinateDescent;
import dev.netinvert.solvers.lifted.LiftedResult;
import dev.netinvert.solvers.lifted.PdhgTv;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.parallel.Parallelism;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The lifted coordinate descent of {@link LiftedCoordinateDescent} (eqs. (15)-(17) [000]) for many observations
 * of one dense network in lockstep. Within a block of B observations every outer iteration makes, for all its
 * active observations together, the same moves as the single solver:
 * <ul>
 *   <li>x₀: {@code innerIterations} warm-started PDHG steps, eq. (16) [000], against the targets X₁ (Y for one
 *       layer): {@link LockstepPdhgEngine}, one pass over W₁ per step for the whole block (two GEMMs);</li>
 *   <li>X_l, l = 1 … L−1, in order: eq. (17) [000] row by row,
 *       <pre>X_l ← prox_{τ/(1+τ)·Ψ_l}( (X_l − τ·(σ_{l+1}(X_l·W_{l+1}ᵀ + b_{l+1}) − X_{l+1})·W_{l+1} + τ·(X_{l−1}·W_lᵀ + b_l)) / (1 + τ) )</pre>
 *       with the three products as GEMMs over the active rows ({@link LockstepGradient} for layer l+1, and
 *       {@link Blas#gemmNT} for layer l), the affine combination and the prox with the single solver's kernels.</li>
 * </ul>
 * So every matrix is read once per outer iteration and inner step for the whole block instead of once per
 * observation. Each observation keeps the single solver's start (x₀ = 0, z = 0, x_l its forward pass), its
 * stopping rules (TOLERANCE when ‖x₀⁺ − x₀‖, ‖z⁺ − z‖ and every ‖x_l⁺ − x_l‖ are below tol after an outer
 * iteration; DIVERGED on a non-finite change or a blown-up lifted objective at a history sample;
 * MAX_ITERATIONS), its history samples and its result (objective, per-layer residuals and discrepancy at the
 * returned point, hidden variables, seconds up to its own stop). An observation that stops is frozen and
 * compacted out of the active set, in the PDHG engine and in every X_l alike.
 *
 * <p>Blocks of {@code batchSize} rows run in parallel (fork-join over blocks, {@link Blocks}); a block runs on
 * one thread and the partition depends only on the batch size, so the results are bit-identical for any thread
 * count. Agreement with {@link LiftedCoordinateDescent#solve}: every product is the single solver's GEMV
 * reassociated as a GEMM (each entry a few ulps of Σ|w_ij x_j| apart); the coordinate descent is a
 * non-expansive fixed-point iteration for these step sizes, so the iterates stay close (2e-7 to 1e-6 relative
 * measured on x₀; LockstepLiftedCoordinateDescentTest checks 1e-3), and the iteration count is the same or off by
 * one where the tolerance test compares a slowly decaying change with tol within rounding of it (3 of 108
 * solves measured, three networks and four option sets each).
 *
 * <p>Workspace per block: the PDHG engine's (5·B·n₀ floats), and 2·B·n_l for each hidden X_l, B·n_l for each
 * pre-activation and gradient; allocated once per block. The outer iteration allocates nothing.
 */
public final class LockstepLiftedCoordinateDescent {
    private LockstepLiftedCoordinateDescent() {}

    /**
     * Solves eq. (3) [000] for every row of {@code observations}.
     *
     * @param network      a dense network (every layer a {@link DenseLayer}), input the C×H×W image
     * @param observations {@code N × n_L}, one observation y^δ per row, inside the last activation's range (checked)
     * @param batchSize    observations per lockstep block (≥ 1); {@link LockstepDefaults#batchSize} picks one
     * @param par          threads: blocks run in its pool. With several threads, the network and the observations
     *                     must be readable from the pool's threads (a shared, auto or global arena)
     * @return the results in row order, as {@link LiftedCoordinateDescent#solve} would give them (threads = 1:
     *         each observation is solved on one thread)
     */
    public static List<LiftedResult> solve(Network network, FloatMatrix observations, int channels, int height,
                                           int width, LiftedCoordinateDescent.Options o, int batchSize, Parallelism par) {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(o, "options");
        List<DenseLayer> layers = network.denseLayers("lockstep lifted coordinate descent (its passes are GEMMs)");
        int depth = layers.size();
        int n0 = layers.get(0).weight().cols();
        if ((long) channels * height * width != n0) {
            throw new IllegalArgumentException("image shape " + channels + "×" + height + "×" + width + " has "
                    + (long) channels * height * width + " pixels but W_1 has " + n0 + " columns");
        }
        Blocks.checkObservations(layers.get(depth - 1), observations, batchSize);
        // step sizes as the single solver takes them: τx = 1.99/‖W₁‖², τz = 1/(8α), τ_l = 1.99/‖W_{l+1}‖²
        float tauX = (float) StepRules.gradient(layers.get(0).operatorNorm().value());
        float tauZ = (float) StepRules.pdhgDual(o.alpha());
        float[] tau = new float[depth];
        for (int l = 1; l < depth; l++) {
            tau[l] = (float) StepRules.gradient(layers.get(l).operatorNorm().value());
        }
        List<FloatMatrix> weights = layers.stream().map(DenseLayer::weight).toList();
        try (PackedWeights packed = new PackedWeights(weights, Math.min(batchSize, observations.rows()))) {
            return Blocks.run(observations, batchSize, par, block -> {
                try (Arena arena = Arena.ofShared()) {
                    Block b = new Block(arena, layers, packed, block.rows(), channels, height, width, o, tauX, tauZ,
                            tau);
                    return Arrays.asList(b.iterate(block, o));
                }
            });
        }
    }

    /** A matrix with its active-prefix views and row views, made once. */
    private static final class Batch {
        final FloatMatrix m;
        final FloatMatrix[] p;
        final FloatVec[] r;

        Batch(Arena arena, int rows, int cols) {
            m = FloatMatrix.allocatePadded(arena, rows, cols);
            p = Rows.prefixes(m);
            r = Rows.of(m);
        }
    }

    /** One block's workspace and its iteration. Slot s (row s of every matrix) holds one observation. */
    private static final class Block {
        final List<DenseLayer> layers;
        final int depth, cap;
        final LockstepPdhgEngine x0;
        /** x[l], next[l]: X_l and the scratch of its update, l = 1 … L−1 (swapped after each update). */
        final Batch[] x, next;
        /** pre[l] = X_{l−1}·W_lᵀ + b_l, l = 1 … L; grad[l] = (σ_{l+1}(X_l·W_{l+1}ᵀ + b_{l+1}) − X_{l+1})·W_{l+1}. */
        final Batch[] pre, grad;
        final Batch y;
        /** [l] for layer l+1, l = 1 … L−1. */
        final LockstepGradient[] nextGradient;
        final float[] tau;
        final FloatVec tmp;
        /** Per slot, this outer iteration: Σ over the inner steps of ‖x₀⁺ − x₀‖², ‖z⁺ − z‖², max_l ‖x_l⁺ − x_l‖². */
        final double[] dx0, dz0, hidden2, objective;
        final boolean[] stopped;

        /** @param packed the layers' weights, packed once for the solve ({@link PackedWeights}, by layer index) */
        Block(Arena arena, List<DenseLayer> layers, PackedWeights packed, int cap, int c, int h, int w,
              LiftedCoordinateDescent.Options o, float tauX, float tauZ, float[] tau) {
            this.layers = layers;
            this.depth = layers.size();
            this.cap = cap;
            this.tau = tau;
            x0 = new LockstepPdhgEngine(arena, layers.get(0), packed.get(0), cap, c, h, w,
                    o.tv() == PdhgTv.Tv.ISOTROPIC, (float) o.alpha(), tauX, tauZ);
            x = new Batch[depth];
            next = new Batch[depth];
            grad = new Batch[depth];
            pre = new Batch[depth + 1];
            nextGradient = new LockstepGradient[depth];
            int widest = 0;
            for (int l = 1; l <= depth; l++) {
                int nl = layers.get(l - 1).weight().rows();
                widest = Math.max(widest, nl);
                pre[l] = new Batch(arena, cap, nl);
                if (l < depth) {
                    x[l] = new Batch(arena, cap, nl);
                    next[l] = new Batch(arena, cap, nl);
                    grad[l] = new Batch(arena, cap, nl);
                    DenseLayer after = layers.get(l);
                    nextGradient[l] = new LockstepGradient(arena, after.activation(), packed.get(l), after.bias(),
                            cap);
                }
            }
            y = new Batch(arena, cap, layers.get(depth - 1).weight().rows());
            tmp = FloatVec.allocate(arena, widest);
            dx0 = new double[cap];
            dz0 = new double[cap];
            hidden2 = new double[cap];
            objective = new double[cap];
            stopped = new boolean[cap];
        }

        /** X_{l−1} of the first a slots: x₀'s iterate for l = 1. */
        FloatMatrix input(int l, int a) {
            return l == 1 ? x0.xRows(a) : x[l - 1].p[a];
        }

        /** The target of layer l, slot by slot: X_l, or Y for l = L. */
        FloatVec[] target(int l) {
            return l == depth ? y.r : x[l].r;
        }

        LiftedResult[] iterate(FloatMatrix block, LiftedCoordinateDescent.Options o) {
            for (int s = 0; s < cap; s++) {
                Rows.copy(block, s, y.m, s);
            }
            x0.start();
            // Start: X_l = σ_l(X_{l−1}·W_lᵀ + b_l) from x₀ = 0.
            for (int l = 1; l < depth; l++) {
                DenseLayer layer = layers.get(l - 1);
                Blas.gemmNT(1f, input(l, cap), layer.weight(), 0f, pre[l].p[cap], layer.bias());
                for (int s = 0; s < cap; s++) {
                    Prox.apply(layer.activation(), pre[l].r[s], x[l].r[s]);
                }
            }
            ConvergenceHistory[] history = new ConvergenceHistory[cap];
            for (int i = 0; i < cap; i++) {
                history[i] = new ConvergenceHistory(o.maxOuterIterations(), o.historyInterval());
            }
            double[] first = new double[cap], dx = new double[cap], dz = new double[cap], dh = new double[cap];
            double[] seconds = new double[cap];
            int[] iterations = new int[cap];
            StopReason[] stop = new StopReason[cap];
            Arrays.fill(first, Double.NaN);
            Arrays.fill(stop, StopReason.MAX_ITERATIONS);
            double tol2 = o.tol() * o.tol();
            long t0 = System.nanoTime();
            int t = 0;
            while (t < o.maxOuterIterations() && x0.active() > 0) {
                t++;
                int a = x0.active();
                // x₀-step: warm-started PDHG, eq. (16) [000], against X₁ (Y for one layer)
                Arrays.fill(dx0, 0, a, 0);
                Arrays.fill(dz0, 0, a, 0);
                for (int k = 0; k < o.innerIterations(); k++) {
                    x0.step(target(1));
                    for (int s = 0; s < a; s++) {
                        dx0[s] += x0.dx2[s];
                        dz0[s] += x0.dz2[s];
                    }
                }
                // hidden layers in order, eq. (17) [000]
                Arrays.fill(hidden2, 0, a, 0);
                for (int l = 1; l < depth; l++) {
                    hiddenStep(l, a);
                }
                boolean due = history[0].due(t), allFinite = true;
                for (int s = 0; s < a; s++) {
                    stopped[s] = !(Double.isFinite(dx0[s]) && Double.isFinite(dz0[s]) && Double.isFinite(hidden2[s]));
                    allFinite &= !stopped[s];
                }
                if (due || !allFinite) {
                    liftedObjective(a, null);
                }
                for (int s = 0; s < a; s++) {
                    int obs = x0.observation[s];
                    double dx2 = x0.dx2[s], dz2 = x0.dz2[s];
                    boolean finite = !stopped[s];
                    if (due || !finite) {
                        history[obs].record(t, objective[s], Math.sqrt(dx2), Math.sqrt(dz2), Math.sqrt(hidden2[s]));
                        if (Double.isNaN(first[obs])) {
                            first[obs] = objective[s];
                        } else if (!(objective[s] <= PdhgTv.BLOW_UP * Math.max(1.0, first[obs]))) {
                            finite = false;
                        }
                    }
                    if (!finite) {
                        stop[obs] = StopReason.DIVERGED;
                        stopped[s] = true;
                    } else if (dx2 < tol2 && dz2 < tol2 && hidden2[s] < tol2) {
                        stop[obs] = StopReason.TOLERANCE;
                        stopped[s] = true;
                    }
                    if (stopped[s] || t == o.maxOuterIterations()) {
                        iterations[obs] = t;
                        dx[obs] = Math.sqrt(dx2);
                        dz[obs] = Math.sqrt(dz2);
                        dh[obs] = Math.sqrt(hidden2[s]);
                        seconds[obs] = (System.nanoTime() - t0) / 1e9;
                    }
                }
                for (int s = a - 1; s >= 0; s--) {
                    if (stopped[s]) {
                        freeze(s);
                    }
                }
            }
            // The report describes the returned point: one more pass over every layer for all observations.
            double[][] residuals = new double[cap][depth];
            liftedObjective(cap, residuals);
            DenseLayer last = layers.get(depth - 1);
            LiftedResult[] out = new LiftedResult[cap];
            for (int s = 0; s < cap; s++) {
                int obs = x0.observation[s];
                history[obs].record(iterations[obs], objective[s], dx[obs], dz[obs], dh[obs]);
                // discrepancy of the last layer, ‖σ_L(PRE_L) − y^δ‖, with PRE_L fresh (its last use: σ_L in place)
                Prox.apply(last.activation(), pre[depth].r[s], pre[depth].r[s]);
                double discrepancy = Math.sqrt(Blas.distanceSquared(pre[depth].r[s], y.r[s]));
                List<float[]> hidden = new ArrayList<>(depth - 1);
                for (int l = 1; l < depth; l++) {
                    hidden.add(x[l].r[s].toArray());
                }
                out[obs] = new LiftedResult("lifted-cd", x0.x(s).values().toArray(), hidden, iterations[obs], stop[obs],
                        dx[obs], dz[obs], objective[s], discrepancy, residuals[s], history[obs], seconds[obs], 1);
            }
            return out;
        }

        /**
         * Eq. (17) [000] for hidden layer l and the first a slots; raises hidden2[s] to ‖x_l⁺ − x_l‖² where larger.
         * The per-row arithmetic is the single solver's, kernel for kernel, so that the rows differ from it only
         * through the products.
         */
        void hiddenStep(int l, int a) {
            DenseLayer layer = layers.get(l - 1);
            Activation sigma = layer.activation();
            float t = tau[l];
            Batch xl = x[l], u = next[l], g = grad[l], p = pre[l];
            // G = (σ_{l+1}(X_l·W_{l+1}ᵀ + b_{l+1}) − X_{l+1})·W_{l+1}: one pass over W_{l+1} for the block
            nextGradient[l].compute(xl.p[a], target(l + 1), g.p[a]);
            // PRE = X_{l−1}·W_lᵀ + b_l with X_{l−1} already updated
            Blas.gemmNT(1f, input(l, a), layer.weight(), 0f, p.p[a], layer.bias());
            for (int s = 0; s < a; s++) {
                // u = (x_l − τ·g + τ·pre) / (1 + τ), then x_l⁺ = prox_{τ/(1+τ)Ψ_l}(u)
                FloatVec us = u.r[s];
                Blas.copy(xl.r[s], us);
                Blas.axpy(-t, g.r[s], us);
                Blas.axpy(t, p.r[s], us);
                Blas.scale(1f / (1f + t), us);
                Prox.prox(sigma, t / (1f + t), us, us);
                hidden2[s] = Math.max(hidden2[s], Blas.distanceSquared(us, xl.r[s]));
            }
            // X_l ← U (swap): frozen rows hold the same values in both (freeze copies them)
            x[l] = u;
            next[l] = xl;
        }

        /**
         * objective[s] = Σ_l B_Ψl(x_l, W_l x_{l−1} + b_l) + α·TV(x₀) for the first a slots, refreshing PRE_l
         * (l = 1 … L); per-layer terms into {@code residuals[s]} when not null.
         */
        void liftedObjective(int a, double[][] residuals) {
            for (int l = 1; l <= depth; l++) {
                DenseLayer layer = layers.get(l - 1);
                Blas.gemmNT(1f, input(l, a), layer.weight(), 0f, pre[l].p[a], layer.bias());
            }
            for (int s = 0; s < a; s++) {
                double sum = x0.regulariser(s);
                for (int l = 1; l <= depth; l++) {
                    double b = Prox.bregmanLoss(layers.get(l - 1).activation(), target(l)[s], pre[l].r[s]);
                    if (residuals != null) {
                        residuals[s][l - 1] = b;
                    }
                    sum += b;
                }
                objective[s] = sum;
            }
        }

        /** Moves active slot s behind the active ones in every X_l, Y and the PDHG engine. */
        void freeze(int s) {
            int last = x0.active() - 1;
            for (int l = 1; l < depth; l++) {
                Rows.swap(x[l].m, s, last, tmp);
                Rows.copy(x[l].m, last, next[l].m, last); // the frozen x_l survives later X_l/U exchanges
            }
            Rows.swap(y.m, s, last, tmp);
            Rows.swap(dx0, s, last);
            Rows.swap(dz0, s, last);
            Rows.swap(hidden2, s, last);
            Rows.swap(objective, s, last);
            x0.freeze(s);
        }
    }
}
