package dev.netinvert.spark;

import dev.netinvert.solvers.batch.LockstepDefaults;
import java.io.Serial;
import java.io.Serializable;
import java.util.Arrays;

/**
 * What a Spark inversion job may change from the solvers' defaults, and how it treats bad rows and scalar
 * executors. Every solver setting is nullable: null keeps the default of the solver's own options builder
 * ({@code LatentPursuit.Options.builder()}, {@code PdhgTv.Options.builder()}, …), which holds the only copy
 * of the defaults, exactly as the command line's {@code invert} does. The record is serialisable because it
 * travels to the executors; the solvers' option records do not, and are built there, once per partition.
 *
 * @param maxIterations   iteration budget (per stage for latent-pursuit and layered-bp, outer iterations for
 *                        lifted-cd), as {@code invert --max-iter}
 * @param tol             stopping tolerance, as {@code --tol}
 * @param lambda          ℓ1 weight: λ_L of Latent-Pursuit eq. (8) [002], every layer's λ of layered-bp
 * @param rho             ADMM penalty ρ of Latent-Pursuit
 * @param gamma           Gaussian prior weight γ of Latent-Pursuit eq. (16) [002]
 * @param debias          whether the pursuits debias (null: the solver's default, on)
 * @param step            fixed step size of gd/adam
 * @param momentum        momentum of gd, β1 of adam
 * @param seed            seed of the random start of gd/adam (the same for every row, as on the command line)
 * @param initStd         standard deviation of the random start of gd/adam
 * @param alpha           TV weight α of pdhg-tv and lifted-cd, eq. (14) [000]
 * @param delta           noise level δ of landweber's discrepancy principle (required by landweber)
 * @param eta             discrepancy factor η of landweber
 * @param innerIterations PDHG iterations per x₀-step of lifted-cd
 * @param image           {C, H, W} of the input image for pdhg-tv and lifted-cd (null: a square 1 × H × H)
 * @param allowNonFinite  accept NaN/±∞ in observations (and weights), as {@code --allow-nonfinite}
 * @param failFast        throw on the first bad row instead of reporting it in the row's {@code error} column
 * @param requireSimd     fail a partition whose executor runs the scalar kernels instead of only warning
 * @param batchSize       B, the observations per lockstep block of pdhg-tv, landweber, lifted-cd, gd and adam on a dense
 *                        network (≥ 1; default {@link LockstepDefaults#BATCH_SIZE}): a partition gathers its
 *                        valid rows B at a time and solves each block in lockstep; other methods ignore it
 */
public record InversionOptions(Integer maxIterations, Double tol, Double lambda, Double rho, Double gamma, Boolean debias,
                               Double step, Double momentum, Long seed, Double initStd, Double alpha, Double delta,
                               Double eta, Integer innerIterations, int[] image, boolean allowNonFinite, boolean failFast,
                               boolean requireSimd, int batchSize) implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    public InversionOptions {
        if (maxIterations != null && maxIterations < 1) {
            throw new IllegalArgumentException("maxIterations must be >= 1, got " + maxIterations);
        }
        if (innerIterations != null && innerIterations < 1) {
            throw new IllegalArgumentException("innerIterations must be >= 1, got " + innerIterations);
        }
        if (image != null && (image.length != 3 || image[0] < 1 || image[1] < 1 || image[2] < 1)) {
            throw new IllegalArgumentException("image must be {C, H, W} with positive entries, got " + Arrays.toString(image));
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        image = image == null ? null : image.clone();
    }

    /** Every solver default, bad rows reported per row, a warning for scalar executors. */
    public static InversionOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public int[] image() {
        return image == null ? null : image.clone();
    }

    /** Named setters; anything not set keeps the solver's default. */
    public static final class Builder {
        private Integer maxIterations;
        private Double tol, lambda, rho, gamma, step, momentum, initStd, alpha, delta, eta;
        private Boolean debias;
        private Long seed;
        private Integer innerIterations;
        private int[] image;
        private boolean allowNonFinite, failFast, requireSimd;
        private int batchSize = LockstepDefaults.BATCH_SIZE;

        private Builder() {}

        public Builder maxIterations(Integer v) { maxIterations = v; return this; }
        public Builder tol(Double v) { tol = v; return this; }
        public Builder lambda(Double v) { lambda = v; return this; }
        public Builder rho(Double v) { rho = v; return this; }
        public Builder gamma(Double v) { gamma = v; return this; }
        public Builder debias(Boolean v) { debias = v; return this; }
        public Builder step(Double v) { step = v; return this; }
        public Builder momentum(Double v) { momentum = v; return this; }
        public Builder seed(Long v) { seed = v; return this; }
        public Builder initStd(Double v) { initStd = v; return this; }
        public Builder alpha(Double v) { alpha = v; return this; }
        public Builder delta(Double v) { delta = v; return this; }
        public Builder eta(Double v) { eta = v; return this; }
        public Builder innerIterations(Integer v) { innerIterations = v; return this; }
        /** {C, H, W}, or null for a square single-channel image. */
        public Builder image(int... chw) { image = chw; return this; }
        public Builder allowNonFinite(boolean v) { allowNonFinite = v; return this; }
        public Builder failFast(boolean v) { failFast = v; return this; }
        public Builder requireSimd(boolean v) { requireSimd = v; return this; }
        /** Observations per lockstep block (≥ 1), or null for {@link LockstepDefaults#BATCH_SIZE}. */
        public Builder batchSize(Integer v) { batchSize = v == null ? LockstepDefaults.BATCH_SIZE : v; return this; }

        public InversionOptions build() {
            return new InversionOptions(maxIterations, tol, lambda, rho, gamma, debias, step, momentum, seed, initStd,
                    alpha, delta, eta, innerIterations, image, allowNonFinite, failFast, requireSimd, batchSize);
        }
    }
}
