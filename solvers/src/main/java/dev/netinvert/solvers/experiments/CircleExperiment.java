package dev.netinvert.solvers.experiments;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.solvers.IterationListener;
import dev.netinvert.solvers.batch.LockstepLandweber;
import dev.netinvert.solvers.batch.LockstepPdhgTv;
import dev.netinvert.solvers.lifted.Landweber;
import dev.netinvert.solvers.lifted.LiftedResult;
import dev.netinvert.solvers.lifted.PdhgTv;
import dev.netinvert.kernels.Blas;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.Observations;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.parallel.Parallelism;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Objects;

/**
 * The circle experiment of sec. 5.1.1 [000]: a 64×64 binary disc x† (‖x†‖₂ = 28.07, anisotropic TV 128)
 * through a random ReLU perceptron y = ReLU(W x + b), W ∈ ℝ^{512×4096}, observed with Gaussian noise
 * N(0, 0.005²) clipped at 0; reconstructed by Landweber with the discrepancy principle and by PDHG with
 * isotropic TV (α = 1.5e-2, τx = 1.99/‖W‖₂², τz = 1/(8α), tol 1e-5, at most 10 000 iterations).
 *
 * <p>Weight scale: the paper does not state it. With W ~ N(0, 1), τx ∝ 1/‖W‖² is so small that the TV
 * term barely acts within 10 000 iterations and the result looks like noise; with entries of standard
 * deviation 1/√4096 (PyTorch's default {@code nn.Linear} initialisation scale) the paper's figures are
 * reproduced closely. That is the default here; {@link Config#weightStd} changes it.
 */
public final class CircleExperiment {
    private CircleExperiment() {}

    public static final int HEIGHT = 64, WIDTH = 64, OUTPUTS = 512;

    /** The paper's figures (sec. 5.1.1 [000]): ‖x‖₂ and TV ("TV semi-norm", the anisotropic kind). */
    public static final double PAPER_TRUTH_NORM = 28.07, PAPER_TRUTH_TV = 128.0;
    public static final double PAPER_TV_NORM = 25.69, PAPER_TV_TV = 114.93;
    public static final double PAPER_LANDWEBER_NORM = 6.58, PAPER_LANDWEBER_TV = 707.02;

    /**
     * @param weightStd standard deviation of W's and b's entries (default 1/√4096 = 0.015625)
     * @param noiseStd  standard deviation of the additive noise (0.005)
     * @param seed      seed for W, b and the noise
     * @param pdhg      the PDHG-TV settings (the paper's are {@link PdhgTv.Options#defaults()})
     * @param landweber the Landweber settings; its δ is replaced by the noise level actually drawn
     */
    public record Config(double weightStd, double noiseStd, long seed, PdhgTv.Options pdhg, Landweber.Options landweber) {
        public Config {
            if (!(weightStd > 0) || Double.isInfinite(weightStd)) {
                throw new IllegalArgumentException("weightStd must be finite and > 0, got " + weightStd);
            }
            if (!(noiseStd >= 0) || Double.isInfinite(noiseStd)) {
                throw new IllegalArgumentException("noiseStd must be finite and >= 0, got " + noiseStd);
            }
            Objects.requireNonNull(pdhg, "pdhg");
            Objects.requireNonNull(landweber, "landweber");
        }

        /** Sec. 5.1.1 [000]: noise 0.005, the solvers' defaults (which are the paper's), seed 1. */
        public static Config paper() {
            return new Config(1.0 / Math.sqrt(4096), 0.005, 1L, PdhgTv.Options.defaults(), Landweber.Options.defaults(0));
        }
    }

    /** The ground truth, the observation's noise level and both reconstructions. */
    public record Outcome(Config config, float[] truth, double delta, LiftedResult landweber, LiftedResult tv,
                          String kernels) {
    }

    /** Runs both reconstructions. The listeners see Landweber's and PDHG's progress. */
    public static Outcome run(Config c, Parallelism par, IterationListener landweberProgress,
                              IterationListener pdhgProgress) {
        float[] truth = Phantoms.paperCircle();
        try (Arena arena = Arena.ofShared()) {
            Network net = RandomNetworks.perceptron000(arena, c.seed(), c.weightStd());
            DenseLayer layer = net.dense(1);
            FloatVec x = FloatVec.of(arena, truth);
            FloatVec clean = Observations.realizable(net, x, arena);
            FloatVec y = Observations.noisy(net, x, new Observations.Noise.Gaussian(c.noiseStd()), c.seed() + 1, true,
                    arena);
            double delta = distance(clean, y); // the noise level actually present, as in the experiment
            LiftedResult tv = PdhgTv.solve(layer, y, 1, HEIGHT, WIDTH, c.pdhg(), par, pdhgProgress);
            // Landweber second: its few iterations then run on JIT-compiled kernels, so its time per
            // iteration is not dominated by warm-up.
            LiftedResult lw = Landweber.solve(layer, y,
                    c.landweber().toBuilder().delta(delta).build(), par, landweberProgress);
            return new Outcome(c, truth, delta, lw, tv, KernelProvider.getInstance().describe());
        }
    }

    /**
     * N noise realisations of the experiment: the same W, b and disc, noise seeds {@code seed + 1 + r} for
     * r = 0 … N−1 (so realisation 0 is {@link #run}'s observation), each reconstructed by both methods in
     * lockstep ({@link LockstepPdhgTv}, {@link LockstepLandweber} with each realisation's own δ), B = batchSize
     * observations per pass over W.
     *
     * @param deltas the noise level ‖y_r − y‖ of each realisation
     * @param seconds wall time of both lockstep solves, set-up included
     */
    public record Realisations(Config config, float[] truth, double[] deltas, List<LiftedResult> landweber,
                               List<LiftedResult> tv, int batchSize, double seconds, String kernels) {
    }

    /** See {@link Realisations}. */
    public static Realisations runRealisations(Config c, int realisations, int batchSize, Parallelism par) {
        if (realisations < 1) {
            throw new IllegalArgumentException("realisations must be >= 1, got " + realisations);
        }
        float[] truth = Phantoms.paperCircle();
        long t0 = System.nanoTime();
        try (Arena arena = Arena.ofShared()) {
            Network net = RandomNetworks.perceptron000(arena, c.seed(), c.weightStd());
            DenseLayer layer = net.dense(1);
            FloatVec x = FloatVec.of(arena, truth);
            FloatVec clean = Observations.realizable(net, x, arena);
            FloatMatrix ys = FloatMatrix.allocatePadded(arena, realisations, OUTPUTS);
            double[] deltas = new double[realisations];
            for (int r = 0; r < realisations; r++) {
                FloatVec y = Observations.noisy(net, x, new Observations.Noise.Gaussian(c.noiseStd()), c.seed() + 1 + r,
                        true, arena);
                Blas.copy(y, ys.row(r));
                deltas[r] = distance(clean, y);
            }
            List<LiftedResult> tv = LockstepPdhgTv.solve(layer, ys, 1, HEIGHT, WIDTH, c.pdhg(), batchSize, par);
            List<LiftedResult> lw = LockstepLandweber.solve(layer, ys, c.landweber(), deltas, batchSize, par);
            return new Realisations(c, truth, deltas, lw, tv, batchSize, (System.nanoTime() - t0) / 1e9,
                    KernelProvider.getInstance().describe());
        }
    }

    private static double distance(FloatVec a, FloatVec b) {
        double s = 0;
        for (int i = 0; i < a.length(); i++) {
            double d = (double) a.get(i) - b.get(i);
            s += d * d;
        }
        return Math.sqrt(s);
    }
}
