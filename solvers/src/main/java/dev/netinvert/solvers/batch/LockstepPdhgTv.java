package dev.netinvert.solvers.batch;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.Prox;
import dev.netinvert.solvers.ConvergenceHistory;
import dev.netinvert.solvers.PdhgSteps;
import dev.netinvert.solvers.StepRules;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.lifted.LiftedResult;
import dev.netinvert.solvers.lifted.PdhgTv;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.parallel.Parallelism;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * PDHG-TV, eq. (14) [000], for many observations in lockstep: the rows of {@code observations} are split into
 * blocks of {@code batchSize}, and within a block every iteration serves all still-active observations with
 * one pass over W ({@link LockstepPdhgEngine}). Blocks run in parallel (fork-join over blocks of
 * observations); the partition depends only on the batch size, never on the number of threads, and a block
 * runs on one thread, so the results are bit-identical for any thread count.
 *
 * <p>Each observation keeps the stopping rules of {@link PdhgTv#solve}: TOLERANCE when ‖x⁺ − x‖ and ‖z⁺ − z‖ are
 * both below tol, GAP (with a gap stop), DIVERGED, or MAX_ITERATIONS; its history is sampled at the same
 * iterations, and its result (objective, residual and gap at the returned x) is computed the same way. An
 * observation that stops is frozen and compacted out of the active set.
 *
 * <p>Agreement with the single solver: not bit-identical, because the data term comes from two GEMMs instead
 * of the fused GEMV, which sum in a different order (a few ulps of Σ|w_ij x_j| per entry). PDHG damps such
 * perturbations, so the iterates stay within about 1e-4 relative of the single solve's
 * (LockstepPdhgTvTest checks 1e-3 on x and ±2 % + 2 on the iteration count).
 */
public final class LockstepPdhgTv {
    private LockstepPdhgTv() {}

    /**
     * Solves eq. (11) [000] for every row of {@code observations}.
     *
     * @param layer        the perceptron σ(Wx + b), W {@code m × n}
     * @param observations {@code N × m}, one observation y^δ per row, inside σ's range (checked)
     * @param batchSize    observations per lockstep block (≥ 1); {@link LockstepDefaults#BATCH_SIZE} is measured
     * @param par          threads: blocks run in its pool. With several threads, W and the observations must be
     *                     readable from the pool's threads (a shared, auto or global arena)
     * @return the results in row order, as {@link PdhgTv#solve} would give them
     */
    public static List<LiftedResult> solve(DenseLayer layer, FloatMatrix observations, int channels, int height,
                                           int width, PdhgTv.Options o, int batchSize, Parallelism par) {
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(o, "options");
        FloatMatrix w = layer.weight();
        if ((long) channels * height * width != w.cols()) {
            throw new IllegalArgumentException("image shape " + channels + "×" + height + "×" + width + " has "
                    + (long) channels * height * width + " pixels but W has " + w.cols() + " columns");
        }
        Blocks.checkObservations(layer, observations, batchSize);
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
        float fx = (float) tauX, fz = (float) tauZ;
        try (PackedWeights packed = new PackedWeights(List.of(layer.weight()), Math.min(batchSize, observations.rows()))) {
            return Blocks.run(observations, batchSize, par, block -> {
                try (Arena arena = Arena.ofShared()) {
                    LockstepPdhgEngine e = new LockstepPdhgEngine(arena, layer, packed.get(0), block.rows(), channels,
                            height, width, o.tv() == PdhgTv.Tv.ISOTROPIC, (float) o.alpha(), fx, fz);
                    e.load(block);
                    LiftedResult[] out = new LiftedResult[block.rows()];
                    iterate(e, o, out);
                    return Arrays.asList(out);
                }
            });
        }
    }

    /** The loop of {@link PdhgTv}'s iterate, per slot, with one shared iteration counter k. */
    static void iterate(LockstepPdhgEngine e, PdhgTv.Options o, LiftedResult[] out) {
        int cap = e.capacity();
        ConvergenceHistory[] history = new ConvergenceHistory[cap];
        for (int i = 0; i < cap; i++) {
            history[i] = new ConvergenceHistory(o.maxIterations(), o.historyInterval());
        }
        double[] first = new double[cap], regulariser = new double[cap], objective = new double[cap], dx = new double[cap], dz = new double[cap];
        double[] seconds = new double[cap];
        int[] iterations = new int[cap];
        StopReason[] stop = new StopReason[cap];
        Arrays.fill(first, Double.NaN);
        Arrays.fill(stop, StopReason.MAX_ITERATIONS);
        boolean[] stopped = new boolean[cap];
        double tol2 = o.tol() * o.tol();
        long t0 = System.nanoTime();
        int k = 0;
        while (k < o.maxIterations() && e.active() > 0) {
            k++;
            int a = e.active();
            boolean sample = history[0].due(k);
            if (sample) {
                for (int s = 0; s < a; s++) {
                    regulariser[s] = e.regulariser(s); // TV of the x this step starts from
                }
            }
            e.step();
            if (sample) {
                for (int s = 0; s < a; s++) {
                    // objective at the x the step started from: PRE is still that of the step
                    objective[s] = Prox.bregmanLoss(e.sigma, e.tRows[s], e.gradient.pre(s)) + regulariser[s];
                }
                e.refresh(); // the gap certifies the pair (x⁺, z⁺): one more pass over W for all active slots
            }
            for (int s = 0; s < a; s++) {
                int obs = e.observation[s];
                stopped[s] = false;
                double dx2 = e.dx2[s], dz2 = e.dz2[s], r2 = e.r2Before[s];
                if (sample) {
                    double gap = e.gap(s, o.gapRadius());
                    history[obs].record(k, objective[s], Math.sqrt(dx2), Math.sqrt(dz2), Math.sqrt(r2), gap);
                    if (o.gapStop() > 0 && gap <= o.gapStop() * Math.max(1,
                            Prox.bregmanLoss(e.sigma, e.tRows[s], e.gradient.pre(s)) + e.regulariser(s))) {
                        stop[obs] = StopReason.GAP;
                        stopped[s] = true;
                    } else if (Double.isNaN(first[obs])) {
                        first[obs] = objective[s];
                    } else if (!(objective[s] <= PdhgTv.BLOW_UP * Math.max(1.0, first[obs]))) {
                        stop[obs] = StopReason.DIVERGED;
                        stopped[s] = true;
                    }
                }
                if (!stopped[s]) {
                    if (!Double.isFinite(dx2) || !Double.isFinite(dz2) || !Double.isFinite(r2)) {
                        stop[obs] = StopReason.DIVERGED;
                        stopped[s] = true;
                    } else if (dx2 < tol2 && dz2 < tol2) {
                        stop[obs] = StopReason.TOLERANCE;
                        stopped[s] = true;
                    }
                }
                if (stopped[s] || k == o.maxIterations()) {
                    iterations[obs] = k;
                    dx[obs] = Math.sqrt(dx2);
                    dz[obs] = Math.sqrt(dz2);
                    seconds[obs] = (System.nanoTime() - t0) / 1e9;
                }
            }
            for (int s = a - 1; s >= 0; s--) {
                if (stopped[s]) {
                    e.freeze(s);
                }
            }
        }
        // The report describes the returned x: one more pass over W for every observation, outside the loop.
        e.refresh(cap);
        for (int s = 0; s < cap; s++) {
            int obs = e.observation[s];
            double loss = Prox.bregmanLoss(e.sigma, e.tRows[s], e.gradient.pre(s));
            double fin = loss + e.regulariser(s);
            double residual = Math.sqrt(e.gradient.residualSquared(s));
            double gap = e.gap(s, o.gapRadius());
            history[obs].record(iterations[obs], fin, dx[obs], dz[obs], residual, gap);
            out[obs] = new LiftedResult("pdhg-tv", e.x(s).values().toArray(), List.of(), iterations[obs], stop[obs],
                    dx[obs], dz[obs], fin, residual, new double[] {loss}, history[obs], seconds[obs], 1);
        }
    }
}
