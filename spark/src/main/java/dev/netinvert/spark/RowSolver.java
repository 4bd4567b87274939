package dev.netinvert.spark;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Prox;
import dev.netinvert.solvers.IterationListener;
import dev.netinvert.solvers.StepSize;
import dev.netinvert.solvers.batch.LockstepGradientDescent;
import dev.netinvert.solvers.batch.LockstepLandweber;
import dev.netinvert.solvers.batch.LockstepLiftedCoordinateDescent;
import dev.netinvert.solvers.batch.LockstepPdhgTv;
import dev.netinvert.solvers.lifted.Landweber;
import dev.netinvert.solvers.lifted.LiftedCoordinateDescent;
import dev.netinvert.solvers.lifted.LiftedResult;
import dev.netinvert.solvers.lifted.PdhgTv;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.parallel.Parallelism;
import dev.netinvert.solvers.pursuit.GradientDescent;
import dev.netinvert.solvers.pursuit.InversionResult;
import dev.netinvert.solvers.pursuit.Lambdas;
import dev.netinvert.solvers.pursuit.ObservationMasks;
import dev.netinvert.solvers.pursuit.LatentPursuit;
import dev.netinvert.solvers.pursuit.LayeredBasisPursuit;
import dev.netinvert.solvers.pursuit.Stage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * One method with its options built, ready to invert row after row on one thread: the solver side of a
 * partition. The options are built from {@link InversionOptions} through the solvers' own builders (a value
 * not given keeps the builder's default), the same way the command line's {@code invert} builds them, so a
 * Spark job and {@code netinvert invert} with the same flags run the same solve.
 *
 * <p>pdhg-tv, landweber, lifted-cd, gd and adam on a dense network also solve a block of observations in lockstep
 * ({@link #lockstep()}, {@link #solve(FloatMatrix)}): the batched engines of {@code dev.netinvert.solvers.batch},
 * where one pass over W serves every active observation of the block (GEMM instead of B GEMVs). Their results
 * equal the lockstep solvers' on the same block bit for bit, and the single solves' within the batched
 * engine's tolerance (reassociated sums; LockstepPdhgTv's Javadoc). The single solvers allocate their
 * iteration workspace per solve; a lockstep block allocates its own once per block; what a partition reuses
 * across its rows is the mapped network, the observation buffer and the sequential executor.
 */
final class RowSolver implements AutoCloseable {

    /** The methods a Spark job runs: the pursuits and baselines of [002] and the lifted methods of [000]. */
    static final List<String> METHODS = List.of("latent-pursuit", "layered-bp", "gd", "adam", "pdhg-tv", "landweber",
            "lifted-cd");

    /** What one solve reports, whatever its family. */
    record Outcome(float[] solution, int iterations, String stopReason, double residual, double[] residuals,
                   Boolean unique, double seconds) {}

    private final String method;
    private final Network net;
    private final int batchSize;
    private final boolean lockstep;
    private final int[] shape;
    private final Parallelism sequential = Parallelism.sequential();
    private LatentPursuit.Options latentPursuit; // only the chosen method's is set
    private LayeredBasisPursuit.Options layeredBp; // only the chosen method's is set
    private GradientDescent.Options gradient; // only the chosen method's is set
    private PdhgTv.Options pdhg; // only the chosen method's is set
    private Landweber.Options landweber; // only the chosen method's is set
    private LiftedCoordinateDescent.Options liftedCd; // only the chosen method's is set

    RowSolver(String method, Network net, InversionOptions o) {
        this.method = checkMethod(method, o);
        this.net = net;
        this.batchSize = o.batchSize();
        this.lockstep = net.isDense() && switch (this.method) {
            case "pdhg-tv", "landweber", "lifted-cd", "gd", "adam" -> true;
            default -> false;
        };
        switch (this.method) {
            case "latent-pursuit" -> {
                LatentPursuit.Options.Builder b = LatentPursuit.Options.builder();
                ifGiven(o.lambda(), b::lambdaLast);
                ifGiven(o.rho(), b::rho);
                ifGiven(o.gamma(), b::gamma);
                ifGiven(o.tol(), b::tol);
                ifGiven(o.maxIterations(), b::maxIterations);
                ifGiven(o.debias(), b::debias);
                latentPursuit = b.build();
            }
            case "layered-bp" -> {
                LayeredBasisPursuit.Options.Builder b = LayeredBasisPursuit.Options.builder();
                ifGiven(o.lambda() == null ? null : Lambdas.uniform(o.lambda()), b::lambdas);
                ifGiven(o.tol(), b::tol);
                ifGiven(o.maxIterations(), b::maxIterations);
                ifGiven(o.debias(), b::debias);
                layeredBp = b.build();
            }
            case "gd", "adam" -> {
                GradientDescent.Options.Builder b = GradientDescent.Options.builder()
                        .method(this.method.equals("adam") ? GradientDescent.Method.ADAM : GradientDescent.Method.GD);
                ifGiven(o.step() == null ? null : StepSize.fixed(o.step()), b::step);
                ifGiven(o.momentum(), b::momentum);
                ifGiven(o.seed(), b::seed);
                ifGiven(o.initStd(), b::initStd);
                ifGiven(o.maxIterations(), b::maxIterations);
                gradient = b.build();
            }
            case "pdhg-tv" -> {
                PdhgTv.Options.Builder b = PdhgTv.Options.builder();
                ifGiven(o.alpha(), b::alpha);
                ifGiven(o.maxIterations(), b::maxIterations);
                ifGiven(o.tol(), b::tol);
                pdhg = b.build();
            }
            case "landweber" -> {
                Landweber.Options.Builder b = Landweber.Options.builder(o.delta());
                ifGiven(o.eta(), b::eta);
                ifGiven(o.maxIterations(), b::maxIterations);
                landweber = b.build();
            }
            default -> {
                LiftedCoordinateDescent.Options.Builder b = LiftedCoordinateDescent.Options.builder();
                ifGiven(o.alpha(), b::alpha);
                ifGiven(o.innerIterations(), b::innerIterations);
                ifGiven(o.maxIterations(), b::maxOuterIterations);
                ifGiven(o.tol(), b::tol);
                liftedCd = b.build();
            }
        }
        this.shape = imageShape(this.method, net, o.image());
        if ((this.method.equals("pdhg-tv") || this.method.equals("landweber")) && net.depth() != 1) {
            throw new IllegalArgumentException("method " + this.method + " inverts a single layer, but the model has "
                    + net.depth() + " layers: use lifted-cd");
        }
    }

    /**
     * The method name in lower case, once it is one of {@link #METHODS} and has what it needs; checked on the
     * driver before any task starts, and again on the executor.
     */
    static String checkMethod(String method, InversionOptions o) {
        if (method == null) {
            throw new IllegalArgumentException("method must be one of " + METHODS + ", got null");
        }
        String m = method.toLowerCase(Locale.ROOT);
        if (!METHODS.contains(m)) {
            throw new IllegalArgumentException("method must be one of " + METHODS + " (oracle needs the true latents, the "
                    + "layer-wise LPs and ADMM are not distributed yet), got '" + method + "'");
        }
        if (m.equals("landweber") && o.delta() == null) {
            throw new IllegalArgumentException("method landweber needs InversionOptions.delta (the noise level "
                    + "||y_delta - y||) for the discrepancy principle");
        }
        return m;
    }

    /** Inverts one observation (n_L elements, already validated). */
    Outcome solve(FloatVec y) {
        return switch (method) {
            case "latent-pursuit" -> of(LatentPursuit.solve(net, y, null, latentPursuit));
            case "layered-bp" -> of(LayeredBasisPursuit.solve(net, y, null, layeredBp));
            case "gd", "adam" -> of(GradientDescent.solve(net, y, null, gradient));
            case "pdhg-tv" -> of(PdhgTv.solve(net.layer(1), y, shape[0], shape[1], shape[2], pdhg, sequential,
                    IterationListener.NONE));
            case "landweber" -> of(Landweber.solve(net.layer(1), y, landweber, sequential, IterationListener.NONE));
            default -> of(LiftedCoordinateDescent.solve(net.layers(), y, shape[0], shape[1], shape[2], liftedCd,
                    sequential, IterationListener.NONE));
        };
    }

    /** Whether rows are solved a block at a time by a lockstep engine (dense network, a method that has one). */
    boolean lockstep() {
        return lockstep;
    }

    /** B, the most rows {@link #solve(FloatMatrix)} takes (one lockstep block). */
    int batchSize() {
        return batchSize;
    }

    /**
     * The lockstep engine's own check of one observation (the domain of σ for pdhg-tv and landweber, the
     * observation check of gd/adam), so that a row it would refuse is reported on its own instead of failing
     * its block; the problem as text, or null.
     */
    String checkForBlock(FloatVec y) {
        try {
            if (method.equals("gd") || method.equals("adam")) {
                ObservationMasks.checkObservation(net, y, null);
            } else {
                Prox.checkDomain("y", net.dense(net.depth()).activation(), y); // the last layer's σ (lifted-cd)
            }
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /**
     * Inverts the rows of {@code ys} (at most {@link #batchSize()}, each checked by {@link #checkForBlock}) as
     * one lockstep block on this thread; the outcomes in row order.
     */
    List<Outcome> solve(FloatMatrix ys) {
        if (!lockstep) {
            throw new IllegalStateException("method " + method + " on this network has no lockstep engine");
        }
        if (ys.rows() < 1 || ys.rows() > batchSize) {
            throw new IllegalArgumentException("ys: expected 1 to " + batchSize + " rows (one block), got " + ys.rows());
        }
        List<Outcome> out = new ArrayList<>(ys.rows());
        switch (method) {
            case "gd", "adam" -> LockstepGradientDescent.solve(net, ys, null, gradient, batchSize, sequential)
                    .forEach(r -> out.add(of(r)));
            case "pdhg-tv" -> LockstepPdhgTv.solve(net.dense(1), ys, shape[0], shape[1], shape[2], pdhg, batchSize,
                    sequential).forEach(r -> out.add(of(r)));
            case "lifted-cd" -> LockstepLiftedCoordinateDescent.solve(net, ys, shape[0], shape[1], shape[2], liftedCd,
                    batchSize, sequential).forEach(r -> out.add(of(r)));
            default -> LockstepLandweber.solve(net.dense(1), ys, landweber, batchSize, sequential)
                    .forEach(r -> out.add(of(r)));
        }
        return out;
    }

    private static Outcome of(InversionResult r) {
        double[] stages = new double[r.stages().size()];
        for (int i = 0; i < stages.length; i++) {
            Stage s = r.stages().get(i);
            stages[i] = s.residual();
        }
        return new Outcome(r.z(), r.totalIterations(), r.stopReason().label(), r.residual(), stages,
                r.uniqueness() == null ? null : r.uniqueness().holds(), r.seconds());
    }

    private static Outcome of(LiftedResult r) {
        return new Outcome(r.x(), r.iterations(), r.stopReason().label(), r.discrepancy(), r.layerResiduals().clone(),
                null, r.seconds());
    }

    private static int[] imageShape(String m, Network net, int[] image) {
        int n = net.inputSize();
        if (!m.equals("pdhg-tv") && !m.equals("lifted-cd")) {
            return new int[] {1, 1, n};
        }
        if (image != null) {
            if ((long) image[0] * image[1] * image[2] != n) {
                throw new IllegalArgumentException("image " + image[0] + "x" + image[1] + "x" + image[2] + " has "
                        + (long) image[0] * image[1] * image[2] + " pixels but the network's input has " + n + " elements");
            }
            return image.clone();
        }
        int side = (int) Math.round(Math.sqrt(n));
        if (side * side != n) {
            throw new IllegalArgumentException("InversionOptions.image {C, H, W} is needed: the input has " + n
                    + " elements, not a square image");
        }
        return new int[] {1, side, side};
    }

    private static <T> void ifGiven(T value, Consumer<? super T> setter) {
        if (value != null) {
            setter.accept(value);
        }
    }

    @Override
    public void close() {
        sequential.close();
    }
}
