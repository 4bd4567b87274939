package dev.netinvert.solvers.admm;

import java.util.Arrays;

/**
 * Per-iteration samples of an inversion by ADMM or by a gradient baseline: the objective ℓ(x, f(x)) at a
 * true forward pass of the current input, and ADMM's primal and dual residuals (Fig. 3 [004]; NaN for the
 * baselines, which report the norm of the projected gradient as {@link #stationarity()} instead; NaN for
 * ADMM). Storage is allocated once, before the loop.
 */
public final class History {
    private final int interval;
    private final int[] iteration;
    private final double[] objective, primal, dual, stationarity;
    private int size;

    /**
     * @param maxIterations the iteration budget
     * @param interval      sample every this many iterations (≥ 1), and always the first and the last
     */
    public History(int maxIterations, int interval) {
        if (interval < 1) {
            throw new IllegalArgumentException("history interval must be >= 1, got " + interval);
        }
        this.interval = interval;
        int capacity = maxIterations / interval + 3;
        iteration = new int[capacity];
        objective = new double[capacity];
        primal = new double[capacity];
        dual = new double[capacity];
        stationarity = new double[capacity];
    }

    /** Whether iteration k (0 = the start) is sampled. */
    public boolean due(int k) {
        return k % interval == 0 || k == 1;
    }

    /** Records one sample; a second sample of the same iteration replaces the first. Never allocates. */
    public void record(int k, double obj, double primalResidual, double dualResidual, double stationary) {
        if (size > 0 && iteration[size - 1] == k) {
            size--;
        }
        if (size == iteration.length) {
            return;
        }
        iteration[size] = k;
        objective[size] = obj;
        primal[size] = primalResidual;
        dual[size] = dualResidual;
        stationarity[size] = stationary;
        size++;
    }

    public int interval() {
        return interval;
    }

    public int size() {
        return size;
    }

    public int[] iterations() {
        return Arrays.copyOf(iteration, size);
    }

    public double[] objective() {
        return Arrays.copyOf(objective, size);
    }

    public double[] primalResidual() {
        return Arrays.copyOf(primal, size);
    }

    public double[] dualResidual() {
        return Arrays.copyOf(dual, size);
    }

    public double[] stationarity() {
        return Arrays.copyOf(stationarity, size);
    }
}
