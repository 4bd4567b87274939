package dev.netinvert.solvers.batch;

import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Fused;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.SeededGaussian;
import dev.netinvert.solvers.parallel.Parallelism;
import dev.netinvert.solvers.pursuit.GradientDescent;
import dev.netinvert.solvers.pursuit.InversionResult;
import dev.netinvert.solvers.pursuit.ObservationMasks;
import dev.netinvert.solvers.pursuit.Stage;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The gradient baselines of [002] sec. 6 ({@link GradientDescent}: heavy-ball GD or Adam on ½‖M(G(z) − y)‖²)
 * for many observations in lockstep: every iteration runs the forward pass and the backpropagation of all
 * active observations of a block with one GEMM per layer and direction ({@link LockstepBackprop}). Each
 * observation starts from the same seeded z⁰ as {@link GradientDescent#solve} and keeps its stopping rules
 * (TOLERANCE on ‖g‖ ≤ gradTol, DIVERGED, MAX_ITERATIONS) and its result; stopped observations are frozen and
 * compacted out. Blocks of {@code batchSize} run in parallel; results do not depend on the thread count.
 * Agreement with single solves: reassociated sums (GEMM vs GEMV), so iterates agree to rounding that the
 * iteration may amplify where the loss is not convex (see LockstepGradientDescentTest).
 */
public final class LockstepGradientDescent {
    private LockstepGradientDescent() {}

    /**
     * @param observations {@code N × n_L}, one y per row
     * @param mask         null (all observed) or n_L entries of 0/1, shared by every observation
     * @return one result per row, in row order, as {@link GradientDescent#solve} reports it
     */
    public static List<InversionResult> solve(Network network, FloatMatrix observations, FloatVec mask,
                                              GradientDescent.Options options, int batchSize, Parallelism par) {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(observations, "observations");
        network.denseLayers("lockstep gradient descent (its passes are GEMMs)");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        if (observations.cols() != network.outputSize() || observations.rows() < 1) {
            throw new IllegalArgumentException("observations: expected N×" + network.outputSize()
                    + " (N >= 1, n_L columns), got " + observations.rows() + "×" + observations.cols());
        }
        for (int i = 0; i < observations.rows(); i++) {
            try {
                ObservationMasks.checkObservation(network, observations.row(i), mask);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("observations row " + i + ": " + e.getMessage(), e);
            }
        }
        boolean adam = options.method() == GradientDescent.Method.ADAM;
        double eta = options.step().orElse(() -> adam ? 1e-2 * (options.initStd() > 0 ? options.initStd() : 1)
                : GradientDescent.automaticStep(network));
        List<FloatMatrix> weights = new ArrayList<>(network.depth());
        for (int l = 1; l <= network.depth(); l++) {
            weights.add(network.dense(l).weight());
        }
        try (PackedWeights packed = new PackedWeights(weights, Math.min(batchSize, observations.rows()))) {
            return Blocks.run(observations, batchSize, par, block -> iterate(network, packed, block, mask, options, eta));
        }
    }

    private static List<InversionResult> iterate(Network network, PackedWeights packed, FloatMatrix block,
                                                 FloatVec mask, GradientDescent.Options o, double eta) {
        long t0 = System.nanoTime();
        int cap = block.rows(), n0 = network.inputSize(), n = network.outputSize();
        boolean adam = o.method() == GradientDescent.Method.ADAM;
        List<InversionResult> results = new ArrayList<>(cap);
        try (Arena arena = Arena.ofShared()) {
            LockstepBackprop pass = new LockstepBackprop(arena, network, packed, cap);
            FloatMatrix z = FloatMatrix.allocatePadded(arena, cap, n0), g = FloatMatrix.allocatePadded(arena, cap, n0);
            FloatMatrix m1 = FloatMatrix.allocatePadded(arena, cap, n0), m2 = FloatMatrix.allocatePadded(arena, cap, n0);
            FloatMatrix best = FloatMatrix.allocatePadded(arena, cap, n0), y = FloatMatrix.allocatePadded(arena, cap, n);
            FloatVec tmp = FloatVec.allocate(arena, Math.max(n0, n));
            FloatMatrix[] zP = Rows.prefixes(z), gP = Rows.prefixes(g);
            FloatVec[] zR = Rows.of(z), gR = Rows.of(g), m1R = Rows.of(m1), m2R = Rows.of(m2), bestR = Rows.of(best),
                    yR = Rows.of(y);
            int[] obs = new int[cap], iterations = new int[cap];
            double[] loss0 = new double[cap], lastFinite = new double[cap], seconds = new double[cap];
            StopReason[] reason = new StopReason[cap];
            boolean[] stopped = new boolean[cap];
            for (int s = 0; s < cap; s++) {
                Rows.copy(block, s, y, s);
                new SeededGaussian(o.seed()).fill(zR[s], 0, o.initStd()); // the single solver's start, per observation
                obs[s] = s;
                reason[s] = StopReason.MAX_ITERATIONS;
                lastFinite[s] = Double.NaN;
            }
            double b1 = o.momentum(), b2 = o.beta2(), b1k = 1, b2k = 1;
            int active = cap, k = 0;
            while (active > 0 && k < o.maxIterations()) {
                int a = active;
                pass.forward(zP[a]);
                for (int s = 0; s < a; s++) {
                    // r = M(G(z) − y) into Δ_L, loss ½‖r‖²
                    double loss = 0.5 * Fused.maskedResidual(pass.output(s), yR[s], mask, pass.outputDelta(s));
                    if (k == 0) {
                        loss0[s] = loss;
                    }
                    stopped[s] = !Double.isFinite(loss) || loss > 1e6 * loss0[s] + Double.MIN_NORMAL;
                    if (stopped[s]) {
                        reason[obs[s]] = StopReason.DIVERGED;
                        Blas.fill(pass.outputDelta(s), 0f); // its gradient is not used; zeros keep NaN out of the GEMM
                    } else {
                        lastFinite[s] = loss;
                        Blas.copy(zR[s], bestR[s]);
                    }
                }
                pass.backward(gP[a]);
                if (adam) {
                    b1k *= b1;
                    b2k *= b2;
                }
                for (int s = 0; s < a; s++) {
                    if (stopped[s]) {
                        continue;
                    }
                    if (Blas.norm2(gR[s]) <= o.gradTol()) {
                        reason[obs[s]] = StopReason.TOLERANCE;
                        stopped[s] = true;
                        continue;
                    }
                    if (adam) {
                        // m ← β₁m + (1−β₁)g, s ← β₂s + (1−β₂)g², z ← z − (η/(1−β₁ᵏ))·m/(√(s/(1−β₂ᵏ)) + ε)
                        Fused.adamStep((float) b1, (float) b2, (float) (eta / (1 - b1k)), (float) (1 / (1 - b2k)),
                                (float) o.epsilon(), zR[s], gR[s], m1R[s], m2R[s]);
                    } else {
                        // heavy ball: v ← βv − ηg; z ← z + v
                        Blas.scale((float) b1, m1R[s]);
                        Blas.axpy((float) -eta, gR[s], m1R[s]);
                        Blas.axpy(1f, m1R[s], zR[s]);
                    }
                }
                for (int s = a - 1; s >= 0; s--) {
                    if (stopped[s]) {
                        iterations[obs[s]] = k;
                        seconds[obs[s]] = (System.nanoTime() - t0) * 1e-9;
                        int last = active - 1;
                        Rows.swap(z, s, last, tmp);
                        Rows.swap(best, s, last, tmp);
                        Rows.swap(m1, s, last, tmp);
                        Rows.swap(m2, s, last, tmp);
                        Rows.swap(y, s, last, tmp);
                        Rows.swap(obs, s, last);
                        Rows.swap(loss0, s, last);
                        Rows.swap(lastFinite, s, last);
                        active = last;
                    }
                }
                k++;
            }
            if (active > 0) { // the budget ran out: the loss at the final z
                pass.forward(zP[active]);
                for (int s = 0; s < active; s++) {
                    lastFinite[s] = 0.5 * Fused.maskedResidual(pass.output(s), yR[s], mask, pass.outputDelta(s));
                    Blas.copy(zR[s], bestR[s]);
                    iterations[obs[s]] = k;
                    seconds[obs[s]] = (System.nanoTime() - t0) * 1e-9;
                }
            }
            InversionResult[] out = new InversionResult[cap];
            for (int s = 0; s < cap; s++) {
                int i = obs[s];
                Stage stage = new Stage(o.method().label(), 0, iterations[i], reason[i], lastFinite[s], seconds[i],
                        Double.NaN);
                out[i] = GradientDescent.result(network, bestR[s].toArray(), block.row(i), mask, o, stage, t0);
            }
            results.addAll(List.of(out));
        }
        return results;
    }
}
