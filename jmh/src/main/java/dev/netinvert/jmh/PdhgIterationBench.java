package dev.netinvert.jmh;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.io.LoadOptions;
import dev.netinvert.solvers.io.ModelFiles;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.network.DenseLayer;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.lifted.PdhgEngine;
import dev.netinvert.solvers.lifted.ReferencePdhgTv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One PDHG iteration (14a)+(14b) [000] of the circle experiment: 64×64 image, W 512×4096, ReLU,
 * isotropic TV. {@code fast} is the solver's step (fused gradient over fixed row blocks, fused primal
 * and dual stencil steps) with {@code threads} threads; {@code reference} the same iteration on the
 * plain-array reference kernels. 20 iterations per invocation, so that the fork-join entry is amortised;
 * the score is per iteration. Compare with {@code jmh/numpy_pdhg.py}, the same iteration in NumPy.
 *
 * <p>{@code source} is where W, b and y live: {@code arena} as generated (native memory of one arena, W in the
 * kernels' layout); {@code npy} and {@code safetensors} written to files and loaded back as a user's {@code invert}
 * loads them (float32 tensors memory-mapped in place, except that W, whose 16 KiB rows share L1's sets, is copied
 * once into the kernels' layout: {@code ModelFiles.weightForKernels}); {@code npy-mapped} the same .npy files with
 * every weight kept in place ({@code LoadOptions.alignedCopyLimit} 0), so W is a mapped segment with
 * {@code ld = cols} beside the arena's workspace: the zero-copy path of models above the copy limit.
 */
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class PdhgIterationBench extends ThreadsBench {
    static final int STEPS = 20;

    @Param({"arena", "npy", "safetensors", "npy-mapped"})
    public String source;

    private CircleProblem p;
    private PdhgEngine engine;
    private ReferencePdhgTv reference;
    private DenseLayer layer;
    private FloatVec y;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        startPool();
        p = new CircleProblem(arena, 1);
        layer = p.layer;
        y = p.y;
        if (!source.equals("arena")) {
            Path dir = Files.createTempDirectory("netinvert-bench");
            Path json = dir.resolve("circle.json"), yFile = dir.resolve("y.npy");
            Network net = Network.of(p.layer);
            if (source.equals("safetensors")) {
                ModelFiles.save(net, json, "circle.safetensors");
            } else {
                ModelFiles.saveAsNpy(net, json);
            }
            Npy.write(yFile, p.y);
            LoadOptions options = source.equals("npy-mapped") ? LoadOptions.STRICT.withAlignedCopyLimit(0)
                    : LoadOptions.STRICT;
            layer = ModelFiles.load(json, arena, options).dense(1);
            y = Npy.read(yFile, arena).data();
        }
        engine = new PdhgEngine(arena, layer, 1, 64, 64, true, p.alpha, p.tauX, p.tauZ, par);
        reference = new ReferencePdhgTv(p.layer.weight().toArray(), 512, 4096, p.layer.bias().toArray(),
                Activation.RELU, p.y.toArray(), 1, 64, 64, p.alpha, p.tauX, p.tauZ, true);
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public double fast() {
        return par.call(this::steps);
    }

    private double steps() {
        for (int k = 0; k < STEPS; k++) {
            engine.step(y);
        }
        return engine.primalChangeSquared();
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public double reference() {
        if (threads != 1 || !source.equals("arena")) {
            return 0; // the reference is single-threaded and reads float[]: one measurement is enough
        }
        for (int k = 0; k < STEPS; k++) {
            reference.step();
        }
        return 0;
    }
}
