package dev.netinvert.solvers;

/**
 * Told about a solve's progress, e.g. to drive a progress bar. Called from the iteration loop every
 * {@link #every()} iterations: implementations must be cheap and must not throw.
 */
public interface IterationListener {

    /** Called with the 1-based iteration just finished and the iteration budget. */
    void onIteration(int iteration, int maxIterations);

    /** How often to call {@link #onIteration}, in iterations. */
    default int every() {
        return 50;
    }

    /** A listener that ignores everything. */
    IterationListener NONE = new IterationListener() {
        @Override
        public void onIteration(int iteration, int maxIterations) {}

        @Override
        public int every() {
            return Integer.MAX_VALUE;
        }
    };
}
