package dev.netinvert.solvers.batch;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.PackedMatrix;
import dev.netinvert.kernels.Prox;
import dev.netinvert.solvers.ConvergenceHistory;
import dev.netinvert.solvers.StepRules;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.lifted.Landweber;
import dev.netinvert.solvers.lifted.LiftedResult;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.parallel.Parallelism;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Landweber iteration x ← x − τ·Wᵀ(σ(Wx + b) − y^δ) ({@link Landweber}) for many observations in lockstep, each
 * stopped by its own discrepancy principle ‖σ(Wx + b) − y^δ‖₂ ≤ η·δ (sec. 5.1.1 [000]). One iteration of a block
 * is one pass over W for all its active observations ({@link LockstepGradient}); an observation that meets
 * its discrepancy is frozen and compacted out. Blocks of {@code batchSize} rows run in parallel and the
 * results do not depend on the thread count. Agreement with {@link Landweber#solve}: as for
 * {@link LockstepPdhgTv} (reassociated sums), so the stopping iteration may differ by one where the residual
 * crosses η·δ within rounding of it.
 */
public final class LockstepLandweber {
    private LockstepLandweber() {}

    /** Every observation with the options' δ. */
    public static List<LiftedResult> solve(DenseLayer layer, FloatMatrix observations, Landweber.Options o,
                                           int batchSize, Parallelism par) {
        double[] deltas = new double[observations.rows()];
        Arrays.fill(deltas, o.delta());
        return solve(layer, observations, o, deltas, batchSize, par);
    }

    /**
     * @param deltas the noise level δ_i ≥ 0 of each observation (the options' δ is not used)
     */
    public static List<LiftedResult> solve(DenseLayer layer, FloatMatrix observations, Landweber.Options o,
                                           double[] deltas, int batchSize, Parallelism par) {
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(o, "options");
        Blocks.checkObservations(layer, observations, batchSize);
        Objects.requireNonNull(deltas, "deltas");
        if (deltas.length != observations.rows()) {
            throw new IllegalArgumentException("deltas: expected " + observations.rows() + " (one per observation), got "
                    + deltas.length);
        }
        for (int i = 0; i < deltas.length; i++) {
            if (!(deltas[i] >= 0) || Double.isInfinite(deltas[i])) {
                throw new IllegalArgumentException("deltas[" + i + "] must be finite and >= 0, got " + deltas[i]);
            }
        }
        float tau = (float) o.step().orElse(() -> StepRules.landweber(layer.operatorNorm().value()));
        int n = layer.weight().cols(), m = layer.weight().rows();
        try (PackedWeights packed = new PackedWeights(List.of(layer.weight()), Math.min(batchSize, observations.rows()))) {
            return Blocks.run(observations, batchSize, par, block -> {
                int b0 = (int) ((block.byteOffset() - observations.byteOffset())
                        / ((long) observations.ld() * Float.BYTES));
                try (Arena arena = Arena.ofShared()) {
                    return Arrays.asList(iterate(arena, layer, packed.get(0), block,
                            Arrays.copyOfRange(deltas, b0, b0 + block.rows()), tau, o, n, m));
                }
            });
        }
    }

    private static LiftedResult[] iterate(Arena arena, DenseLayer layer, PackedMatrix packed, FloatMatrix block,
                                          double[] delta, float tau, Landweber.Options o, int n, int m) {
        int cap = block.rows();
        LockstepGradient grad = new LockstepGradient(arena, layer.activation(), packed, layer.bias(), cap);
        FloatMatrix x = FloatMatrix.allocatePadded(arena, cap, n), g = FloatMatrix.allocatePadded(arena, cap, n);
        FloatMatrix t = FloatMatrix.allocatePadded(arena, cap, m);
        FloatVec tmp = FloatVec.allocate(arena, Math.max(n, m));
        FloatMatrix[] xP = Rows.prefixes(x), gP = Rows.prefixes(g);
        FloatVec[] xRows = Rows.of(x), gRows = Rows.of(g), tRows = Rows.of(t);
        int[] obs = new int[cap];
        double[] target = new double[cap], dxLast = new double[cap];
        ConvergenceHistory[] history = new ConvergenceHistory[cap];
        LiftedResult[] out = new LiftedResult[cap];
        boolean[] stopped = new boolean[cap];
        for (int s = 0; s < cap; s++) {
            Rows.copy(block, s, t, s);
            obs[s] = s;
            target[s] = o.eta() * delta[s];
            dxLast[s] = Double.NaN;
            history[s] = new ConvergenceHistory(o.maxIterations(), o.historyInterval());
        }
        int active = cap, k = 0;
        long t0 = System.nanoTime();
        while (active > 0) {
            // r² = ‖σ(Wx + b) − y^δ‖² at the current x and g = Wᵀ(σ(Wx + b) − y^δ) for every active slot, one pass over W
            grad.compute(xP[active], tRows, gP[active]);
            boolean sampled = history[0].due(k + 1);
            for (int s = 0; s < active; s++) {
                int i = obs[s];
                double r = Math.sqrt(grad.residualSquared(s));
                StopReason stop = !Double.isFinite(r) ? StopReason.DIVERGED
                        : r <= target[s] ? StopReason.DISCREPANCY
                        : k == o.maxIterations() ? StopReason.MAX_ITERATIONS : null;
                stopped[s] = stop != null;
                if (stopped[s]) {
                    double objective = Prox.bregmanLoss(layer.activation(), tRows[s], grad.pre(s));
                    history[i].record(k, objective, dxLast[s], Double.NaN, r);
                    out[i] = new LiftedResult("landweber", xRows[s].toArray(), List.of(), k, stop, dxLast[s], Double.NaN,
                            objective, r, new double[] {objective}, history[i], (System.nanoTime() - t0) / 1e9, 1);
                    continue;
                }
                dxLast[s] = tau * Blas.norm2(gRows[s]);
                Blas.axpy(-tau, gRows[s], xRows[s]);
                if (sampled) {
                    history[i].record(k + 1, Prox.bregmanLoss(layer.activation(), tRows[s], grad.pre(s)), dxLast[s],
                            Double.NaN, r);
                }
            }
            k++;
            for (int s = active - 1; s >= 0; s--) {
                if (stopped[s]) {
                    int last = active - 1;
                    Rows.swap(x, s, last, tmp);
                    Rows.swap(t, s, last, tmp);
                    Rows.swap(obs, s, last);
                    Rows.swap(target, s, last);
                    Rows.swap(dxLast, s, last);
                    active = last;
                }
            }
        }
        return out;
    }
}
