package dev.netinvert.tests.reliability;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.IterationListener;
import dev.netinvert.solvers.admm.Admm;
import dev.netinvert.solvers.admm.GradientBaseline;
import dev.netinvert.solvers.admm.InversionLoss;
import dev.netinvert.solvers.admm.OutputLoss;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.lifted.Landweber;
import dev.netinvert.solvers.lifted.LiftedCoordinateDescent;
import dev.netinvert.solvers.lifted.PdhgTv;
import dev.netinvert.solvers.lp.LayerwiseInversion;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.network.RandomNetworks;
import dev.netinvert.solvers.parallel.Parallelism;
import dev.netinvert.solvers.pursuit.GradientDescent;
import dev.netinvert.solvers.pursuit.LatentPursuit;
import dev.netinvert.solvers.pursuit.LayeredBasisPursuit;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;

/**
 * One small problem per solver family, for the soak and concurrency tests: two model files written once
 * (safetensors + model JSON, so loading maps the weights) and the observations beside them (.npy, also
 * mapped), and one call per solver with a small, fixed budget so that a solve takes about a millisecond.
 *
 * <ul>
 *   <li>{@code relu.json}: 16 → 40 → 96, ReLU, ReLU, N(0, 1/n_out) weights ({@link RandomNetworks#generator003});
 *       expansive, so the layer-wise LPs of [003] can invert it, and its first layer is a 4×4-image
 *       perceptron for the lifted solvers of [000]. {@code y1.npy} is its first layer's output (PDHG-TV,
 *       Landweber), {@code y.npy} its output (lifted coordinate descent, layer-wise LP, ADMM and the
 *       gradient baseline of [004]).</li>
 *   <li>{@code generator.json}: 8 → 24 → 48, ReLU, tanh, the generator of eq. (19) [002] at a small size;
 *       {@code g.npy} its output (Latent-Pursuit, Layered Basis-Pursuit, gradient descent).</li>
 * </ul>
 */
final class SolverFamilies {
    private SolverFamilies() {}

    static final int SIDE = 4;

    /** Every solver the tests cycle through, with the model and observation it needs. */
    enum Solver {
        PDHG_TV(false, "y1.npy"),
        LANDWEBER(false, "y1.npy"),
        LIFTED_CD(false, "y.npy"),
        LATENT_PURSUIT(true, "g.npy"),
        LAYERED_BP(true, "g.npy"),
        GRADIENT_DESCENT(true, "g.npy"),
        LAYERWISE_LP(false, "y.npy"),
        ADMM(false, "y.npy"),
        GRADIENT_BASELINE(false, "y.npy");

        final boolean generator;
        final String observation;

        Solver(boolean generator, String observation) {
            this.generator = generator;
            this.observation = observation;
        }

        String model() {
            return generator ? "generator.json" : "relu.json";
        }
    }

    /** Writes the two models and three observations to {@code dir} (once per test). */
    static void writeModels(Path dir) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Network relu = RandomNetworks.generator003(arena, 1801, 16, 40, 96, Activation.RELU);
            FloatVec z = RandomNetworks.latent(arena, 16, 1802, 1.0);
            ModelFiles.save(relu, dir.resolve("relu.json"), "relu.safetensors");
            Npy.write(dir.resolve("y1.npy"), Network.of(relu.layer(1)).forward(z, arena));
            Npy.write(dir.resolve("y.npy"), relu.forward(z, arena));

            Network gen = RandomNetworks.generator002(arena, 1803, 8, 24, 48);
            FloatVec zg = RandomNetworks.latent(arena, 8, 1804, RandomNetworks.latentStd(8, 24));
            ModelFiles.save(gen, dir.resolve("generator.json"), "generator.safetensors");
            Npy.write(dir.resolve("g.npy"), gen.forward(zg, arena));
        }
    }

    /** Loads the model {@code s} needs from {@code dir}, mapped into {@code arena}. */
    static Network loadModel(Path dir, Solver s, Arena arena) throws IOException {
        return ModelFiles.load(dir.resolve(s.model()), arena);
    }

    /** Loads the observation {@code s} needs from {@code dir}, mapped into {@code arena}. */
    static FloatVec loadObservation(Path dir, Solver s, Arena arena) throws IOException {
        return Npy.read(dir.resolve(s.observation), arena).data();
    }

    /**
     * Runs {@code s} with a small fixed budget and returns its solution widened to double (exactly), so
     * that every family's result compares bit for bit with {@link java.util.Arrays#equals(double[], double[])}.
     *
     * @param par the executor of the lifted solvers (the others are single-threaded by design)
     */
    static double[] solve(Solver s, Network net, FloatVec y, Parallelism par) {
        return switch (s) {
            case PDHG_TV -> widen(PdhgTv.solve(net.layer(1), y, 1, SIDE, SIDE,
                    PdhgTv.Options.builder(1e-2).maxIterations(60).tol(1e-30).build(), par, IterationListener.NONE).x());
            case LANDWEBER -> widen(Landweber.solve(net.layer(1), y,
                    Landweber.Options.builder(0).maxIterations(60).build(), par, IterationListener.NONE).x());
            case LIFTED_CD -> widen(LiftedCoordinateDescent.solve(net.layers(), y, 1, SIDE, SIDE,
                    LiftedCoordinateDescent.Options.builder(1e-2).innerIterations(5).maxOuterIterations(8).tol(1e-30)
                            .build(), par, IterationListener.NONE).x());
            case LATENT_PURSUIT -> widen(LatentPursuit.solve(net, y, null,
                    LatentPursuit.Options.builder().maxIterations(150).debiasIterations(20).build()).z());
            case LAYERED_BP -> widen(LayeredBasisPursuit.solve(net, y, null,
                    LayeredBasisPursuit.Options.builder().maxIterations(150).build()).z());
            case GRADIENT_DESCENT -> widen(GradientDescent.solve(net, y, null,
                    GradientDescent.Options.builder().seed(3).initStd(0.1).maxIterations(150).build()).z());
            case LAYERWISE_LP -> LayerwiseInversion.invert(net, y.toArray(),
                    LayerwiseInversion.Options.defaults(LayerwiseInversion.Method.LP_LINF)).z().clone();
            case ADMM -> widen(Admm.solve(net, InversionLoss.of(new OutputLoss.SquaredError(y, null), 0.01, null), null,
                    Admm.Options.builder().maxIterations(40).build()).x());
            case GRADIENT_BASELINE -> {
                // From x = 0 every ReLU of this bias-free network is off and the gradient is 0: start at 0.1·1.
                try (Arena arena = Arena.ofConfined()) {
                    FloatVec start = FloatVec.allocate(arena, net.inputSize());
                    for (int i = 0; i < start.length(); i++) {
                        start.set(i, 0.1f);
                    }
                    yield widen(GradientBaseline.solve(net, InversionLoss.of(new OutputLoss.SquaredError(y, null), 0.01, null),
                            start, GradientBaseline.Options.builder().maxIterations(60).build()).x());
                }
            }
        };
    }

    static double[] widen(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }
}
