package dev.netinvert.solvers.pursuit;

import dev.netinvert.solvers.OptionChecks;

/**
 * The five settings that {@link LatentPursuit} and {@link LayeredBasisPursuit} share: how a layer's support
 * is read (τ), how each stage stops (tol, iteration budget), and the final debiasing (Alg. 1 [002]). Their
 * checks and their common defaults live here once; each method's {@code Options.Builder} extends
 * {@link Builder} and adds its own settings.
 */
public final class StageSettings {
    private StageSettings() {}

    /**
     * Checks the shared settings: τ in [0, 1), tol finite and &gt; 0, at least one iteration per stage and
     * per debiasing.
     */
    static void check(double supportThreshold, double tol, int maxIterations, int debiasIterations) {
        Supports.checkThreshold(supportThreshold);
        if (!(tol > 0) || Double.isInfinite(tol)) {
            throw new IllegalArgumentException("tol must be finite and > 0, got " + tol);
        }
        if (maxIterations < 1) {
            throw new IllegalArgumentException("maxIterations must be >= 1, got " + maxIterations);
        }
        OptionChecks.atLeast("debiasIterations", debiasIterations, 1);
    }

    /**
     * Named setters of the shared settings. The initial values are the defaults (tol 1e-7, 20000 iterations
     * per stage, debiasing on with 50 Gauss–Newton iterations), written here only; τ's default differs per
     * method and is given by the subclass.
     *
     * @param <B> the method's own builder, returned by every setter
     */
    public abstract static class Builder<B extends Builder<B>> {
        double supportThreshold;
        double tol = 1e-7;
        int maxIterations = 20_000;
        boolean debias = true;
        int debiasIterations = 50;

        Builder(double supportThreshold) {
            this.supportThreshold = supportThreshold;
        }

        abstract B self();

        public B supportThreshold(double value) { supportThreshold = value; return self(); }
        public B tol(double value) { tol = value; return self(); }
        public B maxIterations(int value) { maxIterations = value; return self(); }
        public B debias(boolean value) { debias = value; return self(); }
        public B debiasIterations(int value) { debiasIterations = value; return self(); }
    }
}
