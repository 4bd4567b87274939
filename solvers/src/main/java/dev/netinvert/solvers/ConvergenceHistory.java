package dev.netinvert.solvers;

import java.util.Arrays;

/**
 * Samples of an iteration's progress taken every {@code interval} iterations (and at the last one):
 * the objective, the primal and dual changes ‖x⁺ − x‖, ‖z⁺ − z‖ (NaN where a method has no dual
 * variable), the data residual ‖σ(Wx + b) − y^δ‖ (the discrepancy), and a certified primal-dual gap where the
 * method computes one (PDHG-TV; NaN otherwise). Storage is allocated once, before
 * the loop, for the largest number of samples the iteration budget allows.
 */
public final class ConvergenceHistory {
    private final int interval;
    private final int[] iteration;
    private final double[] objective;
    private final double[] primalChange;
    private final double[] dualChange;
    private final double[] residual;
    private final double[] gap;
    private int size;

    /**
     * @param maxIterations the solve's iteration budget
     * @param interval      sample every this many iterations ({@code >= 1})
     */
    public ConvergenceHistory(int maxIterations, int interval) {
        if (interval < 1) {
            throw new IllegalArgumentException("history interval must be >= 1, got " + interval);
        }
        this.interval = interval;
        int capacity = maxIterations / interval + 2;
        iteration = new int[capacity];
        objective = new double[capacity];
        primalChange = new double[capacity];
        dualChange = new double[capacity];
        residual = new double[capacity];
        gap = new double[capacity];
    }

    /** Sampling interval in iterations. */
    public int interval() {
        return interval;
    }

    /** Whether iteration {@code k} (1-based) is a sampling point. */
    public boolean due(int k) {
        return k % interval == 0 || k == 1;
    }

    /** Records one sample without a gap; never allocates. */
    public void record(int k, double obj, double dx, double dz, double res) {
        record(k, obj, dx, dz, res, Double.NaN);
    }

    /** Records one sample; never allocates. Samples beyond the capacity are dropped (cannot happen for k ≤ maxIterations). */
    public void record(int k, double obj, double dx, double dz, double res, double certifiedGap) {
        if (size == iteration.length) {
            return;
        }
        if (size > 0 && iteration[size - 1] == k) {
            size--; // the final sample of a solve may coincide with a periodic one
        }
        iteration[size] = k;
        objective[size] = obj;
        primalChange[size] = dx;
        dualChange[size] = dz;
        residual[size] = res;
        gap[size] = certifiedGap;
        size++;
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

    public double[] primalChange() {
        return Arrays.copyOf(primalChange, size);
    }

    public double[] dualChange() {
        return Arrays.copyOf(dualChange, size);
    }

    public double[] residual() {
        return Arrays.copyOf(residual, size);
    }

    /** The certified primal-dual gap per sample (NaN where none was computed). */
    public double[] gap() {
        return Arrays.copyOf(gap, size);
    }
}
