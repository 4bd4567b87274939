package dev.netinvert.solvers.parallel;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.Fused;
import dev.netinvert.kernels.KernelSupport;
import dev.netinvert.kernels.Blas;
import java.lang.foreign.Arena;

/**
 * The fused Bregman-loss gradient g = Wᵀ(σ(Wx + b) − t) over a fixed partition of W's rows
 * ({@link RowBlocks#forMatrix}): each block writes its own partial gradient, and the partials are added
 * in block order, split over column ranges — so the result is bit-identical whatever the number of
 * threads. The partial gradients live in a workspace allocated once, in the arena given.
 */
public final class BlockedBregmanGradient implements BregmanGradient {
    private static final KernelSupport K = Blas.active();

    private final Activation sigma;
    private final FloatMatrix w;
    private final FloatVec b;
    private final RowBlocks blocks;
    private final FloatVec[] partial;
    private final double[] partialSumSq;
    private final Parallelism.BlockRunner gradientRunner;
    private final Parallelism.BlockRunner combineRunner;
    private final int chunkSize;

    // Arguments of the current call, read by the block tasks (set before, cleared never: no allocation).
    private FloatVec x, t, z, g;

    /**
     * @param arena where the workspace (one partial gradient per block) is allocated
     * @param sigma the activation σ
     * @param w     W, m × n
     * @param b     bias of length m, or null
     * @param par   the threads to use
     */
    public BlockedBregmanGradient(Arena arena, Activation sigma, FloatMatrix w, FloatVec b, Parallelism par) {
        this.sigma = sigma;
        this.w = w;
        this.b = b;
        this.blocks = RowBlocks.forMatrix(w.rows(), w.cols());
        int nb = blocks.count();
        this.partial = new FloatVec[nb];
        // Block 0 writes straight into g; the others into their own 64-byte-aligned buffers.
        for (int i = 1; i < nb; i++) {
            partial[i] = FloatVec.allocate(arena, w.cols());
        }
        this.partialSumSq = new double[nb];
        this.gradientRunner = par.blockRunner(nb, this::gradientBlock);
        // The sum of partials is split over column chunks (multiples of 64 floats) for the same threads.
        int chunks = Math.max(1, Math.min(par.threads() * 2, w.cols() / 1024));
        this.chunkSize = ((w.cols() + chunks - 1) / chunks + 63) / 64 * 64;
        this.combineRunner = par.blockRunner(chunks, this::combineChunk);
    }

    /** Number of row blocks (fixed by W's shape). */
    public int blocks() {
        return blocks.count();
    }

    /**
     * Computes z = Wx + b and g = Wᵀ(σ(z) − t); returns ‖σ(z) − t‖². Shapes as in
     * {@link Fused#bregmanGradient}.
     */
    @Override
    public double compute(FloatVec x, FloatVec t, FloatVec z, FloatVec g) {
        this.x = x;
        this.t = t;
        this.z = z;
        this.g = g;
        gradientRunner.run();
        if (blocks.count() > 1) {
            combineRunner.run();
        }
        double s = 0.0;
        for (double v : partialSumSq) {
            s += v;
        }
        return s;
    }

    private void gradientBlock(int i) {
        FloatVec out = i == 0 ? g : partial[i];
        partialSumSq[i] = Fused.bregmanGradientRows(sigma, w, blocks.start(i), blocks.end(i), x, b, t, z, out);
    }

    private void combineChunk(int c) {
        int from = c * chunkSize;
        int to = Math.min(w.cols(), from + chunkSize);
        if (from >= to) {
            return;
        }
        // Raw SPI call: views of the chunk would be allocated on every iteration.
        long off = 4L * from;
        for (int i = 1; i < partial.length; i++) {
            K.axpy(1f, partial[i].segment(), partial[i].byteOffset() + off, g.segment(), g.byteOffset() + off, to - from);
        }
    }
}
